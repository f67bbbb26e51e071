"""Benchmark: publishing and searching a 1M-triple vocabulary (issue 6).

The vocabulary is *synthetic* (the largest real file in ../shared/data is ~90k triples), shaped like
a real thesaurus with several concept schemes (issue 16: "at 1M triples with several schemes"):
five skos:ConceptSchemes, each with two top concepts and the subtrees below them (every concept
states skos:inScheme its tree's scheme, as PhySH's facets are subtrees); concepts with a prefLabel
in fr and in en (multi-word labels drawn from generated words, French ones with accents), an
altLabel in each language, a skos:broader tree (branching 10), fr/en definitions, and a notation or
a skos:related link. ~10 triples per concept.

One run prints:

1. publish time of the vocabulary through the real API (`PUT /vocabularies/{id}/versions/{v}`,
   checks included, on-disk store) and the index build it needs for search (first search),
   next to pyoxigraph `Store.bulk_load` of the same file into a fresh on-disk store, with the peak
   RSS of each (each step runs in its own child process, so peaks do not mix);
2. search latency over HTTP for 100 varied prefixes (2-8 characters, fr and en, with and without
   accents) on `/vocabularies/{id}/search` (also within one concept scheme) and Skosmos's
   `/rest/v1/search`, with a lean keep-alive client (a raw socket, in this process) against
   uvicorn on loopback (in its own process), beside what the client and the HTTP server cost
   alone (a bare Starlette app served the same way, its 404) and the registry's own 404 (its ASGI
   stack without a route): the rows are interleaved request by request. Also the equivalent
   SPARQL FILTER query (prefix of prefLabel / altLabel, case-insensitive, LIMIT 20) run in-process
   on the same store, which is what search costs without an index, and the first search after a
   restart (the first request the restarted server answers);

3. (issue 16) every real SKOS vocabulary of ../shared/data/vocabularies published unedited
   (checks, commit, index build and save) next to `bulk_load` of the same file, each in its own
   child process; the first search after a server restart (the persisted index is loaded at
   start-up); a reconciliation batch of 1,000 queries (W3C Reconciliation API) in one request.

Run:  python benchmarks/vocab.py [--triples 1000000] [--publish-only] | tee benchmarks/results/vocab.txt
(`--publish-only`: section 1 only, the 1M publish against bulk_load, with CPU times and peak RSS.
`--search-only [--store DIR] [--baseline-code CHECKOUT]`: sections Search and Restart only, on a
store prepared in DIR on the first run and reused after; with another checkout (e.g. main), its
registry is served beside this one and measured interleaved with it: A/B. `--restart-only N`: the
section Restart alone, N restarts, with the same options.)
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
SCHEMES = ("scheme", "scheme-2", "scheme-3", "scheme-4", "scheme-5")  # the first keeps its old IRI


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
    schemes = [f"<{BASE}{name}>" for name in SCHEMES]
    #: the top concept (c0-c9) each concept's tree starts from: its scheme is that top's
    root: list[int] = []
    with path.open("w", encoding="utf-8") as out:
        for number, scheme in enumerate(schemes, 1):
            out.write(f"{scheme} <{RDF_TYPE}> <{SKOS}ConceptScheme> .\n")
            out.write(f'{scheme} <{SKOS}prefLabel> "Thésaurus synthétique, facette {number}"@fr .\n')
            out.write(f'{scheme} <{SKOS}prefLabel> "Synthetic thesaurus, facet {number}"@en .\n')
        for i in range(n):
            c = f"<{BASE}c{i}>"
            parent = i if i < 10 else (i // 10 - 1 if i >= 20 else i % 10)
            root.append(i if i < 10 else root[parent])
            scheme = schemes[root[i] % len(schemes)]
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
                lines.append(f"{c} <{SKOS}broader> <{BASE}c{parent}> .")
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


def _task_cpu_ms(pid: int) -> float:
    """Milliseconds of CPU every thread of a process has used so far (/proc/<pid>/task/*/schedstat,
    nanoseconds: fine enough for one request, and not lengthened by the other processes of a
    loaded machine as its wall time is)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # a thread that ended meanwhile
            pass
    return total / 1e6


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- search over HTTP (section 2): a lean client, the bare HTTP stack beside the registry ------


def _serve_app(app, port: int) -> None:
    """Serve `app` as every server of this benchmark is served (uvicorn, loopback, no access log)."""
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)).run()


def _serve_registry(store_dir: str, base: str, port: int) -> None:
    from registry.config import Settings
    from registry.web.app import create_app

    # as `registry serve` builds it (registry/serving.py), the start-up's garbage collected
    settings = Settings(store=store_dir, base_iri=base, load_bundled=False)
    try:
        app = create_app(settings, settle_garbage=True)
    except TypeError:  # the code of a checkout from before settle_garbage (--baseline-code)
        app = create_app(settings)
    _serve_app(app, port)


def _serve_registry_from(code: str, store_dir: str, base: str, port: int) -> None:
    """The registry of another checkout (`--baseline-code`), served the same way."""
    sys.path.insert(0, code)
    for name in [m for m in sys.modules if m == "registry" or m.startswith("registry.")]:
        del sys.modules[name]
    _serve_registry(store_dir, base, port)


def _serve_bare(port: int) -> None:
    """A bare Starlette app without routes (its 404 for every path): client + HTTP server + the
    least an ASGI framework does, the floor under any route of the registry."""
    from starlette.applications import Starlette

    _serve_app(Starlette(), port)


def _launch(ctx, target, args: tuple, port: int):
    """`target(*args)` serving in its own process; (process, seconds until it accepts connections).
    Readiness is a TCP connect, not a request: the first request it answers is the first timed."""
    process = ctx.Process(target=target, args=args, daemon=True)
    started = time.perf_counter()
    process.start()
    for _ in range(6000):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if not process.is_alive():
                raise RuntimeError(f"the server on port {port} stopped (exit code {process.exitcode})") from None
            time.sleep(0.02)
    return process, time.perf_counter() - started


class KeepAlive:
    """A lean HTTP/1.1 client: one keep-alive connection on a raw socket, each request encoded
    before the clock starts, the answer read by its Content-Length. It costs tens of microseconds
    a request where httpx costs 0.3-0.8 ms, so the rows measured with it are the server's time."""

    def __init__(self, port: int):
        self.host = f"127.0.0.1:{port}".encode()
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def encode(self, path: str, params: dict | None = None) -> bytes:
        from urllib.parse import urlencode

        target = path + ("?" + urlencode(params) if params else "")
        return b"GET " + target.encode() + b" HTTP/1.1\r\nHost: " + self.host + b"\r\nAccept: */*\r\n\r\n"

    def send(self, request: bytes) -> tuple[int, bytes]:
        """(status, body) of one encoded request."""
        sock = self.sock
        sock.sendall(request)
        data = b""
        while (end := data.find(b"\r\n\r\n")) < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        head = data[:end].split(b"\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head[1:] if line.lower().startswith(b"content-length:")), None)
        if length is None:
            raise ValueError(f"an answer without Content-Length: {head[0]!r}")
        body = data[end + 4:]
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            body += chunk
        return int(head[0][9:12]), body

    def close(self) -> None:
        self.sock.close()


def _timed(client: KeepAlive, request: bytes, expected: int) -> float:
    """Milliseconds of one request (the status checked after the clock stops)."""
    t = time.perf_counter()
    status, body = client.send(request)
    elapsed = (time.perf_counter() - t) * 1000
    if status != expected:
        raise AssertionError(f"HTTP {status} instead of {expected}: {body[:300]!r}")
    return elapsed


def _prepare_search_store(store_dir: Path, base: str, triples: int) -> None:
    """`--search-only`: the synthetic vocabulary published once into `store_dir` (in-process, not
    timed; its index built and saved as after a publication through the API), reused by later runs."""
    import pyoxigraph as ox

    from registry.config import Settings
    from registry.publishing.service import VocabularySubmission
    from registry.services import Registry
    from registry.vocab.service import service_of

    source = store_dir / "synthetic.nt"
    store_dir.mkdir(parents=True, exist_ok=True)
    synthetic_vocabulary(triples, source)
    registry = Registry.build(Settings(store=str(store_dir / "registry"), base_iri=base, load_bundled=False))
    registry.communities.create("synthetic", "Synthetic", [BASE])
    registry.publication.publish_vocabulary(
        registry.catalog.community("synthetic"),
        VocabularySubmission(id="synthetic", version="1.0.0", source=source, format=ox.RdfFormat.N_TRIPLES))
    service_of(registry).warm("synthetic")
    registry.close()
    (store_dir / "bench.json").write_text(json.dumps({"base": base, "triples": triples}))


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


SEARCH_ROUNDS = 3  # each of the 100 prefixes, on every row, this many times (interleaved)
RESTARTS = 3


def search_section(ctx, store_dir: str, base: str, source: Path, terms: list[str], index_s: float | None,
                   baseline: tuple[Path, str] | None = None) -> dict:
    """Sections "Search" and "Restart": the registry and a bare Starlette app, each served by
    uvicorn in its own process, one lean keep-alive client (`KeepAlive`) per server in this one;
    the rows are interleaved request by request, so that a change of load weighs on all alike.
    `baseline`: (a checkout of other code, e.g. main, and a copy of the store) served the same
    way beside this one, its rows interleaved with the others (A/B). Prints its tables; returns
    the figures for the JSON line."""
    import httpx

    port, bare_port = _free_port(), _free_port()
    servers = [_launch(ctx, _serve_registry, (store_dir, base, port), port)[0],
               _launch(ctx, _serve_bare, (bare_port,), bare_port)[0]]
    registry, floor = KeepAlive(port), KeepAlive(bare_port)
    clients = [registry, floor]
    scheme = f"{BASE}{SCHEMES[1]}"

    def search(client: KeepAlive) -> list[bytes]:
        return [client.encode("/vocabularies/synthetic/search", {"q": t, "limit": 20}) for t in terms]

    def skosmos(client: KeepAlive) -> list[bytes]:
        return [client.encode("/rest/v1/search", {"vocab": "synthetic", "query": t + "*", "unique": "true", "maxhits": 20})
                for t in terms]

    def missing(client: KeepAlive) -> list[bytes]:
        return [client.encode("/vocabularies/synthetic/no-such-route", {"q": t}) for t in terms]

    rows: dict[str, tuple[str, KeepAlive | None, int, list[bytes]]] = {
        "bare": ("bare Starlette app, its 404 (client + HTTP server)", floor, 404, missing(floor)),
        "404": ("registry: 404 of a path no route serves", registry, 404, missing(registry)),
        "search": ("HTTP /vocabularies/{id}/search (index)", registry, 200, search(registry)),
        "scheme": (f"HTTP /vocabularies/{{id}}/search?scheme= (1 of {len(SCHEMES)})", registry, 200,
                   [registry.encode("/vocabularies/synthetic/search", {"q": t, "limit": 20, "scheme": scheme}) for t in terms]),
        "skosmos": ("HTTP /rest/v1/search (Skosmos, index)", registry, 200, skosmos(registry)),
        "httpx": ("HTTP /vocabularies/{id}/search, httpx client", None, 200, []),
    }
    if baseline is not None:
        code, copy = baseline
        other_port = _free_port()
        servers.append(_launch(ctx, _serve_registry_from, (str(code), copy, base, other_port), other_port)[0])
        other = KeepAlive(other_port)
        clients.append(other)
        rows["base-404"] = ("baseline code: 404 of a path no route serves", other, 404, missing(other))
        rows["base-search"] = ("baseline code: /vocabularies/{id}/search", other, 200, search(other))
        rows["base-skosmos"] = ("baseline code: /rest/v1/search (Skosmos)", other, 200, skosmos(other))
    httpx_client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def one(name: str, i: int) -> float:
        _, client, expected, requests = rows[name]
        if client is None:
            t = time.perf_counter()
            r = httpx_client.get("/vocabularies/synthetic/search", params={"q": terms[i], "limit": 20})
            elapsed = (time.perf_counter() - t) * 1000
            assert r.status_code == expected, r.text
            return elapsed
        return _timed(client, requests[i], expected)

    for i in range(10):  # warm-up of every row (not timed)
        for name in rows:
            one(name, i)
    times: dict[str, list[float]] = {name: [] for name in rows}
    names = list(rows)
    for round_ in range(SEARCH_ROUNDS):
        for i in range(len(terms)):
            shift = (i + round_) % len(names)  # each row takes its turn first
            for name in names[shift:] + names[:shift]:
                times[name].append(one(name, i))
    counts = [len(json.loads(registry.send(request)[1])["results"]) for request in rows["search"][3]]
    in_scheme = [len(json.loads(registry.send(request)[1])["results"]) for request in rows["scheme"][3]]
    httpx_client.close()
    for client in clients:
        client.close()
    for server in servers:
        server.terminate()
        server.join()

    queue = ctx.Queue()
    graph = f"{base}vocabularies/synthetic/1.0.0/concepts"
    proc = ctx.Process(target=_sparql_filter_times, args=(store_dir, graph, terms, queue))
    proc.start()
    filter_times, index_times = queue.get()
    proc.join()

    def row(label: str, values: list[float], note: str = "") -> None:
        print(f"{label:52}{pct(values, 50):8.2f}{pct(values, 95):8.2f}{max(values):8.2f}{note}")

    p50 = {name: pct(values, 50) for name, values in times.items()}
    print()
    print(f"## Search: {len(terms)} prefixes (2-8 chars, fr/en, mixed case, e.g. {', '.join(terms[:6])}), limit 20")
    print(f"synthetic vocabulary in {len(SCHEMES)} concept schemes; results per query: median {statistics.median(counts):.0f}, "
          f"min {min(counts)}; within one scheme (scheme=): median {statistics.median(in_scheme):.0f}")
    print(f"client: one keep-alive connection per server on a raw socket, in the benchmark's process; each server "
          f"(uvicorn) in its own process; {len(terms) * SEARCH_ROUNDS} requests a row, the rows interleaved request by request"
          + (f"; baseline code: {baseline[0]}" if baseline is not None else ""))
    print(f"{'':52}{'p50':>8}{'p95':>8}{'max':>8}  (ms)")
    notes = {"bare": "  floor: no registry code", "404": "  + the registry's ASGI stack", "httpx": "  (the client of earlier runs)"}
    for name, (label, *_rest) in rows.items():
        note = notes.get(name, "")
        if name.startswith("base-"):
            note = f"  ours / baseline: {p50[name[5:]] / p50[name]:.2f} x"
        row(label, times[name], note)
    row("index search in-process (no HTTP)", index_times)
    row("SPARQL FILTER STRSTARTS(LCASE) in-process", filter_times)
    print(f"split of the search p50 ({p50['search']:.2f} ms): client + HTTP server {p50['bare']:.2f} ms, the registry's "
          f"ASGI stack {p50['404'] - p50['bare']:+.2f} ms, the search route itself {p50['search'] - p50['404']:+.2f} ms")
    print(f"speed-up in-process, like for like (index vs FILTER): p50 {pct(filter_times, 50) / pct(index_times, 50):.0f}x, "
          f"p95 {pct(filter_times, 95) / pct(index_times, 95):.0f}x")
    p50x = pct(filter_times, 50) / p50["search"]
    print(f"speed-up (HTTP index vs in-process FILTER; target >= 10x): p50 {p50x:.0f}x, "
          f"p95 {pct(filter_times, 95) / pct(times['search'], 95):.0f}x")
    print(f"search p50 <= 2 ms: {'met' if p50['search'] <= 2 else 'NOT met'} ({p50['search']:.2f} ms; Skosmos "
          f"{p50['skosmos']:.2f} ms); p95 <= 20 ms: {'met' if pct(times['search'], 95) <= 20 else 'NOT met'}; "
          f">= 10x at p50: {'met' if p50x >= 10 else 'NOT met'}")
    restart = restart_section(ctx, store_dir, base, terms, index_s, baseline, port)
    return {"search_p50_ms": round(p50["search"], 2), "search_p95_ms": round(pct(times["search"], 95), 2),
            "skosmos_search_p50_ms": round(p50["skosmos"], 2), "scheme_search_p50_ms": round(p50["scheme"], 2),
            "http_baseline_p50_ms": round(p50["404"], 2), "bare_starlette_p50_ms": round(p50["bare"], 2),
            "httpx_search_p50_ms": round(p50["httpx"], 2), "filter_p50_ms": round(pct(filter_times, 50), 2),
            **restart}

def restart_section(ctx, store_dir: str, base: str, terms: list[str], index_s: float | None,
                    baseline: tuple[Path, str] | None, port: int, restarts: int = RESTARTS) -> dict:
    """Section "Restart": `restarts` times, the registry started afresh on the store; the first
    request it answers is a timed search (readiness is a TCP connect; the connection is opened
    before the clock), then, on the last restart, the 100 searches after it. With `baseline`,
    that code's restarts alternate with ours. Prints its table; returns the figure for the JSON line."""
    firsts: dict[str, list[float]] = {"ours": [], "baseline": []}
    first_cpu: dict[str, list[float]] = {"ours": [], "baseline": []}
    listening, after, next_cpu = [], [], []
    # the first search's own request again once the server is warm, on the same connection and
    # on a new one: what that search costs when nothing is cold, and what a new connection adds
    warm: dict[str, list[float]] = {"same": [], "same_cpu": [], "new": [], "new_cpu": []}
    for restart in range(restarts):
        first_term = terms[restart * 7 % len(terms)]
        for who in ("ours", "baseline") if baseline is not None else ("ours",):
            if who == "ours":
                server, listening_s = _launch(ctx, _serve_registry, (store_dir, base, port), port)
                listening.append(listening_s)
            else:
                server, _ = _launch(ctx, _serve_registry_from, (str(baseline[0]), baseline[1], base, port), port)
            client = KeepAlive(port)
            request = client.encode("/vocabularies/synthetic/search", {"q": first_term, "limit": 20})
            cpu = _task_cpu_ms(server.pid)
            firsts[who].append(_timed(client, request, 200))
            first_cpu[who].append(_task_cpu_ms(server.pid) - cpu)
            if who == "ours":
                requests = [client.encode("/vocabularies/synthetic/search", {"q": term, "limit": 20}) for term in terms[:20]]
                cpu = _task_cpu_ms(server.pid)
                for request in requests:
                    _timed(client, request, 200)
                next_cpu.append((_task_cpu_ms(server.pid) - cpu) / len(requests))
                first_request = client.encode("/vocabularies/synthetic/search", {"q": first_term, "limit": 20})
                cpu = _task_cpu_ms(server.pid)
                warm["same"].append(_timed(client, first_request, 200))
                warm["same_cpu"].append(_task_cpu_ms(server.pid) - cpu)
                fresh = KeepAlive(port)
                cpu = _task_cpu_ms(server.pid)
                warm["new"].append(_timed(fresh, first_request, 200))
                warm["new_cpu"].append(_task_cpu_ms(server.pid) - cpu)
                fresh.close()
            if who == "ours" and restart == restarts - 1:
                for term in terms:
                    after.append(_timed(client, client.encode("/vocabularies/synthetic/search", {"q": term, "limit": 20}), 200))
            client.close()
            server.terminate()
            server.join()

    print()
    print("## Restart (issue 16: persisted index)")
    first = statistics.median(firsts["ours"])
    print(f"server accepting connections after           {statistics.median(listening):7.1f} s  (median of {restarts} restarts)")
    print(f"first search, first request after a restart  {first:7.2f} ms  (median of {restarts}: "
          f"{', '.join(f'{f:.2f}' for f in firsts['ours'])}; connection opened before the clock)"
          + (f"; index built from scratch before: {index_s * 1000:.0f} ms" if index_s is not None else ""))
    if baseline is not None:
        print(f"  the same with the baseline code            {statistics.median(firsts['baseline']):7.2f} ms  "
              f"({', '.join(f'{f:.2f}' for f in firsts['baseline'])}; restarts alternated with ours)")
    print(f"next {len(after)} searches                            p50 {pct(after, 50):.2f} ms, p95 {pct(after, 95):.2f} ms")
    print(f"first search / p50 of the next ones          {first / pct(after, 50):7.1f} x  (target: as fast as any other)")
    print(f"server CPU, first search                     {statistics.median(first_cpu['ours']):7.2f} ms  (median of {restarts}: "
          f"{', '.join(f'{c:.2f}' for c in first_cpu['ours'])}; all threads, /proc schedstat: not slowed by other processes)")
    if baseline is not None:
        print(f"  the same with the baseline code            {statistics.median(first_cpu['baseline']):7.2f} ms  "
              f"({', '.join(f'{c:.2f}' for c in first_cpu['baseline'])})")
    print(f"server CPU, the next 20 searches (mean)      {statistics.median(next_cpu):7.2f} ms  (median of {restarts}); "
          f"first / next: {statistics.median(first_cpu['ours']) / statistics.median(next_cpu):.2f} x")
    print(f"the first search's request again, warm         {statistics.median(warm['same']):7.2f} ms  (same connection; "
          f"server CPU {statistics.median(warm['same_cpu']):.2f} ms; medians of {restarts})")
    print(f"  the same on a new connection, warm           {statistics.median(warm['new']):7.2f} ms  "
          f"(server CPU {statistics.median(warm['new_cpu']):.2f} ms): a new connection's first request, no restart")
    print(f"first search after a restart / the same, warm on a new connection: "
          f"{first / statistics.median(warm['new']):.2f} x (wall), "
          f"{statistics.median(first_cpu['ours']) / statistics.median(warm['new_cpu']):.2f} x (server CPU)")
    return {"first_search_after_restart_ms": round(first, 2), "restart_listening_s": round(statistics.median(listening), 2),
            "first_search_cpu_ms": round(statistics.median(first_cpu["ours"]), 2),
            "next_search_cpu_ms": round(statistics.median(next_cpu), 2)}


def search_only(ctx, store: Path | None, triples: int, baseline_code: Path | None = None,
                restarts: int | None = None) -> None:
    """`--search-only`: the sections Search and Restart on a prepared store (made on first use);
    with `baseline_code`, that code served beside this one on a copy of the store (A/B); with
    `restarts` (`--restart-only`), the section Restart alone, that many restarts."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = store or Path(tmp)
        base = "http://127.0.0.1:8000/"  # a store keeps the base IRI it was made under (any port serves it)
        print("# Vocabulary services benchmark (issues 6 and 16): search only")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"pyoxigraph {__import__('pyoxigraph').__version__}")
        print(f"load average at start (1, 5, 15 min): {load_average()}  (the machine is shared: read ratios, "
              "each measured in the same run)")
        meta = root / "bench.json"
        if not meta.exists():
            t = time.perf_counter()
            proc = ctx.Process(target=_prepare_search_store, args=(root, base, triples))
            proc.start()
            proc.join()
            if proc.exitcode != 0 or not meta.exists():
                raise SystemExit(f"preparing the store in {root} failed")
            print(f"store prepared in {root} ({time.perf_counter() - t:.0f} s: generation, publication, index)")
        prepared = json.loads(meta.read_text())
        if prepared["triples"] != triples:
            raise SystemExit(f"{root} holds the {prepared['triples']:,}-triple vocabulary, not {triples:,}: use another --store")
        source = root / "synthetic.nt"
        print(f"synthetic vocabulary: about {triples:,} triples, {source.stat().st_size / 1e6:.0f} MB N-Triples, "
              f"published in {root}")
        baseline = None
        if baseline_code is not None:
            import shutil

            copy = root / "registry-baseline"  # one process per store directory: the other server gets a copy
            if not copy.exists():
                shutil.copytree(root / "registry", copy)
                shutil.copytree(root / "registry.vocab-index", root / "registry-baseline.vocab-index")
            baseline = (baseline_code.resolve(), str(copy))
        if restarts is not None:
            search = restart_section(ctx, str(root / "registry"), prepared["base"], prefixes(source), None, baseline,
                                     _free_port(), restarts)
        else:
            search = search_section(ctx, str(root / "registry"), prepared["base"], source, prefixes(source), None, baseline)
        print(f"load average at the end (1, 5, 15 min): {load_average()}")
        print(json.dumps(search))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--publish-only", action="store_true",
                        help="only the 1M publish against bulk_load (section Publish), then stop")
    parser.add_argument("--search-only", action="store_true",
                        help="only the sections Search and Restart, on the store of --store (prepared there on the first run)")
    parser.add_argument("--restart-only", type=int, default=None, metavar="RESTARTS",
                        help="only the section Restart (first search after a restart against the next ones), this "
                             "many restarts, on the store of --store (prepared there on the first run)")
    parser.add_argument("--store", type=Path, default=None,
                        help="with --search-only: a directory kept between runs (default: a temporary one)")
    parser.add_argument("--baseline-code", type=Path, default=None,
                        help="with --search-only: a checkout of other code (e.g. `git worktree` of main) served beside "
                             "this one on a copy of the store, its rows interleaved with ours (A/B)")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    if args.search_only or args.restart_only is not None:
        search_only(ctx, args.store, args.triples, args.baseline_code, args.restart_only)
        return
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

        # 3. reconciliation over HTTP, on the server the publication ran on
        terms = prefixes(source)
        client = httpx.Client(base_url=url, timeout=60)
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
        search = search_section(ctx, store_dir, f"{url}/", source, terms, index_s)
        proc = ctx.Process(target=_reconcile_times, args=(store_dir, port, batch, queue))
        proc.start()
        query_times = queue.get()
        proc.join()
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
                          "index_s": round(index_s, 2), **search,
                          "reconcile_query_p50_ms": round(pct(query_times, 50), 2)}))

if __name__ == "__main__":
    main()
