"""Screening of SPARQL text embedded in shapes (sh:select, sh:ask, sh:construct, sh:update, prefixes).

The registry runs SHACL-SPARQL constraints but must never let them reach the network or write:
pyoxigraph executes ``SERVICE`` (any case, ``SERVICE SILENT`` too) and rdflib's engine can be asked
to. A regex on the raw text is not enough (pySHACL's own ban is bypassed by ``\\u`` escapes):

* SPARQL 1.1 §19.2 (https://www.w3.org/TR/sparql11-query/#codepointEscape) says ``\\uXXXX`` and
  ``\\UXXXXXXXX`` escapes are decoded *before* the query is parsed, so ``SERV\\u0049CE`` is the keyword
  ``SERVICE``. A shapes parser (Turtle) may or may not already have decoded them: we look at the text
  as given and at every decoding stage of it.
* Comments (SPARQL §19.4 ``#`` to end of line) are removed only outside IRIREFs and string literals,
  with the lexical rules of §19.8, so a ``#`` inside ``<http://x#>`` cannot hide what follows; string
  literal contents are data, so ``"service desk"`` is not a keyword.
  If the text cannot be tokenised unambiguously (unterminated string or IRI), nothing is stripped.
* Belt and braces: a ``SERVICE`` that *looks like a service clause* (followed by ``SILENT``, an IRI,
  a variable or a prefixed name) is refused even inside a comment or a string.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_NOT_NAME_BEFORE = r"(?<![\w?$:\-.])"
_NOT_NAME_AFTER = r"(?![\w:\-])"
_SERVICE = re.compile(_NOT_NAME_BEFORE + r"service" + _NOT_NAME_AFTER, re.IGNORECASE | re.ASCII)
_SERVICE_CLAUSE = re.compile(
    _NOT_NAME_BEFORE + r"service(?:\s|#[^\n\r]*)*(?:silent\b|<|[?$]|[A-Za-z_][\w.\-]*:|:)", re.IGNORECASE | re.ASCII
)
#: SPARQL 1.1 Update operations (SPARQL Update §3); none of them may appear in shapes.
UPDATE_KEYWORDS = ("LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING")
_UPDATE = re.compile(
    _NOT_NAME_BEFORE + r"(" + "|".join(UPDATE_KEYWORDS) + r")" + _NOT_NAME_AFTER, re.IGNORECASE | re.ASCII
)
_MAX_DECODE_ROUNDS = 8


def _decode_once(text: str) -> str:
    def repl(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF:
            return m.group(0)
        return chr(code)

    return _ESCAPE.sub(repl, text)


def decoding_stages(text: str) -> list[str]:
    """``text`` and each successive decoding of its ``\\u``/``\\U`` escapes, until nothing changes."""
    stages = [text]
    for _ in range(_MAX_DECODE_ROUNDS):
        nxt = _decode_once(stages[-1])
        if nxt == stages[-1]:
            break
        stages.append(nxt)
    return stages


def strip_comments(text: str) -> str | None:
    """``text`` with SPARQL comments replaced by a space and string literals by ``""``; IRIREFs kept.

    Returns None when the text cannot be tokenised unambiguously (an unterminated string)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            m = _IRIREF.match(text, i)
            if m:
                out.append(m.group(0))
                i = m.end()
                continue
            out.append(c)
            i += 1
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while True:
                if j >= n:
                    return None
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    j += len(quote)
                    break
                if len(quote) == 1 and text[j] in "\n\r":
                    return None  # STRING_LITERAL1/2 cannot span lines
                j += 1
            out.append('""')  # string contents are data, not keywords
            i = j
        elif c == "#":
            while i < n and text[i] not in "\n\r":
                i += 1
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _views(text: str) -> list[tuple[str, str]]:
    """(raw, code) pairs: each decoding stage and that stage with comments stripped."""
    views = []
    for stage in decoding_stages(text):
        code = strip_comments(stage)
        views.append((stage, stage if code is None else code))
    return views


def mentions_service(text: str) -> bool:
    """True if the SPARQL text uses (or could be read as using) the ``SERVICE`` keyword."""
    for raw, code in _views(text):
        if _SERVICE.search(code) or _SERVICE_CLAUSE.search(raw):
            return True
    return False


def update_keywords(text: str) -> set[str]:
    """SPARQL Update keywords used as keywords (outside comments) in the text, upper-cased."""
    found: set[str] = set()
    for _raw, code in _views(text):
        found.update(m.group(1).upper() for m in _UPDATE.finditer(code))
    return found


_PN_PREFIX = re.compile(r"^(?:[A-Za-z\u00C0-\uFFFF](?:[\w.\-\u00B7\u00C0-\uFFFF]*[\w\-\u00B7\u00C0-\uFFFF])?)?$")
_IRI_CHARS = re.compile(r'^[^<>"{}|^`\\\x00-\x20]+$')


def valid_prefix(prefix: str) -> bool:
    """SPARQL ``PN_PREFIX`` (§19.8), after escape decoding; sh:prefix is pasted into ``PREFIX p:``."""
    return all(_PN_PREFIX.match(s) for s in decoding_stages(prefix))


def valid_namespace(namespace: str) -> bool:
    """An IRI that can be pasted between ``<`` and ``>`` without ending the IRIREF (§19.8)."""
    return all(_IRI_CHARS.match(s) for s in decoding_stages(namespace))
