"""Benchmark: publishing the real UNESCO and GEMET thesauri on the two remote stores (issue 19 item 1).

On a fresh `oxigraph serve` (in memory) and a fresh Virtuoso Open Source 7 (Debian's `virtuoso-t`,
the test suite's settings: tests/conftest.py `VirtuosoServer`), in turn, `rounds` times (A and B
interleaved, so both see the same load):

1. the publication of each vocabulary through `PublicationService.publish_vocabulary` (checks,
   upload through the Graph Store Protocol, commit), as tests/vocab/conftest.py publishes them;
2. its search index built from the store (`IndexBuilder.read`: what a registry process does for a
   version it did not publish itself, e.g. another node or the start-up warm-up);
3. the index's label query alone, the store asked for SPARQL JSON and for SPARQL XML results
   (why the registry asks for JSON, not the faster XML: docs/deployment.md, quirk table).

Prints medians per store and the ratio Virtuoso / `oxigraph serve`.
Run:  python benchmarks/remote_vocab.py [--rounds 3] | tee benchmarks/results/remote_vocab.txt
Needs ../shared/data/vocabularies (REGISTRY_SHARED_DATA), `oxigraph` and `virtuoso-t`.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pyoxigraph as ox  # noqa: E402

from registry.config import Settings  # noqa: E402
from registry.publishing.service import VocabularySubmission  # noqa: E402
from registry.services import Registry  # noqa: E402
from registry.vocab.index import SKOS, SKOSXL, IndexBuilder  # noqa: E402
from tests.conftest import OxigraphServer, VirtuosoServer, VIRTUOSO_PASSWORD, VIRTUOSO_USER  # noqa: E402
from tests.vocab.conftest import DATA, FORMATS, REAL  # noqa: E402

VOCABULARIES = ("unesco", "gemet")
LABELS = f"""SELECT ?s ?p ?l WHERE {{
  {{ VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> <{SKOS}hiddenLabel> <{SKOS}notation> }} ?s ?p ?l }}
  UNION
  {{ VALUES (?xp ?p) {{ (<{SKOSXL}prefLabel> <{SKOS}prefLabel>) (<{SKOSXL}altLabel> <{SKOS}altLabel>)
                       (<{SKOSXL}hiddenLabel> <{SKOS}hiddenLabel>) }}
     ?s ?xp ?x . ?x <{SKOSXL}literalForm> ?l }} }}"""
RESULTS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml"}


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def one_round(store: str, times: defaultdict[tuple[str, str], list[float]]) -> None:
    directory = Path(tempfile.mkdtemp(prefix="remote-vocab-"))
    if store == "virtuoso":
        server = VirtuosoServer(directory / "virtuoso").start()
        settings = Settings(
            store=server.store_url,
            base_iri="http://testserver/",
            load_bundled=False,
            store_user=VIRTUOSO_USER,
            store_password=VIRTUOSO_PASSWORD,
            store_auth="digest",
            store_gsp_url="/sparql-graph-crud-auth",
        )
        http = httpx.Client(auth=httpx.DigestAuth(VIRTUOSO_USER, VIRTUOSO_PASSWORD), timeout=600)
        query_url = server.base + "/sparql-auth"
    else:
        server = OxigraphServer().start()
        settings = Settings(store=server.store_url, base_iri="http://testserver/", load_bundled=False)
        http = httpx.Client(timeout=600)
        query_url = server.base + "/query"
    try:
        registry = Registry.build(settings)
        try:
            for vid in VOCABULARIES:
                name, cid, namespaces = REAL[vid]
                registry.communities.create(cid, cid.upper(), namespaces)
                path = DATA / name
                start = time.monotonic()
                result = registry.publication.publish_vocabulary(
                    registry.catalog.community(cid),
                    VocabularySubmission(
                        id=vid,
                        version="1.0.0",
                        source=path,
                        format=FORMATS[path.suffix[1:]],
                        title={"en": vid.upper()},
                        name=name,
                    ),
                )
                times[(store, f"publish {vid}")].append(time.monotonic() - start)
                graph = registry.iris.concepts_graph(result.iri)
                start = time.monotonic()
                index = IndexBuilder.read(registry.store, result.iri, graph)
                times[(store, f"index build {vid}")].append(time.monotonic() - start)
                assert index.iris, f"{vid}: the index read no concept"
                for fmt, media in RESULTS.items():
                    start = time.monotonic()
                    response = http.post(query_url, data={"query": LABELS, "default-graph-uri": graph}, headers={"Accept": media})
                    response.raise_for_status()
                    rows = sum(
                        1
                        for _ in ox.parse_query_results(
                            response.content, format=ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.XML
                        )
                    )
                    times[(store, f"labels of {vid} as {fmt} ({rows} rows)")].append(time.monotonic() - start)
        finally:
            registry.close()
    finally:
        http.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("# Real thesauri on the remote stores: oxigraph serve vs Virtuoso (issue 19 item 1)")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__}; {args.rounds} rounds, the two stores in turn in each"
    )
    print(f"load average at start (1, 5, 15 min): {load()}  (the machine is shared: read the medians and ratios)")
    times: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    for round_ in range(args.rounds):
        order = ("remote", "virtuoso") if round_ % 2 == 0 else ("virtuoso", "remote")
        for store in order:
            one_round(store, times)
        print(f"round {round_ + 1} done, load {load()}", flush=True)
    steps = list(dict.fromkeys(step for _, step in times))
    print()
    print(f"{'step (median s)':48} {'oxigraph serve':>15} {'Virtuoso':>10} {'ratio':>7}")
    for step in steps:
        a = statistics.median(times[("remote", step)])
        b = statistics.median(times[("virtuoso", step)])
        print(f"{step:48} {a:15.2f} {b:10.2f} {b / a:6.2f}x")
    print(f"load average at the end (1, 5, 15 min): {load()}")


if __name__ == "__main__":
    main()
