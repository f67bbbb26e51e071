"""Unit tests of gather (`registry.validation.gather`): for a published profile version, the
bundle (shapes of the whole chain, pinned vocabularies) and the vocabulary triples fetched for the
IRIs a record mentions (`vocabulary_subset`): what is reached along the shapes' paths and the SKOS
hierarchy, what is not, deprecation facts, labels. The test content: tests/validation/conftest.py."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib.namespace import SH

from registry.validation.gather import (
    SubsetCache, deprecated_concepts, labels_of, record_nodes, vocabulary_subset,
)
from registry.validation.service import get_service

C = "https://w3id.org/test/colours/"
S = "https://w3id.org/test/sizes/"
T = "https://w3id.org/test/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _registry(vclient):
    return vclient.app.state.registry


def _bundle(vclient, pid="leaf", version="1.0.0"):
    return get_service(_registry(vclient)).profile_bundle(pid, version)


def record(**values: str) -> list[ox.Triple]:
    item = ox.NamedNode("https://example.org/record/1")
    out = [ox.Triple(item, ox.NamedNode(RDF_TYPE), ox.NamedNode(T + "Item"))]
    out += [ox.Triple(item, ox.NamedNode(T + key), ox.NamedNode(iri)) for key, iri in values.items()]
    return out


def rows(subset: list[ox.Triple]) -> set[tuple[str, str, str]]:
    def short(term) -> str:
        value = term.value
        for prefix, name in ((C, "c:"), (S, "s:"), (SKOS, "skos:"), (RDF_TYPE, "a")):
            if value.startswith(prefix):
                return name + value[len(prefix):] if name != "a" else "a"
        return value

    return {(short(t.subject), short(t.predicate), short(t.object)) for t in subset}


def test_bundle_merges_the_chain_and_pins_its_vocabularies(vclient):
    bundle = _bundle(vclient)
    assert [(p["id"], p["version"]) for p in bundle.chain] == [("leaf", "1.0.0"), ("middle", "1.0.0"), ("base", "1.0.0")]
    assert bundle.profile["id"] == "leaf" and bundle.profile["iri"].endswith("/profiles/leaf/1.0.0")
    assert sorted(v.id for v in bundle.vocabularies) == ["colours", "sizes"]
    # the merged shapes graph holds the shapes of every version of the chain
    paths = {str(o) for o in bundle.shapes_graph.objects(None, SH.path)}
    assert {T + "size", T + "colour", T + "count"} <= paths
    # the predicates the walk follows: the shapes' paths plus the SKOS hierarchy and membership
    assert {T + "colour", T + "size", SKOS + "broader", SKOS + "inScheme"} <= bundle.walk


def test_subset_follows_the_hierarchy_up_from_the_record_iris(vclient):
    registry = _registry(vclient)
    subset = vocabulary_subset(registry.store, _bundle(vclient), record(colour=C + "crimson", size=S + "small"))
    got = rows(subset)
    assert {
        ("c:crimson", "a", "skos:Concept"), ("c:crimson", "skos:broader", "c:red"),
        ("c:red", "skos:broader", "c:warm"), ("c:warm", "skos:topConceptOf", "c:scheme"),
        ("c:crimson", "skos:inScheme", "c:scheme"), ("s:small", "skos:inScheme", "s:scheme"),
    } <= got
    # nothing the record cannot reach: no sibling, no other branch, no labels (no shape reads them)
    subjects = {s for s, _, _ in got}
    assert not {"c:blue", "c:cold", "c:scarlet", "s:large"} & subjects
    assert not any(p == "skos:prefLabel" for _, p, _ in got)


def test_subset_of_iris_no_vocabulary_has_is_empty(vclient):
    registry = _registry(vclient)
    subset = vocabulary_subset(registry.store, _bundle(vclient), record(colour="https://example.org/not-a-colour"))
    assert subset == []


def test_a_deprecated_concept_brings_its_deprecation_and_replacement(vclient):
    registry = _registry(vclient)
    subset = vocabulary_subset(registry.store, _bundle(vclient), record(colour=C + "scarlet"))
    assert ("c:scarlet", "http://purl.org/dc/terms/isReplacedBy", "c:crimson") in rows(subset)
    assert deprecated_concepts(subset) == {C + "scarlet": [C + "crimson"]}
    # the replacement is named, not walked into
    assert not any(s == "c:crimson" for s, _, _ in rows(subset))


def test_the_cache_gives_the_same_subset(vclient):
    registry = _registry(vclient)
    bundle = _bundle(vclient)
    triples = record(colour=C + "crimson")
    cache = SubsetCache()
    cold = vocabulary_subset(registry.store, bundle, triples, cache)
    misses = cache.misses
    warm = vocabulary_subset(registry.store, bundle, triples, cache)
    assert rows(warm) == rows(cold) and cold
    assert cache.misses == misses and cache.hits > 0  # the second walk read nothing from the store


def test_labels_of_replacements(vclient):
    registry = _registry(vclient)
    labels = labels_of(registry.store, _bundle(vclient), [C + "crimson", S + "large"])
    assert labels == {C + "crimson": {"en": "Crimson", "fr": "Cramoisi"}, S + "large": {"en": "Large", "fr": "Grand"}}


def test_record_nodes_are_the_iris_a_record_mentions():
    triples = record(colour=C + "red") + [
        ox.Triple(ox.BlankNode("b"), ox.NamedNode(T + "size"), ox.NamedNode(S + "small")),
        ox.Triple(ox.NamedNode(C + "red"), ox.NamedNode(T + "note"), ox.Literal("x")),
    ]
    assert [n.value for n in record_nodes(triples)] == [
        "https://example.org/record/1", T + "Item", C + "red", S + "small",
    ]
