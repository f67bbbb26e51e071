"""Content negotiation, one module for every route (issue 18, item 3), on top of
`registry.http.parse_accept` (RFC 9110 §12.5.1 q-values), with one table of the RDF syntaxes
(`RDF_SYNTAXES`) and one of the SPARQL result formats (`RESULT_SYNTAXES`): uploads, downloads,
file extensions, `?_mediatype=` tokens, the SPARQL workers' format names and the remote store's
answers are all read from them.

The rules every route follows:

* `?_mediatype=` (a token such as `ttl`, or a full media type) wins over `Accept`
  (`requested_media`), on catalog routes as on linked-data routes;
* `negotiate_rdf` picks the syntax by q-value; `*/*`, `application/*` and `text/*` get the default;
* HTML is chosen only when the client prefers it to every RDF syntax (`prefers_html`);
* a JSON API route answers RDF only when asked for an RDF syntax before JSON (`wants_rdf`);
* a graph asked for in a dataset syntax (N-Quads, TriG) is written as that dataset with the
  triples in the default graph (`registry.rdf.serialize`), everywhere;
* nothing acceptable: `registry.errors.NotAcceptable` (406).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from registry.errors import NotAcceptable
from registry.http import parse_accept


@dataclass(frozen=True)
class RdfSyntax:
    media_type: str
    format: ox.RdfFormat
    #: the name in `format=` parameters and between the SPARQL service and its workers
    name: str
    #: file extensions, then other `?_mediatype=` tokens
    extensions: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    #: other media types clients send for it (SPARQLWrapper among them)
    aliases: tuple[str, ...] = ()
    #: aliases also accepted as an upload's Content-Type
    upload_aliases: tuple[str, ...] = ()

    @property
    def dataset(self) -> bool:
        return self.format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


#: The RDF syntaxes, in preference order for content negotiation (the first is the default).
RDF_SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("text/turtle", ox.RdfFormat.TURTLE, "turtle", ("ttl",), ("turtle",),
              ("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3"),
              ("application/x-turtle", "application/turtle")),
    RdfSyntax("application/ld+json", ox.RdfFormat.JSON_LD, "jsonld", ("jsonld",), ("json-ld",), ("application/json",)),
    RdfSyntax("application/n-triples", ox.RdfFormat.N_TRIPLES, "ntriples", ("nt",), ("ntriples",), ("text/plain",)),
    RdfSyntax("application/rdf+xml", ox.RdfFormat.RDF_XML, "rdfxml", ("rdf", "owl", "xml"), ("rdfxml",),
              ("application/xml", "text/xml")),
    RdfSyntax("application/n-quads", ox.RdfFormat.N_QUADS, "nquads", ("nq",), ("nquads",)),
    RdfSyntax("application/trig", ox.RdfFormat.TRIG, "trig", ("trig",)),
)
BY_NAME = {s.name: s for s in RDF_SYNTAXES}

#: Formats offered for download, by media type, in preference order.
GRAPH_OUTPUT_FORMATS: dict[str, ox.RdfFormat] = {s.media_type: s.format for s in RDF_SYNTAXES}
#: Media types accepted for uploads (an allow-list).
UPLOAD_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    media: s.format for s in RDF_SYNTAXES for media in (s.media_type, *s.upload_aliases)
}
EXTENSIONS: dict[str, ox.RdfFormat] = {ext: s.format for s in RDF_SYNTAXES for ext in s.extensions}
#: a graph file's extension → the syntax's name (datasets excluded: a record is one graph)
GRAPH_EXTENSION_NAMES: dict[str, str] = {ext: s.name for s in RDF_SYNTAXES if not s.dataset for ext in s.extensions}
MEDIA_TYPE_ALIASES: dict[str, str] = {alias: s.media_type for s in RDF_SYNTAXES for alias in s.aliases}
#: Every media type a store or client may label RDF with, aliases included.
RDF_FORMAT_BY_MEDIA: dict[str, ox.RdfFormat] = {
    media: s.format for s in RDF_SYNTAXES for media in (s.media_type, *s.aliases)
}
#: `?_mediatype=` tokens.
MEDIATYPE_TOKENS: dict[str, str] = {
    token: s.media_type for s in RDF_SYNTAXES for token in (*s.extensions, *s.tokens)
} | {"html": "text/html"}
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ResultSyntax:
    media_type: str
    format: ox.QueryResultsFormat
    name: str
    aliases: tuple[str, ...] = ()


#: SPARQL query results formats, in preference order.
RESULT_SYNTAXES: tuple[ResultSyntax, ...] = (
    ResultSyntax("application/sparql-results+json", ox.QueryResultsFormat.JSON, "json", ("application/json", "text/json")),
    ResultSyntax("application/sparql-results+xml", ox.QueryResultsFormat.XML, "xml", ("application/xml", "text/xml")),
    ResultSyntax("text/csv", ox.QueryResultsFormat.CSV, "csv"),
    ResultSyntax("text/tab-separated-values", ox.QueryResultsFormat.TSV, "tsv", ("text/tsv",)),
)
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {s.name: s.format for s in RESULT_SYNTAXES}


#: the graph syntaxes a SPARQL CONSTRUCT / DESCRIBE is offered in, in this order
SPARQL_GRAPH_NAMES = ("turtle", "ntriples", "rdfxml", "jsonld")


def by_names(names: Iterable[str]) -> dict[str, str]:
    """{media type: name} for the RDF syntaxes `names`, in that order (an offer list)."""
    return {BY_NAME[name].media_type: name for name in names}


def requested_media(request) -> str | None:
    """The media type asked for: `?_mediatype=` (a token or a full type) or else `Accept`."""
    token = request.query_params.get("_mediatype")
    if token:
        # A media type never contains a space: one here is a `+` a client left unencoded (as this
        # registry's own links once did), decoded as a space by the form-urlencoded rules.
        token = token.strip().replace(" ", "+")
        return MEDIATYPE_TOKENS.get(token.lower(), token)
    return request.headers.get("accept")


def negotiate_rdf(accept: str | None, default: str = "text/turtle") -> tuple[str, ox.RdfFormat] | None:
    """The output RDF syntax for an Accept value (q-values, aliases; wildcards get `default`), or
    None when the client accepts none of the RDF syntaxes."""
    if not accept:
        return default, GRAPH_OUTPUT_FORMATS[default]
    for media, q, _ in parse_accept(accept):
        if q <= 0:
            continue
        media = MEDIA_TYPE_ALIASES.get(media, media)
        if media in ("*/*", "application/*", "text/*"):
            media = default
        if media in GRAPH_OUTPUT_FORMATS:
            return media, GRAPH_OUTPUT_FORMATS[media]
    return None


def choose_rdf(accept: str | None, default: str = "text/turtle") -> tuple[str, ox.RdfFormat]:
    """`negotiate_rdf`, or 406 saying what is offered."""
    chosen = negotiate_rdf(accept, default)
    if chosen is None:
        raise NotAcceptable("none of the media types asked for is available; offered: " + ", ".join(GRAPH_OUTPUT_FORMATS))
    return chosen


def prefers_html(accept: str | None) -> bool:
    """True when the first acceptable of (HTML, any RDF syntax) in preference order is HTML."""
    for media, q, _ in parse_accept(accept):
        if q <= 0:
            continue
        if media in HTML_TYPES:
            return True
        media = MEDIA_TYPE_ALIASES.get(media, media)
        if media in GRAPH_OUTPUT_FORMATS or media in ("*/*", "application/*"):
            return False
    return False


def wants_rdf(request) -> bool:
    """True when a JSON API route should answer RDF rather than its JSON view: the most preferred
    item (by q-value) of `?_mediatype=` or `Accept` that is an RDF syntax comes before
    `application/json`, HTML or `*/*`, which mean the JSON view (as does nothing)."""
    for media, q, _ in parse_accept(requested_media(request)):
        if q <= 0:
            continue
        if media in GRAPH_OUTPUT_FORMATS:
            return True
        if media in ("application/json", "text/html", "*/*"):
            return False
    return False
