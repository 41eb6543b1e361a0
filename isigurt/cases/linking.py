"""Keeping a case's blind-index terms current, and the links between cases that share
something (decision 0014).

    case_index(case)                  (re)write the case's terms and suggest links to other
                                      cases of its helpline that share a link, a username on
                                      the same platform, a phone number or an image
    case_link_confirm(link=, actor=)  the operator confirms a suggested link (LINKED)
    case_link_dismiss(link=, actor=)  ... or dismisses it (LINK_DISMISSED)
    linked_case_count(case)           how many other cases are linked or suggested (triage's
                                      "the same offender appears in other cases")
    case_links_for(viewer=, case=)    the links a case page shows

Indexing decrypts the one case it indexes (its summary, its reports' words, links, usernames
and phone numbers, its reporters' messages, its contacts' summaries and call-back numbers) and
nothing else: other cases are found by digest lookups in ``CaseTerm``. Terms are written under
the newest key; lookups match every configured key, so a rotation in progress finds both.

A link is suggested once per pair of cases. One the operator dismissed is suggested again only
when the two cases come to share something new: a kind of value they did not share, or more
values than when it was dismissed (the count is kept in the LINK_DISMISSED event's data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from isigurt.audit.services import audit_record
from isigurt.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLink,
    CaseTerm,
    LinkStatus,
    TermKind,
)
from isigurt.cases.permissions import case_changeable_by, case_fields_for
from isigurt.cases.timeline import case_event_record
from isigurt.helpline.models import Contact
from isigurt.lib import blind_index as bi
from isigurt.reports.models import ContactMethod, Evidence, Report, ReportMessage
from isigurt.reports.signals import report_added_to

# Kinds that suggest a link (words never do: two children both writing "school" are not one
# case). The order is the order people read them in.
LINK_KINDS: tuple[str, ...] = (TermKind.USERNAME, TermKind.PHONE, TermKind.URL, TermKind.IMAGE)
# A value more than this many other cases hold (a big site's help page, a scam number printed
# in the news) says nothing about these two: it is searchable, never a reason to link.
MAX_CASES_PER_VALUE = 50
# Words per case at most (a long thread is indexed on its first words).
MAX_CASE_WORDS = 2000
# PDQ hashes of flat or tiny pictures match each other; below this quality they are not used.
MIN_PDQ_QUALITY = 50
_LOOKUP_CHUNK = 400


@dataclass(frozen=True)
class Term:
    """A normalised value of a case; ``linkable`` when sharing it suggests a link."""

    kind: str
    value: str
    linkable: bool = False


@dataclass
class IndexResult:
    terms: int = 0  # rows the case now has
    added: int = 0
    removed: int = 0
    suggested: list[CaseLink] = field(default_factory=list)  # links suggested (or again)


# --- what a case holds ----------------------------------------------------------------------


class _Terms:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], bool] = {}
        self.word_count = 0

    def add(self, kind: str, value: str, *, linkable: bool = False) -> None:
        if not value:
            return
        key = (kind, value)
        self.found[key] = self.found.get(key, False) or linkable

    def text(self, text: str) -> None:
        """The words of a free text, and the links, numbers and @names written in it."""
        if not text:
            return
        for word in bi.words(text):
            if self.word_count >= MAX_CASE_WORDS:
                break
            if (TermKind.WORD, word) not in self.found:
                self.word_count += 1
                self.add(TermKind.WORD, word)
        for url in bi.urls_in(text):
            self.url(url)
        for phone in bi.phones_in(text):
            self.add(TermKind.PHONE, phone, linkable=True)
        for mention in bi.mentions_in(text):
            self.add(TermKind.USERNAME, mention)

    def url(self, raw: str) -> None:
        url = bi.normalise_url(raw)
        self.add(TermKind.URL, url, linkable=not bi.url_is_bare_platform(url))
        self.username(bi.username_from_url(url))

    def username(self, raw: str, platform: str = "") -> None:
        name = bi.normalise_username(raw, platform)
        self.add(TermKind.USERNAME, name, linkable=True)
        self.add(TermKind.USERNAME, bi.any_platform(name))

    def terms(self) -> set[Term]:
        return {Term(kind, value, linkable) for (kind, value), linkable in self.found.items()}


def case_terms(case: Case) -> set[Term]:
    """Every normalised value of ``case`` (decrypts this case's rows only)."""
    found = _Terms()
    found.text(case.summary or "")
    reports = list(
        Report.objects.filter(case_origin__case=case).only(
            "id",
            "platform",
            "urls",
            "usernames",
            "phone_numbers",
            "description",
            "contact_method",
            "contact_value",
        )
    )
    for report in reports:
        found.text(report.description or "")
        for url in report.urls or []:
            found.url(str(url))
        for name in report.usernames or []:
            found.username(str(name), report.platform)
        for phone in report.phone_numbers or []:
            found.add(TermKind.PHONE, bi.normalise_phone(str(phone)), linkable=True)
        if report.contact_method == ContactMethod.PHONE and report.contact_value:
            found.add(TermKind.PHONE, bi.normalise_phone(report.contact_value), linkable=True)
    if reports:
        for message in ReportMessage.objects.filter(report__in=reports, from_helpline=False).only(
            "id", "body"
        ):
            found.text(message.body or "")
        for sha256, pdq, quality in Evidence.objects.filter(report__in=reports).values_list(
            "sha256", "pdq_hash", "pdq_quality"
        ):
            found.add(TermKind.IMAGE, f"sha256:{sha256.lower()}" if sha256 else "", linkable=True)
            if pdq and (quality is None or quality >= MIN_PDQ_QUALITY):
                found.add(TermKind.IMAGE, f"pdq:{pdq.lower()}", linkable=True)
    for contact in Contact.objects.filter(case_origin__case=case).only(
        "id", "summary", "caller_phone"
    ):
        found.text(contact.summary or "")
        found.add(TermKind.PHONE, bi.normalise_phone(contact.caller_phone or ""), linkable=True)
    return found.terms()


# --- indexing --------------------------------------------------------------------------------


def case_index(case: Case, *, suggest: bool = True) -> IndexResult:
    """Rewrite ``case``'s terms under the newest key and, with ``suggest``, suggest links to
    the cases of its helpline that share a linkable value. Call it after a case is opened,
    after its summary changes, and after its origins change (the reports app's
    ``report_added_to`` does it for messages and pictures). Runs in the caller's transaction
    when there is one."""
    terms = case_terms(case)
    result = IndexResult()
    with transaction.atomic():
        wanted: dict[tuple[str, str, str], Term] = {}
        for term in terms:
            key_id, digest = bi.term_digest(term.kind, term.value)
            wanted[(term.kind, key_id, digest)] = term
        stale: list[int] = []
        have: set[tuple[str, str, str]] = set()
        for row_id, kind, key_id, digest in CaseTerm.objects.filter(case=case).values_list(
            "id", "kind", "key_id", "digest"
        ):
            if (kind, key_id, digest) in wanted:
                have.add((kind, key_id, digest))
            else:
                stale.append(row_id)
        for start in range(0, len(stale), _LOOKUP_CHUNK):
            CaseTerm.objects.filter(pk__in=stale[start : start + _LOOKUP_CHUNK]).delete()
        missing = [
            CaseTerm(case=case, kind=kind, key_id=key_id, digest=digest)
            for (kind, key_id, digest) in wanted
            if (kind, key_id, digest) not in have
        ]
        CaseTerm.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
        result.terms, result.added, result.removed = len(wanted), len(missing), len(stale)
        if suggest:
            result.suggested = _suggest_links(case, [t for t in terms if t.linkable])
    return result


def _other_cases_sharing(case: Case, linkable: list[Term]) -> dict[Any, set[Term]]:
    """The other cases of the helpline holding one of ``linkable``, with what they share."""
    by_lookup: dict[tuple[str, str, str], Term] = {}
    for term in linkable:
        for key_id, digest in bi.term_lookups(term.kind, term.value):
            by_lookup[(term.kind, key_id, digest)] = term
    digests = sorted({digest for (_kind, _key, digest) in by_lookup})
    holders: dict[Term, set[Any]] = defaultdict(set)
    for start in range(0, len(digests), _LOOKUP_CHUNK):
        rows = (
            CaseTerm.objects.filter(
                digest__in=digests[start : start + _LOOKUP_CHUNK], kind__in=LINK_KINDS
            )
            .filter(case__organisation_id=case.organisation_id)
            .exclude(case_id=case.pk)
            .values_list("case_id", "kind", "key_id", "digest")
        )
        for case_id, kind, key_id, digest in rows:
            found = by_lookup.get((kind, key_id, digest))
            if found is not None:
                holders[found].add(case_id)
    sharing: dict[Any, set[Term]] = defaultdict(set)
    for term, case_ids in holders.items():
        if len(case_ids) > MAX_CASES_PER_VALUE:
            continue
        for case_id in case_ids:
            sharing[case_id].add(term)
    return sharing


def _kinds(terms: Iterable[Term] | Iterable[str]) -> list[str]:
    names = {t.kind if isinstance(t, Term) else t for t in terms}
    return [kind for kind in LINK_KINDS if kind in names]


def _pair(a: Any, b: Any) -> tuple[Any, Any]:
    return (a, b) if a < b else (b, a)


def shared_value_count(first_id: Any, second_id: Any) -> int:
    """How many indexed values of a linkable kind two cases have in common (digest equality:
    both sides must be under the same key, which re-indexing brings about)."""
    mine = CaseTerm.objects.filter(case_id=first_id, kind__in=LINK_KINDS).values_list(
        "kind", "digest"
    )
    theirs = CaseTerm.objects.filter(case_id=second_id, kind__in=LINK_KINDS).values_list(
        "kind", "digest"
    )
    return len(set(mine) & set(theirs))


def _dismissed_with(case: Case, link: CaseLink) -> tuple[set[str], int]:
    """What the two cases shared when ``link`` was last dismissed (kinds, value count)."""
    link_id = str(link.pk)
    for data in (
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.LINK_DISMISSED)
        .order_by("-at")
        .values_list("data", flat=True)
    ):
        if isinstance(data, dict) and data.get("link") == link_id:
            return set(data.get("shared") or []), int(data.get("values") or 0)
    return set(link.shared or []), 0


def _link_events(
    link: CaseLink, kind: str, *, actor: Any, codes: dict[Any, str], **data: Any
) -> None:
    for this, other in ((link.first_id, link.second_id), (link.second_id, link.first_id)):
        case_event_record(
            case=Case(pk=this),
            kind=kind,
            actor=actor,
            data={
                "link": str(link.pk),
                "other": str(other),
                "other_code": codes.get(other, ""),
                "shared": list(link.shared),
                **data,
            },
        )


def _suggest_links(case: Case, linkable: list[Term]) -> list[CaseLink]:
    if not linkable:
        return []
    sharing = _other_cases_sharing(case, linkable)
    if not sharing:
        return []
    existing = {
        (link.first_id, link.second_id): link
        for link in CaseLink.objects.filter(
            Q(first=case, second_id__in=list(sharing)) | Q(second=case, first_id__in=list(sharing))
        )
    }
    codes = dict(Case.objects.filter(pk__in=[case.pk, *sharing]).values_list("pk", "code"))
    suggested: list[CaseLink] = []
    for other_id, shared in sorted(sharing.items(), key=lambda item: str(item[0])):
        kinds = _kinds(shared)
        first_id, second_id = _pair(case.pk, other_id)
        link = existing.get((first_id, second_id))
        if link is None:
            link = _link_create(first_id, second_id, kinds)
            if link is not None:
                _link_events(link, CaseEventKind.LINK_SUGGESTED, actor=None, codes=codes)
                audit_record(
                    actor=None, action="case_link.suggested", target=link, fields=["shared"]
                )
                suggested.append(link)
                continue
            link = CaseLink.objects.get(first_id=first_id, second_id=second_id)
        if _link_refresh(case, link, kinds, codes):
            suggested.append(link)
    return suggested


def _link_create(first_id: Any, second_id: Any, kinds: list[str]) -> CaseLink | None:
    """A new suggested link, or None when another transaction made it first."""
    try:
        with transaction.atomic():
            return CaseLink.objects.create(
                first_id=first_id, second_id=second_id, shared=kinds, status=LinkStatus.SUGGESTED
            )
    except IntegrityError:
        return None


def _link_refresh(case: Case, link: CaseLink, kinds: list[str], codes: dict[Any, str]) -> bool:
    """Bring an existing link up to date; True when a dismissed one is suggested again."""
    link = CaseLink.objects.select_for_update().get(pk=link.pk)
    union = _kinds([*link.shared, *kinds])
    if link.status != LinkStatus.DISMISSED:
        if union != list(link.shared):
            link.shared = union
            link.save(update_fields=["shared"])
            audit_record(
                actor=None, action="case_link.shared_changed", target=link, fields=["shared"]
            )
        return False
    dismissed_kinds, dismissed_values = _dismissed_with(case, link)
    new_kind = bool(set(kinds) - dismissed_kinds)
    more = shared_value_count(link.first_id, link.second_id) > dismissed_values
    if not (new_kind or more):
        return False
    link.shared = union
    link.status = LinkStatus.SUGGESTED
    link.decided_by = None
    link.decided_at = None
    link.save(update_fields=["shared", "status", "decided_by", "decided_at"])
    _link_events(link, CaseEventKind.LINK_SUGGESTED, actor=None, codes=codes, again=True)
    audit_record(actor=None, action="case_link.suggested", target=link, fields=["shared", "status"])
    return True


@receiver(report_added_to, dispatch_uid="cases-index-on-report-added-to")
def _report_added_to(sender: Any, report: Report, **kwargs: Any) -> None:
    """A reporter wrote again or sent pictures: the case holding the report is re-indexed
    (inside the reporter's transaction, so both commit or neither)."""
    case = Case.objects.filter(origins__report=report).first()
    if case is not None:
        case_index(case)


# --- the operator's decision ------------------------------------------------------------------


def _decide(*, link: CaseLink, actor: Any, status: str, kind: str, note: str, request: Any) -> bool:
    with transaction.atomic():
        link = (
            CaseLink.objects.select_for_update().select_related("first", "second").get(pk=link.pk)
        )
        if not (case_changeable_by(actor, link.first) and case_changeable_by(actor, link.second)):
            raise PermissionDenied
        if link.status == status:
            return False
        extra: dict[str, Any] = {}
        if status == LinkStatus.DISMISSED:
            extra["values"] = shared_value_count(link.first_id, link.second_id)
        link.status = status
        link.decided_by = actor
        link.decided_at = timezone.now()
        link.save(update_fields=["status", "decided_by", "decided_at"])
        codes = {link.first_id: link.first.code, link.second_id: link.second.code}
        for this, other in ((link.first, link.second), (link.second, link.first)):
            case_event_record(
                case=this,
                kind=kind,
                actor=actor,
                data={
                    "link": str(link.pk),
                    "other": str(other.pk),
                    "other_code": codes[other.pk],
                    "shared": list(link.shared),
                    **extra,
                },
                text=note,
            )
        audit_record(
            actor=actor,
            action=f"case_link.{status}",
            target=link,
            fields=["status", "decided_by", "decided_at"],
            request=request,
        )
    return True


def case_link_confirm(*, link: CaseLink, actor: Any, note: str = "", request: Any = None) -> bool:
    """The two cases are about the same person or content: LINKED on both timelines.
    False when it was already confirmed. Raises PermissionDenied unless the actor may change
    both cases."""
    return _decide(
        link=link,
        actor=actor,
        status=LinkStatus.CONFIRMED,
        kind=CaseEventKind.LINKED,
        note=note,
        request=request,
    )


def case_link_dismiss(*, link: CaseLink, actor: Any, note: str = "", request: Any = None) -> bool:
    """The two cases are not related: LINK_DISMISSED on both timelines, with how many values
    they shared (a later index suggests it again only if they come to share more)."""
    return _decide(
        link=link,
        actor=actor,
        status=LinkStatus.DISMISSED,
        kind=CaseEventKind.LINK_DISMISSED,
        note=note,
        request=request,
    )


# --- reading ------------------------------------------------------------------------------------


def _links_of(case: Case) -> Any:
    return CaseLink.objects.filter(Q(first=case) | Q(second=case))


def linked_case_count(case: Case) -> int:
    """How many other cases are linked to ``case`` or suggested as linked (not dismissed):
    for triage's "the same offender appears in other cases". Call case_index first."""
    return _links_of(case).exclude(status=LinkStatus.DISMISSED).count()


@dataclass(frozen=True)
class LinkRow:
    link: CaseLink
    other: Case
    shared_labels: list[str]

    @property
    def suggested(self) -> bool:
        return self.link.status == LinkStatus.SUGGESTED


@dataclass(frozen=True)
class CaseLinks:
    """What the case page's links section shows; ``shown`` is False for a viewer who may not
    read the case's links (an institution)."""

    shown: bool
    changeable: bool = False
    rows: list[LinkRow] = field(default_factory=list)
    merged_into: Case | None = None
    merged_from: list[Case] = field(default_factory=list)


def case_links_for(*, viewer: Any, case: Case) -> CaseLinks:
    """The suggested and confirmed links of ``case`` for its page (dismissed ones stay in the
    timeline), with the other case and what the two share by kind (never the value), and
    where the case was merged to or from. Three queries."""
    if "links" not in case_fields_for(viewer, case):
        return CaseLinks(shown=False)
    labels = dict(TermKind.choices)
    rows = []
    for link in (
        _links_of(case)
        .exclude(status=LinkStatus.DISMISSED)
        .select_related("first", "second")
        .order_by("status", "-created_at")
    ):
        other = link.second if link.first_id == case.pk else link.first
        rows.append(LinkRow(link, other, [str(labels[kind]) for kind in _kinds(link.shared)]))
    merged_into = (
        Case.objects.only("id", "code").filter(pk=case.merged_into_id).first()
        if case.merged_into_id
        else None
    )
    return CaseLinks(
        shown=True,
        changeable=case_changeable_by(viewer, case),
        rows=rows,
        merged_into=merged_into,
        merged_from=list(case.merged_cases.only("id", "code").order_by("created_at")),
    )
