"""API tokens of partner systems (decision 0017): stored as a digest only, shown once, refused
when wrong, revoked or expired; each acts as a service account of its organisation that can
never sign in; administrators issue and revoke them in the admin (audited) or with a command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from isigurt.accounts import api_tokens
from isigurt.accounts.api_tokens import (
    DEMO_TOKENS,
    ApiTokenRefused,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    api_tokens_demo_seed,
    is_service_account,
    token_digest,
)
from isigurt.accounts.models import ApiToken, CredentialRequest, OrganisationType, Role
from isigurt.accounts.services import (
    AdminActionRefused,
    credential_request_create,
    login_password_check,
    role_grant_request,
    user_second_factor_reset,
)
from isigurt.accounts.tests.personas import organisation_for
from isigurt.audit.tests.helpers import entries_since, last_entry_id

pytestmark = pytest.mark.django_db


def unit():
    return organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Tiranë"
    )


def issue(**values):
    return api_token_issue(
        organisation=values.pop("organisation", None) or unit(),
        label=values.pop("label", "Case system"),
        actor=values.pop("actor", None),
        **values,
    )


def raw_rows() -> str:
    """Every column of the token and user tables, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        tokens = cursor.fetchall()
        cursor.execute("SELECT * FROM accounts_user")
        users = cursor.fetchall()
    return repr(tokens) + repr(users)


def test_a_token_is_stored_as_its_digest_only():
    issued = issue()
    assert issued.value.startswith(f"isg_{issued.token.prefix}_")
    assert len(issued.value.split("_", 2)[2]) >= 43  # 32 random bytes
    rows = raw_rows()
    assert issued.value not in rows
    assert issued.value.split("_", 2)[2] not in rows
    assert token_digest(issued.value) in rows
    stored = ApiToken.objects.get()
    assert stored.secret_hash == token_digest(issued.value)
    assert not hasattr(stored, "value")


def test_two_tokens_never_share_a_value_or_a_prefix():
    first, second = issue(), issue()
    assert first.value != second.value
    assert first.token.prefix != second.token.prefix


def test_the_value_recognises_its_token_and_nothing_else():
    issued = issue()
    assert api_token_authenticate(issued.value) == issued.token
    almost = issued.value[:-1] + ("A" if issued.value[-1] != "A" else "B")
    for wrong in (almost, "", "isg_", issued.value + "x" * 200, issued.value.upper(), "Bearer"):
        assert api_token_authenticate(wrong) is None, wrong
    # The right secret under another token's prefix is not that token either.
    other = issue()
    swapped = issued.value.replace(issued.token.prefix, other.token.prefix)
    assert api_token_authenticate(swapped) is None


def test_revoked_and_expired_tokens_are_refused():
    revoked, expiring = issue(), issue(expires_at=timezone.now() + timedelta(hours=1))
    assert api_token_revoke(token=revoked.token, actor=None)
    assert not api_token_revoke(token=revoked.token, actor=None)
    assert api_token_authenticate(revoked.value) is None
    revoked.token.user.refresh_from_db()
    assert not revoked.token.user.is_active
    assert api_token_authenticate(expiring.value) is not None
    later = timezone.now() + timedelta(hours=2)
    assert api_token_authenticate(expiring.value, now=later) is None


def test_a_token_whose_account_was_moved_or_deactivated_is_refused():
    issued = issue()
    account = issued.token.user
    account.organisation = organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Durrës"
    )
    account.save()
    assert api_token_authenticate(issued.value) is None
    account.organisation = issued.token.organisation
    account.is_active = False
    account.save()
    assert api_token_authenticate(issued.value) is None


def test_last_use_is_written_at_most_once_a_minute():
    issued = issue()
    assert issued.token.last_used_at is None
    now = timezone.now()
    api_token_authenticate(issued.value, now=now)
    assert ApiToken.objects.get().last_used_at == now
    api_token_authenticate(issued.value, now=now + timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == now
    api_token_authenticate(issued.value, now=now + timedelta(seconds=61))
    assert ApiToken.objects.get().last_used_at == now + timedelta(seconds=61)


def test_issuing_is_audited_without_the_value():
    since = last_entry_id()
    issued = issue()
    entries = entries_since(since)
    assert [e.action for e in entries] == ["user.create", "apitoken.issue"]
    assert entries[1].object_id == str(issued.token.pk)
    assert "secret_hash" in entries[1].fields
    assert issued.value not in repr([(e.fields, e.actor_label, e.object_id) for e in entries])


@pytest.mark.parametrize(
    ("kind", "field"),
    [(OrganisationType.HELPLINE, "organisation"), (OrganisationType.PLATFORM, "organisation")],
)
def test_only_institutions_get_tokens(kind, field):
    with pytest.raises(ApiTokenRefused) as refused:
        issue(organisation=organisation_for(f"Body {kind}", kind))
    assert field in refused.value.errors
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_label_and_a_future_expiry():
    with pytest.raises(ApiTokenRefused) as refused:
        issue(label="   ", expires_at=timezone.now() - timedelta(days=1))
    assert set(refused.value.errors) == {"label", "expires_at"}


# --- the service account -------------------------------------------------------------------


def test_the_service_account_is_an_officer_of_the_organisation_that_never_signs_in(platform_admin):
    issued = issue()
    account = issued.token.user
    assert is_service_account(account)
    assert not is_service_account(platform_admin)
    assert account.organisation == unit()
    assert account.role_set() == {Role.INSTITUTION_OFFICER}
    assert not account.has_usable_password()
    assert not account.is_staff and not account.is_superuser
    assert account.email == ""
    request = RequestFactory().post("/")
    request.session = Client().session
    for password in ("", "!", issued.value, account.password):
        result = login_password_check(request=request, username=account.username, password=password)
        assert not result.ok


def test_the_admin_cannot_give_the_service_account_a_password_a_factor_or_a_role(platform_admin):
    account = issue().token.user
    for kind, password_hash in (
        (CredentialRequest.Kind.PASSWORD, make_password("a placeholder password 12")),
        (CredentialRequest.Kind.SECOND_FACTOR, ""),
    ):
        with pytest.raises(AdminActionRefused):
            credential_request_create(
                user=account, kind=kind, actor=platform_admin, password_hash=password_hash
            )
    with pytest.raises(AdminActionRefused):
        role_grant_request(user=account, role=Role.STATISTICS_VIEWER, actor=platform_admin)
    account.refresh_from_db()
    assert not account.has_usable_password()
    assert account.role_set() == {Role.INSTITUTION_OFFICER}
    user_second_factor_reset(user=account, actor=platform_admin)  # nothing to reset: harmless


# --- the admin -------------------------------------------------------------------------------


def test_an_administrator_issues_a_token_in_the_admin_and_sees_it_once(
    staff_client, platform_admin
):
    client = staff_client(platform_admin)
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 200
    since = last_entry_id()
    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {"organisation": unit().pk, "label": "Case system of the unit", "expires_at": ""},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    value = response.context["value"]
    assert value in html and api_token_authenticate(value) == token
    assert "no-store" in response["Cache-Control"]
    [issued] = [e for e in entries_since(since) if e.action == "apitoken.issue"]
    assert (issued.actor_id, issued.object_id) == (platform_admin.pk, str(token.pk))
    for page in (
        reverse("admin:accounts_apitoken_changelist"),
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
        reverse("admin:accounts_user_change", args=[token.user.pk]),
        reverse("admin:index"),
    ):
        shown = client.get(page).content.decode()
        assert value not in shown, page
        assert value.split("_", 2)[2] not in shown, page
        assert token.secret_hash not in shown, page
    assert (
        token.prefix in client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    )


def test_the_admin_refuses_a_token_for_a_body_that_receives_no_referrals(
    staff_client, platform_admin
):
    helpline = organisation_for("ALO 116", OrganisationType.HELPLINE)
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_apitoken_add"),
        {"organisation": helpline.pk, "label": "Helpline system"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_an_administrator_revokes_a_token_after_confirming(staff_client, platform_admin):
    issued = issue()
    client = staff_client(platform_admin)
    changelist = reverse("admin:accounts_apitoken_changelist")
    ask = client.post(changelist, {"action": "revoke", "_selected_action": [issued.token.pk]})
    assert ask.status_code == 200
    assert 'name="post" value="yes"' in ask.content.decode()  # the "are you sure" page
    assert api_token_authenticate(issued.value) is not None
    since = last_entry_id()
    done = client.post(
        changelist, {"action": "revoke", "_selected_action": [issued.token.pk], "post": "yes"}
    )
    assert done.status_code == 302
    assert api_token_authenticate(issued.value) is None
    [revoked] = [e for e in entries_since(since) if e.action == "apitoken.revoke"]
    assert revoked.actor_id == platform_admin.pk


def test_tokens_are_neither_edited_nor_deleted_in_the_admin(staff_client, platform_admin):
    issued = issue()
    client = staff_client(platform_admin)
    change = reverse("admin:accounts_apitoken_change", args=[issued.token.pk])
    client.post(change, {"label": "Renamed", "organisation": unit().pk})
    assert ApiToken.objects.get().label == "Case system"
    delete = reverse("admin:accounts_apitoken_delete", args=[issued.token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiToken.objects.exists()


# --- the command and the demo tokens -------------------------------------------------------


def test_the_command_prints_the_value_once_and_keeps_its_digest():
    out, err = StringIO(), StringIO()
    call_command(
        "issue_api_token", organisation=unit().pk, label="Case system", stdout=out, stderr=err
    )
    value = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert api_token_authenticate(value) == token
    assert token.prefix in err.getvalue() and value not in err.getvalue()
    assert value not in raw_rows()


def test_the_command_explains_what_is_wrong():
    with pytest.raises(CommandError):
        call_command("issue_api_token", organisation=999_999, label="x", stdout=StringIO())
    helpline = organisation_for("ALO 116", OrganisationType.HELPLINE)
    with pytest.raises(CommandError):
        call_command("issue_api_token", organisation=helpline.pk, label="x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "issue_api_token",
            organisation=unit().pk,
            label="x",
            expires="next week",
            stdout=StringIO(),
        )


@override_settings(DEMO_MODE=True)
def test_the_demo_tokens_are_seeded_once_hashed_and_work_in_demo_mode():
    from isigurt.accounts.services import organisations_seed

    organisations_seed()
    assert api_tokens_demo_seed() == 2
    assert api_tokens_demo_seed() == 0
    assert ApiToken.objects.count() == 2
    rows = raw_rows()
    for demo in DEMO_TOKENS:
        assert demo.value not in rows
        token = api_token_authenticate(demo.value)
        assert token is not None
        assert token.organisation.municipality.name == demo.municipality
        assert token.organisation.kind == OrganisationType.CHILD_PROTECTION_UNIT
    with override_settings(DEMO_MODE=False):
        assert all(api_token_authenticate(demo.value) is None for demo in DEMO_TOKENS)
        with pytest.raises(ImproperlyConfigured):
            api_tokens_demo_seed()


def test_issued_tokens_never_look_like_demo_ones(monkeypatch):
    letters = iter("demoabcd" + "real1234")  # the first draw starts like a demo token
    monkeypatch.setattr(api_tokens.secrets, "choice", lambda alphabet: next(letters))
    assert api_tokens._new_prefix() == "real1234"


def test_seed_demo_reports_the_tokens():
    with override_settings(DEMO_MODE=True):
        out = StringIO()
        call_command("seed_demo", stdout=out)
    assert "2 new API tokens" in out.getvalue()
