"""Finding cases by what people type: a case number, or words, links, usernames and phone
numbers looked up in the keyed blind indexes (decision 0014), never by decrypting rows."""

from __future__ import annotations

from django.db.models import QuerySet

from isigurt.cases.models import Case


def cases_matching(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """The cases of ``cases`` that ``text`` finds (a case number for now)."""
    code = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return cases.filter(code=code)
