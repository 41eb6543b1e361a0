"""The platform's WSGI application plus a baseline endpoint, for bench/intake only.

The baseline parses a small JSON body and inserts one row through Django's connection: the floor
that any intake endpoint on this stack pays (HTTP, WSGI, Django settings, one committed INSERT).
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isigurt.settings.production")

from django.core.wsgi import get_wsgi_application
from django.db import connection, transaction

django_application = get_wsgi_application()
BASELINE_PATH = "/bench/baseline"


def _baseline(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (body) VALUES (%s) RETURNING id", [json.dumps(body)]
        )
        row_id = cursor.fetchone()[0]
    payload = json.dumps({"id": row_id}).encode()
    start_response(
        "201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def application(environ, start_response):
    if environ.get("PATH_INFO") == BASELINE_PATH:
        try:
            return _baseline(environ, start_response)
        finally:
            connection.close_if_unusable_or_obsolete()
    return django_application(environ, start_response)
