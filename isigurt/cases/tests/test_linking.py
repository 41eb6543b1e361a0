"""A case's terms, and the links suggested between cases that share something."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from isigurt.audit.models import AuditEntry
from isigurt.cases import linking
from isigurt.cases.linking import (
    case_index,
    case_link_confirm,
    case_link_dismiss,
    case_terms,
    linked_case_count,
)
from isigurt.cases.models import (
    CaseEvent,
    CaseEventKind,
    CaseLink,
    CaseOrigin,
    CaseTerm,
    LinkStatus,
    TermKind,
)
from isigurt.cases.tests.link_factories import (
    NEW_KEY,
    OLD_KEY,
    contact_case,
    decryptions,
    kinds_of,
    open_case,
    other_helpline,
    report_case,
)
from isigurt.lib import blind_index as bi
from isigurt.reports.models import Evidence
from isigurt.reports.services import evidence_attach, report_add_information, report_message_post
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


def digests(case, kind=None):
    rows = CaseTerm.objects.filter(case=case)
    if kind:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("digest", flat=True))


def holds(case, kind, value):
    return bi.term_digest(kind, value)[1] in digests(case, kind)


def links_between(a, b):
    first, second = sorted([a.pk, b.pk])
    return CaseLink.objects.filter(first_id=first, second_id=second)


def events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind))


# --- what a case is indexed on --------------------------------------------------------------


def test_a_case_is_indexed_on_every_kind_of_value_it_holds(operator):
    report = submitted(
        platform="Instagram",
        urls=["https://www.example.com/post/1"],
        usernames=["@Placeholder.User"],
        phone_numbers=["069 123 4567"],
        description="Placeholder description about a school trip.",
    ).report
    evidence_attach(report=report, data=png_bytes())
    report_add_information(report=report, text="Placeholder detail about homework.")
    case = open_case(report=report, summary="Operator summary mentions a library.")
    assert kinds_of(case) == {"word", "url", "username", "phone", "image"}
    assert holds(case, "url", "example.com/post/1")
    assert holds(case, "username", "instagram:placeholder.user")
    assert holds(case, "username", "@placeholder.user")
    assert holds(case, "phone", "+355691234567")
    evidence = Evidence.objects.get(report=report)
    assert holds(case, "image", f"sha256:{evidence.sha256}")
    for word in ("library", "school", "trip", "homework"):
        assert holds(case, "word", word), word


def test_contacts_give_their_summary_and_call_back_number(operator):
    case = contact_case(operator, actions=["callback"], caller_phone="+355 69 765 4321")
    assert holds(case, "phone", "+355697654321")
    assert holds(case, "word", "placeholder")  # from the contact's summary


def test_the_index_holds_digests_never_values(operator):
    case = report_case(urls=["https://example.com/secret-page"], description="Placeholder words.")
    stored = list(CaseTerm.objects.filter(case=case).values_list("kind", "key_id", "digest"))
    assert stored
    for _kind, key_id, digest in stored:
        assert key_id == bi.newest_key_id()
        assert len(digest) == 32 and "example" not in digest and "secret" not in digest


def test_the_helplines_own_answers_are_not_indexed(operator):
    report = submitted().report
    case = open_case(report=report)
    report_message_post(report=report, body="Staffwordonly answer.", actor=operator)
    case_index(case)
    assert not holds(case, "word", "staffwordonly")


def test_indexing_decrypts_only_the_case_being_indexed(operator):
    neighbour = report_case(description="Neighbour words.", urls=["https://example.com/shared"])
    report = submitted(description="Own words.", urls=["https://example.com/shared"]).report
    report_add_information(report=report, text="More own words.")
    case = open_case(report=report, summary="Summary words.", index=False)
    with decryptions() as seen:
        result = case_index(case)
    assert result.suggested  # the neighbour was found, by digest
    rows = {json.loads(aad)[1] for aad in seen}
    own = {str(case.pk), str(report.pk), *map(str, report.messages.values_list("pk", flat=True))}
    assert rows and rows <= own
    assert str(neighbour.pk) not in rows


def test_reindexing_replaces_the_case_rows(operator):
    case = open_case(summary="Bicycle stolen.")
    assert holds(case, "word", "bicycle")
    case.summary = "Scooter stolen."
    case.save()
    result = case_index(case)
    assert not holds(case, "word", "bicycle") and holds(case, "word", "scooter")
    assert result.added == 1 and result.removed == 1
    assert CaseTerm.objects.filter(case=case).count() == result.terms == 2


def test_a_reporter_writing_again_reindexes_the_case(operator):
    report = submitted(description="Placeholder.").report
    case = open_case(report=report)
    assert not holds(case, "word", "newword")
    report_add_information(report=report, text="A newword from the reporter.")
    assert holds(case, "word", "newword")
    evidence_attach(report=report, data=png_bytes())
    assert "image" in kinds_of(case)


def test_flat_pictures_pdq_is_not_used_for_linking(operator):
    case = report_case()
    Evidence.objects.create(
        report=CaseOrigin.objects.get(case=case).report,
        sha256="a" * 64,
        pdq_hash="0" * 64,
        pdq_quality=0,
    )
    terms = case_terms(case)
    assert ("image", "sha256:" + "a" * 64) in {(t.kind, t.value) for t in terms}
    assert not any(t.value.startswith("pdq:") for t in terms)


# --- suggesting links ----------------------------------------------------------------------


def test_cases_sharing_a_link_are_suggested_once_with_an_event_on_both(operator):
    first = report_case(urls=["https://example.com/post/9"])
    second = report_case(urls=["http://www.example.com/post/9/"])
    link = links_between(first, second).get()
    assert link.status == LinkStatus.SUGGESTED
    assert link.shared == ["url"]
    for case, other in ((first, second), (second, first)):
        (event,) = events(case, CaseEventKind.LINK_SUGGESTED)
        assert event.data["other"] == str(other.pk) and event.data["other_code"] == other.code
        assert event.data["shared"] == ["url"]
    assert AuditEntry.objects.filter(action="case_link.suggested", object_id=str(link.pk)).exists()
    case_index(first)
    case_index(second)
    assert links_between(first, second).count() == 1
    assert len(events(first, CaseEventKind.LINK_SUGGESTED)) == 1


@pytest.mark.parametrize(
    ("one", "two", "kind"),
    [
        ({"usernames": ["@Some.One"], "platform": "TikTok"},
         {"usernames": ["some.one"], "platform": "tik tok"}, "username"),
        ({"phone_numbers": ["069 111 2233"]}, {"phone_numbers": ["+355691112233"]}, "phone"),
        ({"urls": ["https://www.instagram.com/some.one/"]},
         {"usernames": ["@some.one"], "platform": "Instagram"}, "username"),
        ({"description": "He wrote from 069 111 2233 again."},
         {"phone_numbers": ["0691112233"]}, "phone"),
    ],
)  # fmt: skip
def test_each_kind_of_shared_value_suggests_a_link(one, two, kind):
    first, second = report_case(**one), report_case(**two)
    assert kind in links_between(first, second).get().shared


def test_a_shared_picture_suggests_a_link(operator):
    first, second = report_case(), report_case()
    for case in (first, second):
        evidence_attach(report=CaseOrigin.objects.get(case=case).report, data=png_bytes())
    assert links_between(first, second).get().shared == ["image"]


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ({"description": "Same placeholder words."}, {"description": "Same placeholder words."}),
        ({"usernames": ["@some.one"], "platform": "TikTok"},
         {"usernames": ["@some.one"], "platform": "Instagram"}),
        ({"urls": ["https://www.instagram.com/"]}, {"urls": ["https://instagram.com"]}),
    ],
)  # fmt: skip
def test_words_other_platforms_and_bare_sites_suggest_nothing(one, two):
    first, second = report_case(**one), report_case(**two)
    assert not links_between(first, second).exists()
    assert linked_case_count(first) == 0


def test_other_helplines_cases_are_never_linked():
    first = report_case(urls=["https://example.com/post/9"])
    second = report_case(urls=["https://example.com/post/9"], organisation=other_helpline())
    assert not links_between(first, second).exists()


def test_a_value_many_cases_hold_links_nothing(monkeypatch):
    monkeypatch.setattr(linking, "MAX_CASES_PER_VALUE", 2)
    cases = [report_case(urls=["https://example.com/everywhere"]) for _ in range(4)]
    assert CaseLink.objects.count() == 3  # the third found two, the fourth found three: none
    assert linked_case_count(cases[3]) == 0


def test_linked_case_count_counts_suggested_and_confirmed_not_dismissed(operator):
    hub = report_case(urls=["https://example.com/a"], phone_numbers=["0691112233"])
    report_case(urls=["https://example.com/a"])
    dismissed = report_case(phone_numbers=["0691112233"])
    assert linked_case_count(hub) == 2
    case_link_dismiss(link=links_between(hub, dismissed).get(), actor=operator)
    assert linked_case_count(hub) == 1


def test_indexing_costs_a_fixed_number_of_queries(django_assert_max_num_queries, operator):
    for _ in range(3):
        report_case(urls=["https://example.com/a"], phone_numbers=["0691112233"])
    case = report_case(urls=["https://example.com/a"], phone_numbers=["0691112233"])
    case.summary = "New words here."
    with django_assert_max_num_queries(12):
        case_index(case, suggest=False)


# --- the operator decides --------------------------------------------------------------------


def test_confirming_a_link_is_audited_and_on_both_timelines(operator):
    first = report_case(urls=["https://example.com/a"])
    second = report_case(urls=["https://example.com/a"])
    link = links_between(first, second).get()
    assert case_link_confirm(link=link, actor=operator, note="Same account.")
    link.refresh_from_db()
    assert (link.status, link.decided_by) == (LinkStatus.CONFIRMED, operator)
    for case in (first, second):
        (event,) = events(case, CaseEventKind.LINKED)
        assert event.actor == operator and event.text == "Same account."
    assert AuditEntry.objects.filter(action="case_link.confirmed", object_id=str(link.pk)).exists()
    assert not case_link_confirm(link=link, actor=operator)  # already confirmed: nothing new
    assert len(events(first, CaseEventKind.LINKED)) == 1


def test_a_dismissed_link_comes_back_only_when_something_new_is_shared(operator):
    first = report_case(urls=["https://example.com/a"])
    second = report_case(urls=["https://example.com/a"])
    link = links_between(first, second).get()
    assert case_link_dismiss(link=link, actor=operator, note="Different people.")
    (event,) = events(first, CaseEventKind.LINK_DISMISSED)
    assert event.data["values"] == 1 and event.text == "Different people."
    case_index(first)
    case_index(second)
    link.refresh_from_db()
    assert link.status == LinkStatus.DISMISSED
    assert len(events(first, CaseEventKind.LINK_SUGGESTED)) == 1
    # The second reporter writes the same phone number as the first case holds: new kind.
    first.summary = "Number given: 069 555 1234."
    first.save()
    case_index(first)
    report_add_information(
        report=CaseOrigin.objects.get(case=second).report, text="Call 069 555 1234."
    )
    link.refresh_from_db()
    assert link.status == LinkStatus.SUGGESTED and link.shared == ["phone", "url"]
    assert link.decided_by is None
    assert len(events(second, CaseEventKind.LINK_SUGGESTED)) == 2
    assert events(second, CaseEventKind.LINK_SUGGESTED)[-1].data.get("again") is True


def test_another_value_of_a_dismissed_kind_is_new_too(operator):
    first = report_case(urls=["https://example.com/a", "https://example.com/b"])
    second = report_case(urls=["https://example.com/a"])
    link = links_between(first, second).get()
    case_link_dismiss(link=link, actor=operator)
    report_add_information(
        report=CaseOrigin.objects.get(case=second).report, text="See example.com/b too."
    )
    link.refresh_from_db()
    assert link.status == LinkStatus.SUGGESTED


def test_only_who_may_change_both_cases_decides(operator, analyst):
    first = report_case(urls=["https://example.com/a"])
    second = report_case(urls=["https://example.com/a"])
    link = links_between(first, second).get()
    for actor in (analyst, None):
        with pytest.raises(PermissionDenied):
            case_link_confirm(link=link, actor=actor)
    link.refresh_from_db()
    assert link.status == LinkStatus.SUGGESTED
    assert not events(first, CaseEventKind.LINKED)


# --- rotation in progress -------------------------------------------------------------------


def test_a_case_indexed_under_the_old_key_is_still_linked_while_rotating():
    with override_settings(BLIND_INDEX_KEYS=OLD_KEY):
        old = report_case(urls=["https://example.com/rotating"])
    assert set(CaseTerm.objects.filter(case=old).values_list("key_id", flat=True)) == {"old"}
    with override_settings(BLIND_INDEX_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        new = report_case(urls=["https://example.com/rotating"])
        assert set(CaseTerm.objects.filter(case=new).values_list("key_id", flat=True)) == {"new"}
    assert links_between(old, new).get().shared == ["url"]


def test_words_never_link():
    assert TermKind.WORD not in linking.LINK_KINDS
    assert set(linking.LINK_KINDS) == {"url", "username", "phone", "image"}
