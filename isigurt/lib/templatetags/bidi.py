"""`{{ text|bidi_marked }}`: a reporter's text for staff, with direction controls shown.

Controls still in the text (stored before they were neutralised on input) are replaced first,
so the filter is safe on any text; each marker is then highlighted with an explanation.
"""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from isigurt.lib.text import BIDI_MARKER_PATTERN, bidi_neutralise

register = template.Library()


@register.filter
def bidi_marked(value: object) -> SafeString:
    """Escaped text, each direction control shown as a highlighted marker (<mark>)."""
    text = bidi_neutralise(str(value)).text
    escaped = str(conditional_escape(text))  # markers are ASCII without & < > " ', unchanged
    title = gettext("A hidden text-direction control was here and has been removed.")

    def mark(match: re.Match[str]) -> str:
        return str(format_html('<mark class="bidi-control" title="{}">{}</mark>', title, match[0]))

    return mark_safe(BIDI_MARKER_PATTERN.sub(mark, escaped))  # noqa: S308 — escaped above
