"""Referrals of a case to the institutions that must act, and what the institutions do.

The helpline refers a case to an institution (police, a municipality's child protection unit,
ASHDMF, AKEP, AKSK, a school, the anti-discrimination commissioner) and chooses the fields the
referral shares; the institution sees those fields and nothing else (isigurt.referrals
.permissions). The institution acknowledges within a due time, posts updates and an outcome.

A municipality's child protection unit also records what Law 18/2017 and DCM 578/2018 ask of
it: the child protection worker assigned, the meetings of the inter-sectoral technical group
(GTN), the child's Individual Protection Plan (PIM) with its measures and reviews, and the
hand-offs to police, prosecution or court.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from isigurt.lib.fields import EncryptedTextField


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent, waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed with an outcome")
    WITHDRAWN = "withdrawn", _("Withdrawn by the helpline")


class ReferralOutcome(models.TextChoices):
    CHILD_PROTECTED = "child_protected", _("Child protected, plan in place")
    SUPPORT_GIVEN = "support_given", _("Support given to the child and family")
    INVESTIGATION = "investigation", _("Criminal investigation opened")
    CONTENT_REMOVED = "content_removed", _("Content removed or blocked")
    TRANSFERRED = "transferred", _("Passed to another institution")
    NOT_CONFIRMED = "not_confirmed", _("Concern not confirmed")
    NOT_COMPETENT = "not_competent", _("Not within this institution's competence")
    OTHER = "other", _("Other")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    # Names from isigurt.referrals.sharing.SHAREABLE_FIELDS: what the institution may read.
    shared_fields = models.JSONField(_("shared fields"), default=list)
    # What the helpline asks of the institution, in its own words.
    request = EncryptedTextField(_("request to the institution"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), db_index=True)
    acknowledge_due = models.DateTimeField(_("acknowledgement due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The institution's officer following it (for a child protection unit: the child
    # protection worker assigned under DCM 578/2018).
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=32, choices=ReferralOutcome.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set once when the acknowledgement became overdue and the escalation went out.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["organisation", "status", "sent_at"], name="referral_inbox"),
            models.Index(fields=["acknowledge_due"], name="referral_ack_due"),
        ]
        constraints = [
            # A case is referred to an institution once; sending it again changes nothing.
            models.UniqueConstraint(fields=["case", "organisation"], name="referral_once_per_org")
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def is_open(self) -> bool:
        return self.status not in (ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN)


class UpdateKind(models.TextChoices):
    UPDATE = "update", _("Update")
    OUTCOME = "outcome", _("Outcome")
    QUESTION = "question", _("Question from the helpline")


class ReferralUpdate(models.Model):
    """What an institution (or the helpline) wrote on a referral. Rows are only ever added."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=16, choices=UpdateKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_institution = models.BooleanField(default=True)
    text = EncryptedTextField(_("text"), blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("referral update")
        verbose_name_plural = _("referral updates")

    def __str__(self) -> str:
        return self.kind


class NoticeKind(models.TextChoices):
    SENT = "sent", _("New referral")
    OVERDUE = "overdue", _("Acknowledgement overdue")


class ReferralNotice(models.Model):
    """A notice to an institution's officers (in the platform and by e-mail).

    One row per (referral, kind): the task that e-mails it runs at most once for each, however
    often it is delivered (R5).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("referral notice")
        verbose_name_plural = _("referral notices")
        constraints = [
            models.UniqueConstraint(fields=["referral", "kind"], name="referral_notice_once")
        ]

    def __str__(self) -> str:
        return self.kind


# --- the child protection unit's procedure (Law 18/2017, DCM 578/2018) -----------------------


class Sector(models.TextChoices):
    """The sectors an inter-sectoral technical group (GTN) brings together."""

    SOCIAL = "social", _("Social services")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    POLICE = "police", _("Police")
    JUSTICE = "justice", _("Prosecution or court")
    NGO = "ngo", _("Non-governmental organisation")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other")


class GroupMeeting(models.Model):
    """A meeting of the inter-sectoral technical group (GTN) about the child."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    sectors = models.JSONField(_("sectors present"), default=list)  # Sector codes
    decisions = EncryptedTextField(_("decisions"), blank=True)
    next_meeting_on = models.DateField(_("next meeting"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "created_at"]
        verbose_name = _("technical group meeting")
        verbose_name_plural = _("technical group meetings")

    def __str__(self) -> str:
        return str(self.held_on)


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    CLOSED = "closed", _("Closed")


class ProtectionPlan(models.Model):
    """The child's Individual Protection Plan (PIM): one per referral to a unit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="protection_plan"
    )
    approved_on = models.DateField(_("approved on"))
    goals = EncryptedTextField(_("goals"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("individual protection plan")
        verbose_name_plural = _("individual protection plans")

    def __str__(self) -> str:
        return str(self.id)


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class PlanMeasure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ProtectionPlan, on_delete=models.CASCADE, related_name="measures")
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    description = EncryptedTextField(_("measure"))
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("plan measure")
        verbose_name_plural = _("plan measures")

    def __str__(self) -> str:
        return str(self.id)


class PlanReview(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ProtectionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    summary = EncryptedTextField(_("summary"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reviewed_on", "created_at"]
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")

    def __str__(self) -> str:
        return str(self.reviewed_on)


class HandoffTo(models.TextChoices):
    POLICE = "police", _("Police")
    PROSECUTION = "prosecution", _("Prosecution")
    COURT = "court", _("Court")


class Handoff(models.Model):
    """The unit passed the child's case to police, prosecution or a court."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="handoffs")
    to = models.CharField(_("passed to"), max_length=16, choices=HandoffTo.choices)
    to_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on = models.DateField(_("on"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "created_at"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")

    def __str__(self) -> str:
        return self.to
