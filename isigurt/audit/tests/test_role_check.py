"""S12: the database role the platform runs under must not be able to disable the audit triggers."""

import secrets

import pytest
from django.core.checks import run_checks
from django.db import connection

from isigurt.audit.checks import audit_role_check


def test_the_role_check_is_a_deploy_check_only(db):
    assert "isigurt.W010" not in {m.id for m in run_checks(include_deployment_checks=False)}


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_the_role_check_says_nothing_on_sqlite(db):
    assert audit_role_check(app_configs=None, databases=None) == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_role_check_warns_about_a_superuser(db):
    [message] = audit_role_check(app_configs=None, databases=None)
    assert message.id == "isigurt.W010" and "superuser" in message.msg
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "isigurt.W010" in ids


@pytest.fixture
def role(db):
    name = f"isigurt_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")  # rolled back with the test
    yield name
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_role_check_warns_about_an_owner_and_not_about_a_plain_role(role):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    assert audit_role_check(app_configs=None, databases=None) == []
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"ALTER TABLE audit_auditentry OWNER TO {role}")
        cursor.execute(f"SET ROLE {role}")
    [message] = audit_role_check(app_configs=None, databases=None)
    assert "owns audit_auditentry" in message.msg and "superuser" not in message.msg
