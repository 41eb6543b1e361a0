"""The platform's WSGI application with bench/urls.py, for bench/intake only."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isigurt.settings.production")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
# The same middleware, settings and database as the platform; one extra route.
settings.ROOT_URLCONF = "bench.urls"
