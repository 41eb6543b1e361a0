"""The demo's cases: different priorities, one followed by the demo operator, one overdue."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from isigurt.accounts.models import User
from isigurt.cases.models import Case, CaseStatus
from isigurt.cases.selectors import case_queue, is_first_response_overdue
from isigurt.cases.services import cases_demo_seed

pytestmark = pytest.mark.django_db


@override_settings(DEMO_MODE=True)
def test_seed_demo_opens_a_few_cases_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "3 new cases" in out.getvalue()
    operator = User.objects.get(username="operator")
    cases = list(Case.objects.all())
    assert len(cases) == 3
    assert len({case.priority for case in cases}) >= 2
    owned = [case for case in cases if case.owner_id == operator.pk]
    assert len(owned) == 1 and owned[0].status == CaseStatus.TRIAGED
    assert owned[0].tasks.count() == 1
    now = timezone.now()
    assert [case for case in cases if is_first_response_overdue(case, now)]
    first = next(iter(case_queue(viewer=operator)))
    assert first.overdue  # the overdue one heads the queue
    supervisor = User.objects.get(username="supervisor")
    assert list(case_queue(viewer=supervisor)) == list(case_queue(viewer=operator))
    call_command("seed_demo", stdout=StringIO())
    assert Case.objects.count() == 3


@override_settings(DEMO_MODE=False)
def test_demo_cases_are_refused_outside_demo_mode(operator):
    with pytest.raises(ImproperlyConfigured):
        cases_demo_seed(operator=operator)
    assert not Case.objects.exists()
