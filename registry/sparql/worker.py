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

The messages on the pipe: `WorkerReady` once (pickled), then a `QueryJob` → `QueryReply` per
query as `marshal` frames (`encode_job` / `decode_reply`, the pipe's own length-prefixed framing,
no pickle: the dataclasses' pickling was ~25 µs of the ~0.25 ms the round trip costs the
registry, benchmarks/sparql_pool.py); an empty frame (`STOP`) ends the worker. Spawning, resource limits, killing on the
deadline and replacing dead workers are `registry.workers`'; snapshots are
`registry.sparql.snapshots`'.

`execute()` is also usable in-process (tests, remote back-ends that return pyoxigraph results).
"""

from __future__ import annotations

import io
import marshal
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, cast

import pyoxigraph as ox

from registry.conneg import BY_NAME, RESULT_FORMATS, SPARQL_GRAPH_NAMES
from registry.sparql.snapshots import open_snapshot
from registry.workers import limit_resources


GRAPH_FORMATS = {name: BY_NAME[name].format for name in SPARQL_GRAPH_NAMES}
EMPTY_GRAPH = ox.NamedNode("urn:registry:empty")


@dataclass(frozen=True)
class QueryJob:
    """One guarded query for a worker. `default_graphs` / `named_graphs` are the protocol's
    default-graph-uri and named-graph-uri (None: not given)."""

    snapshot: str
    query: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    kind: str  # "results" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)
    fmt: str
    max_rows: int
    max_bytes: int
    has_dataset: bool
    direct: bool = True  # SELECT results written in `fmt` at once (`finish_solutions`)


@dataclass(frozen=True)
class QueryReply:
    """The serialized result, or an error `code` (a problem type) and its message."""

    body: bytes | None = None
    code: str | None = None
    message: str = ""

    @classmethod
    def error(cls, code: str, message: str) -> "QueryReply":
        return cls(None, code, message)


@dataclass(frozen=True)
class WorkerReady:
    pid: int


#: the frame that ends a worker
STOP = b""


def encode_job(job: QueryJob) -> bytes:
    """A job as one frame's payload (strings, lists, numbers: `marshal`, same interpreter both ends)."""
    return marshal.dumps(
        (
            job.snapshot,
            job.query,
            job.default_graphs,
            job.named_graphs,
            job.kind,
            job.fmt,
            job.max_rows,
            job.max_bytes,
            job.has_dataset,
            job.direct,
        )
    )


def decode_job(payload: bytes) -> QueryJob:
    return QueryJob(*marshal.loads(payload))


def encode_reply(reply: QueryReply, cpu_seconds: float) -> bytes:
    """A reply and the CPU time the worker has used so far (`time.process_time()`: at the end of a
    job it is the worker's CPU at the start of the next one, so the pool needs no /proc read to
    tell a long job, `registry.workers.WorkerProcess.job_started`)."""
    return marshal.dumps((reply.body, reply.code, reply.message, cpu_seconds))


def decode_reply(payload: bytes | memoryview) -> tuple[QueryReply, float]:
    body, code, message, cpu_seconds = marshal.loads(payload)
    return QueryReply(body, code, message), cpu_seconds


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


def finish_select(tsv: bytes, fmt_name: str, max_rows: int) -> QueryReply:
    """TSV results (header + one line per row) → the reply in the requested format, or the row cap error."""
    if tsv.count(b"\n") - 1 > max_rows:
        return QueryReply.error("result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
    if fmt_name == "tsv":
        return QueryReply(tsv)
    table = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    return QueryReply(table.serialize(format=RESULT_FORMATS[fmt_name]))


#: the fewest bytes one result row takes in each format (an empty solution): a body shorter than
#: (max_rows + 1) rows of this size cannot hold more than max_rows rows
MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}


def _too_large(exceeded: str | None, max_rows: int, max_bytes: int) -> QueryReply | None:
    if exceeded == "rows":
        return QueryReply.error("result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
    if exceeded == "bytes":
        return QueryReply.error("result-too-large", f"the result is larger than {max_bytes} bytes; add a LIMIT")
    return None


def finish_solutions(
    solutions: Callable[[], ox.QuerySolutions], fmt_name: str, max_rows: int, max_bytes: int, direct: bool = True
) -> QueryReply:
    """SELECT results (`solutions()` evaluates them, lazily) in the requested format, within the
    row and byte caps, or the cap's error.

    `direct`: written in `fmt_name` at once by pyoxigraph's serializer, into a sink that stops it
    (and the lazy evaluation) past (max_rows + 1) of the format's smallest rows (`MIN_ROW_BYTES`)
    or max_bytes: a body under that bound cannot hold more than max_rows rows, so no row count is
    needed. That is every answer of up to ~300 KB of JSON at the default cap, one serialization
    instead of TSV, a TSV parse and a second serialization (benchmarks/sparql.py measures both).
    A longer answer is made again through TSV, whose lines count the rows exactly
    (`finish_select`): its query runs twice, the first time stopped at that bound. Not `direct`:
    always through TSV."""
    if direct and fmt_name != "tsv":
        budget = min(max_bytes, MIN_ROW_BYTES[fmt_name] * (max_rows + 1) - 1)
        sink = CappedWriter(1 << 62, budget)
        try:
            solutions().serialize(cast(IO[bytes], sink), format=RESULT_FORMATS[fmt_name])
            return QueryReply(sink.value())
        except Exception:  # noqa: BLE001 - the sink's cap comes back as the serializer's error
            if sink.exceeded is None:
                raise
        if budget >= max_bytes:
            return QueryReply.error("result-too-large", f"the result is larger than {max_bytes} bytes; add a LIMIT")
    sink = CappedWriter(max_rows + 1, max_bytes)  # + the header line
    try:
        solutions().serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except Exception:  # noqa: BLE001
        refusal = _too_large(sink.exceeded, max_rows, max_bytes)
        if refusal is None:
            raise
        return refusal
    return finish_select(sink.value(), fmt_name, max_rows)


def finish_graph(nt: bytes, fmt_name: str, max_rows: int, prefixes: dict[str, str] | None) -> QueryReply:
    """N-Triples (one line per triple) → the reply in the requested format, or the cap error."""
    if nt.count(b"\n") > max_rows:
        return QueryReply.error("result-too-large", f"the result has more than {max_rows} rows; add a LIMIT")
    if fmt_name == "ntriples":
        return QueryReply(nt)
    fmt = GRAPH_FORMATS[fmt_name]
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    if fmt == ox.RdfFormat.TURTLE:
        return QueryReply(ox.serialize(triples, format=fmt, prefixes=prefixes or {}))
    return QueryReply(ox.serialize(triples, format=fmt))


def _graphs(requested: list[str] | None, public: set[str]) -> list[ox.NamedNode]:
    names = public if requested is None else [g for g in requested if g in public]
    return [ox.NamedNode(g) for g in sorted(names)]


def execute(store: ox.Store, public: set[str], job: QueryJob, prefixes: dict[str, str] | None = None) -> QueryReply:
    """Run one job on an opened store; return the reply (never raises for query errors)."""
    query, default_graphs, named_graphs, kind = job.query, job.default_graphs, job.named_graphs, job.kind
    fmt_name, max_rows, max_bytes, has_dataset = job.fmt, job.max_rows, job.max_bytes, job.has_dataset
    first = True
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
                return QueryReply.error("wrong-form", "an ASK query gives a boolean result")
            return QueryReply(result.serialize(format=RESULT_FORMATS[fmt_name]))
        if isinstance(result, ox.QuerySolutions):
            if kind != "results":
                return QueryReply.error("wrong-form", "a SELECT query gives a table of results")

            def solutions() -> ox.QuerySolutions:
                nonlocal first
                if first:  # the result evaluated above, then the query again (a long answer)
                    first = False
                    return cast(ox.QuerySolutions, result)
                return cast(ox.QuerySolutions, store.query(query, **kwargs))

            return finish_solutions(solutions, fmt_name, max_rows, max_bytes, job.direct)
        if kind != "graph":
            return QueryReply.error("wrong-form", "a CONSTRUCT or DESCRIBE query gives a graph")
        sink = CappedWriter(max_rows, max_bytes)
        result.serialize(cast(IO[bytes], sink), format=ox.RdfFormat.N_TRIPLES)
        return finish_graph(sink.value(), fmt_name, max_rows, prefixes)
    except SyntaxError as exc:
        return QueryReply.error("query-syntax", str(exc))
    except Exception as exc:  # noqa: BLE001 - the cap is reported through the sink
        refusal = _too_large(getattr(locals().get("sink"), "exceeded", None), max_rows, max_bytes)
        if refusal is not None:
            return refusal
        if isinstance(exc, MemoryError):
            return QueryReply.error("query-out-of-memory", "the query needed more memory than a query may use")
        return QueryReply.error("query-failed", f"{type(exc).__name__}: {exc}")


def worker_main(conn, memory_bytes: int | None, prefixes: dict[str, str]) -> None:
    """Entry point of a worker process: serve jobs until the pipe closes.

    Imports little of the registry (start-up time matters: a worker is started whenever one is
    killed). A snapshot holds public graphs only (pool.prune), so its named graphs are the
    public graphs.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends
    limit_resources(memory_bytes)
    store: ox.Store | None = None
    current: str | None = None
    public: set[str] = set()
    conn.send(WorkerReady(os.getpid()))
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            break
        if payload == STOP:
            break
        job = decode_job(payload)
        snapshot = job.snapshot
        if snapshot != current:
            store = None
            try:
                store = open_snapshot(snapshot)
                public = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
                current = snapshot
            except Exception as exc:  # noqa: BLE001
                current = None
                reply = QueryReply.error("snapshot-unavailable", f"cannot open the query snapshot: {exc}")
                conn.send_bytes(encode_reply(reply, time.process_time()))
                continue
        assert store is not None  # opened above, or the loop went on
        reply = execute(store, public, job, prefixes)
        conn.send_bytes(encode_reply(reply, time.process_time()))
    os._exit(0)
