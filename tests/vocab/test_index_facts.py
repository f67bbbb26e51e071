"""The search index of a new version is built from the one parse of the published document
(`IndexBuilder.from_facts`, issue 16 "Speed and size") instead of reading the concepts graph back
with SPARQL (`IndexBuilder.read`, kept for drafts and for indexes built after a restart). Both
must hold the same index: the same concepts, labels, links, schemes, groups, types and
deprecations, and the same search answers; only the numbering of their internal ids differs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.publishing.iri_scan import scan_iris
from registry.store.oxigraph import OxigraphStore
from registry.vocab.index import IndexBuilder
from registry.vocab.normalize import fold
from tests.conftest import SHARED_DATA, require_shared

from .test_index_unit import GRAPH, TURTLE, VERSION

VOCABULARIES = {
    "coar_resource_types.nt": ox.RdfFormat.N_TRIPLES,
    "eu_filetypes-skos.rdf": ox.RdfFormat.RDF_XML,
    "physh_skos_compat.ttl": ox.RdfFormat.TURTLE,
    "gemet-fr.rdf": ox.RdfFormat.RDF_XML,
    "unesco-thesaurus.ttl": ox.RdfFormat.TURTLE,
}
XL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix skosxl: <http://www.w3.org/2008/05/skos-xl#> .
<https://w3id.org/x/s> a skos:ConceptScheme ; skos:hasTopConcept <https://w3id.org/x/a> .
<https://w3id.org/x/a> a skos:Concept, <https://w3id.org/x/Technique> ; skos:inScheme <https://w3id.org/x/s> ;
  skosxl:prefLabel [ skosxl:literalForm "Alpha"@en ] ; skosxl:altLabel <https://w3id.org/x/l1> ;
  skos:notation "A1"^^<https://w3id.org/x/code> ; skos:prefLabel "Alpha"@en, "Alpha"@en .
<https://w3id.org/x/l1> skosxl:literalForm "First letter"@en, "Première lettre"@fr .
<https://w3id.org/x/b> a skos:Concept ; skos:broader <https://w3id.org/x/a> ; skos:prefLabel "Beta"@en ;
  <http://www.w3.org/2002/07/owl#deprecated> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> ;
  <http://purl.org/dc/terms/isReplacedBy> <https://w3id.org/x/a> .
<https://w3id.org/x/g> a skos:Collection ; skos:prefLabel "Letters"@en ; skos:member <https://w3id.org/x/a>, <https://w3id.org/x/b> .
"""


def canonical(b: IndexBuilder) -> dict:
    """What a builder holds, by IRI (its own concept ids numbered away)."""
    iri = b.iris.__getitem__

    def by_iri(mapping, value=lambda v: sorted(map(iri, v))):
        return {iri(c): value(v) for c, v in mapping.items() if v}

    return {
        "iris": set(b.iris),
        "concepts": set(map(iri, b.is_concept)),
        "pref": {iri(c): p for c, p in enumerate(b.pref) if p},
        "notation": by_iri(b.notation, lambda v: v),
        "deprecated": set(map(iri, b.deprecated)),
        "replaced_by": by_iri(b.replaced_by, sorted),
        "types": by_iri(b.types, sorted),
        "parents": by_iri(b.parents),
        "children": by_iri(b.children),
        "groups": {iri(g): sorted(map(iri, m)) for g, m in b.groups.items()},
        "member_of": by_iri(b.member_of),
        "scheme_tops": {s: sorted(map(iri, c)) for s, c in b.scheme_tops.items()},
        "scheme_stated": {s: sorted(map(iri, c)) for s, c in b.scheme_stated.items()},
        "top": [iri(c) for c in b.top],
        "entries": Counter(zip(map(iri, b.e_cid), b.e_kind, b.e_lang, b.e_text)),
    }


def both(data: bytes | Path, fmt: ox.RdfFormat) -> tuple[IndexBuilder, IndexBuilder]:
    store = OxigraphStore()
    store.load_graph(GRAPH, data.read_bytes() if isinstance(data, Path) else data, fmt)
    facts = scan_iris(data, fmt, [], skos=True).facts
    return IndexBuilder.read(store, VERSION, GRAPH), IndexBuilder.from_facts(VERSION, GRAPH, facts)


def same_answers(read: IndexBuilder, parsed: IndexBuilder, queries: list[str]) -> None:
    a, b = read.to_index(), parsed.to_index()
    for q in queries:
        for options in ({}, {"mode": "exact"}, {"lang": "fr"}, {"unique": False}):
            found = [(a.iris[a.e_cid[h.entry]], h.rank, a.e_text[h.entry]) for h in a.search(fold(q), **options)]
            assert [(b.iris[b.e_cid[h.entry]], h.rank, b.e_text[h.entry]) for h in b.search(fold(q), **options)] == found


@pytest.mark.parametrize("turtle", [TURTLE, XL], ids=["unit", "skos-xl"])
def test_index_from_the_parse_is_the_index_from_the_store(turtle):
    read, parsed = both(turtle.encode(), ox.RdfFormat.TURTLE)
    assert canonical(parsed) == canonical(read)
    assert read.e_text  # the vocabulary has labels: the comparison compared something
    same_answers(read, parsed, ["a", "e", "micro", "first", "premiere", "t-1", "a1", "electron"])


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_real_vocabularies_index_from_the_parse(name):
    path = require_shared(SHARED_DATA / "vocabularies" / name)
    read, parsed = both(path, VOCABULARIES[name])
    assert canonical(parsed) == canonical(read)
    assert len(read.is_concept) > 50
    prefixes = sorted({fold(t)[:3] for t in read.e_text[::max(1, len(read.e_text) // 25)]})
    same_answers(read, parsed, prefixes)
