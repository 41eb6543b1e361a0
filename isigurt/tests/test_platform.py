"""Health, headers, production settings and the weight of public pages."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:9/isigurt_nowhere"
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "isigurt.settings.production",
    "SECRET_KEY": "kR3v9-QzL1x_T8mW2yN6pB4cH7jD0sF5gA9eU3iO1rK8tZ2wX6vM4nQ7bC0lP5dY",
    "FIELD_ENCRYPTION_KEYS": "p1:" + "A" * 43 + "=",
    "BLIND_INDEX_KEYS": "b1:" + "C" * 43 + "=",
    "AUDIT_SIGNING_KEY": "B" * 43 + "=",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "isigurt.al",
}


def _run_python(
    code: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_healthz_reports_a_reachable_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"


def test_healthz_answers_503_quickly_when_the_database_is_unreachable() -> None:
    code = (
        "import django, time; django.setup()\n"
        "from django.test import Client\n"
        "start = time.monotonic(); r = Client().get('/healthz'); took = time.monotonic() - start\n"
        "print(r.status_code, r['Retry-After'], r.json()['status'], r.json()['database'], took)\n"
    )
    result = _run_python(
        code,
        {"DJANGO_SETTINGS_MODULE": "isigurt.settings.base", "DATABASE_URL": UNREACHABLE_DATABASE},
    )
    assert result.returncode == 0, result.stderr
    status, retry_after, overall, database, took = result.stdout.split()
    assert (status, overall, database) == ("503", "degraded", "unreachable")
    assert int(retry_after) > 0
    assert float(took) < 3


def test_a_report_form_post_answers_an_html_503_when_the_database_is_unreachable() -> None:
    """The session is saved after the view: its failure must be a 503 too, never a 500."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(raise_request_exception=False)\n"
        "r = c.post('/raporto/', {'audience': 'child', 'category': 'bullying',"
        " 'child_in_danger': 'no'})\n"
        "print(r.status_code, r.get('Retry-After'), r['Content-Type'].split(';')[0],"
        " 'id=\"quick-exit\"' in r.content.decode())\n"
    )
    result = _run_python(
        code,
        {"DJANGO_SETTINGS_MODULE": "isigurt.settings.base", "DATABASE_URL": UNREACHABLE_DATABASE},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["503", "5", "text/html", "True"]


def test_a_page_answers_503_not_500_when_the_database_is_unreachable() -> None:
    """The staff login page in demo mode reads the demo users: it needs the database."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(raise_request_exception=False).get('/en/staff/login/')\n"
        "print(r.status_code, r.get('Retry-After'), r['Content-Type'].split(';')[0],"
        " '116 111' in r.content.decode())\n"
    )
    result = _run_python(
        code,
        {
            "DJANGO_SETTINGS_MODULE": "isigurt.settings.base",
            "DATABASE_URL": UNREACHABLE_DATABASE,
            "ISIGURT_DEMO_MODE": "true",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["503", "5", "text/html", "True"]


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    # As after collectstatic (see test_production_settings.py for the check without it).
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "ISIGURT_STATIC_ROOT": str(tmp_path / "static"),
        # The settings are under test here, not the machine's database role (CI connects to
        # PostgreSQL as a superuser, which isigurt.W010 rightly warns about: see
        # isigurt/audit/tests/test_role_check.py).
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-not-secret-isigurt-0000000000000000000000000000"}, "SECRET_KEY"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({"BLIND_INDEX_KEYS": ""}, "BLIND_INDEX_KEYS"),
        ({"BLIND_INDEX_KEYS": "b1:QUJD"}, "BLIND_INDEX_KEYS"),
        ({"BLIND_INDEX_KEYS": "b1:" + "A" * 43 + "="}, "must not reuse"),
        ({"AUDIT_SIGNING_KEY": ""}, "AUDIT_SIGNING_KEY"),
        ({"AUDIT_SIGNING_KEY": "not-base64!"}, "AUDIT_SIGNING_KEY"),
        ({"AUDIT_SIGNING_KEY": "QUJD"}, "AUDIT_SIGNING_KEY"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"ISIGURT_DEMO_MODE": "true"}, "Demo mode"),
    ],
)
def test_production_settings_refuse_unsafe_values(override: dict[str, str], message: str) -> None:
    result = _run_python("import isigurt.settings.production", {**PRODUCTION_ENV, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_malformed_boolean_setting_is_an_error() -> None:
    result = _run_python("import isigurt.settings.base", {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


PUBLIC_PAGES = (
    "/",
    "/en/",
    "/raporto/",
    "/en/report/",
    "/ndjek/",
    "/en/track/",
    "/app/",
    "/app/en/",
    "/staf/hyrje/",
    "/en/staff/login/",
)


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/en/no-such-page/"])
def test_every_html_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self' 'nonce-" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_over_https(client: Client) -> None:
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_carry_no_inline_script(client: Client) -> None:
    html = client.get("/").content.decode()
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag, "inline scripts are forbidden by the CSP"
        assert "nonce=" in tag


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_the_quick_exit_button(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    assert 'id="quick-exit"' in response.content.decode(), path


@pytest.mark.parametrize("path", ["/no-such-page/", "/en/no-such-page/"])
def test_the_not_found_page_speaks_the_visitors_language_and_has_the_quick_exit(
    client: Client, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="quick-exit"' in html
    assert ('<html lang="en">' in html) == path.startswith("/en/")


def _static_size(path: str) -> int:
    found = finders.find(path)
    assert found, path
    return Path(found).stat().st_size


def test_a_public_page_with_its_css_and_js_weighs_under_100_kb(client: Client) -> None:
    for path in ("/", "/raporto/"):
        html = client.get(path).content.decode()
        total = len(html.encode())
        for marker in ('href="/static/', 'src="/static/'):
            for chunk in html.split(marker)[1:]:
                total += _static_size(chunk.split('"', 1)[0])
        assert total < 100 * 1024, (path, total)


def test_staff_pages_are_not_cached(client: Client, django_user_model: type) -> None:
    user = django_user_model.objects.create_user("cache-probe", password="long-enough-password")
    client.force_login(user)
    response = client.get("/en/staff/verify/")
    assert response["Cache-Control"] == "no-store"


def test_the_health_check_is_fast(client: Client) -> None:
    start = time.monotonic()
    client.get("/healthz")
    assert time.monotonic() - start < 1


def test_healthz_reports_a_reachable_broker(client: Client, settings) -> None:
    from isigurt.lib import health

    health._broker_checked = None
    settings.CELERY_BROKER_URL = os.environ.get(
        "ISIGURT_TEST_BROKER_URL", "redis://127.0.0.1:6379/3"
    )
    response = client.get("/healthz")
    if response.json()["broker"] != "ok" and os.environ.get("CI") != "true":
        pytest.skip("no Redis broker on this machine")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_says_degraded_when_the_broker_is_down_and_caches_the_answer(
    client: Client, settings
) -> None:
    from isigurt.lib import health

    health._broker_checked = None
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    first = client.get("/healthz")
    assert first.status_code == 200  # the database is up: the platform still takes reports
    assert first.json()["status"] == "degraded"
    assert first.json()["broker"] == "unreachable"
    started = time.monotonic()
    client.get("/healthz")
    assert time.monotonic() - started < 0.5  # answered from the cached check
