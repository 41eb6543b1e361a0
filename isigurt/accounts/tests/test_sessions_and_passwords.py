"""S6: Argon2id first, length-only password rules, 15-minute idle timeout."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from isigurt.settings import base

pytestmark = pytest.mark.django_db


def test_argon2_is_the_first_password_hasher_in_the_real_settings():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_argon2_hasher_makes_argon2id_hashes():
    encoded = Argon2PasswordHasher().encode("long enough password", "saltsaltsalt")
    assert encoded.startswith("argon2$argon2id$")


def test_it_refuses_a_password_shorter_than_twelve_characters():
    validators = get_password_validators(base.AUTH_PASSWORD_VALIDATORS)
    with pytest.raises(ValidationError):
        validate_password("short-pw-11", password_validators=validators)
    validate_password("plain words twelve", password_validators=validators)


def test_it_has_no_composition_rules():
    names = {entry["NAME"].rsplit(".", 1)[-1] for entry in base.AUTH_PASSWORD_VALIDATORS}
    assert names <= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
    }
    assert "NumericPasswordValidator" not in names


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_each_request_pushes_the_session_expiry_fifteen_minutes_ahead(staff_client, operator):
    client = staff_client(operator)
    assert client.get(reverse("accounts:home")).status_code == 200
    remaining = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)


def test_it_signs_out_a_session_idle_for_more_than_fifteen_minutes(staff_client, operator):
    client = staff_client(operator)
    assert client.get(reverse("accounts:home")).status_code == 200
    row = _session_row(client)
    # The last request was 15 minutes and 1 second ago.
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_session_used_within_fifteen_minutes_stays_signed_in(staff_client, operator):
    client = staff_client(operator)
    row = _session_row(client)
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert client.get(reverse("accounts:home")).status_code == 200
