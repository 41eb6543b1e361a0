"""Report services: validation rules, intake, opening by code and secret, thread and status."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone, translation
from pydantic import ValidationError

from isigurt.audit.models import AuditEntry
from isigurt.outbox.models import OutboxMessage
from isigurt.reports import services
from isigurt.reports.handlers import notify_helpline
from isigurt.reports.models import HelplineNotification, Report, ReportMessage
from isigurt.reports.services import (
    IdempotencyConflict,
    ReportInvalid,
    report_add_information,
    report_message_post,
    report_open,
    report_status_change,
)
from isigurt.reports.tests.factories import draft, draft_errors, submitted
from isigurt.reports.validation import normalise_url

pytestmark = pytest.mark.django_db


# --- validation ----------------------------------------------------------------------------


def test_a_plain_draft_is_valid():
    assert draft_errors() == {}


def test_it_refuses_an_unknown_category():
    assert "category" in draft_errors(category="aliens")


def test_it_refuses_an_unknown_audience():
    assert "audience" in draft_errors(audience="robot")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "http://",
        "https:///path-only",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://-bad-.example/",
        "http://example.com/\x00",
    ],
)
def test_it_refuses_links_that_are_not_web_links(url):
    errors = draft_errors(urls=[url])
    assert "urls" in errors


def test_it_refuses_a_link_over_2048_characters():
    url = "https://example.com/" + "a" * 2040
    errors = draft_errors(urls=[url])
    assert "2048" in errors["urls"][0]


def test_it_refuses_more_than_20_links():
    urls = [f"https://example.com/{n}" for n in range(21)]
    assert "urls" in draft_errors(urls=urls)
    assert draft_errors(urls=urls[:20]) == {}


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("example.com/page", "https://example.com/page"),
        ("HTTPS://Example.COM", "https://example.com/"),
        ("http://example.com:80/a?b=1#c", "http://example.com/a?b=1#c"),
        ("https://bücher.example/katalog", "https://xn--bcher-kva.example/katalog"),
        ("https://shqipëri.example/", "https://xn--shqipri-vya.example/"),
        ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("http://192.0.2.1/x", "http://192.0.2.1/x"),
    ],
)
def test_it_normalises_links(raw, stored):
    assert normalise_url(raw) == stored


def test_it_stores_links_normalised_and_once():
    report = submitted(urls=["Example.com/a", "https://example.com/a"]).report
    report.refresh_from_db()
    assert report.urls == ["https://example.com/a"]


def test_it_bounds_usernames_and_phone_numbers():
    assert "usernames" in draft_errors(usernames=["x" * 201])
    assert "usernames" in draft_errors(usernames=[f"u{n}" for n in range(21)])
    assert "phone_numbers" in draft_errors(phone_numbers=["call me maybe"])
    assert "phone_numbers" in draft_errors(phone_numbers=["1" * 40])
    assert draft_errors(phone_numbers=["+355 69 123 4567"]) == {}


def test_it_refuses_a_description_over_5000_characters():
    assert "description" in draft_errors(description="a" * 5001)
    assert draft_errors(description="a" * 5000) == {}


def test_it_refuses_control_characters_that_postgres_cannot_store():
    assert "description" in draft_errors(description="a\x00b")
    assert "platform" in draft_errors(platform="Chat\x00")
    assert draft_errors(description="line one\nline two\ttab") == {}


def test_it_refuses_a_municipality_outside_the_chosen_county():
    errors = draft_errors(county_code="AL-11", municipality_slug="durres")
    assert "municipality_slug" in errors


def test_it_takes_the_county_from_the_municipality():
    report = submitted(municipality_slug="kamez").report
    assert report.county.code == "AL-11"


def test_it_refuses_county_and_outside_albania_together():
    errors = draft_errors(county_code="AL-11", outside_albania=True)
    assert "county_code" in errors


def test_it_refuses_unknown_county_and_municipality():
    errors = draft_errors(county_code="AL-99", municipality_slug="atlantis")
    assert set(errors) >= {"county_code", "municipality_slug"}


def test_it_refuses_a_date_in_the_future():
    tomorrow_plus = timezone.localdate() + datetime.timedelta(days=5)
    assert "occurred_on" in draft_errors(occurred_on=tomorrow_plus)
    assert "occurred_on" in draft_errors(occurred_on="31/03/2025")


def test_a_contact_needs_a_valid_value_and_consent():
    errors = draft_errors(contact_method="email", contact_value="not-an-address")
    assert set(errors) == {"contact_value", "contact_consent"}
    ok = draft_errors(contact_method="phone", contact_value="069 123 4567", contact_consent=True)
    assert ok == {}


@pytest.mark.parametrize(
    "number",
    [
        "069 123 4567",
        "0691234567",
        "069-123-4567",
        "04 222 3344",
        "052 123 456",
        "+355 69 123 4567",
        "00355 69 123 4567",
        "+44 20 7946 0958",
        "69 123 4567",
    ],
)
def test_a_real_call_back_number_is_accepted(number):
    assert draft_errors(contact_method="phone", contact_value=number, contact_consent=True) == {}


@pytest.mark.parametrize(
    "number",
    [
        "12345",
        "1234 5678",
        "11111111",
        "0000 0000",
        "069 12",
        "+0 69 123 4567",
        "+355 69 123 4567 8901 2",
        "069 123 4567 ext",
        "6912345",
        "069+1234567",
    ],
)
def test_a_junk_call_back_number_is_refused_with_a_clear_message(number):
    errors = draft_errors(contact_method="phone", contact_value=number, contact_consent=True)
    assert set(errors) == {"contact_value"}
    with translation.override("en"):
        errors = draft_errors(contact_method="phone", contact_value=number, contact_consent=True)
    assert "8 to 15 digits" in errors["contact_value"][0]


@pytest.mark.parametrize(
    "address",
    [
        '"a,b@evil.example"@example.com',
        '"a\x01b"@example.com',
        "x@[127.0.0.1]",
        "x@[IPv6:::1]",
        "x@localhost",
        "a\x07b@example.com",
        "nope",
        "a@b",
    ],
)
def test_a_reporter_e_mail_must_be_a_plain_address(address):
    errors = draft_errors(contact_method="email", contact_value=address, contact_consent=True)
    assert set(errors) == {"contact_value"}


def test_a_plain_e_mail_address_is_accepted():
    ok = draft_errors(
        contact_method="email", contact_value="prind.shembull@example.al", contact_consent=True
    )
    assert ok == {}


def test_an_anonymous_report_keeps_no_contact():
    report = submitted(contact_method="anonymous", contact_value="placeholder@example.org").report
    report.refresh_from_db()
    assert report.contact_value == ""


def test_it_keeps_scripts_as_plain_text():
    text = "<script>alert('x')</script> & <b>bold</b>"
    report = submitted(description=text, platform="<img src=x onerror=alert(1)>").report
    report.refresh_from_db()
    assert report.description == text
    assert report.platform == "<img src=x onerror=alert(1)>"


def test_messages_follow_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        english = draft_errors(category="aliens")["category"][0]
    assert english == "Choose what happened from the list."


# --- intake --------------------------------------------------------------------------------


def test_submit_stores_the_report_with_its_outbox_and_audit_rows():
    result = submitted()
    report = result.report
    assert Report.objects.count() == 1
    outbox = OutboxMessage.objects.get(topic="reports.received")
    assert outbox.payload == {"report_id": str(report.id)}
    entry = AuditEntry.objects.get(action="report.submitted")
    assert entry.object_id == str(report.id)
    assert result.replayed is False


def test_an_invalid_draft_cannot_be_built_so_nothing_can_be_stored():
    # The draft is the one place a report is checked: an invalid one never reaches intake.
    with pytest.raises(ValidationError):
        draft(category="aliens")
    assert Report.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_the_tracking_code_and_secret_use_the_unambiguous_alphabet():
    result = submitted()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", result.tracking_code)
    assert re.fullmatch(r"([2-9A-HJ-NP-Z]{4}-){3}[2-9A-HJ-NP-Z]{4}", result.secret)


def test_the_secret_is_stored_only_as_a_keyed_hash():
    result = submitted()
    report = result.report
    plain = result.secret.replace("-", "")
    assert plain not in report.secret_hash
    assert report.secret_hash == services.hash_secret(
        tracking_code=report.tracking_code, secret=plain
    )


def test_narratives_and_links_are_encrypted_at_rest():
    report = submitted(description="Placeholder narrative 12345").report
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, urls, usernames FROM reports_report WHERE id = %s",
            [report.id.hex if connection.vendor == "sqlite" else report.id],
        )
        row = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in row)
    assert "12345" not in row[0]
    assert "example.com" not in row[1]


def test_report_open_needs_the_right_code_and_secret():
    result = submitted()
    assert report_open(tracking_code=result.tracking_code, secret=result.secret) == result.report
    sloppy_code = result.tracking_code.lower().replace("-", " ")
    sloppy_secret = result.secret.lower().replace("-", "")
    assert report_open(tracking_code=sloppy_code, secret=sloppy_secret) == result.report
    assert report_open(tracking_code=result.tracking_code, secret="AAAA-AAAA-AAAA-AAAA") is None
    assert report_open(tracking_code="ZZZZ-ZZZZ", secret=result.secret) is None
    assert report_open(tracking_code="", secret="") is None
    assert report_open(tracking_code="x" * 10_000, secret="y" * 10_000) is None


def test_the_same_idempotency_key_and_draft_give_the_same_answer_and_one_row():
    first = submitted(idempotency_key="key-1")
    again = submitted(idempotency_key="key-1")
    assert again.replayed is True
    assert (again.tracking_code, again.secret) == (first.tracking_code, first.secret)
    assert Report.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="reports.received").count() == 1


def test_the_same_key_with_another_draft_is_a_conflict():
    submitted(idempotency_key="key-2")
    with pytest.raises(IdempotencyConflict):
        submitted(idempotency_key="key-2", description="Something else entirely.")
    assert Report.objects.count() == 1


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "tab\tkey", "ключ"])
def test_it_refuses_a_malformed_idempotency_key(key):
    with pytest.raises(ReportInvalid):
        submitted(idempotency_key=key)


def test_the_helpline_notification_is_recorded_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted().report
    assert HelplineNotification.objects.filter(report=report).count() == 1  # inline relay
    notify_helpline({"report_id": str(report.id)})
    notify_helpline({"report_id": "not-a-uuid"})
    assert HelplineNotification.objects.filter(report=report).count() == 1


def test_the_helpline_notification_emails_without_personal_data(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.HELPLINE_NOTIFY_EMAIL = "helpline@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted(description="Placeholder narrative 98765").report
    assert HelplineNotification.objects.get(report=report).emailed
    assert len(mailoutbox) == 1
    assert report.display_code in mailoutbox[0].subject
    assert "98765" not in mailoutbox[0].body


# --- follow-up -----------------------------------------------------------------------------


def test_the_reporter_and_the_helpline_share_a_thread(operator):
    report = submitted().report
    report_add_information(report=report, text="More placeholder details.")
    report_message_post(report=report, body="Thank you, we are looking.", actor=operator)
    report_message_post(report=report, body="Thanks!")
    thread = list(ReportMessage.objects.filter(report=report).order_by("created_at"))
    assert [(m.kind, m.from_helpline) for m in thread] == [
        ("information", False),
        ("message", True),
        ("message", False),
    ]
    assert thread[1].author == operator


def test_only_helpline_staff_answer_for_the_helpline(outsider):
    report = submitted().report
    with pytest.raises(PermissionDenied):
        report_message_post(report=report, body="Hello", actor=outsider)
    assert ReportMessage.objects.count() == 0


def test_it_refuses_an_empty_or_oversized_message():
    report = submitted().report
    for body in ("", "   ", "x" * 5001, "a\x00"):
        with pytest.raises(ReportInvalid):
            report_message_post(report=report, body=body)


def test_a_status_change_is_audited(operator):
    report = submitted().report
    report_status_change(report=report, status="in_review", actor=operator)
    report.refresh_from_db()
    assert report.status == "in_review"
    entry = AuditEntry.objects.get(action="report.status_changed")
    assert entry.actor_id == operator.id
    assert entry.fields == ["status"]


def test_a_status_change_needs_a_helpline_role(stats_viewer):
    report = submitted().report
    with pytest.raises(PermissionDenied):
        report_status_change(report=report, status="closed", actor=stats_viewer)
    report.refresh_from_db()
    assert report.status == "received"


def test_it_refuses_an_unknown_status(operator):
    report = submitted().report
    with pytest.raises(ReportInvalid):
        report_status_change(report=report, status="vanished", actor=operator)


def test_the_draft_takes_the_request_language_when_none_is_given():
    from django.utils import translation

    with translation.override("en"):
        assert draft(language=None).language == "en"
        assert "language" in draft_errors(language="fr")
