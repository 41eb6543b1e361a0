"""Set-up that the browser tests share: a site with its reference data, and the axe check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# axe-core's impacts that fail a page.
BLOCKING = {"serious", "critical"}


def reference_geography() -> None:
    """The counties and municipalities, loaded again after a flush removed them."""
    from isigurt.geography.models import Municipality
    from isigurt.geography.services import geography_load

    if not Municipality.objects.exists():
        geography_load()


def site_ready(settings: Any, tmp_path: Path) -> None:
    """Evidence stored under the test's own folder, no cached limits, the reference geography."""
    from django.core.cache import cache

    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()
    reference_geography()


def assert_accessible(page: Any, label: str) -> None:
    """axe-core finds no serious or critical violation on the page (axe runs as a script)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    if problems:
        raise AssertionError(f"{label}: " + "; ".join(problems))
