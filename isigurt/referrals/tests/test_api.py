"""The referrals API with a staff session: institutions read and answer their own referrals,
the helpline refers, lists and withdraws; errors in the API's one shape."""

from __future__ import annotations

import uuid

import pytest

from isigurt.accounts.models import OrganisationType
from isigurt.accounts.tests.personas import make_staff_client as staff_session
from isigurt.accounts.tests.personas import organisation_for
from isigurt.audit.models import AuditEntry
from isigurt.cases.models import CaseStatus
from isigurt.referrals.models import Referral, ReferralStatus
from isigurt.referrals.tests.factories import open_case, refer

pytestmark = pytest.mark.django_db

JSON = "application/json"


def make_staff_client(user):
    """A staff session whose API answers are in English (the default is Albanian)."""
    client = staff_session(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def police(db):
    return organisation_for("Policia", OrganisationType.POLICE)


@pytest.fixture
def referral(operator, municipality_officer):
    return refer(open_case(operator), municipality_officer.organisation, operator)


def test_an_institution_lists_and_reads_its_referral_with_the_shared_fields_only(
    referral, municipality_officer
):
    client = make_staff_client(municipality_officer)
    page = client.get("/api/v1/referrals").json()
    assert page["count"] == 1 and page["pages"] == 1
    [item] = page["items"]
    assert item["id"] == str(referral.pk)
    assert item["case_code"] == referral.case.code and item["status"] == "sent"
    assert item["overdue"] is False

    response = client.get(f"/api/v1/referrals/{referral.pk}")
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    body = response.json()
    assert body["request"] == "Placeholder request."
    assert body["case"]["fields"]["summary"] == "Placeholder case summary."
    assert body["case"]["fields"]["municipality"] == "tirane"
    assert "owner" not in body["case"]["fields"]
    [report] = body["reports"]
    assert report["fields"]["description"] == "Placeholder description of what happened."
    assert report["fields"]["contact_value"] == "reporter@example.org"
    assert "urls" not in report["fields"] and "usernames" not in report["fields"]
    assert report["messages"] is None and report["evidence"] is None
    read = AuditEntry.objects.filter(action="report.read", actor_id=municipality_officer.pk)
    assert set(read.get().fields) == set(report["fields"]) - {"other_categories"}


def test_an_institution_acknowledges_updates_and_records_the_outcome(
    referral, municipality_officer
):
    client = make_staff_client(municipality_officer)
    url = f"/api/v1/referrals/{referral.pk}"
    assert client.post(f"{url}/acknowledge").json()["status"] == "acknowledged"
    assert client.post(f"{url}/acknowledge").status_code == 200  # again: nothing changes
    update = client.post(f"{url}/updates", {"text": "Placeholder update."}, content_type=JSON)
    assert update.status_code == 201
    assert update.json()["kind"] == "update" and update.json()["author"] == "persona.cpu.tirana"
    empty = client.post(f"{url}/updates", {"text": "   "}, content_type=JSON)
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"field": "text", "message": "Write something first."}]
    bad = client.post(f"{url}/outcome", {"outcome": "made_up"}, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "outcome"
    done = client.post(f"{url}/outcome", {"outcome": "investigation"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "closed"
    late = client.post(f"{url}/updates", {"text": "Late."}, content_type=JSON)
    assert late.status_code == 403
    assert late.json() == {"detail": "You may not do this.", "errors": []}


def test_the_helpline_refers_lists_and_withdraws(operator, municipality_officer, police):
    client = make_staff_client(operator)
    case = open_case(operator)
    body = {
        "recipients": [
            {"organisation_id": municipality_officer.organisation_id},
            {"organisation_id": police.pk, "groups": ["urls"]},
        ],
        "request": "Placeholder request.",
    }
    sent = client.post(f"/api/v1/referrals/cases/{case.pk}", body, content_type=JSON)
    assert sent.status_code == 201
    created = sent.json()["created"]
    assert [item["organisation_id"] for item in created] == [
        municipality_officer.organisation_id,
        police.pk,
    ]
    assert created[1]["shared_groups"] == ["urls"]
    again = client.post(f"/api/v1/referrals/cases/{case.pk}", body, content_type=JSON)
    assert again.status_code == 200
    assert again.json()["created"] == [] and len(again.json()["existing"]) == 2
    listed = client.get(f"/api/v1/referrals/cases/{case.pk}").json()
    assert sorted(item["id"] for item in listed) == sorted(item["id"] for item in created)
    first = created[0]["id"]
    withdrawn = client.post(
        f"/api/v1/referrals/{first}/withdraw", {"text": "Placeholder."}, content_type=JSON
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED  # the police's referral is still open


def test_sending_refuses_what_cannot_be_referred(operator, editor):
    client = make_staff_client(operator)
    case = open_case(operator)
    url = f"/api/v1/referrals/cases/{case.pk}"
    nothing = client.post(url, {"recipients": []}, content_type=JSON)
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["field"] == "recipients"
    not_an_institution = client.post(
        url, {"recipients": [{"organisation_id": editor.organisation_id}]}, content_type=JSON
    )
    assert not_an_institution.status_code == 422
    unknown_group = client.post(
        url, {"recipients": [{"organisation_id": 1, "groups": ["everything"]}]}, content_type=JSON
    )
    assert unknown_group.status_code == 422
    assert not Referral.objects.exists()


def test_unknown_ids_and_other_helplines_cases_are_404(referral, operator, municipality_officer):
    for user in (operator, municipality_officer):
        client = make_staff_client(user)
        for path in (f"/api/v1/referrals/{uuid.uuid4()}", f"/api/v1/referrals/{'x' * 8}"):
            response = client.get(path)
            assert response.status_code in (404, 422)
            assert response.json()["detail"]
    client = make_staff_client(operator)
    missing = client.get(f"/api/v1/referrals/cases/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No case has this id."


def test_an_institution_may_not_withdraw_or_refer(referral, municipality_officer):
    client = make_staff_client(municipality_officer)
    url = f"/api/v1/referrals/{referral.pk}/withdraw"
    assert client.post(url, {"text": ""}, content_type=JSON).status_code == 403
    sent = client.post(
        f"/api/v1/referrals/cases/{referral.case_id}",
        {"recipients": [{"organisation_id": municipality_officer.organisation_id}]},
        content_type=JSON,
    )
    assert sent.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_without_a_session_the_api_answers_401(client, referral):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get("/api/v1/referrals")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert client.get(f"/api/v1/referrals/{referral.pk}").status_code == 401
