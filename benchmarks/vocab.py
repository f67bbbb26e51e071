"""Benchmark: publishing and searching a 1M-triple vocabulary (issue 6).

The vocabulary is *synthetic* (the largest real file in ../shared/data is ~90k triples), shaped like
a real thesaurus: one skos:ConceptScheme; concepts with a prefLabel in fr and in en (multi-word
labels drawn from generated words, French ones with accents), an altLabel in each language, a
skos:broader tree (branching 10) with top concepts, fr/en definitions, and a notation or a
skos:related link. ~10 triples per concept.

One run prints:

1. publish time of the vocabulary through the real API (`PUT /vocabularies/{id}/versions/{v}`,
   checks included, on-disk store) and the index build it needs for search (first search),
   next to pyoxigraph `Store.bulk_load` of the same file into a fresh on-disk store, with the peak
   RSS of each (each step runs in its own child process, so peaks do not mix);
2. search latency over HTTP (uvicorn on loopback, one client, keep-alive) for 100 varied prefixes
   (2-8 characters, fr and en, with and without accents) on `/vocabularies/{id}/search`, and the
   equivalent SPARQL FILTER query (prefix of prefLabel / altLabel, case-insensitive, LIMIT 20)
   run in-process on the same store, which is what search costs without an index.

3. (issue 16) every real SKOS vocabulary of ../shared/data/vocabularies published unedited
   (checks, commit, index build and save) next to `bulk_load` of the same file, each in its own
   child process; the first search after a server restart (the persisted index is loaded at
   start-up); a reconciliation batch of 1,000 queries (W3C Reconciliation API) in one request.

Run:  python benchmarks/vocab.py [--triples 1000000] [--publish-only] | tee benchmarks/results/vocab.txt
(`--publish-only`: section 1 only, the 1M publish against bulk_load, with CPU times and peak RSS.)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = "https://w3id.org/synthetic/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TRIPLES_PER_CONCEPT = 10
SYLLABLES = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ro", "su", "ta",
             "vi", "xo", "ze", "bra", "cri", "dro", "fla", "gre", "plu", "stra", "tri", "spe", "mon", "ter"]
ACCENTED = {"e": "é", "a": "à", "o": "ô", "i": "î", "u": "û"}


def _words(rng: random.Random, n: int) -> list[str]:
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def synthetic_vocabulary(n_triples: int, path: Path) -> int:
    """Write an N-Triples thesaurus of about `n_triples` triples; return the concept count."""
    rng = random.Random(42)
    en_words = _words(rng, 6000)
    fr_words = [w[:-1] + ACCENTED.get(w[-1], w[-1]) if i % 3 == 0 else w for i, w in enumerate(_words(rng, 6000))]
    n = max(n_triples // TRIPLES_PER_CONCEPT, 11)
    scheme = f"<{BASE}scheme>"
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{scheme} <{RDF_TYPE}> <{SKOS}ConceptScheme> .\n")
        out.write(f'{scheme} <{SKOS}prefLabel> "Thésaurus synthétique"@fr .\n')
        out.write(f'{scheme} <{SKOS}prefLabel> "Synthetic thesaurus"@en .\n')
        for i in range(n):
            c = f"<{BASE}c{i}>"
            k = rng.randint(1, 3)
            en = " ".join(rng.choice(en_words) for _ in range(k)).capitalize() + f" {i}"
            fr = " ".join(rng.choice(fr_words) for _ in range(k)).capitalize() + f" {i}"
            lines = [
                f"{c} <{RDF_TYPE}> <{SKOS}Concept> .",
                f"{c} <{SKOS}inScheme> {scheme} .",
                f'{c} <{SKOS}prefLabel> "{fr}"@fr .',
                f'{c} <{SKOS}prefLabel> "{en}"@en .',
                f'{c} <{SKOS}altLabel> "{rng.choice(fr_words)} {rng.choice(fr_words)} {i}"@fr .',
                f'{c} <{SKOS}altLabel> "{rng.choice(en_words).upper()[:5]}-{i}"@en .',
                f'{c} <{SKOS}definition> "Définition de « {fr} »."@fr .',
                f'{c} <{SKOS}definition> "Definition of “{en}”."@en .',
            ]
            if i < 10:
                lines.append(f"{c} <{SKOS}topConceptOf> {scheme} .")
            else:
                lines.append(f"{c} <{SKOS}broader> <{BASE}c{i // 10 - 1 if i >= 20 else i % 10}> .")
            if i % 10 == 3 and i >= 120:
                lines.append(f"{c} <{SKOS}related> <{BASE}c{i + 11}> .")
            else:
                lines.append(f'{c} <{SKOS}notation> "N{i}" .')
            out.write("\n".join(lines) + "\n")
    return n


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- child processes ---------------------------------------------------------------------------


def _bulk_load(path: str, queue) -> None:
    import pyoxigraph as ox

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        store = ox.Store(str(Path(tmp) / "store"))
        t = time.perf_counter()
        cpu = time.process_time()
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:bench"))
        store.flush()
        queue.put({"seconds": time.perf_counter() - t, "cpu_s": time.process_time() - cpu, "triples": len(store),
                   "peak_rss_mb": peak_rss_mb()})
        del store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(store_dir: str, port: int, ready) -> None:
    import uvicorn

    from registry.config import Settings
    from registry.web.app import create_app

    settings = Settings(store=store_dir, base_iri=f"http://127.0.0.1:{port}/", load_bundled=False)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=lambda: (time.sleep(0.1), ready.set()), daemon=True).start()
    server.run()


def _start_server(ctx, store_dir: str, port: int, ready, url: str):
    """The registry in its own process; (process, seconds until it answers)."""
    import httpx

    server = ctx.Process(target=_serve, args=(store_dir, port, ready), daemon=True)
    started = time.perf_counter()
    server.start()
    for _ in range(1200):
        try:
            httpx.get(url + "/vocabularies", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return server, time.perf_counter() - started


def _setup_store(store_dir: str, port: int, queue) -> None:
    from registry.config import Settings
    from registry.services import Registry

    registry = Registry.build(Settings(store=store_dir, base_iri=f"http://127.0.0.1:{port}/", load_bundled=False))
    registry.communities.create("synthetic", "Synthetic", [BASE])
    queue.put(registry.communities.create_token("synthetic").token)
    registry.close()


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def prefixes(path: Path, count: int = 100) -> list[str]:
    """`count` varied prefixes (2-8 characters, fr and en labels, accents kept or dropped)."""
    rng = random.Random(7)
    labels = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if "prefLabel" in line or "altLabel" in line:
                labels.append(line.split('"')[1])
            if len(labels) > 20000:
                break
    out = []
    while len(out) < count:
        label = rng.choice(labels)
        word = rng.choice(label.split())
        if len(word) < 2 or word.isdigit():
            continue
        prefix = word[: rng.randint(2, min(8, len(word)))]
        if rng.random() < 0.3:
            prefix = prefix.upper()
        out.append(prefix)
    return out


def _sparql_filter_times(store_dir: str, graph: str, terms: list[str], queue) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(store_dir)
    query = f"""SELECT ?s ?l WHERE {{ VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> }} ?s ?p ?l
                 FILTER(STRSTARTS(LCASE(STR(?l)), LCASE($q))) }} LIMIT 20"""
    times = []
    for term in terms:
        t = time.perf_counter()
        sparql = query.replace("$q", str(ox.Literal(term)))
        list(store.query(sparql, default_graph=[ox.NamedNode(graph)]))
        times.append((time.perf_counter() - t) * 1000)
    # the same searches through the registry's index, in the same process: like for like
    # (no HTTP on either side), next to the HTTP timings the main table reports
    from registry.store.oxigraph import OxigraphStore
    from itertools import islice

    from registry.vocab.index import VersionIndex
    from registry.vocab.normalize import fold

    wrapped = OxigraphStore.__new__(OxigraphStore)
    wrapped._store, wrapped.path = store, None
    index = VersionIndex.build(wrapped, graph.rsplit("/", 1)[0], graph, None)
    index_times = []
    for term in terms:
        t = time.perf_counter()
        list(islice(index.search(fold(term)), 20))
        index_times.append((time.perf_counter() - t) * 1000)
    queue.put((times, index_times))


def _reconcile_times(store_dir: str, port: int, batch: dict, queue) -> None:
    """The same 1,000-query batch, in-process on the same store: the seconds each query of the
    batch took, timed inside the batch loop (`reconcile.reconcile(timings=...)`), 5 runs."""
    from registry.config import Settings
    from registry.services import Registry
    from registry.vocab import reconcile
    from registry.vocab.service import service_of

    registry = Registry.build(Settings(store=store_dir, base_iri=f"http://127.0.0.1:{port}/", load_bundled=False))
    service = service_of(registry)
    timings: list[float] = []
    for run in range(5):
        batch_timings: list[float] = []
        reconcile.reconcile(service, "synthetic", batch, None, timings=batch_timings)
        if run:  # the first run opens the index
            timings += batch_timings
    registry.close()
    queue.put([t * 1000 for t in timings])


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


REAL = ROOT.parent / "shared" / "data" / "vocabularies"
REAL_FILES = {  # file → community namespaces (the publisher's IRI spaces)
    "coar_access_rights.nt": ["http://purl.org/coar/"],
    "coar_version_types.nt": ["http://purl.org/coar/"],
    "coar_resource_types.nt": ["http://purl.org/coar/"],
    "eu_filetypes-skos.rdf": ["http://publications.europa.eu/resource/authority/"],
    "physh_skos_compat.ttl": ["https://doi.org/10.29172/", "https://physh.org/rdf/"],
    "gemet-fr.rdf": ["http://www.eionet.europa.eu/gemet/", "http://geonetwork-opensource.org/"],
    "unesco-thesaurus.ttl": ["http://vocabularies.unesco.org/"],
}


def _real_vocabulary(name: str, queue) -> None:
    """bulk_load, then publish unedited (+ index build and save), of one real file."""
    import pyoxigraph as ox

    from registry.config import Settings
    from registry.publishing.service import VocabularySubmission
    from registry.services import Registry
    from registry.vocab.service import service_of

    fmt = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "rdf": ox.RdfFormat.RDF_XML}[name.rsplit(".", 1)[1]]
    path = REAL / name
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        store = ox.Store(str(Path(tmp) / "bulk"))
        t = time.perf_counter()
        store.bulk_load(path=str(path), format=fmt, to_graph=ox.NamedNode("urn:bench"))
        store.flush()
        bulk_s = time.perf_counter() - t
        triples = len(store)
        del store
        registry = Registry.build(Settings(store=str(Path(tmp) / "registry"), base_iri="http://bench/", load_bundled=False))
        registry.communities.create("c", "C", REAL_FILES[name])
        t = time.perf_counter()
        result = registry.publication.publish_vocabulary(
            registry.catalog.community("c"), VocabularySubmission(id="v", version="1.0.0", source=path, format=fmt))
        publish_s = time.perf_counter() - t
        t = time.perf_counter()
        service_of(registry).warm("v")
        index_s = time.perf_counter() - t
        integrity = sum(1 for f in result.findings if f.code.startswith("skos-S"))
        registry.close()
    queue.put({"triples": triples, "bulk_s": bulk_s, "publish_s": publish_s, "index_s": index_s,
               "integrity_warnings": integrity, "peak_rss_mb": peak_rss_mb()})


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--publish-only", action="store_true",
                        help="only the 1M publish against bulk_load (section Publish), then stop")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    import httpx

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        tmp = Path(tmp)
        source = tmp / "synthetic.nt"
        t = time.perf_counter()
        concepts = synthetic_vocabulary(args.triples, source)
        gen_s = time.perf_counter() - t
        size_mb = source.stat().st_size / 1e6
        print("# Vocabulary services benchmark (issues 6 and 16)")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"pyoxigraph {__import__('pyoxigraph').__version__}")
        print(f"synthetic vocabulary: {concepts:,} concepts, {size_mb:.0f} MB N-Triples (generated in {gen_s:.1f} s)")
        print(f"load average at start (1, 5, 15 min): {load_average()}  (the machine is shared: read ratios, "
              "each measured in the same run)")

        # 1. bulk_load baseline (own process)
        queue = ctx.Queue()
        proc = ctx.Process(target=_bulk_load, args=(str(source), queue))
        proc.start()
        bulk = queue.get()
        proc.join()
        print(f"triples: {bulk['triples']:,}")
        print()
        print("## Publish")
        print(f"pyoxigraph Store.bulk_load (on disk)        {bulk['seconds']:7.1f} s   peak RSS {bulk['peak_rss_mb']:6.0f} MB")

        # 2. publish through the API (server in its own process)
        store_dir = str(tmp / "registry")
        port = _free_port()
        proc = ctx.Process(target=_setup_store, args=(store_dir, port, queue))
        proc.start()
        token = queue.get()
        proc.join()
        ready = ctx.Event()
        url = f"http://127.0.0.1:{port}"
        server, _ = _start_server(ctx, store_dir, port, ready, url)

        def chunks():
            with source.open("rb") as f:
                while block := f.read(1 << 20):
                    yield block

        cpu = _cpu_of(server.pid)
        t = time.perf_counter()
        response = httpx.put(f"{url}/vocabularies/synthetic/versions/1.0.0", content=chunks(), timeout=3600,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"})
        publish_s = time.perf_counter() - t
        publish_cpu = _cpu_of(server.pid) - cpu
        assert response.status_code == 201, response.text
        publish_rss = _rss_of(server.pid)
        t = time.perf_counter()
        first = httpx.get(f"{url}/vocabularies/synthetic/search", params={"q": "zzz"}, timeout=600)
        index_s = time.perf_counter() - t
        total_cpu = _cpu_of(server.pid) - cpu
        assert first.status_code == 200, first.text
        index_rss = _rss_of(server.pid)
        total = publish_s + index_s
        print(f"registry publish via API (checks, commit)   {publish_s:7.1f} s   peak RSS {publish_rss:6.0f} MB (server process)")
        print(f"+ search index build (first search)         {index_s:7.1f} s   peak RSS {index_rss:6.0f} MB (server process)")
        print(f"publish + index / bulk_load                 {total / bulk['seconds']:7.2f} x  (target <= 1.5x; publish alone "
              f"{publish_s / bulk['seconds']:.2f} x)")
        print(f"CPU time (user + system, all threads): bulk_load {bulk['cpu_s']:.1f} s; publish {publish_cpu:.1f} s, "
              f"+ index {total_cpu - publish_cpu:.1f} s (server process; includes the HTTP upload)")
        print(f"CPU ratio (publish + index) / bulk_load     {total_cpu / bulk['cpu_s']:7.2f} x  (publish alone "
              f"{publish_cpu / bulk['cpu_s']:.2f} x)")
        print(f"peak RSS target <= 1024 MB: {'met' if max(publish_rss, index_rss) <= 1024 else 'NOT met'}")
        if args.publish_only:
            server.terminate()
            server.join()
            print(f"load average at the end (1, 5, 15 min): {load_average()}")
            return

        # 3. search latency over HTTP vs SPARQL FILTER
        terms = prefixes(source)
        client = httpx.Client(base_url=url, timeout=60)
        for term in terms[:10]:  # warm-up
            client.get("/vocabularies/synthetic/search", params={"q": term})
        times = []
        counts = []
        for term in terms:
            t = time.perf_counter()
            r = client.get("/vocabularies/synthetic/search", params={"q": term, "limit": 20})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
            counts.append(len(r.json()["results"]))
        # the HTTP stack alone, same server, same client: a path no route serves (404 problem+json)
        baseline_times = []
        for term in terms:
            t = time.perf_counter()
            client.get("/vocabularies/synthetic/no-such-route", params={"q": term})
            baseline_times.append((time.perf_counter() - t) * 1000)
        skosmos_times = []
        for term in terms:
            t = time.perf_counter()
            r = client.get("/rest/v1/search", params={"vocab": "synthetic", "query": term + "*", "unique": "true", "maxhits": 20})
            skosmos_times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        # reconciliation: 1,000 queries (whole labels and prefixes) in one batch request
        labels = []
        with source.open(encoding="utf-8") as f:
            for line in f:
                if "prefLabel" in line:
                    labels.append(line.split('"')[1])
                if len(labels) >= 500:
                    break
        batch = {f"q{i}": {"query": text, "limit": 5} for i, text in enumerate(labels + terms * 5) if i < 1000}
        batch_times = []
        for _ in range(5):
            t = time.perf_counter()
            r = client.post("/reconcile/synthetic", data={"queries": json.dumps(batch)})
            batch_times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
        matched = sum(1 for answer in r.json().values() if any(c["match"] for c in answer["result"]))
        client.close()
        server.terminate()
        server.join()
        # restart: the persisted index is loaded at start-up; time the first search once listening
        server, listening_s = _start_server(ctx, store_dir, port, ready, url)
        client = httpx.Client(base_url=url, timeout=60)
        t = time.perf_counter()
        r = client.get("/vocabularies/synthetic/search", params={"q": terms[0], "limit": 20})
        first_after_restart_ms = (time.perf_counter() - t) * 1000
        assert r.status_code == 200
        after = []
        for term in terms:
            t = time.perf_counter()
            client.get("/vocabularies/synthetic/search", params={"q": term, "limit": 20})
            after.append((time.perf_counter() - t) * 1000)
        client.close()
        server.terminate()
        server.join()
        proc = ctx.Process(target=_reconcile_times, args=(store_dir, port, batch, queue))
        proc.start()
        query_times = queue.get()
        proc.join()
        graph = f"{url}/vocabularies/synthetic/1.0.0/concepts"
        proc = ctx.Process(target=_sparql_filter_times, args=(store_dir, graph, terms, queue))
        proc.start()
        filter_times, index_times = queue.get()
        proc.join()
        print()
        print(f"## Search: {len(terms)} prefixes (2-8 chars, fr/en, mixed case, e.g. {', '.join(terms[:6])}), limit 20")
        print(f"results per query: median {statistics.median(counts):.0f}, min {min(counts)}")
        print(f"{'':44}{'p50':>8}{'p95':>8}{'max':>8}  (ms)")
        print(f"{'HTTP /vocabularies/{id}/search (index)':44}{pct(times, 50):8.2f}{pct(times, 95):8.2f}{max(times):8.2f}")
        print(f"{'HTTP /rest/v1/search (Skosmos, index)':44}{pct(skosmos_times, 50):8.2f}{pct(skosmos_times, 95):8.2f}{max(skosmos_times):8.2f}")
        print(f"{'HTTP 404 of a path no route serves':44}{pct(baseline_times, 50):8.2f}{pct(baseline_times, 95):8.2f}{max(baseline_times):8.2f}"
              "  (HTTP stack alone: baseline)")
        print(f"{'index search in-process (no HTTP)':44}{pct(index_times, 50):8.2f}{pct(index_times, 95):8.2f}{max(index_times):8.2f}")
        print(f"{'SPARQL FILTER STRSTARTS(LCASE) in-process':44}{pct(filter_times, 50):8.2f}{pct(filter_times, 95):8.2f}{max(filter_times):8.2f}")
        print(f"speed-up in-process, like for like (index vs FILTER): p50 {pct(filter_times, 50) / pct(index_times, 50):.0f}x, "
              f"p95 {pct(filter_times, 95) / pct(index_times, 95):.0f}x")
        p50x = pct(filter_times, 50) / pct(times, 50)
        p95x = pct(filter_times, 95) / pct(times, 95)
        meanx = statistics.mean(filter_times) / statistics.mean(times)
        print(f"speed-up (HTTP index vs in-process FILTER; target >= 10x): p50 {p50x:.0f}x, p95 {p95x:.0f}x, mean {meanx:.0f}x")
        print(f"HTTP search p50 / HTTP baseline p50: {pct(times, 50) / pct(baseline_times, 50):.2f} x "
              f"(search work on top of the HTTP stack: {pct(times, 50) - pct(baseline_times, 50):+.2f} ms)")
        print(f"search p50 <= 2 ms: {'met' if pct(times, 50) <= 2 else 'NOT met'}; p95 <= 20 ms: "
              f"{'met' if pct(times, 95) <= 20 else 'NOT met'}; >= 10x at p50: {'met' if p50x >= 10 else 'NOT met'}")
        print()
        print("## Restart (issue 16: persisted index)")
        print(f"server listening again after                {listening_s:7.1f} s")
        print(f"first search right after                    {first_after_restart_ms:7.2f} ms  (index built from scratch before: "
              f"{index_s * 1000:.0f} ms)")
        print(f"next {len(after)} searches                            p50 {pct(after, 50):.2f} ms, p95 {pct(after, 95):.2f} ms")
        print(f"first search / p50 of the next ones             {first_after_restart_ms / pct(after, 50):.1f} x  "
              "(the index file is opened with mmap, nothing decoded up front)")
        print()
        print("## Reconciliation (issue 16): 1,000 queries in one POST /reconcile/synthetic, 5 runs")
        per_query = [b / len(batch) for b in batch_times]
        print(f"HTTP batch: median {statistics.median(batch_times):.0f} ms, i.e. a mean of {statistics.median(per_query):.2f} ms "
              f"per query (HTTP, form parsing and JSON included); {matched} of {len(batch)} queries with a match")
        print(f"per query, timed inside the batch loop (in-process, 4 runs x {len(batch)}): p50 {pct(query_times, 50):.2f} ms, "
              f"p95 {pct(query_times, 95):.2f} ms, max {max(query_times):.2f} ms "
              f"(target p50 <= 5 ms: {'met' if pct(query_times, 50) <= 5 else 'NOT met'})")
        if REAL.is_dir():
            print()
            print("## Real vocabularies published unedited (issue 16), each in its own process")
            print(f"{'file':26}{'triples':>9}{'bulk_load':>11}{'publish':>9}{'index':>8}{'ratio':>8}{'S-warn':>8}{'RSS MB':>8}")
            for name in REAL_FILES:
                proc = ctx.Process(target=_real_vocabulary, args=(name, queue))
                proc.start()
                row = queue.get()
                proc.join()
                ratio = (row["publish_s"] + row["index_s"]) / row["bulk_s"]
                print(f"{name:26}{row['triples']:9,}{row['bulk_s']:10.2f}s{row['publish_s']:8.2f}s{row['index_s']:7.2f}s"
                      f"{ratio:7.1f}x{row['integrity_warnings']:8}{row['peak_rss_mb']:8.0f}")
            print("ratio = (publish + index build and save) / bulk_load; S-warn = SKOS integrity warnings (default policy)")
        print(f"load average at the end (1, 5, 15 min): {load_average()}")
        print(json.dumps({"bulk_load_s": round(bulk["seconds"], 2), "publish_s": round(publish_s, 2),
                          "index_s": round(index_s, 2), "search_p50_ms": round(pct(times, 50), 2),
                          "search_p95_ms": round(pct(times, 95), 2), "filter_p50_ms": round(pct(filter_times, 50), 2),
                          "first_search_after_restart_ms": round(first_after_restart_ms, 2),
                          "reconcile_query_p50_ms": round(pct(query_times, 50), 2),
                          "http_baseline_p50_ms": round(pct(baseline_times, 50), 2)}))


if __name__ == "__main__":
    main()
