"""Benchmark: diffs of versions (issue 17).

1. Vocabulary: two versions of a synthetic 1M-triple SKOS vocabulary (the generator of
   `benchmarks/publish_checks.py`) that differ in 1% of their concepts (a quarter relabelled, a
   quarter removed, a quarter deprecated, a quarter moved, plus as many new concepts as removed
   ones), each bulk-loaded into its named graph of an on-disk store. Timed: `bulk_load` of one
   version (the baseline, same run, same store) and `vocab_diff.diff_graphs` (median of 3).
   Target: the diff within 3x the bulk load.
2. Profile: the bundled electron-microscopy 1.0.0 and 2.0.0 (with research-dataset 1.0.0 and
   their vocabularies), loaded as `registry serve` does; `EvolutionService.profile_diff`
   timed cold (a new service, as the first diff after a start: the models kept in the store at
   publication, `registry.evolution.model_store`), cold with the models built from the shapes
   graphs (what the first diff cost before they were kept), and warm (models cached in memory),
   median of 20. Baseline, same run: `bulk_load` of one version (EM 2.0.0's shapes.ttl).
   Target: 50 ms.

Run:  python benchmarks/evolution.py [--triples 1000000] [--out benchmarks/results/evolution.txt]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from publish_checks import BASE, SKOS, synthetic_vocabulary  # noqa: E402

from registry.evolution.vocab_diff import diff_graphs  # noqa: E402

OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"


def changed_version(data: bytes, every: int = 100) -> tuple[bytes, dict[str, int]]:
    """Version B: 1% of the concepts (every 100th) changed, in four equal kinds, and as many new
    concepts as removed ones."""
    counts = {"relabelled": 0, "removed": 0, "deprecated": 0, "moved": 0, "added": 0}
    out = []
    removed_done: set[str] = set()
    for line in data.decode().splitlines():
        subject = line.split(" ", 1)[0]
        if subject.startswith(f"<{BASE}c"):
            i = int(subject[len(BASE) + 2:-1])
            if i % every == 0 and i >= 100:
                kind = (i // every) % 4
                if kind == 0 and f"<{SKOS}prefLabel>" in line and line.endswith("@en ."):
                    line = line.replace('(en)"@en', '(en, relabelled)"@en')
                    counts["relabelled"] += 1
                elif kind == 1:
                    if subject not in removed_done:
                        removed_done.add(subject)
                        counts["removed"] += 1
                    continue
                elif kind == 2 and f"<{SKOS}inScheme>" in line:
                    out.append(f'{subject} <{OWL_DEPRECATED}> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .')
                    counts["deprecated"] += 1
                elif kind == 3 and f"<{SKOS}broader>" in line:
                    line = f"{subject} <{SKOS}broader> <{BASE}c0> ."
                    counts["moved"] += 1
        out.append(line)
    for j in range(counts["removed"]):
        c = f"<{BASE}new{j}>"
        out += [f"{c} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .",
                f"{c} <{SKOS}inScheme> <{BASE}scheme> .", f'{c} <{SKOS}prefLabel> "new {j}"@en .',
                f"{c} <{SKOS}broader> <{BASE}c1> ."]
        counts["added"] += 1
    return ("\n".join(out) + "\n").encode(), counts


def median_ms(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def vocabulary_part(n_triples: int, lines: list[str]) -> None:
    from registry.store.oxigraph import OxigraphStore

    a = synthetic_vocabulary(n_triples)
    b, counts = changed_version(a)
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp) / "a.nt", Path(tmp) / "b.nt"
        pa.write_bytes(a)
        pb.write_bytes(b)
        store = OxigraphStore(Path(tmp) / "store")
        start = time.perf_counter()
        store.load_graph("urn:a", pa, ox.RdfFormat.N_TRIPLES)
        load_a = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        store.load_graph("urn:b", pb, ox.RdfFormat.N_TRIPLES)
        load_b = (time.perf_counter() - start) * 1000
        triples = store.count("urn:a")
        diff_ms, result = median_ms(lambda: diff_graphs(store, "urn:a", "urn:b", BASE + "scheme"), 3)
        changes, _ = result
        store.close()
    kinds: dict[str, int] = {}
    for change in changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    baseline = statistics.median([load_a, load_b])
    lines += [
        f"## Vocabulary diff ({triples:,} triples per version; changed concepts: {json.dumps(counts)})",
        "",
        "| operation | median ms | ratio to bulk_load |",
        "|---|---:|---:|",
        f"| bulk_load of one version (baseline; A {load_a:,.0f} ms, B {load_b:,.0f} ms) | {baseline:,.0f} | 1.00 |",
        f"| diff_graphs A → B (median of 3) | {diff_ms:,.0f} | {diff_ms / baseline:.2f} |",
        "",
        f"Changes found: {len(changes):,} ({json.dumps(dict(sorted(kinds.items())))}). Target: ratio ≤ 3.",
        "",
    ]


def profile_part(lines: list[str]) -> None:
    from registry.bundled import bundled_dir, load_folder
    from registry.config import Settings
    from registry.evolution import model_store
    from registry.evolution.service import EvolutionService
    from registry.services import Registry

    pid, older, newer = "electron-microscopy", "1.0.0", "2.0.0"
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.build(Settings(store=str(Path(tmp) / "store"), base_iri="http://localhost:8000/", load_bundled=False))
        try:
            load_folder(registry, bundled_dir())  # electron-microscopy 1.0.0 and 2.0.0 (issue 20)
            shapes = ROOT / "shapes" / pid / newer / "shapes.ttl"
            graphs = iter(range(10_000))

            def bulk_load() -> None:
                graph = f"urn:benchmark:shapes-{next(graphs)}"
                registry.store.load_graph(graph, shapes, ox.RdfFormat.TURTLE)
                registry.store.drop_graph(graph)

            baseline, _ = median_ms(bulk_load, 20)
            kept = model_store.load(registry.store, registry.catalog.version("profile", pid, newer).iri) is not None

            class Unkept(EvolutionService):  # the models built from the shapes graphs, as before
                def profile_model(self, info):
                    cached = self._models.get(info.iri)
                    return cached if cached is not None else self._models.put(info.iri, self.build_profile_model(info))

            from_shapes, _ = median_ms(lambda: Unkept(registry).profile_diff(pid, older, newer), 20)
            cold, diff = median_ms(lambda: EvolutionService(registry).profile_diff(pid, older, newer), 20)
            service = EvolutionService(registry)
            service.profile_diff(pid, older, newer)
            warm, _ = median_ms(lambda: service.profile_diff(pid, older, newer), 20)
            model = service.profile_model(registry.catalog.version("profile", pid, newer))
        finally:
            registry.close()
    lines += [
        f"## Profile diff (electron-microscopy 1.0.0 → 2.0.0 with research-dataset: {len(model.shapes)} shapes, "
        f"{len(model.fields)} fields; {len(diff.changes)} changes)",
        "",
        "| operation | median ms (of 20) | ratio to baseline | target ms |",
        "|---|---:|---:|---:|",
        f"| baseline: bulk_load of one version (electron-microscopy 2.0.0 shapes.ttl into a graph of the store) | {baseline:.1f} | 1.00 | |",
        f"| profile_diff, cold, models built from the shapes graphs (before models were kept) | {from_shapes:.1f} | {from_shapes / baseline:.2f} | |",
        f"| profile_diff, cold (new service, first diff: models read from the store, kept at publication: {kept}) | {cold:.1f} | {cold / baseline:.2f} | 50 |",
        f"| profile_diff, warm (models cached in memory by version IRI) | {warm:.1f} | {warm / baseline:.2f} | 50 |",
        "",
    ]


def _sections(text: str) -> dict[str, list[str]]:
    """Sections of a previous results file by their heading's first two words."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = " ".join(line.split()[:3])
            out[current] = []
        if current:
            out[current].append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--parts", default="profile,vocabulary",
                        help="what to run; with --out, a part not run keeps its section of the existing file")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    lines = [
        "# Evolution benchmark (benchmarks/evolution.py)",
        "",
        f"Python {platform.python_version()}, pyoxigraph {ox.__version__}, {platform.machine()}; "
        "embedded on-disk store; machine shared with other work (2 cores; load average "
        f"{os.getloadavg()[0]:.1f} when this run started: absolute times are inflated accordingly, "
        "ratios measured in the same run are the comparable figures).",
        "",
    ]
    previous = _sections(args.out.read_text(encoding="utf-8")) if args.out and args.out.is_file() else {}
    for name, run in (("## Profile diff", lambda lines=lines: profile_part(lines)),
                      ("## Vocabulary diff", lambda lines=lines: vocabulary_part(args.triples, lines))):
        if name.split()[1].lower() in parts:
            run()
        elif name in previous:
            lines += previous[name]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
