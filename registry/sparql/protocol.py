"""SPARQL 1.1 Protocol: reading the request, choosing the response format.

https://www.w3.org/TR/sparql11-protocol/ section 2.1 (query operation): GET with `query`,
POST form (`application/x-www-form-urlencoded`, any charset parameter), POST direct
(`application/sparql-query`); `default-graph-uri` / `named-graph-uri` may be repeated.
Parameters SPARQL clients add for other endpoints (`format`, `output`, `results`, `timeout`)
are ignored; the response format comes from Accept.
"""

from __future__ import annotations

from registry.http import parse_accept, parse_media_type  # noqa: F401 - re-exported
from registry.conneg import MEDIA_TYPE_ALIASES, RESULT_SYNTAXES, SPARQL_GRAPH_NAMES, by_names

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_to_bytes

from registry.errors import NotAcceptable, RegistryError, UnsupportedFormat
from registry.sparql.guard import UpdateRefused


class ProtocolError(RegistryError):
    status = 400
    code = "sparql-protocol"
    title = "Malformed SPARQL protocol request"


# media type → worker format name; first of each kind is the default.
RESULT_MEDIA = {s.media_type: s.name for s in RESULT_SYNTAXES}
# the formats generic clients ask for whatever the query form (see `choose_format`)
SPARQL_RESULT_MEDIA = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml"}
RESULT_ALIASES = {alias: s.media_type for s in RESULT_SYNTAXES for alias in s.aliases}
# the graph syntaxes a CONSTRUCT / DESCRIBE is offered in, in this order (`application/*` → N-Triples)
GRAPH_MEDIA = by_names(SPARQL_GRAPH_NAMES)
GRAPH_ALIASES = MEDIA_TYPE_ALIASES  # the same aliases as every RDF download (registry.rdf)


def negotiate(accept: str | None, offers: dict[str, str], aliases: dict[str, str]) -> tuple[str, str] | None:
    """(media type, format name) for the best offer, None if nothing acceptable.

    No Accept, or one that only says `*/*`, gets the first offer.
    """
    if not accept or not accept.strip():
        media = next(iter(offers))
        return media, offers[media]
    for media, q, _ in parse_accept(accept):
        if q <= 0:
            continue
        media = aliases.get(media, media)
        if media in offers:
            return media, offers[media]
        if media == "*/*" or (media.endswith("/*") and any(o.startswith(media[:-1]) for o in offers)):
            prefix = "" if media == "*/*" else media[:-1]
            for offer in offers:
                if offer.startswith(prefix):
                    return offer, offers[offer]
    return None


#: `choose_format`'s answers for the Accept headers seen (a handful in practice: each client
#: library sends one), up to this many, each at most `_CHOSEN_ACCEPT_CHARS` long
_CHOSEN_ENTRIES = 256
_CHOSEN_ACCEPT_CHARS = 512
_chosen: dict[tuple[str | None, str], tuple[str, str, str]] = {}


def choose_format(accept: str | None, form: str) -> tuple[str, str, str]:
    """(kind, media type, format name) for a query form, or 406 (`NotAcceptable`, raised anew
    each time). The answer depends on the Accept header and the form alone, and is kept for the
    first `_CHOSEN_ENTRIES` short Accept headers (a few microseconds per query)."""
    key = (accept, form)
    chosen = _chosen.get(key)
    if chosen is None:
        chosen = _choose_format(accept, form)
        if len(_chosen) < _CHOSEN_ENTRIES and (accept is None or len(accept) <= _CHOSEN_ACCEPT_CHARS):
            _chosen[key] = chosen
    return chosen


def _choose_format(accept: str | None, form: str) -> tuple[str, str, str]:
    """(kind, media type, format name) for a query form, or 406.

    A CONSTRUCT / DESCRIBE whose Accept names no RDF syntax but a SPARQL results format (JSON,
    XML) gets the default RDF syntax (Turtle) rather than 406: generic clients send one Accept for every query form (rdflib's
    `SPARQLStore(returnFormat="json")` sends only `application/sparql-results+json`) and read the
    answer by its Content-Type (RFC 9110 §12.5.1 lets a server disregard Accept)."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        kind, offers, aliases = "graph", GRAPH_MEDIA, GRAPH_ALIASES
    else:
        kind, offers, aliases = "results", RESULT_MEDIA, RESULT_ALIASES
    chosen = negotiate(accept, offers, aliases)
    if chosen is None and kind == "graph" and negotiate(accept, SPARQL_RESULT_MEDIA, {}) is not None:
        media = next(iter(GRAPH_MEDIA))
        chosen = media, GRAPH_MEDIA[media]
    if chosen is None:
        raise NotAcceptable(
            f"a {form} query can be answered as: " + ", ".join(offers) + f"; the request accepts {accept!r}",
        )
    return kind, chosen[0], chosen[1]


@dataclass
class QueryRequest:
    query: str | None
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    params: dict[str, list[str]] = field(default_factory=dict)


def _collect(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def query_parameters(raw: bytes) -> dict[str, list[str]]:
    """The parameters of a request's query string (the raw bytes of the ASGI scope), %-escapes
    decoded as UTF-8; 400 (bad-encoding) when it is not UTF-8.

    A query string that is one `query=` parameter in ASCII (what SPARQL clients send: the query
    percent-encoded) is decoded at once, without the split and the per-pair work of `parse_qsl`:
    the same result (for ASCII text `unquote` is `unquote_to_bytes(...).decode()`), in half the time."""
    try:
        if raw.startswith(b"query=") and b"&" not in raw and raw.isascii():
            return {"query": [unquote_to_bytes(raw[6:].replace(b"+", b" ")).decode("utf-8")]}
        return _collect(parse_qsl(raw.decode(), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise ProtocolError("the query string is not valid UTF-8", code="bad-encoding") from None


def _ascii_compatible(charset: str | None) -> str:
    """The codec of a declared charset, which must be ASCII-compatible (an urlencoded body is
    ASCII; UTF-16/32 bodies are refused with 415), default UTF-8."""
    encoding = charset or "utf-8"
    try:
        probe = "query=ASK".encode(encoding)
    except LookupError:
        raise UnsupportedFormat(f"unknown charset {charset!r}", code="unsupported-charset") from None
    if probe != b"query=ASK":
        raise UnsupportedFormat(
            f"charset {charset!r} is not accepted: send the request body in UTF-8", code="unsupported-charset"
        )
    return encoding


def _refuse_nul(body: bytes) -> None:
    """A NUL byte is no SPARQL text: most often UTF-16 sent without (or with a wrong) charset."""
    if b"\x00" in body:
        raise ProtocolError(
            "the request body contains NUL bytes (UTF-16 or UTF-32?); send the query in UTF-8", code="bad-encoding"
        )


def decode_form(body: bytes, charset: str | None) -> dict[str, list[str]]:
    """Decode an urlencoded body: %-escapes are bytes in `charset` (default UTF-8; an
    ASCII-compatible charset, as an urlencoded body is ASCII)."""
    encoding = _ascii_compatible(charset)
    _refuse_nul(body)
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        # Not every client escapes non-ASCII characters; accept them in the declared charset.
        text = _decode_text(body, encoding)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, encoding=encoding, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(f"the form body is not valid {encoding}", code="bad-encoding") from None
    return _collect(pairs)


def _decode_text(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        raise ProtocolError(f"the request body is not valid {encoding}", code="bad-encoding") from None


def build_request(params: dict[str, list[str]], direct_query: str | None = None) -> QueryRequest:
    """Validate the parameters of a query operation (common to GET and POST)."""
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        if "query" in params or direct_query is not None:
            raise ProtocolError("a request carries either a query or an update, not both", code="query-and-update")
        raise UpdateRefused("SPARQL Update is not accepted; this endpoint is read-only")
    queries = params.get("query", [])
    if direct_query is not None:
        if queries:
            raise ProtocolError(
                "with Content-Type application/sparql-query the query is the body; "
                "a query parameter is not allowed as well",
                code="query-twice",
            )
        queries = [direct_query]
    if len(queries) > 1:
        raise ProtocolError("exactly one query parameter is allowed", code="query-twice")
    query = queries[0] if queries else None
    return QueryRequest(
        query=query,
        default_graphs=params.get("default-graph-uri") or None,
        named_graphs=params.get("named-graph-uri") or None,
        params=params,
    )


def read_post_body(content_type: str | None, body: bytes) -> QueryRequest:
    media, mparams = parse_media_type(content_type)
    charset = mparams.get("charset")
    if media == "application/x-www-form-urlencoded":
        return build_request(decode_form(body, charset))
    if media == "application/sparql-query":
        # SPARQL 1.1 Query Language, appendix C (application/sparql-query): "The encoding is always
        # UTF-8". Another declared charset is 415; UTF-16 without one is caught by its NUL bytes.
        if charset and charset.lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise UnsupportedFormat(
                f"a SPARQL query is UTF-8 (application/sparql-query); charset {charset!r} is not accepted",
                code="unsupported-charset",
            )
        _refuse_nul(body)
        return QueryRequest(query=_decode_text(body, "utf-8"))
    if media == "application/sparql-update":
        raise UpdateRefused("SPARQL Update is not accepted; this endpoint is read-only")
    raise UnsupportedFormat(
        f"a SPARQL query is POSTed as application/x-www-form-urlencoded or application/sparql-query, not {media or '(none)'!r}"
    )
