"""Searching the intake queue through keyed blind indexes: by tracking code, words (also typed
without ë and ç), links, usernames and phone numbers; written with the report and with what the
reporter adds; found under every key during a rotation; no row decrypted to search."""

from __future__ import annotations

import base64
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from isigurt.lib import fields as encrypted_fields
from isigurt.reports.models import Report, ReportTerm
from isigurt.reports.search import (
    SearchRefused,
    report_terms_reindex,
    report_terms_status,
    reports_matching,
    search_parse,
)
from isigurt.reports.services import report_add_information, report_message_post
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

OLD_KEYS = "k1:" + base64.b64encode(b"1" * 32).decode()
NEW_KEYS = "k2:" + base64.b64encode(b"2" * 32).decode() + "," + OLD_KEYS
ONLY_NEW = "k2:" + base64.b64encode(b"2" * 32).decode()


def url() -> str:
    with translation.override("en"):
        return reverse("reports:staff_list")


def found(text: str) -> set[str]:
    """The tracking codes the search finds (through the service, every report visible)."""
    query = search_parse(text)
    assert query is not None
    return set(
        reports_matching(Report.objects.all(), query).values_list("tracking_code", flat=True)
    )


def listed(client, text: str) -> set[str]:
    response = client.get(url(), {"q": text})
    assert response.status_code == 200, response.content.decode()[:3000]
    return {
        code.replace("-", "")
        for code in re.findall(r'data-report="([A-Z0-9-]+)"', response.content.decode())
    }


@pytest.fixture
def reports():
    """Reports with neutral placeholder facts (never realistic abuse content)."""
    return {
        "albanian": submitted(
            description="Dikush më shkruan çdo ditë dhe kërkon çelësin e llogarisë.",
            urls=["https://www.Example.com/profili/ana/"],
            usernames=["@Ana.K"],
            platform="TikTok",
            language="sq",
        ).report,
        "english": submitted(
            description="Placeholder narrative about a shared classroom picture.",
            urls=["example.org/page?id=7"],
            usernames=["placeholder_user"],
            platform="ExampleChat",
            phone_numbers=["069 123 4567"],
        ).report,
        "caller": submitted(
            description="Placeholder narrative.",
            urls=[],
            usernames=[],
            contact_method="phone",
            contact_value="+355 68 765 4321",
            contact_consent=True,
        ).report,
    }


def codes(*chosen: Report) -> set[str]:
    return {report.tracking_code for report in chosen}


# --- each kind -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # words, all of them, in any case, with or without ë and ç
        ("çelësin", {"albanian"}),
        ("celesin", {"albanian"}),
        ("CELESIN llogarise", {"albanian"}),
        ("celesin classroom", set()),
        ("classroom picture", {"english"}),
        ("placeholder narrative", {"english", "caller"}),
        ("tiktok", {"albanian"}),  # the platform's name is a word too
        # links, however they were written
        ("https://example.com/profili/ana", {"albanian"}),
        ("http://www.example.com/profili/ana/", {"albanian"}),
        ("EXAMPLE.COM/profili/ana#top", {"albanian"}),
        ("example.com", {"albanian"}),  # the site finds every report about it
        ("example.org/page?id=7", {"english"}),
        ("example.org/page?id=8", set()),
        # usernames, alone or on their platform
        ("@ana.k", {"albanian"}),
        ("@ANA.K", {"albanian"}),
        ("tiktok:ana.k", {"albanian"}),
        ("TikTok:@Ana.K", {"albanian"}),
        ("instagram:ana.k", set()),
        ("@placeholder_user", {"english"}),
        ("placeholder_user", {"english"}),  # typed without its "@"
        ("PLACEHOLDER_USER", {"english"}),
        ("examplechat:placeholder_user", {"english"}),
        # phone numbers, national or international, with any separators
        ("0691234567", {"english"}),
        ("+355 69 123 4567", {"english"}),
        ("00355-69-123-45-67", {"english"}),
        ("068 765 4321", {"caller"}),  # the reporter's own number, to call back
        ("069 999 9999", set()),
    ],
)
def test_search_finds_each_kind_by_its_digest(reports, text, expected):
    assert found(text) == codes(*(reports[name] for name in expected))


@pytest.mark.parametrize("form", ["{dashed}", "{plain}", "{lower}", " {lower_dashed} "])
def test_a_tracking_code_finds_its_report_alone(staff_client, operator, reports, form):
    report = reports["english"]
    code = report.tracking_code
    text = form.format(
        dashed=report.display_code,
        plain=code,
        lower=code.lower(),
        lower_dashed=report.display_code.lower(),
    )
    assert listed(staff_client(operator), text) == {code}


def test_a_word_shaped_like_a_tracking_code_is_still_a_word(reports):
    report = submitted(description="Placeholder: they said THREATEN twice.").report
    assert search_parse("threaten").code == "THREATEN"  # could be a code (no 0, O, 1, I)
    assert found("threaten") == {report.tracking_code}


def test_the_reporters_messages_and_information_are_searchable_not_the_helplines_answers(
    operator, reports
):
    report = reports["caller"]
    report_message_post(report=report, body="Një mesazh për shkollën e fëmijës.")
    report_add_information(report=report, text="More at https://example.net/thread/9 from @other.k")
    report_message_post(report=report, body="Placeholder answer about bicycles.", actor=operator)
    assert found("shkollen") == {report.tracking_code}
    assert found("example.net/thread/9") == {report.tracking_code}
    assert found("@other.k") == {report.tracking_code}
    assert found("bicycles") == set()


def test_a_message_rolled_back_leaves_no_term(reports):
    report = reports["caller"]
    before = ReportTerm.objects.filter(report=report).count()
    with pytest.raises(RuntimeError), transaction.atomic():
        report_message_post(report=report, body="Placeholder unicorn.")
        assert found("unicorn") == {report.tracking_code}
        raise RuntimeError
    assert ReportTerm.objects.filter(report=report).count() == before
    assert found("unicorn") == set()


@pytest.mark.parametrize("text", ["ab", "a b c", "!!", "@", "—"])
def test_a_search_with_nothing_searchable_is_refused(text):
    with pytest.raises(SearchRefused):
        search_parse(text)


def test_an_empty_search_is_no_search():
    assert search_parse("   ") is None


def test_the_terms_hold_no_value_only_digests_under_the_newest_key(reports):
    report = reports["albanian"]
    assert report.terms_key_id == "dev"
    rows = list(ReportTerm.objects.filter(report=report).values_list("kind", "key_id", "digest"))
    assert {kind for kind, _key, _digest in rows} == {"word", "url", "username"}
    assert all(key == "dev" and re.fullmatch(r"[0-9a-f]{32}", digest) for _k, key, digest in rows)
    stored = " ".join(digest for _k, _key, digest in rows)
    for private in ("celes", "example", "ana", "tiktok"):
        assert private not in stored


# --- no row is decrypted to search -----------------------------------------------------------


@pytest.fixture
def decryptions(monkeypatch):
    """Counts every decryption of an encrypted field (the real one still runs)."""
    calls: list[str] = []
    real = encrypted_fields.decrypt_text

    def counted(token: str, *, aad: str) -> str:
        calls.append(aad)
        return real(token, aad=aad)

    monkeypatch.setattr(encrypted_fields, "decrypt_text", counted)
    return calls


@pytest.mark.parametrize(
    "text", ["celesin llogarise", "@ana.k", "tiktok:ana.k", "example.com", "069 123 4567"]
)
def test_the_queue_searches_without_decrypting_a_row(
    staff_client, operator, reports, decryptions, text
):
    client = staff_client(operator)
    client.get(url())  # warm the session
    decryptions.clear()
    with CaptureQueriesContext(connection) as queries:
        shown = listed(client, text)
    assert shown  # it found something...
    assert decryptions == []  # ...without opening a single encrypted value
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "reports_reportterm" in sql
    for column in ("description", "urls", "usernames", "phone_numbers", "contact_value"):
        assert f'"{column}"' not in sql, column
    assert "reports_reportmessage" not in sql


def test_the_decryption_counter_does_count(reports, decryptions):
    """The fixture above can fail: reading a report's narrative is counted."""
    Report.objects.get(pk=reports["english"].pk).description  # noqa: B018
    assert len(decryptions) == 1


# --- key rotation ----------------------------------------------------------------------------


def test_search_works_under_two_keys_during_rotation_and_after_reindexing(settings):
    settings.BLIND_INDEX_KEYS = OLD_KEYS
    before = submitted(description="Placeholder lantern.", usernames=["@old.user"]).report
    settings.BLIND_INDEX_KEYS = NEW_KEYS  # a new key first, the old one kept
    after = submitted(description="Placeholder lantern.", usernames=["@new.user"]).report
    report_add_information(report=before, text="Placeholder compass.")

    assert found("lantern") == codes(before, after)  # under k1 and under k2
    assert found("@old.user") == codes(before)
    assert found("compass") == codes(before)  # added under k2 to a report indexed under k1
    status = report_terms_status()
    assert status.newest_key == "k2"
    assert status.old_terms > 0 and status.reports_waiting == 1

    assert report_terms_reindex(batch_size=1) == 1
    assert ReportTerm.objects.exclude(key_id="k2").count() == 0
    status = report_terms_status()
    assert (status.old_terms, status.reports_waiting) == (0, 0)

    settings.BLIND_INDEX_KEYS = ONLY_NEW  # the old key is gone
    assert found("lantern") == codes(before, after)
    assert found("@old.user") == codes(before)
    assert found("compass") == codes(before)


def test_without_reindexing_a_dropped_key_loses_its_reports(settings):
    """Why the command must run before the old key goes (and why the test above can fail)."""
    settings.BLIND_INDEX_KEYS = OLD_KEYS
    before = submitted(description="Placeholder lantern.").report
    settings.BLIND_INDEX_KEYS = ONLY_NEW
    assert found("lantern") == set()
    report_terms_reindex()
    assert found("lantern") == {before.tracking_code}


def test_the_command_checks_reindexes_in_batches_and_resumes(settings):
    settings.BLIND_INDEX_KEYS = OLD_KEYS
    filed = [submitted(description=f"Placeholder harbour {n}.").report for n in range(5)]
    settings.BLIND_INDEX_KEYS = NEW_KEYS

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reindex_report_terms", "--check", stdout=out)
    assert "5 reports not indexed under the newest key (k2)" in out.getvalue()

    stopped: list[int] = []

    def stop_after_two(done: int, total: int) -> None:
        stopped.append(done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        report_terms_reindex(batch_size=2, progress=stop_after_two)
    assert stopped == [2]
    assert report_terms_status().reports_waiting == 3  # the first batch was committed

    out = StringIO()
    call_command("reindex_report_terms", "--batch-size", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["indexed 2 of 3 reports", "indexed 3 of 3 reports"]
    assert lines[-1] == "indexed 3 reports; 0 search terms left under older keys"
    out = StringIO()
    call_command("reindex_report_terms", "--check", stdout=out)
    assert out.getvalue().startswith("0 search terms under older keys, 0 reports")
    assert found("harbour") == codes(*filed)


def test_a_full_run_rebuilds_every_report(settings):
    report = submitted(description="Placeholder meadow.").report
    ReportTerm.objects.filter(report=report).delete()  # as if normalising had changed
    assert found("meadow") == set()
    call_command("reindex_report_terms", stdout=StringIO())
    assert found("meadow") == set()  # already under the newest key: left alone
    out = StringIO()
    call_command("reindex_report_terms", "--full", stdout=out)
    assert "indexed 1 reports" in out.getvalue()
    assert found("meadow") == {report.tracking_code}


def test_a_term_written_under_an_old_key_after_indexing_is_picked_up(settings):
    settings.BLIND_INDEX_KEYS = NEW_KEYS
    report = submitted(description="Placeholder").report
    settings.BLIND_INDEX_KEYS = OLD_KEYS  # a process that has not seen the new key yet
    report_add_information(report=report, text="Placeholder orchard.")
    settings.BLIND_INDEX_KEYS = NEW_KEYS
    assert report_terms_status().old_terms > 0
    assert report_terms_reindex() == 1
    assert report_terms_status().old_terms == 0
    settings.BLIND_INDEX_KEYS = ONLY_NEW
    assert found("orchard") == {report.tracking_code}


@override_settings(DEMO_MODE=True)
def test_the_demo_seed_makes_reports_filed_before_search_searchable():
    report = submitted(description="Placeholder lighthouse.").report
    ReportTerm.objects.all().delete()
    Report.objects.update(terms_key_id="")  # as before this release
    assert found("lighthouse") == set()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "1 reports indexed for search" in out.getvalue()
    assert found("lighthouse") == {report.tracking_code}
    out = StringIO()
    call_command("seed_demo", stdout=out)  # again: nothing left to do
    assert "0 reports indexed for search" in out.getvalue()


def test_a_report_and_its_terms_commit_or_roll_back_together():
    with pytest.raises(RuntimeError), transaction.atomic():
        submitted(description="Placeholder driftwood.")
        assert found("driftwood")
        raise RuntimeError
    assert not Report.objects.exists()
    assert not ReportTerm.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_report_and_its_terms_are_one_statement():
    if connection.vendor != "postgresql":
        pytest.skip("one statement for several rows on PostgreSQL only")
    with CaptureQueriesContext(connection) as queries:
        filed = submitted(description="Placeholder cormorant.").report
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    together = [sql for sql in inserts if 'INTO "reports_reportterm"' in sql]
    assert len(together) == 1
    assert 'INTO "reports_report" ' in together[0]
    assert found("cormorant") == {filed.tracking_code}
