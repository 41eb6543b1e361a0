"""Reads of the helpline's contacts, always for a given viewer (through the access layer).

The list shows no encrypted field (nothing to decrypt, nothing to audit per row); opening one
contact is a read of its summary and the caller's number, written to the audit log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from isigurt.accounts.permissions import can_read_helpline_reports
from isigurt.helpline.models import CallBack, Contact, ContactAction, ContactIssue
from isigurt.helpline.permissions import contact_changeable_by, contacts_visible_to
from isigurt.helpline.taxonomy import CATEGORIES, topic_label

PAGE_SIZE = 50

# Every field of a contact a viewer is shown when opening it (the audit entry names them).
CONTACT_FIELDS: tuple[str, ...] = (
    "channel",
    "caller",
    "age_band",
    "gender",
    "county",
    "municipality",
    "outside_albania",
    "issues",
    "actions",
    "referred_to",
    "started_at",
    "ended_at",
    "operator",
    "report",
    "summary",
    "caller_phone",
    "callbacks",
)


@dataclass(frozen=True)
class ContactFilters:
    channel: str | None = None
    category: str | None = None
    day: datetime.date | None = None
    mine: bool = False


def contacts_for_staff(*, viewer: Any, filters: ContactFilters | None = None) -> QuerySet[Contact]:
    """The contacts the viewer may see, newest first, with what the list shows (3 queries a page
    at most: the count, the rows, their issues)."""
    filters = filters or ContactFilters()
    contacts = contacts_visible_to(viewer)
    if filters.channel:
        contacts = contacts.filter(channel=filters.channel)
    if filters.category and filters.category in CATEGORIES:
        contacts = contacts.filter(
            pk__in=ContactIssue.objects.filter(category=filters.category).values("contact_id")
        )
    if filters.day:
        contacts = contacts.filter(started_at__date=filters.day)
    if filters.mine:
        contacts = contacts.filter(operator=viewer)
    return (
        contacts.select_related("operator", "county", "municipality")
        .prefetch_related(Prefetch("issues", queryset=ContactIssue.objects.order_by("id")))
        .order_by("-started_at", "-created_at")
    )


def issue_labels(contact: Contact) -> list[str]:
    """The contact's topics in the active language (uses the prefetched issues)."""
    return [topic_label(issue.topic) for issue in contact.issues.all()]


def action_labels(actions: list[str]) -> list[str]:
    labels = dict(ContactAction.choices)
    return [str(labels.get(action, action)) for action in actions]


@dataclass(frozen=True)
class StaffContact:
    """One contact as its viewer sees it, with its call-backs (newest last)."""

    contact: Contact
    issues: list[str]
    topics: list[str]
    actions: list[str]
    callbacks: list[CallBack] = field(default_factory=list)
    changeable: bool = False
    report_shown: bool = False

    @property
    def pending_callback(self) -> CallBack | None:
        return next((callback for callback in self.callbacks if callback.pending), None)


def contact_for_staff(*, viewer: Any, contact: Contact, request: Any = None) -> StaffContact:
    """The opened contact; the read (summary, number, notes) is written to the audit log."""
    from isigurt.audit.services import audit_read

    topics = list(contact.issues.order_by("id").values_list("topic", flat=True))
    shown = StaffContact(
        contact=contact,
        issues=[topic_label(code) for code in topics],
        topics=topics,
        actions=action_labels(contact.actions),
        callbacks=list(contact.callbacks.select_related("made_by").order_by("created_at")),
        changeable=contact_changeable_by(viewer, contact),
        report_shown=contact.report_id is not None and can_read_helpline_reports(viewer),
    )
    audit_read(actor=viewer, target=contact, fields=CONTACT_FIELDS, request=request)
    return shown
