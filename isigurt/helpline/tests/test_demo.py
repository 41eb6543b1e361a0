from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from isigurt.accounts.models import User
from isigurt.helpline.models import Contact

pytestmark = pytest.mark.django_db


@override_settings(DEMO_MODE=True)
def test_seed_demo_gives_the_demo_operator_a_few_contacts_once():
    call_command("seed_demo", stdout=StringIO())
    operator = User.objects.get(username="operator")
    first = Contact.objects.filter(operator=operator).count()
    assert first >= 5
    assert Contact.objects.filter(operator=operator, caller_phone__isnull=False).exists()
    call_command("seed_demo", stdout=StringIO())
    assert Contact.objects.count() == first
