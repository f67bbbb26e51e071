"""Reading untrusted RDF and writing RDF back.

Untrusted RDF is parsed by pyoxigraph only: rdflib 7.6's parsers are slow on hostile input (measured:
RDF/XML billion laughs > 590 s, one 5 MB literal in N-Triples 116 s, against 0.01-0.04 s for pyoxigraph)
and its JSON-LD parser fetches remote contexts and reads files. pyoxigraph refuses JSON-LD remote
contexts; RDF/XML with a DOCTYPE is first expanded by lxml with network, DTD loading and external
entities off and libxml2's amplification guard on, because Oxigraph 0.5 expands internal entities
without limit ("billion laughs").
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from registry.conneg import EXTENSIONS, UPLOAD_MEDIA_TYPES
from registry.errors import RdfSyntaxError, UnsupportedFormat
from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, NestingTooDeep, check_rdf_nesting

def base_media_type(content_type: str | None) -> str:
    """`text/turtle; charset=UTF-8` → `text/turtle` (parameters dropped, lower-cased)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def format_for_media_type(content_type: str | None) -> ox.RdfFormat:
    media = base_media_type(content_type)
    fmt = UPLOAD_MEDIA_TYPES.get(media)
    if fmt is None:
        allowed = ", ".join(sorted(UPLOAD_MEDIA_TYPES))
        raise UnsupportedFormat(f"media type {media or '(none)'!r} is not accepted; use one of: {allowed}")
    return fmt


def format_for_filename(name: str) -> ox.RdfFormat:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        raise UnsupportedFormat(
            f"cannot tell the RDF syntax of {name!r} from its extension; use one of: "
            + ", ".join("." + e for e in sorted(EXTENSIONS))
        )
    return fmt


# --- parsing ---------------------------------------------------------------------------------

_POSITION = re.compile(r"line (\d+) between columns (\d+)")


# Security (issue 7): pyoxigraph refuses JSON-LD remote contexts, but with a message that depends
# on the form of the reference ("No LoadDocumentCallback..." for http(s)/file IRIs, "Invalid remote
# context URL" / "Invalid @import iri" for plain paths) and echoes it. Every such document gets one
# identical answer instead, so a client cannot probe how a reference was interpreted.
_REMOTE_CONTEXT = re.compile(r"LoadDocumentCallback|remote context|@import", re.IGNORECASE)
REMOTE_CONTEXT_DETAIL = (
    "JSON-LD documents may not reference a remote @context or @import (URL, file or path); "
    "the registry never fetches or opens them: inline the context"
)


def _syntax_error(exc: BaseException, what: str) -> RdfSyntaxError:
    if _REMOTE_CONTEXT.search(str(exc)):
        return RdfSyntaxError(REMOTE_CONTEXT_DETAIL, code="jsonld-remote-context")
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    message = getattr(exc, "msg", None) or str(exc)
    if line is None:
        match = _POSITION.search(str(exc))
        if match:
            line, column = int(match.group(1)), int(match.group(2))
    where = f" at line {line}, column {column}" if line is not None else ""
    return RdfSyntaxError(f"{what} is not valid RDF{where}: {message}", line=line, column=column)


def _xml_error(exc, max_depth: int) -> RdfSyntaxError | NestingTooDeep:
    line, column = (exc.position if exc.position else (None, None))
    if "Excessive depth" in str(exc.msg):  # libxml2's own ceiling (256 without XML_PARSE_HUGE)
        return NestingTooDeep(
            f"the RDF/XML document nests elements deeper than {min(max_depth, 256)} levels (at line {line}, "
            f"column {column}); the registry refuses deeper documents", line=line, column=column,
            limit=min(max_depth, 256),
        )
    return RdfSyntaxError(
        f"RDF/XML is not valid XML at line {line}, column {column}: {exc.msg}", line=line, column=column
    )


def sanitize_rdf_xml(data: bytes, max_depth: int = DEFAULT_MAX_NESTING_DEPTH) -> bytes:
    """Expand the internal entities of an RDF/XML document safely, refusing external ones.

    Documents without a DOCTYPE are returned unchanged. libxml2 refuses entity amplification
    ("billion laughs") and, with `no_network` and `load_dtd=False`, never reaches the network or
    the disk; an external entity or DTD is reported as an error rather than silently dropped.
    """
    head = data[:65536]
    if b"<!DOCTYPE" not in head and b"<!doctype" not in head:
        # Security (issue 7): Oxigraph 0.5.13 silently accepts RDF/XML cut off after a complete
        # element (unclosed rdf:RDF / rdf:Description at end of input) and an empty document, so a
        # truncated upload would be published as a partial graph. Check well-formedness first.
        check_xml_well_formed(data, max_depth)
        return data
    from lxml import etree

    if re.search(rb"<!ENTITY\s+%?\s*[^\s>]+\s+(SYSTEM|PUBLIC)", data) or re.search(
        rb"<!DOCTYPE[^>\[]*(SYSTEM|PUBLIC)", data
    ):
        raise RdfSyntaxError(
            "RDF/XML with an external entity or external DTD is refused (the registry never "
            "reads files or the network on behalf of a document)",
            code="rdf-external-entity",
        )
    parser = etree.XMLParser(
        resolve_entities="internal", no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _xml_error(exc, max_depth) from None
    expanded = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    check_xml_well_formed(expanded, max_depth)  # the element depth, now that entities are expanded
    return expanded


def check_xml_well_formed(data: bytes, max_depth: int = DEFAULT_MAX_NESTING_DEPTH, chunk: int = 1 << 20) -> None:
    """Raise `RdfSyntaxError` unless `data` is one complete, well-formed XML document, and
    `NestingTooDeep` when its elements nest deeper than `max_depth` (issue 12: Oxigraph's RDF/XML
    parser is quadratic in element depth; libxml2 itself stops at 256 without XML_PARSE_HUGE).

    Streams through lxml's pull parser (entities and network off) and frees each element once
    closed, so memory stays bounded on a large vocabulary.
    """
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    depth = 0
    try:
        for start in range(0, len(data), chunk):
            parser.feed(data[start : start + chunk])
            for event, element in parser.read_events():
                if event == "start":
                    depth += 1
                    if depth > max_depth:
                        line = element.sourceline
                        raise NestingTooDeep(
                            f"the RDF/XML document nests elements deeper than {max_depth} levels (element "
                            f"<{element.tag}> at line {line}); the registry refuses deeper documents "
                            "(setting REGISTRY_MAX_NESTING_DEPTH)", line=line, limit=max_depth,
                        )
                else:
                    depth -= 1
                    element.clear(keep_tail=False)
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise _xml_error(exc, max_depth) from None
    if root is None:
        raise RdfSyntaxError("RDF/XML is not valid XML: the document is empty")


# Security (issue 7): characters that make an IRI display as something else. RFC 3987 section 4.1
# forbids the bidirectional formatting characters in IRIs; zero-width space / word joiner / BOM
# and the invisible operators make two different identifiers look the same. pyoxigraph accepts
# them (they are in `ucschar`). ZWJ/ZWNJ (U+200C/D) stay allowed: some scripts need them.
UNSAFE_IRI_CHARS = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def check_iri_chars(triple: ox.Triple, what: str = "the document") -> None:
    """Refuse a triple with a bidi-control or invisible character in an IRI (not in literals)."""
    for term in (triple.subject, triple.predicate, triple.object):
        if isinstance(term, ox.NamedNode) and UNSAFE_IRI_CHARS.search(term.value):
            refuse_unsafe_iri(term.value, what)


def refuse_unsafe_iri(iri: str, what: str = "the document") -> None:
    """The 400 for an IRI with a bidi-control or invisible character (`UNSAFE_IRI_CHARS`)."""
    shown = UNSAFE_IRI_CHARS.sub(lambda m: f"\\u{ord(m.group()):04X}", iri)[:200]
    raise RdfSyntaxError(
        f"{what} has an IRI with a bidirectional-control or invisible character: <{shown}>",
        code="rdf-unsafe-iri",
    )


def prepare_input(
    data: bytes, fmt: ox.RdfFormat, *, max_depth: int = DEFAULT_MAX_NESTING_DEPTH, what: str = "the document"
) -> bytes:
    """What every untrusted document goes through before pyoxigraph: nesting bounded (issue 12),
    RDF/XML entities expanded safely and its well-formedness checked (issue 7)."""
    if fmt == ox.RdfFormat.RDF_XML:
        return sanitize_rdf_xml(data, max_depth)
    check_rdf_nesting(data, fmt, max_depth=max_depth, what=what)
    return data


def parse_triples(
    data: bytes, fmt: ox.RdfFormat, *, base_iri: str | None = None, what: str = "the document",
    max_triples: int | None = None, max_depth: int = DEFAULT_MAX_NESTING_DEPTH,
) -> list[ox.Triple]:
    """Parse a graph document completely (raising `RdfSyntaxError` with line and column).

    Named graphs are refused: profiles, vocabularies and records are single graphs. The nesting
    depth is bounded before pyoxigraph sees the document (`registry.nesting`).
    """
    data = prepare_input(data, fmt, max_depth=max_depth, what=what)
    triples: list[ox.Triple] = []
    try:
        for quad in ox.parse(data, format=fmt, base_iri=base_iri, without_named_graphs=True):
            check_iri_chars(quad.triple, what)  # security (issue 7): no bidi/invisible IRIs
            triples.append(quad.triple)
            if max_triples is not None and len(triples) > max_triples:
                from registry.errors import PayloadTooLarge

                raise PayloadTooLarge(f"{what} has more than {max_triples} triples", code="too-many-triples")
    except SyntaxError as exc:
        raise _syntax_error(exc, what) from None
    except MemoryError:
        raise RdfSyntaxError(f"{what} contains a token too large to parse", code="rdf-token-too-large") from None
    return triples


def parse_quads(
    data: bytes | IO[bytes], fmt: ox.RdfFormat, *, base_iri: str | None = None, what: str = "the document"
) -> Iterator[ox.Quad]:
    """Stream quads from a dataset document; syntax errors become `RdfSyntaxError`."""
    try:
        yield from ox.parse(data, format=fmt, base_iri=base_iri)
    except SyntaxError as exc:
        raise _syntax_error(exc, what) from None


def check_syntax(data: bytes | IO[bytes], fmt: ox.RdfFormat, *, base_iri: str | None = None, what: str = "the document") -> int:
    """Parse without keeping anything; return the number of triples."""
    count = 0
    for _ in parse_quads(data, fmt, base_iri=base_iri, what=what):
        count += 1
    return count


def serialize(triples: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) and prefixes:
        data = ox.serialize(triples, format=fmt, prefixes=prefixes)
    else:
        data = ox.serialize(triples, format=fmt)
    assert data is not None  # without an `output`, pyoxigraph returns the bytes
    return data


# --- pyoxigraph ⇄ rdflib ---------------------------------------------------------------------


def to_rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_rdflib_graph(triples: Iterable[ox.Triple], graph: Graph | None = None) -> Graph:
    graph = graph if graph is not None else Graph()
    add = graph.add
    for t in triples:
        add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))
    return graph


def content_hash(triples: Iterable[ox.Triple]) -> str:
    """A hash of a graph that does not depend on serialization order.

    Graphs with blank nodes are canonicalised with RDFC-1.0 first (W3C RDF Dataset
    Canonicalization), so two serialisations of the same graph hash alike.
    """
    triples = list(triples)
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines = sorted(str(q.triple) for q in dataset)
    else:
        lines = sorted(str(t) for t in triples)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


@dataclass
class Upload:
    """One RDF document received from a user (body part or file)."""

    data: bytes
    format: ox.RdfFormat
    name: str = "the document"

    @property
    def stream(self) -> IO[bytes]:
        return io.BytesIO(self.data)


#: pyoxigraph's SPARQL JSON results parser (0.5) refuses a token of 8 MiB or more (its buffer,
#: grown by doubling, is capped at 16 MiB: a 10 MB IRI in a hostile upload), lazily, while the rows
#: are iterated. Results from a remote store are asked for as JSON all the same: pyoxigraph's XML
#: results parser trims the white space at both ends of a literal (Virtuoso 7.2 writes
#: `<literal>Computer Vision </literal>` as is), and Virtuoso's XML writer puts `0` in place of a
#: literal of more than 4 MB. A JSON answer pyoxigraph cannot read whole is read here instead
#: (`readable_results`).
JSON_RESULTS_TOKEN_CAP = 8 * 1024 * 1024
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


def json_results_read_whole(body: bytes) -> bool:
    """Whether pyoxigraph reads every row of a SPARQL JSON results `body` (no token over its
    cap; see `JSON_RESULTS_TOKEN_CAP`): a body that small always is, a larger one is read once
    (0.4 s for 39 MB)."""
    if len(body) < JSON_RESULTS_TOKEN_CAP:
        return True
    try:
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QuerySolutions):
            for _ in results:
                pass
    except MemoryError:
        return False
    return True


def readable_results(body: bytes, fmt: ox.QueryResultsFormat) -> tuple[bytes, ox.QueryResultsFormat]:
    """SPARQL results as pyoxigraph's parsers read them whole: `body` as it is, or, for a JSON
    answer with a token over pyoxigraph's cap (`JSON_RESULTS_TOKEN_CAP`), the same results
    written in SPARQL XML (SPARQL 1.1 Query Results XML Format) from Python's JSON parser, with
    every white-space character of a value as a character reference, so that the XML parser's
    trimming finds none. One request to the store either way: asking the store again for XML lost
    the literal on Virtuoso (see above)."""
    if fmt != ox.QueryResultsFormat.JSON or json_results_read_whole(body):
        return body, fmt
    return _json_results_as_xml(body), ox.QueryResultsFormat.XML


#: markup characters as entities, every white-space character (str.isspace: none is above U+3000)
#: as a character reference
_XML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    | {chr(code): f"&#{code};" for code in range(0x3001) if chr(code).isspace()}
)


def _xml_text(value: str) -> str:
    return value.translate(_XML_ESCAPES)


def _xml_term(term: dict) -> str:
    """One RDF term of SPARQL JSON results (SPARQL 1.1 Query Results JSON Format §3.2.2, and the
    `triple` of RDF 1.2's results) as SPARQL XML results write it."""
    kind = term.get("type")
    if kind == "uri":
        return f"<uri>{_xml_text(term['value'])}</uri>"
    if kind == "bnode":
        return f"<bnode>{_xml_text(term['value'])}</bnode>"
    if kind in ("literal", "typed-literal"):
        attributes = ""
        if "xml:lang" in term:
            attributes = f' xml:lang="{_xml_text(term["xml:lang"])}"'
        elif "datatype" in term:
            attributes = f' datatype="{_xml_text(term["datatype"])}"'
        return f"<literal{attributes}>{_xml_text(term['value'])}</literal>"
    if kind == "triple":
        parts = term["value"]
        return ("<triple>" + "".join(f"<{role}>{_xml_term(parts[role])}</{role}>"
                                     for role in ("subject", "predicate", "object")) + "</triple>")
    raise ValueError(f"unknown RDF term type {kind!r} in SPARQL JSON results")


def _json_results_as_xml(body: bytes) -> bytes:
    import json

    try:
        document = json.loads(body)
        parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS_NS}"><head>']
        parts += [f'<variable name="{_xml_text(name)}"/>' for name in document.get("head", {}).get("vars", [])]
        parts.append("</head>")
        if "boolean" in document:
            parts.append(f"<boolean>{'true' if document['boolean'] else 'false'}</boolean>")
        else:
            parts.append("<results>")
            for row in document["results"]["bindings"]:
                parts.append("<result>")
                parts += [f'<binding name="{_xml_text(name)}">{_xml_term(term)}</binding>' for name, term in row.items()]
                parts.append("</result>")
            parts.append("</results>")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SyntaxError(f"SPARQL JSON results that cannot be read: {exc}") from None
    parts.append("</sparql>")
    return "".join(parts).encode()
