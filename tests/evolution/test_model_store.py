"""Profile models kept in the store at publication (`registry.evolution.model_store`): the first
diff after a start reads them instead of normalising the shapes graphs again (issue 17, speed)."""

from __future__ import annotations

import json


from registry.evolution import model_store
from registry.evolution.profile_diff import diff_models
from registry.evolution.service import EvolutionService
from registry.services import Registry
from tests.evolution.conftest import EM


def _without_terms(model):
    for shape in model.shapes.values():
        shape.term = None
    return model


def test_published_versions_have_their_model_kept_and_it_equals_the_built_one(evolution_settings):
    registry = Registry.build(evolution_settings, read_only=True)
    try:
        service = EvolutionService(registry)
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            info = registry.catalog.version("profile", EM, version)
            kept = model_store.load(registry.store, info.iri)
            assert kept is not None, version
            assert kept == _without_terms(service.build_profile_model(info)), version
        old, new = (registry.catalog.version("profile", EM, v) for v in ("1.1.0", "2.0.0"))
        from_shapes = diff_models(service.build_profile_model(old), service.build_profile_model(new),
                                  service.vocabulary_change)
        first = EvolutionService(registry).profile_diff(EM, "1.1.0", "2.0.0")  # a new service: cold
        assert [c.to_json() for c in first.changes] == [c.to_json() for c in from_shapes]
        assert len(first.changes) > 0
    finally:
        registry.close()


def test_a_model_of_another_format_is_ignored(evolution_settings):
    registry = Registry.build(evolution_settings, read_only=True)
    try:
        info = registry.catalog.version("profile", EM, "2.0.0")
        data = model_store.to_json(model_store.load(registry.store, info.iri))
        assert model_store.from_json(data) is not None
        data["format"] = "profile-model/older"
        assert model_store.from_json(json.loads(json.dumps(data))) is None
    finally:
        registry.close()


def test_the_kept_models_are_not_public(evolution_client):
    rows = evolution_client.get("/sparql", params={"query": f"SELECT ?s WHERE {{ ?s <{model_store.PREDICATE}> ?m }}"},
                                headers={"Accept": "application/sparql-results+json"}).json()
    assert rows["results"]["bindings"] == []
    graphs = evolution_client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                  headers={"Accept": "application/sparql-results+json"}).json()
    names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
    assert any(n.endswith("/shapes") for n in names)  # the query sees the public graphs
    assert model_store.MODELS_GRAPH not in names
