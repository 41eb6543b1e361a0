"""Shared fixtures: one persona per role (see isigurt/accounts/tests/personas.py)."""

pytest_plugins = ["isigurt.accounts.tests.personas"]
