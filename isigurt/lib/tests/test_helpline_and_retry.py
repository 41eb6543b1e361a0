"""One helpline number for pages, the 503 page and the API; one way to say "wait N minutes"."""

import pytest
from django.test import Client

from isigurt.lib.helpline import EMERGENCY_NUMBER, HELPLINE_NUMBER, dialable
from isigurt.lib.middleware import database_unavailable_response
from isigurt.lib.views import retry_after_minutes


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 1), (1, 1), (60, 1), (61, 2), (900, 15)])
def test_retry_after_is_told_in_whole_minutes_never_zero(seconds, minutes):
    assert retry_after_minutes(seconds) == minutes


@pytest.mark.django_db
def test_pages_the_outage_page_and_the_api_call_the_same_numbers(rf):
    page = Client().get("/en/").content.decode()
    assert f'href="tel:{dialable(HELPLINE_NUMBER)}"' in page
    request = rf.get("/en/")
    outage = database_unavailable_response(request).content.decode()
    assert f'href="tel:{dialable(HELPLINE_NUMBER)}"' in outage
    api = Client().get("/api/v1/categories").json()
    assert (api["helpline_number"], api["emergency_number"]) == (HELPLINE_NUMBER, EMERGENCY_NUMBER)
