"""Contacts with the ALO 116 helpline (calls, chats, messages, e-mails, visits, web and app
reports an operator handled) and the call-backs promised to them.

A contact stands on its own: most never become a case, and all of them count in the national
statistics. The operator's summary, the caller's phone number and call-back notes are
encrypted field by field (design safety rule 2); everything else is a category, a band or a
place, so that statistics can count it without decrypting anything.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from isigurt.lib.fields import EncryptedTextField
from isigurt.reports.models import AgeBand, CallbackOutcome, Gender


class ContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Web report")
    APP = "app", _("App report")


class Caller(models.TextChoices):
    CHILD = "child", _("A child")
    PARENT = "parent", _("A parent or carer")
    TEACHER = "teacher", _("A teacher")
    OTHER_ADULT = "other_adult", _("Another adult")
    UNKNOWN = "unknown", _("Not known")


class ContactAction(models.TextChoices):
    INFORMATION = "information", _("Information given")
    COUNSELLING = "counselling", _("Counselling")
    REFERRAL = "referral", _("Referred")
    CASE_OPENED = "case_opened", _("Case opened")
    CALLBACK = "callback", _("Call-back promised")


class Contact(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    caller = models.CharField(
        _("who contacted"), max_length=16, choices=Caller.choices, default=Caller.UNKNOWN
    )
    # The child concerned: the caller when a child calls, else the child the adult calls about.
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
    # Codes of isigurt.helpline.models.ContactAction, in the order chosen.
    actions = models.JSONField(_("what the operator did"), default=list, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), db_index=True)
    ended_at = models.DateTimeField(_("ended"))
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = EncryptedTextField(_("summary"), blank=True)
    # Kept only while a call-back is promised (the draft refuses it otherwise).
    caller_phone = EncryptedTextField(_("phone number for the call-back"), blank=True)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["organisation", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gte=models.F("started_at")),
                name="helpline_contact_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.started_at

    @property
    def duration_seconds(self) -> int:
        return int(self.duration.total_seconds())


class ContactIssue(models.Model):
    """One topic of the taxonomy a contact was about (isigurt.helpline.taxonomy)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="issues")
    category = models.CharField(_("category"), max_length=40, db_index=True)
    topic = models.CharField(_("topic"), max_length=40, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact issue")
        verbose_name_plural = _("contact issues")
        constraints = [
            models.UniqueConstraint(fields=["contact", "topic"], name="one_issue_per_topic")
        ]

    def __str__(self) -> str:
        return self.topic


class CallBack(models.Model):
    """A call-back promised to a caller who left a number, and what came of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="callbacks"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    made_at = models.DateTimeField(_("made"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CallbackOutcome.choices, blank=True
    )
    note = EncryptedTextField(_("note"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")

    def __str__(self) -> str:
        return str(self.id)

    @property
    def pending(self) -> bool:
        return not self.outcome
