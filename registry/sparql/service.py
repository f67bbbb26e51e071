"""The SPARQL query service of one registry process.

`SparqlService.answer(checked, request, kind, fmt)` runs a guarded query through an executor
and returns the serialized bytes. It owns:

* the executor — `EmbeddedExecutor` (worker processes on store snapshots) for the embedded store;
  a remote back-end (issue 8) plugs in another `QueryExecutor` that forwards to the remote
  store's query URL with the same time limit;
* a cache of results keyed by snapshot: a snapshot never changes, so a result computed on it is
  valid until the next publication (the cache is cleared when a new snapshot is made);
* the per-client concurrency cap.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass, replace
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

import anyio
import pyoxigraph as ox

from registry.namespaces import PREFIXES

from registry.conneg import RESULT_FORMATS, RESULT_SYNTAXES
from registry.errors import RegistryError, StoreUnavailable, TooManyRequests
from registry.fairness import ClientLimiter
from registry.rdf import readable_results
from registry.features import Feature
from registry.sparql.guard import (
    CheckedQuery, GuardDecisions, GuardLimits, with_absolute_bases, with_row_cap, without_dataset_clauses,
)
from registry.sparql.pool import PoolBusy, PoolOptions, QueryPool
from registry.sparql.snapshots import Snapshots, open_snapshot
from registry.sparql.worker import MIN_ROW_BYTES, CappedWriter, QueryJob, QueryReply, finish_graph, finish_solutions
from registry.workers import WorkerDied, WorkerTimedOut

#: the most output a cheap query may produce on the event loop itself (`EmbeddedExecutor._run_inline`)
INLINE_BYTES = 64 * 1024


class QueryTimeout(RegistryError):
    status = 503
    code = "query-timeout"
    title = "Query time limit exceeded"


class QueryAborted(RegistryError):
    status = 400
    code = "query-aborted"
    title = "The query engine gave up on this query"


class QueryFailed(RegistryError):
    status = 400
    code = "query-syntax"
    title = "The query could not be run"


class ResultTooLarge(RegistryError):
    status = 422
    code = "result-too-large"
    title = "Result too large"


@dataclass
class SparqlOptions:
    timeout_s: float = 30.0
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    per_client: int = 4
    workers: int = 2
    extra_workers: int = 2
    memory_bytes: int | None = 2 * 1024**3
    guard: GuardLimits = GuardLimits()
    cache_bytes: int = 64 * 1024 * 1024
    cache_entry_bytes: int = 1024 * 1024
    #: the guard's decisions kept for this many recent query texts (`GuardDecisions`; 0: none)
    guard_cache_entries: int = 2048
    #: SELECT results written by the worker in the requested format (`worker.finish_solutions`);
    #: False: always through TSV (the comparison of benchmarks/sparql.py)
    direct_results: bool = True

    @classmethod
    def from_settings(cls, settings) -> "SparqlOptions":
        memory_mb = getattr(settings, "query_memory_mb", 2048)
        return cls(
            timeout_s=settings.query_timeout_s,
            max_rows=settings.query_max_rows,
            max_bytes=getattr(settings, "query_max_bytes", 64 * 1024 * 1024),
            per_client=settings.query_max_concurrency_per_client,
            workers=max(1, settings.query_workers),
            memory_bytes=memory_mb * 1024 * 1024 if memory_mb else None,
        )


def _body(reply: QueryReply) -> bytes:
    """A worker's (or the remote store's, finished the same way) reply: its body, or its error."""
    if reply.code is None:
        assert reply.body is not None
        return reply.body
    if reply.code == "query-syntax":
        raise QueryFailed(reply.message)
    if reply.code == "result-too-large":
        raise ResultTooLarge(reply.message)
    if reply.code == "snapshot-unavailable":
        raise StoreUnavailable(reply.message, code="snapshot-unavailable")
    raise QueryFailed(reply.message, code=reply.code)


class QueryExecutor(ABC):
    """Runs one guarded query; returns the serialized body or raises a `RegistryError`."""

    @abstractmethod
    async def run(
        self, checked: CheckedQuery, default_graphs: list[str] | None, named_graphs: list[str] | None, kind: str, fmt: str,
        client: str = "anonymous",
    ) -> tuple[str, bytes]:
        """Return (cache scope, body): results with the same scope and inputs are equal. `client`
        is whose turn it is in the worker pool's fair queue."""

    def close(self) -> None:  # noqa: B027 -- optional hook: a no-op unless the executor holds resources
        pass


class EmbeddedExecutor(QueryExecutor):
    def __init__(self, store, settings, options: SparqlOptions):
        self.options = options
        root = Path(store.path).with_name(Path(store.path).name + ".sparql-snapshots") if store.path else None
        if root is None:
            import tempfile

            root = Path(tempfile.mkdtemp(prefix="registry-sparql-"))
        self.snapshots = Snapshots(store, root, settings.base_iri)
        self.pool = QueryPool(
            PoolOptions(
                prefixes=dict(PREFIXES),
                size=options.workers,
                extra=options.extra_workers,
                queue_timeout=max(1.0, options.timeout_s),
                memory_bytes=options.memory_bytes,
            )
        )
        self.on_new_snapshot: Callable[[], None] | None = None
        self._fast_path: str | None = None
        self._fast_store: ox.Store | None = None
        self._fast_lock = threading.Lock()
        self._fast_inflight: dict[str, int] = {}
        self.fast_queries = 0

    def held_snapshots(self) -> set[str]:
        held = self.pool.held_snapshots()
        if self._fast_path:
            held.add(self._fast_path)
        held.update(path for path, count in self._fast_inflight.items() if count)
        return held

    async def snapshot(self) -> str:
        snapshots = self.snapshots
        if snapshots.current is not None and snapshots.generation == snapshots.store.generation:
            return snapshots.current
        path, new = await anyio.to_thread.run_sync(snapshots.ensure)
        if new and self.on_new_snapshot is not None:
            self.on_new_snapshot()
        return path

    def is_fast(self, checked: CheckedQuery, default_graphs, named_graphs, kind: str) -> bool:
        return (
            checked.cheap
            and kind == "results"
            and default_graphs is None
            and named_graphs is None
            and (checked.limit is None or checked.limit <= self.options.max_rows)
        )

    def _run_fast(self, snapshot: str, checked: CheckedQuery, fmt: str) -> bytes:
        """In this process, in a thread: a query `guard.cheap_shape` accepted (one range scan of
        the pruned snapshot, at most max_rows + 1 rows: see docs/sparql.md)."""
        with self._fast_lock:
            if self._fast_path != snapshot:
                self._fast_store = open_snapshot(snapshot)
                self._fast_path = snapshot
            store = self._fast_store
            assert store is not None
            self._fast_inflight[snapshot] = self._fast_inflight.get(snapshot, 0) + 1
        try:
            max_rows, text = self.options.max_rows, checked.text
            appended = checked.form == "SELECT" and checked.limit is None
            if appended:
                text += f"\nLIMIT {max_rows + 1}"
            try:
                result = store.query(text, use_default_graph_as_union=True)
                if checked.form == "ASK":
                    return _results_bytes(result, fmt)
                sink = CappedWriter(1 << 62, self.options.max_bytes)
                try:
                    _serialize_results(result, sink, fmt)
                except Exception:
                    if sink.exceeded:
                        raise ResultTooLarge(f"the result is larger than {self.options.max_bytes} bytes; add a LIMIT") from None
                    raise
                body = sink.value()
                if appended and len(body) >= MIN_ROW_BYTES[fmt] * (max_rows + 1):
                    tsv = _results_bytes(store.query(text, use_default_graph_as_union=True), "tsv")
                    if tsv.count(b"\n") - 1 > max_rows:
                        raise ResultTooLarge(f"the result has more than {max_rows} rows; add a LIMIT")
                return body
            except SyntaxError as exc:
                raise QueryFailed(str(exc)) from None
        finally:
            with self._fast_lock:
                self._fast_inflight[snapshot] -= 1

    def _run_inline(self, snapshot: str, checked: CheckedQuery, fmt: str) -> bytes | None:
        """On the event loop, no thread hop: a cheap query whose answer fits in `INLINE_BYTES`.

        Bounded work: the serializer writes into a sink that stops it (and with it the lazy
        range scan) after INLINE_BYTES, so the loop is held for at most that much output; a
        larger answer returns None and runs in a thread (`_run_fast`), which also counts rows."""
        if self._fast_path != snapshot or self._fast_store is None:
            return None  # opening a snapshot blocks: `_run_fast` does it in its thread
        store, text = self._fast_store, checked.text
        if checked.form == "SELECT" and checked.limit is None:
            text += f"\nLIMIT {self.options.max_rows + 1}"
        budget = min(INLINE_BYTES, self.options.max_bytes, MIN_ROW_BYTES[fmt] * (self.options.max_rows + 1) - 1)
        try:
            result = store.query(text, use_default_graph_as_union=True)
            if checked.form == "ASK":
                return _results_bytes(result, fmt)
            sink = CappedWriter(1 << 62, budget)
            try:
                _serialize_results(result, sink, fmt)
            except Exception:
                if sink.exceeded:
                    return None
                raise
            return sink.value()
        except SyntaxError as exc:
            raise QueryFailed(str(exc)) from None

    async def run(self, checked, default_graphs, named_graphs, kind, fmt, client: str = "anonymous"):
        snapshot = await self.snapshot()
        if self.is_fast(checked, default_graphs, named_graphs, kind):
            self.fast_queries += 1
            body = self._run_inline(snapshot, checked, fmt)
            if body is not None:
                return snapshot, body
            try:
                return snapshot, await anyio.to_thread.run_sync(self._run_fast, snapshot, checked, fmt)
            finally:
                self.snapshots.collect(self.held_snapshots())
        job = QueryJob(
            snapshot, checked.text, default_graphs, named_graphs, kind, fmt, self.options.max_rows,
            self.options.max_bytes, checked.has_dataset, self.options.direct_results,
        )
        try:
            reply = await self.pool.run(job, self.options.timeout_s, client)
        except WorkerTimedOut:
            raise QueryTimeout(
                f"the query ran longer than the limit of {self.options.timeout_s:g} s and was stopped",
                limit_s=self.options.timeout_s,
            ) from None
        except WorkerDied as exc:
            raise QueryAborted(
                "the query exhausted the query engine's resources (memory or stack) and was stopped "
                f"({exc.how}); simplify it (less nesting, smaller ORDER BY / joins, a LIMIT)",
            ) from None
        except PoolBusy as exc:
            raise TooManyRequests(f"{exc}; retry shortly", code="sparql-busy", retry_after=2) from None
        finally:
            self.snapshots.collect(self.held_snapshots())
        return snapshot, _body(reply)

    def close(self) -> None:
        self.pool.close()
        self._fast_store = None
        self.snapshots.close()


# What the public endpoint asks a remote store for: tables (SELECT, ASK) in a SPARQL results
# format, parsed and written in the format asked for here, within the row cap, as the workers do
# (`finish_solutions`): stores write their own TSV differently (Virtuoso heads the columns `"g"`,
# not `?g`). As JSON, not XML: pyoxigraph's XML results parser trims a literal's outer white space
# (Virtuoso writes it as is), and Virtuoso's XML writer loses a literal of more than 4 MB
# (`registry.rdf.readable_results` reads a JSON answer pyoxigraph's parser cannot). Graphs as
# N-Triples.
_REMOTE_ACCEPT = {"table": "application/sparql-results+json", "ntriples": "application/n-triples"}
_RESULT_MEDIA = {s.name: s.media_type for s in RESULT_SYNTAXES}
#: An empty store whose only use is to parse queries bound for a remote store (see RemoteExecutor).
_SYNTAX_CHECK = ox.Store()



class RemoteExecutor(QueryExecutor):
    """Forwards guarded queries to a remote store's query URL (`RegistryStore.forward_query`).

    The dataset is always stated in the request, as the public graphs (`Catalog.public_graphs()`,
    cached per `store.generation`, which moves when any registry process writes) intersected with
    what the request (protocol parameters, else the query's FROM / FROM NAMED) asks for: the remote
    store never sees a query without a dataset, so drafts and the system graph stay out of reach.
    Time limit: the HTTP read timeout (the remote store should also run with its own timeout,
    e.g. `oxigraph serve --timeout-s`, since a dropped connection may not stop a running query).
    """

    def __init__(self, registry, options: SparqlOptions):
        self.registry = registry
        self.store = registry.store
        self.options = options
        self._public: tuple[int, frozenset[str], list[str]] | None = None
        self._lock = threading.Lock()

    def public(self) -> tuple[int, frozenset[str], list[str]]:
        """(generation, public graph set, sorted list) — blocking (the generation check and, after
        a write, the catalog query go to the store)."""
        generation = self.store.generation
        cached = self._public
        if cached is not None and cached[0] == generation:
            return cached
        with self._lock:
            if self._public is not None and self._public[0] == generation:
                return self._public
            graphs = sorted(self.registry.catalog.public_graphs())
            self._public = (generation, frozenset(graphs), graphs)
            return self._public

    def _call(self, checked: CheckedQuery, default_graphs, named_graphs, kind: str, fmt: str) -> tuple[None, bytes]:
        from registry.namespaces import PREFIXES
        from registry.sparql.guard import dataset_clauses

        generation, public, ordered = self.public()
        if default_graphs is None and named_graphs is None and checked.has_dataset:
            default_graphs, named_graphs = dataset_clauses(checked.text)
        if default_graphs is None and named_graphs is None:
            defaults, named = ordered, ordered
        else:
            defaults = [g for g in dict.fromkeys(default_graphs or []) if g in public]
            named = [g for g in dict.fromkeys(named_graphs or []) if g in public]
        # the query read here first, by the parser of the other back-ends: a syntax error is the
        # same problem (message, line and column) whatever the store behind
        try:
            _SYNTAX_CHECK.query(checked.text)
        except SyntaxError as exc:
            raise QueryFailed(str(exc)) from None
        except (OSError, RuntimeError, ValueError, TypeError):  # evaluation on the empty store: not our concern
            pass
        if kind == "graph":
            want = "ntriples"
        elif checked.form in ("SELECT", "ASK"):
            want = "table"
        else:
            want = fmt
        accept = _REMOTE_ACCEPT.get(want) or _RESULT_MEDIA[want]
        text = without_dataset_clauses(checked.text)
        if checked.form == "SELECT":
            # the store stops at one row past the cap (the row count below still tells a result
            # over it): a store that builds its whole result before sending (Virtuoso 7.2: 17,689
            # rows of a cross product took seconds) is not asked for rows the registry would refuse
            text = with_row_cap(text, self.options.max_rows + 1)
        try:
            media, body = self.store.forward_query(
                text, default_graphs=defaults, named_graphs=named, accept=accept,
                timeout_s=self.options.timeout_s, max_bytes=self.options.max_bytes,
            )
        except SyntaxError as exc:
            raise QueryFailed(str(exc)) from None
        except StoreUnavailable as exc:
            if exc.code == "result-too-large":
                raise ResultTooLarge(f"the result is larger than {self.options.max_bytes} bytes; add a LIMIT") from None
            if exc.code == "store-timeout":
                raise QueryTimeout(
                    f"the query ran longer than the limit of {self.options.timeout_s:g} s and was stopped",
                    limit_s=self.options.timeout_s,
                ) from None
            raise
        if media.lower() != accept:
            if media.lower() in _RESULT_MEDIA.values() and kind == "graph":
                raise QueryFailed("a SELECT or ASK query gives a table of results", code="wrong-form")
            if media.lower() not in _RESULT_MEDIA.values() and kind == "results":
                raise QueryFailed("a CONSTRUCT or DESCRIBE query gives a graph", code="wrong-form")
            raise StoreUnavailable(f"the remote store answered {media!r} for {accept!r}", code="store-error")
        if want == "table":
            try:
                # a JSON token over pyoxigraph's cap is read by Python's JSON parser (registry.rdf)
                body, table_format = readable_results(body, ox.QueryResultsFormat.JSON)
                table = ox.parse_query_results(body, table_format)
                if isinstance(table, ox.QueryBoolean):
                    reply = QueryReply(_results_bytes(table, fmt))
                else:
                    reply = finish_solutions(
                        lambda: cast(ox.QuerySolutions, ox.parse_query_results(body, table_format)),
                        fmt, self.options.max_rows, self.options.max_bytes, self.options.direct_results,
                    )
            except (SyntaxError, ValueError) as exc:
                raise StoreUnavailable(f"the remote store's results could not be read: {exc}", code="store-error") from None
        elif want == "ntriples" and kind == "graph":
            reply = finish_graph(body, fmt, self.options.max_rows, PREFIXES)
        else:
            reply = QueryReply(body)
        return None, _body(reply)  # not cached: the generation check would cost a request anyway

    async def run(self, checked, default_graphs, named_graphs, kind, fmt, client: str = "anonymous"):
        return await anyio.to_thread.run_sync(self._call, checked, default_graphs, named_graphs, kind, fmt)


class UnsupportedBackend(QueryExecutor):
    """Placeholder for store back-ends that have no query executor yet."""

    def __init__(self, store):
        self.name = type(store).__name__

    async def run(self, checked, default_graphs, named_graphs, kind, fmt, client: str = "anonymous"):
        raise StoreUnavailable(f"the SPARQL endpoint is not available on the {self.name} back-end yet", code="sparql-unavailable")


class ResultCache:
    def __init__(self, max_bytes: int, max_entry: int):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.size = 0
        self.entries: OrderedDict[tuple, bytes] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> bytes | None:
        body = self.entries.get(key)
        if body is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_entry or key in self.entries:
            return
        self.entries[key] = body
        self.size += len(body)
        while self.size > self.max_bytes and self.entries:
            _, old = self.entries.popitem(last=False)
            self.size -= len(old)

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


def with_base(query: str, endpoint: str, has_base: bool = True) -> str:
    """The query with the endpoint's URL as its base IRI (SPARQL 1.1 Query §4.1.1.1, RFC 3986
    §5.1: the base is the retrieval URI of the request, as Fuseki and Oxigraph server use): relative
    IRIs, `<catalog>`, resolve against `{base}sparql`. Written as a `BASE` line in front, so a
    `BASE` of the query itself still wins (and a relative one resolves against the endpoint), and
    the same on every back-end (the remote store would use its own URL). `unshift_positions` puts
    the parser's line numbers back. `has_base=False` (the guard found no BASE keyword, as text or
    escaped) skips a second tokenization of the query."""
    own = with_absolute_bases(query, endpoint) if has_base else None
    if own is not None:
        # the query's own BASE made absolute instead of a second BASE (refused by some stores);
        # the line break keeps positions where `unshift_positions` expects them
        return "\n" + own
    return f"BASE <{endpoint}>\n{query}"


_POSITION = re.compile(r"\b(?:error at |at line |line )(\d+)(?=[:, ])")


def unshift_positions(message: str) -> str:
    """A syntax error's "error at L:C" as the client wrote it (one line less: see `with_base`)."""
    return _POSITION.sub(lambda m: m.group(0).replace(m.group(1), str(max(1, int(m.group(1)) - 1)), 1), message)


def _serialize_results(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
                       output: CappedWriter | None, fmt: str) -> bytes | None:
    """SELECT / ASK results in the result format named `fmt` (into `output`, or returned). The
    embedded fast paths serve `kind == "results"` only: graphs go to the workers."""
    if isinstance(result, ox.QueryTriples):
        raise TypeError("the fast path serializes SELECT and ASK results, not graphs")
    # pyoxigraph writes to any object with write(bytes); typeshed names that IO[bytes] only
    return result.serialize(cast(IO[bytes], output), format=RESULT_FORMATS[fmt])


def _results_bytes(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> bytes:
    body = _serialize_results(result, None, fmt)
    assert body is not None  # no output given: the serializer returns the bytes
    return body


class SparqlService(Feature):
    """The SPARQL endpoint of one process; a feature (`registry.features.Feature`): `start` warms
    the query workers, `close` stops them."""

    def __init__(self, registry, settings, options: SparqlOptions | None = None):
        self.registry = registry
        self.options = options or SparqlOptions.from_settings(settings)
        self.cache = ResultCache(self.options.cache_bytes, self.options.cache_entry_bytes)
        self.guard = GuardDecisions(self.options.guard, self.options.guard_cache_entries)
        self.limiter = ClientLimiter(self.options.per_client)
        store = registry.store
        self.executor: QueryExecutor
        if store.public_queries == "snapshots":
            embedded = EmbeddedExecutor(store, settings, self.options)
            embedded.on_new_snapshot = self.cache.clear
            self.executor = embedded
        elif store.public_queries == "forward":
            self.executor = RemoteExecutor(registry, self.options)
        else:
            self.executor = UnsupportedBackend(store)
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        self.warm()

    def warm(self) -> None:
        """Start the query workers now rather than on the first queries (call from the event loop)."""
        if isinstance(self.executor, EmbeddedExecutor):
            self.executor.pool.warm()

    def cache_key(self, scope_hint, query: str, default_graphs, named_graphs, fmt: str) -> tuple:
        return (
            scope_hint,
            query,
            tuple(default_graphs) if default_graphs else None,
            tuple(named_graphs) if named_graphs else None,
            fmt,
        )

    def current_scope(self):
        """The cache scope valid now (the current snapshot), or None when unknown."""
        executor = self.executor
        if isinstance(executor, EmbeddedExecutor):
            snaps = executor.snapshots
            if snaps.current is not None and snaps.generation == snaps.store.generation:
                return snaps.current
        return None

    def cached(self, query: str, default_graphs, named_graphs, fmt: str) -> bytes | None:
        scope = self.current_scope()
        if scope is None:
            return None
        return self.cache.get(self.cache_key(scope, query, default_graphs, named_graphs, fmt))

    async def answer(self, checked: CheckedQuery, default_graphs, named_graphs, kind: str, fmt: str, client: str) -> bytes:
        self.limiter.enter(client)
        try:
            based = replace(checked, text=with_base(checked.text, self.registry.iris.sparql, checked.has_base))
            try:
                scope, body = await self.executor.run(based, default_graphs, named_graphs, kind, fmt, client)
            except QueryFailed as exc:
                if exc.code == "query-syntax":
                    exc.detail = unshift_positions(exc.detail)
                    exc.args = (exc.detail,)
                raise
        finally:
            self.limiter.leave(client)
        if scope is not None:
            self.cache.put(self.cache_key(scope, checked.text, default_graphs, named_graphs, fmt), body)
        return body

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.executor.close()
