"""The admin is a staff interface too: every write it allows is audited, every read of a
sensitive record is audited, and it never shows or creates a secret.

The registry is walked, so an admin registered later is covered (or fails here until it is):
each model needs a builder below."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.hashers import make_password
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import models, transaction
from django.test import RequestFactory
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken

from isigurt.accounts.api_tokens import api_token_issue
from isigurt.accounts.models import (
    ApiToken,
    CredentialRequest,
    Organisation,
    OrganisationType,
    Role,
    RoleGrantRequest,
    StaffTOTPDevice,
    User,
)
from isigurt.accounts.services import credential_request_create, role_grant_request
from isigurt.accounts.tests.personas import persona, totp_device_for
from isigurt.audit.models import AuditEntry
from isigurt.audit.services import audit_record
from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.geography.models import County, Municipality
from isigurt.lib.fields import EncryptedTextField
from isigurt.referrals.models import Referral
from isigurt.reports.models import Evidence, HelplineNotification, Report
from isigurt.reports.services import evidence_attach
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db

# Columns that hold a secret or a hash of one, whatever their type.
SECRET_FIELD_NAMES = {
    "password",
    "password_hash",
    "key",
    "token",
    "secret",
    "secret_hash",
    "bin_key",
}

_counter = iter(range(1, 10_000))


def _n() -> int:
    return next(_counter)


def _user() -> User:
    organisation = Organisation.objects.create(
        name=f"Body {_n()}", short_name="B", kind=OrganisationType.MINISTRY
    )
    return persona(f"person.{_n()}", Role.STATISTICS_VIEWER, organisation)


def _helpline_user() -> User:
    organisation, _ = Organisation.objects.get_or_create(
        name="Helpline", defaults={"short_name": "H", "kind": OrganisationType.HELPLINE}
    )
    return persona(f"person.{_n()}", Role.HELPLINE_OPERATOR, organisation)


def _credential_request_pending() -> CredentialRequest:
    requester = persona(f"admin.{_n()}", Role.PLATFORM_ADMIN, _user().organisation)
    entry = credential_request_create(
        user=_helpline_user(),
        kind=CredentialRequest.Kind.PASSWORD,
        password_hash=make_password("a placeholder password 12"),
        actor=requester,
    )
    assert entry is not None
    return entry


def _report() -> Report:
    return Report.objects.get(pk=submitted().report.pk)


def _evidence() -> Evidence:
    return evidence_attach(report=_report(), data=png_bytes())


def _notification() -> HelplineNotification:
    notification, _ = HelplineNotification.objects.get_or_create(report=_report())
    return notification


def _referral() -> Referral:
    from isigurt.referrals.tests.factories import open_case, refer

    operator = _helpline_user()
    unit = Organisation.objects.create(
        name=f"Unit {_n()}", short_name="U", kind=OrganisationType.POLICE
    )
    return refer(open_case(operator), unit, operator)


def _request_pending() -> RoleGrantRequest:
    requester = persona(f"admin.{_n()}", Role.PLATFORM_ADMIN, _user().organisation)
    return role_grant_request(user=_helpline_user(), role=Role.HELPLINE_SUPERVISOR, actor=requester)


def _institution() -> Organisation:
    return Organisation.objects.create(
        name=f"Institution {_n()}", short_name="I", kind=OrganisationType.POLICE
    )


def _api_token() -> ApiToken:
    return api_token_issue(organisation=_institution(), label=f"System {_n()}", actor=None).token


def _audit_entry() -> AuditEntry:
    return audit_record(actor=None, action="test.placeholder")


# One saved object of every model that has an admin.
EXISTING: dict[type[models.Model], Callable[[], models.Model]] = {
    User: _user,
    Organisation: lambda: Organisation.objects.create(
        name=f"Body {_n()}", short_name="B", kind=OrganisationType.MINISTRY
    ),
    RoleGrantRequest: _request_pending,
    CredentialRequest: _credential_request_pending,
    County: lambda: County.objects.order_by("pk").first(),
    Municipality: lambda: Municipality.objects.order_by("pk").first(),
    AuditEntry: _audit_entry,
    Report: _report,
    Evidence: _evidence,
    HelplineNotification: _notification,
    Referral: _referral,
    ApiToken: _api_token,
}
# One unsaved object of every model whose admin allows adding.
NEW: dict[type[models.Model], Callable[[], models.Model]] = {
    User: lambda: User(username=f"new.{_n()}"),
    Organisation: lambda: Organisation(
        name=f"New body {_n()}", short_name="N", kind=OrganisationType.MINISTRY
    ),
    RoleGrantRequest: lambda: RoleGrantRequest(user=_helpline_user(), role=Role.CONTENT_ANALYST),
    ApiToken: lambda: ApiToken(organisation=_institution(), label=f"New system {_n()}"),
}


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def admin_request(user: User) -> Any:
    # "post": "yes" is the admin's answer on an action's "are you sure" page.
    request = RequestFactory().post("/admin/", {"post": "yes"}, REMOTE_ADDR="203.0.113.9")
    request.user = user
    request.session = SessionStore()
    request._messages = CookieStorage(request)
    return request


def registered() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_registered_model_has_a_builder_here():
    missing = [m._meta.label for m, _ in registered() if m not in EXISTING]
    assert not missing, f"add a builder for {missing} (and audit its admin's writes)"


@pytest.mark.parametrize("model", [m for m, _ in registered()], ids=lambda m: m._meta.label)
def test_every_write_an_admin_allows_leaves_an_audit_entry(model, platform_admin):
    model_admin = admin.site._registry[model]
    request = admin_request(platform_admin)
    checked = []

    obj = EXISTING[model]()
    if model_admin.has_change_permission(request, obj):
        since = last_entry_id()
        with transaction.atomic():
            model_admin.save_model(request, obj, None, True)
        assert str(obj.pk) in [e.object_id for e in entries_since(since)], "change not audited"
        checked.append("change")

    if model_admin.has_delete_permission(request, obj):
        object_id = str(obj.pk)
        since = last_entry_id()
        model_admin.delete_model(request, obj)
        assert not model._base_manager.filter(pk=object_id).exists()
        assert object_id in [e.object_id for e in entries_since(since)], "delete not audited"
        other = EXISTING[model]()
        other_id = str(other.pk)
        since = last_entry_id()
        model_admin.delete_queryset(request, model._base_manager.filter(pk=other.pk))
        assert other_id in [e.object_id for e in entries_since(since)], "bulk delete not audited"
        checked.append("delete")

    if model_admin.has_add_permission(request):
        assert model in NEW, f"{model._meta.label}: add allowed, no builder to check its audit"
        new = NEW[model]()
        since = last_entry_id()
        with transaction.atomic():
            model_admin.save_model(request, new, None, False)
        assert new.pk is not None
        assert str(new.pk) in [e.object_id for e in entries_since(since)], "add not audited"
        checked.append("add")

    for name, (func, _name, _description) in model_admin.get_actions(request).items():
        if name == "delete_selected":
            continue  # delete_queryset, checked above
        target = EXISTING[model]()
        since = last_entry_id()
        func(model_admin, request, model._base_manager.filter(pk=target.pk))
        assert entries_since(since), f"action {name} left no audit entry"
        checked.append(name)

    if not checked:  # read-only: a write through the change page is refused too
        assert not model_admin.has_change_permission(request, obj)


def test_no_second_factor_model_has_an_admin():
    shown = [m._meta.label for m, _ in registered() if issubclass(m, Device | StaticToken)]
    assert not shown


def _secret_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField) or field.name in SECRET_FIELD_NAMES
    ]


def _shown_field_names(model_admin: admin.ModelAdmin, request: Any, obj: Any) -> set[str]:
    names: set[str] = set()
    names |= {n for n in model_admin.get_list_display(request) if isinstance(n, str)}
    names |= set(model_admin.get_search_fields(request))
    for _name, options in model_admin.get_fieldsets(request, obj):
        for entry in options["fields"]:
            names |= set(entry) if isinstance(entry, list | tuple) else {entry}
    return names


def _secret_values(obj: models.Model) -> list[str]:
    values = []
    for field in _secret_fields(type(obj)):
        raw = obj.__dict__.get(field.attname)
        token = getattr(raw, "token", None)
        if token:
            values.append(token)
        plain = getattr(obj, field.attname)
        if isinstance(plain, str):
            # A hash is shown if any of its parts is ("algorithm$salt$hash").
            values.extend(part for part in plain.split("$") if len(part) >= 8)
        elif plain not in (None, "", [], {}):
            values.append(str(plain))
    return values


@pytest.mark.parametrize("model", [m for m, _ in registered()], ids=lambda m: m._meta.label)
def test_no_admin_shows_a_secret(model, platform_admin, staff_client):
    model_admin = admin.site._registry[model]
    obj = EXISTING[model]()
    request = admin_request(platform_admin)
    shown = _shown_field_names(model_admin, request, obj)
    secret_names = {f.name for f in _secret_fields(model)}
    assert not (shown & secret_names), f"{model._meta.label} shows {shown & secret_names}"
    client = staff_client(platform_admin)
    opts = model._meta
    pages = [
        client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])),
        client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for value in _secret_values(obj):
            assert value not in html


def test_a_crafted_post_cannot_set_fields_the_user_page_does_not_show(platform_admin, staff_client):
    other = _user()
    form = admin.site._registry[User].get_form(admin_request(platform_admin), other)
    assert not {"password", "groups", "user_permissions"} & set(form.base_fields)


def test_a_user_page_shows_no_part_of_the_password_hash(platform_admin, staff_client):
    other = _user()
    html = (
        staff_client(platform_admin)
        .get(reverse("admin:accounts_user_change", args=[other.pk]))
        .content.decode()
    )
    _algorithm, *parts = other.password.split("$")
    for part in parts:
        assert part[:6] not in html  # Django's own widget shows the salt's first characters


def test_an_authenticator_secret_is_never_on_an_admin_page(platform_admin, staff_client):
    device = totp_device_for(platform_admin)
    client = staff_client(platform_admin)
    for url in ("/admin/", reverse("admin:accounts_user_change", args=[platform_admin.pk])):
        html = client.get(url).content.decode()
        assert device.key not in html
        assert "otp_totp" not in html and "otp_static" not in html
    assert client.get("/admin/otp_static/staticdevice/add/").status_code == 404
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


@pytest.mark.parametrize(
    ("model", "verbs"),
    [(Report, "report"), (Evidence, "evidence"), (HelplineNotification, "helplinenotification")],
)
def test_reading_a_sensitive_record_in_the_admin_is_audited(
    model, verbs, platform_admin, staff_client
):
    obj = EXISTING[model]()
    client = staff_client(platform_admin)
    opts = model._meta
    since = last_entry_id()
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    [entry] = entries_since(since)
    assert (entry.action, entry.object_id, entry.actor_id) == (
        f"{verbs}.read",
        str(obj.pk),
        platform_admin.pk,
    )
    since = last_entry_id()
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert page.status_code == 200
    [entry] = entries_since(since)
    assert (entry.action, entry.object_type) == (f"{verbs}.list", opts.label_lower)


def test_reading_a_user_in_the_admin_is_audited(platform_admin, staff_client):
    other = _user()
    since = last_entry_id()
    client = staff_client(platform_admin)
    assert client.get(reverse("admin:accounts_user_change", args=[other.pk])).status_code == 200
    [entry] = entries_since(since)
    assert (entry.action, entry.object_id) == ("user.read", str(other.pk))


def test_no_device_is_created_by_reading_the_admin(platform_admin, staff_client):
    totp_device_for(platform_admin)
    before = StaffTOTPDevice.objects.count()
    staff_client(platform_admin).get("/admin/")
    assert StaffTOTPDevice.objects.count() == before


@pytest.mark.parametrize(
    "query",
    [
        {"age_band": "13_15"},
        {"gender": "girl"},
        {"platform__iexact": "examplegame"},
        {"child_in_danger": "1"},
        {"municipality": "1"},
        {"secret_hash__startswith": "a"},
    ],
)
def test_the_report_list_cannot_be_narrowed_by_a_field_it_does_not_show(
    query, platform_admin, staff_client
):
    EXISTING[Report]()
    client = staff_client(platform_admin)
    response = client.get(reverse("admin:reports_report_changelist"), query)
    assert response.status_code == 400


def test_the_report_list_keeps_its_own_filters(platform_admin, staff_client):
    EXISTING[Report]()
    client = staff_client(platform_admin)
    response = client.get(reverse("admin:reports_report_changelist"), {"category": "grooming"})
    assert response.status_code == 200
