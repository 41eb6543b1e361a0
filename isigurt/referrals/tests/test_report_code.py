"""An institution reading a referred report never sees its tracking code: with the secret it
opens the reporter's own page, and no referral shares it."""

import pytest
from django.urls import reverse

from isigurt.accounts.tests.personas import make_staff_client
from isigurt.cases.models import CaseOrigin
from isigurt.referrals.sharing import SHAREABLE
from isigurt.referrals.tests.factories import open_case, refer

pytestmark = pytest.mark.django_db


def test_the_referred_report_page_hides_the_tracking_code(operator, municipality_officer):
    case = open_case(operator)
    refer(case, municipality_officer.organisation, operator, groups=sorted(SHAREABLE))
    report = CaseOrigin.objects.get(case=case).report
    url = reverse("reports:staff_detail", kwargs={"report_id": report.pk})

    seen = make_staff_client(municipality_officer).get(url)
    assert seen.status_code == 200
    assert report.tracking_code not in seen.content.decode()
    assert report.display_code not in seen.content.decode()

    helpline = make_staff_client(operator).get(url)
    assert report.display_code in helpline.content.decode()
