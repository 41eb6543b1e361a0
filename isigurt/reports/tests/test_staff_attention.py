"""The helpline's attention: danger now first and alerted, unread reports, answers that reach
the reporter by e-mail, call-backs to reporters who asked for a phone call."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.audit.models import AuditEntry
from isigurt.reports.handlers import notify_helpline, notify_reporter
from isigurt.reports.models import Report, ReportCallback, ReporterNotice, ReportMessage
from isigurt.reports.selectors import danger_waiting_count
from isigurt.reports.services import (
    ReportInvalid,
    evidence_add,
    pictures_decode,
    report_add_information,
    report_callback_record,
    report_danger_acknowledge,
    report_message_post,
    report_status_change,
)
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def an_hour_ago() -> str:
    """A call made an hour ago, as the form's datetime-local input gives it."""
    return (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def aged(report: Report, minutes: int) -> Report:
    """The report as if it had arrived ``minutes`` ago."""
    Report.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    report.refresh_from_db()
    return report


def rows(html: str, *reports: Report) -> list[int]:
    return [html.index(f'data-report="{report.display_code}"') for report in reports]


def phone_report(**overrides) -> Report:
    values = {
        "contact_method": "phone",
        "contact_value": "069 123 4567",
        "contact_consent": True,
        **overrides,
    }
    return submitted(**values).report


def email_report(**overrides) -> Report:
    values = {
        "contact_method": "email",
        "contact_value": "reporter@example.org",
        "contact_consent": True,
        **overrides,
    }
    return submitted(**values).report


# --- 1. danger now first -------------------------------------------------------------------


def test_a_danger_now_report_heads_the_list_then_the_longest_waiting(staff_client, operator):
    oldest = aged(submitted().report, 300)
    closed = aged(submitted().report, 400)
    report_status_change(report=closed, status="closed", actor=operator)
    middle = aged(submitted().report, 200)
    danger = aged(submitted(child_in_danger=True).report, 10)
    html = staff_client(operator).get(url("reports:staff_list")).content.decode()
    assert rows(html, danger, oldest, middle, closed) == sorted(
        rows(html, danger, oldest, middle, closed)
    )
    danger_row = html[html.index(f'data-report="{danger.display_code}"') :]
    danger_row = danger_row[: danger_row.index("</tr>")]
    assert '<strong class="danger-label">Child in danger now</strong>' in danger_row
    assert "danger-label" not in html.replace(danger_row, "")


def test_an_acknowledged_danger_report_takes_its_place_in_the_queue(staff_client, operator):
    oldest = aged(submitted().report, 300)
    danger = aged(submitted(child_in_danger=True).report, 10)
    client = staff_client(operator)
    response = client.post(url("reports:staff_acknowledge", report_id=danger.pk))
    assert response.status_code == 302
    danger.refresh_from_db()
    assert danger.danger_acknowledged_by == operator
    assert AuditEntry.objects.filter(
        action="report.danger_acknowledged", object_id=str(danger.pk)
    ).exists()
    html = client.get(url("reports:staff_list")).content.decode()
    first, second = rows(html, oldest, danger)
    assert first < second
    assert "danger-label" not in html
    assert "Child in danger (acknowledged)" in html


def test_answering_a_danger_report_acknowledges_it_and_the_acknowledgement_is_audited(
    staff_client, operator
):
    from isigurt.audit.tests.helpers import entries_since, last_entry_id

    danger = submitted(child_in_danger=True).report
    client = staff_client(operator)
    assert client.get(url("reports:staff_danger_count")).json() == {"count": 1}
    since = last_entry_id()
    response = client.post(
        url("reports:staff_reply", report_id=danger.pk), {"body": "Placeholder answer."}
    )
    assert response.status_code == 302
    danger.refresh_from_db()
    assert danger.danger_acknowledged_by == operator
    assert danger.danger_acknowledged_at is not None
    written = [(entry.action, entry.actor_id) for entry in entries_since(since)]
    assert ("report.message_posted", operator.pk) in written
    assert ("report.danger_acknowledged", operator.pk) in written
    assert client.get(url("reports:staff_danger_count")).json() == {"count": 0}


def test_answering_again_or_an_ordinary_report_acknowledges_nothing_more(operator, supervisor):
    from isigurt.audit.tests.helpers import entries_since, last_entry_id

    danger = submitted(child_in_danger=True).report
    report_message_post(report=danger, body="Placeholder answer.", actor=operator)
    ordinary = submitted().report
    since = last_entry_id()
    report_message_post(report=danger, body="Another placeholder.", actor=supervisor)
    report_message_post(report=ordinary, body="Placeholder answer.", actor=supervisor)
    report_message_post(report=submitted(child_in_danger=True).report, body="From the reporter.")
    danger.refresh_from_db()
    ordinary.refresh_from_db()
    assert danger.danger_acknowledged_by == operator
    assert ordinary.danger_acknowledged_at is None
    assert "report.danger_acknowledged" not in [entry.action for entry in entries_since(since)]


def test_moving_a_danger_report_on_acknowledges_it_and_a_second_acknowledgement_is_a_no_op(
    operator, supervisor
):
    danger = submitted(child_in_danger=True).report
    report_status_change(report=danger, status="in_review", actor=operator)
    danger.refresh_from_db()
    assert danger.danger_acknowledged_by == operator
    assert report_danger_acknowledge(report=danger, actor=supervisor) is False
    danger.refresh_from_db()
    assert danger.danger_acknowledged_by == operator


# --- 2. the helpline is alerted ------------------------------------------------------------


def test_every_helpline_staff_page_shows_the_danger_banner(staff_client, operator, supervisor):
    from isigurt.helpline.tests.factories import logged

    submitted(child_in_danger=True)
    danger = submitted(child_in_danger=True).report
    contact = logged(operator)
    for user in (operator, supervisor):
        client = staff_client(user)
        for page in (
            url("accounts:home"),
            url("reports:staff_list"),
            url("reports:staff_detail", report_id=danger.pk),
            url("helpline:contact_list"),
            url("helpline:contact_new"),
            url("helpline:contact_detail", contact_id=contact.pk),
            url("helpline:contact_edit", contact_id=contact.pk),
        ):
            html = client.get(page).content.decode()
            assert 'id="danger-banner" role="alert"' in html, page
            assert "Child in danger now: 2 reports wait for a helpline staff member." in html
            assert f'href="{url("reports:staff_list")}"' in html
    report_danger_acknowledge(report=danger, actor=operator)
    html = staff_client(operator).get(url("accounts:home")).content.decode()
    assert "Child in danger now: 1 report waits for a helpline staff member." in html


def test_the_banner_is_rendered_once_and_kept_current_by_a_nonced_script(staff_client, operator):
    submitted(child_in_danger=True)
    response = staff_client(operator).get(url("helpline:contact_new"))
    html = response.content.decode()
    assert html.count('id="danger-banner"') == 1
    assert html.count("js/danger-watch.js") == 1
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'danger-watch.js" nonce="{nonce}"' in html
    assert f'data-count-url="{url("reports:staff_danger_count")}"' in html
    assert 'data-text-other="Child in danger now: {count} reports wait' in html


def test_the_danger_count_answers_only_the_number(staff_client, operator):
    client = staff_client(operator)
    assert client.get(url("reports:staff_danger_count")).json() == {"count": 0}
    submitted(child_in_danger=True, description="Placeholder narrative 98765")
    danger = submitted(child_in_danger=True).report
    response = client.get(url("reports:staff_danger_count"))
    assert response.status_code == 200
    assert response.json() == {"count": 2}
    assert response["Cache-Control"] == "no-store"
    report_danger_acknowledge(report=danger, actor=operator)
    assert client.get(url("reports:staff_danger_count")).json() == {"count": 1}


def test_asking_for_the_danger_count_does_not_keep_the_session_alive(staff_client, operator):
    from django.contrib.sessions.models import Session

    client = staff_client(operator)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=3))
    before = Session.objects.get(pk=key).expire_date
    assert client.get(url("reports:staff_danger_count")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == before
    client.get(url("accounts:home"))  # a page the person opens does keep it alive
    assert Session.objects.get(pk=key).expire_date > before


@pytest.mark.parametrize("persona", ["analyst", "police_officer", "platform_admin", "no_role"])
def test_the_danger_count_is_404_for_those_who_may_not_see_reports(request, staff_client, persona):
    submitted(child_in_danger=True)
    client = staff_client(request.getfixturevalue(persona))
    assert client.get(url("reports:staff_danger_count")).status_code == 404
    assert "danger-watch" not in client.get(url("accounts:home")).content.decode()


def test_the_staff_pages_address_staff_politely_in_albanian(staff_client, operator):
    from isigurt.helpline.tests.factories import logged

    danger = phone_report(child_in_danger=True)
    logged(operator)
    client = staff_client(operator)
    with translation.override("sq"):
        detail = reverse("reports:staff_detail", kwargs={"report_id": danger.pk})
        contacts = reverse("helpline:contact_list")
    html = client.get(detail).content.decode()
    assert "Merreni përsipër" in html and "Merre përsipër" not in html
    assert "Ruani telefonatën" in html and "Ruaj telefonatën" not in html
    html = client.get(contacts).content.decode()
    assert ">Filtroni</button>" in html


def test_the_banner_is_in_albanian_too(staff_client, operator):
    submitted(child_in_danger=True)
    with translation.override("sq"):
        home = reverse("accounts:home")
    html = staff_client(operator).get(home).content.decode()
    assert 'id="danger-banner"' in html
    assert "Child in danger now" not in html


@pytest.mark.parametrize("persona", ["analyst", "police_officer", "platform_admin", "no_role"])
def test_no_banner_for_those_who_may_not_see_reports(request, staff_client, persona):
    submitted(child_in_danger=True)
    user = request.getfixturevalue(persona)
    html = staff_client(user).get(url("accounts:home")).content.decode()
    assert "danger-banner" not in html
    assert danger_waiting_count(viewer=user) is None


def test_no_banner_when_nothing_waits(staff_client, operator):
    submitted()
    html = staff_client(operator).get(url("reports:staff_list")).content.decode()
    assert "danger-banner" not in html


def test_a_danger_now_report_is_e_mailed_as_urgent_without_personal_data(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.HELPLINE_NOTIFY_EMAIL = "helpline@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        report = email_report(child_in_danger=True, description="Placeholder narrative 98765")
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["helpline@example.org"]
    with translation.override("sq"):
        assert sent.subject.startswith("URGJENTE")
    assert report.display_code in sent.subject
    for private in ("98765", "reporter@example.org", "ExampleChat", "placeholder_user"):
        assert private not in sent.subject + sent.body, private


def test_an_ordinary_report_is_not_e_mailed_as_urgent(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.HELPLINE_NOTIFY_EMAIL = "helpline@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        submitted()
    assert len(mailoutbox) == 1
    assert "URGJENTE" not in mailoutbox[0].subject


def test_in_demo_mode_the_helpline_e_mail_is_printed_on_the_console(
    settings, capsys, django_capture_on_commit_callbacks
):
    settings.HELPLINE_NOTIFY_EMAIL = "helpline@example.org"
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = submitted(child_in_danger=True).report
    printed = capsys.readouterr().out
    assert "To: helpline@example.org" in printed
    with translation.override("sq"):
        assert report.get_category_display() in printed
    assert "fëmijë është në rrezik tani" in printed  # the urgent body, in Albanian


def test_the_development_settings_print_e_mail_on_the_console():
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_BACKEND", "DATABASE_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "isigurt.settings.base"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND, settings.DEMO_MODE, repr(settings.HELPLINE_NOTIFY_EMAIL))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["django.core.mail.backends.console.EmailBackend", "True", "''"]


def test_the_mail_settings_are_documented_with_their_defaults():
    readme = (ROOT / "README.md").read_text()
    table = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in readme.splitlines()
        if line.startswith("| `")
    }
    assert table["`HELPLINE_NOTIFY_EMAIL`"] == "empty: no e-mail"
    assert django_settings.HELPLINE_NOTIFY_EMAIL == ""  # the test settings keep the default
    assert "console" in table["`EMAIL_BACKEND`, `DEFAULT_FROM_EMAIL`"]
    assert "SMTP under production" in table["`EMAIL_BACKEND`, `DEFAULT_FROM_EMAIL`"]
    assert table["`ISIGURT_SITE_URL`"].startswith(f"`{django_settings.SITE_URL}` locally")


# --- 3. unread for the helpline ------------------------------------------------------------


def _row(html: str, report: Report) -> str:
    start = html.index(f'data-report="{report.display_code}"')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_reporter_additions_make_a_report_unread_until_the_helpline_opens_it(
    staff_client, operator
):
    report = submitted().report
    client = staff_client(operator)
    listing = url("reports:staff_list")
    assert 'class="unread-label">Unread<' in _row(client.get(listing).content.decode(), report)
    client.get(url("reports:staff_detail", report_id=report.pk))
    assert "Unread" not in _row(client.get(listing).content.decode(), report)
    report_message_post(report=report, body="A placeholder answer.", actor=operator)
    assert "Unread" not in _row(client.get(listing).content.decode(), report)
    report_add_information(report=report, text="Placeholder detail.")
    assert "Unread" in _row(client.get(listing).content.decode(), report)
    client.get(url("reports:staff_detail", report_id=report.pk))
    assert "Unread" not in _row(client.get(listing).content.decode(), report)
    report_message_post(report=report, body="Placeholder question.")
    assert "Unread" in _row(client.get(listing).content.decode(), report)
    assert (
        AuditEntry.objects.filter(action="report.marked_read", object_id=str(report.pk)).count()
        == 2
    )


def test_a_picture_from_the_reporter_makes_a_report_unread(staff_client, operator):
    report = submitted().report
    client = staff_client(operator)
    client.get(url("reports:staff_detail", report_id=report.pk))
    evidence_add(
        report=report, pictures=pictures_decode(category="bullying", uploads=[png_bytes()])
    )
    html = client.get(url("reports:staff_list")).content.decode()
    assert "Unread" in _row(html, report)


def test_the_detail_marks_the_messages_new_since_it_was_last_opened(staff_client, operator):
    report = submitted().report
    report_add_information(report=report, text="Placeholder seen before.")
    client = staff_client(operator)
    detail = url("reports:staff_detail", report_id=report.pk)
    first = client.get(detail).content.decode()
    assert first.count("New since last opened") == 1
    report_message_post(report=report, body="Placeholder reply.", actor=operator)
    report_message_post(report=report, body="Placeholder new question.")
    html = client.get(detail).content.decode()
    assert html.count("New since last opened") == 1
    new = html.index("New since last opened")
    assert html.index("Placeholder seen before.") < new < html.index("Placeholder new question.")
    assert client.get(detail).content.decode().count("New since last opened") == 0


# --- 4. answers that reach the reporter ----------------------------------------------------


def _reply(client, report: Report, body: str, capture) -> None:
    with capture(execute=True):
        response = client.post(url("reports:staff_reply", report_id=report.pk), {"body": body})
    assert response.status_code == 302


def test_a_reporter_who_chose_e_mail_is_told_of_an_answer_without_its_words(
    staff_client, operator, django_capture_on_commit_callbacks
):
    report = email_report(language="sq")
    mail.outbox.clear()
    _reply(
        staff_client(operator),
        report,
        "Placeholder answer 4242.",
        django_capture_on_commit_callbacks,
    )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["reporter@example.org"]
    with translation.override("sq"):
        track = reverse("reports:track")
    assert django_settings.SITE_URL + track in sent.body
    assert "Linja" in sent.body or "linja" in sent.body  # Albanian, the reporter's language
    for secret in ("4242", report.tracking_code, report.display_code, operator.get_username()):
        assert secret not in sent.subject + sent.body, secret
    message = ReportMessage.objects.get(report=report, from_helpline=True)
    assert ReporterNotice.objects.get(message=message).emailed
    assert AuditEntry.objects.filter(
        action="report.reporter_notified", object_id=str(report.pk)
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        notify_reporter({"message_id": str(message.pk)})  # delivered twice: still one e-mail
    assert len(mail.outbox) == 1


def test_the_answer_e_mail_speaks_english_to_an_english_reporter(
    staff_client, operator, django_capture_on_commit_callbacks
):
    report = email_report(language="en", audience="adult")
    mail.outbox.clear()
    _reply(staff_client(operator), report, "Placeholder.", django_capture_on_commit_callbacks)
    assert "The helpline has answered your report." in mail.outbox[0].body
    assert "/en/" in mail.outbox[0].body


@pytest.mark.parametrize(
    "contact",
    [
        {},
        {"contact_method": "phone", "contact_value": "069 123 4567", "contact_consent": True},
    ],
)
def test_no_answer_e_mail_to_anonymous_or_phone_reporters(
    staff_client, operator, django_capture_on_commit_callbacks, contact
):
    report = submitted(**contact).report
    mail.outbox.clear()
    _reply(staff_client(operator), report, "Placeholder.", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not ReporterNotice.objects.exists()


def test_the_reporter_s_own_message_sends_them_no_e_mail(django_capture_on_commit_callbacks):
    report = email_report()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_message_post(report=report, body="Placeholder question.")
    assert mail.outbox == []


def test_the_helpline_is_still_told_by_notify_helpline_once(
    settings, django_capture_on_commit_callbacks
):
    settings.HELPLINE_NOTIFY_EMAIL = "helpline@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted(child_in_danger=True).report
    with django_capture_on_commit_callbacks(execute=True):
        notify_helpline({"report_id": str(report.pk)})
    assert len(mail.outbox) == 1


# --- call-backs ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["operator", "supervisor"])
def test_the_helpline_records_a_call_back_in_the_report_s_history(request, staff_client, persona):
    user = request.getfixturevalue(persona)
    report = phone_report()
    client = staff_client(user)
    detail = url("reports:staff_detail", report_id=report.pk)
    assert 'id="callback-form"' in client.get(detail).content.decode()
    called = an_hour_ago()
    response = client.post(
        url("reports:staff_callback", report_id=report.pk),
        {"called_at": called, "outcome": "no_answer", "note": "Placeholder note."},
    )
    assert response.status_code == 302
    callback = ReportCallback.objects.get(report=report)
    assert (callback.outcome, callback.note, callback.author) == (
        "no_answer",
        "Placeholder note.",
        user,
    )
    assert AuditEntry.objects.filter(
        action="report.callback_recorded", object_id=str(report.pk)
    ).exists()
    html = client.get(detail).content.decode()
    history = html[html.index('id="history"') :]
    assert "Call-back: No answer" in history
    assert "Placeholder note." in history
    day, time = called.split("T")
    year, month, date = (int(part) for part in day.split("-"))
    assert f"{date}.{month}.{year} {time}" in history


def test_a_call_back_needs_a_reporter_who_asked_for_a_call(staff_client, operator):
    report = email_report()
    client = staff_client(operator)
    assert (
        'id="callback-form"'
        not in client.get(url("reports:staff_detail", report_id=report.pk)).content.decode()
    )
    response = client.post(
        url("reports:staff_callback", report_id=report.pk),
        {"called_at": an_hour_ago(), "outcome": "reached"},
    )
    assert response.status_code == 400
    assert not ReportCallback.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"called_at": "2999-01-01T10:00", "outcome": "reached"},
        {"called_at": "0001-01-01T00:00", "outcome": "reached"},
        {"called_at": "9999-12-31T23:59", "outcome": "reached"},
        {"called_at": "2020-05-01T10:30", "outcome": "reached"},
        {"called_at": "{recent}", "outcome": "maybe"},
        {"called_at": "", "outcome": "reached"},
        {"called_at": "{recent}", "outcome": "reached", "note": "x" * 501},
    ],
)
def test_a_bad_call_back_is_refused_and_nothing_is_stored(staff_client, operator, data):
    report = phone_report()
    data = {**data, "called_at": data["called_at"].format(recent=an_hour_ago())}
    response = staff_client(operator).post(url("reports:staff_callback", report_id=report.pk), data)
    assert response.status_code == 400
    assert 'id="callback-form"' in response.content.decode()
    assert not ReportCallback.objects.exists()


@pytest.mark.parametrize(
    "called_at", ["0001-01-01T00:00", "9999-12-31T23:59", "2020-05-01T10:30", "2999-01-01T10:00"]
)
def test_a_call_back_time_out_of_range_gets_a_message_on_its_field(
    staff_client, operator, called_at
):
    report = phone_report()
    response = staff_client(operator).post(
        url("reports:staff_callback", report_id=report.pk),
        {"called_at": called_at, "outcome": "reached"},
    )
    assert response.status_code == 400
    errors = response.context["callback_form"].errors["called_at"]
    assert errors[0] in {"The call cannot be in the future.", "Give a time within the last year."}


def test_the_call_back_service_refuses_a_time_at_the_calendar_s_edge(operator):
    from datetime import datetime
    from datetime import timezone as dt_timezone

    report = phone_report()
    edge = datetime(1, 1, 1, tzinfo=dt_timezone(timedelta(hours=14)))
    with pytest.raises(ReportInvalid) as refused:
        report_callback_record(report=report, actor=operator, called_at=edge, outcome="reached")
    assert refused.value.errors == {"called_at": ["Give a time within the last year."]}


@pytest.mark.parametrize(("audience", "subject"), [("adult", "për ju"), ("teen", "për ty")])
def test_the_answer_e_mail_subject_addresses_an_adult_as_ju(
    staff_client, operator, django_capture_on_commit_callbacks, audience, subject
):
    report = email_report(language="sq", audience=audience)
    mail.outbox.clear()
    _reply(staff_client(operator), report, "Placeholder.", django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject.endswith(subject)
