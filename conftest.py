"""Shared fixtures: one persona per role (see isigurt/accounts/tests/personas.py).

Tests speak the source language, English: `reverse()` gives `/en/...` paths and pages answer in
English. Albanian is tested explicitly (`translation.override("sq")` or Albanian paths).
"""

from collections.abc import Iterator

import pytest
from django.utils import translation

from isigurt.geography.selectors import reference_lookup_clear

pytest_plugins = [
    "isigurt.accounts.tests.personas",
    # Chromium through Playwright against the live server (browser tests)
    "isigurt.lib.testing.browser",
]


@pytest.fixture(autouse=True)
def _tests_speak_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_reference_lookup() -> Iterator[None]:
    """The in-memory geography lookup must not carry rows from a rolled-back test."""
    reference_lookup_clear()
    yield
    reference_lookup_clear()
