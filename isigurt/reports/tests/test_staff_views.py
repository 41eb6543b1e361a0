"""Helpline pages for reports: the access matrix, the query budget, the evidence download."""

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.reports.models import Evidence, Report, ReportMessage
from isigurt.reports.services import evidence_attach
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def report():
    return submitted(category="grooming").report


@pytest.fixture
def evidence(report):
    return evidence_attach(report=report, data=png_bytes(), filename="placeholder.png")


def views(report, evidence):
    """(name, url, method, data) for every staff view."""
    return [
        ("list", url("reports:staff_list"), "get", None),
        ("detail", url("reports:staff_detail", report_id=report.pk), "get", None),
        (
            "status",
            url("reports:staff_status", report_id=report.pk),
            "post",
            {"status": "in_review"},
        ),
        (
            "reply",
            url("reports:staff_reply", report_id=report.pk),
            "post",
            {"body": "Placeholder."},
        ),
        ("download", url("reports:evidence_download", evidence_id=evidence.pk), "get", None),
    ]


def unchanged(report) -> bool:
    report.refresh_from_db()
    return report.status == "received" and not ReportMessage.objects.filter(report=report).exists()


@pytest.mark.parametrize("persona", ["operator", "supervisor"])
@pytest.mark.parametrize("view", range(5))
def test_helpline_staff_can_use_every_view(request, staff_client, report, evidence, persona, view):
    user = request.getfixturevalue(persona)
    name, path, method, data = views(report, evidence)[view]
    response = getattr(staff_client(user), method)(path, data or {})
    assert response.status_code == (302 if method == "post" else 200), name


@pytest.mark.parametrize("view", range(5))
def test_anonymous_visitors_are_sent_to_login_and_change_nothing(client, report, evidence, view):
    name, path, method, data = views(report, evidence)[view]
    response = getattr(client, method)(path, data or {})
    assert response.status_code == 302, name
    assert response["Location"].startswith(url("accounts:login"))
    assert unchanged(report)


@pytest.mark.parametrize("view", range(5))
def test_another_organisation_gets_404_and_changes_nothing(
    staff_client, municipality_officer, report, evidence, view
):
    name, path, method, data = views(report, evidence)[view]
    response = getattr(staff_client(municipality_officer), method)(path, data or {})
    assert response.status_code == 404, name
    assert unchanged(report)


@pytest.mark.parametrize("view", range(5))
def test_a_password_only_session_reaches_no_view(
    password_only_client, operator, report, evidence, view
):
    name, path, method, data = views(report, evidence)[view]
    response = getattr(password_only_client(operator), method)(path, data or {})
    assert response.status_code == 302, name
    assert "login" not in response["Location"] or "verify" in response["Location"]
    assert unchanged(report)


@pytest.mark.parametrize("view", range(5))
def test_the_wrong_method_gets_405_and_changes_nothing(
    staff_client, operator, report, evidence, view
):
    name, path, method, _data = views(report, evidence)[view]
    # A GET to a form's address leads back to the report (see the session-ended tests below).
    wrong = "post" if method == "get" else "put"
    response = getattr(staff_client(operator), wrong)(path, {"status": "closed", "body": "x"})
    assert response.status_code == 405, name
    assert unchanged(report)


def test_the_list_shows_a_danger_now_report_first_with_its_facts(staff_client, operator):
    older = submitted(category="bullying").report
    newer = submitted(category="sextortion", child_in_danger=True).report
    html = staff_client(operator).get(url("reports:staff_list")).content.decode()
    assert html.index(newer.display_code) < html.index(older.display_code)
    assert "Child in danger" in html
    assert "Web form" in html
    assert "Received" in html


def test_the_list_shows_every_category_of_a_report(staff_client, operator):
    from isigurt.reports.models import Category

    report = submitted(categories=["grooming", "sextortion"], category=None).report
    html = staff_client(operator).get(url("reports:staff_list")).content.decode()
    row = html[html.index(f'data-report="{report.display_code}"') :]
    row = row[: row.index("</tr>")]
    assert f"{Category.GROOMING.label}, {Category.SEXTORTION.label}" in row


@pytest.mark.parametrize(
    ("method", "value", "shown"),
    [
        ("anonymous", "", "Anonymous: answer only in the report&#x27;s thread"),
        ("email", "reporter@example.org", "By e-mail: "),
        ("phone", "069 123 4567", "By phone: "),
    ],
)
def test_the_detail_says_how_to_reply_in_words(staff_client, operator, method, value, shown):
    extra = {"contact_value": value, "contact_consent": True} if value else {}
    report = submitted(contact_method=method, **extra).report
    html = (
        staff_client(operator)
        .get(url("reports:staff_detail", report_id=report.pk))
        .content.decode()
    )
    reply = html[html.index("How to reply") :]
    reply = reply[: reply.index("</dd>")]
    assert shown in reply
    assert f"<dd>{method}" not in reply
    if value:
        assert value.split(" ")[0] in reply


def test_the_list_costs_the_same_queries_for_one_or_many_reports(
    staff_client, operator, django_assert_num_queries
):
    client = staff_client(operator)
    submitted()
    client.get(url("reports:staff_list"))  # warm the session
    with django_assert_num_queries(10) as one:  # the danger-now banner counts in one query
        client.get(url("reports:staff_list"))
    for number in range(10):
        submitted(child_in_danger=number % 2 == 0)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url("reports:staff_list"))


def test_the_detail_shows_the_report_and_its_thread(staff_client, operator, report):
    html = (
        staff_client(operator)
        .get(url("reports:staff_detail", report_id=report.pk))
        .content.decode()
    )
    assert "https://example.com/post/1" in html
    assert "Placeholder description of what happened." in html
    assert 'id="status-form"' in html
    assert 'id="reply-form"' in html


def test_staff_change_the_status_and_answer_the_reporter(staff_client, operator, report):
    client = staff_client(operator)
    client.post(url("reports:staff_status", report_id=report.pk), {"status": "in_review"})
    client.post(url("reports:staff_reply", report_id=report.pk), {"body": "Placeholder answer."})
    report.refresh_from_db()
    assert report.status == "in_review"
    message = ReportMessage.objects.get(report=report)
    assert (message.from_helpline, message.author, message.body) == (
        True,
        operator,
        "Placeholder answer.",
    )


def test_an_unknown_status_is_refused(staff_client, operator, report):
    response = staff_client(operator).post(
        url("reports:staff_status", report_id=report.pk), {"status": "deleted"}
    )
    assert response.status_code == 400
    assert unchanged(report)


def test_evidence_is_served_only_as_an_attachment(staff_client, operator, evidence):
    response = staff_client(operator).get(url("reports:evidence_download", evidence_id=evidence.pk))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"\x89PNG")


def test_discarded_evidence_cannot_be_downloaded(staff_client, operator):
    report = submitted(category="abuse_material").report
    discarded = evidence_attach(report=report, data=png_bytes(), filename="")
    assert discarded.stored is False
    response = staff_client(operator).get(
        url("reports:evidence_download", evidence_id=discarded.pk)
    )
    assert response.status_code == 404
    assert Evidence.objects.filter(report=report).count() == 1
    assert Report.objects.filter(pk=report.pk).exists()


# --- a session that ended while a form was open -----------------------------------------------


@pytest.mark.parametrize("form", ["status", "reply"])
def test_after_a_session_ended_the_login_leads_back_to_the_report_with_a_message(
    client, operator, report, form
):
    from isigurt.accounts.tests.personas import PERSONA_PASSWORD, totp_code_for, totp_device_for

    device = totp_device_for(operator)
    path = url(f"reports:staff_{form}", report_id=report.pk)
    response = client.post(path, {"status": "in_review", "body": "Placeholder."})
    login = response["Location"]
    assert login.startswith(url("accounts:login")) and "next=" in login
    client.post(login, {"username": operator.username, "password": PERSONA_PASSWORD})
    response = client.post(url("accounts:verify"), {"code": totp_code_for(device)})
    assert response["Location"] == path  # the login's next: the address the form posted to
    with translation.override("en"):
        response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == url("reports:staff_detail", report_id=report.pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your session had ended, so nothing was sent or changed." in page
    assert unchanged(report)
