"""Keeping a case's blind-index terms current and suggesting links to other cases.

case_index(case)    (re)write the case's terms from its summary and its origins' reports
                    and contacts, and record link suggestions for cases sharing a term
"""

from __future__ import annotations

from isigurt.cases.models import Case


def case_index(case: Case) -> None:
    """Re-index ``case`` and suggest links (filled in with the blind index)."""
    del case
