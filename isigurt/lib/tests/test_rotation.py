"""S9: rotation re-encrypts every row with the newest key."""

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from isigurt.lib.crypto import token_key_id
from isigurt.lib.rotation import rotate_encryption

K1_ONLY = "k1:aXNpZ3VydC10ZXN0LWtleS0xLTMyLWJ5dGVzLW9rISE="


def _tokens():
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, other, handles FROM lib_test_probe")
        return [value for row in cursor.fetchall() for value in row if value]


def test_rotation_re_encrypts_every_row_with_the_newest_key(probe):
    with override_settings(FIELD_ENCRYPTION_KEYS=K1_ONLY):
        made = [
            probe.objects.create(secret=f"value {n}", other=None if n % 2 else f"o{n}")
            for n in range(5)
        ]
    assert {token_key_id(t) for t in _tokens()} == {"k1"}
    before = {p.pk: p.updated_at for p in probe.objects.all()}

    result = rotate_encryption(models_to_rotate=[probe], batch_size=2)

    assert (result.fields, result.rows, result.models) == (13, 5, 1)
    assert {token_key_id(t) for t in _tokens()} == {"k2"}
    for row in made:
        again = probe.objects.get(pk=row.pk)
        assert again.secret == row.secret
        assert again.other == row.other
        assert again.handles == []
        assert again.updated_at == before[row.pk]  # rotation is not an edit


def test_rotation_is_idempotent(probe):
    with override_settings(FIELD_ENCRYPTION_KEYS=K1_ONLY):
        probe.objects.create(secret="value")
    assert rotate_encryption(models_to_rotate=[probe]).fields == 2
    again = rotate_encryption(models_to_rotate=[probe])
    assert (again.fields, again.rows, again.models) == (0, 0, 0)


def test_rotation_leaves_rows_already_on_the_newest_key_untouched(probe):
    row = probe.objects.create(secret="value")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM lib_test_probe")
        (token,) = cursor.fetchone()
    assert rotate_encryption(models_to_rotate=[probe]).fields == 0
    assert _tokens()[0] == token
    assert probe.objects.get(pk=row.pk).secret == "value"


def _report_tokens(pk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, urls, usernames FROM reports_report WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return [value for value in cursor.fetchone() if value]


def test_the_command_re_encrypts_real_rows_and_prints_a_one_line_summary(db):
    from isigurt.reports.tests.factories import ReportFactory

    with override_settings(FIELD_ENCRYPTION_KEYS=K1_ONLY):
        report = ReportFactory()
    before = _report_tokens(report.pk)
    assert len(before) == 3
    assert {token_key_id(t) for t in before} == {"k1"}

    out = StringIO()
    with translation.override("en"):
        call_command("rotate_encryption_key", stdout=out)

    line = out.getvalue().strip()
    assert line.startswith("re-encrypted ")
    assert line.endswith(" files")
    fields = int(line.split()[1])
    assert fields >= 3
    assert {token_key_id(t) for t in _report_tokens(report.pk)} == {"k2"}
    report.refresh_from_db()
    assert report.description == "Placeholder description of what happened."

    again = StringIO()
    with translation.override("en"):
        call_command("rotate_encryption_key", stdout=again)
    assert again.getvalue().startswith("re-encrypted 0 fields in 0 rows across 0 models")
