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


_ASCII_SEPARATORS = re.compile("[^a-z0-9\x00]+")
_SEPARATORS_BUT_NUL = re.compile("(?:[^\\w\x00]|_)+")


def fold_all(texts: list[str]) -> list[str]:
    """`fold` of each of `texts`: the ASCII ones (most labels) lower-cased and separated in one
    pass over their text joined by NULs (a call per label was most of an index build's folding)."""
    out = [""] * len(texts)
    plain = [i for i, text in enumerate(texts) if text.isascii() and "\x00" not in text]
    if plain:
        pieces = _ASCII_SEPARATORS.sub(" ", "\x00".join([texts[i] for i in plain]).lower()).split("\x00")
        for i, piece in zip(plain, pieces):
            out[i] = piece.strip()
        del pieces
    if len(plain) < len(texts):
        done = set(plain)
        rest = [i for i in range(len(texts)) if i not in done]
        # the others, joined too: each step of `fold` maps characters one by one (NFKD does not
        # reorder across a NUL), so the text of each is what `fold` makes of it alone
        joined = "\x00".join([texts[i] for i in rest])
        if joined.count("\x00") != len(rest) - 1:  # a NUL inside a text: one by one
            for i in rest:
                out[i] = fold(texts[i])
            return out
        folded = unicodedata.normalize("NFKD", joined).translate(_COMBINING).casefold().translate(_EXTRA)
        for i, piece in zip(rest, _SEPARATORS_BUT_NUL.sub(" ", folded).split("\x00")):
            out[i] = piece.strip()
    return out


def word_starts(folded: str) -> list[int]:
    """Offsets (> 0) in a folded label where a word other than the first begins."""
    return [i + 1 for i, ch in enumerate(folded) if ch == " " and i + 1 < len(folded)]


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text)
