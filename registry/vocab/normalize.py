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


class _CombiningMarks(dict):
    """A `str.translate` table deleting combining characters, filled as characters are met: one
    `unicodedata.combining` call per distinct character, then C-speed lookups (a Python loop per
    character of every label was most of the index build's folding time)."""

    def __missing__(self, cp: int) -> int | None:
        value = None if unicodedata.combining(chr(cp)) else cp
        self[cp] = value
        return value


_COMBINING = _CombiningMarks()


def fold(text: str) -> str:
    if text.isascii():
        return _SEPARATORS.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = decomposed.translate(_COMBINING)
    folded = stripped.casefold().translate(_EXTRA)
    return _SEPARATORS.sub(" ", folded).strip()


def word_starts(folded: str) -> list[int]:
    """Offsets (> 0) in a folded label where a word other than the first begins."""
    return [i + 1 for i, ch in enumerate(folded) if ch == " " and i + 1 < len(folded)]


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text)
