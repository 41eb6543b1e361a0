"""Demo data: a referral to the Tiranë child protection unit and one to the police, once."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from isigurt.accounts.models import User
from isigurt.accounts.services import demo_seed
from isigurt.cases.models import Case, CaseStatus
from isigurt.referrals.models import Referral
from isigurt.referrals.services import referrals_demo_seed
from isigurt.referrals.tests.factories import open_case

pytestmark = pytest.mark.django_db


@override_settings(DEMO_MODE=True)
def test_without_cases_the_demo_opens_two_and_refers_them_once():
    demo_seed()  # organisations and users, no case yet
    assert referrals_demo_seed() == 2
    cpu = User.objects.get(username="cpu.tirana")
    police = User.objects.get(username="police")
    to_cpu = Referral.objects.get(organisation=cpu.organisation)
    to_police = Referral.objects.get(organisation=police.organisation)
    assert to_cpu.case != to_police.case
    assert to_cpu.case.municipality.name == "Tiranë"
    assert Case.objects.filter(status=CaseStatus.REFERRED).count() == 2
    for case in Case.objects.all():
        assert case.origins.get().report is not None
    assert referrals_demo_seed() == 0
    assert Referral.objects.count() == 2 and Case.objects.count() == 2


@override_settings(DEMO_MODE=True)
def test_the_demo_data_refers_two_of_its_cases_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "2 new referrals" in out.getvalue()
    assert Case.objects.filter(status=CaseStatus.REFERRED).count() == 2
    call_command("seed_demo", stdout=StringIO())
    assert Referral.objects.count() == 2


@override_settings(DEMO_MODE=True)
def test_with_demo_cases_the_demo_refers_those():
    demo_seed()  # organisations and users, no case yet
    operator = User.objects.get(username="operator")
    durres = open_case(operator, municipality="Durrës")
    tirana = open_case(operator)
    assert referrals_demo_seed() == 2
    assert Case.objects.count() == 2  # none opened: the demo cases were used
    cpu = User.objects.get(username="cpu.tirana").organisation
    assert Referral.objects.get(organisation=cpu).case == tirana  # the unit's own municipality
    assert Referral.objects.exclude(organisation=cpu).get().case == durres


@override_settings(DEMO_MODE=False)
def test_demo_referrals_are_refused_outside_demo_mode():
    with pytest.raises(ImproperlyConfigured):
        referrals_demo_seed()
