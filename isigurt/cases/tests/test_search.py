"""Search: case numbers, tracking codes, words (all of them), links, usernames and phone
numbers, through the blind index only; and the re-indexing that rotates its key."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from isigurt.cases.models import Case, CaseTerm
from isigurt.cases.search import cases_matching
from isigurt.cases.tests.link_factories import (
    NEW_KEY,
    OLD_KEY,
    decryptions,
    open_case,
    other_helpline,
    report_case,
)
from isigurt.reports.models import Report

pytestmark = pytest.mark.django_db


def found(text, cases=None):
    return set(cases_matching(cases if cases is not None else Case.objects.all(), text))


@pytest.fixture
def cases(db):
    return {
        "school": report_case(
            description="Placeholder: mesazhe në shkollë pas mësimit.",
            urls=["https://www.example.com/post/1"],
            usernames=["@Some.One"],
            platform="TikTok",
            phone_numbers=["069 111 2233"],
        ),
        "park": report_case(description="Placeholder: mesazhe në park."),
        "summary": open_case(summary="Operator notes: school bus."),
    }


def test_a_case_is_found_by_its_number_however_typed(cases):
    case = cases["park"]
    assert found(case.code) == {case}
    assert found(f" {case.code.lower()[:5]}-{case.code.lower()[5:]} ") == {case}


def test_a_case_is_found_by_a_tracking_code_of_its_reports(cases):
    report = Report.objects.get(case_origin__case=cases["school"])
    shown = f"{report.tracking_code[:4]}-{report.tracking_code[4:]}".lower()
    assert found(shown) == {cases["school"]}


def test_a_word_shaped_like_a_code_is_searched_as_a_word_when_no_code_has_it():
    case = report_case(description="Placeholder about zhvatjes.")
    assert found("ZHVATJES") == found("zhvatjes") == {case}


def test_every_word_must_match(cases):
    assert found("mesazhe") == {cases["school"], cases["park"]}
    assert found("mesazhe shkolle") == {cases["school"]}
    assert found("mesazhe shkolle park") == set()


def test_words_match_whole_without_accents_or_case(cases):
    assert found("SHKOLLË") == found("shkolle") == {cases["school"]}
    assert found("shkoll") == set()  # no prefix search
    assert found("school") == {cases["summary"]}  # the operator's summary is searched too


def test_common_and_short_words_are_ignored(cases):
    assert found("mesazhe në dhe") == {cases["school"], cases["park"]}
    assert found("në dhe") == set()
    assert found("") == found("   ") == set()


def test_a_link_is_found_however_written(cases):
    assert found("http://example.com/post/1/") == {cases["school"]}
    assert found("example.com/post/2") == set()


def test_a_username_is_found_on_its_platform_or_any(cases):
    assert found("@some.one") == {cases["school"]}
    assert found("tiktok:Some.One") == {cases["school"]}
    assert found("instagram:some.one") == set()
    assert found("Some.One") == {cases["school"]}  # typed without its "@"


def test_a_phone_number_is_found_however_written(cases):
    for typed in ("+355 69 111 2233", "0691112233", "069-111-2233"):
        assert found(typed) == {cases["school"]}, typed
    assert found("069 111 2234") == set()


def test_values_and_words_combine(cases):
    assert found("mesazhe 069 111 2233") == {cases["school"]}
    assert found("park 069 111 2233") == set()


def test_only_the_given_cases_are_searched(cases):
    elsewhere = report_case(
        description="Placeholder: mesazhe në shkollë.", organisation=other_helpline()
    )
    ours = Case.objects.exclude(organisation=elsewhere.organisation)
    assert found("shkolle", ours) == {cases["school"]}
    assert elsewhere in found("shkolle")


def test_search_decrypts_nothing_and_costs_one_query(cases):
    with decryptions() as seen, CaptureQueriesContext(connection) as queries:
        result = list(cases_matching(Case.objects.all(), "mesazhe shkolle @some.one 0691112233"))
    assert result == [cases["school"]]
    assert seen == []
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "cases_caseterm" in sql and "summary" not in sql.split("FROM")[-1]


# --- rotation --------------------------------------------------------------------------------


def test_rotation_old_terms_are_found_then_reindexed_under_the_new_key():
    with override_settings(BLIND_INDEX_KEYS=OLD_KEY):
        cases = [
            report_case(
                description=f"Placeholder rotation words {n}.", phone_numbers=["0691112233"]
            )
            for n in range(5)
        ]
    keys = set(CaseTerm.objects.values_list("key_id", flat=True))
    assert keys == {"old"}
    with override_settings(BLIND_INDEX_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        assert found("rotation words") == set(cases)
        assert found("069 111 2233") == set(cases)
        out = StringIO()
        call_command("reindex_blind_terms", "--check", stdout=out)
        assert re.search(r"[1-9]\d* rows under older keys \(old: ", out.getvalue())

        out = StringIO()
        call_command("reindex_blind_terms", "--batch-size", "2", stdout=out)
        assert "batch 3: 1 of 1 cases re-indexed; 5/5 seen" in out.getvalue()
        assert "re-indexed 5 of 5 cases under key new" in out.getvalue()
        assert set(CaseTerm.objects.values_list("key_id", flat=True)) == {"new"}

        out = StringIO()
        call_command("reindex_blind_terms", "--check", stdout=out)
        assert "0 rows under older keys" in out.getvalue()
        # A second run finds nothing left to do (a stopped run resumes where it stopped).
        out = StringIO()
        call_command("reindex_blind_terms", stdout=out)
        assert "re-indexed 0 of 5 cases" in out.getvalue()
    with override_settings(BLIND_INDEX_KEYS=NEW_KEY):  # the old key is gone
        assert found("rotation words") == set(cases)
        assert found("+355691112233") == set(cases)


def test_reindexing_resumes_after_a_given_case():
    with override_settings(BLIND_INDEX_KEYS=OLD_KEY):
        cases = sorted(
            (open_case(summary=f"Placeholder {n}.") for n in range(3)), key=lambda c: c.pk
        )
    with override_settings(BLIND_INDEX_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        out = StringIO()
        call_command("reindex_blind_terms", "--after", str(cases[0].pk), stdout=out)
        assert "re-indexed 2 of 2 cases" in out.getvalue()
    assert set(CaseTerm.objects.filter(case=cases[0]).values_list("key_id", flat=True)) == {"old"}
    assert set(CaseTerm.objects.filter(case=cases[2]).values_list("key_id", flat=True)) == {"new"}
