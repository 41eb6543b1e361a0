"""The "I SIGURT" app: shell, manifest, icons, service worker and what it precaches."""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_shell_is_albanian_by_default_and_english_on_request(client):
    albanian = client.get(reverse("app:shell"))
    english = client.get(reverse("app:shell_lang", args=["en"]))
    assert albanian.status_code == english.status_code == 200
    assert '<html lang="sq">' in albanian.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Tell us what happened online" in english.content.decode()
    assert client.get("/app/xx/").status_code == 404


def test_the_shell_always_offers_quick_exit_and_a_call_to_116111(client):
    html = client.get(reverse("app:shell")).content.decode()
    assert 'id="quick-exit"' in html
    assert 'href="tel:116111"' in html
    assert html.index('id="quick-exit"') < html.index("<main")
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html


def test_the_shell_has_no_inline_script_or_style(client):
    html = client.get(reverse("app:shell")).content.decode()
    assert " style=" not in html
    for chunk in html.split("<script")[1:]:
        assert "src=" in chunk.split(">", 1)[0]


def test_the_manifest_makes_the_app_installable(client):
    response = client.get(reverse("app:manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "I Sigurt"
    assert manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, src in sizes.items():
        found = finders.find(src.removeprefix("/static/"))
        assert found, src
        with open(found, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == size


def test_the_service_worker_is_scoped_to_the_app(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/app/"


def test_everything_the_service_worker_precaches_exists(client):
    body = client.get(reverse("app:service_worker")).content.decode()
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", body).group(1))
    for path in ("/app/", "/app/en/", "/app/advice/child/", "/app/en/advice/teen/"):
        assert path in precache
    assert any(p.startswith("/api/v1/categories?audience=child") for p in precache)
    assert "/static/reports/app.js" in precache
    for path in precache:
        assert client.get(path).status_code == 200, path


def test_the_cache_name_changes_when_an_app_file_changes(client):
    from isigurt.reports import views

    first = client.get(reverse("app:service_worker")).content.decode()
    views._static_fingerprint.cache_clear()
    original = views.APP_VERSION
    views.APP_VERSION = original + "-changed"
    try:
        second = client.get(reverse("app:service_worker")).content.decode()
    finally:
        views.APP_VERSION = original
        views._static_fingerprint.cache_clear()
    name = re.compile(r'var CACHE = "([^"]+)"')
    assert name.search(first).group(1) != name.search(second).group(1)


def test_the_advice_pages_speak_to_each_audience(client):
    child = client.get(reverse("app:advice_lang", args=["en", "child"])).content.decode()
    adult = client.get(reverse("app:advice_lang", args=["en", "adult"])).content.decode()
    assert "Do not pay and do not send anything more." in child
    assert "Do not pay and do not contact the person yourself" in adult
    assert "Do not pay and do not contact the person yourself" not in child
    assert 'href="tel:116111"' in client.get(reverse("app:advice", args=["child"])).content.decode()
    assert client.get("/app/advice/robots/").status_code == 404


def test_the_shell_renders_without_the_database_once_the_lookup_is_warm(
    client, django_assert_num_queries
):
    from isigurt.geography.selectors import reference_counties

    assert reference_counties()  # warm the in-memory reference lookup
    client.get(reverse("app:shell_lang", args=["en"]))  # and the session/middleware paths
    with django_assert_num_queries(0):
        response = client.get(reverse("app:shell_lang", args=["en"]))
    assert response.status_code == 200
    assert 'value="AL-11"' in response.content.decode()
