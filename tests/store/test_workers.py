"""Stateless API workers: two real uvicorn processes on one real `oxigraph serve`.

A publication through one worker is visible through the other at once: catalog listing,
artifacts, and — for the routes that exist — vocabulary search, record validation and SPARQL,
even after the other worker has warmed its caches on the old state.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from registry.config import Settings
from registry.services import Registry
from tests.conftest import BASE, Actors, OxigraphServer, free_port

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "foundation" / "data"

RECORD = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/records/1> a dcat:Dataset ;
    dct:title "A dataset"@en ;
    <https://w3id.org/test/technique> <https://w3id.org/test/technique/tem> .
"""


class Worker:
    """`python -m uvicorn --factory registry.web.app:create_app` on a free port."""

    def __init__(self, store_url: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "REGISTRY_STORE": store_url,
            "REGISTRY_BASE_IRI": BASE,
            "REGISTRY_LOAD_BUNDLED": "false",
        }
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "registry.web.app:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
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


@pytest.fixture
def two_workers(tmp_path):
    server = OxigraphServer(location=tmp_path / "db").start()
    registry = Registry.build(Settings(store=server.store_url, base_iri=BASE, load_bundled=False))
    actors = Actors(registry)
    registry.close()
    workers = [Worker(server.store_url, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        for worker in workers:
            worker.wait_ready()
        yield workers[0], workers[1], actors
    finally:
        for worker in workers:
            worker.stop()
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
    a, b, actors = two_workers
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
    a, b, actors = two_workers
    with httpx.Client(base_url=a.url, timeout=60) as writer, httpx.Client(base_url=b.url, timeout=60) as reader:
        ask = "ASK { <https://w3id.org/test/technique/tem> ?p ?o }"
        before = reader.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
        assert before.status_code == 200, before.text
        assert before.json()["boolean"] is False
        _publish(writer, actors)
        after = reader.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
        assert after.status_code == 200, after.text
        assert after.json()["boolean"] is True
