"""Quick exit in Chromium, as a frightened child on a shared phone uses it.

After quick exit, Back (once or twice) and opening the page again must show neither the
helpline's conversation, nor that a report was being written, nor its topic. Both languages
(the paths differ), JavaScript on and off (then the quick exit is a plain link).
"""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from isigurt.reports.services import report_message_post
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELPLINE_TEXT = "Placeholder answer only the child may read."
DESCRIPTION = "Placeholder words the child typed before leaving."
LANGUAGES = ["sq", "en"]
JS = [pytest.param(True, id="js-on"), pytest.param(False, id="js-off")]
# What the browser fires when Back brings a page back from its back-forward cache.
RESTORED = "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
EXITED = re.compile(r".*/robots\.txt$")

# Every answer the page holds, whether or not it is in the markup: typed values live only in
# the fields' properties, so the page's HTML alone would not show them.
ANSWERS = (
    "() => Array.from(document.querySelectorAll('input, textarea, select'))"
    ".filter(el => el.type !== 'hidden')"
    ".map(el => (el.type === 'radio' || el.type === 'checkbox')"
    " ? (el.checked ? el.name + '=' + el.value : '') : el.value)"
    ".filter(Boolean)"
)


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    # A neutral page on the same server, so the test needs no internet.
    settings.QUICK_EXIT_URL = f"{live_server.url}/robots.txt"
    cache.clear()
    return live_server


def url(live_server, name: str, language: str) -> str:
    with translation.override(language):
        return live_server.url + reverse(name)


def open_tracking(page, live_server, operator, language: str) -> str:
    result = submitted()
    report_message_post(report=result.report, body=HELPLINE_TEXT, actor=operator)
    track = url(live_server, "reports:track", language)
    page.goto(url(live_server, "hub:home", language))  # somewhere for Back to go
    page.goto(track)
    page.fill("#id_tracking_code", result.tracking_code)
    page.fill("#id_secret", result.secret)
    page.click("#track-form button[type=submit]")
    assert HELPLINE_TEXT in page.locator("#thread").inner_text()
    return track


def assert_no_conversation(page) -> None:
    assert HELPLINE_TEXT not in page.content()
    assert page.locator("#thread, #report-status, #message-form").count() == 0


@pytest.mark.parametrize("js", JS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_after_quick_exit_the_tracking_page_shows_no_conversation(
    new_context, live_server, operator, language, js
):
    page = new_context(java_script_enabled=js).new_page()
    track = open_tracking(page, live_server, operator, language)

    page.click("#quick-exit")
    page.wait_for_url(EXITED)
    page.go_back()
    assert_no_conversation(page)

    page.goto(track)  # the same browser, later
    assert page.locator("#track-form").is_visible()
    assert_no_conversation(page)


def test_the_escape_key_ends_the_tracking_session_too(page, live_server, operator):
    track = open_tracking(page, live_server, operator, "sq")
    page.keyboard.press("Escape")
    page.wait_for_url(EXITED)
    page.go_back()
    assert_no_conversation(page)
    page.goto(track)
    assert page.locator("#track-form").is_visible()
    assert_no_conversation(page)


def write_report(page, live_server, language: str) -> str:
    """Step 1 (a category), step 2 (a description); returns step 2's topic as shown."""
    page.goto(url(live_server, "hub:home", language))
    page.goto(url(live_server, "reports:start", language) + "?audience=child")
    page.check("input[name=category][value=sextortion]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url(url(live_server, "reports:form", language))
    page.fill("#id_description", DESCRIPTION)
    return page.locator(".chosen").inner_text().split("·")[0].strip()


def assert_no_report_shown(page, topic: str) -> None:
    assert DESCRIPTION not in page.content()
    assert not any(DESCRIPTION in answer for answer in page.evaluate(ANSWERS))
    assert page.locator("input[name=category]:checked").count() == 0  # no choice left
    # Step 2 names its topic; no page may show it as the topic being reported.
    assert page.locator("#report-form, .chosen").count() == 0
    assert topic not in page.locator("h1").all_inner_texts()


@pytest.mark.parametrize("js", JS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_after_quick_exit_back_shows_nothing_of_the_report_being_written(
    new_context, live_server, language, js
):
    page = new_context(java_script_enabled=js).new_page()
    topic = write_report(page, live_server, language)

    page.click("#quick-exit")
    page.wait_for_url(EXITED)
    page.go_back()
    assert_no_report_shown(page, topic)
    page.go_back()
    assert_no_report_shown(page, topic)
    page.goto(url(live_server, "reports:start", language) + "?audience=child")
    assert_no_report_shown(page, topic)  # the server kept nothing of step 1 either


def test_the_escape_key_forgets_the_report_being_written(page, live_server):
    topic = write_report(page, live_server, "en")
    page.keyboard.press("Escape")
    page.wait_for_url(EXITED)
    page.go_back()
    assert_no_report_shown(page, topic)
    page.go_back()
    assert_no_report_shown(page, topic)


def test_a_tracking_page_restored_from_the_back_forward_cache_is_not_shown_again(
    context, live_server, operator
):
    """A page kept in memory by the browser (Back without a request) asks the server again.

    Playwright's Chromium runs without the back-forward cache, so the restore is simulated:
    a second tab still holds the conversation when the first one quick-exits.
    """
    first = context.new_page()
    open_tracking(first, live_server, operator, "en")
    kept = context.new_page()
    kept.goto(url(live_server, "reports:track", "en"))
    assert HELPLINE_TEXT in kept.content()

    first.click("#quick-exit")
    first.wait_for_url(EXITED)
    # The neutral page here is on the same server, as fast as the exit's beacon: wait for it.
    for _ in range(50):
        if not Session.objects.exists():
            break
        first.wait_for_timeout(100)
    with kept.expect_navigation():
        kept.evaluate(RESTORED)
    assert_no_conversation(kept)


QUEUE_COUNT = (
    "new Promise(r => { const o = indexedDB.open('isigurt-app'); o.onsuccess = () =>"
    " { const q = o.result.transaction('queue').objectStore('queue').count();"
    " q.onsuccess = () => r(q.result); }; })"
)


def test_the_exit_keeps_a_report_the_app_has_not_sent_yet(context, live_server):
    """The exit clears the browser's cache, never the app's storage: no report is lost."""
    down = {"status": 503, "headers": {"Retry-After": "60"}, "body": "Service Unavailable"}
    context.route("**/api/v1/reports", lambda route: route.fulfill(**down))
    page = context.new_page()
    page.goto(f"{live_server.url}/app/en/")
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", "Placeholder waiting to be sent.")
    page.click("#app-form button[type=submit]")
    page.wait_for_function(f"{QUEUE_COUNT}.then(n => n === 1)")

    page.goto(url(live_server, "reports:quick_exit", "sq"))  # as the plain link does
    page.wait_for_url(EXITED)
    page.wait_for_function(f"{QUEUE_COUNT}.then(n => n === 1)")  # still there, same origin
