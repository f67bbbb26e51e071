"""RDF responses of the JSON API routes, negotiated by `registry.conneg`."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from fastapi.responses import Response
from starlette.requests import Request

from registry.conneg import choose_rdf, requested_media, wants_rdf
from registry.namespaces import PREFIXES
from registry.rdf import serialize

__all__ = ["rdf_response", "wants_rdf"]


def rdf_response(request: Request, triples: Iterable[ox.Triple], *, status: int = 200) -> Response:
    """`triples` in the syntax the request asks for (`?_mediatype=` or Accept); asked for a
    dataset syntax (N-Quads, TriG), the triples are its default graph, as on every route."""
    media_type, fmt = choose_rdf(requested_media(request))
    body = serialize(triples, fmt, prefixes=PREFIXES)
    return Response(body, status_code=status, media_type=media_type, headers={"Vary": "Accept"})
