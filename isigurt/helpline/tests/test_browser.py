"""An operator logs a call with the keyboard only on a phone-sized screen (360 x 740), with the
timer running; axe-core finds no serious or critical violation on the contact pages."""

import time
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from isigurt.accounts.tests.personas import make_staff_client
from isigurt.helpline.models import Contact
from isigurt.helpline.tests.factories import logged
from isigurt.lib.testing.site import assert_accessible, reference_geography

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _geography(live_server):
    reference_geography()


def signed_in(context: Any, live_server: Any, user: Any) -> None:
    """The browser holds the staff session of ``user`` (password and second factor done)."""
    cookie = make_staff_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def tab_to(page: Any, selector: str, *, limit: int = 60) -> None:
    for _ in range(limit):
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_an_operator_logs_a_call_with_the_keyboard_only(context, live_server, operator):
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.goto(live_server.url + reverse("helpline:contact_new"))
    page.wait_for_selector("#timer-box:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    tab_to(page, 'input[name="channel"][value="call"]')  # a call is the default
    page.keyboard.press("Tab")  # on to who contacted: the first choice, a child
    assert page.evaluate("document.activeElement.value") == "child"
    page.keyboard.press("Space")
    tab_to(page, "#issue-filter")
    page.keyboard.type("sextor")
    page.keyboard.press("Enter")  # to the first match, not sending the form
    assert page.evaluate("document.activeElement.value") == "online.sextortion"
    page.keyboard.press("Space")
    tab_to(page, 'input[name="actions"][value="counselling"]')
    page.keyboard.press("Space")
    tab_to(page, 'textarea[name="summary"]')
    page.keyboard.type("Placeholder summary.")
    # Polled from here: a predicate string would need 'unsafe-eval', which the CSP refuses.
    deadline = time.monotonic() + 10
    while (page.text_content("#timer") or "") < "0:02" and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert (page.text_content("#timer") or "") >= "0:02"
    assert page.input_value('input[name="duration"]') >= "0:02"
    tab_to(page, "#save-contact")
    page.keyboard.press("Enter")
    page.wait_for_selector("#contact-fields")

    contact = Contact.objects.get()
    assert contact.channel == "call" and contact.caller == "child"
    assert list(contact.issues.values_list("topic", flat=True)) == ["online.sextortion"]
    assert contact.actions == ["counselling"]
    assert contact.duration_seconds >= 2
    assert contact.summary == "Placeholder summary."


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_contact_pages_have_no_serious_violation(new_context, live_server, operator, language):
    context = new_context(bypass_csp=True)  # axe is injected as a script
    signed_in(context, live_server, operator)
    contact = logged(operator, actions=["callback"], caller_phone="069 000 0004")
    with translation.override(language):
        new = reverse("helpline:contact_new")
        listed = reverse("helpline:contact_list")
        detail = reverse("helpline:contact_detail", kwargs={"contact_id": contact.pk})
    page = context.new_page()
    page.goto(live_server.url + new)
    page.wait_for_selector("#timer-box:not([hidden])")
    assert_accessible(page, "new contact")
    page.fill("#issue-filter", "zzzz")
    assert_accessible(page, "new contact, filter without a match")
    page.click("#save-contact")
    page.wait_for_selector("#error-summary")
    assert_accessible(page, "new contact with errors")
    page.goto(live_server.url + listed)
    assert_accessible(page, "list")
    page.goto(live_server.url + detail)
    assert_accessible(page, "detail with a call-back")
