"""The place checks that the report draft and the contact draft share, each in its own words."""

from typing import Any

import pytest

from isigurt.helpline.validation import ContactDraft
from isigurt.reports.validation import ReportDraft

pytestmark = pytest.mark.django_db

REPORT: dict[str, Any] = {"category": "bullying", "audience": "adult"}
CONTACT: dict[str, Any] = {"channel": "call", "issues": ["online.cyberbullying"]}


@pytest.mark.parametrize(
    ("draft", "base", "message"),
    [
        (
            ReportDraft,
            REPORT,
            "Leave the county and municipality empty when it happened outside Albania.",
        ),
        (ContactDraft, CONTACT, "Leave the county and municipality empty for outside Albania."),
    ],
)
def test_a_place_in_albania_with_outside_albania_is_refused_in_the_drafts_words(
    draft: Any, base: dict[str, Any], message: str
) -> None:
    _, errors = draft.check(
        {**base, "outside_albania": True, "county_code": "AL-11", "municipality_slug": "tirane"}
    )
    assert errors["county_code"] == [message]
    assert errors["municipality_slug"] == [message]


@pytest.mark.parametrize(("draft", "base"), [(ReportDraft, REPORT), (ContactDraft, CONTACT)])
def test_a_municipality_of_another_county_is_refused(draft: Any, base: dict[str, Any]) -> None:
    _, errors = draft.check({**base, "county_code": "AL-11", "municipality_slug": "kucove"})
    assert errors == {"municipality_slug": ["This municipality is not in the county you chose."]}


@pytest.mark.parametrize(("draft", "base"), [(ReportDraft, REPORT), (ContactDraft, CONTACT)])
def test_the_municipality_alone_gives_its_county(draft: Any, base: dict[str, Any]) -> None:
    found, errors = draft.check({**base, "municipality_slug": "tirane"})
    assert errors == {}
    assert found.municipality.slug == "tirane"
    assert found.county.code == "AL-11"


@pytest.mark.parametrize(("draft", "base"), [(ReportDraft, REPORT), (ContactDraft, CONTACT)])
def test_unknown_places_are_refused(draft: Any, base: dict[str, Any]) -> None:
    _, errors = draft.check({**base, "county_code": "AL-99", "municipality_slug": "nowhere"})
    assert errors["county_code"] == ["Choose a county from the list."]
    assert errors["municipality_slug"] == ["Choose a municipality from the list."]
