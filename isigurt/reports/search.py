"""Finding reports by what the helpline types, without decrypting a single row.

A report's narrative, links, usernames and phone numbers are encrypted field by field, so
they cannot be searched in the database. Instead each report carries search terms
(``ReportTerm``): keyed blind indexes (isigurt.lib.blind_index) of its normalised words, links,
usernames and phone numbers, and of the words of the reporter's messages. A search turns what
was typed into the same digests, under every configured key, and compares digests only.

Writing the terms
    report_terms_prepare(report)     the terms of a report about to be inserted, under the
                                     newest key; ``report_submit`` inserts them with the
                                     report, in the same statement on PostgreSQL
    report_message_indexed(...)      receiver of ``report_added_to``: the words of the
                                     reporter's new message or information, in the same
                                     transaction
    report_terms_reindex(...)        every report not yet indexed under the newest key, in
                                     batches (``manage.py reindex_report_terms``): backfill and
                                     key rotation
    report_terms_status()            how many terms are under older keys, how many reports wait

Reading
    search_parse(text)               what the helpline typed, as a tracking code and terms;
                                     SearchRefused with a message when it cannot be searched
    reports_matching(reports, query) the reports of ``reports`` the query finds
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from isigurt.lib.blind_index import (
    could_be_username,
    newest_key_id,
    normalise_phone,
    normalise_url,
    normalise_username,
    term_digest,
    term_lookups,
    words,
)
from isigurt.reports.models import (
    ContactMethod,
    Report,
    ReportMessage,
    ReportTerm,
    ReportTermKind,
)

# A search box holds a line, not a text.
MAX_QUERY_LENGTH = 200
# At most this many terms are looked up for one search (each is one indexed lookup).
MAX_QUERY_TERMS = 12
REINDEX_BATCH_SIZE = 500
TRACKING_CODE_LENGTH = 8
_CODE_ALPHABET = frozenset("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

# Links and @usernames written inside free text (a narrative, a message) are indexed too.
_TEXT_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TEXT_USERNAME_RE = re.compile(r"(?<![\w@/.])@[\w.]{2,64}", re.UNICODE)
_TRAILING = ".,;:!?)]}'\""
# What a typed link looks like: a scheme, "www.", or a host name with a dot and a
# top-level domain of two letters or more, then perhaps a port and a path.
_QUERY_URL_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?)$",
    re.IGNORECASE,
)
# What a typed phone number looks like: digits and the usual separators only.
_QUERY_PHONE_RE = re.compile(r"^\+?[\d\s().\-/]+$")
# "platform:name" (a username on a platform).
_QUERY_PLATFORM_NAME_RE = re.compile(r"^([^\s:@/]{1,100}):@?([^\s:/]{1,64})$")

Term = tuple[str, str]  # (ReportTermKind, normalised value)


# --- what a report is indexed by ----------------------------------------------------------


def _url_terms(raw: str) -> set[Term]:
    """A link, and its host alone (so a site finds every report about it)."""
    link = normalise_url(raw)
    if not link:
        return set()
    host = re.split(r"[/?]", link, maxsplit=1)[0]
    return {(ReportTermKind.URL, link), (ReportTermKind.URL, host)}


def _username_terms(raw: str, platform: str) -> set[Term]:
    """A username alone, and on its platform when the report names one."""
    terms: set[Term] = set()
    bare = normalise_username(raw)
    if bare:
        terms.add((ReportTermKind.USERNAME, bare))
        on_platform = normalise_username(raw, platform)
        if platform.strip() and on_platform:
            terms.add((ReportTermKind.USERNAME, on_platform))
    return terms


def _text_terms(text: str, platform: str = "") -> set[Term]:
    """The words of a free text, and the links and @usernames written in it."""
    terms: set[Term] = {(ReportTermKind.WORD, word) for word in words(text)}
    for match in _TEXT_URL_RE.finditer(text or ""):
        terms |= _url_terms(match.group().rstrip(_TRAILING))
    for match in _TEXT_USERNAME_RE.finditer(text or ""):
        terms |= _username_terms(match.group().rstrip(_TRAILING), platform)
    return terms


def report_own_terms(report: Report) -> set[Term]:
    """The normalised values a report is found by, from its own fields (decrypts them: only
    the indexer calls this, never a search)."""
    platform = report.platform or ""
    terms = _text_terms(report.description or "", platform)
    terms |= {(ReportTermKind.WORD, word) for word in words(platform)}
    for link in report.urls or []:
        terms |= _url_terms(str(link))
    for name in report.usernames or []:
        terms |= _username_terms(str(name), platform)
    numbers = [str(number) for number in report.phone_numbers or []]
    if report.contact_method == ContactMethod.PHONE and report.contact_value:
        numbers.append(report.contact_value)  # the reporter's own number, to call back
    for number in numbers:
        phone = normalise_phone(number)
        if phone:
            terms.add((ReportTermKind.PHONE, phone))
    return terms


def _rows(report_id: Any, terms: Iterable[Term]) -> list[ReportTerm]:
    rows = []
    for kind, value in sorted(set(terms)):
        key_id, digest = term_digest(kind, value)
        rows.append(ReportTerm(report_id=report_id, kind=kind, key_id=key_id, digest=digest))
    return rows


# --- writing ------------------------------------------------------------------------------


def report_terms_prepare(report: Report) -> list[ReportTerm]:
    """The search terms of a report about to be inserted, under the newest key; marks the
    report as indexed under that key (so no UPDATE follows the INSERT)."""
    report.terms_key_id = newest_key_id()
    return _rows(report.pk, report_own_terms(report))


def report_terms_store(rows: list[ReportTerm]) -> None:
    """Insert prepared terms (one statement), inside the caller's transaction."""
    if rows:
        ReportTerm.objects.bulk_create(rows, ignore_conflicts=True)


def report_message_indexed(
    sender: Any, *, report: Report, message: ReportMessage | None = None, **kwargs: Any
) -> None:
    """The reporter wrote (``report_added_to``, sent inside the transaction): index the
    words, links and usernames of what they wrote, under the newest key. Pictures (no
    message) add nothing to search."""
    if message is None or message.from_helpline:
        return
    report_terms_store(_rows(report.pk, _text_terms(message.body or "", report.platform or "")))


def _batch_terms(reports: list[Report]) -> list[ReportTerm]:
    by_report: dict[Any, set[Term]] = {report.pk: report_own_terms(report) for report in reports}
    messages = ReportMessage.objects.filter(
        report_id__in=list(by_report), from_helpline=False
    ).only("id", "report_id", "body")
    platforms = {report.pk: report.platform or "" for report in reports}
    for message in messages:
        by_report[message.report_id] |= _text_terms(
            message.body or "", platforms[message.report_id]
        )
    return [row for report_id, terms in by_report.items() for row in _rows(report_id, terms)]


def report_terms_reindex(
    *,
    batch_size: int = REINDEX_BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the terms of every report not indexed under the newest key, oldest rows first,
    one batch per transaction; returns how many reports were indexed.

    A batch's reports are locked while their terms are replaced (on PostgreSQL), so a message
    the reporter adds meanwhile waits and is indexed after. Stopping and running again goes on
    where it stopped: an indexed report is marked with its key. ``progress(done, total)`` is
    called after each batch.
    """
    newest = newest_key_id()
    pending = _pending(newest)
    total = pending.count()
    done = 0
    last_pk = None
    while True:
        with transaction.atomic():
            batch = pending.select_for_update().order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            reports = list(
                batch.only(
                    "id",
                    "platform",
                    "description",
                    "urls",
                    "usernames",
                    "phone_numbers",
                    "contact_method",
                    "contact_value",
                )[:batch_size]
            )
            if not reports:
                return done
            ids = [report.pk for report in reports]
            rows = _batch_terms(reports)
            ReportTerm.objects.filter(report_id__in=ids).delete()
            ReportTerm.objects.bulk_create(rows, batch_size=1000)
            Report.objects.filter(pk__in=ids).update(terms_key_id=newest)
        done += len(reports)
        last_pk = ids[-1]
        if progress is not None:
            progress(done, total)


def _pending(newest: str) -> QuerySet[Report]:
    """Reports not indexed under the newest key, or holding a term under an older one (written
    by a process that did not know the newest key yet, during a rotation)."""
    stale = ReportTerm.objects.exclude(key_id=newest).values("report_id")
    return Report.objects.filter(~Q(terms_key_id=newest) | Q(pk__in=stale))


def report_terms_forget_keys() -> int:
    """Mark every report as not indexed, so the next run rebuilds every report's terms (after
    a change in how values are normalised); returns how many reports were marked."""
    return Report.objects.exclude(terms_key_id="").update(terms_key_id="")


@dataclass(frozen=True)
class TermsStatus:
    newest_key: str
    old_terms: int  # terms written under a key other than the newest
    reports_waiting: int  # reports not (fully) indexed under the newest key


def report_terms_status() -> TermsStatus:
    newest = newest_key_id()
    return TermsStatus(
        newest_key=newest,
        old_terms=ReportTerm.objects.exclude(key_id=newest).count(),
        reports_waiting=_pending(newest).count(),
    )


# --- searching ----------------------------------------------------------------------------


class SearchRefused(ValueError):
    """What was typed cannot be searched; ``message`` says why, for the person."""

    def __init__(self, message: Any) -> None:
        super().__init__("search refused")
        self.message = message


@dataclass(frozen=True)
class ReportSearch:
    """A parsed search: a tracking code to try first, and the terms that must all match."""

    text: str
    code: str | None
    terms: tuple[Term, ...]
    # The terms to use when ``code`` finds no report (a word that happens to look like one).
    fallback: tuple[Term, ...] = ()


def _tracking_code(text: str) -> str | None:
    value = re.sub(r"[\s\-]", "", text).upper()
    if len(value) != TRACKING_CODE_LENGTH or not set(value) <= _CODE_ALPHABET:
        return None
    return value


def _token_terms(token: str) -> list[Term]:
    """One typed word: a @username, a platform:name, a link, or plain words."""
    if token.startswith("@"):
        name = normalise_username(token)
        return [(ReportTermKind.USERNAME, name)] if name else []
    if _QUERY_URL_RE.match(token):
        link = normalise_url(token)
        if link:
            return [(ReportTermKind.URL, link)]
    platform_name = _QUERY_PLATFORM_NAME_RE.match(token)
    if platform_name:
        name = normalise_username(platform_name.group(2), platform_name.group(1))
        if name:
            return [(ReportTermKind.USERNAME, name)]
    return [(ReportTermKind.WORD, word) for word in words(token)]


def search_parse(text: str) -> ReportSearch | None:
    """What the helpline typed, as a search; None for an empty box.

    A tracking code (with or without its dash, any case) finds that report. A phone number
    (digits and separators only, six digits or more) finds the reports naming it. Otherwise
    each word typed must match: a ``@username`` or ``platform:name``, a link, or a word of the
    narrative or of the reporter's messages (accents and case do not matter: "celes" finds
    "çelës"). Raises SearchRefused for a box with nothing searchable in it.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchRefused(
            _("Search for at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH}
        )
    code = _tracking_code(text)
    terms: list[Term] = []
    phone = normalise_phone(text) if _QUERY_PHONE_RE.match(text) else ""
    if phone:
        terms.append((ReportTermKind.PHONE, phone))
    else:
        for token in text.split(" "):
            for term in _token_terms(token):
                if term not in terms:
                    terms.append(term)
    if len(terms) > MAX_QUERY_TERMS:
        raise SearchRefused(
            _("Search for at most %(count)d words at a time.") % {"count": MAX_QUERY_TERMS}
        )
    if code is not None:
        return ReportSearch(text=text, code=code, terms=(), fallback=tuple(terms))
    if not terms:
        raise SearchRefused(
            _(
                "Type a tracking code, a word of at least 3 letters, a link, a @username "
                "or a phone number."
            )
        )
    return ReportSearch(text=text, code=None, terms=tuple(terms))


def _term_matches(kind: str, value: str) -> QuerySet[ReportTerm]:
    """The index rows holding (kind, value) under any configured key: digests only."""
    lookup = Q()
    for key_id, digest in term_lookups(kind, value):
        lookup |= Q(key_id=key_id, digest=digest)
    return ReportTerm.objects.filter(lookup, kind=kind)


def _with_terms(reports: QuerySet[Report], terms: Iterable[Term]) -> QuerySet[Report]:
    for kind, value in terms:
        found = Q(pk__in=_term_matches(kind, value).values("report_id"))
        if kind == ReportTermKind.WORD and could_be_username(value):
            # Operators type a username without its "@" as often as with it.
            name = normalise_username(value)
            found |= Q(pk__in=_term_matches(ReportTermKind.USERNAME, name).values("report_id"))
        reports = reports.filter(found)
    return reports


def reports_matching(reports: QuerySet[Report], query: ReportSearch) -> QuerySet[Report]:
    """The reports of ``reports`` that ``query`` finds; a tracking code that names one of
    them finds it alone. Compares digests and codes only: no row is decrypted."""
    if query.code is not None:
        by_code = reports.filter(tracking_code=query.code)
        if not query.fallback or by_code.exists():
            return by_code
        return _with_terms(reports, query.fallback)
    return _with_terms(reports, query.terms)
