"""Partner systems with their organisation's API token: the token reads and records its own
unit's procedures and nothing else; wrong, revoked or expired tokens are 401 and a busy token
429, in the API's error shape; no token ever opens a page or another part of the API."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from isigurt.accounts import api_tokens
from isigurt.accounts.api_tokens import DEMO_TOKENS, api_token_issue, api_token_revoke
from isigurt.accounts.services import organisations_seed
from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.lib.ratelimit import Limit
from isigurt.referrals.models import GroupMeeting
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    durres_unit,
    referral_to,
    tirana_unit,
)

pytestmark = pytest.mark.django_db


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def base(referral) -> str:
    return f"/api/v1/referrals/{referral.pk}/procedure"


@pytest.fixture
def tirana_token():
    return api_token_issue(organisation=tirana_unit(), label="Tiranë case system", actor=None)


@pytest.fixture
def referrals(operator):
    return {
        "tirana": referral_to(tirana_unit(), sent_by=operator),
        "durres": referral_to(durres_unit(), sent_by=operator),
    }


def test_a_token_reads_and_records_its_units_procedure(tirana_token, referrals):
    client = Client(enforce_csrf_checks=True)  # a token needs no CSRF token
    since = last_entry_id()
    answer = client.get(base(referrals["tirana"]), **bearer(tirana_token.value))
    assert answer.status_code == 200, answer.content
    assert answer.json()["reading"] == "full"
    assert "no-store" in answer["Cache-Control"]
    recorded = client.post(
        f"{base(referrals['tirana'])}/meetings",
        {"held_on": days_ago(1).isoformat(), "sectors": ["social", "police"]},
        content_type="application/json",
        **bearer(tirana_token.value),
    )
    assert recorded.status_code == 201, recorded.content
    meeting = GroupMeeting.objects.get()
    assert meeting.recorded_by == tirana_token.token.user
    actions = {(e.action, e.actor_id, e.organisation_id) for e in entries_since(since)}
    account = tirana_token.token.user
    assert ("referral.procedure_read", account.pk, tirana_unit().pk) in actions
    assert ("groupmeeting.recorded", account.pk, tirana_unit().pk) in actions


def test_a_tirana_token_cannot_read_durres_records(tirana_token, referrals):
    client = Client()
    for method, path, body in (
        ("get", base(referrals["durres"]), None),
        (
            "post",
            f"{base(referrals['durres'])}/meetings",
            {"held_on": days_ago(1).isoformat(), "sectors": ["social"]},
        ),
    ):
        if body is None:
            answer = getattr(client, method)(path, **bearer(tirana_token.value))
        else:
            answer = getattr(client, method)(
                path, body, content_type="application/json", **bearer(tirana_token.value)
            )
        assert answer.status_code == 404, (method, path)
        assert answer.json()["detail"]
    assert not GroupMeeting.objects.exists()


def assert_refused_401(answer) -> None:
    assert answer.status_code == 401
    body = answer.json()
    assert body["detail"] and body["errors"] == []
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_wrong_revoked_and_expired_tokens_are_401(tirana_token, referrals):
    path = base(referrals["tirana"])
    client = Client()
    wrong = tirana_token.value[:-4] + "AAAA"
    assert_refused_401(client.get(path, **bearer(wrong)))
    assert_refused_401(client.get(path, **bearer("isg_nothing")))
    expiring = api_token_issue(
        organisation=tirana_unit(),
        label="Short-lived",
        actor=None,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    assert client.get(path, **bearer(expiring.value)).status_code == 200
    expiring.token.expires_at = timezone.now() - timedelta(seconds=1)
    expiring.token.save()
    assert_refused_401(client.get(path, **bearer(expiring.value)))
    api_token_revoke(token=tirana_token.token, actor=None)
    assert_refused_401(client.get(path, **bearer(tirana_token.value)))


def test_no_header_or_another_scheme_is_the_usual_401(tirana_token, referrals):
    path = base(referrals["tirana"])
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Token {tirana_token.value}"}):
        answer = Client().get(path, **headers)
        assert answer.status_code == 401 and answer.json()["detail"]


def test_a_busy_token_gets_429_with_retry_after(monkeypatch, tirana_token, referrals):
    monkeypatch.setattr(api_tokens, "API_TOKEN_LIMITS", (Limit(3, 60),))
    client = Client()
    path = base(referrals["tirana"])
    statuses = [client.get(path, **bearer(tirana_token.value)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    busy = client.get(path, **bearer(tirana_token.value))
    assert busy.status_code == 429
    assert int(busy["Retry-After"]) >= 1
    assert busy.json()["detail"] and busy.json()["errors"] == []
    # The limit is the token's own: another token of the same unit is not held back.
    other = api_token_issue(organisation=tirana_unit(), label="Second system", actor=None)
    assert client.get(path, **bearer(other.value)).status_code == 200


def test_many_refused_tokens_from_one_address_are_slowed_down(monkeypatch, tirana_token, referrals):
    monkeypatch.setattr(api_tokens, "API_TOKEN_FAILURE_LIMITS", (Limit(2, 60),))
    client = Client()
    path = base(referrals["tirana"])
    guesses = [f"isg_abcdefgh_{'A' * 42}{n}" for n in range(3)]
    assert [client.get(path, **bearer(g)).status_code for g in guesses] == [401, 401, 429]
    # A valid token from the same address (a unit behind the same NAT) still gets in.
    assert client.get(path, **bearer(tirana_token.value)).status_code == 200


def test_a_token_opens_no_page_and_no_other_part_of_the_api(tirana_token, referrals):
    client = Client()
    assert client.get("/api/v1/helpline/contacts", **bearer(tirana_token.value)).status_code == 401
    page = client.get(
        reverse("referrals:procedure", kwargs={"referral_id": referrals["tirana"].pk}),
        **bearer(tirana_token.value),
    )
    assert page.status_code == 302 and reverse("accounts:login") in page["Location"]


def test_the_documented_demo_tokens_work_against_their_own_unit(operator):
    organisations_seed()
    api_tokens.api_tokens_demo_seed()
    tirana_value, durres_value = (demo.value for demo in DEMO_TOKENS)
    tirana = referral_to(tirana_unit(), sent_by=operator)
    durres = referral_to(durres_unit(), sent_by=operator)
    client = Client()
    assert client.get(base(tirana), **bearer(tirana_value)).status_code == 200
    assert client.get(base(durres), **bearer(durres_value)).status_code == 200
    assert client.get(base(durres), **bearer(tirana_value)).status_code == 404
    assert client.get(base(tirana), **bearer(durres_value)).status_code == 404
