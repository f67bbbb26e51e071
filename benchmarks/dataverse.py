"""Benchmark: Dataverse block export and import (issue 13).

1. The largest real block, `citation` (80 fields, 7981 controlled values, from
   ../shared/data/dataverse): import (TSV + en/fr bundles → `registry load` folder), then export of
   the loaded profile (→ TSV, bundles, cvoc.json, report). Baselines of the same run: reading the
   inputs alone (TSV parse + bundles), and reading every graph the export may touch (shapes and
   concept graphs, `store.triples`).
2. A profile whose field takes its values from a *synthetic* 1M-triple vocabulary (the generator
   of benchmarks/publish_checks.py: concepts with fr/en labels, a broader tree): export, timed and
   with its peak Python memory (tracemalloc), next to the baselines `store.count(graph)` (one scan)
   and reading the whole concept graph into a list (what an export that loaded the vocabulary
   would cost). The export only counts and probes the vocabulary (CVoc), so its peak stays far
   below the full read.
3. Import of a synthetic block with one controlled field of 100 000 values (about 1M triples once
   imported), next to the baseline of parsing its TSV.

Medians of 3 (1 for the loads). Run:
  python benchmarks/dataverse.py [--triples 1000000] [--out benchmarks/results/dataverse.txt]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.publish_checks import median_time as median  # noqa: E402
from benchmarks.publish_checks import synthetic_vocabulary  # noqa: E402
from registry.bundled import load_folder  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.dataverse.block import FIELD_COLUMNS, load_block_text, parse_block, read_block, read_properties  # noqa: E402
from registry.dataverse.export import export_block  # noqa: E402
from registry.dataverse.importer import import_block, write_import  # noqa: E402
from registry.publishing.service import ProfileSubmission, VocabularySubmission  # noqa: E402
from registry.services import Registry  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dataverse"
NAMESPACE = "https://example.org/synthetic/"


def peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def row(name: str, seconds: float, baseline: float, note: str = "") -> str:
    return f"| {name} | {seconds * 1000:,.1f} ms | {baseline * 1000:,.1f} ms | {seconds / baseline:,.2f} | {note} |"


def citation(registry: Registry, tmp: Path) -> list[str]:
    tsv = DATA / "metadatablocks" / "citation.tsv"
    bundles = [DATA / "properties" / "en" / "citation.properties", DATA / "properties" / "fr_CA" / "citation_fr.properties"]
    read_inputs, _ = median(lambda: (read_block(tsv), [read_properties(p) for p in bundles]))

    def do_import():
        folder = Path(tempfile.mkdtemp(dir=tmp))
        write_import(import_block(load_block_text(read_block(tsv), bundles), community="dvbench",
                                  namespace="https://example.org/dvbench/"), folder)
        return folder

    import_time, folder = median(do_import)
    start = time.perf_counter()
    load_folder(registry, folder)
    load_time = time.perf_counter() - start
    info = registry.catalog.version("profile", "citation", "1.0.0")
    graphs = [info.graph] + [registry.catalog.version_by_iri(v).graph for v in info.vocabularies]
    read_all, _ = median(lambda: sum(1 for g in graphs for _ in registry.store.triples(g)))
    export_time, exported = median(lambda: export_block(registry, "citation", "1.0.0"))
    assert len(exported.block.values) == 7981, len(exported.block.values)
    return [
        row("citation: import (TSV + en/fr bundles → load folder)", import_time, read_inputs,
            "baseline: parse the TSV and the two bundles"),
        row("citation: load the imported folder (publish, 1 run)", load_time, read_inputs, "baseline: same"),
        row("citation: export (TSV, bundles, cvoc, report)", export_time, read_all,
            f"baseline: read the shapes and {len(graphs) - 1} concept graphs"),
    ]


def large_vocabulary(registry: Registry, n_triples: int) -> list[str]:
    community = registry.communities.create("synthetic", "Synthetic", [NAMESPACE])
    data = synthetic_vocabulary(n_triples)
    start = time.perf_counter()
    registry.publication.publish_vocabulary(community, VocabularySubmission(
        id="synthetic", version="1.0.0", source=data, format=__import__("pyoxigraph").RdfFormat.N_TRIPLES,
        title={"en": "Synthetic"}, description={}, status="published", name="synthetic.nt"))
    publish_time = time.perf_counter() - start
    shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{NAMESPACE}shapes/big/> a <http://www.w3.org/ns/dx/prof/Profile> .
<{NAMESPACE}shapes/big/Dataset> a sh:NodeShape ; sh:targetClass <http://www.w3.org/ns/dcat#Dataset> ;
  sh:property <{NAMESPACE}shapes/big/term> .
<{NAMESPACE}shapes/big/term> a sh:PropertyShape ; sh:path <{NAMESPACE}term> ; sh:name "Term"@en, "Terme"@fr ;
  sh:node <{NAMESPACE}shapes/big/Concept> .
<{NAMESPACE}shapes/big/Concept> a sh:NodeShape ; sh:property <{NAMESPACE}shapes/big/inScheme> .
<{NAMESPACE}shapes/big/inScheme> a sh:PropertyShape ; sh:path skos:inScheme ; sh:hasValue <{NAMESPACE}scheme> .
"""
    registry.publication.publish_profile(community, ProfileSubmission(
        id="big", version="1.0.0", shapes=shapes.encode(), format=__import__("pyoxigraph").RdfFormat.TURTLE,
        title={"en": "Big vocabulary profile"}, description={}, is_profile_of=None, status="published", context=None))
    graph = registry.catalog.version("vocabulary", "synthetic", "1.0.0").graph
    triples = registry.store.count(graph)
    count_time, _ = median(lambda: registry.store.count(graph))
    export_time, exported = median(lambda: export_block(registry, "big", "1.0.0"))
    assert [e["field-name"] for e in exported.cvoc] == ["bigTerm"], exported.cvoc
    export_peak, _ = peak(lambda: export_block(registry, "big", "1.0.0"))
    read_time, _ = median(lambda: len(list(registry.store.triples(graph))), repeat=1)
    read_peak, _ = peak(lambda: len(list(registry.store.triples(graph))))
    return [
        row(f"1M vocabulary ({triples:,} triples): export", export_time, count_time,
            f"baseline: one COUNT over the concept graph; peak memory {export_peak / 1e6:,.1f} MB"),
        row("1M vocabulary: read the whole concept graph (what export avoids)", read_time, count_time,
            f"peak memory {read_peak / 1e6:,.1f} MB = {read_peak / max(export_peak, 1):,.0f} × the export's"),
        row("1M vocabulary: publish (setup, 1 run)", publish_time, count_time, "baseline: same COUNT"),
    ]


def large_block(tmp: Path, values: int) -> list[str]:
    rows = ["#metadataBlock\tname\tdataverseAlias\tdisplayName\tblockURI",
            "\tsyntheticBlock\t\tSynthetic block\thttps://example.org/synthetic/block/",
            "#datasetField\t" + "\t".join(FIELD_COLUMNS),
            "\tsynthTerm\tTerm\tA term\t\ttext\t0\t\tTRUE\tTRUE\tTRUE\tTRUE\tTRUE\tFALSE\t\tsyntheticBlock\t",
            "#controlledVocabulary\tDatasetField\tValue\tidentifier\tdisplayOrder"]
    rows += [f"\tsynthTerm\tvalue {i}\tv{i}\t{i}" for i in range(values)]
    text = "\n".join(rows) + "\n"
    parse_time, block = median(lambda: parse_block(text))

    def do_import():
        folder = Path(tempfile.mkdtemp(dir=tmp))
        files = import_block(load_block_text(parse_block(text), []), community="dvbench",
                             namespace="https://example.org/dvbench/")
        write_import(files, folder)
        return sum(len(v) for v in files.values())

    import_time, size = median(do_import, repeat=1)
    return [row(f"block with {values:,} controlled values: import (~{values * 8:,} triples, {size / 1e6:,.0f} MB)",
                import_time, parse_time, "baseline: parse its TSV")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = ["# Dataverse block export / import (benchmarks/dataverse.py)", "",
             f"python {platform.python_version()}, {platform.machine()}, store: embedded Oxigraph on disk", "",
             "| what | median | baseline | ratio | notes |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        registry = Registry.build(Settings(store=str(tmp / "store"), base_iri="http://localhost:8000/", load_bundled=False))
        try:
            lines += citation(registry, tmp)
            lines += large_vocabulary(registry, args.triples)
        finally:
            registry.close()
        lines += large_block(tmp, args.values)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
