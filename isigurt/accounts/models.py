"""Organisations, staff users, their roles and their second factor."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core import checks
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from isigurt.lib.crypto import field_aad
from isigurt.lib.fields import EncryptedTextField


class OrganisationType(models.TextChoices):
    HELPLINE = "helpline", _("Child helpline (ALO 116)")
    COORDINATION_NGO = "coordination_ngo", _("Coordinating NGO (CRCA)")
    UN_AGENCY = "un_agency", _("UN agency (UNICEF)")
    CHILD_RIGHTS_AGENCY = "child_rights_agency", _("State Agency for Child Rights (ASHMDF)")
    CHILD_PROTECTION_UNIT = "child_protection_unit", _("Municipal child protection unit")
    POLICE = "police", _("State Police")
    PROSECUTION = "prosecution", _("Prosecution office")
    COURT = "court", _("Court")
    TELECOM_REGULATOR = "telecom_regulator", _("Telecom regulator (AKEP)")
    CYBER_SECURITY = "cyber_security", _("Cyber security authority (AKCESK)")
    MEDIA_AUTHORITY = "media_authority", _("Audiovisual media authority (AMA)")
    ISP = "isp", _("Internet or mobile provider")
    EDUCATION = "education", _("Education agency or school")
    DATA_PROTECTION = "data_protection", _("Data protection commissioner (IDP)")
    ANTI_DISCRIMINATION = "anti_discrimination", _("Anti-discrimination commissioner (KMD)")
    MINISTRY = "ministry", _("Ministry")
    YOUTH_NETWORK = "youth_network", _("Youth network")
    PLATFORM = "platform", _("Platform operator")


class Role(models.TextChoices):
    HELPLINE_OPERATOR = "helpline_operator", _("Helpline operator")
    HELPLINE_SUPERVISOR = "helpline_supervisor", _("Helpline supervisor")
    CONTENT_ANALYST = "content_analyst", _("Content analyst")
    INSTITUTION_OFFICER = "institution_officer", _("Institution officer")
    BLOCKING_OFFICER = "blocking_officer", _("Blocking authority officer")
    STATISTICS_VIEWER = "statistics_viewer", _("Statistics viewer")
    EDITOR = "editor", _("Editor")
    TRAINER = "trainer", _("Trainer")
    YOUTH_COORDINATOR = "youth_coordinator", _("Youth coordinator")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


# Roles that read children's data, or hand out access to it: granting one through the admin
# takes two administrators (RoleGrantRequest), so no single account can give itself that access.
FOUR_EYES_ROLES = frozenset(
    {
        Role.HELPLINE_OPERATOR,
        Role.HELPLINE_SUPERVISOR,
        Role.CONTENT_ANALYST,
        Role.INSTITUTION_OFFICER,
        Role.BLOCKING_OFFICER,
        Role.YOUTH_COORDINATOR,
        Role.PLATFORM_ADMIN,
    }
)


# The institutions a case can be referred to: their staff hold the institution officer role.
INSTITUTION_TYPES = frozenset(
    {
        OrganisationType.CHILD_RIGHTS_AGENCY,
        OrganisationType.CHILD_PROTECTION_UNIT,
        OrganisationType.POLICE,
        OrganisationType.PROSECUTION,
        OrganisationType.COURT,
        OrganisationType.TELECOM_REGULATOR,
        OrganisationType.CYBER_SECURITY,
        OrganisationType.MEDIA_AUTHORITY,
        OrganisationType.ISP,
        OrganisationType.EDUCATION,
        OrganisationType.DATA_PROTECTION,
        OrganisationType.ANTI_DISCRIMINATION,
        OrganisationType.MINISTRY,
    }
)

# Which organisations' staff may hold each role; a role not listed fits any organisation (it reads
# no children's data). A helpline role outside the helpline would open every helpline report to
# another body, so role_grant_request refuses a role that does not fit the user's organisation.
ROLE_ORGANISATION_TYPES: dict[str, frozenset[str]] = {
    Role.HELPLINE_OPERATOR: frozenset({OrganisationType.HELPLINE}),
    Role.HELPLINE_SUPERVISOR: frozenset({OrganisationType.HELPLINE}),
    Role.CONTENT_ANALYST: frozenset({OrganisationType.HELPLINE}),
    Role.INSTITUTION_OFFICER: INSTITUTION_TYPES,
    Role.BLOCKING_OFFICER: frozenset({OrganisationType.TELECOM_REGULATOR}),
    Role.YOUTH_COORDINATOR: frozenset({OrganisationType.YOUTH_NETWORK}),
    Role.PLATFORM_ADMIN: frozenset({OrganisationType.PLATFORM}),
}


def role_fits_organisation(role: str, organisation: Organisation | None) -> bool:
    allowed = ROLE_ORGANISATION_TYPES.get(role)
    if allowed is None:
        return True
    return organisation is not None and organisation.kind in allowed


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("type"), max_length=40, choices=OrganisationType.choices)
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
        related_name="organisations",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(kind="child_protection_unit"),
                name="one_child_protection_unit_per_municipality",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp is untyped
    """A staff member. Public reporters have no account."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Moves when an administrator sets the password or resets the second factor: it is part of
    # the session hash, so every session of the user ends, whatever the session store.
    credentials_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        if not self.credentials_epoch:  # sessions from before the epoch existed stay valid
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "isigurt.accounts.User.session_auth_hash",
            f"{self.credentials_epoch}:{self.password}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def role_set(self) -> set[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = set(self.role_grants.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class LoginAttempt(models.Model):
    """One password or second-factor attempt, for the lockout and the rate limit (S5, S13).

    Usernames and addresses are stored only as keyed hashes: people type passwords into
    the username field, and an address is personal data.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", _("Password")
        SECOND_FACTOR = "second_factor", _("Second factor")

    username_key = models.CharField(max_length=64)
    client_key = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username_key", "at"], name="loginattempt_user_at"),
            models.Index(fields=["username_key", "client_key", "at"], name="loginattempt_pair_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.at:%Y-%m-%d %H:%M}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SecondAdministratorRequest(models.Model):
    """What one administrator asks and a different one decides (the four-eyes requests)."""

    Status = RequestStatus

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        User,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at"]


class RoleGrantRequest(SecondAdministratorRequest):
    """A role asked for by one administrator; a role in FOUR_EYES_ROLES becomes a RoleGrant only
    when a different administrator approves it (services.role_grant_approve)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_requests", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_user_role",
            )
        ]

    def __str__(self) -> str:
        return str(
            _("%(role)s for %(user)s (%(status)s)")
            % {
                "role": self.get_role_display(),
                "user": self.user,
                "status": self.get_status_display(),
            }
        )


class CredentialRequest(SecondAdministratorRequest):
    """A new password or a second-factor reset asked for by one administrator for a user who
    holds a role in FOUR_EYES_ROLES: nothing changes until a different administrator, neither
    the one who asked nor the user, approves it (services.credential_request_approve)."""

    class Kind(models.TextChoices):
        PASSWORD = "password", _("New password")
        SECOND_FACTOR = "second_factor", _("Second factor reset")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="credential_requests", verbose_name=_("user")
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    # The new password's hash (never the password) until the request is decided, then emptied.
    password_hash = models.CharField(max_length=255, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("password or second-factor request")
        verbose_name_plural = _("password and second-factor requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="pending"),
                name="one_pending_credential_request_per_user_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.get_status_display()})"


class DeviceKeyField(EncryptedTextField):
    """An authenticator's secret, encrypted and bound to the device's ``uid``.

    django-otp names a device in the session by its integer id (``persistent_id``), so the row
    keeps an integer primary key and binds its ciphertext to a separate random UUID instead.
    """

    def aad_for(self, instance: models.Model) -> str:
        uid = getattr(instance, "uid", None)
        return field_aad(table=self.model._meta.db_table, pk=uid, field=self.attname)

    def _check_primary_key(self) -> list[checks.CheckMessage]:
        uid = self.model._meta.get_field("uid")
        if not isinstance(uid, models.UUIDField) or getattr(uid, "default", None) is not uuid.uuid4:
            return [
                checks.Error(
                    "A model with a DeviceKeyField needs uid = UUIDField(default=uuid.uuid4).",
                    obj=self,
                    id="accounts.E001",
                )
            ]
        return []


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator (TOTP, RFC 6238): django-otp's TOTPDevice with its secret
    encrypted at rest. The behaviour (codes, replay refusal, throttling, drift, the otpauth URL)
    is django-otp's own, borrowed below; only the storage of the key differs."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = DeviceKeyField(default=default_key, validators=[key_validator], editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)  # the last step accepted: no code twice

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    bin_key: Any = TOTPDevice.bin_key
    verify_token: Any = TOTPDevice.verify_token
    get_throttle_factor: Any = TOTPDevice.get_throttle_factor
    config_url: Any = TOTPDevice.config_url
    _read_str_from_settings: Any = TOTPDevice._read_str_from_settings


class ApiToken(models.Model):
    """A partner system's key to the JSON API on behalf of one organisation (decision 0017).

    The token is shown once, when it is issued; only its SHA-256 digest is kept. It acts as a
    service account of its organisation (``user``): an account with the institution officer
    role, no usable password and no second factor, so it can never sign in to a page, while
    every permission check and audit entry treats its requests as that organisation's.
    ``prefix`` is public: it names the token in the admin and in logs.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    label = models.CharField(_("label"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.OneToOneField(
        User,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix})"
