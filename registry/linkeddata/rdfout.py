"""RDF output of the linked-data routes: quads, so that dataset syntaxes keep graph names.

The representations are built as pyoxigraph quads whose graph name is the named graph the triple is
stored in (`DefaultGraph` for what the registry computes on the fly: the catalog's service
description, `dcat:hasVersion` summaries, VoID counts...). N-Quads and TriG (RDF 1.1 datasets)
are written with those graph names; the graph syntaxes (Turtle, N-Triples, RDF/XML, JSON-LD) get
the triples, each once.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from registry.rdf import serialize

DATASET_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


def in_graph(triples: Iterable[ox.Triple], graph: str | None) -> list[ox.Quad]:
    """`triples` as quads of the named graph `graph` (None: the default graph)."""
    name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]


def triples_of(quads: Iterable[ox.Quad | ox.Triple]) -> list[ox.Triple]:
    """The distinct triples of `quads`, in order."""
    return list(dict.fromkeys(q.triple if isinstance(q, ox.Quad) else q for q in quads))


def serialize_quads(quads: Iterable[ox.Quad | ox.Triple], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """`quads` in `fmt`: with their graph names in a dataset syntax, as triples in a graph syntax."""
    if fmt in DATASET_FORMATS:
        items = list(dict.fromkeys(q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in quads))
        return serialize(items, fmt, prefixes=prefixes)
    return serialize(triples_of(quads), fmt, prefixes=prefixes)
