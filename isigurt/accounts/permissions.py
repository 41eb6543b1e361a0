"""What each role may do: the one table from roles to abilities, and small questions about it.

Object-level decisions (which report, which fields of it) live in each app's ``permissions.py``;
they ask these questions first. Nothing else in the platform compares role names.

Who may do what with the helpline's reports (decision 0008):

    role                        reports of the helpline
    helpline operator           read and write (status, answers to the reporter)
    helpline supervisor         read and write
    content analyst             none: analysts work on content items, not on narratives
    institution officer         none today; later only what was referred to the organisation,
                                only the fields that the referral shares, read-only
    blocking officer, statistics viewer, editor, trainer, youth coordinator,
    platform administrator      none (the administrator manages accounts, not cases)

A role listed with READ only would see reports and get 403 for every change.

Who may do what with the helpline's contacts (calls, chats, messages, visits; decision 0013):

    role                        contacts of the helpline (of the user's own organisation)
    helpline operator           read and write (log, correct, record call-backs); every
                                contact of the team, not only their own, for continuity
    helpline supervisor         read and write
    content analyst             none
    institution officer         none (a contact is the helpline's; cases will be referred)
    blocking officer, statistics viewer, editor, trainer, youth coordinator,
    platform administrator      none (statistics viewers will see aggregates only)

Who may do what with cases and referrals (decisions 0015 and 0016):

    role                        cases of the helpline         referrals
    helpline operator           read and write (open, triage, refer a case, withdraw a
                                notes, tasks, status, links,  referral, ask a question
                                merge, hand over their own)
    helpline supervisor         as the operator, and change   as the operator
                                priority, assign, reassign
    institution officer         only cases referred to the    read and write the referrals to
                                organisation, only the        the organisation (acknowledge,
                                shared fields, read-only      update, outcome; a child
                                                              protection unit's procedure)
    everyone else               none                          none
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from isigurt.accounts.models import Role, User


class Access(Enum):
    """How far a role reaches into a kind of object."""

    READ = "read"
    WRITE = "write"


# The helpline's reports, their messages and their evidence.
HELPLINE_REPORTS: dict[str, Access] = {
    Role.HELPLINE_OPERATOR: Access.WRITE,
    Role.HELPLINE_SUPERVISOR: Access.WRITE,
}


# The helpline's contacts and their call-backs (only those of the user's own organisation).
HELPLINE_CONTACTS: dict[str, Access] = {
    Role.HELPLINE_OPERATOR: Access.WRITE,
    Role.HELPLINE_SUPERVISOR: Access.WRITE,
}


# Cases of the helpline (only those of the user's own organisation).
HELPLINE_CASES: dict[str, Access] = {
    Role.HELPLINE_OPERATOR: Access.WRITE,
    Role.HELPLINE_SUPERVISOR: Access.WRITE,
}

# Referrals an institution received (only those to the user's own organisation).
INSTITUTION_REFERRALS: dict[str, Access] = {
    Role.INSTITUTION_OFFICER: Access.WRITE,
}


def active_user(user: Any) -> User | None:
    """The user if signed in and active (a staff account), else None."""
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def can_use_staff_area(user: Any) -> bool:
    """Any active staff account may open the staff home page (it says what the roles offer)."""
    return active_user(user) is not None


def _widest_access(user: Any, reach: dict[str, Access]) -> Access | None:
    """The widest access the user's roles give in ``reach`` (role -> access), or None."""
    staff = active_user(user)
    if staff is None:
        return None
    granted = {reach[role] for role in staff.role_set() if role in reach}
    if Access.WRITE in granted:
        return Access.WRITE
    return Access.READ if granted else None


def helpline_reports_access(user: Any) -> Access | None:
    """The widest access the user's roles give to the helpline's reports, or None."""
    return _widest_access(user, HELPLINE_REPORTS)


def can_read_helpline_reports(user: Any) -> bool:
    return helpline_reports_access(user) is not None


def can_change_helpline_reports(user: Any) -> bool:
    return helpline_reports_access(user) is Access.WRITE


def helpline_contacts_access(user: Any) -> Access | None:
    """The widest access the user's roles give to the helpline's contacts, or None."""
    return _widest_access(user, HELPLINE_CONTACTS)


def can_read_helpline_contacts(user: Any) -> bool:
    return helpline_contacts_access(user) is not None


def can_change_helpline_contacts(user: Any) -> bool:
    return helpline_contacts_access(user) is Access.WRITE


def helpline_cases_access(user: Any) -> Access | None:
    """The widest access the user's roles give to the helpline's cases, or None."""
    return _widest_access(user, HELPLINE_CASES)


def can_read_helpline_cases(user: Any) -> bool:
    return helpline_cases_access(user) is not None


def can_change_helpline_cases(user: Any) -> bool:
    return helpline_cases_access(user) is Access.WRITE


def can_supervise_cases(user: Any) -> bool:
    """Change a case's priority, assign and reassign cases: supervisors only."""
    staff = active_user(user)
    return bool(staff and staff.has_role(Role.HELPLINE_SUPERVISOR))


def institution_referrals_access(user: Any) -> Access | None:
    """The widest access the user's roles give to referrals received by their organisation."""
    return _widest_access(user, INSTITUTION_REFERRALS)


def can_read_received_referrals(user: Any) -> bool:
    return institution_referrals_access(user) is not None


def can_answer_received_referrals(user: Any) -> bool:
    return institution_referrals_access(user) is Access.WRITE


def can_use_admin(user: Any) -> bool:
    """The administration site: platform administrators (is_staff follows the role)."""
    staff = active_user(user)
    return bool(staff and staff.is_staff and staff.has_role(Role.PLATFORM_ADMIN))
