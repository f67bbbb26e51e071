"""A/B micro-benchmark of the SPARQL worker pool alone (no HTTP): the pool and worker of a
previous commit against the working tree's, on the hierarchy query of benchmarks/sparql.py
(`skos:broader+` of a random concept, then its labels) over the same synthetic 128,000-concept
hierarchy, on an on-disk store opened read-only as the workers open snapshots.

What it measures per query: the CPU of the process that runs the pool (the registry process:
dispatch, the pipe round trip, the fair queue) and of its worker processes, and the rate, with
one query at a time and with 16 at once from 4 clients (2 workers, the registry's default). A
line shows the cost of the same query run in-process (`worker.execute`), i.e. what the round trip
adds. Each side runs in its own process (its tree first on PYTHONPATH), alternating, the order
flipped every round; medians over rounds.

Run:  python benchmarks/sparql_pool.py [REV] > benchmarks/results/sparql_pool.txt
      (REV default: the commit before the last change of registry/sparql/pool.py)
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEME = "https://w3id.org/bench/voc/"
CONCEPTS = 128_000
QUERIES = int(os.environ.get("BENCH_QUERIES", "3000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def previous_revision() -> str:
    last = subprocess.run(
        ["git", "-C", str(ROOT), "log", "--format=%H", "-n", "1", "--", "registry/sparql/pool.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return last + "^"


def build_store(path: Path) -> None:
    import pyoxigraph as ox

    graph = ox.NamedNode("https://w3id.org/bench/g")
    label, broader = ox.NamedNode(SKOS + "prefLabel"), ox.NamedNode(SKOS + "broader")

    def quads():
        for i in range(CONCEPTS):
            concept = ox.NamedNode(f"{SCHEME}c{i}")
            yield ox.Quad(concept, label, ox.Literal(f"concept {i}", language="en"), graph)
            if i >= 20:
                yield ox.Quad(concept, broader, ox.NamedNode(f"{SCHEME}c{(i - 20) // 8}"), graph)

    store = ox.Store(str(path))
    store.bulk_extend(quads())
    store.flush()


def queries(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        f"BASE <https://example.org/sparql>\nPREFIX skos: <{SKOS}> "
        f"SELECT ?a ?l WHERE {{ <{SCHEME}c{rng.randrange(CONCEPTS)}> skos:broader+ ?a . ?a skos:prefLabel ?l }}"
        for _ in range(QUERIES)
    ]


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(snapshot: str, seed: int) -> None:
    """One side: the pool of the tree first on PYTHONPATH; prints its figures as JSON."""
    from registry.namespaces import PREFIXES
    from registry.sparql.pool import PoolOptions, QueryPool
    from registry.sparql.worker import QueryJob
    from registry.workers import process_cpu_seconds

    jobs = [QueryJob(snapshot, q, None, None, "results", "json", 100_000, 64 << 20, False, True) for q in queries(seed)]

    async def main() -> dict:
        pool = QueryPool(PoolOptions(prefixes=dict(PREFIXES), size=2, extra=0))
        await asyncio.to_thread(pool.start)
        pids = [w.pid for w in pool.idle]
        figures = {}

        async def client(name: str, share: list) -> None:
            for job in share:
                reply = await pool.run(job, 30, name)
                assert reply.code is None, reply

        await asyncio.gather(*(client(f"c{k % 4}", jobs[k:200:16]) for k in range(16)))  # warm
        for concurrency in (1, 16):
            workers_before, cpu_before, started = sum(process_cpu_seconds(p) or 0 for p in pids), own_cpu(), time.perf_counter()
            await asyncio.gather(*(client(f"c{k % 4}", jobs[k::concurrency]) for k in range(concurrency)))
            elapsed = time.perf_counter() - started
            workers_cpu = sum(process_cpu_seconds(p) or 0 for p in pids) - workers_before
            figures[concurrency] = {
                "rate": len(jobs) / elapsed,
                "parent_us": (own_cpu() - cpu_before) / len(jobs) * 1e6,
                "workers_us": workers_cpu / len(jobs) * 1e6,
            }
        pool.close()
        return figures

    import uvloop

    print(json.dumps(uvloop.run(main())))


def in_process(snapshot: str, seed: int) -> float:
    """CPU µs per query of the same jobs run in this process (`worker.execute`), no pool."""
    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from registry.sparql.worker import QueryJob, execute

    store = ox.Store.read_only(snapshot)
    public = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    jobs = [QueryJob(snapshot, q, None, None, "results", "json", 100_000, 64 << 20, False, True) for q in queries(seed)]
    for job in jobs[:200]:
        execute(store, public, job)
    before = own_cpu()
    for job in jobs:
        execute(store, public, job)
    return (own_cpu() - before) / len(jobs) * 1e6


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else previous_revision()
    work = Path(tempfile.mkdtemp(prefix="sparql-pool-"))
    before_tree = work / "before"
    before_tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(before_tree)], input=archive, check=True)
    snapshot = work / "store"
    build_store(snapshot)
    trees = {"before": before_tree, "after": ROOT}
    results: dict[str, list[dict]] = {"before": [], "after": []}
    inline = []
    load_start = os.getloadavg()
    for round_ in range(ROUNDS):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for name in order:
            env = dict(os.environ, PYTHONPATH=str(trees[name]))
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", str(snapshot), str(round_)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=str(trees[name]),
            ).stdout
            results[name].append(json.loads(out.strip().splitlines()[-1]))
        inline.append(in_process(str(snapshot), round_))
    load_end = os.getloadavg()
    print(
        f"# SPARQL worker pool, hierarchy query (`skos:broader+` + labels, {CONCEPTS} concepts), before ({rev}) vs after "
        "(the working tree)"
    )
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end (1 min); {ROUNDS} interleaved rounds "
        f"(order flipped every round) of {QUERIES} queries per cell, 2 workers; medians over rounds"
    )
    print(f"# the same query in-process (worker.execute, no pool): {statistics.median(inline):.0f} µs CPU per query")
    print(
        f"{'concurrency':<12} {'pool':<7} {'queries/s':>10} {'pool process CPU µs/q':>22} {'workers CPU µs/q':>17} {'total µs/q':>11}"
    )
    for concurrency in ("1", "16"):
        summary = {}
        for name in ("before", "after"):
            rows = [r[concurrency] for r in results[name]]
            rate = statistics.median(r["rate"] for r in rows)
            parent = statistics.median(r["parent_us"] for r in rows)
            workers = statistics.median(r["workers_us"] for r in rows)
            total = statistics.median(r["parent_us"] + r["workers_us"] for r in rows)
            summary[name] = (rate, parent, total)
            print(f"{concurrency:<12} {name:<7} {rate:>10.0f} {parent:>22.0f} {workers:>17.0f} {total:>11.0f}")
        (rb, pb, tb), (ra, pa, ta) = summary["before"], summary["after"]
        print(f"{concurrency:<12} after/before: rate {ra / rb:.2f}x, pool process CPU {pa / pb:.2f}x, total CPU {ta / tb:.2f}x")
    print(
        "per round, total CPU µs/q at 16 (before | after): "
        + ", ".join(f"{r['16']['parent_us'] + r['16']['workers_us']:.0f}" for r in results["before"])
        + " | "
        + ", ".join(f"{r['16']['parent_us'] + r['16']['workers_us']:.0f}" for r in results["after"])
    )
    for concurrency in ("1", "16"):
        print(
            f"per round, queries/s at {concurrency} (before | after): "
            + ", ".join(f"{r[concurrency]['rate']:.0f}" for r in results["before"])
            + " | "
            + ", ".join(f"{r[concurrency]['rate']:.0f}" for r in results["after"])
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
    elif len(sys.argv) > 3 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
