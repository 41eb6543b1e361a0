"""Shared fixtures: one persona per role (isigurt/accounts/tests/personas.py); browsers
(isigurt/lib/testing/browser.py)."""

pytest_plugins = [
    "isigurt.accounts.tests.personas",
    # Chromium through Playwright against the live server (browser tests)
    "isigurt.lib.testing.browser",
]
