"""Production: refuses to start with development secrets or demo logins."""

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured

from isigurt.lib.blind_index import keys_check
from isigurt.lib.env import env_bool, env_str

from .base import *  # noqa: F403
from .base import (
    ALLOWED_HOSTS,
    AUDIT_SIGNING_KEY,
    BLIND_INDEX_KEYS,
    FIELD_ENCRYPTION_KEYS,
    INSECURE_DEV_SECRET,
    REDIS_URL,
    SECRET_KEY,
)

if SECRET_KEY == INSECURE_DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production.")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")
# The search index's keys: their own (a derived one would be public knowledge, and sharing the
# field keys would tie the index to their rotation). See decision 0014.
keys_check(BLIND_INDEX_KEYS, FIELD_ENCRYPTION_KEYS)
try:
    _audit_seed = base64.b64decode(AUDIT_SIGNING_KEY.encode("ascii"), validate=True)
except (binascii.Error, ValueError, UnicodeEncodeError):
    _audit_seed = b""
if len(_audit_seed) != 32:
    # The key that signs the audit log's checkpoints: a derived one would be public knowledge.
    raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be set in production (32 bytes, base64).")
if not REDIS_URL:
    # Rate limits and the login minute must be shared by every worker process.
    raise ImproperlyConfigured("REDIS_URL must be set in production (shared rate-limit store).")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    # "*" answers any Host header: password-reset links and absolute URLs could name another site.
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the platform's host names, not '*'.")
if env_bool("ISIGURT_DEMO_MODE", False):
    raise ImproperlyConfigured("Demo mode cannot run with production settings.")
# Links in e-mails to reporters: the platform's own https address, never a guess from a request.
SITE_URL = env_str("ISIGURT_SITE_URL", f"https://{ALLOWED_HOSTS[0]}").rstrip("/")
if not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("ISIGURT_SITE_URL must be the platform's https:// address.")
# Development prints e-mails on the console; production sends them (EMAIL_HOST and friends).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

DEBUG = False
DEMO_MODE = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix makes browsers accept the cookies only from this exact host, over HTTPS,
# for the whole site: no subdomain can set or shadow them.
SESSION_COOKIE_NAME = "__Host-isigurt-session"
CSRF_COOKIE_NAME = "__Host-isigurt-csrf"
LOGIN_DEVICE_COOKIE_NAME = "__Host-isigurt-device"
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SECURE_HSTS_SECONDS = 31536000
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
