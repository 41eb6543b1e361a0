"""Text helpers for names typed on phones without Albanian letters."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case ASCII form: 'Kuçovë' and 'kucove' fold to the same string."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
