"""Search indexes persisted beside the store (issue 16, item 7): after a restart the index is read
from its file (not rebuilt) and answers the same; an unreadable file is rebuilt; a kill -9 at any
moment of a publication leaves no partial index file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox

from registry.config import Settings
from registry.publishing.service import VocabularySubmission
from registry.services import Registry
from registry.vocab.index import VersionIndex
from registry.vocab.persist import IndexFiles
from registry.vocab.service import service_of

from .conftest import VERSIONED_1, VERSIONED_2

REPO = Path(__file__).resolve().parents[2]


def _publish(registry: Registry) -> None:
    registry.communities.create("test", "Test community", ["https://w3id.org/test/"])
    registry.publication.publish_vocabulary(
        registry.catalog.community("test"),
        VocabularySubmission(id="techniques", version="1.0.0", source=VERSIONED_1.encode(), format=ox.RdfFormat.TURTLE),
    )


def _search(registry: Registry) -> list[str]:
    hits, _ = service_of(registry).search("microscopy", vids=["techniques"], limit=10)
    return [index.iris[index.e_cid[h.entry]] for _, index, h in hits]


def test_index_survives_a_restart(settings, tmp_path):
    settings = settings.model_copy(update={"vocab_index_dir": str(tmp_path / "indexes")})
    registry = Registry.build(settings)
    try:
        _publish(registry)
        service = service_of(registry)
        v = service.resolve("techniques")
        first = _search(registry)
        assert first and service.index_source[v.iri] == "built"
        files = list((tmp_path / "indexes").glob("*.index"))
        assert len(files) == 1
    finally:
        registry.close()
    registry = Registry.build(settings)  # a restart: a new process would do the same
    try:
        service = service_of(registry)
        assert _search(registry) == first
        assert service.index_source[v.iri] == "file"
    finally:
        registry.close()
    # an unreadable file (truncated) is removed and the index built again
    files[0].write_bytes(files[0].read_bytes()[:100])
    registry = Registry.build(settings)
    try:
        assert _search(registry) == first
        assert service_of(registry).index_source[v.iri] == "built"
        assert files[0].stat().st_size > 100
    finally:
        registry.close()


def test_default_location_is_beside_an_embedded_store(tmp_path):
    registry = Registry.build(Settings(store=str(tmp_path / "store"), base_iri="http://testserver/", load_bundled=False))
    try:
        _publish(registry)
        _search(registry)
        assert list((tmp_path / "store.vocab-index").glob("*.index"))
    finally:
        registry.close()


PUBLISH = textwrap.dedent("""
    import sys
    import pyoxigraph as ox
    from registry.config import Settings
    from registry.publishing.service import VocabularySubmission
    from registry.services import Registry
    from registry.vocab.service import service_of

    store, indexes, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = ["@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
             "<https://w3id.org/test/k/s> a skos:ConceptScheme ; skos:prefLabel 'K'@en ."]
    for i in range(n):
        parent = f" ; skos:broader <https://w3id.org/test/k/c{i // 10}>" if i else " ; skos:topConceptOf <https://w3id.org/test/k/s>"
        lines.append(f"<https://w3id.org/test/k/c{i}> a skos:Concept{parent} ; skos:prefLabel 'concept {i}'@en, "
                     f"'concept {i} fr'@fr ; skos:altLabel 'c{i}'@en .")
    registry = Registry.build(Settings(store=store, base_iri="http://testserver/", load_bundled=False,
                                       vocab_index_dir=indexes))
    registry.start()
    service_of(registry)  # as the app at start-up: the index file is written beside the bulk load
    registry.communities.create("test", "Test", ["https://w3id.org/test/"])
    community = registry.catalog.community("test")
    for version in ("1.0.0", "1.1.0"):
        registry.publication.publish_vocabulary(community, VocabularySubmission(
            id="k", version=version, source="\\n".join(lines).encode(), format=ox.RdfFormat.TURTLE))
        service_of(registry).warm("k", version)
        print("saved", version, flush=True)
    registry.close()
""")


def _run(store: Path, indexes: Path, kill_after: float | None, n: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", PUBLISH, str(store), str(indexes), str(n)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()
        assert out.decode().count("saved") == 2
    else:
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    return time.monotonic() - started


def _check_files(store: Path, indexes: Path) -> int:
    """Every index file left is whole and equals a fresh build of its (committed) version."""
    registry = Registry.build(Settings(store=str(store), base_iri="http://testserver/", load_bundled=False,
                                       vocab_index_dir=str(indexes)))
    try:
        registry.start()  # recover(): what a crash left half-written is dropped
        service = service_of(registry)
        files = IndexFiles(indexes)
        names = {p.name for p in indexes.glob("*.index")}
        versions = service.all_versions().get("k", [])
        expected = {files.path(v.iri, v.graph, v.content_hash).name: v for v in versions}
        assert names <= set(expected), "an index file for no committed version"
        for name in names:
            v = expected[name]
            loaded = files.load(v.iri, v.graph, v.content_hash)
            assert loaded is not None, f"{name} is unreadable"
            fresh = VersionIndex.build(registry.store, v.iri, v.graph, v.scheme)
            # the file was built from the publication's parse (`IndexBuilder.from_facts`), the fresh
            # one from the graph: the same index, only the numbering of the internal ids differs
            assert _by_iri(loaded) == _by_iri(fresh)
        return len(names)
    finally:
        registry.close()


def _by_iri(index: VersionIndex) -> tuple:
    iris = list(index.iris)
    return (sorted(iris), sorted(index.e_text),
            {iris[c]: sorted(iris[p] for p in parents) for c, parents in index.parents.items() if parents})


def test_kill_9_during_publication_leaves_no_partial_index(tmp_path):
    n = 3000
    full = _run(tmp_path / "full" / "store", tmp_path / "full" / "idx", None, n)
    assert _check_files(tmp_path / "full" / "store", tmp_path / "full" / "idx") == 2
    for i, fraction in enumerate((0.35, 0.6, 0.8, 0.95)):
        store, indexes = tmp_path / f"k{i}" / "store", tmp_path / f"k{i}" / "idx"
        _run(store, indexes, full * fraction, n)
        _check_files(store, indexes)
        assert not [p for p in indexes.glob("*") if not p.name.endswith((".index", ".tmp"))]


def test_start_opens_the_persisted_index_before_returning(settings, tmp_path):
    """Issue 16 item 7: when the registry has started (the app serves right after), the latest
    version's index is open from its file, not left to a background thread a first search could
    overtake."""
    settings = settings.model_copy(update={"vocab_index_dir": str(tmp_path / "indexes")})
    registry = Registry.build(settings)
    try:
        _publish(registry)
        service_of(registry).warm("techniques")  # the file, as after a publication through the API
        v = service_of(registry).resolve("techniques")
    finally:
        registry.close()
    registry = Registry.build(settings)
    try:
        service = service_of(registry)  # made before the start, as the app's feature is
        assert not service.has_index(v.iri)
        registry.start()
        assert service.has_index(v.iri) and service.index_source[v.iri] == "file"
        assert service.cached_index(service.resolve("techniques")) is not None
    finally:
        registry.close()


def test_start_opens_the_persisted_index_of_every_published_version(settings, tmp_path):
    """Issue 16 item 7: an older version is searched too (`version=`): when the registry has
    started, its index is open from its file like the latest's, so that no first search of any
    version reads or builds one."""
    settings = settings.model_copy(update={"vocab_index_dir": str(tmp_path / "indexes")})
    registry = Registry.build(settings)
    try:
        _publish(registry)
        registry.publication.publish_vocabulary(
            registry.catalog.community("test"),
            VocabularySubmission(id="techniques", version="2.0.0", source=VERSIONED_2.encode(), format=ox.RdfFormat.TURTLE),
        )
        service = service_of(registry)
        versions = [service.resolve("techniques", v) for v in ("1.0.0", "2.0.0")]
        for v in versions:
            service.index(v)  # the files, as after publications through the API
    finally:
        registry.close()
    registry = Registry.build(settings)
    try:
        service = service_of(registry)
        assert not any(service.has_index(v.iri) for v in versions)
        registry.start()
        assert all(service.has_index(v.iri) and service.index_source[v.iri] == "file" for v in versions)
        hits, _ = service.search("microscopy", vids=["techniques"], version="1.0.0", limit=10)
        assert hits and all(index is service.cached_index(versions[0]) for _, index, _ in hits)
    finally:
        registry.close()
