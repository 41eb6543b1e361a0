"""Personas: one user per role, each in its organisation. Filled in by the accounts work."""
