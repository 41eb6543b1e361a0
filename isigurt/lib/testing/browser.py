"""Browser fixtures: Debian's Chromium through Playwright, against pytest-django's live server.

Use from a test module (or list "isigurt.lib.testing.browser" in ``pytest_plugins``)::

    pytestmark = pytest.mark.browser

    def test_it_does_something(page, live_server): ...

One browser is launched per test session; every test gets a fresh context (cookies, storage and
service workers do not leak between tests) sized like a phone (360 x 740). When /usr/bin/chromium
is missing the tests are skipped with a reason, unless ISIGURT_REQUIRE_BROWSER=true (CI): then
they fail.
No browser is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM_PATH = Path(os.environ.get("ISIGURT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
DEFAULT_TIMEOUT_MS = 10_000


def browser_required() -> bool:
    return os.environ.get("ISIGURT_REQUIRE_BROWSER", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM_PATH.exists():
        reason = f"Chromium not found at {CHROMIUM_PATH} (apt-get install -y chromium)"
        if browser_required():
            pytest.fail(reason + "; ISIGURT_REQUIRE_BROWSER=true", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests make
    # between page actions are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield launched
            finally:
                launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """A factory for extra contexts (JS off, bypass_csp, another locale); all closed afterwards."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"viewport": PHONE_VIEWPORT, "locale": "sq-AL"}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Any) -> BrowserContext:
    """A fresh phone-sized context with JavaScript on."""
    made: BrowserContext = new_context()
    return made


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
