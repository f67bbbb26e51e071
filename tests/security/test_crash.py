"""Crash safety with real processes: kill -9 the server during a large vocabulary publication and
during a batch validation, restart, and check the store holds the complete previous state or the
complete new version, never a partial one, and that the catalog agrees with the graphs.

CI (default): one 300k-triple file, one kill point, then a completed re-publication.
Long mode (`REGISTRY_LONG_TESTS=1`): a 1M-triple file (~100 MB) and kills at 0.5 s, 3 s and 8 s.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from registry.catalog import Catalog
from registry.namespaces import SYSTEM_GRAPH, IriScheme
from registry.store.oxigraph import OxigraphStore
from tests.conftest import store_snapshot
from tests.security.conftest import LONG, TEST_NS, make_community

pytestmark = pytest.mark.slow

TRIPLES = 1_000_000 if LONG else 300_000
KILL_AFTER = [0.5, 3.0, 8.0] if LONG else [2.0]
BASE = "http://localhost/"


def write_skos(path: Path, triples: int) -> int:
    """A synthetic SKOS vocabulary in N-Triples (fr/en labels, hierarchy); returns its triple count."""
    scheme = f"<{TEST_NS}big/>"
    skos = "http://www.w3.org/2004/02/skos/core#"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    lines = [f"{scheme} {rdf_type} <{skos}ConceptScheme> .\n", f'{scheme} <{skos}prefLabel> "Big"@en .\n']
    i = 0
    while len(lines) + 7 <= triples:
        c = f"<{TEST_NS}big/c{i}>"
        lines += [
            f"{c} {rdf_type} <{skos}Concept> .\n",
            f"{c} <{skos}inScheme> {scheme} .\n",
            f'{c} <{skos}prefLabel> "concept {i}"@en .\n',
            f'{c} <{skos}prefLabel> "concept {i} fr"@fr .\n',
            f'{c} <{skos}definition> "definition of concept number {i}"@en .\n',
        ]
        if i == 0:
            lines.append(f"{c} <{skos}topConceptOf> {scheme} .\n")
            lines.append(f"{scheme} <{skos}hasTopConcept> {c} .\n")
        else:
            parent = f"<{TEST_NS}big/c{(i - 1) // 10}>"
            lines.append(f"{c} <{skos}broader> {parent} .\n")
            lines.append(f"{parent} <{skos}narrower> {c} .\n")
        i += 1
    with path.open("w", encoding="utf-8") as out:
        out.writelines(lines)
    return len(lines)


@pytest.fixture(scope="module")
def big_vocabulary(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("big") / "big.nt"
    return path, write_skos(path, TRIPLES)


def check_store(store_dir: Path, expected_triples: int) -> str:
    """Open the stopped server's store: 'absent' or 'complete', else fail."""
    store = OxigraphStore(store_dir)
    try:
        iris = IriScheme(BASE)
        catalog = Catalog(store, iris)
        referenced = catalog.referenced_graphs()
        graphs = store.graph_names()
        orphans = graphs - referenced - {SYSTEM_GRAPH}
        assert not orphans, f"graphs nothing references: {sorted(orphans)}"
        assert referenced <= graphs | {iris.catalog}, f"the catalog names missing graphs: {sorted(referenced - graphs)}"
        version_iri = iris.vocabulary_version("big", "1.0.0")
        concepts = iris.concepts_graph(version_iri)
        versions = catalog.versions("vocabulary", "big") if "big" in catalog.series_ids("vocabulary") else []
        if not versions:
            assert concepts not in graphs and version_iri not in graphs
            return "absent"
        assert [v.version for v in versions] == ["1.0.0"]
        count = store.count(concepts)
        assert count == expected_triples, f"partial version: {count} of {expected_triples} triples"
        return "complete"
    finally:
        store.close()


def api_state(url: str, expected: int) -> str:
    response = httpx.get(f"{url}/vocabularies/big/versions/1.0.0", timeout=30)
    if response.status_code == 404:
        assert response.headers["content-type"] == "application/problem+json"
        return "absent"
    assert response.status_code == 200, response.text
    assert response.json()["triples"] == expected
    return "complete"


def upload(url: str, token: str, path: Path, outcome: dict) -> None:
    def chunks():
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                yield block

    try:
        response = httpx.put(
            f"{url}/vocabularies/big/versions/1.0.0", content=chunks(), timeout=600,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"},
        )
        outcome["status"] = response.status_code
        outcome["body"] = response.text[:500]
    except httpx.HTTPError as exc:
        outcome["error"] = repr(exc)


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_kill_9_during_a_large_vocabulary_publication(tmp_path, server_factory, big_vocabulary, kill_after):
    path, expected = big_vocabulary
    store = tmp_path / "store"
    token = make_community(store)
    server = server_factory(store).start()
    outcome: dict = {}
    thread = threading.Thread(target=upload, args=(server.url, token, path, outcome))
    thread.start()
    time.sleep(kill_after)
    finished_before_kill = "status" in outcome
    server.kill9()
    thread.join(timeout=60)
    print(f"\nkill -9 after {kill_after}s: upload outcome {outcome or '(none)'}")
    if finished_before_kill:
        pytest.fail(f"the publication ended before the kill at {kill_after}s: use a larger file ({outcome})")

    # restart: recovery runs, the API answers, the state is all or nothing
    again = server_factory(store).start()
    state = api_state(again.url, expected)
    print(f"after restart the version is {state}")
    # the store is not wedged: the publication can be made again, completely
    if state == "absent":
        done: dict = {}
        upload(again.url, token, path, done)
        assert done.get("status") == 201, done
        assert api_state(again.url, expected) == "complete"
    again.stop()
    assert check_store(store, expected) == "complete"


def test_kill_9_during_a_batch_validation(tmp_path, server_factory):
    store = tmp_path / "store"
    token = make_community(store)
    data = Path(__file__).resolve().parents[1] / "foundation" / "data"
    server = server_factory(store).start()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    assert httpx.put(f"{server.url}/vocabularies/techniques/versions/1.0.0", content=(data / "techniques-1.0.0.ttl").read_bytes(), headers=headers, timeout=60).status_code == 201
    assert httpx.put(f"{server.url}/profiles/test-profile/versions/1.0.0", content=(data / "shapes-1.0.0.ttl").read_bytes(), headers=headers, timeout=60).status_code == 201
    server.stop()
    store_obj = OxigraphStore(store)
    before = store_snapshot(store_obj)
    store_obj.close()

    server = server_factory(store).start()
    records = 5000 if not LONG else 10000  # 10,000 = the default records-per-batch limit
    batch = "".join(
        f'<{TEST_NS}d{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> <{TEST_NS}g{i}> .\n'
        f'<{TEST_NS}d{i}> <http://purl.org/dc/terms/title> "record {i}"@en <{TEST_NS}g{i}> .\n'
        for i in range(records)
    ).encode()
    outcome: dict = {}

    def run():
        try:
            with httpx.stream("POST", f"{server.url}/validate?profile=test-profile", content=batch,
                              headers={"Content-Type": "application/n-quads"}, timeout=120) as response:
                outcome["status"] = response.status_code
                outcome["bytes"] = sum(len(c) for c in response.iter_bytes())
        except httpx.HTTPError as exc:
            outcome["error"] = repr(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(1.5)
    server.kill9()
    thread.join(timeout=60)
    print(f"\nbatch validation killed: {outcome}")
    assert "error" in outcome, f"the kill did not interrupt the batch: {outcome}"
    again = server_factory(store).start()
    assert httpx.get(f"{again.url}/profiles/test-profile/versions/1.0.0", timeout=30).status_code == 200
    response = httpx.post(f"{again.url}/validate?profile=test-profile", content=batch[:2000].rsplit(b"\n", 1)[0] + b"\n",
                          headers={"Content-Type": "application/n-quads"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    again.stop()
    store_obj = OxigraphStore(store)
    after = store_snapshot(store_obj)
    store_obj.close()
    assert after == before, "a killed validation changed the store"
