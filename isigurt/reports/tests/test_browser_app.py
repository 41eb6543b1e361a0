"""The app in Chromium: quick exit, codes kept by choice, the PIN, the conversation, the secret.

Each test runs in Albanian (the default, /app/) and in English (/app/en/) where what the
reporter reads differs.
"""

import io
import re
import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from isigurt.lib.testing.site import site_ready
from isigurt.reports.models import Report, ReportMessage
from isigurt.reports.services import report_message_post

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LANGUAGES = pytest.mark.parametrize("language", ["sq", "en"])


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    settings.QUICK_EXIT_URL = f"{live_server.url}/robots.txt"
    settings.RATE_LIMIT_ENABLED = False  # many reports from one test client
    return live_server


def eventually(check, seconds: float = 5.0) -> bool:
    """The live server answers the app before the test's connection sees its commit."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OperationalError:  # SQLite: the server's write is still in progress
            pass
        time.sleep(0.05)
    return False


def app_path(language: str) -> str:
    return "/app/" if language == "sq" else f"/app/{language}/"


def said(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def store(name: str) -> str:
    return (
        "new Promise(r => { const o = indexedDB.open('isigurt-app'); o.onsuccess = () =>"
        f" {{ const q = o.result.transaction('{name}').objectStore('{name}').getAll();"
        " q.onsuccess = () => r(q.result); }; })"
    )


def send_report(page, description: str = "Placeholder report from the app.") -> tuple[str, str]:
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", description)
    page.click("#app-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-secret", timeout=15_000)
    code = page.locator(".receipt .tracking-code").first.inner_text().strip()
    secret = page.locator(".receipt .tracking-secret").first.inner_text().strip()
    return code, secret


def quick_exit(page) -> None:
    page.click("#quick-exit")
    page.wait_for_url(re.compile(r".*/robots\.txt$"))


SAID_SOMETHING = "() => document.querySelector('#unlock-status').textContent !== ''"


def keep_on_phone(page) -> None:
    page.check(".receipt input[value=phone]")
    page.wait_for_function(f"{store('receipts')}.then(rs => rs.length && rs[0].keep === true)")


# --- 1. quick exit leaves nothing behind -------------------------------------------------------


@LANGUAGES
def test_after_quick_exit_the_codes_are_gone_from_screen_history_and_phone(
    context, live_server, language
):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    code, secret = send_report(page)
    page.check("input[name=audience][value=child]")  # a second report was being started
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", "Placeholder words not sent yet.")
    page.click("#advice a >> nth=0")  # the reporter reads the advice, and comes back
    page.click("a.brand")
    page.wait_for_selector(".receipt .tracking-code")  # same visit: still open

    quick_exit(page)
    assert page.evaluate(store("receipts")) == []  # not kept by choice: removed

    page.go_back()  # the advice page
    page.go_back()  # the app as it was left: the start screen, no report, no draft
    page.wait_for_selector("#app-form")
    page.wait_for_timeout(300)
    html = page.content()
    assert code not in html and secret not in html
    assert "Placeholder words not sent yet." not in html
    assert page.input_value("#id_description") == ""
    assert page.locator("#lock-box").is_visible()

    page.goto(live_server.url + app_path(language))  # opened again: still nothing
    page.click("#open-mine")
    page.wait_for_selector("#mine-open:not([hidden])")
    assert page.locator(".receipt").count() == 0
    assert code not in page.content()
    assert eventually(lambda: Report.objects.count() == 1)  # the helpline has it all the same


def test_a_reload_in_the_same_visit_keeps_the_codes_but_closing_the_app_removes_them(
    context, live_server
):
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    code, _ = send_report(page)
    page.reload()
    page.wait_for_selector(".receipt .tracking-code")
    assert page.locator(".receipt .tracking-code").inner_text() == code

    page.close()  # the app is closed without Quick exit
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    page.wait_for_function(f"{store('receipts')}.then(rs => rs.length === 0)")
    assert code not in page.content()


@LANGUAGES
def test_codes_kept_by_choice_wait_behind_the_start_screen_after_quick_exit(
    context, live_server, language
):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    code, secret = send_report(page)
    keep_on_phone(page)

    page.click("#advice a >> nth=0")
    page.click("a.brand")
    quick_exit(page)
    page.go_back()
    page.go_back()
    page.wait_for_selector("#app-form")
    page.wait_for_timeout(300)
    assert code not in page.content()  # not on screen, not in the page at all
    assert page.locator("#open-mine").is_visible()

    page.click("#open-mine")
    page.wait_for_selector(".receipt .tracking-code")
    assert page.locator(".receipt .tracking-secret").inner_text() == secret


def test_a_report_queued_offline_is_still_delivered_after_quick_exit(context, live_server):
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    context.route("**/api/v1/reports", lambda route: route.abort("internetdisconnected"))
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", "Placeholder queued before quick exit.")
    page.click("#app-form button[type=submit]")
    page.wait_for_function(
        f"{store('queue')}.then(items => items.length === 1 && items[0].attempts > 0)"
    )

    page.keyboard.press("Escape")  # the keyboard's quick exit
    page.wait_for_url(re.compile(r".*/robots\.txt$"))
    assert len(page.evaluate(store("queue"))) == 1  # never lost

    context.unroute("**/api/v1/reports")
    page.goto(live_server.url + "/app/en/")
    page.wait_for_function(f"{store('queue')}.then(items => items.length === 0)", timeout=15_000)
    assert eventually(
        lambda: (
            [r.description for r in Report.objects.all()]
            == ["Placeholder queued before quick exit."]
        ),
        seconds=10,
    )
    assert page.locator("#mine-open").is_hidden()  # and its code waits behind the start screen


# --- the PIN ------------------------------------------------------------------------------------


@LANGUAGES
def test_a_pin_opens_my_reports_and_only_its_salted_hash_is_stored(context, live_server, language):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    code, secret = send_report(page)
    keep_on_phone(page)

    page.click("#pin-settings summary")
    page.fill("#pin-new", "2468")
    page.fill("#pin-again", "2469")
    page.click("#pin-form button[type=submit]")
    assert page.locator("#pin-status").inner_text() == said(
        language, "The two PINs are not the same. Try again."
    )
    page.fill("#pin-again", "2468")
    page.fill("#pin-new", "2468")
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#pin-remove:not([hidden])")
    [record] = page.evaluate(store("settings"))
    assert record["key"] == "pin"
    # Not stored as such: no field holds it (a random hex hash may contain the digits).
    assert "2468" not in [str(value) for value in record.values()]
    assert set(record) <= {"key", "salt", "hash", "iterations", "fails", "until"}
    assert len(record["salt"]) == 32 and len(record["hash"]) == 64
    assert record["iterations"] >= 600_000

    page.click("#close-mine")
    page.wait_for_selector("#unlock-form:not([hidden])")
    assert code not in page.content()
    assert page.locator("#open-mine").is_hidden()  # no way round the PIN
    page.fill("#unlock-pin", "1111")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_function(SAID_SOMETHING)
    assert page.locator("#unlock-status").inner_text() == said(
        language, "This PIN is not right. Try again."
    )
    assert code not in page.content()

    page.fill("#unlock-pin", "2468")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-code")
    assert page.locator(".receipt .tracking-secret").inner_text() == secret

    page.reload()  # a reload asks again
    page.wait_for_selector("#unlock-form:not([hidden])")
    assert code not in page.content()

    # Changed: the old PIN no longer opens.
    page.fill("#unlock-pin", "2468")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-code")
    page.click("#pin-settings summary")
    page.fill("#pin-new", "97531")
    page.fill("#pin-again", "97531")
    page.click("#pin-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#pin-status').textContent !== ''")
    page.click("#close-mine")
    page.fill("#unlock-pin", "2468")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_function(SAID_SOMETHING)
    assert page.locator("#mine-open").is_hidden()
    page.fill("#unlock-pin", "97531")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-code")

    page.click("#pin-remove")  # removed: a tap opens again
    page.wait_for_selector("#pin-remove[hidden]", state="attached")
    assert page.evaluate(store("settings")) == []


def test_after_several_wrong_pins_the_app_waits_and_forgetting_it_keeps_queued_reports(
    context, live_server
):
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    code, _ = send_report(page)
    keep_on_phone(page)
    page.click("#pin-settings summary")
    page.fill("#pin-new", "2468")
    page.fill("#pin-again", "2468")
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#pin-remove:not([hidden])")
    page.click("#close-mine")

    for _ in range(5):
        page.fill("#unlock-pin", "0000")
        page.click("#unlock-form button[type=submit]")
        page.wait_for_function(SAID_SOMETHING)  # PBKDF2 runs in the browser
    assert "Too many tries. Wait 30 seconds" in page.locator("#unlock-status").inner_text()
    page.fill("#unlock-pin", "2468")  # even the right PIN waits
    page.click("#unlock-form button[type=submit]")
    page.wait_for_function(SAID_SOMETHING)
    assert page.locator("#mine-open").is_hidden()
    page.reload()  # and a reload does not reset the count
    page.fill("#unlock-pin", "2468")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_function(SAID_SOMETHING)
    assert page.locator("#mine-open").is_hidden()
    assert "Too many tries" in page.locator("#unlock-status").inner_text()

    context.set_offline(True)  # a report waits to be sent
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", "Placeholder queued while locked.")
    page.click("#app-form button[type=submit]")
    page.wait_for_function(f"{store('queue')}.then(items => items.length === 1)")
    assert page.locator("#mine-open").is_hidden()  # sending does not open the PIN's door

    page.click("#forgot-pin")
    page.click("#forgot-confirm")
    page.wait_for_selector("#mine-open:not([hidden])")
    assert page.evaluate(store("receipts")) == []
    assert page.evaluate(store("settings")) == []
    assert len(page.evaluate(store("queue"))) == 1
    assert code not in page.content()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(f"{store('queue')}.then(items => items.length === 0)", timeout=15_000)
    assert eventually(lambda: Report.objects.count() == 2)


# --- 2. replies that reach people ----------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@LANGUAGES
def test_the_app_reads_the_answer_and_sends_a_message_and_a_picture_offline_first(
    context, live_server, operator, language
):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    send_report(page)
    report = Report.objects.get()
    report_message_post(report=report, body="Placeholder answer from the helpline.", actor=operator)

    page.click(".receipt .open-thread")
    page.wait_for_selector("#conversation-thread .from-helpline")
    assert (
        "Placeholder answer from the helpline." in page.locator("#conversation-thread").inner_text()
    )
    assert page.locator("#conversation-status").inner_text() != ""

    context.set_offline(True)
    page.fill("#message-text", "Placeholder reply written offline.")
    page.click("#message-form button[type=submit]")
    page.set_input_files(
        "#picture-file",
        files=[{"name": "shot.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    page.click("#picture-form button[type=submit]")
    page.wait_for_function(f"{store('outbox')}.then(items => items.length === 2)")
    page.wait_for_function("() => document.querySelectorAll('.outbox-item').length === 2")
    waiting = said(language, "Waiting to send")
    assert page.locator(".outbox-item", has_text=waiting).count() == 2
    assert page.input_value("#message-text") == ""
    assert not ReportMessage.objects.filter(report=report, from_helpline=False).exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(f"{store('outbox')}.then(items => items.length === 0)", timeout=15_000)
    page.wait_for_selector("#conversation-thread .from-reporter:not(.outbox-item)")
    assert eventually(
        lambda: (
            [m.body for m in ReportMessage.objects.filter(report=report, from_helpline=False)]
            == ["Placeholder reply written offline."]
        )
    )
    assert eventually(lambda: report.evidence.count() == 1)
    assert page.locator(".outbox-item").count() == 0


def test_a_message_stays_queued_until_the_server_takes_it(context, live_server):
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    send_report(page)
    answers = iter([{"status": 503, "headers": {"Retry-After": "1"}, "body": "down"}])

    def network(route):
        answer = next(answers, None)
        if answer is None:
            route.continue_()
        else:
            route.fulfill(**answer)

    context.route("**/api/v1/reports/*/messages", network)
    page.click(".receipt .open-thread")
    page.fill("#message-text", "Placeholder sent through a bad network.")
    page.click("#message-form button[type=submit]")
    page.wait_for_function(
        f"{store('outbox')}.then(items => items.length === 1 && items[0].attempts === 1)"
    )
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(f"{store('outbox')}.then(items => items.length === 0)", timeout=15_000)
    page.wait_for_selector("#conversation-thread .from-reporter:not(.outbox-item)")
    assert eventually(lambda: ReportMessage.objects.filter(from_helpline=False).count() == 1)


@LANGUAGES
def test_the_app_adds_information_to_the_report(context, live_server, language):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    send_report(page)
    page.click(".receipt .open-thread")
    page.check("#kind-information")
    page.fill("#message-text", "Placeholder detail added later.")
    page.click("#message-form button[type=submit]")
    page.wait_for_function(f"{store('outbox')}.then(items => items.length === 0)", timeout=15_000)
    page.wait_for_selector("#conversation-thread .from-reporter:not(.outbox-item)")
    assert said(language, "More information") in page.locator("#conversation-thread").inner_text()
    assert eventually(
        lambda: (
            [(m.kind, m.body) for m in ReportMessage.objects.all()]
            == [("information", "Placeholder detail added later.")]
        )
    )


def test_the_picture_form_is_not_offered_where_pictures_are_refused(context, live_server):
    page = context.new_page()
    page.goto(live_server.url + "/app/en/")
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=abuse_material]")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector(".receipt .open-thread", timeout=15_000)
    page.click(".receipt .open-thread")
    assert page.locator("#picture-form").is_hidden()
    assert page.locator("#picture-refused").is_visible()


# --- 3. the secret on one line, and a copy button ------------------------------------------------

LINE_COUNT = """node => {
  const range = document.createRange();
  range.selectNodeContents(node);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size;
}"""


@LANGUAGES
def test_the_secret_stays_on_one_line_on_a_360_pixel_phone_and_can_be_copied(
    new_context, live_server, language
):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    assert page.viewport_size == {"width": 360, "height": 740}
    page.goto(live_server.url + app_path(language))
    _, secret = send_report(page)
    box = page.locator(".receipt .tracking-secret")
    assert box.evaluate(LINE_COUNT) == 1
    height = box.evaluate("n => n.getBoundingClientRect().height")
    line = box.evaluate("n => parseFloat(getComputedStyle(n).lineHeight)")
    assert height < 2 * line
    right = box.evaluate("n => n.getBoundingClientRect().right")
    assert right <= 360
    assert box.evaluate("n => n.scrollWidth <= n.clientWidth")

    page.click(".receipt .tracking-secret + .copy")
    page.wait_for_function("() => document.querySelector('#copy-status').textContent !== ''")
    assert page.locator("#copy-status").inner_text() == said(language, "Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert page.locator("#copy-status").get_attribute("role") == "status"


@LANGUAGES
def test_without_the_clipboard_api_the_copy_button_selects_the_secret(
    new_context, live_server, language
):
    context = new_context()
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})"
    )
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    _, secret = send_report(page)
    page.click(".receipt .tracking-secret + .copy")
    assert page.evaluate("String(window.getSelection())") == secret
    assert page.locator("#copy-status").inner_text() == said(
        language, "Selected. Press and hold it, then choose Copy."
    )


# --- 4. accessibility of the new screens ---------------------------------------------------


@LANGUAGES
def test_the_new_app_screens_have_no_serious_violation(
    new_context, live_server, operator, language
):
    from isigurt.reports.tests.test_accessibility import assert_accessible

    # axe is injected as a script: the policy is bypassed for this context only.
    page = new_context(bypass_csp=True, service_workers="block").new_page()
    page.goto(live_server.url + app_path(language))
    send_report(page)
    assert_accessible(page, "my reports, a receipt with copy buttons and the choice to keep")
    page.click(".receipt .tracking-secret + .copy")
    page.click("#pin-settings summary")
    page.fill("#pin-new", "12")
    page.click("#pin-form button[type=submit]")
    assert_accessible(page, "PIN settings with a message")

    report_message_post(
        report=Report.objects.get(), body="Placeholder answer from the helpline.", actor=operator
    )
    page.click(".receipt .open-thread")
    page.wait_for_selector("#conversation-thread .from-helpline")
    page.route("**/api/v1/reports/*/messages", lambda route: route.abort("internetdisconnected"))
    page.fill("#message-text", "Placeholder waiting to send.")
    page.click("#message-form button[type=submit]")
    page.wait_for_selector(".outbox-item")
    assert_accessible(page, "the conversation with a message waiting to send")

    page.click("#conversation-back")
    page.fill("#pin-new", "2468")
    page.fill("#pin-again", "2468")
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#pin-remove:not([hidden])")
    page.click("#close-mine")
    page.fill("#unlock-pin", "1111")
    page.click("#unlock-form button[type=submit]")
    page.wait_for_function(SAID_SOMETHING)
    page.click("#forgot-pin")
    assert_accessible(page, "locked, a wrong PIN, and the forgotten-PIN question")


def test_the_app_with_its_css_and_js_weighs_under_100_kb(client):
    from django.contrib.staticfiles import finders

    for path in ("/app/", "/app/en/"):
        html = client.get(path).content.decode()
        total = len(html.encode())
        for marker in ('href="/static/', 'src="/static/'):
            for chunk in html.split(marker)[1:]:
                found = finders.find(chunk.split('"', 1)[0].split("?", 1)[0])
                if found:
                    total += Path(found).stat().st_size
        print(path, total)
        assert total < 100 * 1024, (path, total)


# --- 4. the advice of every category named -------------------------------------------------------


@LANGUAGES
def test_the_app_shows_the_advice_of_every_category_named_with_real_links(
    context, live_server, language
):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=grooming]")
    page.check("input[name=category][value=sextortion]")
    page.fill("#id_description", "Placeholder report naming two things.")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector(".receipt .advice li", timeout=15_000)
    lines = [line.strip() for line in page.locator(".receipt .advice li").all_inner_texts()]
    do_not_pay = said(
        language, "Do not pay: paying does not make it stop, they usually ask for more."
    )
    stop_replying = said(language, "Do not agree to meet.")
    assert do_not_pay in lines  # the second category's advice
    assert stop_replying in lines  # the main category's advice
    assert len(lines) == len(set(lines))  # each line once
    links = page.locator(".receipt .advice a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["https://takeitdown.ncmec.org/", "https://stopncii.org/"]


# --- 5. codes written down, the app closed: the report can still be opened -------------------


@LANGUAGES
def test_after_the_app_was_closed_the_written_down_codes_open_the_report(
    context, live_server, language
):
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    code, secret = send_report(page)
    page.close()  # codes not kept: gone with the app
    page = context.new_page()
    page.goto(live_server.url + app_path(language))
    page.wait_for_function(f"{store('receipts')}.then(rs => rs.length === 0)")
    link = page.locator("#track-link")
    assert link.is_visible()  # on the start screen, without opening My reports
    assert link.inner_text().strip() == said(language, "I have a tracking code and a secret")
    link.click()
    page.fill("#id_tracking_code", code)
    page.fill("#id_secret", secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#report-status")
    assert code.replace("-", "") in page.content().replace("-", "")
    assert (page.url.split("/")[3] == "en") == (language == "en")  # in the app's language
