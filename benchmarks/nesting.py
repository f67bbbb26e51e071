"""Benchmark: the cost of the nesting pre-scan (issue 12, item 1; `registry/nesting.py`).

Every untrusted document is scanned before pyoxigraph parses it. This measures, in the SAME run,
the scan next to the parse it protects (baseline: `pyoxigraph.parse` of the same bytes, all
triples consumed), on:

* records as the validation endpoint receives them: the bundled examples (Turtle, JSON-LD), ~50
  triples; the per-record path of `POST /validate`;
* real vocabularies of ../shared/data/vocabularies (or $REGISTRY_SHARED_DATA) in Turtle, and the
  same graph serialised as JSON-LD by pyoxigraph (attribution: see that folder's README);
* hostile documents (5,000 / 500,000 levels): how fast they are refused.

Medians of BENCH_ROUNDS (default 7) timings each. Run:
    python benchmarks/nesting.py > benchmarks/results/nesting.txt
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, NestingTooDeep, check_rdf_nesting  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SHARED = Path(os.environ.get("REGISTRY_SHARED_DATA") or ROOT.parent / "shared" / "data") / "vocabularies"


def median_ms(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scan(data: bytes, fmt) -> None:
    check_rdf_nesting(data, fmt, max_depth=DEFAULT_MAX_NESTING_DEPTH)


def parse(data: bytes, fmt) -> None:
    for _ in ox.parse(data, format=fmt):
        pass


def row(label: str, data: bytes, fmt) -> None:
    s = median_ms(lambda: scan(data, fmt))
    p = median_ms(lambda: parse(data, fmt))
    print(f"{label:42s} {len(data) / 1e6:8.3f} MB  scan {s:9.3f} ms  parse {p:9.2f} ms  scan/parse {s / p:7.1%}")


def main() -> None:
    print("# Nesting pre-scan vs pyoxigraph parse (benchmarks/nesting.py)")
    print(f"# python {platform.python_version()}, pyoxigraph {ox.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cores; medians of {ROUNDS} rounds; limit {DEFAULT_MAX_NESTING_DEPTH}")
    print(f"# load average at start: {os.getloadavg()[0]:.1f}")
    print()
    print("## records (the validation path)")
    for path in sorted((ROOT / "examples").rglob("*")):
        if path.suffix in (".ttl", ".jsonld") and "expected" not in path.name:
            fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.JSON_LD
            try:
                parse(path.read_bytes(), fmt)
            except SyntaxError:
                continue  # an example that is invalid on purpose
            row(str(path.relative_to(ROOT / "examples"))[:42], path.read_bytes(), fmt)
    print()
    print("## real vocabularies (the publication path)")
    for name in ("unesco-thesaurus.ttl", "qudt_units.ttl", "physh_skos_compat.ttl"):
        path = SHARED / name
        if not path.is_file():
            print(f"{name}: not found in {SHARED}")
            continue
        data = path.read_bytes()
        row(name, data, ox.RdfFormat.TURTLE)
        jsonld = ox.serialize(ox.parse(data, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.JSON_LD)
        row(name.rsplit(".", 1)[0] + " as JSON-LD", jsonld, ox.RdfFormat.JSON_LD)
    print()
    print("## hostile documents: time to refuse (the parse baseline would crash the process: none)")
    for n in (5_000, 500_000):
        docs = {
            "JSON-LD @list": ('{"@id": "http://e/a", "http://e/p": ' + '{"@list": [' * n + "1" + "]}" * n + "}", ox.RdfFormat.JSON_LD),
            "Turtle collection": ("<http://e/a> <http://e/p> " + "(" * n + ")" * n + " .", ox.RdfFormat.TURTLE),
            "Turtle blank nodes": ("<http://e/a> <http://e/p> " + "[<http://e/p> " * n + "1" + " ]" * n + " .", ox.RdfFormat.TURTLE),
        }
        for label, (text, fmt) in docs.items():
            data = text.encode()

            def refuse(data=data, fmt=fmt):
                try:
                    scan(data, fmt)
                except NestingTooDeep:
                    return
                raise AssertionError("not refused")

            print(f"{label + f' x {n:,}':42s} {len(data) / 1e6:8.3f} MB  refused in {median_ms(refuse):9.3f} ms")


if __name__ == "__main__":
    # no options (the knobs are environment variables, above): --help prints this text and runs nothing
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
