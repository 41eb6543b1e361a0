"""S9: encrypted fields hold no plaintext at rest, bind each value to its row and field."""

import logging
import os
import pickle
import shutil
import subprocess
import uuid

import pytest
from django.core import serializers
from django.core.exceptions import FieldError
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from isigurt.lib.crypto import DecryptionError, is_token, token_key_id
from isigurt.lib.fields import EncryptedFieldError, EncryptedJSONField, EncryptedTextField, Sealed

CANARY = "CANARY-7f3a9c-Besa-Hoxha"
CANARY_HANDLE = "canary_handle_51e2"


def _raw(probe, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM lib_test_probe WHERE id = %s",  # noqa: S608 — fixed names
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return cursor.fetchone()[0]


def _raw_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM lib_test_probe")
        return cursor.fetchall()


def test_it_stores_only_ciphertext_in_the_row(probe):
    row = probe.objects.create(secret=CANARY, handles=[CANARY_HANDLE])
    stored = _raw(probe, row.pk, "secret")
    assert is_token(stored)
    assert token_key_id(stored) == "k2"
    assert CANARY not in repr(_raw_rows())
    assert CANARY_HANDLE not in repr(_raw_rows())


def test_it_reads_back_the_plaintext_after_a_reload(probe):
    row = probe.objects.create(secret=CANARY, handles=[CANARY_HANDLE, "b"])
    again = probe.objects.get(pk=row.pk)
    assert again.secret == CANARY
    assert again.handles == [CANARY_HANDLE, "b"]
    assert row.secret == CANARY  # the saved instance still reads its own value


def test_a_ciphertext_copied_to_another_row_fails_to_decrypt(probe):
    source = probe.objects.create(secret=CANARY)
    target = probe.objects.create(secret="other value")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lib_test_probe SET secret = (SELECT secret FROM lib_test_probe WHERE id = %s)"
            " WHERE id = %s",
            [source.pk.hex, target.pk.hex]
            if connection.vendor == "sqlite"
            else [source.pk, target.pk],
        )
    copied = probe.objects.get(pk=target.pk)
    with pytest.raises(DecryptionError):
        _ = copied.secret
    assert probe.objects.get(pk=source.pk).secret == CANARY


def test_a_ciphertext_copied_to_another_field_fails_to_decrypt(probe):
    row = probe.objects.create(secret=CANARY)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE lib_test_probe SET other = secret")
    copied = probe.objects.get(pk=row.pk)
    assert copied.secret == CANARY
    with pytest.raises(DecryptionError):
        _ = copied.other


def test_a_copy_of_a_row_is_encrypted_for_its_new_primary_key(probe):
    row = probe.objects.get(pk=probe.objects.create(secret=CANARY, handles=["a"]).pk)
    old_pk, old_token = row.pk, _raw(probe, row.pk, "secret")
    row.pk = uuid.uuid4()
    row.save(force_insert=True)
    copied_token = _raw(probe, row.pk, "secret")
    assert copied_token != old_token
    copy = probe.objects.get(pk=row.pk)
    assert (copy.secret, copy.handles) == (CANARY, ["a"])
    assert probe.objects.get(pk=old_pk).secret == CANARY


def test_an_unchanged_value_keeps_its_token_and_a_changed_one_is_encrypted_again(probe):
    row = probe.objects.create(secret=CANARY, handles=["a"])
    before = _raw(probe, row.pk, "secret")
    again = probe.objects.get(pk=row.pk)
    again.label = "touched"
    again.save()
    assert _raw(probe, row.pk, "secret") == before
    again.secret = "changed"
    again.save()
    assert _raw(probe, row.pk, "secret") != before
    assert probe.objects.get(pk=row.pk).secret == "changed"


def test_a_mutated_json_value_is_saved(probe):
    row = probe.objects.create(handles=["a"])
    again = probe.objects.get(pk=row.pk)
    again.handles.append(CANARY_HANDLE)
    again.save()
    assert probe.objects.get(pk=row.pk).handles == ["a", CANARY_HANDLE]
    assert CANARY_HANDLE not in repr(_raw_rows())


def test_it_stores_empty_text_and_null_unencrypted(probe):
    row = probe.objects.create(secret="", other=None, handles=[])
    assert _raw(probe, row.pk, "secret") == ""
    assert _raw(probe, row.pk, "other") is None
    assert is_token(_raw(probe, row.pk, "handles"))
    again = probe.objects.get(pk=row.pk)
    assert (again.secret, again.other, again.handles) == ("", None, [])
    assert probe.objects.filter(other__isnull=True).count() == 1


def test_it_refuses_to_filter_on_an_encrypted_field(probe):
    with pytest.raises(FieldError):
        list(probe.objects.filter(secret=CANARY))
    with pytest.raises(FieldError):
        list(probe.objects.filter(secret__icontains="CANARY"))


def test_it_refuses_plaintext_through_queryset_update_and_bulk_update(probe):
    row = probe.objects.create(secret="before")
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        probe.objects.filter(pk=row.pk).update(secret=CANARY)
    row.secret = CANARY
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        probe.objects.bulk_update([row], ["secret"])
    assert CANARY not in repr(_raw_rows())


def test_bulk_create_encrypts(probe):
    probe.objects.bulk_create([probe(secret=CANARY), probe(secret=CANARY)])
    assert CANARY not in repr(_raw_rows())
    assert [p.secret for p in probe.objects.all()] == [CANARY, CANARY]


def test_values_repr_str_pickles_and_dumps_never_show_the_plaintext(probe):
    row = probe.objects.create(secret=CANARY, handles=[CANARY_HANDLE])
    loaded = probe.objects.get(pk=row.pk)
    assert loaded.secret == CANARY  # opened and cached
    shown = [
        repr(loaded),
        str(loaded),
        repr(list(probe.objects.values_list("secret", "handles"))),
        repr(list(probe.objects.values())),
        serializers.serialize("json", [loaded]),
        repr(pickle.loads(pickle.dumps(loaded.__dict__["secret"]))),  # noqa: S301
        pickle.dumps(loaded.__dict__["secret"]).decode("latin-1"),
    ]
    for text in shown:
        assert CANARY not in text
        assert CANARY_HANDLE not in text
    assert isinstance(probe.objects.values_list("secret", flat=True).get(), Sealed)


def test_a_dump_of_the_whole_database_holds_no_plaintext(probe):
    probe.objects.create(secret=CANARY, other=CANARY, handles=[CANARY_HANDLE])
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL dump is checked with pg_dump in the transactional test")
    dump = "\n".join(connection.connection.iterdump())
    assert "lib_test_probe" in dump  # the dump did include the table
    assert CANARY not in dump
    assert CANARY_HANDLE not in dump


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's; SQLite uses iterdump"
)
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not on PATH")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_of_the_database_holds_no_plaintext(probe_table):
    # Committed rows, because pg_dump reads through its own connection.
    probe_table.objects.create(secret=CANARY, other=CANARY, handles=[CANARY_HANDLE])
    try:
        params = connection.get_connection_params()
        env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
        command = ["pg_dump", "--data-only", "--no-owner", "-d", params["dbname"]]
        for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
            if params.get(key):
                command += [flag, str(params[key])]
        dump = subprocess.run(command, env=env, capture_output=True, check=True, text=True).stdout
        assert "lib_test_probe" in dump
        assert "enc1:k2:" in dump  # the rows are there, as tokens
        assert CANARY not in dump
        assert CANARY_HANDLE not in dump
    finally:
        probe_table.objects.all().delete()


def test_sql_logs_hold_tokens_never_plaintext(probe, caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    try:
        row = probe.objects.create(secret=CANARY, handles=[CANARY_HANDLE])
        row = probe.objects.get(pk=row.pk)
        assert row.secret == CANARY
        row.secret = CANARY + "-2"
        row.save()
    finally:
        connection.force_debug_cursor = False
    assert "lib_test_probe" in caplog.text  # the SQL was logged
    assert "enc1:k2:" in caplog.text
    assert CANARY not in caplog.text
    assert CANARY_HANDLE not in caplog.text


def test_a_model_without_a_uuid_primary_key_fails_the_system_check():
    with isolate_apps("isigurt.lib"):

        class NoUuid(models.Model):  # noqa: DJ008
            secret = EncryptedTextField()

            class Meta:
                app_label = "lib"

        class UniqueSecret(models.Model):  # noqa: DJ008
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            secret = EncryptedJSONField(unique=True)

            class Meta:
                app_label = "lib"

    assert [e.id for e in NoUuid.check()] == ["lib.E001"]
    assert [e.id for e in UniqueSecret.check()] == ["lib.E002"]


def test_the_probe_model_passes_the_system_check(probe):
    assert probe.check() == []
