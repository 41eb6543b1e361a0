"""Test helpers shared by the apps (fixtures for browsers and the like)."""
