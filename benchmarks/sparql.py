"""SPARQL endpoint benchmark: the registry's /sparql next to a raw `oxigraph serve` and
rdflib-endpoint, on the same data, in the same run, on loopback.

    python benchmarks/sparql.py | tee benchmarks/results/sparql.txt

Servers, measured in interleaved rounds (BENCH_ROUNDS, default 3; BENCH_SECONDS per cell, default
8): the registry under each ASGI server of BENCH_ASGI (default `uvicorn,granian`, each on its own
copy of the store, configured as `registry serve --server NAME` runs it), the options of the SPARQL
service side by side (VARIANTS: the registry with one option off, under BENCH_VARIANT_SERVER,
default granian; BENCH_VARIANTS chooses, empty for none), a raw `oxigraph serve` (found next to the
running Python), and rdflib-endpoint when it is installed; with BENCH_BEFORE=<checkout>, also that
checkout's registry under uvicorn.

Data: a synthetic SKOS vocabulary (generated here, same shape as real thesauri: en/fr labels,
altLabels, definitions, a broader hierarchy, notations) of >= 1M triples, plus a few small
profiles published through the registry's publication service. The big vocabulary is loaded
into the registry's store directly (bulk load + the same version metadata a publication writes)
because the publish-time checks are not what is measured here; the other two servers get a dump
of the registry's public graphs.

Mix, each run for a fixed time with 16 keep-alive connections (an asyncio HTTP/1.1 client on
uvloop, in its own process; 4 loopback source addresses x 4 connections = 4 clients, so the
registry's default per-client cap of 4 concurrent queries applies but does not throttle): concept lookup (a different random concept IRI per request, out of
128k, so a result cache cannot answer most of them), label prefix search (random prefixes),
hierarchy (`skos:broader+` of a random concept), list profiles with their resources, and a repeated
lookup (500 distinct texts, the case of a page's fixed queries, where the result cache answers).
Each round draws its own random queries (every server the same ones within a round).
Safety features stay on in the registry (guard, worker processes, time limit, caps).
Needs: `oxigraph` (PyPI package, the server), granian (a dependency), optionally `rdflib-endpoint`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows in `tee`
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.workers import process_tree  # noqa: E402 - after the path

CONCEPTS = 128_000
SCHEME = "https://w3id.org/bench/vocab/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CONNECTIONS = 16
CLIENTS = 4
REQUEST_TIMEOUT = 30.0
DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
WORDS = ["alpha", "beam", "crystal", "detector", "electron", "field", "grain", "holder", "ion", "junction",
         "kinetic", "lens", "mode", "noise", "optic", "probe", "quartz", "ray", "scan", "tilt"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(path: Path) -> int:
    rng = random.Random(42)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(f"<{SCHEME}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}ConceptScheme> .\n")
        out.write(f'<{SCHEME}> <{SKOS}prefLabel> "Bench vocabulary"@en .\n')
        n += 2
        for i in range(CONCEPTS):
            c = f"<{SCHEME}c{i}>"
            w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
            lines = [
                f"{c} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .",
                f"{c} <{SKOS}inScheme> <{SCHEME}> .",
                f'{c} <{SKOS}prefLabel> "{w1} {w2} {i}"@en .',
                f'{c} <{SKOS}prefLabel> "{w2} {w1} {i} (fr)"@fr .',
                f'{c} <{SKOS}altLabel> "{w1[:3]}-{i}"@en .',
                f'{c} <{SKOS}definition> "Synthetic concept {i}: {w1} of the {w2}."@en .',
                f'{c} <{SKOS}notation> "C{i:06d}" .',
            ]
            if i < 20:
                lines.append(f"{c} <{SKOS}topConceptOf> <{SCHEME}> .")
            else:
                lines.append(f"{c} <{SKOS}broader> <{SCHEME}c{(i - 20) // 8}> .")
            out.write("\n".join(lines) + "\n")
            n += len(lines)
    return n


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix b: <https://w3id.org/bench/shapes/{i}/> .
b:DatasetShape a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property b:title .
b:title a sh:PropertyShape ; sh:path dct:title ; sh:minCount 1 ; sh:datatype rdf:langString ;
    sh:name "title"@en ; sh:message "A dataset must have a title."@en .
"""


def build_registry_store(store_dir: Path, base: str, nt: Path) -> None:
    import pyoxigraph as ox

    from registry.config import Settings
    from registry.namespaces import ADMS, ADMS_STATUS, DCAT, DCTERMS, REG, RDF, VOID, XSD
    from registry.publishing.service import ProfileSubmission
    from registry.services import Registry

    settings = Settings(store=str(store_dir), base_iri=base, load_bundled=False)
    registry = Registry.build(settings)
    registry.communities.create("bench", "Benchmark community", ["https://w3id.org/bench/"])
    community = registry.catalog.community("bench")
    for i in range(5):
        registry.publication.publish_profile(community, ProfileSubmission(
            id=f"bench-profile-{i}", version="1.0.0", shapes=SHAPES.replace("{i}", str(i)).encode(),
            format=ox.RdfFormat.TURTLE, title={"en": f"Bench profile {i}"}, description={}, is_profile_of=None,
            status="published", context=None, vocabularies=[],
        ))
    # the big vocabulary: bulk-loaded, with the metadata a publication writes
    v = registry.iris.vocabulary_version("bench-vocab", "1.0.0")
    series = registry.iris.vocabulary("bench-vocab")
    concepts = registry.iris.concepts_graph(v)
    with registry.store.writing():
        registry.store.load_graph(concepts, nt, ox.RdfFormat.N_TRIPLES)
        n = lambda x: ox.NamedNode(str(x))  # noqa: E731
        V, S, C, G = n(v), n(series), n(registry.iris.catalog), n(v)
        quads = [
            ox.Quad(S, n(DCAT.hasVersion), V, G), ox.Quad(V, n(RDF.type), n(DCAT.Dataset), G),
            ox.Quad(V, n(DCAT.version), ox.Literal("1.0.0"), G), ox.Quad(V, n(ADMS.status), n(ADMS_STATUS.Completed), G),
            ox.Quad(V, n(DCTERMS.publisher), n(community.iri), G), ox.Quad(V, n(REG.graph), n(concepts), G),
            ox.Quad(V, n(DCTERMS.title), ox.Literal("Bench vocabulary", language="en"), G),
            ox.Quad(V, n("http://xmlns.com/foaf/0.1/primaryTopic"), n(SCHEME), G),
            ox.Quad(V, n(VOID.triples), ox.Literal(str(registry.store.count(concepts)), datatype=n(XSD.integer)), G),
            ox.Quad(S, n(RDF.type), n(DCAT.Dataset), C), ox.Quad(S, n(DCTERMS.identifier), ox.Literal("bench-vocab"), C),
            ox.Quad(S, n(DCTERMS.publisher), n(community.iri), C), ox.Quad(C, n(DCAT.resource), S, C),
        ]
        registry.store.commit(insert=quads)
    registry.store.flush()
    # its search index built and persisted now, as a publication does (beside the store: each
    # server's copy takes it), so no server builds it in the background while it is measured
    from registry.vocab.service import VocabService

    VocabService(registry).warm("bench-vocab")
    registry.close()


def dump_public(store_dir: Path, base: str, out: Path) -> int:
    import pyoxigraph as ox

    from registry.config import Settings
    from registry.services import Registry

    registry = Registry.build(Settings(store=str(store_dir), base_iri=base, load_bundled=False))
    graphs = registry.catalog.public_graphs()
    with out.open("wb") as f:
        registry.store.dump(f, ox.RdfFormat.N_QUADS, graphs)
    total = sum(registry.store.count(g) for g in graphs)
    registry.close()
    return total


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


RDFLIB_SERVER = """
import sys, uvicorn, rdflib
from rdflib_endpoint import SparqlEndpoint
ds = rdflib.Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=ds, title="bench")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


# --- the load generator (own process, uvloop, raw HTTP/1.1 keep-alive) ---------------------------


async def _request(reader, writer, port, path):
    writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Accept: application/sparql-results+json\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)}
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _one_connection(index, port, make_path, deadline, latencies, errors):
    # 16 connections from 4 loopback addresses: 4 clients of 4 connections each, so the
    # registry's per-client cap (4 by default) is not what is measured
    local = (f"127.0.0.{2 + index % CLIENTS}", 0)
    reader = writer = None
    while time.monotonic() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=local)
        start = time.perf_counter()
        try:
            status = await asyncio.wait_for(_request(reader, writer, port, make_path()), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            writer.close()
            writer = None
            continue
        latencies.append(time.perf_counter() - start)
        if status != 200:
            errors[status] = errors.get(status, 0) + 1
    if writer is not None:
        writer.close()


def run_load(port: int, prefix: str, kind: str, seconds: float, queue, seed: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    # a seed per round: a server never gets a query sequence it has answered before, so its result
    # cache answers only what repeats within a cell (with one seed for every cell, rounds 2 and 3
    # replayed round 1's queries, answered from the registry's result cache)
    rng = random.Random(seed)
    queries = make_queries(kind, rng)

    def make_path():
        return prefix + "?query=" + quote(next(queries), safe="")

    latencies: list[float] = []
    errors: dict[int, int] = {}

    async def main():
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_one_connection(i, port, make_path, deadline, latencies, errors) for i in range(CONNECTIONS)))

    start = time.monotonic()
    asyncio.run(main())
    queue.put((latencies, errors, time.monotonic() - start))


def make_queries(kind: str, rng):
    while True:
        i = rng.randrange(CONCEPTS)
        if kind == "lookup":
            yield f"SELECT ?p ?o WHERE {{ <{SCHEME}c{i}> ?p ?o }}"
        elif kind == "repeated lookup":  # the same few texts again and again (a page's fixed queries)
            yield f"SELECT ?p ?o WHERE {{ <{SCHEME}c{i % REPEATED}> ?p ?o }}"
        elif kind == "label search":
            prefix = f"{rng.choice(WORDS)} {rng.choice(WORDS)[:rng.randrange(1, 4)]}"  # as typed in a search box
            yield (f"PREFIX skos: <{SKOS}> SELECT ?c ?l WHERE {{ ?c skos:prefLabel ?l "
                   f'FILTER(STRSTARTS(LCASE(STR(?l)), "{prefix}")) }} LIMIT 20')
        elif kind == "hierarchy":
            yield f"PREFIX skos: <{SKOS}> SELECT ?a ?l WHERE {{ <{SCHEME}c{i}> skos:broader+ ?a . ?a skos:prefLabel ?l }}"
        else:
            yield ("PREFIX prof: <http://www.w3.org/ns/dx/prof/> PREFIX dct: <http://purl.org/dc/terms/> "
                   "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?profile ?version ?title ?role ?artifact WHERE { "
                   "?profile a prof:Profile ; dcat:version ?version ; dct:title ?title ; prof:hasResource ?r . "
                   f"?r prof:hasRole ?role ; prof:hasArtifact ?artifact }} ORDER BY ?profile # {rng.randrange(10**9)}")


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) used so far by a server process and its descendants (workers),
    those that ended included: what a request costs the machine, which the load of other processes
    does not change much.

    Each process of the tree counts its own time (proc(5) fields 14-15, utime and stime) and that
    of its children it has reaped (fields 16-17, cutime and cstime): a worker replaced during a cell
    moves from the first sum to its parent's second when the parent reaps it, instead of taking its
    CPU out of the total (which made the hierarchy rows' CPU negative). The parent is read before its
    children, so a worker reaped in between is missed once rather than counted twice."""
    if pid is None:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def measure(port: int, prefix: str, kind: str, seconds: float, pid: int | None = None, seed: int = 0) -> dict:
    cpu_before = cpu_seconds(pid)
    queue = multiprocessing.get_context("spawn").Queue()
    proc = multiprocessing.get_context("spawn").Process(target=run_load, args=(port, prefix, kind, seconds, queue, seed))
    proc.start()
    latencies, errors, elapsed = queue.get(timeout=seconds + 300)
    proc.join(timeout=30)
    cpu = cpu_seconds(pid) - cpu_before
    latencies.sort()
    n = len(latencies)
    return {
        "cpu_ms": cpu * 1000 / n if n and pid is not None else float("nan"),
        "rps": n / elapsed,
        "p50": latencies[n // 2] * 1000 if n else float("nan"),
        "p99": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
        "n": n,
        "errors": errors,
    }


def oxigraph_binary() -> str:
    """The `oxigraph` program of the oxigraph PyPI package: next to the running Python (a venv's
    bin/ even when the venv is not activated), else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise SystemExit(f"`oxigraph` not found next to {sys.executable} nor on PATH: pip install oxigraph")
    return found


#: the ASGI servers compared for the registry (item 3 of issue 19): the same app, same store copy, as
#: `registry serve --server NAME` runs it (`registry.serving`: uvicorn's proxy-headers middleware in both)
ASGI_SERVERS = {
    "uvicorn": lambda port, factory: [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
                                      "--port", str(port), "--no-access-log", "--log-level", "warning",
                                      "--loop", "uvloop", "--http", "httptools"],
    "granian": lambda port, factory: [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", factory,
                                      "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "1",
                                      "--no-ws", "--log-level", "warning", "--workers", "1"],
}
#: the app factory per server (REGISTRY_APP_FACTORY: another one for both)
APP_FACTORIES = {"uvicorn": "registry.web.app:create_app", "granian": "registry.serving:granian_app"}
if os.environ.get("REGISTRY_APP_FACTORY"):
    APP_FACTORIES = dict.fromkeys(APP_FACTORIES, os.environ["REGISTRY_APP_FACTORY"])
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPEATED = 500  # distinct texts of the "repeated lookup" mix
#: the options of the SPARQL service compared side by side (issue 19 item 3), each a registry with
#: one option turned off against the registry with its defaults, under BENCH_VARIANT_SERVER
#: (default granian); BENCH_VARIANTS chooses (comma-separated names, empty: none)
VARIANTS = {
    "no guard cache": {"guard_cache_entries": 0},
    "TSV in workers": {"direct_results": False},
}


def variant_app():
    """The app with the SPARQL options of $BENCH_SPARQL_OPTIONS (JSON) changed: the factory the
    variants run (`granian --factory benchmarks.sparql:variant_app`), otherwise the app of
    APP_FACTORIES under $BENCH_SERVER."""
    import dataclasses

    from registry import serving
    from registry.sparql import service
    from registry.web.app import create_app

    changes = json.loads(os.environ.get("BENCH_SPARQL_OPTIONS", "{}"))
    defaults = service.SparqlOptions.from_settings

    def from_settings(settings):
        return dataclasses.replace(defaults(settings), **changes)

    service.SparqlOptions.from_settings = from_settings  # type: ignore[method-assign]
    return serving.granian_app() if os.environ.get("BENCH_SERVER") == "granian" else create_app()


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-sparql-"))
    procs: list[subprocess.Popen] = []
    oxigraph = oxigraph_binary()
    asgi = [name for name in os.environ.get("BENCH_ASGI", "uvicorn,granian").split(",") if name]
    try:
        import rdflib_endpoint  # noqa: F401
        with_rdflib = True
    except ImportError:
        with_rdflib = False
    try:
        print(f"# SPARQL endpoint benchmark — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
              f"load average {_load()} (1, 5, 15 min)")
        t = time.monotonic()
        nt = work / "vocab.nt"
        generated = generate(nt)
        ports = {name: free_port() for name in asgi}
        ox_port, rl_port = free_port(), free_port()
        # one base IRI for every registry copy (the store pins it); the port of the first server
        base = f"http://127.0.0.1:{ports[asgi[0]]}/"
        build_registry_store(work / "store", base, nt)
        nq = work / "public.nq"
        total = dump_public(work / "store", base, nq)
        print(f"data: synthetic SKOS, {CONCEPTS} concepts, {generated} triples generated; "
              f"{total} triples in public graphs (+5 small profiles); prepared in {time.monotonic() - t:.0f} s")

        servers: list[tuple[str, int, str]] = []
        pids: dict[str, int] = {}
        # BENCH_BEFORE: a checkout of the registry before a change, run under uvicorn beside the
        # current code (same run, same data), so the change is measured side by side
        before = os.environ.get("BENCH_BEFORE")
        runs = [(f"registry {name}", name, ROOT, ports[name], APP_FACTORIES[name], {}) for name in asgi]
        if before:
            runs.insert(0, ("registry before", "uvicorn", Path(before), free_port(), "registry.web.app:create_app", {}))
        variant_server = os.environ.get("BENCH_VARIANT_SERVER", "granian")
        chosen = [v for v in os.environ.get("BENCH_VARIANTS", ",".join(VARIANTS)).split(",") if v]
        for variant in chosen:
            runs.append((f"registry {variant_server}, {variant}", variant_server, ROOT, free_port(),
                         "benchmarks.sparql:variant_app", VARIANTS[variant]))
        for label, name, tree, port, factory, changes in runs:
            # the embedded store has one process: each registry server gets its own copy of the store
            store = work / f"store-{label.replace(' ', '-')}"
            shutil.copytree(work / "store", store)
            shutil.copytree(work / "store.vocab-index", store.with_name(store.name + ".vocab-index"))
            env = dict(os.environ, REGISTRY_STORE=str(store), REGISTRY_BASE_IRI=base, REGISTRY_LOAD_BUNDLED="false",
                       PYTHONPATH=str(tree), BENCH_SPARQL_OPTIONS=json.dumps(changes), BENCH_SERVER=name)
            procs.append(subprocess.Popen(ASGI_SERVERS[name](port, factory), env=env, cwd=tree))
            wait_port(port, procs[-1])
            servers.append((label, port, "/sparql"))
            pids[label] = procs[-1].pid
        oxdir = work / "oxigraph"
        subprocess.run([oxigraph, "load", "--location", str(oxdir), "--file", str(nq)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(subprocess.Popen([oxigraph, "serve-read-only", "--location", str(oxdir),
                                       "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(ox_port, procs[-1])
        servers.append(("oxigraph serve", ox_port, "/query"))
        pids["oxigraph serve"] = procs[-1].pid
        if with_rdflib:
            script = work / "rdflib_server.py"
            script.write_text(RDFLIB_SERVER)
            t = time.monotonic()
            procs.append(subprocess.Popen([sys.executable, str(script), str(nq), str(rl_port)]))
            wait_port(rl_port, procs[-1], timeout=600)
            print(f"rdflib-endpoint loaded the data in {time.monotonic() - t:.0f} s")
            servers.append(("rdflib-endpoint", rl_port, "/"))
        else:
            print("rdflib-endpoint not installed (pip install rdflib-endpoint): left out of this run")
        # warm-up: start the registry's workers, make its snapshot, touch the caches of all
        for _, port, prefix in servers:
            measure(port, prefix, "lookup", 1.0)
        kinds = [k for k in os.environ.get(
            "BENCH_KINDS", "lookup,label search,hierarchy,profiles+resources,repeated lookup").split(",") if k]
        # Interleaved: every round measures every server on every query, one after the other, so a
        # change in the machine's load (it is shared) hits all servers alike; medians over rounds.
        rounds: dict[tuple[str, str], list[dict]] = {}
        for r in range(ROUNDS):
            for kind in kinds:
                # each round starts with another server, so none is always measured first
                for name, port, prefix in servers[r % len(servers):] + servers[:r % len(servers)]:
                    seconds = DURATION if name != "rdflib-endpoint" or kind in ("lookup", "profiles+resources") else DURATION / 2
                    rounds.setdefault((kind, name), []).append(measure(port, prefix, kind, seconds, pids.get(name), seed=r + 1))
        print(f"\n{CONNECTIONS} connections from {CLIENTS} loopback addresses, {ROUNDS} interleaved rounds of "
              f"{DURATION:g} s per cell (medians; rdflib-endpoint heavy cells {DURATION / 2:g} s), request timeout "
              f"{REQUEST_TIMEOUT:g} s; client: asyncio/uvloop HTTP/1.1 in its own process; registry with its defaults "
              "(2 workers, 30 s limit, caps, guard)\n")
        header = f"{'query':<18}{'server':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>11}{'n':>8}  errors"
        print(header)
        print("-" * len(header))
        for kind in kinds:
            for name, _, _ in servers:
                cells = rounds[(kind, name)]
                errors: dict = {}
                for cell in cells:
                    for key, count in cell["errors"].items():
                        errors[key] = errors.get(key, 0) + count
                print(f"{kind:<18}{name:<34}{_median([c['rps'] for c in cells]):>8.0f}"
                      f"{_median([c['p50'] for c in cells]):>9.1f}{_median([c['p99'] for c in cells]):>9.1f}"
                      f"{_median([c['cpu_ms'] for c in cells]):>11.3f}"
                      f"{sum(c['n'] for c in cells):>8}  {errors or ''}")
        print("\nratios (requests/s, median over rounds of the ratio within each round): registry / oxigraph serve"
              + (", registry / rdflib-endpoint" if with_rdflib else ""))
        for kind in kinds:
            oxs = [c["rps"] for c in rounds[(kind, "oxigraph serve")]]
            for name, _, _ in servers:
                if not name.startswith("registry"):
                    continue
                reg = [c["rps"] for c in rounds[(kind, name)]]
                line = f"  {kind:<18} {name:<34} {_median([r / o for r, o in zip(reg, oxs)]):5.2f}x oxigraph"
                if with_rdflib:
                    rl = [c["rps"] for c in rounds[(kind, "rdflib-endpoint")]]
                    line += f"   {_median([r / x if x else float('inf') for r, x in zip(reg, rl)]):6.1f}x rdflib-endpoint"
                print(line)
        print("\nCPU per request (server process and its workers; median over rounds of the ratio within each "
              "round): oxigraph serve / registry, i.e. the rate ratio on a machine whose cores are all busy")
        for kind in kinds:
            oxs = [c["cpu_ms"] for c in rounds[(kind, "oxigraph serve")]]
            for name, _, _ in servers:
                if name.startswith("registry"):
                    reg = [c["cpu_ms"] for c in rounds[(kind, name)]]
                    print(f"  {kind:<18} {name:<34} {_median([o / r for r, o in zip(reg, oxs)]):5.2f}x oxigraph")
        if chosen:
            print(f"\noptions (issue 19 item 3): each variant against `registry {variant_server}` with every option on, "
                  "median over rounds of the ratio within each round (requests/s; CPU per request, on / off)")
            for kind in kinds:
                base_cells = rounds[(kind, f"registry {variant_server}")]
                for variant in chosen:
                    cells = rounds[(kind, f"registry {variant_server}, {variant}")]
                    rate = _median([b["rps"] / c["rps"] for b, c in zip(base_cells, cells)])
                    cpu = _median([c["cpu_ms"] / b["cpu_ms"] for b, c in zip(base_cells, cells)])
                    print(f"  {kind:<18} {variant:<16} on: {rate:5.2f}x the rate, {cpu:5.2f}x less CPU per request than off")
        print(f"\nload average at the end: {_load()} (1, 5, 15 min; the machine is shared: rates are comparable "
              "within a round, CPU per request across runs)")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    # no options (the knobs are environment variables, above): --help prints this text and runs nothing
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
