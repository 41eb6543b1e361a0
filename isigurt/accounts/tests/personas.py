"""Personas: one staff user per role, each in its organisation (loaded by the root conftest).

User fixtures (each creates the user, its organisation and its role; password PERSONA_PASSWORD):

    operator            helpline operator at ALO 116
    supervisor          helpline supervisor at ALO 116
    analyst             content analyst at ALO 116
    municipality_officer  institution officer at the child protection unit of Tiranë
    outsider            institution officer at the child protection unit of Durrës
    police_officer      institution officer at the State Police
    blocking_officer    blocking authority officer at AKEP
    stats_viewer        statistics viewer at ASHDMF
    editor              editor at CRCA
    trainer             trainer at CRCA
    youth_coordinator   youth coordinator at the youth network of Tiranë
    platform_admin      platform administrator (is_staff, is_superuser) at the platform operator
    no_role             an account at ALO 116 with no role yet

PERSONAS names every user fixture, for tests that walk all of them.

Client fixtures (factories: call them with a user):

    staff_client(user)          a test Client signed in WITH a verified second factor
                                (fast: session set directly; the login tests use the real flow)
    password_only_client(user)  a test Client past the password step only

Plain helpers for code outside pytest fixtures: make_staff_client(user),
make_password_only_client(user), totp_device_for(user), totp_code_for(device).

    def test_it_lists_cases(staff_client, operator):
        response = staff_client(operator).get(reverse("cases:list"))
"""

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from isigurt.accounts.models import Organisation, OrganisationType, Role, RoleGrant, User
from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.geography.models import Municipality

PERSONA_PASSWORD = "persona-password-12"


def organisation_for(
    short_name: str, kind: str, *, municipality_name: str | None = None
) -> Organisation:
    """Get or create an organisation; CPUs are keyed by their municipality."""
    if municipality_name is not None:
        municipality = Municipality.objects.select_related("county").get(name=municipality_name)
        organisation, _ = Organisation.objects.get_or_create(
            kind=kind,
            municipality=municipality,
            defaults={
                "name": f"{short_name} {municipality.name}",
                "short_name": f"{short_name} {municipality.name}"[:40],
                "county": municipality.county,
            },
        )
        return organisation
    organisation, _ = Organisation.objects.get_or_create(
        name=short_name, defaults={"short_name": short_name, "kind": kind}
    )
    return organisation


def persona(username: str, role: str, organisation: Organisation) -> User:
    user = User(username=username, organisation=organisation, email=f"{username}@example.org")
    user.set_password(PERSONA_PASSWORD)
    if role == Role.PLATFORM_ADMIN:
        user.is_staff = user.is_superuser = True
    user.save()
    RoleGrant.objects.create(user=user, role=role)
    return user


def totp_device_for(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, created if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the device shows now (or a step later: tolerance accepts one step)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def make_password_only_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_staff_client(user: User) -> Client:
    client = make_password_only_client(user)
    device = totp_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def operator(db: None) -> User:
    return persona(
        "persona.operator", Role.HELPLINE_OPERATOR, organisation_for("ALO 116", "helpline")
    )


@pytest.fixture
def supervisor(db: None) -> User:
    return persona(
        "persona.supervisor", Role.HELPLINE_SUPERVISOR, organisation_for("ALO 116", "helpline")
    )


@pytest.fixture
def analyst(db: None) -> User:
    return persona("persona.analyst", Role.CONTENT_ANALYST, organisation_for("ALO 116", "helpline"))


@pytest.fixture
def municipality_officer(db: None) -> User:
    cpu = organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Tiranë"
    )
    return persona("persona.cpu.tirana", Role.INSTITUTION_OFFICER, cpu)


@pytest.fixture
def outsider(db: None) -> User:
    cpu = organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Durrës"
    )
    return persona("persona.cpu.durres", Role.INSTITUTION_OFFICER, cpu)


@pytest.fixture
def police_officer(db: None) -> User:
    return persona(
        "persona.police",
        Role.INSTITUTION_OFFICER,
        organisation_for("Policia", OrganisationType.POLICE),
    )


@pytest.fixture
def blocking_officer(db: None) -> User:
    return persona(
        "persona.blocking",
        Role.BLOCKING_OFFICER,
        organisation_for("AKEP", OrganisationType.TELECOM_REGULATOR),
    )


@pytest.fixture
def stats_viewer(db: None) -> User:
    return persona(
        "persona.stats",
        Role.STATISTICS_VIEWER,
        organisation_for("ASHDMF", OrganisationType.CHILD_RIGHTS_AGENCY),
    )


@pytest.fixture
def editor(db: None) -> User:
    return persona(
        "persona.editor", Role.EDITOR, organisation_for("CRCA", OrganisationType.COORDINATION_NGO)
    )


@pytest.fixture
def trainer(db: None) -> User:
    return persona(
        "persona.trainer", Role.TRAINER, organisation_for("CRCA", OrganisationType.COORDINATION_NGO)
    )


@pytest.fixture
def youth_coordinator(db: None) -> User:
    return persona(
        "persona.youth.tirana",
        Role.YOUTH_COORDINATOR,
        organisation_for("Rrjeti Rinor Tiranë", OrganisationType.YOUTH_NETWORK),
    )


@pytest.fixture
def no_role(db: None) -> User:
    user = User(
        username="persona.no.role",
        organisation=organisation_for("ALO 116", "helpline"),
        email="persona.no.role@example.org",
    )
    user.set_password(PERSONA_PASSWORD)
    user.save()
    return user


@pytest.fixture
def platform_admin(db: None) -> User:
    return persona(
        "persona.platform.admin",
        Role.PLATFORM_ADMIN,
        organisation_for("I Sigurt", OrganisationType.PLATFORM),
    )


PERSONAS = (
    "operator",
    "supervisor",
    "analyst",
    "municipality_officer",
    "outsider",
    "police_officer",
    "blocking_officer",
    "stats_viewer",
    "editor",
    "trainer",
    "youth_coordinator",
    "platform_admin",
    "no_role",
)


@pytest.fixture
def staff_client(db: None) -> Callable[[User], Client]:
    return make_staff_client


@pytest.fixture
def password_only_client(db: None) -> Callable[[User], Client]:
    return make_password_only_client
