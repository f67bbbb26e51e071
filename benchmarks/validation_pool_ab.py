"""A/B benchmark of the validation worker pool's hot path: the pool before issue 12 (FIFO
`queue.Queue`, no per-client accounting) against the current one (fair queue, per-client
accounting, two-phase poll for demotion), interleaved in the same process on the same records.

The previous pool is read from git (`git show <rev>:registry/validation/pool.py`, default: the
parent of the last commit that changed that file) so both run side by side. Single records (`run`) and chunks of 8
(`run_many`, the HTTP batch path), 1 worker, shapes cached in the worker, as in
benchmarks/validate.py. Rounds alternate A and B; medians over rounds.

Run:  python benchmarks/validation_pool_ab.py [REV] > benchmarks/results/validation_pool_ab.txt
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rdflib  # noqa: E402

from registry.validation import engine  # noqa: E402
from registry.validation.pool import ValidationPool as NewPool  # noqa: E402

def previous_pool_revision() -> str:
    """The commit before the last change of registry/validation/pool.py (the fairness change)."""
    last = subprocess.run(["git", "-C", str(ROOT), "log", "--format=%H", "-n", "1", "--", "registry/validation/pool.py"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return last + "^"


REV = sys.argv[1] if len(sys.argv) > 1 else previous_pool_revision()
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SINGLES = 200
CHUNKS = 40

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:s:D> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
""" + " ;\n".join(
    f"  sh:property [ sh:path <urn:p:{i}> ; sh:minCount 1 ; sh:maxCount 3 ; sh:datatype xsd:string ]" for i in range(16)
) + " .\n"


def record(n: int) -> list:
    g = rdflib.Graph()
    s = rdflib.URIRef(f"urn:r:{n}")
    g.add((s, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
    for i in range(16):
        for j in range(3):
            g.add((s, rdflib.URIRef(f"urn:p:{i}"), rdflib.Literal(f"value {n} {i} {j}")))
    return [(engine.encode_rdflib(a), engine.encode_rdflib(b), engine.encode_rdflib(c)) for a, b, c in g]


def load_old_pool():
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{REV}:registry/validation/pool.py"],
                            capture_output=True, text=True, check=True).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / "previous_validation_pool.py").write_text(source)
    sys.path.insert(0, str(folder))  # importable by name: the worker processes unpickle its worker_main
    import previous_validation_pool

    previous = previous_validation_pool
    return getattr(previous, "ValidationPool", None) or previous.WorkerPool


def time_pool(pool, shapes, records) -> tuple[float, float]:
    t = []
    for k in range(SINGLES):
        started = time.perf_counter()
        pool.run("bench", shapes, records[k % len(records)], timeout=30)
        t.append(time.perf_counter() - started)
    started = time.perf_counter()
    for k in range(CHUNKS):
        pool.run_many("bench", shapes, [records[(8 * k + i) % len(records)] for i in range(8)], timeout=30)
    batch = CHUNKS * 8 / (time.perf_counter() - started)
    return statistics.median(t) * 1000, batch


def main() -> None:
    shapes_graph = rdflib.Graph().parse(data=SHAPES, format="turtle")
    shapes = [(engine.encode_rdflib(a), engine.encode_rdflib(b), engine.encode_rdflib(c)) for a, b, c in shapes_graph]
    records = [record(n) for n in range(64)]
    OldPool = load_old_pool()
    old, new = OldPool(1), NewPool(1)
    try:
        for pool in (old, new):  # warm: workers started, shapes compiled
            time_pool(pool, shapes, records)
        results = {"before": [], "after": []}
        for round_ in range(ROUNDS):  # the order flips every round: the second pool of a round
            order = [("before", old), ("after", new)]  # runs with the first one's worker just idle
            for name, pool in order if round_ % 2 == 0 else order[::-1]:
                results[name].append(time_pool(pool, shapes, records))
    finally:
        old.close()
        new.close()
    print(f"# Validation pool hot path, before ({REV}) vs after (the working tree: the last change of the pool)")
    print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; load average at the end "
          f"{os.getloadavg()[0]:.1f}; {ROUNDS} interleaved rounds (order flipped every round) of {SINGLES} single records + {CHUNKS} chunks of 8")
    print(f"{'pool':<8} {'single p50 ms (median of rounds)':>34} {'chunks of 8, rec/s (median)':>30}")
    summary = {}
    for name, rows in results.items():
        p50 = statistics.median(r[0] for r in rows)
        rate = statistics.median(r[1] for r in rows)
        summary[name] = (p50, rate)
        print(f"{name:<8} {p50:>34.2f} {rate:>30.0f}")
    b, a = summary["before"], summary["after"]
    print(f"ratio after/before: single p50 {a[0] / b[0]:.3f}x (lower is better), batch {a[1] / b[1]:.3f}x (higher is better)")
    print("per round (single p50 ms, batch rec/s): before " + "; ".join(f"{x:.2f}, {y:.0f}" for x, y in results["before"])
          + " | after " + "; ".join(f"{x:.2f}, {y:.0f}" for x, y in results["after"]))


if __name__ == "__main__":
    main()
