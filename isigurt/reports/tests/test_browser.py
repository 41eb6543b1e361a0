"""Report pages and the app in Chromium: JS on and off, offline app, tracking, quick exit."""

import re

import pytest

from isigurt.lib.testing.site import site_ready
from isigurt.reports.models import Report
from isigurt.reports.services import report_message_post, report_open
from isigurt.reports.tests.factories import submitted

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows (the flush after each test also removes the
    # reference geography: the fixture below loads it again).
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    return live_server


def read_codes(page) -> tuple[str, str]:
    code = page.locator("#tracking-code").inner_text().strip()
    secret = page.locator("#tracking-secret").inner_text().strip()
    return code, secret


def test_a_child_reports_with_javascript_on(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=child")
    page.check("input[name=child_in_danger][value=yes]")
    assert page.locator("#danger-now").is_visible()  # at once, before moving on
    assert page.locator('#danger-now a[href="tel:112"]').is_visible()
    page.check("input[name=child_in_danger][value=no]")
    assert page.locator("#danger-now").is_hidden()
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")

    page.fill("#id_description", "Placeholder words typed by the child.")
    page.reload()  # nothing typed is lost
    assert page.input_value("#id_description") == "Placeholder words typed by the child."

    page.select_option("#id_county_code", "AL-11")  # municipalities narrow to the county
    counties = page.eval_on_selector_all(
        "#id_municipality_slug option[value]:not([value=''])",
        "options => [...new Set(options.map(o => o.dataset.county))]",
    )
    assert counties == ["AL-11"]
    page.check("input[name=contact_method][value=email]")
    page.fill("#id_contact_value", "not-an-address")
    page.check("#id_contact_consent")
    page.click("#report-form button[type=submit]")
    error = page.locator("#id_contact_value_error")
    assert error.is_visible()  # checked in the page, nothing sent
    assert page.locator("#error-summary").is_visible()
    assert page.url.endswith("/en/report/details/")
    assert Report.objects.count() == 0

    page.fill("#id_contact_value", "parent@example.com")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    code, secret = read_codes(page)
    report = Report.objects.get()
    assert report_open(tracking_code=code, secret=secret) == report
    assert (report.audience, report.category, report.channel) == ("child", "bullying", "web")
    drafts = page.evaluate(
        "Object.keys(sessionStorage).filter(k => k.indexOf('isigurt:draft:') === 0).length"
    )
    assert drafts == 0


def test_the_danger_box_stays_on_step_two_with_javascript_on(new_context, live_server):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=grooming]")
    page.check("input[name=child_in_danger][value=yes]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.locator("#danger-now").is_visible()
    assert page.locator('#danger-now a[href="tel:112"]').is_visible()


def test_a_child_reports_with_javascript_off(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/en/report/")
    page.check("input[name=audience][value=child]")
    page.click(".audience-form button[type=submit]")
    page.check("input[name=category][value=grooming]")
    page.check("input[name=child_in_danger][value=yes]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.locator('#danger-now a[href="tel:116111"]').is_visible()

    page.fill("#id_platform", "ExampleGame")
    page.fill("#id_description", "Placeholder words that must survive.")
    page.select_option("#id_county_code", "AL-11")
    page.select_option("#id_municipality_slug", "tirane")
    page.check("input[name=contact_method][value=phone]")
    page.click("#report-form button[type=submit]")  # no number: the server says so

    assert page.locator("#error-summary").is_visible()
    assert page.locator("#id_contact_value_error").is_visible()
    assert page.input_value("#id_platform") == "ExampleGame"
    assert page.input_value("#id_description") == "Placeholder words that must survive."
    assert page.input_value("#id_municipality_slug") == "tirane"
    assert Report.objects.count() == 0

    page.fill("#id_contact_value", "069 123 4567")
    page.check("#id_contact_consent")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    code, secret = read_codes(page)
    report = report_open(tracking_code=code, secret=secret)
    assert report is not None
    assert report.child_in_danger is True
    assert report.municipality.slug == "tirane"
    assert Report.objects.count() == 1


def test_a_report_written_offline_in_the_app_arrives_exactly_once(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/app/en/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)

    # The first answer is lost on the way back (the server stored the report): the app must
    # resend with the same Idempotency-Key and the server must not store it twice.
    lost = {"count": 0}

    def lose_first_answer(route):
        if route.request.method == "POST" and lost["count"] == 0:
            lost["count"] += 1
            route.fetch()
            route.abort()
        else:
            route.continue_()

    context.set_offline(True)
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=sextortion]")  # categories from the cache
    page.fill("#id_description", "Placeholder written offline.")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#queue-list .queued-report")
    assert Report.objects.count() == 0

    context.route("**/api/v1/reports", lose_first_answer)
    context.set_offline(False)
    page.wait_for_selector(".receipt .tracking-code", timeout=20_000)
    code = page.locator(".receipt .tracking-code").inner_text()
    secret = page.locator(".receipt .tracking-secret").inner_text()
    assert lost["count"] == 1
    assert Report.objects.count() == 1
    assert report_open(tracking_code=code, secret=secret) == Report.objects.get()
    assert (
        page.evaluate(
            "new Promise(r => { const o = indexedDB.open('isigurt-app'); o.onsuccess = () =>"
            " { const q = o.result.transaction('queue').objectStore('queue').count();"
            " q.onsuccess = () => r(q.result); }; })"
        )
        == 0
    )

    page.reload()  # the same visit: the code and secret are still shown
    page.wait_for_selector(".receipt .tracking-code")
    assert Report.objects.count() == 1


QUEUE_COUNT = (
    "new Promise(r => { const o = indexedDB.open('isigurt-app'); o.onsuccess = () =>"
    " { const q = o.result.transaction('queue').objectStore('queue').count();"
    " q.onsuccess = () => r(q.result); }; })"
)


def test_twenty_reports_queued_offline_arrive_exactly_once_each(context, live_server, settings):
    """R7: 20 reports written in airplane mode; on reconnection each is stored once."""
    settings.RATE_LIMIT_ENABLED = False  # the limiter is not what this test is about
    page = context.new_page()
    page.goto(f"{live_server.url}/app/en/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    context.set_offline(True)
    for number in range(1, 21):
        page.check("input[name=audience][value=teen]")
        page.check("input[name=category][value=bullying]")
        page.fill("#id_description", f"Placeholder offline report {number}.")
        page.click("#app-form button[type=submit]")
        page.wait_for_function(f"{QUEUE_COUNT}.then(n => n === {number})", timeout=5_000)
    assert Report.objects.count() == 0

    context.set_offline(False)
    page.wait_for_function(f"{QUEUE_COUNT}.then(n => n === 0)", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.receipt .tracking-code').length === 20",
        timeout=10_000,
    )
    assert Report.objects.count() == 20
    descriptions = sorted(report.description for report in Report.objects.all())
    assert descriptions == sorted(f"Placeholder offline report {n}." for n in range(1, 21))
    assert {report.channel for report in Report.objects.all()} == {"app"}


def test_the_tracking_page_shows_the_status_and_the_helplines_message(page, live_server, operator):
    result = submitted()
    report_message_post(
        report=result.report, body="Placeholder answer from the helpline.", actor=operator
    )
    page.goto(f"{live_server.url}/en/track/")
    page.fill("#id_tracking_code", result.tracking_code)
    page.fill("#id_secret", result.secret)
    page.click("#track-form button[type=submit]")
    assert page.locator("#report-status").inner_text() == "Received"
    assert "Placeholder answer from the helpline." in page.locator("#thread").inner_text()
    assert "secret" not in page.url.lower()


DRAFT_KEYS = "Object.keys(sessionStorage).filter(k => k.indexOf('isigurt:') === 0)"


def test_quick_exit_leaves_for_good_and_forgets_the_drafts(page, live_server, settings):
    settings.QUICK_EXIT_URL = f"{live_server.url}/robots.txt"
    page.goto(f"{live_server.url}/en/")
    page.goto(f"{live_server.url}/en/report/?audience=child")
    page.check("input[name=category][value=bullying]")  # the tab keeps a draft of this
    assert page.evaluate(DRAFT_KEYS) == ["isigurt:draft:report-start"]
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r".*/robots\.txt$"))
    assert page.evaluate(DRAFT_KEYS) == []  # same origin, same tab: nothing typed is left
    page.go_back()
    assert "/report/" not in page.url


def test_quick_exit_is_the_first_thing_in_focus(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=child")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"


# --- the app's queue: exactly once, nothing lost --------------------------------------------

QUEUE_ITEMS = (
    "new Promise(r => { const o = indexedDB.open('isigurt-app'); o.onsuccess = () =>"
    " { const q = o.result.transaction('queue').objectStore('queue').getAll();"
    " q.onsuccess = () => r(q.result); }; })"
)
RETRY_NOW = "window.dispatchEvent(new Event('online'))"  # the app sends at once when online


def write_app_report(page, description: str) -> None:
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    page.fill("#id_description", description)
    page.click("#app-form button[type=submit]")


def wait_for_queue(page, condition: str, timeout: int = 10_000) -> None:
    page.wait_for_function(f"{QUEUE_ITEMS}.then(items => {condition})", timeout=timeout)


def test_a_503_and_a_captive_portal_page_keep_the_report_queued_then_it_arrives_once(
    context, live_server
):
    page = context.new_page()
    answers = iter(
        [
            {"status": 503, "headers": {"Retry-After": "1"}, "body": "Service Unavailable"},
            {"status": 200, "content_type": "text/html", "body": "<h1>Log in to the Wi-Fi</h1>"},
        ]
    )
    reached = []

    def network(route):
        if route.request.method != "POST":
            route.continue_()
            return
        answer = next(answers, None)
        if answer is None:
            reached.append(route.request.headers["idempotency-key"])
            route.continue_()
        else:
            route.fulfill(**answer)

    context.route("**/api/v1/reports", network)
    page.goto(f"{live_server.url}/app/en/")
    write_app_report(page, "Placeholder sent through a bad network.")

    wait_for_queue(page, "items.length === 1 && items[0].attempts === 1")  # the 503
    page.evaluate(RETRY_NOW)
    wait_for_queue(page, "items.length === 1 && items[0].attempts === 2")  # the portal's page
    [item] = page.evaluate(QUEUE_ITEMS)
    assert item["state"] == "queued"  # not "rejected": the network, not the report, was wrong
    assert Report.objects.count() == 0

    page.evaluate(RETRY_NOW)
    wait_for_queue(page, "items.length === 0")
    page.wait_for_selector(".receipt .tracking-code")
    assert reached == [item["key"]]
    assert Report.objects.get().description == "Placeholder sent through a bad network."


def test_a_report_being_fixed_stays_queued_and_a_deleted_one_does_not_come_back(
    context, live_server
):
    page = context.new_page()
    keys, held = [], []
    refusal = {"detail": "Please check these answers.", "errors": [{"field": "urls",
               "message": "Placeholder problem with the link."}]}  # fmt: skip

    def network(route):
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fulfill(status=422, json=refusal)
        elif len(keys) == 2:
            route.continue_()
        else:
            held.append(route)  # answered later, after the reporter deleted the report

    context.route("**/api/v1/reports", network)
    page.goto(f"{live_server.url}/app/en/")
    write_app_report(page, "First version.")
    page.wait_for_selector(".queued-report .errorlist >> text=Placeholder problem")
    page.click(".queued-report button >> text=Fix it")
    wait_for_queue(page, "items.length === 1 && items[0].state === 'editing'")

    page.reload()  # the app is closed while the report is being fixed: it is still there
    wait_for_queue(page, "items.length === 1")
    page.click(".queued-report button >> text=Fix it")
    page.wait_for_function("() => document.querySelector('#id_description').value !== ''")
    page.fill("#id_description", "Fixed version.")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-code")
    wait_for_queue(page, "items.length === 0")
    assert Report.objects.get().description == "Fixed version."
    assert len(keys) == 2 and keys[0] != keys[1]  # a changed body gets a new key

    write_app_report(page, "Sent, then deleted while sending.")
    while not held:
        page.wait_for_timeout(50)
    page.click(".queued-report button >> text=Delete it")
    wait_for_queue(page, "items.length === 0")
    held[0].fulfill(status=503, headers={"Retry-After": "1"}, body="Service Unavailable")
    page.wait_for_timeout(500)
    assert page.evaluate(QUEUE_ITEMS) == []
    assert Report.objects.count() == 1


def test_the_installed_app_opens_from_its_cache_when_the_server_answers_503(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/app/en/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    down = {"status": 503, "content_type": "text/html", "body": "<h1>Database down</h1>"}
    context.route("**/app/en/", lambda route: route.fulfill(**down))
    context.route("**/api/v1/reports", lambda route: route.fulfill(**down))

    page.reload()
    page.wait_for_selector("#app-form")
    assert "Database down" not in page.content()
    write_app_report(page, "Placeholder written while the server was down.")
    wait_for_queue(page, "items.length === 1 && items[0].attempts >= 1")
    assert page.evaluate(QUEUE_ITEMS)[0]["state"] == "queued"

    context.unroute("**/api/v1/reports")
    page.evaluate(RETRY_NOW)
    page.wait_for_selector(".receipt .tracking-code", timeout=15_000)
    assert Report.objects.count() == 1
