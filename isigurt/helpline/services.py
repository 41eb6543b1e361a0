"""Every write to the helpline's contacts: log one, correct one, record a call-back.

Each is one transaction holding the change and its audit entry (field names, never values).
Callers have already asked isigurt.helpline.permissions (``access_contact``,
``access_contact_log``); as a second line the services ask the same module before writing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isigurt.accounts import permissions as roles
from isigurt.audit.services import audit_record
from isigurt.helpline.models import CallBack, Contact, ContactAction, ContactIssue
from isigurt.helpline.permissions import contact_changeable_by
from isigurt.helpline.taxonomy import category_of
from isigurt.helpline.validation import MAX_NOTE_LENGTH, ContactDraft
from isigurt.lib.text import bidi_neutralise
from isigurt.reports.models import CallbackOutcome, Report
from isigurt.reports.permissions import reports_visible_to
from isigurt.reports.validation import has_control_characters

# The contact's fields an update may change, as the audit entry names them.
_UPDATABLE = (
    "channel",
    "caller",
    "age_band",
    "gender",
    "outside_albania",
    "county",
    "municipality",
    "actions",
    "referred_to",
    "started_at",
    "ended_at",
    "summary",
    "caller_phone",
)


class ContactInvalid(Exception):
    """The contact breaks a rule the draft cannot check alone; ``errors`` maps fields to
    messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("contact invalid")


def _linked_report(*, actor: Any, code: str | None) -> Report | None:
    """The report with this tracking code, if the operator may see it."""
    if code is None:
        return None
    report = reports_visible_to(actor).filter(tracking_code=code).first()
    if report is None:
        raise ContactInvalid({"report_code": [_("No report has this code.")]})
    return report


def _set_issues(contact: Contact, codes: list[str]) -> None:
    contact.issues.all().delete()
    ContactIssue.objects.bulk_create(
        ContactIssue(contact=contact, category=category_of(code), topic=code) for code in codes
    )


def _promise_callback(contact: Contact, *, due_at: datetime | None) -> CallBack | None:
    """A pending call-back for a contact that promises one (none twice)."""
    if ContactAction.CALLBACK not in contact.actions:
        return None
    pending = contact.callbacks.filter(outcome="").first()
    if pending is not None:
        if due_at is not None and pending.due_at != due_at:
            pending.due_at = due_at
            pending.save(update_fields=["due_at"])
        return pending
    return CallBack.objects.create(contact=contact, due_at=due_at)


def contact_log(*, draft: ContactDraft, actor: Any, request: Any = None) -> Contact:
    """Store a contact the operator handled, its issues and any promised call-back; audited."""
    if not roles.can_change_helpline_contacts(actor) or actor.organisation_id is None:
        raise PermissionDenied
    report = _linked_report(actor=actor, code=draft.report_code)
    with transaction.atomic():
        contact = Contact(
            organisation_id=actor.organisation_id,
            operator=actor,
            report=report,
            **draft.contact_values(),
        )
        contact.save()
        _set_issues(contact, draft.issues)
        _promise_callback(contact, due_at=draft.callback_due_at)
        written = [name for name in _UPDATABLE if _is_set(getattr(contact, name))]
        audit_record(
            actor=actor,
            action="contact.logged",
            target=contact,
            fields=[*written, "issues", *(["report"] if report else [])],
            request=request,
        )
    return contact


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], False)


def contact_update(
    *, contact: Contact, draft: ContactDraft, actor: Any, request: Any = None
) -> list[str]:
    """Correct a contact; returns the names of the fields that changed (audited when any did).

    A call-back promise withdrawn takes its pending call-back (and the number) with it.
    """
    if not contact_changeable_by(actor, contact):
        raise PermissionDenied
    report = _linked_report(actor=actor, code=draft.report_code)
    values = draft.contact_values()
    if draft.started_at is None:
        # The form of a logged contact keeps its start: only the length may change.
        values["started_at"] = contact.started_at
        values["ended_at"] = contact.started_at + timedelta(seconds=draft.duration_seconds or 0)
    with transaction.atomic():
        changed = [name for name in _UPDATABLE if getattr(contact, name) != values[name]]
        for name in changed:
            setattr(contact, name, values[name])
        if contact.report_id != (report.pk if report else None):
            contact.report = report
            changed.append("report")
        before = list(contact.issues.values_list("topic", flat=True))
        if before != draft.issues:
            _set_issues(contact, draft.issues)
            changed.append("issues")
        if changed:
            contact.save()
        if ContactAction.CALLBACK in contact.actions:
            _promise_callback(contact, due_at=draft.callback_due_at)
        else:
            contact.callbacks.filter(outcome="").delete()
        if changed:
            audit_record(
                actor=actor,
                action="contact.updated",
                target=contact,
                fields=changed,
                request=request,
            )
    return changed


def callback_record(
    *,
    contact: Contact,
    outcome: str,
    note: str = "",
    actor: Any,
    at: datetime | None = None,
    request: Any = None,
) -> CallBack:
    """Record a call-back made to the contact's caller: it completes the pending one (the oldest)
    or is a new attempt. Audited."""
    if not contact_changeable_by(actor, contact):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if outcome not in CallbackOutcome.values:
        errors["outcome"] = [_("Choose what came of the call-back.")]
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = [
            _("Keep the note under %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH}
        ]
    elif has_control_characters(note, allow_newlines=True):
        errors["note"] = [_("This contains characters we cannot accept.")]
    if errors:
        raise ContactInvalid(errors)
    note = bidi_neutralise(note.strip()).text
    with transaction.atomic():
        callback = (
            contact.callbacks.select_for_update().filter(outcome="").order_by("created_at").first()
        ) or CallBack(contact=contact)
        callback.made_at = at or timezone.now()
        callback.outcome = outcome
        callback.note = note
        callback.made_by = actor
        callback.save()
        audit_record(
            actor=actor,
            action="callback.recorded",
            target=callback,
            fields=["made_at", "outcome", "made_by", *(["note"] if note else [])],
            request=request,
        )
    return callback


# A handful of everyday contacts for the demo operator: neutral words, no abuse content.
_DEMO_CONTACTS: tuple[dict[str, Any], ...] = (
    {
        "channel": "call",
        "caller": "child",
        "age_band": "13_15",
        "gender": "female",
        "county_code": "AL-11",
        "municipality_slug": "tirane",
        "issues": ["online.cyberbullying", "peers.friendship"],
        "actions": ["counselling", "information"],
        "summary": "Classmates post unkind comments in a group chat. Talked through blocking "
        "and reporting, and telling a trusted adult.",
        "minutes_ago": 60 * 26,
        "duration_seconds": 14 * 60,
    },
    {
        "channel": "chat",
        "caller": "child",
        "age_band": "16_17",
        "gender": "male",
        "issues": ["online.sextortion"],
        "actions": ["counselling", "referral", "callback"],
        "referred_to": "State Police, cybercrime unit",
        "caller_phone": "069 000 0000",
        "summary": "Demo contact: threatened online; advised not to pay and to keep the "
        "messages; agreed a call-back tomorrow.",
        "minutes_ago": 60 * 5,
        "duration_seconds": 22 * 60,
    },
    {
        "channel": "call",
        "caller": "parent",
        "age_band": "under_13",
        "gender": "unknown",
        "county_code": "AL-02",
        "issues": ["online.excessive_use", "online.gaming"],
        "actions": ["information"],
        "summary": "A parent asked about screen time and parental controls for games.",
        "minutes_ago": 60 * 3,
        "duration_seconds": 8 * 60,
    },
    {
        "channel": "email",
        "caller": "teacher",
        "age_band": "13_15",
        "gender": "unknown",
        "outside_albania": False,
        "issues": ["education.teachers", "online.privacy"],
        "actions": ["information"],
        "summary": "A teacher asked how to remove pupils' photos shared without consent.",
        "minutes_ago": 90,
        "duration_seconds": 5 * 60,
    },
    {
        "channel": "call",
        "caller": "unknown",
        "issues": ["other.silent"],
        "actions": [],
        "summary": "",
        "minutes_ago": 20,
        "duration_seconds": 40,
    },
)


def contacts_demo_seed(*, operator: Any) -> int:
    """The demo operator's contacts, once (nothing when the operator already has some)."""
    if Contact.objects.filter(operator=operator).exists():
        return 0
    now = timezone.now()
    for values in _DEMO_CONTACTS:
        data = {key: value for key, value in values.items() if key != "minutes_ago"}
        data["started_at"] = now - timedelta(minutes=values["minutes_ago"])
        contact_log(draft=ContactDraft.model_validate(data), actor=operator)
    return len(_DEMO_CONTACTS)
