"""Test data for helpline contacts: neutral placeholders only."""

from typing import Any

from isigurt.helpline.models import Contact
from isigurt.helpline.services import contact_log
from isigurt.helpline.validation import ContactDraft


def contact_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "channel": "call",
        "caller": "child",
        "age_band": "13_15",
        "gender": "female",
        "issues": ["online.cyberbullying"],
        "actions": ["counselling"],
        "duration_seconds": 300,
        "summary": "Placeholder summary.",
    }
    values.update(overrides)
    return values


def contact_draft(**overrides: Any) -> ContactDraft:
    return ContactDraft.model_validate(contact_data(**overrides))


def logged(actor: Any, **overrides: Any) -> Contact:
    return contact_log(draft=contact_draft(**overrides), actor=actor)
