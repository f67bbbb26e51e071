"""Bounding the nesting depth of untrusted documents before any parser sees them.

Security (issue 12, item 1): pyoxigraph's JSON-LD parser recurses on the native stack and kills
the process (SIGSEGV, not a Python exception) at about 5,000 nested `{"@list": [...]}` levels;
Python's `json` raises `RecursionError` near 1,000 levels; rdflib and pyshacl recurse over deep
blank-node structures and RDF lists; Oxigraph's RDF/XML parser is quadratic in element depth
(20,000 levels: 40 s). Real records, shapes and vocabularies nest fewer than 50 levels, so every
document is pre-scanned with a linear, allocation-free pass and refused with a 422 problem
(`nesting-too-deep`, naming the limit, line and column) when it nests deeper than
`Settings.max_nesting_depth`.

The scans count brackets outside strings (JSON, RFC 8259 §7) and outside strings, IRIs and
comments (Turtle / TriG, RDF 1.1 Turtle §6.5 grammar: `collection`, `blankNodePropertyList`,
TriG `wrappedGraph`). Whatever the scanner cannot recognise (an unterminated string) is scanned
as ordinary text, so a malformed document can only be over-counted, never under-counted.
RDF/XML element depth is counted by the XML well-formedness pass in `registry.rdf`.
N-Triples and N-Quads have no nesting.
"""

from __future__ import annotations

import json
import mmap
import re
from contextlib import contextmanager
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from registry.errors import InvalidInput

#: Default of `Settings.max_nesting_depth`. libxml2 refuses XML deeper than 256 elements without
#: XML_PARSE_HUGE; the same figure is used for every syntax.
DEFAULT_MAX_NESTING_DEPTH = 256
#: Ceiling of the setting: above it Python's json recursion limit (1,000) or the native parsers'
#: stacks (JSON-LD: ~5,000) would be reached before the pre-scan refuses anything.
MAX_NESTING_DEPTH_CEILING = 900

# An unterminated string runs to the end (JSON) or of the line (Turtle short strings): the
# parser stops at that error, so nothing after it is structure; this keeps every scan linear.
_JSON_SKIP = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_TURTLE_SKIP = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\\?\Z)'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\\?\Z)"
    rb'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*(?:"|(?=[\n\r])|\\?\Z)'
    rb"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*(?:'|(?=[\n\r])|\\?\Z)"
    rb'|<[^<>"{}|^`\\\x00-\x20]*(?:\\.[^<>"{}|^`\\\x00-\x20]*)*>'
    rb"|#[^\n\r]*"
    rb"|\\.",
    re.DOTALL,
)
_OPENERS = b"([{"
_DELTA = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}
_SYNTAX_NAMES = {"json": "JSON", "turtle": "Turtle"}


class NestingTooDeep(InvalidInput):
    """A document nests deeper than the configured limit (422, `nesting-too-deep`)."""

    code = "nesting-too-deep"
    title = "The document nests too deeply"


_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"()[]{}")


def _scan(buffer, skip: re.Pattern, max_depth: int) -> int | None:
    """The offset of the first opening bracket deeper than `max_depth`, or None.

    A document with no more opening brackets than the limit cannot be too deep (records: a few
    dozen; counted in C). Otherwise the brackets between `skip` tokens are followed in one pass
    that stops at the first too-deep one: hostile documents nest from their first bytes and are
    refused in microseconds. The pass is a Python loop over the tokens, not one long C call, so
    the GIL is released between tokens and other requests keep being served during a large scan.
    """
    if isinstance(buffer, bytes) and sum(buffer.count(c) for c in (b"(", b"[", b"{")) <= max_depth:
        return None
    depth, position, end = 0, 0, len(buffer)
    for start, stop in chain(((t.start(), t.end()) for t in skip.finditer(buffer)), ((end, end),)):
        if start > position:
            gap = buffer[position:start].translate(None, _NOT_BRACKETS)
            if gap:
                for index, level in enumerate(accumulate(map(_DELTA.__getitem__, gap), initial=depth)):
                    if level > max_depth:
                        return _nth_bracket(buffer, position, index - 1)
                depth = level
        position = stop
    return None


def _nth_bracket(buffer, position: int, n: int) -> int:
    """The offset of the n-th (0-based) bracket at or after `position` (no token in between)."""
    for index, match in enumerate(re.finditer(rb"[()\[\]{}]", buffer[position:])):
        if index == n:
            return position + match.start()
    return position  # pragma: no cover


def _refuse(buffer, offset: int, syntax: str, max_depth: int, what: str) -> NestingTooDeep:
    head = bytes(buffer[:offset])
    line = head.count(b"\n") + 1
    column = offset - (head.rfind(b"\n") + 1) + 1
    return NestingTooDeep(
        f"{what} nests deeper than {max_depth} levels ({_SYNTAX_NAMES.get(syntax, syntax)} brackets, "
        f"at line {line}, column {column}); the registry refuses deeper documents "
        "(setting REGISTRY_MAX_NESTING_DEPTH)",
        line=line, column=column, limit=max_depth,
    )


@contextmanager
def _mapped(source: bytes | Path) -> Iterator[Any]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
        return
    with open(source, "rb") as handle:
        if handle.seek(0, 2) == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped


def _json_depth_at_most(buffer, max_depth: int, chunk: int = 8 << 20) -> bool:
    """True when JSON cannot nest deeper than `max_depth`, computed with C-speed bytes operations
    only (a JSON-LD vocabulary has a string every few bytes: a token walk costs more than parsing),
    64 KiB, then 8 MiB at a time, so that memory stays bounded on a large upload.

    Escaped backslashes, then escaped quotes, are removed; every quote left delimits a string
    (RFC 8259 §7), so the pieces of a split on quotes alternate outside / inside strings (an
    unterminated last string runs to the end, as in `_JSON_SKIP`). A backslash outside a string
    is a syntax error at which every parser stops, so what it could disturb is never parsed.
    """
    size, position, inside, depth = len(buffer), 0, False, 0
    step = 64 << 10  # hostile documents nest from their first bytes: refused after 64 KiB
    while position < size:
        end = min(position + step, size)
        step = chunk
        while end < size and buffer[end - 1] == 0x5C:  # never split an escape sequence
            end += 1
        pieces = bytes(buffer[position:end]).replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
        brackets = b"".join(pieces[1::2] if inside else pieces[::2]).translate(None, _NOT_BRACKETS)
        levels = list(accumulate(map(_DELTA.__getitem__, brackets), initial=depth))
        if max(levels) > max_depth:
            return False
        depth = levels[-1]
        inside ^= (len(pieces) - 1) % 2 == 1
        position = end
    return True


def check_json_nesting(data: bytes | Path, *, max_depth: int, what: str = "the document") -> None:
    """Refuse JSON (or JSON-LD) nesting arrays and objects deeper than `max_depth`."""
    with _mapped(data) as buffer:
        if isinstance(buffer, bytes) and sum(buffer.count(c) for c in (b"[", b"{")) <= max_depth:
            return  # cannot nest deeper than it has brackets (most records: a few dozen)
        if _json_depth_at_most(buffer, max_depth):
            return
        offset = _scan(buffer, _JSON_SKIP, max_depth)  # refused: walk again to say where
        raise _refuse(buffer, offset or 0, "json", max_depth, what)


def check_rdf_nesting(source: bytes | Path, fmt: ox.RdfFormat, *, max_depth: int, what: str = "the document") -> None:
    """Refuse an RDF document nesting deeper than `max_depth` (before pyoxigraph parses it).

    JSON-LD: arrays and objects; Turtle and TriG: collections `( )`, blank-node property lists
    `[ ]` and graph blocks `{ }`. RDF/XML is bounded by `registry.rdf.check_xml_well_formed`.
    """
    if fmt == ox.RdfFormat.JSON_LD:
        check_json_nesting(source, max_depth=max_depth, what=what)
    elif fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        with _mapped(source) as buffer:
            offset = _scan(buffer, _TURTLE_SKIP, max_depth)
            if offset is not None:
                raise _refuse(buffer, offset, "turtle", max_depth, what)


def loads_json(data: bytes | str, *, max_depth: int = DEFAULT_MAX_NESTING_DEPTH, what: str = "the document") -> Any:
    """`json.loads` for untrusted bodies: nesting bounded first, so it never hits RecursionError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    check_json_nesting(raw, max_depth=max_depth, what=what)
    try:
        return json.loads(data)
    except RecursionError:  # pragma: no cover - the pre-scan refuses such depth first
        raise NestingTooDeep(f"{what} nests too deeply to be read", limit=max_depth) from None
