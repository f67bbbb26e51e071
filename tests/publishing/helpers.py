"""Helpers for the publish-time checks tests."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from tests.conftest import SHARED_DATA, require_shared

STAGING = ox.NamedNode("urn:registry:staging:test")

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/ns/> .
"""


def shapes(ttl: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + ttl, format="turtle")


def vocab_store(ttl: str) -> tuple[ox.Store, callable]:
    """A store whose staging named graph holds the Turtle, plus a ``query`` bound to that graph.
    A decoy triple in the default graph checks that queries see only the staging graph."""
    store = ox.Store()
    store.load((PREFIXES + ttl).encode(), format=ox.RdfFormat.TURTLE, to_graph=STAGING)
    store.add(ox.Quad(ox.NamedNode("https://example.org/decoy"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#ConceptScheme")))
    return store, (lambda q: store.query(q, default_graph=[STAGING]))


@pytest.fixture
def shared_data() -> Path:
    """The third-party data folder (skipped outside CI, failing in CI when missing)."""
    return require_shared(SHARED_DATA / "vocabularies").parent
