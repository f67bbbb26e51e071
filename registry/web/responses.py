"""RDF responses with content negotiation on Accept."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from registry.errors import RegistryError
from registry.namespaces import PREFIXES
from registry.rdf import GRAPH_OUTPUT_FORMATS, negotiate_rdf, serialize


class NotAcceptable(RegistryError):
    status = 406
    code = "not-acceptable"
    title = "Not acceptable"


def wants_rdf(request: Request) -> bool:
    """True when the client asks for an RDF syntax rather than the JSON view.

    `?_mediatype=` wins over Accept. `application/json` (and no Accept) means the JSON view;
    `application/ld+json`, Turtle, N-Triples or RDF/XML mean RDF.
    """
    media = request.query_params.get("_mediatype")
    if media:
        return media in GRAPH_OUTPUT_FORMATS
    accept = request.headers.get("accept", "")
    if not accept:
        return False
    for item in accept.split(","):
        media_type = item.split(";")[0].strip().lower()
        if media_type in GRAPH_OUTPUT_FORMATS:
            return True
        if media_type in ("application/json", "text/html", "*/*"):
            return False
    return False


def rdf_response(request: Request, triples: Iterable[ox.Triple], *, status: int = 200) -> Response:
    media = request.query_params.get("_mediatype") or request.headers.get("accept")
    chosen = negotiate_rdf(media)
    if chosen is None:
        raise NotAcceptable(
            "none of the media types asked for is available; offered: " + ", ".join(GRAPH_OUTPUT_FORMATS),
        )
    media_type, fmt = chosen
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        media_type, fmt = "application/n-triples", ox.RdfFormat.N_TRIPLES
    body = serialize(triples, fmt, prefixes=PREFIXES)
    return Response(body, status_code=status, media_type=media_type, headers={"Vary": "Accept"})
