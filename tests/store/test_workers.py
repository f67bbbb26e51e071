"""Several registry nodes on one store: two real uvicorn processes, each on its own port (as on
two machines behind a load balancer), on one real `oxigraph serve` and on one real Virtuoso
(issue 19), whatever the suite's backend.

A publication through one node is visible through the other at once: catalog listing,
artifacts, vocabulary search, record validation and SPARQL, even after the other node has warmed
its caches on the old state. Concurrent publications through both never lose or mix data, and
killing one node in the middle of a publication leaves the store consistent and the other serving.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from registry.config import Settings
from registry.services import Registry
from tests.conftest import BASE, STORE_SETTINGS_ENV, Actors, OxigraphServer, VirtuosoServer, free_port

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "foundation" / "data"

RECORD = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/records/1> a dcat:Dataset ;
    dct:title "A dataset"@en ;
    <https://w3id.org/test/technique> <https://w3id.org/test/technique/tem> .
"""


class Worker:
    """`python -m uvicorn --factory registry.serving:served_app` (docs/deployment.md's recipe) on a free port."""

    def __init__(self, store_url: str, log: Path, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **{k: v for k, v in os.environ.items() if k not in STORE_SETTINGS_ENV},
            "PYTHONPATH": str(REPO),
            "REGISTRY_STORE": store_url,
            "REGISTRY_BASE_IRI": BASE,
            "REGISTRY_LOAD_BUNDLED": "false",
            # a node killed while holding the writer lease must not block the other for long
            "REGISTRY_STORE_LOCK_TTL_S": "3",
            **settings,
        }
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "registry.serving:served_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        # 120 s, as the SPARQL test server's start-up: a node on Virtuoso at load ~20 was still
        # in "Waiting for application startup" after 60 s (docs/deployment.md, Virtuoso in CI)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/communities", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {Path(self.log.name).read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _store_server(kind: str, tmp_path: Path):
    """The store and the settings its nodes need (docs/deployment.md)."""
    if kind == "virtuoso":
        return VirtuosoServer(tmp_path / "virtuoso").start(), {
            "REGISTRY_STORE_USER": "dba", "REGISTRY_STORE_PASSWORD": "dba", "REGISTRY_STORE_AUTH": "digest",
            "REGISTRY_STORE_GSP_URL": "/sparql-graph-crud-auth",
        }
    return OxigraphServer(location=tmp_path / "db").start(), {}


@pytest.fixture(params=["oxigraph", "virtuoso"])
def two_workers(request, tmp_path, monkeypatch):
    server, settings = _store_server(request.param, tmp_path)
    for name in STORE_SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    try:
        registry = Registry.build(Settings(store=server.store_url, base_iri=BASE, load_bundled=False))
        actors = Actors(registry)
        registry.close()
        workers = [Worker(server.store_url, tmp_path / f"worker-{i}.log", **settings) for i in range(2)]
        try:
            for worker in workers:
                worker.wait_ready()
            yield workers[0], workers[1], actors, server
        finally:
            for worker in workers:
                worker.stop()
    finally:
        server.stop()


def _publish(writer: httpx.Client, actors: Actors) -> None:
    r = writer.put(
        "/vocabularies/techniques/versions/1.0.0",
        content=(DATA / "techniques-1.0.0.ttl").read_bytes(),
        headers={**actors.test, "Content-Type": "text/turtle"},
    )
    assert r.status_code == 201, r.text
    r = writer.put(
        "/profiles/datasets/versions/1.0.0",
        content=(DATA / "shapes-1.0.0.ttl").read_bytes(),
        headers={**actors.test, "Content-Type": "text/turtle"},
        params={"title": "Datasets"},
    )
    assert r.status_code == 201, r.text


def test_a_publication_through_one_worker_is_seen_by_the_other(two_workers):
    a, b, actors, _ = two_workers
    with httpx.Client(base_url=a.url, timeout=60) as writer, httpx.Client(base_url=b.url, timeout=60) as reader:
        # warm the reader's caches on the empty state
        assert reader.get("/vocabularies").json() == []
        assert reader.get("/profiles").json() == []
        assert reader.get("/search", params={"q": "TEM"}).json()["results"] == []
        assert reader.get("/rest/v1/search", params={"query": "TEM*"}).json()["results"] == []
        r = reader.post("/profiles/datasets/versions/1.0.0/validate", content=RECORD, headers={"Content-Type": "text/turtle"})
        assert r.status_code == 404, r.text

        _publish(writer, actors)

        assert [v["id"] for v in reader.get("/vocabularies").json()] == ["techniques"]
        assert [p["id"] for p in reader.get("/profiles").json()] == ["datasets"]
        concepts = reader.get("/vocabularies/techniques/versions/1.0.0/concepts", headers={"Accept": "application/n-triples"})
        assert concepts.status_code == 200 and "<https://w3id.org/test/technique/tem>" in concepts.text
        hits = reader.get("/search", params={"q": "TEM"}).json()["results"]
        assert any("technique/tem" in str(hit) for hit in hits), hits
        skosmos = reader.get("/rest/v1/search", params={"vocab": "techniques", "query": "TEM*", "lang": "en"}).json()
        assert "https://w3id.org/test/technique/tem" in [hit["uri"] for hit in skosmos["results"]]
        r = reader.post("/profiles/datasets/versions/1.0.0/validate", content=RECORD, headers={"Content-Type": "text/turtle"})
        assert r.status_code == 200, r.text
        assert r.json()["conforms"] is True
        r = reader.post("/validate", params={"profile": "datasets"}, content=RECORD, headers={"Content-Type": "text/turtle"})
        assert r.status_code == 200 and r.json()["profile"]["version"] == "1.0.0", r.text
        page = reader.get("/profiles/datasets/1.0.0", headers={"Accept": "text/turtle"})
        assert "<http://www.w3.org/ns/dx/prof/Profile>" in page.text or "prof:Profile" in page.text

        # and the other way round: a change through the reader is seen by the writer
        r = reader.patch(
            "/vocabularies/techniques/versions/1.0.0", json={"status": "deprecated"}, headers=actors.test
        )
        assert r.status_code == 200, r.text
        statuses = [v["status"] for v in writer.get("/vocabularies/techniques").json()["versions"]]
        assert statuses == ["deprecated"]


def test_sparql_through_the_other_worker_sees_the_publication(two_workers):
    a, b, actors, _ = two_workers
    with httpx.Client(base_url=a.url, timeout=60) as writer, httpx.Client(base_url=b.url, timeout=60) as reader:
        ask = "ASK { <https://w3id.org/test/technique/tem> ?p ?o }"
        before = reader.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
        assert before.status_code == 200, before.text
        assert before.json()["boolean"] is False
        _publish(writer, actors)
        after = reader.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
        assert after.status_code == 200, after.text
        assert after.json()["boolean"] is True


def _vocabulary(prefix: str, n: int) -> bytes:
    """A SKOS vocabulary in the test namespace with `n` concepts labelled in two languages."""
    base = f"https://w3id.org/test/{prefix}/"
    lines = [
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        f"<{base}> a skos:ConceptScheme ; dct:title \"{prefix}\"@en .",
    ]
    for i in range(n):
        lines.append(
            f"<{base}c{i}> a skos:Concept ; skos:inScheme <{base}> ; skos:topConceptOf <{base}> ;"
            f" skos:prefLabel \"{prefix} concept {i}\"@en, \"{prefix} concept {i} (fr)\"@fr ."
        )
    lines += [f"<{base}> skos:hasTopConcept <{base}c{i}> ." for i in range(n)]
    return "\n".join(lines).encode()


def _concept_graph(store, sid: str, version: str) -> set[str]:
    graph = f"{BASE}vocabularies/{sid}/{version}/concepts"
    return {str(t.subject) for t in store.triples(graph)}


def test_concurrent_publications_through_both_nodes_lose_and_mix_nothing(two_workers):
    a, b, actors, server = two_workers
    jobs = [(node, f"series-{name}-{i}", f"{name}{i}") for name, node in (("a", a), ("b", b)) for i in range(3)]
    answers: dict[str, httpx.Response] = {}

    def publish(node: Worker, sid: str, prefix: str) -> None:
        with httpx.Client(base_url=node.url, timeout=120) as client:
            answers[sid] = client.put(
                f"/vocabularies/{sid}/versions/1.0.0", content=_vocabulary(prefix, 40),
                headers={**actors.test, "Content-Type": "text/turtle"},
            )

    threads = [threading.Thread(target=publish, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert {sid: r.status_code for sid, r in answers.items()} == {sid: 201 for _, sid, _ in jobs}
    for node in (a, b):
        listed = sorted(v["id"] for v in httpx.get(node.url + "/vocabularies", timeout=30).json())
        assert listed == sorted(sid for _, sid, _ in jobs)
    # each version's concept graph holds exactly its own vocabulary: nothing lost, nothing mixed
    store = Registry.build(Settings(store=server.store_url, base_iri=BASE, load_bundled=False)).store
    try:
        for _, sid, prefix in jobs:
            subjects = _concept_graph(store, sid, "1.0.0")
            expected = {f"<https://w3id.org/test/{prefix}/>"} | {
                f"<https://w3id.org/test/{prefix}/c{i}>" for i in range(40)
            }
            assert subjects == expected, sid
    finally:
        store.close()


def test_killing_a_node_mid_publication_leaves_the_store_consistent_and_the_other_serving(two_workers):
    a, b, actors, server = two_workers
    big = _vocabulary("big", 20000)  # long enough to be cut in the middle
    with httpx.Client(base_url=b.url, timeout=60) as other:
        _publish(other, actors)

        def publish_on_a() -> None:
            try:
                httpx.put(
                    a.url + "/vocabularies/big/versions/1.0.0", content=big,
                    headers={**actors.test, "Content-Type": "text/turtle"}, timeout=120,
                )
            except httpx.HTTPError:
                pass  # the node dies under it

        thread = threading.Thread(target=publish_on_a)
        thread.start()
        time.sleep(1.0)  # the upload is being parsed, checked or loaded
        a.process.send_signal(signal.SIGKILL)
        a.process.wait(10)
        thread.join(60)

        # the other node serves, reads and searches as before
        assert [v["id"] for v in other.get("/vocabularies").json()] in (["big", "techniques"], ["techniques"])
        hits = other.get("/search", params={"q": "TEM"}).json()["results"]
        assert any("technique/tem" in str(hit) for hit in hits), hits
        r = other.post("/validate", params={"profile": "datasets"}, content=RECORD, headers={"Content-Type": "text/turtle"})
        assert r.status_code == 200 and r.json()["profile"]["version"] == "1.0.0", r.text

        # a version is whole or absent: if the catalog lists it, all its concepts are there
        listed = [v["id"] for v in other.get("/vocabularies").json()]
        registry = Registry.build(Settings(store=server.store_url, base_iri=BASE, load_bundled=False))
        store = registry.store
        try:
            if "big" in listed:
                assert len(_concept_graph(store, "big", "1.0.0")) == 20001
            # What the dead node left behind (an unreferenced graph) is dropped by the start-up
            # recovery. A store may still be finishing a request the dead node had sent (Virtuoso
            # completes an upload whose client is gone), so recovery may have to run again.
            deadline = time.monotonic() + 60
            while True:
                registry.publication.recover()
                ours = {g for g in store.graph_names() if g.startswith(BASE)}
                referenced = {f"{BASE}catalog"} | {
                    g for g in ours if "/techniques/" in g or "/datasets/" in g or ("/big/" in g and "big" in listed)
                }
                if ours == referenced or time.monotonic() > deadline:
                    break
                time.sleep(2)
            assert ours == referenced, sorted(ours - referenced)
        finally:
            registry.close()

        # once the dead node's lease has expired, the survivor publishes again
        r = other.put(
            "/vocabularies/after-the-kill/versions/1.0.0", content=_vocabulary("after", 5),
            headers={**actors.test, "Content-Type": "text/turtle"},
        )
        assert r.status_code == 201, r.text
