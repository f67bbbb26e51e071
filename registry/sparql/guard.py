"""A cheap lexical guard run on every query before any engine sees it.

The guard never parses SPARQL: it scans tokens (skipping strings, IRIs and comments) to find

* the query form (SELECT, ASK, CONSTRUCT, DESCRIBE), so the response format can be negotiated
  before execution;
* the maximum nesting depth of `(`, `{` and `[` — deep nesting overflows the engine's stack and
  kills the process (FACTS: ~5,000 levels; the guard's default limit is far below);
* the keywords the registry refuses: SERVICE (pyoxigraph executes it, with real HTTP requests
  and no timeout) and every SPARQL Update keyword (LOAD fetches URLs).

SPARQL 1.1 section 19.2 lets a query spell any character as `\\uXXXX` / `\\UXXXXXXXX`. Oxigraph
only honours those escapes inside strings, other engines (rdflib) before parsing. The guard scans
both the text as sent and the text with escapes expanded, and refuses a forbidden keyword found
in either, so `SERV\\u0049CE` is refused whichever way an engine reads it.

The engine is still the judge of syntax: a query the guard accepts may fail to parse (400 with
the parser's message), and the worker process that runs it is the last line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.errors import Forbidden, RegistryError


class QueryRefused(RegistryError):
    status = 400
    code = "query-refused"
    title = "Query refused"


class UpdateRefused(Forbidden):
    code = "update-refused"
    title = "Updates are not accepted"


FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
FORBIDDEN_KEYWORDS = frozenset({"SERVICE"}) | UPDATE_KEYWORDS

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# IRIREF from the SPARQL grammar: anything but <>"{}|^`\ and controls/space.
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_NAME_CHARS = re.compile(r"[^\s(){}\[\],;.<>\"'#=!&|+*/^]+")


@dataclass(frozen=True)
class GuardLimits:
    max_length: int = 256 * 1024
    max_depth: int = 64


@dataclass(frozen=True)
class CheckedQuery:
    text: str
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    depth: int
    has_dataset: bool = False  # FROM / FROM NAMED in the query

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def unescape_codepoints(text: str) -> str:
    def repl(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        try:
            return chr(code)
        except (ValueError, OverflowError):
            return "\ufffd"

    return _ESCAPE.sub(repl, text)


def scan(text: str) -> tuple[list[str], int]:
    """Return the bare keywords (upper-cased, in order) and the maximum bracket depth.

    Strings, IRIs, comments, variables and prefixed names are skipped, so `?service`,
    `ex:service` or `"SERVICE"` are not keywords. The loop advances at least one character per
    step, so it is bounded by the text's length.
    """
    words: list[str] = []
    depth = max_depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            if text.startswith(c * 3, i):
                end = _find_string_end(text, i + 3, c * 3)
            else:
                end = _find_string_end(text, i + 1, c)
            i = end
        elif c == "<":
            match = _IRIREF.match(text, i)
            i = match.end() if match else i + 1
        elif c in "({[":
            depth += 1
            max_depth = max(max_depth, depth)
            i += 1
        elif c in ")}]":
            depth -= 1
            i += 1
        elif c in "?$:":
            match = _NAME_CHARS.match(text, i + 1)
            i = match.end() if match else i + 1
        elif c.isalpha() or c == "_":
            match = _NAME_CHARS.match(text, i)
            token = match.group(0) if match else c
            i += len(token)
            if ":" in token:
                continue  # prefixed name (or blank node label), never a keyword
            if i < n and text[i] == ":":
                # `prefix:` followed by a separator: a prefixed name with an empty local part
                i += 1
                continue
            word = _WORD.match(token)
            if word and word.end() == len(token):
                words.append(token.upper())
        else:
            i += 1
    return words, max_depth


def _find_string_end(text: str, start: int, quote: str) -> int:
    i, n = start, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        if len(quote) == 1 and text[i] in "\r\n":
            return i  # unterminated short string: let the parser complain
        i += 1
    return n


def check_query(text: str, limits: GuardLimits = GuardLimits()) -> CheckedQuery:
    """Refuse what the registry never runs; return the query form. Raises `QueryRefused`."""
    if not text or not text.strip():
        raise QueryRefused("the query is empty", code="query-missing")
    if len(text) > limits.max_length:
        raise QueryRefused(
            f"the query is {len(text)} characters long; the limit is {limits.max_length}", code="query-too-long"
        )
    if "\x00" in text:
        raise QueryRefused("the query contains a NUL character", code="query-refused")
    words, depth = scan(text)
    expanded = unescape_codepoints(text)
    if expanded != text:
        more_words, more_depth = scan(expanded)
        words = words + more_words
        depth = max(depth, more_depth)
    if depth > limits.max_depth:
        raise QueryRefused(
            f"the query nests brackets {depth} levels deep; the limit is {limits.max_depth}", code="query-too-deep"
        )
    found = set(words)
    if "SERVICE" in found:
        raise QueryRefused(
            "federated queries (SERVICE) are not run by this endpoint; query the other endpoint directly",
            code="service-refused",
        )
    updates = found & UPDATE_KEYWORDS
    if updates:
        raise UpdateRefused(
            f"SPARQL Update ({', '.join(sorted(updates))}) is not accepted; this endpoint is read-only",
        )
    form = next((w for w in words if w in FORMS), None)
    if form is None:
        raise QueryRefused("no query form found (SELECT, ASK, CONSTRUCT or DESCRIBE)", code="query-syntax")
    return CheckedQuery(text=text, form=form, depth=depth, has_dataset="FROM" in found)
