"""Public reports, their evidence, the reporter's thread with the helpline, idempotency records.

Everything that could identify a reporter or a victim (URLs, usernames, phone numbers, the
narrative, the contact) is encrypted field by field (design safety rule 2). The reporter's secret
is never stored: only a keyed hash of it (see isigurt.reports.codes).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from isigurt.lib.fields import EncryptedJSONField, EncryptedTextField


class Category(models.TextChoices):
    ABUSE_MATERIAL = "abuse_material", _("Images or videos of a child being sexually abused")
    GROOMING = "grooming", _("An adult or stranger asking for sexual images or meetings")
    SEXTORTION = "sextortion", _("Someone threatening to share intimate images")
    BULLYING = "bullying", _("Bullying, harassment or humiliation online")
    HATE = "hate", _("Hate or discrimination")
    HARMFUL_CONTENT = "harmful_content", _("Harmful content (self-harm, suicide, violence, drugs)")
    ACCOUNT_MISUSE = "account_misuse", _("Account hacked or impersonation")
    OTHER = "other", _("Something else")


class Audience(models.TextChoices):
    CHILD = "child", _("A child (8 to 12)")
    TEEN = "teen", _("A teenager (13 to 17)")
    ADULT = "adult", _("An adult")


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    AGE_13_15 = "13_15", _("13 to 15")
    AGE_16_17 = "16_17", _("16 to 17")
    ADULT = "adult", _("18 or older")
    UNKNOWN = "unknown", _("I don't know")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("I'd rather not say")


class AffectedPerson(models.TextChoices):
    SELF = "self", _("Me")
    OTHER_CHILD = "other_child", _("Another child")
    UNKNOWN = "unknown", _("I don't know")


class ContactMethod(models.TextChoices):
    ANONYMOUS = "anonymous", _("Stay anonymous")
    PHONE = "phone", _("By phone")
    EMAIL = "email", _("By e-mail")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    APP = "app", _("Phone app")
    API = "api", _("API")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("Being looked at")
    ACTION_TAKEN = "action_taken", _("Action taken")
    CLOSED = "closed", _("Closed")


class CallbackOutcome(models.TextChoices):
    """How a call-back went: to a reporter who asked for one, or to a helpline contact."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    INFORMATION = "information", _("More information")


class EvidenceKind(models.TextChoices):
    SCREENSHOT = "screenshot", _("Screenshot")


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Eight characters from an unambiguous alphabet, stored without the dash ("K7QM4TZP").
    tracking_code = models.CharField(_("tracking code"), max_length=8, unique=True)
    # HMAC-SHA256 of the secret under a server pepper (hex); the secret is shown once.
    secret_hash = models.CharField(max_length=64)
    # The main thing that happened; ``other_categories`` lists the others the reporter named.
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    other_categories = models.JSONField(_("also reported"), default=list, blank=True)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, default="sq")
    child_in_danger = models.BooleanField(_("a child is in danger now"), default=False)
    platform = models.CharField(_("app or platform"), max_length=100, blank=True)
    urls = EncryptedJSONField(_("links"), default=list, blank=True)
    usernames = EncryptedJSONField(_("usernames"), default=list, blank=True)
    phone_numbers = EncryptedJSONField(_("phone numbers"), default=list, blank=True)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    affected = models.CharField(
        _("who is affected"),
        max_length=16,
        choices=AffectedPerson.choices,
        default=AffectedPerson.UNKNOWN,
    )
    age_band = models.CharField(
        _("age"), max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender.choices, default=Gender.UNKNOWN
    )
    county = models.ForeignKey(
        "geography.County", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "geography.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_albania = models.BooleanField(_("outside Albania"), default=False)
    description = EncryptedTextField(_("what happened"), blank=True)
    contact_method = models.CharField(
        _("how to reply"),
        max_length=16,
        choices=ContactMethod.choices,
        default=ContactMethod.ANONYMOUS,
    )
    contact_value = EncryptedTextField(_("contact"), blank=True)
    contact_consent = models.BooleanField(_("consent to be contacted"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    # Set when the report was accepted without a working rate limiter (S13) or otherwise
    # deserves a second look before it is trusted.
    flagged = models.BooleanField(_("flagged"), default=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # A danger-now report heads the helpline's list until a staff member acknowledges it (or
    # moves its status on): then someone is acting on it.
    danger_acknowledged_at = models.DateTimeField(
        _("danger acknowledged at"), null=True, blank=True
    )
    danger_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("danger acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Unread for the helpline: never opened, or the reporter wrote or added pictures since a
    # helpline staff member last opened it (per report, not per staff member).
    reporter_activity_at = models.DateTimeField(
        _("reporter's last addition"), null=True, blank=True
    )
    staff_read_at = models.DateTimeField(_("last opened by the helpline"), null=True, blank=True)
    # The blind-index key the report's search terms were last written under in full (empty:
    # never indexed). ``manage.py reindex_report_terms`` picks up every report not under the
    # newest key, so a re-indexing run can stop and resume.
    terms_key_id = models.CharField(max_length=16, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        """The tracking code as people read it: "K7QM-4TZP"."""
        return f"{self.tracking_code[:4]}-{self.tracking_code[4:]}"


class Evidence(models.Model):
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.SCREENSHOT
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    pdq_hash = models.CharField(_("PDQ hash"), max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(_("PDQ quality"), null=True, blank=True)
    # False for abuse-material reports: hashed and discarded, never stored (S11).
    stored = models.BooleanField(_("stored"), default=False)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    mime = models.CharField(_("type"), max_length=32, blank=True)
    # File name under settings.EVIDENCE_ROOT: the evidence id, never the uploader's file name.
    storage_name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return str(self.id)


class ReportMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    from_helpline = models.BooleanField(_("from the helpline"), default=False)
    kind = models.CharField(
        _("kind"), max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("report message")
        verbose_name_plural = _("report messages")

    def __str__(self) -> str:
        return str(self.id)


class IdempotencyRecord(models.Model):
    """One per Idempotency-Key (IETF httpapi-idempotency-key-header).

    The first response's secret is kept encrypted so that a retried client still learns it.
    Records older than 24 hours are purged by the retention job (REPORTS_IDEMPOTENCY_TTL).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=255, unique=True)
    # SHA-256 of the canonical request (the validated draft and its channel).
    fingerprint = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    secret = EncryptedTextField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self) -> str:
        return str(self.id)


class HelplineNotification(models.Model):
    """The helpline was told about a new report (one row per report: the handler is idempotent)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.OneToOneField(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="notification"
    )
    emailed = models.BooleanField(_("e-mailed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("helpline notification")
        verbose_name_plural = _("helpline notifications")

    def __str__(self) -> str:
        return str(self.id)


class ReporterNotice(models.Model):
    """The reporter was told by e-mail that the helpline answered (one row per answer).

    The e-mail holds no word of the answer: only that there is one and where to read it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.OneToOneField(
        ReportMessage,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="reporter_notice",
    )
    emailed = models.BooleanField(_("e-mailed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporter notice")
        verbose_name_plural = _("reporter notices")

    def __str__(self) -> str:
        return str(self.id)


# Bound of a call-back's note: a line or two, not a transcript.
MAX_CALLBACK_NOTE_LENGTH = 500


class ReportCallback(models.Model):
    """The helpline called back a reporter who asked to be contacted by phone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="callbacks"
    )
    called_at = models.DateTimeField(_("called at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallbackOutcome.choices)
    note = EncryptedTextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["called_at"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")

    def __str__(self) -> str:
        return str(self.id)


class ReportTermKind(models.TextChoices):
    """What a report's blind-index entry stands for (isigurt.reports.search)."""

    WORD = "word", _("word")
    URL = "url", _("link")
    USERNAME = "username", _("username")
    PHONE = "phone", _("phone number")


class ReportTerm(models.Model):
    """One keyed blind-index entry of a report: the HMAC of a normalised word, link, username
    or phone number under a key of its own (isigurt.lib.blind_index).

    The helpline's search compares digests; the value itself is never stored here, and the
    report's encrypted fields are never decrypted to search.
    """

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="terms"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReportTermKind.choices)
    key_id = models.CharField(_("key"), max_length=16)
    digest = models.CharField(_("digest"), max_length=32)  # the HMAC truncated to 128 bits, hex

    class Meta:
        verbose_name = _("report search term")
        verbose_name_plural = _("report search terms")
        indexes = [models.Index(fields=["digest", "kind", "key_id"], name="reportterm_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "key_id", "digest"], name="reportterm_once_per_report"
            )
        ]

    def __str__(self) -> str:
        return self.kind
