"""Source strings are English: the English catalogue's text is its source, unless edited by hand.

Run by `make messages` after extraction, so that a new string needs only its Albanian text.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def fill(po_path: Path) -> int:
    catalogue = polib.pofile(str(po_path))
    filled = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                filled += 1
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
            filled += 1
        if "fuzzy" in entry.flags:
            # gettext's guess from a similar string: the source is the English text.
            entry.flags.remove("fuzzy")
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
    catalogue.save(str(po_path))
    return filled


def main() -> None:
    total = 0
    for po_path in sorted((ROOT / "locale" / "en" / "LC_MESSAGES").glob("*.po")):
        total += fill(po_path)
    sys.stdout.write(f"english catalogue: {total} entries filled from their source\n")


if __name__ == "__main__":
    main()
