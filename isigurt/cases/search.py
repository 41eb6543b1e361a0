"""Finding cases by what people type: a case number, a report's tracking code, or words,
links, usernames and phone numbers looked up in the keyed blind indexes (decision 0014), never
by decrypting rows.

    cases_matching(cases, text)   the cases of ``cases`` that ``text`` finds

What the text may be:
- a case number ("C7KQM4TZP", any case, spaces and dashes ignored) or a report's tracking
  code ("K7QM-4TZP"): the case with that number, or the case holding that report (looked up
  first, by one query; when nothing has that code, the text is searched as words);
- otherwise words, every one of which must be found (AND), each as a whole word, accents
  and case ignored ("shkolle" finds "shkollë"); common words and words under three letters
  are ignored. A part that looks like a link ("instagram.com/ana.k"), a username ("@ana.k",
  "tiktok:ana.k") or a phone number ("069 123 4567") also finds the cases holding that
  link, username (on any platform for "@name", and for a bare name too: people type it
  without the "@") or number, as an alternative to its words.

The result is a lazy queryset (one query when evaluated; a text shaped like a code costs one
more, made at once). Each condition is one index lookup (``CaseTerm`` by digest, under every
configured key), so the cost follows the number of matching cases, not the size of the table;
it runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from isigurt.cases.models import Case, CaseOrigin, CaseTerm, TermKind
from isigurt.lib import blind_index as bi
from isigurt.reports.services import CODE_ALPHABET, normalise_code

MAX_QUERY = 200  # characters of a query that are read
MAX_CONDITIONS = 12  # words and values of a query at most (each is one index lookup)
MAX_CODE_HITS = 10  # a code names one case (a report's code, the case it was merged into...)
CASE_CODE_LENGTH = 9  # "C" and eight characters of the tracking-code alphabet
_CASE_CODE_RE = re.compile(rf"^C[{CODE_ALPHABET}]{{8}}$")
# A phone number as people write it: digits in groups, perhaps with + or 00 and brackets.
_PHONE_RUN_RE = re.compile(r"(?<![\w@/.])(?:\+|00)?\(?\d[\d ()\-]{5,22}\d(?![\w/])")
_URL_LIKE_RE = re.compile(
    r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/?#:].*)?$", re.IGNORECASE
)
_PLATFORM_NAME_RE = re.compile(r"^[A-Za-z][\w.-]{0,40}:@?[^\s:/]+$")


def _term(kind: str, value: str) -> Q | None:
    """The cases holding ``value`` of ``kind`` under any configured key."""
    if not value:
        return None
    match = Q()
    for key_id, digest in bi.term_lookups(kind, value):
        match |= Q(digest=digest, key_id=key_id)
    return Q(pk__in=CaseTerm.objects.filter(match, kind=kind).values("case_id"))


def _all_of(conditions: list[Q]) -> Q | None:
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _any_of(conditions: list[Q | None]) -> Q | None:
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined |= condition
    return combined


def _words(text: str) -> Q | None:
    return _all_of([q for q in (_term(TermKind.WORD, word) for word in bi.words(text)) if q])


def _token(token: str) -> Q | None:
    """One space-separated part of a query: its words, or the value it looks like."""
    alternatives: list[Q | None] = [_words(token)]
    bare = token.strip(".,;!?()[]{}\"'")
    if bare.startswith("@"):
        alternatives.append(_term(TermKind.USERNAME, bi.any_platform(bare)))
    elif _PLATFORM_NAME_RE.match(bare) and not re.match(r"^https?:", bare, re.IGNORECASE):
        alternatives.append(_term(TermKind.USERNAME, bi.normalise_username(bare)))
    elif _URL_LIKE_RE.match(bare):
        url = bi.normalise_url(bare)
        alternatives.append(_term(TermKind.URL, url))
        profile = bi.username_from_url(url)
        alternatives.append(_term(TermKind.USERNAME, profile))
        if bi.could_be_username(bare):  # "ana.k" may be a site or a username without its "@"
            alternatives.append(_term(TermKind.USERNAME, bi.any_platform("@" + bare)))
    elif bi.could_be_username(bare) and bi.words(bare):
        # Operators type a username without its "@" as often as with it.
        alternatives.append(_term(TermKind.USERNAME, bi.any_platform("@" + bare)))
    return _any_of(alternatives)


def _phone(run: str) -> Q | None:
    digits = sum(ch.isdigit() for ch in run)
    phone = bi.normalise_phone(run) if digits >= 7 else ""
    return _any_of([_words(run), _term(TermKind.PHONE, phone)])


def _codes(text: str) -> Q | None:
    compact = re.sub(r"[\s\-]", "", text).upper()
    alternatives: list[Q | None] = []
    if _CASE_CODE_RE.match(compact):
        alternatives.append(Q(code=compact))
    tracking = normalise_code(text, length=8)
    if tracking is not None:
        origins = CaseOrigin.objects.filter(report__tracking_code=tracking).values("case_id")
        alternatives.append(Q(pk__in=origins))
    return _any_of(alternatives)


def cases_matching(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """The cases of ``cases`` that ``text`` finds (see the module's docstring); none for a
    text that holds nothing to look for. Only filters: the caller orders and paginates."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return cases.none()
    code = _codes(text)
    if code is not None:
        # A number or a tracking code names one case: look it up first (one index lookup), so
        # that the word search below is planned on its own, never OR-ed with it.
        named = list(cases.filter(code).values_list("pk", flat=True)[:MAX_CODE_HITS])
        if named:
            return cases.filter(pk__in=named)
    conditions: list[Q] = []
    rest = text
    for match in _PHONE_RUN_RE.finditer(text):
        if sum(ch.isdigit() for ch in match.group()) >= 7:
            condition = _phone(match.group())
            if condition is not None:
                conditions.append(condition)
            rest = rest.replace(match.group(), " ", 1)
    for token in rest.split():
        condition = _token(token)
        if condition is not None:
            conditions.append(condition)
    words = _all_of(conditions[:MAX_CONDITIONS])
    if words is None:
        return cases.none()
    return cases.filter(words)
