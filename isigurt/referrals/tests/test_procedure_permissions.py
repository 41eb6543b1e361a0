"""Who sees a referral's procedure, and how much: the unit in full, the referring helpline a
summary, nobody else anything (a missing and a forbidden record look the same)."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from isigurt.referrals.models import ReferralStatus
from isigurt.referrals.procedure_permissions import (
    Reading,
    access_plan_measure,
    access_procedure,
    procedure_reading,
    procedure_referrals_visible_to,
)
from isigurt.referrals.tests.procedure_factories import (
    durres_unit,
    measure_for,
    plan_for,
    police,
    referral_to,
    tirana_unit,
)

pytestmark = pytest.mark.django_db

NOBODY = (
    "outsider",
    "police_officer",
    "analyst",
    "blocking_officer",
    "stats_viewer",
    "editor",
    "trainer",
    "youth_coordinator",
    "platform_admin",
    "no_role",
)


@pytest.fixture
def cpu_referral(operator, municipality_officer):
    return referral_to(tirana_unit(), sent_by=operator)


def test_the_unit_reads_and_records_its_referrals_procedure(municipality_officer, cpu_referral):
    assert access_procedure(municipality_officer, cpu_referral.pk, write=True) == cpu_referral
    assert procedure_reading(municipality_officer, cpu_referral) is Reading.FULL


@pytest.mark.parametrize("helpline", ["operator", "supervisor"])
def test_the_referring_helpline_reads_a_summary_and_changes_nothing(
    request, helpline, cpu_referral
):
    user = request.getfixturevalue(helpline)
    assert access_procedure(user, cpu_referral.pk) == cpu_referral
    assert procedure_reading(user, cpu_referral) is Reading.SUMMARY
    with pytest.raises(PermissionDenied):
        access_procedure(user, cpu_referral.pk, write=True)


@pytest.mark.parametrize("persona", NOBODY)
def test_everyone_else_finds_nothing(request, persona, cpu_referral):
    user = request.getfixturevalue(persona)
    assert not procedure_referrals_visible_to(user).filter(pk=cpu_referral.pk).exists()
    for write in (False, True):
        with pytest.raises(Http404):
            access_procedure(user, cpu_referral.pk, write=write)


def test_another_units_officer_sees_nothing_of_it(outsider, operator, municipality_officer):
    durres = referral_to(durres_unit(), sent_by=operator)
    tirana = referral_to(tirana_unit(), sent_by=operator)
    assert access_procedure(outsider, durres.pk) == durres
    with pytest.raises(Http404):
        access_procedure(outsider, tirana.pk)
    with pytest.raises(Http404):
        access_procedure(municipality_officer, durres.pk)


def test_a_referral_to_the_police_has_no_procedure(operator, police_officer):
    to_police = referral_to(police(), sent_by=operator)
    for user in (operator, police_officer):
        with pytest.raises(Http404):
            access_procedure(user, to_police.pk)


def test_a_withdrawn_referral_leaves_the_unit_and_stays_with_the_helpline(
    operator, municipality_officer
):
    withdrawn = referral_to(tirana_unit(), sent_by=operator, status=ReferralStatus.WITHDRAWN)
    with pytest.raises(Http404):
        access_procedure(municipality_officer, withdrawn.pk)
    assert procedure_reading(operator, withdrawn) is Reading.SUMMARY


def test_a_closed_referral_stays_writable_for_the_unit(operator, municipality_officer):
    closed = referral_to(tirana_unit(), sent_by=operator, status=ReferralStatus.CLOSED)
    assert access_procedure(municipality_officer, closed.pk, write=True) == closed


def test_guessed_and_malformed_ids_look_like_invisible_ones(municipality_officer):
    for guess in (uuid.uuid4(), "not-an-id", ""):
        with pytest.raises(Http404):
            access_procedure(municipality_officer, guess)
        with pytest.raises(Http404):
            access_plan_measure(municipality_officer, guess)


def test_a_measure_follows_its_referral(operator, municipality_officer, outsider, cpu_referral):
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    assert access_plan_measure(municipality_officer, measure.pk, write=True) == measure
    assert access_plan_measure(operator, measure.pk) == measure
    with pytest.raises(PermissionDenied):
        access_plan_measure(operator, measure.pk, write=True)
    with pytest.raises(Http404):
        access_plan_measure(outsider, measure.pk)
    other = referral_to(tirana_unit(), sent_by=operator)
    with pytest.raises(Http404):  # named under another referral of the same unit
        access_plan_measure(municipality_officer, measure.pk, referral_id=other.pk)


def test_an_inactive_officer_sees_nothing(municipality_officer, cpu_referral):
    municipality_officer.is_active = False
    municipality_officer.save()
    with pytest.raises(Http404):
        access_procedure(municipality_officer, cpu_referral.pk)
