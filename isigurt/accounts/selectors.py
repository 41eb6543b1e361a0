"""Reads for staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import Role, User
from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.accounts.services import DEMO_PASSWORD, DEMO_USERS, totp_current_token

# What each role does on the platform, shown on the staff landing page.
ROLE_CAPABILITIES: dict[str, tuple[Promise, ...]] = {
    Role.HELPLINE_OPERATOR: (
        _("Record helpline contacts and open cases"),
        _("Follow the cases you own and message reporters"),
    ),
    Role.HELPLINE_SUPERVISOR: (
        _("Triage and assign the helpline's cases"),
        _("Refer cases to the institutions that must act"),
    ),
    Role.CONTENT_ANALYST: (
        _("Assess reported web addresses and images (blurred by default)"),
        _("Send takedown notices and propose blocking"),
    ),
    Role.INSTITUTION_OFFICER: (
        _("See the cases referred to your organisation"),
        _("Acknowledge referrals and record what you did"),
    ),
    Role.BLOCKING_OFFICER: (
        _("Record blocking decisions and publish blocklist versions"),
        _("Follow the providers' acknowledgements"),
    ),
    Role.STATISTICS_VIEWER: (_("See national statistics and export aggregates"),),
    Role.EDITOR: (_("Write guidance for children, parents and teachers"),),
    Role.TRAINER: (_("Run courses and issue certificates"),),
    Role.YOUTH_COORDINATOR: (_("Plan school sessions and record the youth network's reach"),),
    Role.PLATFORM_ADMIN: (
        _("Manage organisations, users and roles"),
        _("Open the administration site"),
    ),
}
REPORT_ROLES = {
    Role.HELPLINE_OPERATOR,
    Role.HELPLINE_SUPERVISOR,
    Role.CONTENT_ANALYST,
    Role.INSTITUTION_OFFICER,
}


@dataclass(frozen=True)
class RoleSummary:
    role: str
    label: str
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class StaffLink:
    label: str
    url: str


def staff_roles(*, viewer: User) -> list[RoleSummary]:
    labels = dict(Role.choices)
    return [
        RoleSummary(
            role=role,
            label=str(labels[role]),
            capabilities=tuple(str(text) for text in ROLE_CAPABILITIES.get(role, ())),
        )
        for role in Role.values
        if viewer.has_role(role)
    ]


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def staff_links(*, viewer: User) -> list[StaffLink]:
    """Links to the staff pages the viewer's roles use, where those pages exist yet."""
    links: list[StaffLink] = []
    if viewer.has_role(*REPORT_ROLES):
        url = _url_or_none("reports:staff_list")
        if url:
            links.append(StaffLink(label=str(_("Reports")), url=url))
    if viewer.is_staff and viewer.has_role(Role.PLATFORM_ADMIN):
        url = _url_or_none("admin:index")
        if url:
            links.append(StaffLink(label=str(_("Administration")), url=url))
    return links


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
