"""A throwaway model with encrypted fields, in an isolated app registry, with its own table.

The table is created once per test session outside any test transaction (SQLite's schema editor
cannot run inside one) and dropped at the end.
"""

import uuid

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from isigurt.lib.fields import EncryptedJSONField, EncryptedTextField

with isolate_apps("isigurt.lib"):

    class Probe(models.Model):  # noqa: DJ008 — the default str never shows a value
        id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
        label = models.CharField(max_length=40, blank=True)
        secret = EncryptedTextField(blank=True)
        other = EncryptedTextField(blank=True, null=True)
        handles = EncryptedJSONField(default=list, blank=True)
        updated_at = models.DateTimeField(auto_now=True)

        class Meta:
            app_label = "lib"
            db_table = "lib_test_probe"


@pytest.fixture(scope="session")
def probe_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Probe)
        yield Probe
        with connection.schema_editor() as editor:
            editor.delete_model(Probe)


@pytest.fixture
def probe(probe_table, db):
    return Probe
