"""Issue 16 ("Speed and size"): a publication's checks and its new search index file are made in
the parse thread beside the bulk load, so that after the load only the commit (and the rename of
the already written index file) remains; the index goes live only after the commit succeeded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.errors import CheckFailed, Conflict
from registry.publishing.service import VocabularySubmission
from registry.services import Registry
from registry.vocab.index import IndexBuilder
from registry.vocab.service import service_of

from .conftest import VERSIONED_1


@pytest.fixture
def started(settings, tmp_path):
    registry = Registry.build(settings.model_copy(update={"vocab_index_dir": str(tmp_path / "indexes")}))
    registry.start()
    service_of(registry)  # the vocabulary feature, as the app makes it at start-up
    registry.communities.create("test", "Test community", ["https://w3id.org/test/"])
    yield registry, tmp_path / "indexes"
    registry.close()


def _submission(source: str = VERSIONED_1, **extra) -> VocabularySubmission:
    return VocabularySubmission(id="techniques", version="1.0.0", source=source.encode(),
                                format=ox.RdfFormat.TURTLE, **extra)


def _files(indexes: Path) -> tuple[list[str], list[str]]:
    return sorted(p.name for p in indexes.glob("*.index")), sorted(p.name for p in indexes.glob("*.tmp"))


def test_index_file_is_written_beside_the_load_and_made_live_after_the_commit(started, monkeypatch):
    registry, indexes = started
    service_of(registry).index_beside_load = True
    store = registry.store
    seen: dict[str, object] = {}
    load_graph, commit = store.load_graph, store.commit

    def slow_load(graph, data, fmt):
        load_graph(graph, data, fmt)
        # a load that lasts until the parse thread wrote the index file: it is written beside it
        # (the test would time out here if the file waited for the load or the commit)
        deadline = time.monotonic() + 60
        while not _files(indexes)[1]:
            assert time.monotonic() < deadline, "the index file was not written beside the bulk load"
            time.sleep(0.01)
        seen["during load"] = _files(indexes)
        seen["load thread"] = threading.current_thread().name

    def watched_commit(*args, **kwargs):
        seen["at commit"] = _files(indexes)
        commit(*args, **kwargs)

    monkeypatch.setattr(store, "load_graph", slow_load)
    monkeypatch.setattr(store, "commit", watched_commit)
    monkeypatch.setattr(IndexBuilder, "write", _recording_thread(IndexBuilder.write, seen))
    registry.publication.publish_vocabulary(registry.catalog.community("test"), _submission())
    # beside the load: a temporary file, not live; at the commit still not live; after it, live
    assert seen["during load"][0] == [] and len(seen["during load"][1]) == 1
    assert seen["at commit"] == seen["during load"]
    assert seen["writer thread"] != seen["load thread"]
    final, temporary = _files(indexes)
    assert len(final) == 1 and temporary == [] and final[0] + "." in seen["during load"][1][0]
    service = service_of(registry)
    v = service.resolve("techniques")
    assert service.index_source[v.iri] == "prebuilt" and service.has_index(v.iri)
    hits, _ = service.search("balayage", vids=["techniques"], limit=10)
    assert [index.iris[index.e_cid[h.entry]] for _, index, h in hits] == ["https://w3id.org/test/voc/sem"]


def test_by_default_the_index_file_waits_for_the_end_of_the_load(started, monkeypatch):
    """Writing the index while the store loads exceeds the 1 GB budget at 1M triples: by default
    it is written beside the commit instead, and still made live only after it."""
    registry, indexes = started
    store = registry.store
    seen: dict[str, object] = {}
    load_graph = store.load_graph

    def watched_load(graph, data, fmt):
        load_graph(graph, data, fmt)
        time.sleep(0.5)  # time for a build that would not wait
        seen["end of load"] = _files(indexes)

    monkeypatch.setattr(store, "load_graph", watched_load)
    registry.publication.publish_vocabulary(registry.catalog.community("test"), _submission())
    assert seen["end of load"] == ([], [])
    final, temporary = _files(indexes)
    assert len(final) == 1 and temporary == []
    service = service_of(registry)
    assert service.index_source[service.resolve("techniques").iri] == "prebuilt"


def _recording_thread(write, seen):
    def wrapped(self, f):
        seen["writer thread"] = threading.current_thread().name
        return write(self, f)
    return wrapped


def test_a_publication_refused_after_the_load_leaves_no_index_file(started):
    registry, indexes = started

    def refuse(_check):
        raise Conflict("refused by a version check", code="test-refused")

    registry.publication.vocabulary_checks.append(refuse)  # runs after the index file was written
    with pytest.raises(Conflict):
        registry.publication.publish_vocabulary(registry.catalog.community("test"), _submission())
    assert _files(indexes) == ([], [])
    assert registry.catalog.series_ids("vocabulary") == []
    assert not registry.store.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'techniques')) } LIMIT 1")


def test_a_strict_refusal_writes_no_index(started):
    registry, indexes = started
    # skos-S14 (two English prefLabels on one concept) is an error under the strict policy
    broken = VERSIONED_1.replace('"Light microscopy"@en', '"Light microscopy"@en, "Optical microscopy"@en')
    with pytest.raises(CheckFailed) as refused:
        registry.publication.publish_vocabulary(registry.catalog.community("test"),
                                                _submission(broken, skos_integrity="strict"))
    assert "skos-S14" in {f["code"] for f in refused.value.extra["findings"]}
    assert _files(indexes) == ([], [])
    assert registry.catalog.series_ids("vocabulary") == []
