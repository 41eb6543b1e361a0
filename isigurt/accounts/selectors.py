"""Reads for staff accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import CredentialRequest, Role, RoleGrantRequest, User
from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.accounts.permissions import can_use_admin
from isigurt.accounts.services import DEMO_PASSWORD, DEMO_USERS, totp_current_token


@dataclass(frozen=True)
class StaffLink:
    label: str
    url: str


@dataclass(frozen=True)
class RoleSummary:
    """A role the viewer holds and the pages that work for it now (none: not available yet)."""

    role: str
    label: str
    links: tuple[StaffLink, ...]


def _reports_link(viewer: User) -> StaffLink | None:
    from isigurt.reports.permissions import can_list_reports

    if not can_list_reports(viewer):
        return None
    return StaffLink(label=str(_("Reports")), url=reverse("reports:staff_list"))


def _contacts_link(viewer: User) -> StaffLink | None:
    from isigurt.helpline.permissions import can_list_contacts

    if not can_list_contacts(viewer):
        return None
    return StaffLink(label=str(_("Helpline contacts")), url=reverse("helpline:contact_list"))


def _cases_link(viewer: User) -> StaffLink | None:
    from isigurt.cases.permissions import can_list_cases

    if not can_list_cases(viewer):
        return None
    return StaffLink(label=str(_("Cases")), url=reverse("cases:case_queue"))


def _my_cases_link(viewer: User) -> StaffLink | None:
    from isigurt.cases.permissions import can_list_cases

    if not can_list_cases(viewer):
        return None
    return StaffLink(label=str(_("My cases")), url=reverse("cases:case_mine"))


def _referrals_link(viewer: User) -> StaffLink | None:
    from isigurt.referrals.selectors import inbox_link

    return inbox_link(viewer=viewer)


def _admin_link(viewer: User) -> StaffLink | None:
    if not can_use_admin(viewer):
        return None
    return StaffLink(label=str(_("Administration")), url=reverse("admin:index"))


# The pages each role works in, as far as they exist. A role with none gets an honest line on
# the staff home page instead of promises; add a role's link here when its page exists, with
# the permission check its page makes.
ROLE_PAGES: dict[str, tuple[Callable[[User], StaffLink | None], ...]] = {
    Role.HELPLINE_OPERATOR: (_contacts_link, _reports_link, _cases_link, _my_cases_link),
    Role.HELPLINE_SUPERVISOR: (_contacts_link, _reports_link, _cases_link, _my_cases_link),
    Role.INSTITUTION_OFFICER: (_referrals_link,),
    Role.PLATFORM_ADMIN: (_admin_link,),
}


def staff_roles(*, viewer: User) -> list[RoleSummary]:
    """Each role the viewer holds, with the links that work for the viewer in that role."""
    labels = dict(Role.choices)
    summaries = []
    for role in Role.values:
        if not viewer.has_role(role):
            continue
        links = tuple(
            link for make in ROLE_PAGES.get(role, ()) if (link := make(viewer)) is not None
        )
        summaries.append(RoleSummary(role=role, label=str(labels[role]), links=links))
    return summaries


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    organisation: str
    code: str


def demo_logins() -> list[DemoLogin]:
    """Demo mode only: each demo user with the password and the code that works now."""
    if not settings.DEMO_MODE:
        return []
    labels = dict(Role.choices)
    wanted = {demo.username: demo for demo in DEMO_USERS}
    users = {
        user.username: user
        for user in User.objects.filter(username__in=wanted, is_active=True).select_related(
            "organisation"
        )
    }
    devices = {
        device.user_id: device
        for device in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True).order_by(
            "id"
        )
    }
    rows = []
    for demo in DEMO_USERS:
        user = users.get(demo.username)
        device = devices.get(user.pk) if user else None
        if user is None or device is None:
            continue
        rows.append(
            DemoLogin(
                username=user.username,
                password=DEMO_PASSWORD,
                role=str(labels[demo.role]),
                organisation=user.organisation.short_name if user.organisation else "",
                code=totp_current_token(device=device),
            )
        )
    return rows


def demo_code_for(*, user: User) -> str:
    """Demo mode only: the code a demo user's authenticator shows now, for the code page."""
    if not settings.DEMO_MODE or user.username not in {demo.username for demo in DEMO_USERS}:
        return ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    return totp_current_token(device=device) if device is not None else ""


@dataclass(frozen=True)
class PendingRequests:
    roles: int
    credentials: int


def pending_requests_for(*, viewer: User) -> PendingRequests | None:
    """How many requests wait for a second administrator (None for a viewer who cannot decide
    them). Counts only: no names on the admin's home page."""
    if not can_use_admin(viewer):
        return None
    return PendingRequests(
        roles=RoleGrantRequest.objects.filter(status=RoleGrantRequest.Status.PENDING).count(),
        credentials=CredentialRequest.objects.filter(
            status=CredentialRequest.Status.PENDING
        ).count(),
    )
