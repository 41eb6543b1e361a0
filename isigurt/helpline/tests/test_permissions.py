"""Who sees which contact: the helpline's team sees all of its own helpline's contacts."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.accounts.models import Role
from isigurt.accounts.tests.personas import PERSONAS, organisation_for, persona
from isigurt.helpline.permissions import (
    access_contact,
    access_contact_log,
    can_list_contacts,
    contacts_visible_to,
)
from isigurt.helpline.tests.factories import logged

pytestmark = pytest.mark.django_db

TEAM = {"operator", "supervisor"}


@pytest.mark.parametrize("name", PERSONAS)
def test_each_persona_sees_contacts_only_if_on_the_helpline_team(request, operator, name):
    contact = logged(operator)
    user = request.getfixturevalue(name)
    assert contacts_visible_to(user).filter(pk=contact.pk).exists() == (name in TEAM)
    assert can_list_contacts(user) == (name in TEAM)
    if name in TEAM:
        assert access_contact(user, contact.pk, write=True) == contact
        access_contact_log(user)
    else:
        for write in (False, True):
            with pytest.raises(Http404):
                access_contact(user, contact.pk, write=write)
        with pytest.raises(Http404):
            access_contact_log(user)


def test_an_operator_sees_a_colleagues_contacts(operator, supervisor):
    colleague = persona("persona.operator.two", Role.HELPLINE_OPERATOR, operator.organisation)
    contact = logged(colleague)
    assert access_contact(operator, contact.pk) == contact


def test_another_helpline_sees_nothing_of_this_one(operator):
    other = persona(
        "persona.other.helpline",
        Role.HELPLINE_OPERATOR,
        organisation_for("Another helpline", "helpline"),
    )
    contact = logged(operator)
    assert not contacts_visible_to(other).exists()
    with pytest.raises(Http404):
        access_contact(other, contact.pk)


def test_guessed_and_malformed_ids_look_like_invisible_ones(operator):
    for guessed in (uuid.uuid4(), "not-an-id", "", None):
        with pytest.raises(Http404):
            access_contact(operator, guessed)


def test_a_read_only_role_gets_403_on_a_change(monkeypatch, operator, analyst):
    contact = logged(operator)
    monkeypatch.setitem(roles.HELPLINE_CONTACTS, Role.CONTENT_ANALYST, roles.Access.READ)
    assert access_contact(analyst, contact.pk) == contact
    with pytest.raises(PermissionDenied):
        access_contact(analyst, contact.pk, write=True)
    with pytest.raises(PermissionDenied):
        access_contact_log(analyst)
