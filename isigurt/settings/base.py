"""Settings for local use: SQLite, tasks relayed inline, demo logins allowed.

Everything that differs between machines comes from the environment; see README.
Production settings (isigurt.settings.production) build on these and tighten them.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from isigurt.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ISIGURT_VAR_DIR", str(BASE_DIR / "var")))

# A fixed key is fine on a developer's laptop; production refuses it.
INSECURE_DEV_SECRET = "dev-only-not-secret-isigurt-0000000000000000000000000000"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET)
DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("ISIGURT_DEMO_MODE", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks); see lib/client.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",  # its Swagger UI files, for /api/v1/docs
    "isigurt.lib",
    "isigurt.accounts",
    "isigurt.geography",
    "isigurt.audit",
    "isigurt.hub",
    "isigurt.reports",
    "isigurt.helpline",
    "isigurt.cases",
    "isigurt.referrals",
    "isigurt.outbox",
]

MIDDLEWARE = [
    # First: nothing below may believe a forwarded scheme or host from an untrusted peer.
    "isigurt.lib.middleware.UntrustedForwardedHeadersMiddleware",
    "isigurt.lib.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "isigurt.lib.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "isigurt.lib.middleware.SameOriginNullOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "isigurt.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "isigurt.lib.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "isigurt.urls"
WSGI_APPLICATION = "isigurt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "isigurt" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "isigurt.lib.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is down: the caller gets 503 within R6's 3 s.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 2
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 10, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "hub:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# S6: length only, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# S6: staff idle timeout; each request pushes the expiry forward.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A stale form gets a kind page (quick exit, helpline) that may offer to send it again.
CSRF_FAILURE_VIEW = "isigurt.lib.views.csrf_failure"

# S5: lockout per (username, address), never permanent.
LOGIN_LOCKOUT_FAILURES = 5
LOGIN_LOCKOUT_PERIOD = timedelta(minutes=15)
# The device cookie (OWASP "device cookies"): a browser that completed a login for a username
# keeps signing in even while strangers use up that username's attempts a minute.
LOGIN_DEVICE_COOKIE_NAME = "isigurt-device"
LOGIN_DEVICE_COOKIE_AGE = 90 * 24 * 60 * 60
OTP_TOTP_ISSUER = "I Sigurt"

LANGUAGE_CODE = "sq"
LANGUAGES = [("sq", _("Albanian")), ("en", _("English"))]
# ISIGURT_LOCALE_DIR lets the catalogue check extract into a scratch copy.
LOCALE_PATHS = [Path(env_str("ISIGURT_LOCALE_DIR", str(BASE_DIR / "locale")))]
TIME_ZONE = "Europe/Tirane"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ISIGURT_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "isigurt" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Evidence lives outside the web root and is only ever served through an authorising view.
EVIDENCE_ROOT = Path(env_str("ISIGURT_EVIDENCE_ROOT", str(VAR_DIR / "evidence")))

# Field encryption (isigurt.lib.crypto): "id:base64key,id:base64key", newest first.
FIELD_ENCRYPTION_KEYS = env_str("FIELD_ENCRYPTION_KEYS", "")
# Keyed blind indexes for search and linking (isigurt.lib.blind_index): keys of their own,
# "id:base64key,id:base64key", newest first; empty derives one from SECRET_KEY (dev only).
BLIND_INDEX_KEYS = env_str("BLIND_INDEX_KEYS", "")

# Audit log (isigurt.audit): the Ed25519 key that signs its checkpoints, the 32-byte seed in
# base64 (`manage.py audit_signing_key --generate`); empty derives one from SECRET_KEY (dev only).
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY", "")
# An entry older than this and still unsealed makes verify_audit_log fail: is the sealer running?
AUDIT_MAX_UNSEALED_SECONDS = env_int("AUDIT_MAX_UNSEALED_SECONDS", 60)
# Every signed checkpoint is also appended here, outside the database; verify_audit_log reads it
# when present, so removed newest entries are caught. Production: another volume or host.
AUDIT_CHECKPOINT_LOG = env_str("AUDIT_CHECKPOINT_LOG", str(VAR_DIR / "audit-checkpoints.jsonl"))

# Cache: Redis when configured (shared by rate limits across workers), else the database.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "isigurt",
        }
    }
RATE_LIMIT_ENABLED = env_bool("ISIGURT_RATE_LIMIT", True)  # "off" only for load and fuzz tests

# Background work: with no broker, the outbox is relayed inline after commit.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
# Run by `celery -A isigurt beat`. The outbox relay asks for sealing as soon as audited work
# commits; this is the safety net that keeps every entry sealed within seconds regardless.
CELERY_BEAT_SCHEDULE = {
    "audit-seal": {"task": "isigurt.audit.tasks.seal_audit_log", "schedule": 10.0},
    # Cases whose first response or referral is overdue: the supervisors are told within a minute.
    "cases-escalate": {"task": "isigurt.cases.tasks.escalate_overdue_cases", "schedule": 60.0},
    # Referrals not acknowledged by their due time are escalated once (the relay also starts it).
    "referrals-escalate-overdue": {
        "task": "isigurt.referrals.tasks.escalate_overdue_referrals",
        "schedule": 60.0,
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@isigurt.al")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10  # seconds: a stuck mail server must not hold an outbox worker
# The helpline's inbox, told of each new report (code and category only); empty: no e-mail.
HELPLINE_NOTIFY_EMAIL = env_str("HELPLINE_NOTIFY_EMAIL", "")
# The public address of the site, for links in e-mails (the tracking page), without a slash.
SITE_URL = env_str("ISIGURT_SITE_URL", "http://127.0.0.1:8000")

# Security headers (S8). CSP: nonces for the few scripts, nothing inline.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Where the quick-exit button goes: a neutral site.
QUICK_EXIT_URL = env_str("ISIGURT_QUICK_EXIT_URL", "https://www.google.com/search?q=moti+tirane")

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Uploads never touch the disk (isigurt/lib/uploads.py); 5 are allowed per report.
FILE_UPLOAD_HANDLERS = ["isigurt.lib.uploads.CappedMemoryUploadHandler"]
DATA_UPLOAD_MAX_NUMBER_FILES = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_tracking_codes": {"()": "isigurt.lib.logfilters.RedactTrackingCodes"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tracking_codes"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The development server's request lines carry API paths with tracking codes: they go
    # through the redacting handler (with no handler at all, Python's last-resort handler would
    # print 4xx lines unfiltered).
    "loggers": {"django.server": {"handlers": ["console"], "propagate": False}},
}
