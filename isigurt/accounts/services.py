"""Writes for staff accounts: login steps, lockout, second-factor enrolment, seeding.

The login is two steps. The password step (`login_password_check`) starts a
password-only session; the second step (`login_second_factor_verify`, or
`totp_enrolment_confirm` at first login) marks the session verified. Every staff
page and staff API call needs the verified session (see middleware.py, api/auth.py).

Failed passwords and failed codes share one counter per (username, address): five
failures within LOGIN_LOCKOUT_PERIOD lock that pair until the period has passed
since the last failure (never permanently); they are kept in the database. Independently,
at most 5 password attempts per username per minute are looked at (S13), counted by the
shared limiter in isigurt.lib.ratelimit. If either store fails, the login fails closed.

A browser that completed a login gets a signed device cookie naming that username (OWASP's
"device cookies"). Its attempts for that username count in the device's own bucket instead
of the username's minute, so strangers using up the username's attempts do not keep the
person out; five wrong passwords with the cookie lock that cookie (LOGIN_DEVICE_FAILURE_LIMITS).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice as PlainTOTPDevice

from isigurt.accounts.models import (
    FOUR_EYES_ROLES,
    ROLE_ORGANISATION_TYPES,
    ApiToken,
    CredentialRequest,
    LoginAttempt,
    Organisation,
    OrganisationType,
    Role,
    RoleGrant,
    RoleGrantRequest,
    StaffTOTPDevice,
    User,
    role_fits_organisation,
)
from isigurt.audit.services import audit_record
from isigurt.geography.models import County, Municipality
from isigurt.lib.client import client_address
from isigurt.lib.ratelimit import (
    LOGIN_LIMITS,
    Limit,
    RateDecision,
    client_key,
    rate_limit_check,
    rate_limit_exhausted,
)

_R = TypeVar("_R")

UNAVAILABLE_RETRY_AFTER = 30
# Password spraying: wrong passwords from one client, whatever the usernames. Generous enough
# for an office or a school behind one address, far below what a spraying run needs.
LOGIN_CLIENT_FAILURE_LIMITS = (Limit(20, 15 * 60),)
# Wrong passwords sent with one device cookie: at the fifth the cookie no longer helps (S5).
LOGIN_DEVICE_FAILURE_LIMITS = (Limit(5, 15 * 60),)
_DEVICE_COOKIE_SALT = "isigurt.accounts.device-cookie"
# Attempts older than this are of no use to either limit.
LOGIN_ATTEMPT_KEEP = timedelta(days=1)

DEMO_PASSWORD = "demo-password-116"  # noqa: S105 - documented demo value; never in production


class LoginOutcome(enum.Enum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # the rate limiter's store is down: fail closed


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    retry_after: int = 0  # seconds, for LOCKED, RATE_LIMITED and UNAVAILABLE

    @property
    def ok(self) -> bool:
        return self.outcome is LoginOutcome.OK


# --- keys and the attempt store ---------------------------------------------------------


def _username_key(username: str) -> str:
    value = username.strip().lower()
    return salted_hmac("isigurt.login.username", value, algorithm="sha256").hexdigest()


def _client_key(address: str) -> str:
    return salted_hmac("isigurt.login.client", address, algorithm="sha256").hexdigest()


def _lockout_failures() -> int:
    return int(settings.LOGIN_LOCKOUT_FAILURES)


def _lockout_period() -> timedelta:
    period = settings.LOGIN_LOCKOUT_PERIOD
    if not isinstance(period, timedelta):
        raise ImproperlyConfigured("LOGIN_LOCKOUT_PERIOD must be a timedelta.")
    return period


def _retry_after(oldest: datetime, period: timedelta, now: datetime) -> int:
    return max(1, int((oldest + period - now).total_seconds()) + 1)


def login_gate(*, username: str, address: str, now: datetime | None = None) -> LoginResult:
    """Whether this (username, address) pair is locked (S5).

    Says nothing about whether the username exists. A database error propagates: the
    caller gets no answer and no session (fail closed).
    """
    now = now or timezone.now()
    user_key, pair_key = _username_key(username), _client_key(address)
    period = _lockout_period()
    failures = list(
        LoginAttempt.objects.filter(
            username_key=user_key, client_key=pair_key, succeeded=False, at__gt=now - period
        )
        .order_by("-at")
        .values_list("at", flat=True)[: _lockout_failures()]
    )
    if len(failures) >= _lockout_failures():
        # Locked until the period has passed since the latest failure.
        return LoginResult(LoginOutcome.LOCKED, retry_after=_retry_after(failures[0], period, now))
    return LoginResult(LoginOutcome.OK)


def login_attempt_record(
    *, username: str, address: str, kind: str, succeeded: bool, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    LoginAttempt.objects.filter(at__lt=now - LOGIN_ATTEMPT_KEEP).delete()
    LoginAttempt.objects.create(
        username_key=_username_key(username),
        client_key=_client_key(address),
        kind=kind,
        succeeded=succeeded,
        at=now,
    )


def login_failures_clear(*, username: str, address: str) -> None:
    """After a complete login (both factors), the pair starts again from zero."""
    LoginAttempt.objects.filter(
        username_key=_username_key(username), client_key=_client_key(address), succeeded=False
    ).delete()


# --- the two login steps ----------------------------------------------------------------


def login_device_cookie_issue(*, user: User) -> str:
    """The value of a new device cookie for `user`'s browser, after a complete login.

    Signed (Django's signing, with its time); it names the user by keyed hash only, and the
    browser by a random id. Valid for LOGIN_DEVICE_COOKIE_AGE seconds.
    """
    value = {"u": _username_key(user.get_username()), "d": secrets.token_urlsafe(16)}
    return signing.dumps(value, salt=_DEVICE_COOKIE_SALT)


def login_device_for(*, cookie: str | None, username: str) -> str | None:
    """The device key of a valid, unexpired device cookie issued for `username`, else None.

    Decided from the cookie and the typed username alone, without looking the user up: a
    cookie for an unknown username cannot exist, and a wrong or forged one counts as none.
    """
    if not cookie:
        return None
    try:
        value = signing.loads(
            cookie, salt=_DEVICE_COOKIE_SALT, max_age=int(settings.LOGIN_DEVICE_COOKIE_AGE)
        )
    except signing.BadSignature:  # also an expired one
        return None
    if not isinstance(value, dict) or value.get("u") != _username_key(username):
        return None
    device = value.get("d")
    if not isinstance(device, str) or not device:
        return None
    return salted_hmac("isigurt.login.device", device, algorithm="sha256").hexdigest()


def _device_attempt(device: str) -> RateDecision:
    """A password attempt with a device cookie: refused while the cookie is locked by its own
    failures, else counted in the device's own minute (LOGIN_LIMITS). Fails closed."""
    locked = rate_limit_exhausted(
        scope="login-device-failures",
        key=device,
        limits=LOGIN_DEVICE_FAILURE_LIMITS,
        fail_open=False,
    )
    if not locked.allowed:
        return locked
    return rate_limit_check(scope="login-device", key=device, limits=LOGIN_LIMITS, fail_open=False)


def login_password_check(
    *, request: HttpRequest, username: str, password: str, device_cookie: str | None = None
) -> LoginResult:
    """Step one. On success the session is a new, password-only one (not yet verified).

    Existing and unknown usernames get the same outcomes: Django's backend runs the
    password hasher for unknown users too, and a locked pair is refused before any lookup.
    `device_cookie` is the browser's device cookie, if it sent one (see
    `login_device_cookie_issue`): valid for this username, its own bucket replaces the
    username's minute.
    """
    address = client_address(request)
    gate = login_gate(username=username, address=address)
    if not gate.ok:
        return gate
    device = login_device_for(cookie=device_cookie, username=username)
    sprayed = rate_limit_exhausted(
        scope="login-client-failures",
        key=client_key(request),
        limits=LOGIN_CLIENT_FAILURE_LIMITS,
        fail_open=False,
    )
    if sprayed.store_down:
        return LoginResult(LoginOutcome.UNAVAILABLE, retry_after=UNAVAILABLE_RETRY_AFTER)
    if not sprayed.allowed:
        return LoginResult(LoginOutcome.RATE_LIMITED, retry_after=sprayed.retry_after)
    if device is None:
        limited = rate_limit_check(
            scope="login", key=_username_key(username), limits=LOGIN_LIMITS, fail_open=False
        )
    else:
        limited = _device_attempt(device)
    if limited.store_down:
        return LoginResult(LoginOutcome.UNAVAILABLE, retry_after=UNAVAILABLE_RETRY_AFTER)
    if not limited.allowed:
        return LoginResult(LoginOutcome.RATE_LIMITED, retry_after=limited.retry_after)
    # The password hasher runs outside the transaction: the audit chain's lock is held only
    # for the few writes below, never for a hash.
    user = authenticate(request, username=username, password=password)
    if user is not None and not isinstance(user, User):
        user = None
    # The same queries and writes for an existing and an unknown username (S5): the lookup
    # below runs for both, and both write one attempt and one audit entry.
    known_id = user.pk if user is not None else _user_id_for(username)
    with transaction.atomic():
        login_attempt_record(
            username=username,
            address=address,
            kind=LoginAttempt.Kind.PASSWORD,
            succeeded=user is not None,
        )
        if user is None:
            # Counted per client across usernames; a store failure here is only logged (the
            # attempt already failed, and the check above fails closed on the next one).
            rate_limit_check(
                scope="login-client-failures",
                key=client_key(request),
                limits=LOGIN_CLIENT_FAILURE_LIMITS,
                fail_open=True,
            )
            if device is not None:
                rate_limit_check(
                    scope="login-device-failures",
                    key=device,
                    limits=LOGIN_DEVICE_FAILURE_LIMITS,
                    fail_open=True,
                )
            _audit_login(action="login.failure", user_id=known_id, request=request)
            if login_gate(username=username, address=address).outcome is LoginOutcome.LOCKED:
                _audit_login(action="login.locked", user_id=known_id, request=request)
            return LoginResult(LoginOutcome.INVALID)
        login(request, user)  # cycles the session key (S6)
        audit_record(actor=user, action="login.success", target=user, request=request)
    return LoginResult(LoginOutcome.OK, user=user)


def _user_id_for(username: str) -> int | None:
    """The id of the account with that username, if there is one (for the audit entry only)."""
    known = User.objects.filter(**{User.USERNAME_FIELD: username})
    return known.values_list("pk", flat=True).first()


def _audit_login(*, action: str, user_id: int | None, request: HttpRequest) -> None:
    """An entry about a login attempt nobody has proved to be: no actor, and the account's id
    only when the account exists. The typed username is never recorded."""
    audit_record(
        actor=None,
        action=action,
        object_type=User._meta.label_lower if user_id is not None else None,
        object_id=user_id,
        request=request,
    )


def _second_factor_failed(*, request: HttpRequest, user: User) -> LoginResult:
    """Call inside the transaction of the step: the attempt and its audit entries go together."""
    address = client_address(request)
    login_attempt_record(
        username=user.get_username(),
        address=address,
        kind=LoginAttempt.Kind.SECOND_FACTOR,
        succeeded=False,
    )
    audit_record(actor=user, action="login.second_factor_failure", target=user, request=request)
    gate = login_gate(username=user.get_username(), address=address)
    if gate.outcome is LoginOutcome.LOCKED:
        audit_record(actor=user, action="login.locked", target=user, request=request)
        logout(request)  # too many wrong codes: start again, once the lock has passed
        return gate
    return LoginResult(LoginOutcome.INVALID)


def _second_factor_passed(
    *, request: HttpRequest, user: User, device: StaffTOTPDevice
) -> LoginResult:
    """Call inside the transaction of the step."""
    otp_login(request, device)
    request.session.cycle_key()  # the session gains rights: give it a new id
    login_failures_clear(username=user.get_username(), address=client_address(request))
    audit_record(actor=user, action="login.verified", target=user, request=request)
    return LoginResult(LoginOutcome.OK, user=user)


def _normalise_token(token: str) -> str:
    return "".join(token.split())


def login_second_factor_verify(*, request: HttpRequest, user: User, token: str) -> LoginResult:
    """Step two: check a code against the user's confirmed authenticators.

    A code is accepted at most once (the device remembers the last time step used).
    Wrong codes count as failures for the (username, address) pair; at the limit the
    session ends and the pair is locked.
    """
    gate = login_gate(username=user.get_username(), address=client_address(request))
    if gate.outcome is LoginOutcome.LOCKED:
        logout(request)
        return gate
    token = _normalise_token(token)
    matched = None
    with transaction.atomic():
        devices = StaffTOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices.order_by("pk"):
            if device.verify_token(token):
                matched = device
                break
        if matched is None:
            return _second_factor_failed(request=request, user=user)
        return _second_factor_passed(request=request, user=user, device=matched)


def user_has_confirmed_device(*, user: User) -> bool:
    return StaffTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_start(*, user: User) -> StaffTOTPDevice:
    """The unconfirmed authenticator the user is setting up; the same one until confirmed.

    Its secret is shown to the user only on the enrolment page, until confirmed; after that
    nothing shows it (the admin has no view of authenticators at all)."""
    device = StaffTOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "-id"
    ).first() or StaffTOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_enrolment_confirm(*, request: HttpRequest, user: User, token: str) -> LoginResult:
    """Confirm the new authenticator with a code from it; the session becomes verified."""
    gate = login_gate(username=user.get_username(), address=client_address(request))
    if gate.outcome is LoginOutcome.LOCKED:
        logout(request)
        return gate
    token = _normalise_token(token)
    with transaction.atomic():
        device = (
            StaffTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        verified = device is not None and device.verify_token(token)
        if device is None or not verified:
            return _second_factor_failed(request=request, user=user)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=user,
            action="user.second_factor_enrolled",
            target=user,
            request=request,
        )
        return _second_factor_passed(request=request, user=user, device=device)


def session_logout(*, request: HttpRequest) -> None:
    """End the staff session on the server (the session row is flushed), recorded."""
    user = request.user
    with transaction.atomic():
        if isinstance(user, User):
            audit_record(actor=user, action="login.logout", target=user, request=request)
        logout(request)


def logout_audited(*, request: HttpRequest, end: Callable[[], _R]) -> _R:
    """Run `end` (another page's logout, such as the admin's, which ends the session on the
    server) in one transaction with the same entry as `session_logout`."""
    user = request.user
    if not isinstance(user, User):
        return end()
    with transaction.atomic():
        audit_record(actor=user, action="login.logout", target=user, request=request)
        return end()


def own_password_change(*, request: HttpRequest, change: Callable[[], _R]) -> _R:
    """Run `change` (a page where the signed-in user replaces their own password, such as the
    admin's) in one transaction with an audit entry when the password was in fact replaced.

    If the entry cannot be written, the new password is not kept either (S12).
    """
    user = request.user
    if not isinstance(user, User):
        return change()
    stored = User.objects.filter(pk=user.pk).values_list("password", flat=True)
    with transaction.atomic():
        before = stored.first()
        result = change()
        if stored.first() != before:
            audit_record(
                actor=user, action="user.update", target=user, fields=["password"], request=request
            )
    return result


def totp_current_token(*, device: StaffTOTPDevice) -> str:
    """The code the device would accept now (for demo mode only): never one already used."""
    now_step = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    counter = max(now_step, device.last_t + 1)
    return str(hotp(device.bin_key, counter, digits=device.digits)).zfill(device.digits)


# --- organisations, users and the demo data set -----------------------------------------


@dataclass(frozen=True)
class NationalBody:
    key: str
    name: str
    short_name: str
    kind: OrganisationType
    # Names this body was stored under before (a renamed body keeps its row, users and
    # history: the seed finds it by any of these and writes the current name).
    former_names: tuple[str, ...] = ()


NATIONAL_BODIES: tuple[NationalBody, ...] = (
    NationalBody(
        "alo116",
        "ALO 116 111 - Linja Kombëtare e Këshillimit për Fëmijë",
        "ALO 116",
        OrganisationType.HELPLINE,
    ),
    NationalBody(
        "crca",
        "Qendra për të Drejtat e Fëmijëve Shqipëri",
        "CRCA",
        OrganisationType.COORDINATION_NGO,
    ),
    NationalBody("unicef", "UNICEF Shqipëri", "UNICEF", OrganisationType.UN_AGENCY),
    NationalBody(
        "ashdmf",
        "Agjencia Shtetërore për të Drejtat dhe Mbrojtjen e Fëmijës",
        "ASHDMF",
        OrganisationType.CHILD_RIGHTS_AGENCY,
        former_names=("Agjencia Shtetërore për të Drejtat dhe Mbrojtjen e Fëmijëve",),
    ),
    NationalBody(
        "police",
        "Policia e Shtetit - Sektori i Krimeve Kibernetike",
        "Policia",
        OrganisationType.POLICE,
    ),
    NationalBody(
        "prosecution", "Prokuroria e Përgjithshme", "Prokuroria", OrganisationType.PROSECUTION
    ),
    NationalBody(
        "court", "Gjykata e Rrethit Gjyqësor Tiranë", "GJRRGJ Tiranë", OrganisationType.COURT
    ),
    NationalBody(
        "akep",
        "Autoriteti i Komunikimeve Elektronike dhe Postare",
        "AKEP",
        OrganisationType.TELECOM_REGULATOR,
    ),
    NationalBody(
        "aksk",
        "Autoriteti Kombëtar për Sigurinë Kibernetike",
        "AKSK",
        OrganisationType.CYBER_SECURITY,
        former_names=("Autoriteti Kombëtar për Certifikimin Elektronik dhe Sigurinë Kibernetike",),
    ),
    NationalBody(
        "ama", "Autoriteti i Mediave Audiovizive", "AMA", OrganisationType.MEDIA_AUTHORITY
    ),
    NationalBody("isp_a", "Ofrues Demo Interneti A", "ISP A", OrganisationType.ISP),
    NationalBody("isp_b", "Operator Demo Celular B", "Operator B", OrganisationType.ISP),
    NationalBody(
        "ascap",
        "Agjencia e Sigurimit të Cilësisë në Arsimin Parauniversitar",
        "ASCAP",
        OrganisationType.EDUCATION,
    ),
    NationalBody(
        "idp",
        "Komisioneri për të Drejtën e Informimit dhe Mbrojtjen e të Dhënave Personale",
        "IDP",
        OrganisationType.DATA_PROTECTION,
    ),
    NationalBody(
        "kmd",
        "Komisioneri për Mbrojtjen nga Diskriminimi",
        "KMD",
        OrganisationType.ANTI_DISCRIMINATION,
    ),
    NationalBody(
        "ministry",
        "Ministria e Shëndetësisë dhe Mbrojtjes Sociale",
        "MSHMS",
        OrganisationType.MINISTRY,
    ),
    NationalBody(
        "platform", "I Sigurt - Operatori i Platformës", "I Sigurt", OrganisationType.PLATFORM
    ),
)
PLATFORM_OPERATOR_NAME = next(b.name for b in NATIONAL_BODIES if b.key == "platform")
DEMO_CPU_MUNICIPALITY = "Tiranë"
DEMO_YOUTH_COUNTY = "Tiranë"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    organisation: str  # a NATIONAL_BODIES key, "cpu" (Tirana) or "youth" (Tirana county)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("operator", Role.HELPLINE_OPERATOR, "alo116"),
    DemoUser("supervisor", Role.HELPLINE_SUPERVISOR, "alo116"),
    DemoUser("analyst", Role.CONTENT_ANALYST, "alo116"),
    DemoUser("cpu.tirana", Role.INSTITUTION_OFFICER, "cpu"),
    DemoUser("police", Role.INSTITUTION_OFFICER, "police"),
    DemoUser("akep", Role.BLOCKING_OFFICER, "akep"),
    DemoUser("stats", Role.STATISTICS_VIEWER, "ashdmf"),
    DemoUser("editor", Role.EDITOR, "crca"),
    DemoUser("trainer", Role.TRAINER, "crca"),
    DemoUser("youth.tirana", Role.YOUTH_COORDINATOR, "youth"),
    DemoUser("admin", Role.PLATFORM_ADMIN, "platform"),
)
DEMO_USERNAMES = tuple(demo.username for demo in DEMO_USERS)


@dataclass(frozen=True)
class SeedSummary:
    organisations: int
    child_protection_units: int
    youth_networks: int
    users: int

    def __str__(self) -> str:
        return (
            f"demo data: {self.organisations} organisations "
            f"({self.child_protection_units} child protection units, "
            f"{self.youth_networks} youth networks), {self.users} demo users"
        )


def _national_body_seed(body: NationalBody) -> Organisation:
    """The body's row under its current name: found by its name or a former one, renamed."""
    names = (body.name, *body.former_names)
    rows = {row.name: row for row in Organisation.objects.filter(name__in=names)}
    row = next((rows[name] for name in names if name in rows), None)
    if row is None:
        return Organisation.objects.create(
            name=body.name, short_name=body.short_name, kind=body.kind
        )
    wanted = {"name": body.name, "short_name": body.short_name, "kind": body.kind}
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, wanted[name])
        row.save(update_fields=changed)
    return row


def organisations_seed() -> dict[str, Organisation]:
    """Create or update the national bodies, one CPU per municipality and one youth
    network per county. Idempotent; fit for production too (they are real bodies)."""
    made: dict[str, Organisation] = {}
    for body in NATIONAL_BODIES:
        made[body.key] = _national_body_seed(body)
    for municipality in Municipality.objects.select_related("county"):
        cpu, _ = Organisation.objects.update_or_create(
            kind=OrganisationType.CHILD_PROTECTION_UNIT,
            municipality=municipality,
            defaults={
                "name": f"Njësia për Mbrojtjen e Fëmijëve - Bashkia {municipality.name}",
                "short_name": f"NjMF {municipality.name}"[:40],
                "county": municipality.county,
            },
        )
        if municipality.name == DEMO_CPU_MUNICIPALITY:
            made["cpu"] = cpu
    for county in County.objects.all():
        network, _ = Organisation.objects.update_or_create(
            kind=OrganisationType.YOUTH_NETWORK,
            county=county,
            municipality=None,
            defaults={
                "name": f"Rrjeti Rinor - Qarku {county.name}",
                "short_name": f"Rrjeti Rinor {county.name}"[:40],
            },
        )
        if county.name == DEMO_YOUTH_COUNTY:
            made["youth"] = network
    return made


def user_create(
    *,
    username: str,
    password: str,
    organisation: Organisation,
    roles: list[str],
    email: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> User:
    """A new staff user with these roles, recorded in the audit log (``actor`` None: a
    command run on the server)."""
    user = User(username=username, email=email, organisation=organisation)
    user.set_password(password)
    user.is_staff = user.is_superuser = Role.PLATFORM_ADMIN in roles
    fields = ["username", "password", "organisation", "role_grants", "is_staff", "is_superuser"]
    if email:
        fields.insert(2, "email")
    with transaction.atomic():
        user.save()
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in roles])
        audit_record(actor=actor, action="user.create", target=user, fields=fields, request=request)
    return user


def user_admin_flags_sync(
    *, user: User, actor: User | None = None, request: HttpRequest | None = None
) -> list[str]:
    """Make ``is_staff`` and ``is_superuser`` say what the platform administrator role says.

    The admin site opens to ``is_staff`` and grants every permission on ``is_superuser``, so
    the two flags follow the role and nothing else. Call after roles change; returns the names
    of the flags that changed (and records them in the audit log).
    """
    admin = RoleGrant.objects.filter(user=user, role=Role.PLATFORM_ADMIN).exists()
    changed = [name for name in ("is_staff", "is_superuser") if getattr(user, name) != admin]
    if changed:
        with transaction.atomic():
            for name in changed:
                setattr(user, name, admin)
            user.save(update_fields=changed)
            audit_record(
                actor=actor, action="user.update", target=user, fields=changed, request=request
            )
    user.__dict__.pop("_role_cache", None)
    return changed


def demo_seed() -> SeedSummary:
    """Load the demo data set: every organisation, and one user per role with the demo
    password and a confirmed authenticator. Idempotent. Refuses outside demo mode."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo users can only be created in demo mode.")
    with transaction.atomic():
        organisations = organisations_seed()
        for demo in DEMO_USERS:
            organisation = organisations[demo.organisation]
            user = User.objects.filter(username=demo.username).first()
            if user is None:
                user = user_create(
                    username=demo.username,
                    password=DEMO_PASSWORD,
                    organisation=organisation,
                    roles=[demo.role],
                )
            else:
                if user.organisation_id != organisation.pk or not user.check_password(
                    DEMO_PASSWORD
                ):
                    user.organisation = organisation
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["organisation", "password"])
                    audit_record(
                        actor=None,
                        action="user.update",
                        target=user,
                        fields=["organisation", "password"],
                    )
                _, granted = RoleGrant.objects.get_or_create(user=user, role=demo.role)
                if granted:
                    audit_record(
                        actor=None, action="user.update", target=user, fields=["role_grants"]
                    )
                user_admin_flags_sync(user=user)
            if not StaffTOTPDevice.objects.filter(user=user, confirmed=True).exists():
                StaffTOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        # One entry for the run; each user it created or changed has its own entry above.
        audit_record(actor=None, action="demo.seed")
    return SeedSummary(
        organisations=Organisation.objects.count(),
        child_protection_units=Organisation.objects.filter(
            kind=OrganisationType.CHILD_PROTECTION_UNIT
        ).count(),
        youth_networks=Organisation.objects.filter(kind=OrganisationType.YOUTH_NETWORK).count(),
        users=User.objects.filter(username__in=DEMO_USERNAMES).count(),
    )


def platform_admin_create(*, username: str, email: str, password: str) -> User:
    """The first administrator. The password is validated; the authenticator is enrolled at
    first login."""
    validate_password(password, User(username=username, email=email))
    organisation, _ = Organisation.objects.get_or_create(
        name=PLATFORM_OPERATOR_NAME,
        defaults={"short_name": "I Sigurt", "kind": OrganisationType.PLATFORM},
    )
    return user_create(
        username=username,
        password=password,
        organisation=organisation,
        roles=[Role.PLATFORM_ADMIN],
        email=email,
    )


# --- administration: second factors and roles -------------------------------------------


class AdminActionRefused(Exception):
    """An administrative change that the rules do not allow (the message says why)."""


def _refuse_service_account(user: User) -> None:
    """An API token's service account never signs in and holds only the role its token gives
    (decision 0017): no password, second factor or role is given to it."""
    if ApiToken.objects.filter(user_id=user.pk).exists():
        raise AdminActionRefused(
            gettext_lazy(
                "This is the service account of an API token: it never signs in and its role "
                "comes with the token. Revoke the token and issue a new one instead."
            )
        )


def user_holds_four_eyes_role(*, user: User) -> bool:
    """Whether the user reads children's data (or hands out access to it)."""
    return RoleGrant.objects.filter(user=user, role__in=FOUR_EYES_ROLES).exists()


def _credentials_moved(user: User) -> None:
    """End every session of the user (the epoch is part of the session hash)."""
    user.credentials_epoch += 1
    user.save(update_fields=["credentials_epoch"])


def user_second_factor_reset(
    *, user: User, actor: User | None, request: HttpRequest | None = None
) -> int:
    """Remove every authenticator (and any backup code) of ``user`` and end every session of
    theirs; audited. The next login leads to enrolment of a new authenticator.

    Nobody sees or sets another person's second factor: this is all an administrator can do,
    and for a user in FOUR_EYES_ROLES only through an approved CredentialRequest
    (``credential_request_create``). Returns how many devices were removed.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        removed = 0
        for model in (StaffTOTPDevice, PlainTOTPDevice, StaticDevice):
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
        _credentials_moved(user)
        audit_record(
            actor=actor,
            action="user.second_factor_reset",
            target=user,
            fields=["second_factor"],
            request=request,
        )
    return removed


def user_password_set(
    *, user: User, password_hash: str, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Give ``user`` the password whose hash is given (made by the admin's password form) and
    end every session of theirs; audited (the field name only)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.password = password_hash
        user.save(update_fields=["password"])
        _credentials_moved(user)
        audit_record(
            actor=actor, action="user.update", target=user, fields=["password"], request=request
        )


def _credential_apply(
    entry: CredentialRequest, *, actor: User, request: HttpRequest | None
) -> None:
    if entry.kind == CredentialRequest.Kind.PASSWORD:
        user_password_set(
            user=entry.user, password_hash=entry.password_hash, actor=actor, request=request
        )
    else:
        user_second_factor_reset(user=entry.user, actor=actor, request=request)


def credential_request_create(
    *,
    user: User,
    kind: str,
    actor: User,
    password_hash: str = "",
    request: HttpRequest | None = None,
) -> CredentialRequest | None:
    """An administrator sets ``user``'s password or resets their second factor.

    For a user who holds a role in FOUR_EYES_ROLES the change waits, as a pending request, for a
    second administrator (one administrator alone could otherwise set the password, reset the
    authenticator and sign in as a helpline worker); returns the request. For anyone else the
    change is made at once and None is returned."""
    if kind not in CredentialRequest.Kind.values:
        raise AdminActionRefused(gettext_lazy("Unknown change."))
    _refuse_service_account(user)
    if kind == CredentialRequest.Kind.PASSWORD and not password_hash:
        raise AdminActionRefused(gettext_lazy("A new password is needed."))
    with transaction.atomic():
        if not user_holds_four_eyes_role(user=user):
            if kind == CredentialRequest.Kind.PASSWORD:
                user_password_set(
                    user=user, password_hash=password_hash, actor=actor, request=request
                )
            else:
                user_second_factor_reset(user=user, actor=actor, request=request)
            return None
        if CredentialRequest.objects.filter(
            user=user, kind=kind, status=CredentialRequest.Status.PENDING
        ).exists():
            raise AdminActionRefused(
                gettext_lazy("The same change is already waiting for a second administrator.")
            )
        entry = CredentialRequest.objects.create(
            user=user, kind=kind, password_hash=password_hash, requested_by=actor
        )
        audit_record(
            actor=actor,
            action="credentialrequest.create",
            target=entry,
            fields=["user", "kind"],
            request=request,
        )
    return entry


def _credential_decide(
    entry: CredentialRequest, *, approve: bool, actor: User, request: HttpRequest | None
) -> None:
    if approve:
        _credential_apply(entry, actor=actor, request=request)
    entry.status = (
        CredentialRequest.Status.APPROVED if approve else CredentialRequest.Status.REJECTED
    )
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.password_hash = ""
    entry.save(update_fields=["status", "decided_by", "decided_at", "password_hash"])
    audit_record(
        actor=actor,
        action="credentialrequest.approve" if approve else "credentialrequest.reject",
        target=entry,
        fields=["status"],
        request=request,
    )


def _pending_credential_request(entry: CredentialRequest) -> CredentialRequest:
    entry = CredentialRequest.objects.select_for_update().select_related("user").get(pk=entry.pk)
    if entry.status != CredentialRequest.Status.PENDING:
        raise AdminActionRefused(gettext_lazy("This request was already decided."))
    return entry


def credential_request_approve(
    *, entry: CredentialRequest, actor: User, request: HttpRequest | None = None
) -> None:
    """A second administrator approves: the password is set, or the second factor reset, now.

    Refused to the administrator who asked and to the user concerned."""
    with transaction.atomic():
        entry = _pending_credential_request(entry)
        _check_second_administrator(
            actor=actor, requested_by_id=entry.requested_by_id, user_id=entry.user_id
        )
        _credential_decide(entry, approve=True, actor=actor, request=request)


def credential_request_reject(
    *, entry: CredentialRequest, actor: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        entry = _pending_credential_request(entry)
        _credential_decide(entry, approve=False, actor=actor, request=request)


def _check_second_administrator(*, actor: User, requested_by_id: int | None, user_id: int) -> None:
    if not actor.has_role(Role.PLATFORM_ADMIN):
        raise AdminActionRefused(
            gettext_lazy("Only a platform administrator can approve a request.")
        )
    if actor.pk in (requested_by_id, user_id):
        raise AdminActionRefused(
            gettext_lazy(
                "A second administrator must approve: not the one who asked, nor the user."
            )
        )


def _grant(*, user: User, role: str, actor: User | None, request: HttpRequest | None) -> None:
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        audit_record(
            actor=actor, action="rolegrant.create", target=grant, fields=["role"], request=request
        )
    user_admin_flags_sync(user=user, actor=actor, request=request)


def _organisation_types_text(role: str) -> str:
    kinds = ROLE_ORGANISATION_TYPES.get(role, frozenset())
    return ", ".join(sorted(str(OrganisationType(kind).label) for kind in kinds))


def role_grant_check(*, user: User, role: str) -> None:
    """Refuse (AdminActionRefused, with the reason) a role that is unknown or that does not fit
    the user's organisation (ROLE_ORGANISATION_TYPES). The admin's form shows the same reason."""
    if role not in Role.values:
        raise AdminActionRefused(gettext_lazy("Unknown role."))
    _refuse_service_account(user)
    if not role_fits_organisation(role, user.organisation):
        raise AdminActionRefused(
            gettext_lazy(
                "This role does not fit the user's organisation: %(role)s is only for staff of "
                "%(types)s."
            )
            % {"role": Role(role).label, "types": _organisation_types_text(role)}
        )


def role_grant_request(
    *, user: User, role: str, actor: User, request: HttpRequest | None = None
) -> RoleGrantRequest:
    """Ask for ``role`` to be granted to ``user``. A role that reads children's data (or the
    administrator role) stays pending until a different administrator approves it; any other
    role is granted at once. Audited either way."""
    role_grant_check(user=user, role=role)
    with transaction.atomic():
        if RoleGrant.objects.filter(user=user, role=role).exists():
            raise AdminActionRefused(gettext_lazy("The user already has this role."))
        pending = RoleGrantRequest.objects.filter(
            user=user, role=role, status=RoleGrantRequest.Status.PENDING
        ).first()
        if pending is not None:
            return pending
        entry = RoleGrantRequest.objects.create(user=user, role=role, requested_by=actor)
        audit_record(
            actor=actor,
            action="rolegrantrequest.create",
            target=entry,
            fields=["user", "role"],
            request=request,
        )
        if role not in FOUR_EYES_ROLES:
            _decide(entry, approve=True, actor=actor, request=request)
    return entry


def _decide(
    entry: RoleGrantRequest, *, approve: bool, actor: User, request: HttpRequest | None
) -> None:
    entry.status = RoleGrantRequest.Status.APPROVED if approve else RoleGrantRequest.Status.REJECTED
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="rolegrantrequest.approve" if approve else "rolegrantrequest.reject",
        target=entry,
        fields=["status"],
        request=request,
    )
    if approve:
        _grant(user=entry.user, role=entry.role, actor=actor, request=request)


def role_grant_approve(
    *, entry: RoleGrantRequest, actor: User, request: HttpRequest | None = None
) -> None:
    """A second administrator approves a pending request: the role is granted now.

    Refused to the administrator who asked, and to the person who would receive the role."""
    with transaction.atomic():
        entry = RoleGrantRequest.objects.select_for_update().get(pk=entry.pk)
        if entry.status != RoleGrantRequest.Status.PENDING:
            raise AdminActionRefused(gettext_lazy("This request was already decided."))
        _check_second_administrator(
            actor=actor, requested_by_id=entry.requested_by_id, user_id=entry.user_id
        )
        role_grant_check(user=entry.user, role=entry.role)  # the organisation may have changed
        _decide(entry, approve=True, actor=actor, request=request)


def role_grant_reject(
    *, entry: RoleGrantRequest, actor: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        entry = RoleGrantRequest.objects.select_for_update().get(pk=entry.pk)
        if entry.status != RoleGrantRequest.Status.PENDING:
            raise AdminActionRefused(gettext_lazy("This request was already decided."))
        _decide(entry, approve=False, actor=actor, request=request)


def role_revoke(
    *, grant: RoleGrant, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Take a role away (one administrator is enough to remove access); audited."""
    with transaction.atomic():
        user, grant_id = grant.user, grant.pk
        grant.delete()
        audit_record(
            actor=actor,
            action="rolegrant.delete",
            object_type=RoleGrant._meta.label_lower,
            object_id=grant_id,
            fields=["role"],
            request=request,
        )
        user_admin_flags_sync(user=user, actor=actor, request=request)
