"""Literals as the embedded store gives them back, whatever remote store wrote them.

Oxigraph keeps booleans and numbers as values and writes them back in one canonical form
(`"1"^^xsd:boolean` as `"true"`, `"1.0E0"^^xsd:double` as `"1"`). Another store keeps the same
values but writes them its own way: Virtuoso 7.2 answers `"1"` for `true`, `"1e+09"` for a
double of 10^9 (docs/deployment.md, quirk table). The remote store puts every such literal of an
answer in Oxigraph's form, so the registry (and the public endpoint) give the same answers on
every store. A form that is not a valid lexical form of its datatype is left as written.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
#: The datatypes whose written form stores choose (value spaces with several lexical forms).
CANONICALISED = tuple(XSD + name for name in ("boolean", "double", "float", "decimal", "integer"))
_NAMES = "boolean|double|float|decimal|integer"
_DT = rb'http://www\.w3\.org/2001/XMLSchema#(' + _NAMES.encode() + rb')'
# SPARQL JSON results: the datatype before or after the value (stores differ in the order)
_JSON_DT_FIRST = re.compile(rb'("datatype"\s*:\s*"' + _DT + rb'"\s*,\s*"value"\s*:\s*")([^"\\]*)(")')
_JSON_VALUE_FIRST = re.compile(rb'("value"\s*:\s*")([^"\\]*)("\s*,\s*"datatype"\s*:\s*"' + _DT + rb'")')
# SPARQL XML results
_XML = re.compile(rb'(<literal\s+datatype\s*=\s*["\']' + _DT + rb'["\']\s*>)([^<]*)(</literal>)')
# N-Triples
_NT = re.compile(rb'(")([^"\\\n]*)("\^\^<' + _DT + rb'>)')
_MARKER = re.compile(rb"XMLSchema#(?:" + _NAMES.encode() + rb")\b")

_lock = threading.Lock()
_scratch = ox.Store()
_GRAPH = ox.NamedNode("urn:registry:canonical")


@lru_cache(maxsize=8192)
def canonical_value(value: str, datatype: str) -> str:
    """The form the embedded store gives back for `value` of `datatype` (found by storing it in an
    in-memory Oxigraph store: exactly the embedded store's canonicalisation)."""
    literal = ox.Literal(value, datatype=ox.NamedNode(datatype))
    with _lock:
        _scratch.add(ox.Quad(_GRAPH, _GRAPH, literal, _GRAPH))
        try:
            stored = next(iter(_scratch.quads_for_pattern(None, None, None, _GRAPH))).object
        finally:
            _scratch.clear()
    return stored.value if isinstance(stored, ox.Literal) else value


def canonical_term(term):
    """A term with a canonicalised literal; any other term as it is."""
    if isinstance(term, ox.Literal) and term.datatype.value in CANONICALISED:
        value = canonical_value(term.value, term.datatype.value)
        if value != term.value:
            return ox.Literal(value, datatype=term.datatype)
    return term


def canonical_triple(triple: ox.Triple) -> ox.Triple:
    obj = canonical_term(triple.object)
    return triple if obj is triple.object else ox.Triple(triple.subject, triple.predicate, obj)


def _value(match_value: bytes, name: bytes) -> bytes:
    try:
        text = match_value.decode("ascii")
    except UnicodeDecodeError:
        return match_value
    return canonical_value(text, XSD + name.decode()).encode("ascii")


def canonical_results(body: bytes) -> bytes:
    """SPARQL JSON or XML results, or N-Triples, with the literals of `CANONICALISED` datatypes in
    the embedded store's form; other bytes unchanged."""
    if not _MARKER.search(body):
        return body
    body = _JSON_DT_FIRST.sub(lambda m: m.group(1) + _value(m.group(3), m.group(2)) + m.group(4), body)
    body = _JSON_VALUE_FIRST.sub(lambda m: m.group(1) + _value(m.group(2), m.group(4)) + m.group(3), body)
    body = _XML.sub(lambda m: m.group(1) + _value(m.group(3), m.group(2)) + m.group(4), body)
    return _NT.sub(lambda m: m.group(1) + _value(m.group(2), m.group(4)) + m.group(3), body)
