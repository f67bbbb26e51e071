"""Folding of labels and search strings, so that "electron" finds "Électron" and "EELS" finds "eels".

`fold(text)`: Unicode NFKD (compatibility decomposition: ligatures, full-width forms), combining
marks dropped (accents), `str.casefold()` (ß → ss), a few letters NFKD leaves whole (œ, æ, ø, ł, đ)
spelled out, and every run of non-alphanumeric characters collapsed to one space. Labels and
queries go through the same function, so matching is a plain string comparison afterwards.
"""

from __future__ import annotations

import re
import unicodedata

_EXTRA = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


_combining: dict[int, None] | None = None


def _combining_marks() -> dict[int, None]:
    """A `str.translate` table deleting every combining character (built on first use: one pass
    over the code points, then folding a label is C-speed instead of a Python loop per character)."""
    global _combining
    if _combining is None:
        _combining = {cp: None for cp in range(0x110000) if unicodedata.combining(chr(cp))}
    return _combining


def fold(text: str) -> str:
    if text.isascii():
        return _SEPARATORS.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = decomposed.translate(_combining_marks())
    folded = stripped.casefold().translate(_EXTRA)
    return _SEPARATORS.sub(" ", folded).strip()


def word_starts(folded: str) -> list[int]:
    """Offsets (> 0) in a folded label where a word other than the first begins."""
    return [i + 1 for i, ch in enumerate(folded) if ch == " " and i + 1 < len(folded)]


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text)
