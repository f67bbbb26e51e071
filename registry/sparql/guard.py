"""A cheap lexical guard run on every query before any engine sees it.

The guard never parses SPARQL: it scans tokens (skipping strings, IRIs and comments) to find

* the query form (SELECT, ASK, CONSTRUCT, DESCRIBE), so the response format can be negotiated
  before execution;
* the maximum nesting depth of `(`, `{` and `[` — deep nesting overflows the engine's stack and
  kills the process (pyoxigraph 0.5.13: a ~10 KB query of 5,000 nested `(` or `{` ends in SIGSEGV,
  not a Python exception; the guard's default limit is far below);
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
from typing import NoReturn

from registry.errors import Forbidden, RegistryError
from registry.lru import Lru


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
    cheap: bool = False  # one range scan: see `cheap_shape`
    limit: int | None = None  # the LIMIT of a cheap query
    has_base: bool = True  # a BASE keyword in the query (False: `with_absolute_bases` has nothing to do)

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


_NAME = r"""[^\s(){}\[\],;.<>"'#=!&|+*/^]*"""
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\n]*)",
            r'(?P<lstr>"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"{3}|\Z)' + r"|'{3}(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'{3}|\Z))",
            r'(?P<str>"(?:[^"\\\r\n]|\\[\s\S])*"?' + r"|'(?:[^'\\\r\n]|\\[\s\S])*'?)",
            r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
            r"(?P<open>[({\[])",
            r"(?P<close>[)}\]])",
            r"(?P<var>[?$]" + _NAME + ")",
            r"(?P<pname>:" + _NAME + ")",
            r"(?P<word>[^\W\d]" + _NAME + ")",
            r"(?P<num>\d+)",
            r"(?P<other>[\s\S])",
        ]
    )
)


def tokens(text: str) -> list[tuple[str, str]]:
    """The query's tokens as (kind, text), whitespace and comments left out.

    Kinds: lstr / str (strings, even unterminated ones: the parser will complain), iri, open,
    close, var, pname (`:x`, `ex:x`, `_:b`), word (a bare word: keyword, `a`, function name), num,
    other (one character). One compiled regex; every match consumes at least one character.
    """
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind == "ws" or kind == "comment":
            continue
        value = match.group()
        if kind == "word" and ":" in value:
            kind = "pname"  # prefixed name (or blank node label), never a keyword
        out.append((kind, value))
    return out


def scan(text: str) -> tuple[list[str], int]:
    """Return the bare keywords (upper-cased, in order) and the maximum bracket depth.

    Strings, IRIs, comments, variables and prefixed names are skipped, so `?service`,
    `ex:service` or `"SERVICE"` are not keywords.
    """
    words, depth, _ = _scan(text)
    return words, depth


def _scan(text: str) -> tuple[list[str], int, list[tuple[str, str]]]:
    toks = tokens(text)
    words: list[str] = []
    depth = max_depth = 0
    for kind, value in toks:
        if kind == "word":
            if _WORD.fullmatch(value):
                words.append(value.upper())
        elif kind == "open":
            depth += 1
            if depth > max_depth:
                max_depth = depth
        elif kind == "close":
            depth -= 1
    return words, max_depth, toks


# --- the shape of provably cheap queries (run in-process, see docs/sparql.md) ------------------


def cheap_shape(toks: list[tuple[str, str]]) -> tuple[bool, int | None]:
    """(True, LIMIT or None) when the query is, token for token,

        (BASE <iri> | PREFIX p: <iri>)*
        SELECT [DISTINCT|REDUCED] (?v+ | *) [WHERE] { s p o [.] } [LIMIT n]
      | ASK [WHERE] { s p o [.] }

    with ONE triple pattern whose subject or object is an IRI (written `<...>` or `p:x`), whose
    predicate is an IRI, `a` or a variable, and whose variables are all different. Anything else
    (a second pattern, a path, FILTER, OPTIONAL, GRAPH, FROM, ORDER BY, OFFSET, VALUES, blank
    nodes, literals...) is not cheap. Such a query is one range scan of one index: every entry it
    reads is a result row, so its work is bounded by the rows it returns (capped).
    """
    n = len(toks)
    i = 0

    def word(k: int) -> str:
        return toks[k][1].upper() if k < n and toks[k][0] == "word" else ""

    while word(i) in ("BASE", "PREFIX"):
        if word(i) == "BASE":
            if i + 1 >= n or toks[i + 1][0] != "iri":
                return False, None
            i += 2
        else:
            if i + 2 >= n or toks[i + 1][0] != "pname" or not toks[i + 1][1].endswith(":") or toks[i + 2][0] != "iri":
                return False, None
            i += 3
    form = word(i)
    i += 1
    if form == "SELECT":
        if word(i) in ("DISTINCT", "REDUCED"):
            i += 1
        if i < n and toks[i] == ("other", "*"):
            i += 1
        else:
            start = i
            while i < n and toks[i][0] == "var":
                i += 1
            if i == start:
                return False, None
    elif form != "ASK":
        return False, None
    if word(i) == "WHERE":
        i += 1
    if i + 4 >= n or toks[i] != ("open", "{"):
        return False, None
    (sk, sv), (pk, pv), (ok, ov) = toks[i + 1 : i + 4]
    i += 4
    if toks[i] == ("other", "."):
        i += 1
    if i >= n or toks[i] != ("close", "}"):
        return False, None
    i += 1

    def constant(kind: str, value: str) -> bool:
        return kind == "iri" or (kind == "pname" and not value.startswith("_:"))

    if not (constant(sk, sv) or sk == "var") or not (constant(ok, ov) or ok == "var"):
        return False, None
    if not (constant(pk, pv) or pk == "var" or (pk, pv) == ("word", "a")):
        return False, None
    if not (constant(sk, sv) or constant(ok, ov)):
        return False, None
    names = [v[1:] for k, v in ((sk, sv), (pk, pv), (ok, ov)) if k == "var"]
    if len(set(names)) != len(names):
        return False, None
    limit = None
    if form == "SELECT" and word(i) == "LIMIT":
        if i + 1 >= n or toks[i + 1][0] != "num":
            return False, None
        limit = int(toks[i + 1][1])
        i += 2
    if i != n:
        return False, None
    return True, limit


def dataset_clauses(text: str) -> tuple[list[str], list[str]]:
    """The IRIs of the query's FROM and FROM NAMED clauses (prefixed names and a BASE resolved).

    For back-ends where the registry must always state the dataset itself (remote stores).
    Raises `QueryRefused` (query-syntax) when a clause cannot be read.
    """
    from urllib.parse import urljoin

    toks = tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    defaults: list[str] = []
    named: list[str] = []

    def resolve(kind: str, value: str) -> str:
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname" and not value.startswith("_:"):
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + local.replace("\\", "")
        raise QueryRefused(f"cannot read the dataset clause at {value!r}", code="query-syntax")

    i, n = 0, len(toks)
    while i < n:
        kind, value = toks[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "BASE" and i + 1 < n and toks[i + 1][0] == "iri":
            base = resolve(*toks[i + 1])
            i += 2
        elif upper == "PREFIX" and i + 2 < n and toks[i + 1][0] == "pname" and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1][:-1]] = resolve(*toks[i + 2])
            i += 3
        elif upper == "FROM":
            if i + 1 < n and toks[i + 1][0] == "word" and toks[i + 1][1].upper() == "NAMED":
                if i + 2 >= n:
                    raise QueryRefused("FROM NAMED without a graph", code="query-syntax")
                named.append(resolve(*toks[i + 2]))
                i += 3
            else:
                if i + 1 >= n:
                    raise QueryRefused("FROM without a graph", code="query-syntax")
                defaults.append(resolve(*toks[i + 1]))
                i += 2
        else:
            i += 1
    return defaults, named


def _spans(text: str):
    """(kind, value, start, end) of the query's tokens as `tokens` gives them, with their place."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        if kind == "ws" or kind == "comment":
            continue
        value = match.group()
        if kind == "word" and ":" in value:
            kind = "pname"
        yield kind, value, match.start(), match.end()


def without_dataset_clauses(text: str) -> str:
    """The query with its FROM and FROM NAMED clauses removed (each becomes a space).

    For a store that is always sent the dataset in the request (`default-graph-uri` /
    `named-graph-uri`, which SPARQL 1.1 Protocol §2.1.4 says replace the query's own clauses):
    the meaning is unchanged, and a store that would let the query's clauses win instead (Virtuoso
    7.2 does: docs/deployment.md, quirk table) never sees them. Codepoint escapes (`\\u0046ROM`)
    are expanded first, as a SPARQL parser does before reading the query.
    """
    text = unescape_codepoints(text)
    toks = list(_spans(text))
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        kind, value, start, _ = toks[i]
        if kind == "word" and value.upper() == "FROM":
            j = i + 1
            if j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() == "NAMED":
                j += 1
            if j >= len(toks) or toks[j][0] not in ("iri", "pname"):
                raise QueryRefused("FROM without a graph", code="query-syntax")
            cuts.append((start, toks[j][3]))
            i = j + 1
        else:
            i += 1
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text


def with_row_cap(text: str, cap: int) -> str:
    """A SELECT query (codepoint escapes already expanded) that gives at most `cap` rows: its own
    top-level LIMIT lowered to `cap` when higher, else `LIMIT cap` added after its solution
    modifiers (before a trailing VALUES). The first `cap` rows are the same rows as without it
    (LIMIT keeps a prefix of the solution sequence, OFFSET and ORDER BY included), so a row count
    over `cap - 1` still tells a result over the cap; the store never builds or sends the rest.
    Subqueries keep their own LIMIT. A query with an ORDER BY and no LIMIT of its own, or whose
    shape is not recognised, comes back unchanged.
    """
    toks = list(_spans(text))
    depth = 0
    where_end = None
    for i, (kind, _, _, _) in enumerate(toks):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0 and toks[i][1] == "}":
                where_end = i  # the group of the WHERE clause closes at the top level
                break
    if where_end is None:
        return text
    values_at = None
    ordered = False
    depth = 0
    for i in range(where_end + 1, len(toks)):
        kind, value, start, end = toks[i]
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif depth == 0 and kind == "word":
            word = value.upper()
            if word == "LIMIT":
                if i + 1 >= len(toks) or toks[i + 1][0] != "num":
                    return text  # not a LIMIT we can read: the store says what is wrong
                _, number, num_start, num_end = toks[i + 1]
                if int(number) <= cap:
                    return text
                return text[:num_start] + str(cap) + text[num_end:]
            if word == "VALUES" and values_at is None:
                values_at = start
            if word == "ORDER":
                ordered = True
    if ordered:
        # the store sorts every row before the first anyway, and a sorted LIMIT may be refused
        # past a store's own bound (Virtuoso 7.2: "SR353: Sorted TOP clause specifies more then
        # 100001 rows to sort. Only 10000 are allowed"): the query goes as written
        return text
    if values_at is not None:
        return text[:values_at] + f"LIMIT {cap}\n" + text[values_at:]
    return text + f"\nLIMIT {cap}\n"  # on its own line: the query may end in a comment


def with_absolute_bases(text: str, endpoint: str) -> str | None:
    """The query with each of its BASE declarations made absolute (resolved against `endpoint`
    and the BASE before it), or None when it declares no BASE. One BASE per query stays one:
    some stores (Virtuoso 7.2) refuse a second BASE, which SPARQL allows."""
    from urllib.parse import urljoin

    base = endpoint
    parts: list[str] = []
    last = 0
    toks = list(_spans(text))
    for i, (kind, value, _, _) in enumerate(toks):
        if kind == "word" and value.upper() == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            _, iri, start, end = toks[i + 1]
            base = urljoin(base, iri[1:-1])
            parts += [text[last:start], f"<{base}>"]
            last = end
    if not parts:
        return None
    return "".join(parts) + text[last:]


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
    words, depth, toks = _scan(text)
    expanded = unescape_codepoints(text)
    escaped = expanded != text
    if escaped:
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
    cheap, limit = (False, None) if escaped else cheap_shape(toks)
    return CheckedQuery(
        text=text, form=form, depth=depth, has_dataset="FROM" in found, cheap=cheap, limit=limit, has_base="BASE" in found,
    )


@dataclass(frozen=True)
class _Refusal:
    """A refusal kept by `GuardDecisions`: enough to raise the same problem again (a new exception
    each time: an exception object raised by two requests would share its traceback)."""

    error: type[RegistryError]
    detail: str
    code: str

    def raise_again(self) -> NoReturn:
        raise self.error(self.detail, code=self.code)


class GuardDecisions:
    """`check_query` with its decisions for recent query texts kept (a bounded LRU, `registry.lru`).

    The decision depends on the text and the limits alone (the dataset parameters of a request are
    applied after it, per request), so the key is the exact text, the limits being fixed per
    instance: the same text gets the same decision, accepted (the same `CheckedQuery`, immutable)
    or refused (the same problem, raised anew). Texts longer than `max_text` are checked every
    time, which bounds what the cache holds (`entries` x `max_text` characters); `entries=0` turns
    it off. Only the guard's own refusals are kept: nothing else can be raised by `check_query`.
    """

    def __init__(self, limits: GuardLimits = GuardLimits(), entries: int = 2048, max_text: int = 4096):
        self.limits = limits
        self.max_text = max_text
        self._decisions: Lru[str, CheckedQuery | _Refusal] | None = Lru(entries) if entries > 0 else None

    def check(self, text: str) -> CheckedQuery:
        decisions = self._decisions
        if decisions is None or len(text) > self.max_text:
            return check_query(text, self.limits)
        decision = decisions.get(text)
        if decision is None:
            try:
                decision = check_query(text, self.limits)
            except (QueryRefused, UpdateRefused) as exc:
                decisions.put(text, _Refusal(type(exc), exc.detail, exc.code))
                raise
            decisions.put(text, decision)
        if isinstance(decision, _Refusal):
            decision.raise_again()
        return decision
