"""The query worker: a separate process that runs user queries on a read-only snapshot.

Why a process: pyoxigraph has no timeout and no cancellation from Python, and a few small hostile
queries end the process (stack overflow on deep nesting: SIGSEGV; allocation failure on a huge
ORDER BY: SIGABRT). A worker can be killed (SIGKILL) when its query runs past the time limit, and
a worker that dies takes nothing with it: the registry answers that one request with a problem
and starts another worker.

Why a snapshot: only the registry process may open the store read-write, and opening it
read-only beside the writer is unreliable in pyoxigraph 0.5.13: `Store.read_only` shows a frozen
snapshot from the moment it was opened, and about one open in 44 failed with a transient RocksDB
"Corruption: ... No such file" error (`Store.secondary` no longer exists). The registry makes a hard-linked
checkpoint (`Store.backup`) after each publication; workers open checkpoints read-only. The
graphs a query may see (the public graphs) are computed here, from the same snapshot, so the
dataset and the list of public graphs can never disagree.

The protocol on the pipe is pickled tuples:

* job: ``(snapshot_path, query, default_graphs | None, named_graphs | None, kind, format_name,
  max_rows, max_bytes, query_has_dataset)`` — graphs are the protocol's default-graph-uri and
  named-graph-uri (None: not given);
* reply: ``("ok", body_bytes)`` or ``("error", code, message)``.

`execute()` is also usable in-process (tests, remote back-ends that return pyoxigraph results).
"""

from __future__ import annotations

import io
import os
import resource
import signal
from pathlib import Path

import pyoxigraph as ox


RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
EMPTY_GRAPH = ox.NamedNode("urn:registry:empty")


class CapExceeded(Exception):
    pass


class CappedWriter(io.RawIOBase):
    """A binary sink that stops the serializer (and so the lazy evaluation) at a cap.

    Lines are rows in TSV results and triples in N-Triples, so the newline count is exact.
    """

    def __init__(self, max_lines: int, max_bytes: int):
        super().__init__()
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.lines = 0
        self.size = 0
        self.chunks: list[bytes] = []
        self.exceeded: str | None = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.size += len(data)
        self.lines += data.count(b"\n")
        if self.lines > self.max_lines:
            self.exceeded = "rows"
            raise CapExceeded()
        if self.size > self.max_bytes:
            self.exceeded = "bytes"
            raise CapExceeded()
        self.chunks.append(data)
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.chunks)


def finish_select(tsv: bytes, fmt_name: str, max_rows: int) -> tuple:
    """TSV results (header + one line per row) → the reply in the requested format, or the row cap error."""
    if tsv.count(b"\n") - 1 > max_rows:
        return ("error", "result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
    if fmt_name == "tsv":
        return ("ok", tsv)
    table = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    return ("ok", table.serialize(format=RESULT_FORMATS[fmt_name]))


def finish_graph(nt: bytes, fmt_name: str, max_rows: int, prefixes: dict[str, str] | None) -> tuple:
    """N-Triples (one line per triple) → the reply in the requested format, or the cap error."""
    if nt.count(b"\n") > max_rows:
        return ("error", "result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
    if fmt_name == "ntriples":
        return ("ok", nt)
    fmt = GRAPH_FORMATS[fmt_name]
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    if fmt == ox.RdfFormat.TURTLE:
        return ("ok", ox.serialize(triples, format=fmt, prefixes=prefixes or {}))
    return ("ok", ox.serialize(triples, format=fmt))


def _graphs(requested: list[str] | None, public: set[str]) -> list[ox.NamedNode]:
    names = public if requested is None else [g for g in requested if g in public]
    return [ox.NamedNode(g) for g in sorted(names)]


def execute(store: ox.Store, public: set[str], job: tuple, prefixes: dict[str, str] | None = None) -> tuple:
    """Run one job on an opened store; return the reply tuple (never raises for query errors)."""
    _snapshot, query, default_graphs, named_graphs, kind, fmt_name, max_rows, max_bytes, has_dataset = job
    kwargs: dict = {}
    if default_graphs is not None or named_graphs is not None:
        # SPARQL 1.1 Protocol 2.1.4: a dataset given in the request replaces the query's
        kwargs["default_graph"] = _graphs(default_graphs or [], public) or [EMPTY_GRAPH]
        kwargs["named_graphs"] = _graphs(named_graphs or [], public)
    elif not has_dataset:
        # the snapshot holds public graphs only (see pool.prune): their union is the default graph
        kwargs["use_default_graph_as_union"] = True
    # else: the query's FROM / FROM NAMED, over a snapshot that has nothing private in it
    try:
        result = store.query(query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            if kind != "results":
                return ("error", "wrong-form", "an ASK query gives a boolean result")
            return ("ok", result.serialize(format=RESULT_FORMATS[fmt_name]))
        if isinstance(result, ox.QuerySolutions):
            if kind != "results":
                return ("error", "wrong-form", "a SELECT query gives a table of results")
            sink = CappedWriter(max_rows + 1, max_bytes)  # + the header line
            result.serialize(sink, format=ox.QueryResultsFormat.TSV)
            return finish_select(sink.value(), fmt_name, max_rows)
        if kind != "graph":
            return ("error", "wrong-form", "a CONSTRUCT or DESCRIBE query gives a graph")
        sink = CappedWriter(max_rows, max_bytes)
        result.serialize(sink, format=ox.RdfFormat.N_TRIPLES)
        return finish_graph(sink.value(), fmt_name, max_rows, prefixes)
    except SyntaxError as exc:
        return ("error", "query-syntax", str(exc))
    except Exception as exc:  # noqa: BLE001 - the cap is reported through the sink
        sink_exceeded = getattr(locals().get("sink"), "exceeded", None)
        if sink_exceeded == "rows":
            return ("error", "result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
        if sink_exceeded == "bytes":
            return ("error", "result-too-large", f"the result is larger than {max_bytes} bytes; add a LIMIT")
        if isinstance(exc, MemoryError):
            return ("error", "query-out-of-memory", "the query needed more memory than a query may use")
        return ("error", "query-failed", f"{type(exc).__name__}: {exc}")


def public_graphs(store: ox.Store, base_iri: str) -> set[str]:
    """The public graphs of a store, by the catalog's own definition (used to prune snapshots)."""
    from registry.catalog import Catalog
    from registry.namespaces import IriScheme
    from registry.store import over_open_store

    return set(Catalog(over_open_store(store), IriScheme(base_iri)).public_graphs())


def open_snapshot(path: str, attempts: int = 3) -> ox.Store:
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return ox.Store.read_only(path)
        except OSError as exc:  # RocksDB "Corruption: ... No such file", transient (~1 open in 44 measured)
            last = exc
    raise last  # type: ignore[misc]


def _limit_resources(memory_bytes: int | None) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if memory_bytes:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ValueError, OSError):
            pass


def worker_main(conn, memory_bytes: int | None, prefixes: dict[str, str]) -> None:
    """Entry point of a worker process: serve jobs until the pipe closes.

    Imports nothing of the registry (start-up time matters: a worker is started whenever one is
    killed). A snapshot holds public graphs only (pool.prune), so its named graphs are the
    public graphs.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends
    _limit_resources(memory_bytes)
    store: ox.Store | None = None
    current: str | None = None
    public: set[str] = set()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        snapshot = job[0]
        if snapshot != current:
            store = None
            try:
                store = open_snapshot(snapshot)
                public = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
                current = snapshot
            except Exception as exc:  # noqa: BLE001
                current = None
                conn.send(("error", "snapshot-unavailable", f"cannot open the query snapshot: {exc}"))
                continue
        conn.send(execute(store, public, job, prefixes))
    os._exit(0)


def snapshot_exists(path: str) -> bool:
    return Path(path).is_dir()
