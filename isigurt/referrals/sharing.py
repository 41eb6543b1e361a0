"""What a referral can share with an institution, and what each institution is offered first.

The operator ticks the groups of fields a referral shares, the minimum needed; the institution
reads those fields of the case and of its reports and nothing else (S3). The permission modules
of cases and reports turn a referral's groups into field names through ``case_fields`` and
``report_fields``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import OrganisationType


@dataclass(frozen=True)
class FieldGroup:
    code: str
    label: str | Promise
    case_fields: frozenset[str]
    report_fields: frozenset[str]
    identifies_child: bool  # would let a reader find the child or the reporter


# Always shared: without them an institution cannot tell what it is asked to act on.
BASE_CASE_FIELDS = frozenset({"code", "category", "priority", "created_at"})
BASE_REPORT_FIELDS = frozenset({"category", "created_at"})

FIELD_GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup(
        "child",
        _("The child: age band and gender"),
        frozenset({"age_band", "gender"}),
        frozenset({"age_band", "gender", "affected", "audience"}),
        identifies_child=False,
    ),
    FieldGroup(
        "place",
        _("Where: county and municipality"),
        frozenset({"county", "municipality", "outside_albania"}),
        frozenset({"county", "municipality", "outside_albania"}),
        identifies_child=False,
    ),
    FieldGroup(
        "danger",
        _("Whether a child is in danger now"),
        frozenset({"child_in_danger", "priority_reasons"}),
        frozenset({"child_in_danger"}),
        identifies_child=False,
    ),
    FieldGroup(
        "summary",
        _("The helpline's summary of the case"),
        frozenset({"summary"}),
        frozenset(),
        identifies_child=True,
    ),
    FieldGroup(
        "description",
        _("What the reporter wrote"),
        frozenset(),
        frozenset({"description", "occurred_on"}),
        identifies_child=True,
    ),
    FieldGroup(
        "urls",
        _("The reported links"),
        frozenset(),
        frozenset({"urls", "platform"}),
        identifies_child=False,
    ),
    FieldGroup(
        "accounts",
        _("Usernames and phone numbers of the person responsible"),
        frozenset(),
        frozenset({"usernames", "phone_numbers", "platform"}),
        identifies_child=False,
    ),
    FieldGroup(
        "reporter_contact",
        _("How to reach the reporter"),
        frozenset(),
        frozenset({"contact_method", "contact_value", "contact_consent"}),
        identifies_child=True,
    ),
    FieldGroup(
        "messages",
        _("The conversation with the reporter"),
        frozenset(),
        frozenset({"messages"}),
        identifies_child=True,
    ),
    FieldGroup(
        "evidence",
        _("The pictures the reporter sent"),
        frozenset(),
        frozenset({"evidence"}),
        identifies_child=True,
    ),
)
GROUPS_BY_CODE = {group.code: group for group in FIELD_GROUPS}
SHAREABLE = frozenset(GROUPS_BY_CODE)

# What the referral form ticks first for each kind of institution: the least that lets it act.
# AKEP and providers get the links and the category only, never the child's identity (S3).
SUGGESTED_GROUPS: dict[str, frozenset[str]] = {
    OrganisationType.POLICE: frozenset(
        {"child", "place", "danger", "summary", "description", "urls", "accounts", "evidence"}
    ),
    OrganisationType.CHILD_PROTECTION_UNIT: frozenset(
        {"child", "place", "danger", "summary", "description", "reporter_contact"}
    ),
    OrganisationType.CHILD_RIGHTS_AGENCY: frozenset({"child", "place", "danger", "summary"}),
    OrganisationType.TELECOM_REGULATOR: frozenset({"urls"}),
    OrganisationType.ISP: frozenset({"urls"}),
    OrganisationType.CYBER_SECURITY: frozenset({"urls", "accounts"}),
    OrganisationType.EDUCATION: frozenset({"child", "place", "summary"}),
    OrganisationType.ANTI_DISCRIMINATION: frozenset({"child", "place", "summary", "urls"}),
}
# Institutions that may never receive what identifies the child, whatever is ticked (S3).
NO_IDENTITY_KINDS = frozenset({OrganisationType.TELECOM_REGULATOR, OrganisationType.ISP})


def case_fields(groups: Iterable[str]) -> frozenset[str]:
    """The case's field names a referral sharing ``groups`` lets the institution read."""
    fields = set(BASE_CASE_FIELDS)
    for code in groups:
        group = GROUPS_BY_CODE.get(code)
        if group is not None:
            fields |= group.case_fields
    return frozenset(fields)


def report_fields(groups: Iterable[str]) -> frozenset[str]:
    """The report's field names a referral sharing ``groups`` lets the institution read."""
    fields = set(BASE_REPORT_FIELDS)
    for code in groups:
        group = GROUPS_BY_CODE.get(code)
        if group is not None:
            fields |= group.report_fields
    return frozenset(fields)


def allowed_groups(kind: str, groups: Iterable[str]) -> list[str]:
    """``groups`` without unknown codes and, for AKEP and providers, without identity."""
    chosen = [code for code in groups if code in GROUPS_BY_CODE]
    if kind in NO_IDENTITY_KINDS:
        chosen = [code for code in chosen if not GROUPS_BY_CODE[code].identifies_child]
    return sorted(set(chosen), key=[g.code for g in FIELD_GROUPS].index)
