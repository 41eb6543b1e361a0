"""Every write to referrals: send a case to institutions, what an institution does with it (
acknowledge, take it on, update, outcome), what the helpline does after (withdraw, ask), and the
escalation of acknowledgements that are overdue.

Each write is one transaction holding the change, the case's timeline event
(isigurt.cases.timeline), the audit entry (field names, never values) and, where someone must
be told, an outbox row with ids only (isigurt.referrals.handlers e-mails once, R5). Callers have
already asked isigurt.referrals.permissions (``access_referral*``) or isigurt.cases.permissions
(``access_case``); as a second line every service asks the same modules before writing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from isigurt.accounts.models import Organisation, OrganisationType, Role, User
from isigurt.audit.services import audit_record
from isigurt.cases.lifecycle import case_move
from isigurt.cases.models import Case, CaseEventKind, CaseOrigin, CaseStatus, Priority
from isigurt.cases.permissions import case_changeable_by
from isigurt.cases.timeline import case_event_record
from isigurt.outbox.services import outbox_enqueue
from isigurt.referrals import sharing
from isigurt.referrals.models import (
    Referral,
    ReferralStatus,
    ReferralUpdate,
    UpdateKind,
)
from isigurt.referrals.permissions import (
    OPEN_STATUSES,
    referral_answerable_by,
    referral_manageable_by,
)
from isigurt.referrals.validation import OutcomeDraft, ReferralDraft

# How long an institution has to acknowledge a referral, by the case's priority.
ACKNOWLEDGE_CRITICAL = timedelta(hours=2)
ACKNOWLEDGE_HIGH = timedelta(hours=24)
ACKNOWLEDGE_NORMAL = timedelta(days=3)
ACKNOWLEDGE_LOW = timedelta(days=5)
ACKNOWLEDGE_WITHIN: dict[int, timedelta] = {
    Priority.CRITICAL: ACKNOWLEDGE_CRITICAL,
    Priority.HIGH: ACKNOWLEDGE_HIGH,
    Priority.NORMAL: ACKNOWLEDGE_NORMAL,
    Priority.LOW: ACKNOWLEDGE_LOW,
}

# The institutions a case can be referred to, in the order the form offers them.
REFERRAL_KINDS: tuple[str, ...] = (
    OrganisationType.CHILD_PROTECTION_UNIT,
    OrganisationType.POLICE,
    OrganisationType.CHILD_RIGHTS_AGENCY,
    OrganisationType.TELECOM_REGULATOR,
    OrganisationType.CYBER_SECURITY,
    OrganisationType.EDUCATION,
    OrganisationType.ANTI_DISCRIMINATION,
)
# A case the helpline is still working on moves to "referred" when it is referred.
_MOVES_TO_REFERRED = (CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS)
# Escalations handled per run of the periodic task (the next run takes the rest).
ESCALATION_BATCH = 500

SENT_TOPIC = "referrals.sent"
OVERDUE_TOPIC = "referrals.overdue"


class ReferralInvalid(Exception):
    """The referral breaks a rule the draft cannot check alone; ``errors`` maps fields to
    messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("referral invalid")


def acknowledge_due_for(priority: int, *, sent_at: datetime) -> datetime:
    return sent_at + ACKNOWLEDGE_WITHIN.get(priority, ACKNOWLEDGE_NORMAL)


def referral_recipients() -> Any:
    """Every organisation a case can be referred to (active, of a referral kind)."""
    return Organisation.objects.filter(kind__in=REFERRAL_KINDS, is_active=True)


def officers_of(organisation_id: int) -> Any:
    """The active officers of an institution (who read and answer its referrals); never an API
    token's service account."""
    return User.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        role_grants__role=Role.INSTITUTION_OFFICER,
        api_token__isnull=True,
    ).order_by("username")


# --- the helpline sends ----------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """The referrals made now, and those that already existed (sending again changes nothing)."""

    created: list[Referral] = field(default_factory=list)
    existing: list[Referral] = field(default_factory=list)

    @property
    def referrals(self) -> list[Referral]:
        return [*self.created, *self.existing]


def _recipients(draft: ReferralDraft) -> dict[int, Organisation]:
    wanted = [recipient.organisation_id for recipient in draft.recipients]
    found = {org.pk: org for org in referral_recipients().filter(pk__in=wanted)}
    if len(found) != len(set(wanted)):
        raise ReferralInvalid(
            {"recipients": [_("Choose institutions that cases can be referred to.")]}
        )
    return found


def referral_send(
    *, case: Case, draft: ReferralDraft, actor: Any, request: Any = None
) -> SendResult:
    """Refer ``case`` to each institution of ``draft``, once per institution.

    A referral already made to an institution is left as it is (idempotent). Each new one
    shares the groups chosen for it (or those suggested for its kind), never identity for AKEP
    and providers, is due for acknowledgement by the case's priority, and is told to the
    institution's officers through the outbox. The case moves to "referred".
    """
    if not case_changeable_by(actor, case):
        raise PermissionDenied
    if case.status == CaseStatus.CLOSED:
        raise ReferralInvalid({"recipients": [_("Reopen the case before referring it.")]})
    organisations = _recipients(draft)
    result = SendResult()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        existing = {
            referral.organisation_id: referral
            for referral in Referral.objects.filter(case=locked, organisation__in=organisations)
        }
        now = timezone.now()
        for recipient in draft.recipients:
            organisation = organisations[recipient.organisation_id]
            if organisation.pk in existing:
                result.existing.append(existing[organisation.pk])
                continue
            chosen = recipient.groups
            if chosen is None:
                chosen = sorted(sharing.SUGGESTED_GROUPS.get(organisation.kind, frozenset()))
            referral = Referral(
                case=locked,
                organisation=organisation,
                shared_fields=sharing.allowed_groups(organisation.kind, chosen),
                request=draft.request,
                sent_by=actor,
                sent_at=now,
                acknowledge_due=acknowledge_due_for(locked.priority, sent_at=now),
            )
            try:
                with transaction.atomic():
                    referral.save(force_insert=True)
            except IntegrityError:  # made by a concurrent request just now
                result.existing.append(Referral.objects.get(case=locked, organisation=organisation))
                continue
            case_event_record(
                case=locked,
                kind=CaseEventKind.REFERRED,
                actor=actor,
                at=now,
                data={
                    "referral": str(referral.pk),
                    "organisation": organisation.pk,
                    "groups": referral.shared_fields,
                },
            )
            audit_record(
                actor=actor,
                action="referral.sent",
                target=referral,
                fields=[
                    "case",
                    "organisation",
                    "shared_fields",
                    "acknowledge_due",
                    *(["request"] if referral.request else []),
                ],
                request=request,
            )
            outbox_enqueue(topic=SENT_TOPIC, payload={"referral_id": str(referral.pk)})
            result.created.append(referral)
        if result.created:
            if locked.referred_at is None:
                locked.referred_at = now
                locked.save(update_fields=["referred_at", "updated_at"])
                audit_record(
                    actor=actor, action="case.referred", target=locked, fields=["referred_at"]
                )
            if locked.status in _MOVES_TO_REFERRED:
                case_move(case=locked, status=CaseStatus.REFERRED, actor=actor)
    case.refresh_from_db()
    return result


# --- the institution answers -----------------------------------------------------------------


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked for the rest of the transaction, with its case."""
    return Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)


def _refresh(referral: Referral, locked: Referral) -> None:
    for name in (
        "status",
        "acknowledged_at",
        "acknowledged_by_id",
        "officer_id",
        "outcome",
        "closed_at",
        "escalated_at",
        "updated_at",
    ):
        setattr(referral, name, getattr(locked, name))
    for relation in ("acknowledged_by", "officer"):
        if relation in referral._state.fields_cache:
            del referral._state.fields_cache[relation]


def _acknowledge_locked(locked: Referral, *, actor: Any, now: datetime, request: Any) -> None:
    """Acknowledge a locked referral still waiting for it; the case waits for the institution."""
    locked.status = ReferralStatus.ACKNOWLEDGED
    locked.acknowledged_at = now
    locked.acknowledged_by = actor
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    case_event_record(
        case=locked.case,
        kind=CaseEventKind.REFERRAL_ACKNOWLEDGED,
        actor=actor,
        at=now,
        data={"referral": str(locked.pk), "organisation": locked.organisation_id},
    )
    audit_record(
        actor=actor,
        action="referral.acknowledged",
        target=locked,
        fields=["status", "acknowledged_at", "acknowledged_by"],
        request=request,
    )
    if locked.case.status == CaseStatus.REFERRED:
        case_move(case=locked.case, status=CaseStatus.WAITING, actor=actor)


def referral_acknowledge(*, referral: Referral, actor: Any, request: Any = None) -> bool:
    """The institution has received the referral; False when it already had."""
    if not referral_answerable_by(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(referral)
        if locked.status != ReferralStatus.SENT:
            _refresh(referral, locked)
            return False
        _acknowledge_locked(locked, actor=actor, now=timezone.now(), request=request)
    _refresh(referral, locked)
    return True


def referral_assign(
    *, referral: Referral, officer_id: int, actor: Any, request: Any = None
) -> bool:
    """Make an officer of the same institution the one in charge (the actor takes it on by
    naming themself); False when that officer already was."""
    if not referral_answerable_by(actor, referral):
        raise PermissionDenied
    officer = officers_of(referral.organisation_id).filter(pk=officer_id).first()
    if officer is None:
        raise ReferralInvalid({"officer_id": [_("Choose an officer of your institution.")]})
    with transaction.atomic():
        locked = _locked(referral)
        if locked.officer_id == officer.pk:
            return False
        now = timezone.now()
        if locked.status == ReferralStatus.SENT:
            _acknowledge_locked(locked, actor=actor, now=now, request=request)
        locked.officer = officer
        locked.save(update_fields=["officer", "updated_at"])
        audit_record(
            actor=actor,
            action="referral.officer_assigned",
            target=locked,
            fields=["officer"],
            request=request,
        )
    _refresh(referral, locked)
    return True


def referral_update_post(
    *, referral: Referral, text: str, actor: Any, request: Any = None
) -> ReferralUpdate:
    """The institution tells the helpline how things stand (an institution that answers has
    received the referral: it is acknowledged if it was not)."""
    if not referral_answerable_by(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(referral)
        now = timezone.now()
        if locked.status == ReferralStatus.SENT:
            _acknowledge_locked(locked, actor=actor, now=now, request=request)
        if locked.status == ReferralStatus.ACKNOWLEDGED:
            locked.status = ReferralStatus.IN_PROGRESS
            locked.save(update_fields=["status", "updated_at"])
        update = ReferralUpdate.objects.create(
            referral=locked, kind=UpdateKind.UPDATE, author=actor, text=text, at=now
        )
        case_event_record(
            case=locked.case,
            kind=CaseEventKind.REFERRAL_UPDATE,
            actor=actor,
            at=now,
            data={
                "referral": str(locked.pk),
                "organisation": locked.organisation_id,
                "update": str(update.pk),
            },
        )
        audit_record(
            actor=actor,
            action="referral.updated",
            target=locked,
            fields=["updates", "status"],
            request=request,
        )
    _refresh(referral, locked)
    return update


def referral_close(
    *, referral: Referral, draft: OutcomeDraft, actor: Any, request: Any = None
) -> ReferralUpdate:
    """The institution records its outcome: the referral closes. The case stays with the
    helpline, which closes it with its own outcome."""
    if not referral_answerable_by(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(referral)
        now = timezone.now()
        if locked.status == ReferralStatus.SENT:
            _acknowledge_locked(locked, actor=actor, now=now, request=request)
        locked.status = ReferralStatus.CLOSED
        locked.outcome = draft.outcome
        locked.closed_at = now
        locked.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        update = ReferralUpdate.objects.create(
            referral=locked, kind=UpdateKind.OUTCOME, author=actor, text=draft.text, at=now
        )
        case_event_record(
            case=locked.case,
            kind=CaseEventKind.REFERRAL_OUTCOME,
            actor=actor,
            at=now,
            data={
                "referral": str(locked.pk),
                "organisation": locked.organisation_id,
                "outcome": str(draft.outcome),
                "update": str(update.pk),
            },
        )
        audit_record(
            actor=actor,
            action="referral.closed",
            target=locked,
            fields=["status", "outcome", "closed_at", "updates"],
            request=request,
        )
        # Every institution has answered: the case is the helpline's to review and close.
        case = locked.case
        still_open = Referral.objects.filter(case=case, status__in=OPEN_STATUSES).exists()
        if not still_open and case.status in (CaseStatus.REFERRED, CaseStatus.WAITING):
            case_move(case=case, status=CaseStatus.IN_PROGRESS, actor=actor, reports_follow=False)
    _refresh(referral, locked)
    return update


# --- the helpline after sending --------------------------------------------------------------


def referral_withdraw(*, referral: Referral, reason: str, actor: Any, request: Any = None) -> bool:
    """The helpline takes the referral back: the institution no longer sees anything of the
    case. When no referral of the case is left open, the helpline works on it again."""
    if not referral_manageable_by(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(referral)
        if locked.status not in OPEN_STATUSES:
            _refresh(referral, locked)
            return False
        now = timezone.now()
        locked.status = ReferralStatus.WITHDRAWN
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        case_event_record(
            case=locked.case,
            kind=CaseEventKind.NOTE,
            actor=actor,
            at=now,
            data={
                "referral": str(locked.pk),
                "organisation": locked.organisation_id,
                "referral_status": ReferralStatus.WITHDRAWN.value,
            },
            text=reason,
        )
        audit_record(
            actor=actor,
            action="referral.withdrawn",
            target=locked,
            fields=["status", "closed_at"],
            request=request,
        )
        case = locked.case
        still_open = Referral.objects.filter(case=case, status__in=OPEN_STATUSES).exists()
        if not still_open and case.status in (CaseStatus.REFERRED, CaseStatus.WAITING):
            case_move(case=case, status=CaseStatus.IN_PROGRESS, actor=actor)
    _refresh(referral, locked)
    return True


def referral_question(
    *, referral: Referral, text: str, actor: Any, request: Any = None
) -> ReferralUpdate:
    """The helpline asks the institution something on the referral's thread."""
    if not referral_manageable_by(actor, referral):
        raise PermissionDenied
    with transaction.atomic():
        update = ReferralUpdate.objects.create(
            referral=referral,
            kind=UpdateKind.QUESTION,
            author=actor,
            from_institution=False,
            text=text,
            at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="referral.question_asked",
            target=referral,
            fields=["updates"],
            request=request,
        )
    return update


# --- escalation --------------------------------------------------------------------------------


def overdue_referrals(*, now: datetime | None = None) -> Any:
    """Open referrals nobody acknowledged by their due time and not yet escalated."""
    return Referral.objects.filter(
        status=ReferralStatus.SENT,
        escalated_at__isnull=True,
        acknowledge_due__lt=now or timezone.now(),
    )


def referral_escalation_due() -> bool:
    """Whether a referral waits to be escalated (asked by the outbox relay every cycle)."""
    return overdue_referrals().exists()


def referrals_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate each overdue referral once: mark it, write the case's ESCALATED event and the
    audit entry, and enqueue the notice to the institution's officers and the helpline's
    supervisors. Returns how many were escalated now."""
    now = now or timezone.now()
    ids = list(overdue_referrals(now=now).values_list("pk", flat=True)[:ESCALATION_BATCH])
    escalated = 0
    for referral_id in ids:
        with transaction.atomic():
            # A conditional update: only one run (or worker) wins each referral.
            won = overdue_referrals(now=now).filter(pk=referral_id).update(escalated_at=now)
            if not won:
                continue
            referral = Referral.objects.select_related("case").get(pk=referral_id)
            case_event_record(
                case=referral.case,
                kind=CaseEventKind.ESCALATED,
                at=now,
                data={
                    "referral": str(referral.pk),
                    "organisation": referral.organisation_id,
                    "reason": "referral_acknowledgement_overdue",
                },
            )
            audit_record(
                actor=None, action="referral.escalated", target=referral, fields=["escalated_at"]
            )
            outbox_enqueue(topic=OVERDUE_TOPIC, payload={"referral_id": str(referral.pk)})
            escalated += 1
    return escalated


# --- demo data ---------------------------------------------------------------------------------


def _demo_case(*, operator: User, municipality_name: str, category: str) -> Case:
    """A minimal case opened from a new demo report (when no case exists yet)."""
    from isigurt.geography.models import Municipality
    from isigurt.reports.services import CODE_ALPHABET, report_submit
    from isigurt.reports.validation import ReportDraft

    municipality = (
        Municipality.objects.select_related("county").filter(name=municipality_name).first()
    )
    draft = ReportDraft.model_validate(
        {
            "category": category,
            "audience": "adult",
            "platform": "ExampleChat",
            "urls": ["https://example.com/demo/post"],
            "description": "Demo report: placeholder text for trying the platform.",
            "age_band": "13_15",
            **(
                {"county_code": municipality.county.code, "municipality_slug": municipality.slug}
                if municipality is not None
                else {}
            ),
        }
    )
    report = report_submit(draft=draft, channel="web", idempotency_key=None).report
    helpline = operator.organisation
    if helpline is None:
        raise ImproperlyConfigured("The demo operator belongs to no organisation.")
    with transaction.atomic():
        case = Case.objects.create(
            code="C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
            organisation=helpline,
            status=CaseStatus.TRIAGED,
            priority=Priority.HIGH,
            priority_reasons=["operator"],
            category=report.category,
            age_band=report.age_band,
            gender=report.gender,
            county=report.county,
            municipality=report.municipality,
            summary="Demo case opened from a demo report.",
            owner=operator,
            opened_by=operator,
            triaged_at=timezone.now(),
        )
        CaseOrigin.objects.create(case=case, report=report)
        case_event_record(case=case, kind=CaseEventKind.OPENED, actor=operator)
        audit_record(actor=operator, action="case.opened", target=case, fields=["origins"])
    return case


def referrals_demo_seed() -> int:
    """The demo referrals, once: a case to the Tirana child protection unit (demo user
    cpu.tirana) and a case to the police (demo user police). Uses the demo cases when there
    are some, else opens two minimal ones from demo reports. Returns how many were made."""
    from isigurt.accounts.services import DEMO_CPU_MUNICIPALITY, NATIONAL_BODIES

    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo referrals can only be created in demo mode.")
    operator = User.objects.select_related("organisation").get(username="operator")
    cpu = Organisation.objects.get(
        kind=OrganisationType.CHILD_PROTECTION_UNIT, municipality__name=DEMO_CPU_MUNICIPALITY
    )
    police_name = next(body.name for body in NATIONAL_BODIES if body.key == "police")
    police = Organisation.objects.get(name=police_name)
    cases = Case.objects.filter(organisation=operator.organisation).exclude(
        status=CaseStatus.CLOSED
    )
    made = 0
    for organisation, category in ((cpu, "bullying"), (police, "sextortion")):
        if Referral.objects.filter(organisation=organisation).exists():
            continue
        unreferred = cases.exclude(referrals__organisation__in=[cpu, police])
        preferred = unreferred.filter(municipality=organisation.municipality)
        # Cases nobody follows yet first: the demo operator's own case stays as triaged.
        order = (F("owner").asc(nulls_first=True), "created_at", "id")
        case = (
            (preferred.order_by(*order).first() if organisation == cpu else None)
            or unreferred.order_by(*order).first()
            or _demo_case(
                operator=operator,
                municipality_name=DEMO_CPU_MUNICIPALITY,
                category=category,
            )
        )
        draft = ReferralDraft.model_validate(
            {
                "recipients": [{"organisation_id": organisation.pk}],
                "request": "Demo referral: please acknowledge it and tell us what you can do.",
            }
        )
        made += len(referral_send(case=case, draft=draft, actor=operator).created)
    return made
