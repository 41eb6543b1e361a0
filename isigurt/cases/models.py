"""Cases: what the helpline follows from a report or a contact until its outcome.

A case is opened from one report or one helpline contact (``CaseOrigin``); merging duplicates
moves the origins of one case onto another, so a case can hold several. Triage gives it a
priority, the reasons for it and the due times that follow; an owner follows it; a timeline
(``CaseEvent``) keeps every event, append-only. Narratives and notes are encrypted field by
field (design safety rule 2); everything a list filters or orders on is a code, a band, a
place or a time. Search and automatic linking never decrypt rows: they look up keyed blind
indexes (``CaseTerm``, isigurt.lib.blind_index, decision 0014).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from isigurt.lib.fields import EncryptedTextField
from isigurt.reports.models import AgeBand, Category, Gender


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred")
    WAITING = "waiting", _("Waiting for an institution")
    CLOSED = "closed", _("Closed")


class Priority(models.IntegerChoices):
    """Lower is more urgent: the queue orders by this number."""

    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class TriageReason(models.TextChoices):
    DANGER_NOW = "danger_now", _("A child is in danger now")
    UNDER_13 = "under_13", _("The child is under 13")
    SEXTORTION = "sextortion", _("Sextortion: someone threatens to share images")
    SEXTORTION_DEADLINE = "sextortion_deadline", _("Sextortion with a deadline")
    ABUSE_MATERIAL = "abuse_material", _("Child sexual abuse material reported")
    KNOWN_IMAGE = "known_image", _("A known abuse image matched")
    GROOMING = "grooming", _("An adult seeking sexual contact with a child")
    SELF_HARM = "self_harm", _("Self-harm or suicide mentioned")
    REPEAT_OFFENDER = "repeat_offender", _("The same offender appears in other cases")
    OPERATOR = "operator", _("The operator's judgement")


class CaseOutcome(models.TextChoices):
    SUPPORTED = "supported", _("Child supported, no further action needed")
    RESOLVED_BY_INSTITUTION = "resolved_by_institution", _("Resolved by the institution")
    CONTENT_REMOVED = "content_removed", _("Content removed")
    PROSECUTION = "prosecution", _("Passed to prosecution")
    UNREACHABLE = "unreachable", _("Reporter could not be reached")
    NOT_CONFIRMED = "not_confirmed", _("Concern not confirmed")
    MERGED = "merged", _("Merged into another case")
    OTHER = "other", _("Other")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What people read and search by: "C" and eight characters of the tracking-code alphabet.
    code = models.CharField(_("case number"), max_length=12, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("helpline"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # Codes of TriageReason, most serious first, as the triage found them (or a supervisor set).
    priority_reasons = models.JSONField(_("reasons for the priority"), default=list, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    child_in_danger = models.BooleanField(_("a child is in danger now"), default=False)
    age_band = models.CharField(
        _("age"), max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender.choices, default=Gender.UNKNOWN
    )
    county = models.ForeignKey(
        "geography.County",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "geography.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_albania = models.BooleanField(_("outside Albania"), default=False)
    # The operator's summary of the case (the reporter's own words stay on the report).
    summary = EncryptedTextField(_("summary"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    referral_due = models.DateTimeField(_("referral due"), null=True, blank=True)
    referred_at = models.DateTimeField(_("first referral"), null=True, blank=True)
    # Set when a due time was missed and the supervisor was told (once per breach kind).
    first_response_escalated_at = models.DateTimeField(null=True, blank=True)
    referral_escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=CaseOutcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["priority", "created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The queue: open cases of a helpline, most urgent and longest waiting first.
            models.Index(
                fields=["organisation", "priority", "created_at"],
                condition=~models.Q(status="closed"),
                name="case_open_queue",
            ),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
            models.Index(fields=["organisation", "status", "created_at"], name="case_org_status"),
            models.Index(fields=["first_response_due"], name="case_first_response_due"),
            models.Index(fields=["referral_due"], name="case_referral_due"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseOrigin(models.Model):
    """The report or the contact a case was opened from, or that a merge brought in.

    A report or a contact belongs to one case at most.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="origins")
    report = models.OneToOneField(
        "reports.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_origin",
    )
    contact = models.OneToOneField(
        "helpline.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_origin",
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("case origin")
        verbose_name_plural = _("case origins")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(report__isnull=False, contact__isnull=True)
                    | models.Q(report__isnull=True, contact__isnull=False)
                ),
                name="case_origin_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}"


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    TRIAGED = "triaged", _("Triaged")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ASSIGNED = "assigned", _("Assigned")
    HANDED_OVER = "handed_over", _("Handed over")
    STATUS_CHANGED = "status_changed", _("Status changed")
    NOTE = "note", _("Note")
    TASK_ADDED = "task_added", _("Task added")
    TASK_DONE = "task_done", _("Task done")
    FIRST_RESPONSE = "first_response", _("First response to the reporter")
    LINK_SUGGESTED = "link_suggested", _("Possible link found")
    LINKED = "linked", _("Linked to another case")
    LINK_DISMISSED = "link_dismissed", _("Suggested link dismissed")
    MERGED = "merged", _("Merged")
    REFERRED = "referred", _("Referred")
    REFERRAL_ACKNOWLEDGED = "referral_acknowledged", _("Referral acknowledged")
    REFERRAL_UPDATE = "referral_update", _("Update from an institution")
    REFERRAL_OUTCOME = "referral_outcome", _("Outcome from an institution")
    ESCALATED = "escalated", _("Escalated to the supervisor")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class CaseEvent(models.Model):
    """One event of a case's timeline. Rows are only ever added."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=32, choices=CaseEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), db_index=True)
    # Codes and identifiers only (old and new status, priority, the other case's id...).
    data = models.JSONField(default=dict, blank=True)
    # Free text a person wrote: a note, a reason, a handover note.
    text = EncryptedTextField(_("text"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return self.kind


class CaseTask(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["done_at", "due_at", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="casetask_due")]

    def __str__(self) -> str:
        return str(self.id)


class TermKind(models.TextChoices):
    """What a blind-index entry stands for (decision 0014)."""

    WORD = "word", _("word")
    URL = "url", _("link")
    USERNAME = "username", _("username")
    PHONE = "phone", _("phone number")
    IMAGE = "image", _("image")


class CaseTerm(models.Model):
    """One keyed blind index entry: HMAC of a normalised value under a key of its own.

    Search and linking compare digests; the value itself is never stored here.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(max_length=8, choices=TermKind.choices)
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=32)  # the HMAC truncated to 128 bits, hex

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        # The case id is part of the lookup index: a search reads the cases holding a digest
        # from the index alone, in case order (no table access; two words merge-join).
        indexes = [
            models.Index(fields=["digest", "kind", "key_id", "case"], name="caseterm_lookup")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "key_id", "digest"], name="caseterm_once_per_case"
            )
        ]

    def __str__(self) -> str:
        return self.kind


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class CaseLink(models.Model):
    """Two cases that share something (a link, a username, a phone number, an image).

    Stored once per pair, ``first`` being the case with the smaller id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # TermKind codes of what the two share, found automatically (empty when linked by hand).
    shared = models.JSONField(_("shared"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=LinkStatus.choices, default=LinkStatus.SUGGESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="caselink_once_per_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="caselink_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class CaseEscalationNotice(models.Model):
    """The helpline's supervisors were told of one escalation (an ESCALATED event) by e-mail.

    One row per escalation: the outbox handler that sends the e-mail runs at most once for
    each, however often it is delivered (R5).
    """

    event = models.OneToOneField(
        CaseEvent, on_delete=models.CASCADE, related_name="escalation_notice"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("escalation notice")
        verbose_name_plural = _("escalation notices")

    def __str__(self) -> str:
        return str(self.event_id)
