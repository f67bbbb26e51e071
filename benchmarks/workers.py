"""Benchmark: 1 vs 2 API worker processes on one remote store (a real `oxigraph serve`).

Starts `oxigraph serve` on disk, loads the bundled content through the registry (first start),
then for N in (1, 2) runs `uvicorn --factory registry.web.app:create_app --workers N` on the
remote store and drives three mixes for a fixed time each, with C concurrent connections from
this process (asyncio + httpx):

* sparql: the public SPARQL endpoint (`GET /sparql`: a concept lookup, a label prefix search,
  a catalog listing), when it is available on the remote back-end; otherwise reported n/a;
* validation: `POST /profiles/research-dataset/versions/1.0.0/validate` with the example records;
* catalog: the SPARQL-backed API reads (`/profiles`, `/vocabularies/{id}`, `/search`), i.e. the
  registry's own SPARQL traffic to the remote store.

The machine has 2 cores shared by the load generator, the workers and the store: read the
ratios, not the absolute numbers.

Run:  python benchmarks/workers.py [--seconds 15] [--concurrency 8] [--out benchmarks/results/workers.txt]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
BASE = "http://localhost:8000/"
EXAMPLES = REPO / "examples" / "research-dataset" / "1.0.0"

SPARQL_QUERIES = [
    "SELECT ?label WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 20",
    "SELECT ?c ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
    'FILTER(STRSTARTS(LCASE(STR(?l)), "el")) } LIMIT 20',
    "SELECT ?p ?v WHERE { ?p a <http://www.w3.org/ns/dx/prof#Profile> ; <http://www.w3.org/ns/dcat#version> ?v }",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start_store(location: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("oxigraph") or "oxigraph", "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process)
    return process, f"sparql+http://127.0.0.1:{port}/query"


def start_workers(store_url: str, workers: int, load_bundled: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "REGISTRY_STORE": store_url,
        "REGISTRY_BASE_IRI": BASE,
        "REGISTRY_LOAD_BUNDLED": "true" if load_bundled else "false",
        # one load generator = one client address: lift the public per-client cap, which would
        # otherwise answer most of the SPARQL mix with 429 (it is what a proxy's per-user limit does)
        "REGISTRY_QUERY_MAX_CONCURRENCY_PER_CLIENT": "64",
        # the same for validation (issue 12's per-client cap of 4 in flight): this benchmark
        # measures what the workers sustain, not the fairness of one client against the others
        "REGISTRY_VALIDATION_MAX_CONCURRENCY_PER_CLIENT": "64",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "registry.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/communities", process, timeout=900)
    return process, url


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def requests_for(mix: str, records: list[bytes], vocabularies: list[str]):
    """An endless cycle of (method, path, kwargs) for one mix."""
    i = 0
    while True:
        i += 1
        if mix == "sparql":
            q = SPARQL_QUERIES[i % len(SPARQL_QUERIES)]
            yield "GET", "/sparql", {"params": {"query": q}, "headers": {"Accept": "application/sparql-results+json"}}
        elif mix == "validation":
            yield "POST", "/profiles/research-dataset/versions/1.0.0/validate", {
                "content": records[i % len(records)], "headers": {"Content-Type": "text/turtle"},
            }
        else:
            choice = i % 3
            if choice == 0:
                yield "GET", "/profiles", {}
            elif choice == 1:
                yield "GET", f"/vocabularies/{vocabularies[i % len(vocabularies)]}", {}
            else:
                yield "GET", "/search", {"params": {"q": "el"}}


async def drive(url: str, mix: str, seconds: float, concurrency: int, records, vocabularies) -> dict:
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    stop_at = time.monotonic() + seconds
    source = requests_for(mix, records, vocabularies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def loop():
            nonlocal errors
            while time.monotonic() < stop_at:
                method, path, kwargs = next(source)
                started = time.perf_counter()
                try:
                    response = await client.request(method, path, **kwargs)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code >= 400:
                        errors += 1
                        continue
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)

        began = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "ok": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
        "p50": pct(0.50), "p95": pct(0.95), "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    records = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.ttl"))]
    lines = [
        "# API workers on one remote store (oxigraph serve 0.5.13 on disk, loopback)",
        f"# python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
        f"{args.concurrency} connections, {args.seconds:g} s per mix; load generator on the same machine",
        f"# validation records: {len(records)} examples of research-dataset 1.0.0",
        "",
        f"{'mix':<11} {'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}  statuses",
    ]
    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-workers-"))
    store, store_url = start_store(workdir / "store")
    results: dict[tuple[str, int], dict] = {}
    try:
        started = time.monotonic()
        loader, url = start_workers(store_url, 1, load_bundled=True)  # first start loads the bundled content
        load_s = time.monotonic() - started
        vocabularies = [v["id"] for v in httpx.get(url + "/vocabularies", timeout=60).json()]
        stop(loader)
        lines.insert(3, f"# first start (bundled content loaded into the remote store): {load_s:.1f} s, "
                        f"{len(vocabularies)} vocabularies")
        for workers in (1, 2):
            process, url = start_workers(store_url, workers, load_bundled=False)
            try:
                for mix in ("sparql", "validation", "catalog"):
                    probe = next(requests_for(mix, records, vocabularies))
                    r = httpx.request(probe[0], url + probe[1], timeout=60, **probe[2])
                    if r.status_code >= 400:
                        code = (r.json().get("code") if r.headers.get("content-type", "").startswith("application/problem") else r.status_code)
                        lines.append(f"{mix:<11} {workers:>7} {'n/a':>8} {'':>8} {'':>8} {'':>7}  probe answered {r.status_code} {code}")
                        continue
                    asyncio.run(drive(url, mix, 2.0, args.concurrency, records, vocabularies))  # warm-up
                    res = asyncio.run(drive(url, mix, args.seconds, args.concurrency, records, vocabularies))
                    results[(mix, workers)] = res
                    lines.append(
                        f"{mix:<11} {workers:>7} {res['rps']:>8.1f} {res['p50']:>8.1f} {res['p95']:>8.1f} "
                        f"{res['errors']:>7}  {res['statuses']}"
                    )
                    print(lines[-1], flush=True)
            finally:
                stop(process)
        lines.append("")
        for mix in ("sparql", "validation", "catalog"):
            if (mix, 1) in results and (mix, 2) in results:
                ratio = results[(mix, 2)]["rps"] / results[(mix, 1)]["rps"]
                lines.append(f"# {mix}: 2 workers / 1 worker throughput = {ratio:.2f}x")
    finally:
        stop(store)
        shutil.rmtree(workdir, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()
