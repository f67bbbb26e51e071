"""Identifiers and versions accepted from users.

Ids end up in IRIs and paths, so they are restricted to a safe pattern: lower-case ASCII letters,
digits and inner hyphens. That excludes `..`, `%2e`, NUL, control, bidi and zero-width characters
by construction.
"""

from __future__ import annotations

import re
from functools import total_ordering

from registry.errors import InvalidInput

ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_ID = re.compile(ID_PATTERN)

# Semantic Versioning 2.0.0, section 9-10 grammar (the official regular expression, ASCII only).
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_SEMVER = re.compile(SEMVER_PATTERN, re.ASCII)


def check_id(value: str, what: str = "id") -> str:
    if not isinstance(value, str) or len(value) > 64 or not _ID.match(value):
        shown = value if isinstance(value, str) and len(value) <= 80 and value.isprintable() else repr(value)[:80]
        raise InvalidInput(
            f"invalid {what} {shown!s}: use 1-64 lower-case letters, digits and inner hyphens",
            code="invalid-id",
        )
    return value


@total_ordering
class SemVer:
    """A semantic version, ordered by the precedence rules of SemVer 2.0.0 section 11."""

    __slots__ = ("text", "major", "minor", "patch", "pre")

    def __init__(self, text: str):
        match = _SEMVER.match(text) if isinstance(text, str) and len(text) <= 64 else None
        if not match:
            raise InvalidInput(
                f"version {text!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)",
                code="invalid-version",
            )
        self.text = text
        self.major, self.minor, self.patch = (int(match.group(i)) for i in (1, 2, 3))
        self.pre = tuple(match.group(4).split(".")) if match.group(4) else ()

    def _key(self):
        # A pre-release has lower precedence than the release; identifiers compare numerically
        # when numeric, lexically otherwise, and numeric ones sort first (SemVer 11.4).
        pre_key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre_key)

    def __eq__(self, other):
        return isinstance(other, SemVer) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"SemVer({self.text!r})"
