import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from isigurt.lib.crypto import (
    DecryptionError,
    KeyRing,
    decrypt_text,
    derive_dev_key,
    encrypt_text,
    field_aad,
    get_keyring,
    needs_rotation,
    reencrypt_text,
    token_key_id,
)

K1 = "k1:aXNpZ3VydC10ZXN0LWtleS0xLTMyLWJ5dGVzLW9rISE="
K2 = "k2:aXNpZ3VydC10ZXN0LWtleS0yLTMyLWJ5dGVzLW9rISE="
AAD = field_aad(table="t", pk="1", field="f")


@given(st.text())
def test_decrypting_an_encryption_gives_back_any_text(plaintext):
    assert decrypt_text(encrypt_text(plaintext, aad=AAD), aad=AAD) == plaintext


@given(st.text(min_size=1), st.text(min_size=1))
def test_a_token_never_contains_its_plaintext(plaintext, aad):
    token = encrypt_text("canary-" + plaintext, aad=aad)
    assert "canary-" not in token


def test_each_encryption_uses_a_fresh_nonce():
    assert encrypt_text("same", aad=AAD) != encrypt_text("same", aad=AAD)


def test_it_refuses_a_token_bound_to_another_row():
    token = encrypt_text("canary", aad=field_aad(table="t", pk="1", field="f"))
    with pytest.raises(DecryptionError):
        decrypt_text(token, aad=field_aad(table="t", pk="2", field="f"))


def test_it_refuses_an_altered_token():
    token = encrypt_text("canary", aad=AAD)
    prefix, key_id, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    altered = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError):
        decrypt_text(altered, aad=AAD)


@pytest.mark.parametrize("bad", ["", "plain text", "enc1:k2", "enc1:k2:!!!", "enc1:k2:YWJj"])
def test_it_refuses_what_is_not_a_token(bad):
    with pytest.raises(DecryptionError):
        decrypt_text(bad, aad=AAD)


def test_its_errors_never_show_the_token():
    token = encrypt_text("canary", aad=AAD)
    with pytest.raises(DecryptionError) as caught:
        decrypt_text(token, aad="elsewhere")
    assert token.split(":")[2] not in str(caught.value)


def test_the_newest_key_encrypts_and_every_key_decrypts():
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        old = encrypt_text("canary", aad=AAD)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{K2},{K1}"):
        new = encrypt_text("canary", aad=AAD)
        assert token_key_id(old) == "k1"
        assert token_key_id(new) == "k2"
        assert decrypt_text(old, aad=AAD) == "canary"
        assert needs_rotation(old)
        assert not needs_rotation(new)
        rotated = reencrypt_text(old, aad=AAD)
        assert token_key_id(rotated) == "k2"
        assert decrypt_text(rotated, aad=AAD) == "canary"


def test_a_token_made_with_a_removed_key_does_not_decrypt():
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        old = encrypt_text("canary", aad=AAD)
    with override_settings(FIELD_ENCRYPTION_KEYS=K2), pytest.raises(DecryptionError, match="k1"):
        decrypt_text(old, aad=AAD)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (f"{K1},{K1}", "listed twice"),
        ("k1:not base64!", "not valid base64"),
        ("aXNpZ3VydC10ZXN0", "id:base64key"),
        ("bad id:" + K1.split(":")[1], "letters, digits"),
    ],
)
def test_it_refuses_malformed_keys_at_load(setting, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        KeyRing.from_setting(setting, secret_key="x")


def test_with_no_keys_it_derives_a_development_key_from_the_secret_key():
    with override_settings(FIELD_ENCRYPTION_KEYS="", SECRET_KEY="a" * 50):
        ring = get_keyring()
        token = encrypt_text("canary", aad=AAD)
        assert ring.newest_id == "dev"
        assert token_key_id(token) == "dev"
        assert decrypt_text(token, aad=AAD) == "canary"
    assert derive_dev_key("a" * 50) != derive_dev_key("b" * 50)
    assert len(derive_dev_key("a" * 50)) == 32
