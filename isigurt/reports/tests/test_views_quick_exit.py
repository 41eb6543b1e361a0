"""The server's quick exit: it ends the report draft and the opened report, then leaves."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

NEUTRAL = "https://neutral.example/search?q=weather"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.QUICK_EXIT_URL = NEUTRAL
    cache.clear()


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def open_report(client) -> None:
    result = submitted()
    client.post(
        url("reports:track"), {"tracking_code": result.tracking_code, "secret": result.secret}
    )
    assert 'id="report-status"' in client.get(url("reports:track")).content.decode()


def test_the_exit_ends_the_opened_report_and_sends_the_browser_to_the_neutral_site(client):
    open_report(client)
    response = client.get(url("reports:quick_exit"))
    assert response.status_code == 303
    assert response["Location"] == NEUTRAL
    assert response["Cache-Control"] == "no-store"
    # The browser drops the pages it kept; not "storage" (the app's unsent reports).
    assert response["Clear-Site-Data"] == '"cache"'
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 0
    assert Session.objects.count() == 0
    html = client.get(url("reports:track")).content.decode()
    assert 'id="track-form"' in html
    assert 'id="report-status"' not in html


def test_the_exit_forgets_step_one_of_a_report_being_written(client):
    start = url("reports:start", "sq")
    client.post(start, {"audience": "child", "category": "bullying", "child_in_danger": "no"})
    assert client.get(url("reports:form", "sq")).status_code == 200

    def chosen() -> object:
        return client.get(start + "?audience=child").context["form"]["category"].value()

    assert chosen() == ["bullying"]
    client.get(url("reports:quick_exit", "sq"))
    assert client.get(url("reports:form", "sq"))["Location"] == start
    assert not chosen()


def test_a_beacon_without_a_csrf_token_is_enough(client):
    open_report(client)
    client.handler.enforce_csrf_checks = True
    assert client.post(url("reports:quick_exit")).status_code == 303
    assert 'id="report-status"' not in client.get(url("reports:track")).content.decode()


def test_the_albanian_exit_has_an_albanian_address():
    assert url("reports:quick_exit", "sq") == "/dalje/"
    assert url("reports:quick_exit", "en") == "/en/exit/"


def test_public_pages_link_to_the_exit_and_staff_pages_straight_to_the_neutral_site(
    client, staff_client, operator
):
    exit_link = f'href="{url("reports:quick_exit")}"'
    assert exit_link in client.get(url("reports:track")).content.decode()
    staff_page = staff_client(operator).get(url("reports:staff_list")).content.decode()
    assert exit_link not in staff_page
    assert f'id="quick-exit" class="quick-exit" href="{NEUTRAL}"' in staff_page


def test_a_public_quick_exit_keeps_a_staff_login(staff_client, operator):
    client = staff_client(operator)
    open_report(client)
    assert client.get(url("reports:quick_exit")).status_code == 303
    assert client.get(url("reports:staff_list")).status_code == 200  # still logged in
    assert 'id="report-status"' not in client.get(url("reports:track")).content.decode()


@pytest.mark.parametrize("language", ["sq", "en"])
def test_every_step_of_the_report_and_the_tracking_page_is_never_stored(client, language):
    start = url("reports:start", language)
    assert client.get(start)["Cache-Control"] == "no-store"
    assert client.get(start + "?audience=child")["Cache-Control"] == "no-store"
    client.post(start, {"audience": "child", "category": "bullying", "child_in_danger": "no"})
    assert client.get(url("reports:form", language))["Cache-Control"] == "no-store"
    assert client.get(url("reports:track", language))["Cache-Control"] == "no-store"
