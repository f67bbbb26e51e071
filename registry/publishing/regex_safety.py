"""A conservative static detector of regexes prone to catastrophic backtracking.

``sh:pattern`` (SHACL §4.7.1) is evaluated by pySHACL with Python ``re``, a backtracking engine
without a time budget: ``^(a+)+$`` on 27 characters took 8.6 s. The registry refuses, at publish
time, patterns whose structure allows exponential backtracking ("ReDoS", OWASP), found on Python's
own parse tree of the pattern:

* a repetition with a large or unbounded maximum whose body contains a *variable-length* item (a
  nested quantifier such as ``(a+)+``, ``(a*)*``, ``(\\w+\\s?)+``, or an optional item such as
  ``(aa?)+``), unless the body also holds a mandatory item that can never match a character the
  variable item matches (``(-[0-9]+)*`` and ``([a-z]+\\.)+`` are accepted);
* a repetition whose body contains an alternation whose branches can start with the same character
  or that has an empty branch overlapping the rest of the body (``(a|aa)+``, ``(a|a?)+``).

Character sets are compared on a sample of code points (ASCII, Latin-1, Latin Extended, common
spaces and a few letters/digits of other scripts). False positives are possible, never silently
intended false negatives for the shapes above. Atomic groups and possessive quantifiers do not
backtrack and are exempt. Polynomial blow-ups of adjacent quantifiers (``\\d+\\d+``) are not flagged.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python >= 3.11
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MAX_PATTERN_LENGTH = 4096
LARGE_REPEAT = 10

_SAMPLE = frozenset(
    [chr(i) for i in range(0x250)]
    + [chr(i) for i in (0x2000, 0x2009, 0x200B, 0x2028, 0x3000, 0x3B1, 0x416, 0x4E2D, 0x663, 0x966, 0x1F600)]
)
_ALL = _SAMPLE
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_CATEGORY_RE = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
    _c.CATEGORY_LINEBREAK: r"\n", _c.CATEGORY_NOT_LINEBREAK: r"[^\n]",
}


@lru_cache(maxsize=None)
def _category(cat) -> frozenset[str]:
    rx = re.compile(_CATEGORY_RE.get(cat, r"[\s\S]"))
    return frozenset(ch for ch in _SAMPLE if rx.match(ch))


def _with_case(chars: set[str]) -> set[str]:
    return chars | {ch.lower() for ch in chars} | {ch.upper() for ch in chars if len(ch.upper()) == 1}


def _in_set(items) -> frozenset[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op == _c.NEGATE:
            negate = True
        elif op == _c.LITERAL:
            chars.add(chr(av))
        elif op == _c.RANGE:
            lo, hi = av
            chars.update(ch for ch in _SAMPLE if lo <= ord(ch) <= hi)
            if lo <= hi and lo < 0x10FFFF:
                chars.add(chr(lo))
        elif op == _c.CATEGORY:
            chars |= _category(av)
        else:  # unknown member: assume it can match anything
            chars |= _ALL
    chars = _with_case(chars)
    return frozenset(_ALL - chars) if negate else frozenset(chars)


def _flatten(seq) -> list:
    """Top-level items of a sequence, with plain (non-atomic) groups inlined."""
    out = []
    for op, av in seq:
        if op == _c.SUBPATTERN:
            out.extend(_flatten(av[-1]))
        else:
            out.append((op, av))
    return out


def _nullable(item) -> bool:
    op, av = item
    if op in _REPEATS or op == _c.POSSESSIVE_REPEAT:
        return av[0] == 0 or all(_nullable(i) for i in av[2])
    if op == _c.SUBPATTERN:
        return all(_nullable(i) for i in av[-1])
    if op == _c.ATOMIC_GROUP:
        return all(_nullable(i) for i in av)
    if op == _c.BRANCH:
        return any(all(_nullable(i) for i in alt) for alt in av[1])
    if op in (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.ANY):
        return False
    return True  # AT, ASSERT, ASSERT_NOT, GROUPREF, GROUPREF_EXISTS...


def _chars(item) -> frozenset[str]:
    """Every (sampled) character the item can consume."""
    op, av = item
    if op == _c.LITERAL:
        return frozenset(_with_case({chr(av)}))
    if op == _c.NOT_LITERAL:
        return _ALL - {chr(av)}
    if op == _c.ANY:
        return _ALL
    if op == _c.IN:
        return _in_set(av)
    if op in _REPEATS or op == _c.POSSESSIVE_REPEAT:
        return _seq_chars(av[2])
    if op == _c.SUBPATTERN:
        return _seq_chars(av[-1])
    if op == _c.ATOMIC_GROUP:
        return _seq_chars(av)
    if op == _c.BRANCH:
        return frozenset().union(*(_seq_chars(alt) for alt in av[1]))
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return frozenset()
    return _ALL  # back-references and anything unknown


def _seq_chars(seq) -> frozenset[str]:
    return frozenset().union(*(_chars(i) for i in seq)) if seq else frozenset()


def _first(seq) -> frozenset[str]:
    out: set[str] = set()
    for item in seq:
        op, av = item
        if op in _REPEATS or op == _c.POSSESSIVE_REPEAT:
            out |= _first(av[2])
        elif op == _c.SUBPATTERN:
            out |= _first(av[-1])
        elif op == _c.BRANCH:
            for alt in av[1]:
                out |= _first(alt)
        else:
            out |= _chars(item)
        if not _nullable(item):
            break
    return frozenset(out)


def _variable(item) -> bool:
    op, av = item
    if op in _REPEATS:
        return av[1] > av[0]
    if op == _c.BRANCH:
        return any(all(_nullable(i) for i in alt) for alt in av[1])
    return False


def _ambiguous_body(seq) -> str | None:
    """Why repeating ``seq`` many times can backtrack exponentially, or None."""
    items = _flatten(seq)
    body_first = _first(items)
    for idx, item in enumerate(items):
        op, av = item
        if op == _c.BRANCH:
            alts = av[1]
            firsts = [_first(_flatten(alt)) for alt in alts]
            for a in range(len(alts)):
                for b in range(a + 1, len(alts)):
                    if firsts[a] & firsts[b]:
                        return "an alternation whose branches can start with the same character"
            if _variable(item) and _chars(item) & body_first:
                return "an alternation with an empty branch that overlaps the repeated expression"
        if _variable(item):
            mine = _chars(item)
            others = _others(items, idx)
            if all(_nullable(o) or (_chars(o) & mine) for o in others):
                kind = "a nested quantifier" if op in _REPEATS and av[1] > 1 else "an optional part"
                return f"{kind} inside a repeated group, matching the same characters"
        # look inside nested structures that are not repetitions themselves (those are visited anyway)
        if op == _c.BRANCH:
            for alt in av[1]:
                why = _ambiguous_body(list(alt) + _others(items, idx))
                if why:
                    return why
    return None


def _others(items, idx) -> list:
    return items[:idx] + items[idx + 1:]


def _walk(seq):
    for op, av in seq:
        yield op, av
        if op in _REPEATS or op == _c.POSSESSIVE_REPEAT:
            yield from _walk(av[2])
        elif op == _c.SUBPATTERN:
            yield from _walk(av[-1])
        elif op in (_c.ATOMIC_GROUP,):
            yield from _walk(av)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            yield from _walk(av[1])
        elif op == _c.BRANCH:
            for alt in av[1]:
                yield from _walk(alt)
        elif op == _c.GROUPREF_EXISTS:
            yield from _walk(av[1])
            if av[2]:
                yield from _walk(av[2])


def catastrophic_reason(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or None. Raises ``re.error`` if invalid."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    tree = _p.parse(pattern, flags)
    for op, av in _walk(list(tree)):
        if op in _REPEATS and (av[1] == _c.MAXREPEAT or av[1] >= LARGE_REPEAT):
            why = _ambiguous_body(av[2])
            if why:
                return why
    return None


def python_flags(shacl_flags: str | None) -> int:
    """Map sh:flags (XPath fn:matches flags, SHACL §4.7.1) to the ``re`` flags pySHACL uses."""
    flags = 0
    for ch in shacl_flags or "":
        flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(ch, 0)
    return flags
