"""A bounded load test against a real uvicorn server process (loopback only).

Mixes validations, SPARQL lookups, concept searches and publications for DURATION seconds
(CI: 12 s; `REGISTRY_LONG_TESTS=1`: 60 s), while one large vocabulary publication runs, and a
few runaway SPARQL queries hit the time limit. Asserts: zero 5xx (the runaway queries' 503
`query-timeout` is their expected answer and counted apart), no lost or duplicated publication,
readers not stalled by the long publication. Prints p50/p99 per operation.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import LONG, TEST_NS, make_community
from tests.security.test_crash import write_skos

pytestmark = pytest.mark.slow

DURATION = 60.0 if LONG else 12.0
DATA = Path(__file__).resolve().parents[1] / "foundation" / "data"
VOCAB = (DATA / "techniques-1.0.0.ttl").read_bytes()
SHAPES = (DATA / "shapes-1.0.0.ttl").read_bytes()
RECORD = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<{TEST_NS}dataset/1> a dcat:Dataset ; dct:title "A dataset"@en ; <{TEST_NS}technique> <{TEST_NS}technique/tem> .
""".encode()
LOOKUP = "SELECT ?c ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } LIMIT 5"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def test_mixed_load(tmp_path, server_factory):
    store = tmp_path / "store"
    token = make_community(store)
    big = tmp_path / "big.nt"
    big_triples = write_skos(big, 1_000_000 if LONG else 200_000)
    server = server_factory(store, REGISTRY_QUERY_TIMEOUT_S="2").start()
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, timeout=60) as setup:
        assert setup.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**auth, "Content-Type": "text/turtle"}).status_code == 201
        assert setup.put("/profiles/test-profile/versions/1.0.0", content=SHAPES, headers={**auth, "Content-Type": "text/turtle"}).status_code == 201

    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    during_big: dict[str, list[float]] = defaultdict(list)
    published: list[str] = []
    big_running = threading.Event()
    deadline = time.monotonic() + DURATION
    versions = itertools.count(1)
    lock = threading.Lock()

    def record(op, started, response):
        elapsed = time.monotonic() - started
        with lock:
            latencies[op].append(elapsed)
            statuses[op][response.status_code] += 1
            if big_running.is_set():
                during_big[op].append(elapsed)

    def worker(op):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                started = time.monotonic()
                if op == "validate":
                    r = http.post("/validate?profile=test-profile", content=RECORD, headers={"Content-Type": "text/turtle"})
                elif op == "sparql":
                    r = http.get("/sparql", params={"query": LOOKUP}, headers={"Accept": "application/sparql-results+json"})
                elif op == "search":
                    r = http.get("/search", params={"q": ["tem", "micro", "scan", "elec", "spec"][n % 5]})
                elif op == "publish":
                    with lock:
                        v = f"1.0.{next(versions)}"
                    body = SHAPES.replace(b"sh:minCount 1", f"sh:minCount 1 ; sh:description \"v{v}\"".encode(), 1)
                    r = http.put(f"/profiles/test-profile/versions/{v}", content=body, headers={**auth, "Content-Type": "text/turtle"})
                    if r.status_code == 201:
                        with lock:
                            published.append(v)
                    time.sleep(0.2)
                elif op == "runaway":
                    r = http.get("/sparql", params={"query": RUNAWAY})
                    time.sleep(1.0)
                record(op, started, r)

    def big_publish():
        time.sleep(1.0)
        big_running.set()
        started = time.monotonic()
        try:
            with httpx.Client(base_url=server.url, timeout=600) as http:
                r = http.put("/vocabularies/big/versions/1.0.0", content=big.read_bytes(), headers={**auth, "Content-Type": "application/n-triples"})
        finally:
            big_running.clear()
        with lock:
            latencies["big-publish"].append(time.monotonic() - started)
            statuses["big-publish"][r.status_code] += 1

    threads = [threading.Thread(target=worker, args=(op,)) for op in ["validate", "validate", "sparql", "sparql", "search", "search", "publish", "runaway"]]
    threads.append(threading.Thread(target=big_publish))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DURATION + 600)
    assert not any(t.is_alive() for t in threads)

    print(f"\nload test, {DURATION:.0f} s, loopback, big vocabulary {big_triples} triples")
    print(f"{'operation':<12} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'p99 during big publish':>24}  statuses")
    for op in sorted(latencies):
        print(f"{op:<12} {len(latencies[op]):>6} {pct(latencies[op], .5):>9.1f} {pct(latencies[op], .99):>9.1f} "
              f"{pct(during_big.get(op, []), .99):>24.1f}  {dict(statuses[op])}")

    # zero 5xx (the runaway queries must get their 503 query-timeout, nothing else)
    for op, counts in statuses.items():
        if op == "runaway":
            assert set(counts) <= {503, 429}, counts
            continue
        assert not [s for s in counts if s >= 500], (op, dict(counts))
    assert statuses["big-publish"] == {201: 1}, dict(statuses["big-publish"])
    for op in ("validate", "sparql", "search"):
        assert statuses[op].get(200, 0) > 0, (op, dict(statuses[op]))
        assert set(statuses[op]) <= {200, 429}, (op, dict(statuses[op]))
    # no lost or duplicated publication
    with httpx.Client(base_url=server.url, timeout=60) as http:
        listed = [v["version"] for v in http.get("/profiles/test-profile/versions").json()]
        assert sorted(listed) == sorted(set(listed)), "a version is listed twice"
        assert set(listed) == {"1.0.0", *published}, (sorted(listed), sorted(published))
        assert http.get("/vocabularies/big/versions/1.0.0").json()["triples"] == big_triples
    # readers never wait for the long publish
    for op in ("sparql", "search", "validate"):
        if during_big.get(op):
            assert pct(during_big[op], .99) < 5000, f"{op} p99 during the big publication: {pct(during_big[op], .99):.0f} ms"
