"""The helpline's API: contacts for the helpline's staff, the taxonomy for everyone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from isigurt.audit.models import AuditEntry
from isigurt.helpline.models import Contact
from isigurt.helpline.taxonomy import TAXONOMY
from isigurt.helpline.tests.factories import logged
from isigurt.helpline.validation import CONTACT_EXAMPLE

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/helpline/contacts"


def test_the_taxonomy_is_public_and_translated(client: Client) -> None:
    english = client.get("/api/v1/helpline/taxonomy?lang=en").json()
    albanian = client.get("/api/v1/helpline/taxonomy?lang=sq").json()
    codes = [category["code"] for category in english["categories"]]
    assert codes == [category.code for category in TAXONOMY]
    online = english["categories"][0]
    assert {"online.grooming", "online.sextortion", "online.abuse_material"} <= {
        topic["code"] for topic in online["topics"]
    }
    assert albanian["categories"][0]["label"] != online["label"]


def today(example: dict) -> dict:
    """The documented example with its times moved to today (a contact is logged soon after)."""
    now = timezone.now()
    return {
        **example,
        "started_at": (now - timedelta(hours=1)).isoformat(),
        "callback_due_at": (now + timedelta(days=1)).isoformat(),
    }


def test_an_operator_logs_a_contact_with_the_documented_example(staff_client, operator):
    response = staff_client(operator).post(
        CONTACTS, today(CONTACT_EXAMPLE), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["issues"] == CONTACT_EXAMPLE["issues"]
    assert body["duration_seconds"] == 540
    assert body["callbacks"][0]["outcome"] == ""
    contact = Contact.objects.get(pk=body["id"])
    assert contact.caller_phone == "069 000 0000"
    assert "no-store" in response["Cache-Control"]


def test_bad_answers_are_422_in_the_one_error_shape(staff_client, operator):
    response = staff_client(operator).post(
        CONTACTS, {"channel": "fax", "issues": []}, content_type="application/json"
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"channel", "issues"} <= fields
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("callback_due_at", "0001-01-01T00:00:00+14:00"),
        ("callback_due_at", "9999-12-31T23:59:00-12:00"),
        ("callback_due_at", "2020-01-01T10:00:00+01:00"),
        ("callback_due_at", "{next_year}"),
        ("started_at", "0001-01-01T00:00:00+14:00"),
        ("started_at", "0001-01-01T00:00:00"),
        ("started_at", "2020-01-01T10:00:00+01:00"),
        ("started_at", "9999-12-31T23:59:00-12:00"),
    ],
)
def test_times_far_from_now_are_422_on_their_field(staff_client, operator, field, value):
    body = today(CONTACT_EXAMPLE)
    body[field] = value.format(next_year=(timezone.now() + timedelta(days=120)).isoformat())
    response = staff_client(operator).post(CONTACTS, body, content_type="application/json")
    assert response.status_code == 422, response.content
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert set(errors) == {field}
    assert errors[field]
    assert not Contact.objects.exists()


def test_a_child_caller_aged_18_or_older_is_422_on_the_age(staff_client, operator):
    body = {**today(CONTACT_EXAMPLE), "caller": "child", "age_band": "adult"}
    response = staff_client(operator).post(CONTACTS, body, content_type="application/json")
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"age_band"}
    assert not Contact.objects.exists()


def test_the_list_filters_and_pages(staff_client, operator, supervisor):
    logged(operator, channel="sms")
    logged(supervisor, channel="chat", issues=["legal.rights"])
    client = staff_client(operator)
    everything = client.get(CONTACTS).json()
    assert everything["count"] == 2 and everything["pages"] == 1
    assert [item["channel"] for item in everything["items"]] == ["chat", "sms"]
    assert client.get(CONTACTS, {"channel": "sms"}).json()["count"] == 1
    assert client.get(CONTACTS, {"category": "legal"}).json()["count"] == 1
    assert client.get(CONTACTS, {"mine": "true"}).json()["count"] == 1
    assert client.get(CONTACTS, {"category": "nothing"}).status_code == 422
    assert "summary" not in everything["items"][0]  # the list decrypts nothing


def test_the_list_has_a_fixed_query_cost(staff_client, operator):
    client = staff_client(operator)
    logged(operator)
    client.get(CONTACTS)
    with CaptureQueriesContext(connection) as one:
        client.get(CONTACTS)
    for _ in range(10):
        logged(operator, issues=["online.gaming", "peers.friendship"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(CONTACTS).json()["count"] == 11
    assert len(many) == len(one)


def test_reading_one_contact_is_audited(staff_client, operator, supervisor):
    contact = logged(operator)
    body = staff_client(supervisor).get(f"{CONTACTS}/{contact.pk}").json()
    assert body["summary"] == "Placeholder summary."
    entry = AuditEntry.objects.filter(action="contact.read").get()
    assert entry.actor_id == supervisor.pk and "summary" in entry.fields


def test_without_a_session_the_contacts_answer_401(client: Client, operator):
    contact = logged(operator)
    assert client.get(CONTACTS).status_code == 401
    assert client.get(f"{CONTACTS}/{contact.pk}").status_code == 401
    refused = client.post(CONTACTS, CONTACT_EXAMPLE, content_type="application/json")
    assert refused.status_code == 401 and refused.json()["detail"]
    assert Contact.objects.count() == 1
