"""Regression: the remote store of the SPARQL tests kept answering under a burst of queries.

CI (stop 21) saw `oxigraph serve --timeout-s 4`, limited to 2 GiB of address space, answer
"HTTP 500: Resource temporarily unavailable (os error 11)" in the middle of
tests/linkeddata/test_every_link.py: oxigraph serve keeps one sleeping thread per query for the
whole timeout, and each new thread's stack and malloc arena no longer fitted. The server the tests
start must answer a burst of queries far above what one test sends within one timeout.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import OxigraphServer
from tests.sparql.conftest import limit_address_space

BURST = 1500


def test_a_time_limited_memory_limited_store_answers_a_burst_of_queries():
    server = OxigraphServer(extra=("--timeout-s", "60")).start()
    try:
        limit_address_space(server.process.pid)
        failures = []
        with httpx.Client(timeout=30) as client:
            for n in range(BURST):
                r = client.get(f"{server.base}/query", params={"query": f"SELECT ({n} AS ?n) {{}}"},
                               headers={"Accept": "application/sparql-results+json"})
                if r.status_code != 200:
                    failures.append((n, r.status_code, r.text[:200]))
                    break
                assert r.json()["results"]["bindings"][0]["n"]["value"] == str(n)
        threads = len(list(Path(f"/proc/{server.process.pid}/task").iterdir()))
    finally:
        server.stop()
    assert not failures, failures
    # the mechanism is what we think it is: the finished queries' timeout threads are still alive
    assert threads > BURST // 2, threads
