"""The staff pages, with JavaScript off (Django's client): the form keeps time by itself."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.audit.models import AuditEntry
from isigurt.helpline.forms import opened_stamp, parse_duration
from isigurt.helpline.models import CallBack, Contact
from isigurt.helpline.selectors import PAGE_SIZE
from isigurt.helpline.tests.factories import logged

pytestmark = pytest.mark.django_db

FORM = {
    "channel": "call",
    "caller": "child",
    "age_band": "13_15",
    "gender": "female",
    "county_code": "AL-11",
    "municipality_slug": "tirane",
    "issues": ["online.sextortion", "mental_health.anxiety"],
    "actions": ["counselling", "callback"],
    "caller_phone": "069 000 0002",
    "summary": "Placeholder summary.",
}


def test_the_form_carries_a_signed_start_and_every_issue_as_a_checkbox(staff_client, operator):
    page = staff_client(operator).get(reverse("helpline:contact_new"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="opened"' in html
    assert html.count('name="issues"') >= 60
    assert 'id="issue-filter-box" hidden' in html  # shown only by the script
    assert 'id="timer-box" hidden' in html


def test_with_javascript_off_the_contact_lasts_from_the_form_to_the_post(staff_client, operator):
    opened = opened_stamp(timezone.now() - timedelta(minutes=3))
    response = staff_client(operator).post(
        reverse("helpline:contact_new"), {**FORM, "opened": opened}
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert 178 <= contact.duration_seconds <= 190
    assert response["Location"] == reverse(
        "helpline:contact_detail", kwargs={"contact_id": contact.pk}
    )
    assert contact.caller_phone == "069 000 0002"
    assert CallBack.objects.get(contact=contact).pending


def test_a_typed_length_wins_over_the_clock(staff_client, operator):
    opened = opened_stamp(timezone.now() - timedelta(minutes=3))
    data = {**FORM, "opened": opened, "duration": "12:30"}
    assert staff_client(operator).post(reverse("helpline:contact_new"), data).status_code == 302
    assert Contact.objects.get().duration_seconds == 750


def test_a_forged_start_without_a_length_asks_for_the_length_and_keeps_the_answers(
    staff_client, operator
):
    data = {**FORM, "opened": "forged:stamp"}
    response = staff_client(operator).post(reverse("helpline:contact_new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give the length of the contact." in html
    assert 'value="online.sextortion" id="issue-online-sextortion" checked' in html
    assert "Placeholder summary." in html
    assert not Contact.objects.exists()


def test_a_form_without_an_issue_says_so_next_to_the_issues(staff_client, operator):
    data = {**FORM, "opened": opened_stamp(), "issues": []}
    response = staff_client(operator).post(reverse("helpline:contact_new"), data)
    assert response.status_code == 400
    assert 'id="issues-error"' in response.content.decode()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("9", 540), ("9:05", 545), ("1:09:05", 4145), ("", None), ("9:75", None), ("x", None)],
)
def test_lengths_are_read_as_minutes_and_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_the_detail_shows_the_contact_and_audits_the_read(staff_client, operator, supervisor):
    contact = logged(operator, actions=["callback"], caller_phone="069 000 0003")
    url = reverse("helpline:contact_detail", kwargs={"contact_id": contact.pk})
    html = staff_client(supervisor).get(url).content.decode()
    assert "Placeholder summary." in html and "069 000 0003" in html
    assert "Cyberbullying" in html
    read = AuditEntry.objects.filter(action="contact.read").get()
    assert read.actor_id == supervisor.pk
    assert "summary" in read.fields and "caller_phone" in read.fields


def test_opening_the_edit_form_audits_the_read_like_the_detail(staff_client, supervisor, operator):
    from isigurt.audit.tests.helpers import entries_since, last_entry_id

    contact = logged(operator, actions=["callback"], caller_phone="069 000 0004")
    url = reverse("helpline:contact_edit", kwargs={"contact_id": contact.pk})
    client = staff_client(supervisor)
    since = last_entry_id()
    html = client.get(url).content.decode()
    assert "Placeholder summary." in html and "069 000 0004" in html
    written = entries_since(since)
    assert [entry.action for entry in written] == ["contact.read"]
    assert written[0].actor_id == supervisor.pk
    assert written[0].object_id == str(contact.pk)
    assert "summary" in written[0].fields and "caller_phone" in written[0].fields


def test_a_call_back_is_recorded_from_the_detail_page(staff_client, operator):
    contact = logged(operator, actions=["callback"], caller_phone="069 000 0003")
    url = reverse("helpline:contact_callback", kwargs={"contact_id": contact.pk})
    response = staff_client(operator).post(url, {"outcome": "reached", "note": "Placeholder."})
    assert response.status_code == 302
    assert CallBack.objects.get(contact=contact).outcome == "reached"
    refused = staff_client(operator).post(url, {"outcome": "perhaps"})
    assert refused.status_code == 400


def test_the_edit_form_corrects_a_contact(staff_client, operator):
    contact = logged(operator)
    url = reverse("helpline:contact_edit", kwargs={"contact_id": contact.pk})
    page = staff_client(operator).get(url).content.decode()
    assert 'value="5:00"' in page and 'name="opened"' not in page
    data = {"channel": "chat", "issues": ["peers.friendship"], "duration": "6:00"}
    assert staff_client(operator).post(url, data).status_code == 302
    contact.refresh_from_db()
    assert contact.channel == "chat" and contact.duration_seconds == 360


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("0001-01-01T00:00", "A call-back cannot be due in the past"),
        ("2020-01-01T10:00", "A call-back cannot be due in the past"),
        ("9999-12-31T23:59", "Choose a time within the next month."),
    ],
)
def test_a_call_back_due_far_from_now_is_a_form_error(staff_client, operator, due, message):
    data = {**FORM, "opened": opened_stamp(), "callback_due_at": due}
    response = staff_client(operator).post(reverse("helpline:contact_new"), data)
    assert response.status_code == 400
    assert message in response.context["form"].errors["callback_due_at"][0]
    assert not Contact.objects.exists()


def test_correcting_a_contact_keeps_its_overdue_call_back(staff_client, operator):
    due = timezone.now() + timedelta(hours=1)
    contact = logged(
        operator, actions=["callback"], caller_phone="069 000 0005", callback_due_at=due
    )
    CallBack.objects.filter(contact=contact).update(due_at=timezone.now() - timedelta(days=3))
    url = reverse("helpline:contact_edit", kwargs={"contact_id": contact.pk})
    client = staff_client(operator)
    form = client.get(url).context["form"]
    data = {key: value for key, value in form.initial.items() if value not in (None, "", [])}
    data["callback_due_at"] = data["callback_due_at"].strftime("%Y-%m-%dT%H:%M")
    data["summary"] = "Another placeholder summary."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    contact.refresh_from_db()
    assert contact.summary == "Another placeholder summary."


def test_a_child_caller_aged_18_or_older_is_refused_with_a_message(staff_client, operator):
    data = {**FORM, "opened": opened_stamp(), "caller": "child", "age_band": "adult"}
    response = staff_client(operator).post(reverse("helpline:contact_new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["age_band"] == [
        "A child is under 18: choose the child's age, or change who contacted."
    ]
    assert not Contact.objects.exists()
    data["caller"] = "parent"  # a parent calling about a child of 16 is fine
    data["age_band"] = "16_17"
    assert staff_client(operator).post(reverse("helpline:contact_new"), data).status_code == 302


def test_the_list_filters_and_shows_newest_first(staff_client, operator, supervisor):
    old = logged(operator, channel="sms", started_at=timezone.now() - timedelta(days=2))
    new = logged(supervisor, channel="chat", issues=["legal.rights"])
    client = staff_client(operator)
    url = reverse("helpline:contact_list")
    html = client.get(url).content.decode()
    old_url = reverse("helpline:contact_detail", kwargs={"contact_id": old.pk})
    new_url = reverse("helpline:contact_detail", kwargs={"contact_id": new.pk})
    assert html.index(new_url) < html.index(old_url)
    assert old_url not in client.get(url, {"channel": "chat"}).content.decode()
    assert new_url not in client.get(url, {"category": "online"}).content.decode()
    assert new_url not in client.get(url, {"mine": "on"}).content.decode()
    day = timezone.localdate(old.started_at).isoformat()
    by_day = client.get(url, {"day": day}).content.decode()
    assert old_url in by_day and new_url not in by_day
    assert client.get(url, {"channel": "nonsense"}).status_code == 200


def test_the_list_costs_the_same_queries_for_one_contact_or_a_full_page(staff_client, operator):
    client = staff_client(operator)
    url = reverse("helpline:contact_list")
    logged(operator)
    client.get(url)  # warm the session and the reference lookups
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(PAGE_SIZE + 5):
        logged(operator, issues=["online.gaming", "peers.friendship"])
    with CaptureQueriesContext(connection) as full:
        response = client.get(url)
    assert response.status_code == 200
    assert len(full) == len(one)
    # session (read, save), user, second factor, roles, the danger-now banner's count, and these
    # three:
    assert len(one) == 11
    ours = [query["sql"] for query in full.captured_queries if "helpline_" in query["sql"]]
    assert len(ours) == 3  # the count, the page's rows (with their people and places), issues


def test_the_pages_speak_albanian_under_their_albanian_addresses(staff_client, operator):
    with translation.override("sq"):
        url = reverse("helpline:contact_list")
        new = reverse("helpline:contact_new")
    assert url == "/staf/kontakte/"
    assert new == "/staf/kontakte/i-ri/"
    html = staff_client(operator).get(url).content.decode()
    assert "Kontaktet e linjës së ndihmës" in html
    with translation.override("en"):
        assert reverse("helpline:contact_list") == "/en/staff/contacts/"


def test_the_staff_home_links_the_contacts_for_the_helpline_only(staff_client, operator, analyst):
    url = reverse("helpline:contact_list")
    assert url in staff_client(operator).get(reverse("accounts:home")).content.decode()
    assert url not in staff_client(analyst).get(reverse("accounts:home")).content.decode()
