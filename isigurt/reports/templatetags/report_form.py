"""Small filters for the report pages."""

from typing import Any

from django import template

register = template.Library()

_ENDS_A_LABEL = ("?", ":", "!", ".", "…")


@register.filter
def summary_label(label: Any) -> str:
    """A field's label as the error summary starts a line with it: "County:", but a question
    keeps its own mark ("When did it happen?") and a label ending in ":" gets no second one."""
    text = str(label or "").strip()
    if not text:
        return ""
    return text if text.endswith(_ENDS_A_LABEL) else f"{text}:"
