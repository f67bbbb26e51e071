"""A small pool of validation worker processes that can be killed on a time limit.

pyshacl cannot be interrupted from another thread (a catastrophic `sh:pattern` or a heavy
SHACL-SPARQL constraint runs to the end, holding the GIL). So every validation of the web API runs
in a worker process: the parent sends (shapes key, [shapes triples], data triples) over a pipe and
waits with a deadline; past it the worker is killed (SIGKILL) and replaced, and the request gets a
`validation-timeout` problem. Other requests keep running on the other workers.

Workers start from a `forkserver` (a clean process that has imported rdflib and pyshacl once), so
replacing a killed worker costs a fork, not an interpreter start. Each worker keeps the compiled
shapes of the last few profile versions (LRU); when it lacks a key it says so and the parent sends
the shapes. Workers have no network (sockets refused) and an address-space limit.

Batches (`start_many` / `run_many`): one message carries several records; the worker answers
record by record, and each record keeps its own time limit (see `_Job`).

Sharing between clients (issue 12, item 8): see `ValidationPool` and `registry.fairness`.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from registry.errors import RegistryError, TooManyRequests
from registry.fairness import ClientCounts, FairQueue
from registry.workers import WorkerDied, WorkerProcess, WorkerTimedOut, limit_resources

WORKER_MEMORY_LIMIT = 2 * 1024**3
SHAPES_PER_WORKER = 16


class ValidationTimeout(RegistryError):
    status = 422
    code = "validation-timeout"
    title = "Validation stopped by its time limit"


class ValidationFailed(RegistryError):
    status = 422
    code = "validation-failed"
    title = "The validator could not run these shapes on this record"


# --- the messages on a worker's pipe ------------------------------------------------------------


@dataclass(frozen=True)
class Validate:
    """Validate `records` against the shapes `key` (parent → worker). `shapes` is None until the
    worker says it lacks them (`NeedShapes`). `batch`: answer record by record (`Validated` with
    its index and finishing time), else one `Validated` for the single record."""

    key: str
    shapes: list | None
    records: list
    want_rdf: bool
    batch: bool = False


@dataclass(frozen=True)
class Stop:
    """End the worker (parent → worker)."""


@dataclass(frozen=True)
class NeedShapes:
    """The worker has not compiled the shapes of this key: send them (worker → parent)."""


@dataclass(frozen=True)
class Validated:
    """One record's outcome (worker → parent): the result dict, or the validator's error message.
    `done` is the worker's `time.monotonic()` when the record finished (the parent starts the
    next record's time limit there)."""

    index: int
    result: dict | None
    error: str | None
    done: float


def worker_main(conn) -> None:
    """Loop of one worker: `Validate` → `NeedShapes` or one `Validated` per record; `Stop` ends it."""
    limit_resources(WORKER_MEMORY_LIMIT, network=False)
    from registry.validation import engine

    cache: OrderedDict[str, engine.CompiledShapes] = OrderedDict()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(message, Stop):
            return
        compiled = cache.get(message.key)
        if compiled is None and message.shapes is None:
            conn.send(NeedShapes())
            continue
        for i, data in enumerate(message.records):
            result, error = None, None
            try:
                if compiled is None:
                    compiled = engine.CompiledShapes.from_tuples(message.shapes)
                cache[message.key] = compiled
                cache.move_to_end(message.key)
                while len(cache) > SHAPES_PER_WORKER:
                    cache.popitem(last=False)
                result = engine.validate(compiled, engine.graph_from_tuples(data), want_rdf=message.want_rdf)
            except MemoryError:
                cache.clear()  # the rest of this message still uses `compiled`
                error = "the validation needed more memory than a worker may use"
            except Exception as exc:  # noqa: BLE001 - reported to the caller as a 422
                error = f"{type(exc).__name__}: {exc}"[:2000]
            conn.send(Validated(i, result, error, time.monotonic()))


def _timeout_error(timeout: float) -> ValidationTimeout:
    return ValidationTimeout(
        f"the validation took longer than {timeout:g} s and was stopped; a shape (a regular "
        "expression, a SPARQL constraint) or the record is too costly to evaluate",
        timeout_s=timeout,
    )


def _died_error() -> ValidationFailed:
    return ValidationFailed("the validation worker stopped unexpectedly (memory limit, crash); it has been replaced")


class _Waiter:
    """A borrower waiting for a worker (`ValidationPool._borrow`)."""

    __slots__ = ("event", "worker")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.worker: WorkerProcess | None = None


class ValidationPool:
    """`size` worker processes, shared fairly between clients (issue 12, item 8).

    * A borrower waits in a `registry.fairness.FairQueue`: per client FIFO, round-robin across
      clients, so a client with many validations (or a batch asking for a worker before each
      chunk) waits its turn like a client with one.
    * One client holds at most `size` workers at a time, and the pool grows by up to `extra`
      workers while a client waits whom that cap does not stop and every worker is busy (lent to
      other clients): so one client can never hold every worker, and another client's validation
      starts at once even when slow ones fill the pool (the extra workers leave when idle).
    * A job that runs over `heavy_after` seconds is demoted (nice 15), so short validations keep
      the CPU; the worker is replaced after it.

    `run()` borrows a worker, waits at most `queue_timeout` seconds for it (then 429), and at most
    `timeout` seconds for the validation (then the worker is killed)."""

    def __init__(self, size: int = 2, *, extra: int = 2, heavy_after: float = 1.0, start_method: str = "forkserver",
                 queue_timeout: float = 60.0):
        self.size = max(1, size)
        self.extra = max(0, extra)
        self.heavy_after = heavy_after
        self.queue_timeout = queue_timeout
        self._ctx = mp.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload(["registry.validation.engine", "pyshacl", "rdflib"])
        self._idle: list[WorkerProcess] = []
        self._all: set[WorkerProcess] = set()
        self._held = ClientCounts()  # workers lent, per client
        self._waiting: FairQueue[_Waiter] = FairQueue()
        self._lock = threading.Lock()
        self._closed = False
        self.killed = 0
        self.extra_started = 0
        with self._lock:
            for _ in range(self.size):
                self._idle.append(self._spawn())

    def _spawn(self) -> WorkerProcess:
        """A new worker (a fork of the forkserver: cheap). Called with the lock held."""
        worker = WorkerProcess(self._ctx, worker_main, kind="validation")
        self._all.add(worker)
        return worker

    def _may_borrow(self, client: str) -> bool:
        return self._held[client] < self.size

    def _dispatch(self) -> None:
        """Hand idle workers to waiting borrowers, round-robin across clients; start an extra
        worker for a waiting client when none is idle. Called with the lock held."""
        while self._waiting:
            if not self._idle:
                if len(self._all) >= self.size + self.extra or not self._waiting.any(self._may_borrow):
                    return
                self._idle.append(self._spawn())
                self.extra_started += 1
            popped = self._waiting.pop(self._may_borrow)
            if popped is None:
                return
            client, waiter = popped
            self._held.add(client)
            waiter.worker = self._idle.pop()
            waiter.event.set()

    def _borrow(self, client: str) -> WorkerProcess:
        if self._closed:
            raise RegistryError("the validation pool is shut down", code="shutting-down")
        waiter = _Waiter()
        with self._lock:
            self._waiting.push(client, waiter)
            self._dispatch()
        if not waiter.event.wait(self.queue_timeout):
            with self._lock:
                gave_up = self._waiting.remove(client, waiter)
            if gave_up:
                raise TooManyRequests(
                    f"no validation worker became free for this client within {self.queue_timeout:g} s; retry later",
                    code="validation-busy", retry_after=5,
                )
        if waiter.worker is None:
            raise RegistryError("the validation pool is shut down", code="shutting-down")
        return waiter.worker

    def _give_back(self, worker: WorkerProcess, healthy: bool, client: str) -> None:
        retired: list[WorkerProcess] = []
        with self._lock:
            self._held.remove(client)
            if healthy and not worker.demoted and not self._closed:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                retired.append(worker)
                if not self._closed and len(self._all) < self.size:
                    self._idle.append(self._spawn())
            if not self._closed:
                self._dispatch()
            # extra workers leave once nobody waits for them
            while not self._waiting and self._idle and len(self._all) > self.size:
                extra = self._idle.pop()
                self._all.discard(extra)
                retired.append(extra)
        for old in retired:
            old.kill()

    def _next_reply(self, worker: WorkerProcess, deadline: float) -> Any:
        """The worker's next message by `deadline`, demoting it past `heavy_after` (see
        `WorkerProcess.wait`: raises `WorkerTimedOut` or `WorkerDied`)."""
        return worker.wait(deadline, demote_after=self.heavy_after)

    def run(self, key: str, shapes: list, data: list, *, timeout: float, want_rdf: bool = False,
            client: str = "local") -> dict[str, Any]:
        worker = self._borrow(client)
        deadline = time.monotonic() + timeout
        healthy = True
        try:
            worker.send(Validate(key, None, [data], want_rdf))
            while True:
                reply = self._next_reply(worker, deadline)
                if isinstance(reply, NeedShapes):
                    worker.send(Validate(key, shapes, [data], want_rdf))
                    continue
                if reply.error is not None:
                    raise ValidationFailed(f"the validator failed: {reply.error}")
                return reply.result
        except WorkerTimedOut:
            healthy = False
            self.killed += 1
            raise _timeout_error(timeout) from None
        except WorkerDied:
            healthy = False
            raise _died_error() from None
        finally:
            self._give_back(worker, healthy, client)

    def start_many(self, key: str, shapes: list, datas: list, *, timeout: float, want_rdf: bool = False,
                   client: str = "local") -> "_Job":
        """Send several records to one worker in one message; `_Job.results()` collects them.
        Each record keeps its own time limit (see `_Job`). Meanwhile the caller can prepare the
        next records. The worker goes back to the pool (and to the next client in turn) when the
        results are collected: a batch asks again for every chunk."""
        return _Job(self, key, shapes, datas, timeout, want_rdf, client)

    def run_many(self, key: str, shapes: list, datas: list, *, timeout: float, want_rdf: bool = False,
                 client: str = "local") -> list:
        return self.start_many(key, shapes, datas, timeout=timeout, want_rdf=want_rdf, client=client).results()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            for waiter in self._waiting.items():
                waiter.event.set()  # no worker: the borrower raises shutting-down
            self._waiting = FairQueue()
        for worker in workers:
            try:
                worker.conn.send(Stop())
            except Exception:  # noqa: BLE001
                pass
        for worker in workers:
            worker.process.join(1)
            worker.kill()


class _Job:
    """Records validated by one worker from one message, with a time limit per record: record
    i's limit starts when record i-1 finished in the worker (its reply carries the worker's
    `time.monotonic()`, the same clock as ours on Linux; clamped to [sent, now]), or when the
    message was sent for the first. On a timeout, that record gets `ValidationTimeout`, the worker
    is killed and replaced, and the records after it go to another worker; on a crash, that record
    gets `ValidationFailed` and likewise. `results()` is a list in order: result dicts, or the
    `RegistryError` of a record."""

    def __init__(self, pool: ValidationPool, key: str, shapes: list, datas: list, timeout: float, want_rdf: bool,
                 client: str = "local"):
        self.pool, self.key, self.shapes, self.datas = pool, key, shapes, datas
        self.timeout, self.want_rdf, self.client = timeout, want_rdf, client
        self.out: list = []
        self.worker: WorkerProcess | None = None
        self.error: Exception | None = None
        self._send()

    def _send(self) -> None:
        try:
            self.worker = self.pool._borrow(self.client)
        except RegistryError as exc:  # every remaining record gets the same problem
            self.worker = None
            self.error = exc
            return
        self.sent = time.monotonic()
        try:
            self.worker.send(Validate(self.key, None, self.datas[len(self.out):], self.want_rdf, batch=True))
        except WorkerDied:
            self.pool._give_back(self.worker, False, self.client)
            self.worker = None
            self.error = _died_error()

    def results(self) -> list:
        timeout = self.timeout
        while len(self.out) < len(self.datas):
            if self.worker is None:
                self.out.extend([self.error] * (len(self.datas) - len(self.out)))
                break
            worker = self.worker
            base = len(self.out)
            start = self.sent
            healthy = True
            try:
                while len(self.out) < len(self.datas):
                    reply = self.pool._next_reply(worker, start + timeout)
                    if isinstance(reply, NeedShapes):
                        worker.send(Validate(self.key, self.shapes, self.datas[base:], self.want_rdf, batch=True))
                        continue
                    now = time.monotonic()
                    start = min(max(reply.done, start), now)
                    self.out.append(
                        reply.result if reply.error is None else ValidationFailed(f"the validator failed: {reply.error}")
                    )
            except WorkerTimedOut:
                healthy = False
                self.pool.killed += 1
                self.out.append(_timeout_error(timeout))
            except WorkerDied:
                healthy = False
                self.out.append(_died_error())
            self.worker = None
            self.pool._give_back(worker, healthy, self.client)
            if len(self.out) < len(self.datas):
                self._send()
        return self.out
