"""The referral pages with JavaScript off (Django's client): the inbox, a referral and its
actions, the helpline's page for referring a case, the case page's part, the navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from isigurt.accounts.models import OrganisationType, Role
from isigurt.accounts.tests.personas import organisation_for, persona
from isigurt.audit.models import AuditEntry
from isigurt.cases.models import CaseStatus
from isigurt.referrals.models import Referral, ReferralStatus, UpdateKind
from isigurt.referrals.services import (
    referral_acknowledge,
    referral_close,
    referral_update_post,
)
from isigurt.referrals.tests.factories import akep, open_case, refer
from isigurt.referrals.validation import OutcomeDraft

pytestmark = pytest.mark.django_db


def detail_url(referral, name="referrals:detail"):
    return reverse(name, kwargs={"referral_id": referral.pk})


@pytest.fixture
def police(db):
    return organisation_for("Policia", OrganisationType.POLICE)


@pytest.fixture
def referral(operator, municipality_officer):
    return refer(open_case(operator), municipality_officer.organisation, operator)


# --- the inbox -------------------------------------------------------------------------------


def test_the_inbox_puts_overdue_and_unacknowledged_first_and_says_so(
    staff_client, operator, municipality_officer
):
    unit = municipality_officer.organisation
    acknowledged = refer(open_case(operator), unit, operator)
    referral_acknowledge(referral=acknowledged, actor=municipality_officer)
    waiting = refer(open_case(operator), unit, operator)
    overdue = refer(open_case(operator), unit, operator)
    Referral.objects.filter(pk=overdue.pk).update(
        acknowledge_due=timezone.now() - timedelta(hours=1)
    )
    closed = refer(open_case(operator), unit, operator)
    referral_close(
        referral=closed,
        draft=OutcomeDraft.model_validate({"outcome": "support_given"}),
        actor=municipality_officer,
    )
    html = staff_client(municipality_officer).get(reverse("referrals:inbox")).content.decode()
    order = [str(r.pk) for r in (overdue, waiting, acknowledged)]
    positions = [html.index(f'data-referral="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert str(closed.pk) not in html  # open ones by default
    assert html.count(">Overdue<") == 1
    assert html.count("Not acknowledged yet") == 2
    assert "2 referrals wait for your acknowledgement." in html
    assert "1 is overdue." in html

    everything = staff_client(municipality_officer).get(
        reverse("referrals:inbox"), {"status": "all"}
    )
    assert str(closed.pk) in everything.content.decode()
    only_closed = staff_client(municipality_officer).get(
        reverse("referrals:inbox"), {"status": "closed"}
    )
    assert f'data-referral="{closed.pk}"' in only_closed.content.decode()
    assert f'data-referral="{waiting.pk}"' not in only_closed.content.decode()


def test_the_inbox_costs_the_same_queries_for_one_or_many(
    staff_client, operator, municipality_officer
):
    unit = municipality_officer.organisation
    refer(open_case(operator), unit, operator)
    client = staff_client(municipality_officer)
    client.get(reverse("referrals:inbox"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("referrals:inbox")).status_code == 200
    for _ in range(5):
        refer(open_case(operator), unit, operator)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("referrals:inbox"))
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_inbox_is_for_institutions(staff_client, operator, analyst):
    for user in (operator, analyst):
        assert staff_client(user).get(reverse("referrals:inbox")).status_code == 404


def test_the_nav_and_the_staff_home_count_what_waits(
    staff_client, referral, municipality_officer, operator
):
    home = staff_client(municipality_officer).get(reverse("accounts:home")).content.decode()
    assert "Referrals (1 to acknowledge)" in home
    assert "Referrals to your institution — 1 to acknowledge" in home
    referral_acknowledge(referral=referral, actor=municipality_officer)
    home = staff_client(municipality_officer).get(reverse("accounts:home")).content.decode()
    assert 'id="referrals-nav">Referrals</a>' in home
    operator_home = staff_client(operator).get(reverse("accounts:home")).content.decode()
    assert reverse("referrals:inbox") not in operator_home


# --- one referral ----------------------------------------------------------------------------


def test_the_page_shows_the_shared_fields_and_audits_exactly_them(
    staff_client, referral, municipality_officer
):
    page = staff_client(municipality_officer).get(detail_url(referral))
    html = page.content.decode()
    assert page.status_code == 200
    assert referral.case.code in html
    assert "Placeholder case summary." in html  # "summary" is shared with the unit
    assert "Placeholder description of what happened." in html
    assert "reporter@example.org" in html  # reporter_contact
    for hidden in ("example.com/post/1", "placeholder_user", "069 000 1111"):
        assert hidden not in html, hidden
    entries = {
        entry.action: entry
        for entry in AuditEntry.objects.filter(actor_id=municipality_officer.pk)
        if entry.action.endswith(".read")
    }
    assert "urls" not in entries["report.read"].fields
    assert "description" in entries["report.read"].fields
    assert "summary" in entries["case.read"].fields
    assert "owner" not in entries["case.read"].fields
    assert "request" in entries["referral.read"].fields
    assert "sent_by" not in entries["referral.read"].fields
    assert 'id="acknowledge-form"' in html and 'id="withdraw-form"' not in html


def test_the_helpline_sees_what_the_institution_reads(staff_client, referral, operator):
    html = staff_client(operator).get(detail_url(referral)).content.decode()
    assert "What the institution reads of the case" in html
    assert "example.com/post/1" not in html  # not shared with the unit
    assert 'id="withdraw-form"' in html and 'id="acknowledge-form"' not in html
    assert AuditEntry.objects.filter(action="referral.read", actor_id=operator.pk).exists()


def test_the_institution_acknowledges_takes_it_on_updates_and_closes(
    staff_client, referral, municipality_officer
):
    client = staff_client(municipality_officer)
    response = client.post(detail_url(referral, "referrals:acknowledge"))
    assert response.status_code == 302 and response["Location"] == detail_url(referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert referral.case.status == CaseStatus.WAITING

    assert client.post(detail_url(referral, "referrals:officer")).status_code == 302
    referral.refresh_from_db()
    assert referral.officer == municipality_officer  # no officer chosen: taken on

    colleague = persona(
        "persona.cpu.tirana.2", Role.INSTITUTION_OFFICER, municipality_officer.organisation
    )
    client.post(detail_url(referral, "referrals:officer"), {"officer": colleague.pk})
    referral.refresh_from_db()
    assert referral.officer == colleague

    empty = client.post(detail_url(referral, "referrals:update"), {"text": "  "})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    client.post(detail_url(referral, "referrals:update"), {"text": "Placeholder update."})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS

    no_words = client.post(detail_url(referral, "referrals:outcome"), {"outcome": "other"})
    assert no_words.status_code == 400
    done = client.post(
        detail_url(referral, "referrals:outcome"),
        {"outcome": "support_given", "text": "Placeholder outcome."},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    page = client.get(detail_url(referral)).content.decode()
    assert "Placeholder update." in page and "Placeholder outcome." in page
    assert 'id="update-form"' not in page  # closed: nothing more to answer
    assert client.post(detail_url(referral, "referrals:update"), {"text": "x"}).status_code == 403


def test_an_officer_of_another_institution_cannot_be_given_it(
    staff_client, referral, municipality_officer, outsider
):
    response = staff_client(municipality_officer).post(
        detail_url(referral, "referrals:officer"), {"officer": outsider.pk}
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.officer is None


def test_a_get_to_an_action_sends_nothing_and_leads_back(
    staff_client, referral, municipality_officer
):
    response = staff_client(municipality_officer).get(
        detail_url(referral, "referrals:acknowledge"), follow=True
    )
    assert "nothing was sent or changed" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_helpline_asks_and_withdraws_and_returns_where_it_was(staff_client, referral, operator):
    client = staff_client(operator)
    back = reverse("referrals:case", kwargs={"case_id": referral.case_id})
    asked = client.post(
        detail_url(referral, "referrals:question"), {"text": "Placeholder?", "next": back}
    )
    assert asked["Location"] == back
    assert referral.updates.get().kind == UpdateKind.QUESTION
    away = client.post(
        detail_url(referral, "referrals:withdraw"),
        {"text": "", "next": "https://elsewhere.example/"},
    )
    assert away["Location"] == detail_url(referral)  # never to another site
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


# --- referring a case ---------------------------------------------------------------------


def test_the_form_suggests_the_municipalitys_unit_and_what_each_kind_reads(
    staff_client, operator, municipality_officer, police
):
    akep()
    case = open_case(operator)
    html = staff_client(operator).get(reverse("referrals:case", kwargs={"case_id": case.pk}))
    page = html.content.decode()
    unit = municipality_officer.organisation
    assert f'<option value="{unit.pk}" selected>' in page
    akep_box = page[page.index('data-kind="telecom_regulator"') :]
    akep_box = akep_box[: akep_box.index("</fieldset>\n  ")]
    assert 'value="urls"' in akep_box
    for identity in ("summary", "description", "reporter_contact", "messages", "evidence"):
        assert f'value="{identity}"' not in akep_box, identity
    cpu_box = page[page.index('id="recipient-cpu"') :]
    assert 'value="summary" id="id_groups_cpu_3" checked' in cpu_box.replace("\n", "")
    assert AuditEntry.objects.filter(
        action="case.read", object_id=str(case.pk), actor_id=operator.pk
    ).exists()


def test_the_helpline_refers_to_several_institutions_and_again_changes_nothing(
    staff_client, operator, municipality_officer, police
):
    case = open_case(operator)
    url = reverse("referrals:case", kwargs={"case_id": case.pk})
    data = {
        "to_cpu": "on",
        "cpu": municipality_officer.organisation_id,
        "groups_cpu": ["child", "place"],
        f"to_{police.pk}": "on",
        f"groups_{police.pk}": ["urls"],
        "request": "Placeholder request.",
    }
    client = staff_client(operator)
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Referred to" in response.content.decode()
    shared = dict(Referral.objects.values_list("organisation_id", "shared_fields"))
    assert shared == {municipality_officer.organisation_id: ["child", "place"], police.pk: ["urls"]}
    again = client.post(url, data, follow=True).content.decode()
    assert "Already referred to" in again
    assert Referral.objects.count() == 2


def test_the_form_says_what_is_missing(staff_client, operator):
    case = open_case(operator)
    url = reverse("referrals:case", kwargs={"case_id": case.pk})
    nothing = staff_client(operator).post(url, {"request": "x"})
    assert nothing.status_code == 400
    assert "Choose at least one institution." in nothing.content.decode()
    no_unit = staff_client(operator).post(url, {"to_cpu": "on", "cpu": ""})
    assert no_unit.status_code == 400
    assert "Choose the child protection unit." in no_unit.content.decode()
    assert not Referral.objects.exists()


def test_an_institution_cannot_refer_the_case_it_sees(staff_client, referral, municipality_officer):
    url = reverse("referrals:case", kwargs={"case_id": referral.case_id})
    assert staff_client(municipality_officer).get(url).status_code == 403


# --- the case page's part ---------------------------------------------------------------------


def _render_part(user, case):
    request = RequestFactory().get("/en/staff/cases/x/")
    request.user = user
    user.is_verified = lambda: True
    template = Template('{% include "referrals/_case_referrals.html" %}')
    return template.render(RequestContext(request, {"case": case}))


def test_the_case_page_shows_the_institutions_updates_to_the_helpline(
    referral, operator, municipality_officer
):
    referral_update_post(referral=referral, text="Placeholder update.", actor=municipality_officer)
    html = _render_part(operator, referral.case)
    assert "Placeholder update." in html
    assert municipality_officer.organisation.name in html
    assert 'class="withdraw-form"' in html and 'class="question-form"' in html
    assert reverse("referrals:case", kwargs={"case_id": referral.case_id}) in html
    assert AuditEntry.objects.filter(
        action="referral.read", object_id=str(referral.pk), actor_id=operator.pk
    ).exists()


def test_the_case_page_shows_an_institution_only_its_own_referral(
    referral, operator, municipality_officer, police
):
    other = refer(referral.case, police, operator)
    html = _render_part(municipality_officer, referral.case)
    assert str(referral.pk) in html and str(other.pk) not in html
    assert "withdraw-form" not in html and 'id="refer-case"' not in html
