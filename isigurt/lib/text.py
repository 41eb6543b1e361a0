"""Text helpers: folding names typed without Albanian letters; neutralising direction controls."""

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator


def fold(text: str) -> str:
    """Lower-case ASCII form: 'Kuçovë' and 'kucove' fold to the same string."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Unicode's bidirectional controls: embeddings, overrides and their end (U+202A-U+202E),
# isolates and their end (U+2066-U+2069), and the invisible direction marks. Any of them can make
# what staff read differ from what was typed ("Trojan Source", CVE-2021-42574).
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# What takes each control's place: plain ASCII, visible in any output (page, export, e-mail),
# and naming the character, so staff see where it was and which it was.
BIDI_MARKER_FORMAT = "[U+{code:04X}]"
BIDI_MARKER_PATTERN = re.compile(r"\[U\+(?:202[A-E]|206[6-9]|200[EF]|061C)\]")
_BIDI_TABLE = {ord(ch): BIDI_MARKER_FORMAT.format(code=ord(ch)) for ch in BIDI_CONTROLS}


@dataclass(frozen=True)
class BidiNeutralised:
    text: str  # the text with each control replaced by its marker
    count: int  # how many controls were replaced

    @property
    def changed(self) -> bool:
        return self.count > 0


def bidi_neutralise(text: str) -> BidiNeutralised:
    """Replace every bidirectional control with a visible marker such as "[U+202E]".

    For every free-text field a reporter or a partner writes, before it is stored: the stored
    text can no longer reorder itself on a staff screen, and the marker shows where a control
    was. `changed` says whether anything was replaced (worth a flag for staff).
    """
    count = sum(1 for ch in text if ch in BIDI_CONTROLS)
    if not count:
        return BidiNeutralised(text=text, count=0)
    return BidiNeutralised(text=text.translate(_BIDI_TABLE), count=count)


def _neutralised(text: str) -> str:
    return bidi_neutralise(text).text


# A free-text field of a typed input schema, direction controls neutralised as it is validated.
BidiSafeStr = Annotated[str, AfterValidator(_neutralised)]
