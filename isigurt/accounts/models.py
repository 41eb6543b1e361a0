"""Organisations, staff users and their roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
    """A staff member. Public reporters have no account."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

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
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


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
