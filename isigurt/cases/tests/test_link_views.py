"""The links section of a case page, the link decisions and the merge page, through HTTP.

The case page itself (``cases:case_detail``) belongs to isigurt.cases.urls; until it is there this
module serves a stand-in page that includes the same partials, under the same URL names.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from uuid import UUID

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path, reverse
from django.views.decorators.http import require_safe

from isigurt import urls as platform_urls
from isigurt.accounts.models import OrganisationType
from isigurt.accounts.tests.personas import PERSONAS, make_staff_client, organisation_for
from isigurt.cases import link_urls
from isigurt.cases.linking import case_link_dismiss
from isigurt.cases.merge import case_merge
from isigurt.cases.models import Case, CaseEvent, CaseEventKind, CaseLink, LinkStatus
from isigurt.cases.permissions import access_case
from isigurt.cases.tests.link_factories import refer, report_case
from isigurt.referrals.models import Referral, ReferralStatus

STAND_IN = importlib.util.find_spec("isigurt.cases.urls") is None


@require_safe
def _case_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = access_case(request.user, case_id)
    page = engines["django"].from_string(
        "{% for message in messages %}<p>{{ message }}</p>{% endfor %}"
        '{% include "cases/_merged.html" %}<h1>{{ case.code }}</h1>'
        '{% include "cases/_links.html" %}'
    )
    return HttpResponse(page.render({"case": case}, request))


if STAND_IN:
    _cases = [
        *link_urls.urlpatterns,
        path("staff/cases/<uuid:case_id>/", _case_page, name="case_detail"),
    ]
    urlpatterns = [
        *platform_urls.urlpatterns,
        *i18n_patterns(path("", include((_cases, "cases"))), prefix_default_language=False),
    ]
else:  # the platform's own case pages
    urlpatterns = platform_urls.urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def cases(operator, municipality_officer):
    first = report_case(urls=["https://example.com/same-page"], phone_numbers=["0691112233"])
    second = report_case(urls=["https://example.com/same-page"])
    dismissed = report_case(phone_numbers=["0691112233"])
    link = CaseLink.objects.get(
        first_id=min(first.pk, second.pk), second_id=max(first.pk, second.pk)
    )
    other = CaseLink.objects.exclude(pk=link.pk).get()
    case_link_dismiss(link=other, actor=operator)
    # The municipality's unit received a referral of the first case: it sees it, read-only.
    refer(first, municipality_officer.organisation, by=operator)
    return {"first": first, "second": second, "dismissed": dismissed, "link": link}


def detail(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def confirm_url(case: Case, link: CaseLink) -> str:
    return reverse("cases:link_confirm", kwargs={"case_id": case.pk, "link_id": link.pk})


def dismiss_url(case: Case, link: CaseLink) -> str:
    return reverse("cases:link_dismiss", kwargs={"case_id": case.pk, "link_id": link.pk})


def merge_url(case: Case, other: Case) -> str:
    return reverse("cases:merge", kwargs={"case_id": case.pk, "other_id": other.pk})


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]


def section(html: str) -> str:
    match = re.search(r'<section[^>]*id="case-links".*?</section>', html, re.S)
    return match.group() if match else ""


# --- the section ------------------------------------------------------------------------------


def test_the_section_shows_what_is_shared_by_kind_never_the_value(staff_client, operator, cases):
    html = staff_client(operator).get(detail(cases["first"])).content.decode()
    shown = section(html)
    assert f'href="{detail(cases["second"])}">{cases["second"].code}</a>' in shown
    assert "Suggested link" in shown and "In common: link" in shown
    assert "example.com" not in html and "same-page" not in html and "2233" not in html
    assert cases["dismissed"].code not in shown  # dismissed links stay in the timeline only
    assert confirm_url(cases["first"], cases["link"]) in shown
    assert dismiss_url(cases["first"], cases["link"]) in shown
    assert merge_url(cases["first"], cases["second"]) in shown


def test_every_link_in_the_section_answers(staff_client, operator, cases):
    client = staff_client(operator)
    parser = _Links()
    parser.feed(section(client.get(detail(cases["first"])).content.decode()))
    assert parser.hrefs
    for href in parser.hrefs:
        assert client.get(href).status_code == 200, href


def test_an_institution_sees_the_case_but_not_its_links(staff_client, municipality_officer, cases):
    response = staff_client(municipality_officer).get(detail(cases["first"]))
    assert response.status_code == 200
    assert 'id="case-links"' not in response.content.decode()
    assert cases["second"].code not in response.content.decode()


# --- deciding -------------------------------------------------------------------------------


def test_confirming_by_post_redirects_to_the_case(staff_client, operator, cases):
    client = staff_client(operator)
    response = client.post(confirm_url(cases["first"], cases["link"]))
    assert response.status_code == 302 and response["Location"] == detail(cases["first"])
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.CONFIRMED
    shown = section(client.get(detail(cases["second"])).content.decode())
    assert "Linked" in shown and confirm_url(cases["second"], cases["link"]) not in shown


def test_dismissing_keeps_the_note_on_both_timelines(staff_client, operator, cases):
    response = staff_client(operator).post(
        dismiss_url(cases["second"], cases["link"]), {"note": "Different children."}
    )
    assert response.status_code == 302 and response["Location"] == detail(cases["second"])
    for case in (cases["first"], cases["second"]):
        event = CaseEvent.objects.filter(case=case, kind=CaseEventKind.LINK_DISMISSED).last()
        assert event is not None and event.text == "Different children."


def test_a_note_with_control_characters_is_refused(staff_client, operator, cases):
    response = staff_client(operator).post(
        dismiss_url(cases["first"], cases["link"]), {"note": "bad\x07note"}, follow=True
    )
    assert "characters we cannot accept" in response.content.decode()
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.SUGGESTED


def test_a_get_to_a_decision_changes_nothing(staff_client, operator, cases):
    response = staff_client(operator).get(confirm_url(cases["first"], cases["link"]))
    assert response.status_code == 302 and response["Location"] == detail(cases["first"])
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.SUGGESTED


def test_a_link_is_decided_only_from_a_case_it_joins(staff_client, operator, cases):
    response = staff_client(operator).post(confirm_url(cases["dismissed"], cases["link"]))
    assert response.status_code == 404
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.SUGGESTED


def test_decisions_need_the_csrf_token(operator, cases):
    client = make_staff_client(operator)
    client.handler.enforce_csrf_checks = True
    response = client.post(confirm_url(cases["first"], cases["link"]))
    assert response.status_code == 403
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.SUGGESTED


# --- merging --------------------------------------------------------------------------------


def withdraw_referrals() -> None:
    """A case with a standing referral is never merged (isigurt.cases.merge.merge_problem)."""
    Referral.objects.update(status=ReferralStatus.WITHDRAWN)


def test_a_referred_case_is_not_merged_and_the_page_says_why(staff_client, operator, cases):
    client = staff_client(operator)
    response = client.post(merge_url(cases["first"], cases["second"]), {"survivor": "other"})
    assert response.status_code == 400
    assert "referred to an institution" in response.content.decode()
    assert Case.objects.get(pk=cases["first"].pk).merged_into_id is None


def test_the_merge_page_shows_what_moves_then_merges(staff_client, operator, cases):
    police = organisation_for("Policia", OrganisationType.POLICE)
    refer(cases["first"], police, by=operator)
    refer(cases["second"], police, by=operator)
    withdraw_referrals()
    client = staff_client(operator)
    page = client.get(merge_url(cases["first"], cases["second"])).content.decode()
    assert "stays with the closed case" in page and "Policia" in page
    response = client.post(
        merge_url(cases["first"], cases["second"]), {"survivor": "other", "note": "Same child."}
    )
    assert response.status_code == 302 and response["Location"] == detail(cases["second"])
    merged = Case.objects.get(pk=cases["first"].pk)
    assert merged.merged_into_id == cases["second"].pk
    followed = client.get(response["Location"])
    assert "stayed with case" in followed.content.decode()
    # The merged case's page says where it went, and links there.
    html = client.get(detail(merged)).content.decode()
    assert 'id="case-merged-into"' in html and f'href="{detail(cases["second"])}"' in html
    assert 'href="/en/staff/cases/' in section(html) and "/merge/" not in html


def test_a_refused_merge_says_why(staff_client, operator, cases):
    withdraw_referrals()
    client = staff_client(operator)
    client.post(merge_url(cases["first"], cases["second"]), {"survivor": "this"})
    response = client.post(merge_url(cases["dismissed"], cases["second"]), {"survivor": "other"})
    assert response.status_code == 400
    assert "already merged" in response.content.decode()


# --- who may do what -------------------------------------------------------------------------

# (method, success status); every other persona gets 404, or 403 when it sees the case
# read-only (the municipality's unit, through its referral of the first case).
ACTIONS = {
    "confirm": ("post", 302),
    "dismiss": ("post", 302),
    "merge page": ("get", 200),
    "merge": ("post", 302),
}
CHANGERS = {"operator", "supervisor"}


def action_url(action: str, cases: dict) -> str:
    first, link = cases["first"], cases["link"]
    return {
        "confirm": confirm_url(first, link),
        "dismiss": dismiss_url(first, link),
        "merge page": merge_url(first, cases["second"]),
        "merge": merge_url(first, cases["second"]),
    }[action]


def snapshot() -> tuple:
    return (
        tuple(CaseLink.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Case.objects.order_by("pk").values_list("status", "merged_into")),
        CaseEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_persona_gets_exactly_what_it_may(request, cases, persona, action):
    user = request.getfixturevalue(persona)
    method, success = ACTIONS[action]
    if action == "merge" and persona in CHANGERS:
        withdraw_referrals()
    before = snapshot()
    response = getattr(make_staff_client(user), method)(
        action_url(action, cases), {"survivor": "this"} if action == "merge" else {}
    )
    if persona in CHANGERS:
        want = success
    elif persona == "municipality_officer":
        want = 403
    else:
        want = 404
    assert response.status_code == want, (persona, action)
    if want >= 400:
        assert snapshot() == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_wrong_method_answers_405(operator, cases, action):
    before = snapshot()
    response = make_staff_client(operator).put(action_url(action, cases))
    assert response.status_code == 405
    assert snapshot() == before


def test_signed_out_visitors_are_sent_to_log_in(cases):
    response = Client().post(confirm_url(cases["first"], cases["link"]))
    assert response.status_code == 302 and "login" in response["Location"]
    cases["link"].refresh_from_db()
    assert cases["link"].status == LinkStatus.SUGGESTED


def test_the_merged_notice_names_the_case_that_goes_on(operator, cases):
    from django.template.loader import render_to_string

    assert render_to_string("cases/_merged.html", {"case": cases["first"]}).strip() == ""
    withdraw_referrals()
    case_merge(survivor=cases["second"], duplicate=cases["first"], actor=operator)
    merged = Case.objects.get(pk=cases["first"].pk)
    html = render_to_string("cases/_merged.html", {"case": merged})
    assert f'href="{detail(cases["second"])}">{cases["second"].code}</a>' in html
