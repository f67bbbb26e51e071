"""RDF output helpers for graph (not dataset) responses."""

from __future__ import annotations

import pyoxigraph as ox


def graph_format(media_type: str, fmt: ox.RdfFormat) -> tuple[str, ox.RdfFormat]:
    """A graph is written in a graph syntax: dataset syntaxes asked for fall back to N-Triples/Turtle."""
    if fmt == ox.RdfFormat.N_QUADS:
        return "application/n-triples", ox.RdfFormat.N_TRIPLES
    if fmt == ox.RdfFormat.TRIG:
        return "text/turtle", ox.RdfFormat.TURTLE
    return media_type, fmt
