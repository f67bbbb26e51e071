"""Findings: what a publish-time check reports.

A check never raises on bad input; it returns a list of :class:`Finding`. Any finding of severity
``"error"`` rejects the publication; warnings are returned to the publisher with the result.
Codes are stable identifiers that clients may match on; messages are for humans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem found in a publication.

    ``focus`` is the IRI (or ``_:id`` for a blank node) of the offending node, ``path`` the property
    involved and ``value`` the offending value, when they apply.
    """

    severity: Severity
    code: str
    message: str
    focus: str | None = None
    path: str | None = None
    value: str | None = None
    #: the same message in French, when the check has one (pages and answers are in fr and en)
    message_fr: str | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict; keys whose value is None are left out. With a French message,
        ``messages`` holds both languages (``{"en": ..., "fr": ...}``)."""
        out: dict = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.message_fr is not None:
            out["messages"] = {"en": self.message, "fr": self.message_fr}
        for key in ("focus", "path", "value"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        return out


def error(code: str, message: str, **kw: str | None) -> Finding:
    return Finding("error", code, message, **kw)


def warning(code: str, message: str, **kw: str | None) -> Finding:
    return Finding("warning", code, message, **kw)


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when at least one finding is an error (the publication must be rejected)."""
    return any(f.severity == "error" for f in findings)
