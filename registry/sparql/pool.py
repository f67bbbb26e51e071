"""A pool of query worker processes, and the snapshots they read.

* `WorkerPool.run(job, timeout)` hands a job to an idle worker and waits for its reply in a
  thread (the event loop never blocks). Past the time limit the worker is killed (SIGKILL),
  which really stops the query and frees everything it held; a worker that dies on its own
  (SIGSEGV, SIGABRT) is noticed the same way. Either way it is replaced and only that request
  gets an error.
* Jobs waiting for a worker queue per client, served round-robin (`registry.fairness.FairQueue`):
  a client with many queries waiting does not push another client's query to the back.
* The pool has `size` workers, and grows by up to `extra` more while jobs are running long
  (over `heavy_after` seconds) and others wait, so a few slow queries do not hold up lookups.
  Extra workers leave when they fall idle.
* `Snapshots` makes a hard-linked checkpoint of the store after each write (`store.generation`)
  and deletes old checkpoints once no worker has them open.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
import pyoxigraph as ox

from registry.fairness import FairQueue
from registry.sparql.worker import worker_main


class WorkerCrashed(Exception):
    def __init__(self, signal_name: str):
        super().__init__(signal_name)
        self.signal_name = signal_name


class WorkerTimeout(Exception):
    pass


class PoolBusy(Exception):
    pass


_ctx = multiprocessing.get_context("spawn")


class Worker:
    _ids = itertools.count(1)

    def __init__(self, memory_bytes: int | None, prefixes: dict[str, str], ready_timeout: float = 60.0):
        """Start a worker process and wait until it is ready (blocking: call from a thread)."""
        self.id = next(self._ids)
        parent, child = _ctx.Pipe(duplex=True)
        self.process = _ctx.Process(
            target=worker_main, args=(child, memory_bytes, prefixes), daemon=True, name=f"sparql-worker-{self.id}"
        )
        self.process.start()
        child.close()
        self.conn = parent
        try:
            ready = parent.recv() if parent.poll(ready_timeout) else None
        except (EOFError, OSError):
            ready = None
        if not ready or ready[0] != "ready":
            self.kill()
            raise RuntimeError("a SPARQL query worker did not start")
        self.snapshot: str | None = None  # the snapshot the worker has (or will have) open
        self.busy_since: float | None = None
        self.extra = False
        self.dead = False
        self.demoted = False

    def demote(self) -> None:
        """Lower the CPU priority of a worker whose query runs long, so lookups keep their
        share of the CPU. Unprivileged processes cannot undo this: a demoted worker is retired
        after its job."""
        self.demoted = True
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, 15)
        except (OSError, AttributeError):
            pass

    def call(self, job: tuple, timeout: float) -> tuple:
        """Blocking: send a job, wait for the reply; kill the worker past `timeout`."""
        try:
            self.conn.send(job)
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise WorkerCrashed(self._exit_description()) from None
        self.kill()
        raise WorkerTimeout()

    def _exit_description(self) -> str:
        self.process.join(timeout=2)
        code = self.process.exitcode
        if code is None:
            return "unknown"
        if code < 0:
            try:
                return signal.Signals(-code).name
            except ValueError:
                return f"signal {-code}"
        return f"exit {code}"

    def kill(self) -> None:
        self.dead = True
        if self.process.is_alive():
            try:
                os.kill(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.join(timeout=5)
        try:
            self.conn.close()
        except OSError:
            pass

    def stop_now(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.process.join(timeout=2)
        self.kill()

    def stop(self) -> None:
        """Ask nicely, then kill."""
        if not self.dead:
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            self.process.join(timeout=2)
        self.kill()


@dataclass
class PoolOptions:
    prefixes: dict
    size: int = 2
    extra: int = 2
    heavy_after: float = 0.25
    queue_timeout: float = 10.0
    memory_bytes: int | None = 2 * 1024**3


class WorkerPool:
    def __init__(self, options: PoolOptions):
        self.options = options
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.starting = 0
        self.waiters: FairQueue[asyncio.Future] = FairQueue()  # round-robin across clients
        self.closed = False
        self._watchdog: asyncio.Task | None = None
        self._lock = threading.Lock()
        self.crashes = 0
        self.timeouts = 0

    # --- workers ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.idle) + len(self.busy) + self.starting

    def start(self) -> None:
        """Start the base workers (blocking; call from a thread or at start-up)."""
        for _ in range(self.options.size):
            self.idle.append(Worker(self.options.memory_bytes, self.options.prefixes))

    def warm(self) -> None:
        """Start the base workers in the background (from the event loop)."""
        loop = asyncio.get_running_loop()
        for _ in range(self.options.size - self.total):
            loop.create_task(self._warm_one())

    async def _warm_one(self) -> None:
        worker = await self._spawn(extra=False)
        if self.closed:
            worker.stop()
            return
        self._hand_over(worker)

    async def _spawn(self, extra: bool) -> Worker:
        self.starting += 1
        try:
            worker = await anyio.to_thread.run_sync(Worker, self.options.memory_bytes, self.options.prefixes)
        finally:
            self.starting -= 1
        worker.extra = extra
        return worker

    def held_snapshots(self) -> set[str]:
        return {w.snapshot for w in itertools.chain(self.idle, self.busy) if w.snapshot}

    # --- acquire / release -----------------------------------------------------------------

    async def acquire(self, client: str = "anonymous") -> Worker:
        if self.closed:
            raise PoolBusy("the query service is shutting down")
        while self.idle:
            worker = self.idle.pop()
            if worker.process.is_alive():
                return self._mark_busy(worker)
            worker.kill()
        if self.total < self.options.size:
            return self._mark_busy(await self._spawn(extra=False))
        future = asyncio.get_running_loop().create_future()
        self.waiters.push(client, future)
        self._ensure_watchdog()
        try:
            worker = await asyncio.wait_for(asyncio.shield(future), self.options.queue_timeout)
        except asyncio.TimeoutError:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(future.result())
            else:
                future.cancel()
            raise PoolBusy("all query workers are busy") from None
        finally:
            self.waiters.remove(client, future)
        return self._mark_busy(worker)

    def _mark_busy(self, worker: Worker) -> Worker:
        worker.busy_since = time.monotonic()
        self.busy.add(worker)
        self._ensure_watchdog()
        return worker

    def release(self, worker: Worker) -> None:
        self.busy.discard(worker)
        worker.busy_since = None
        if worker.demoted and not worker.dead:
            self._retire(worker)
        if worker.dead or self.closed:
            worker.kill()
            if not self.closed:
                asyncio.get_running_loop().create_task(self._replace())
            return
        self._hand_over(worker)

    @property
    def effective(self) -> int:
        """Workers that count towards the pool's size: all but the demoted busy ones."""
        return self.total - sum(1 for w in self.busy if w.demoted)

    def _hand_over(self, worker: Worker) -> None:
        while self.waiters:
            _client, future = self.waiters.pop()
            if not future.done():
                future.set_result(worker)
                return
        if self.effective > self.options.size:
            self._retire(worker)
            return
        self.idle.append(worker)

    @staticmethod
    def _retire(worker: Worker) -> None:
        """Stop a worker without blocking the event loop."""
        worker.dead = True
        asyncio.get_running_loop().run_in_executor(None, worker.stop_now)

    async def _replace(self) -> None:
        if self.effective >= self.options.size and not self.waiters:
            return
        worker = await self._spawn(extra=False)
        if self.closed:
            worker.stop()
            return
        self._hand_over(worker)

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        """While jobs run: demote the long ones, and keep a worker ready for everyone else
        (up to `size + extra` processes), so a few slow queries do not hold up lookups."""
        for _ in itertools.count():
            if self.closed or not (self.busy or self.waiters):
                return
            now = time.monotonic()
            for worker in list(self.busy):
                if not worker.demoted and worker.busy_since and now - worker.busy_since > self.options.heavy_after:
                    worker.demote()
            demoted = sum(1 for w in self.busy if w.demoted)
            if (
                demoted
                and self.effective <= self.options.size
                and not self.idle
                and self.starting == 0
                and self.total < self.options.size + self.options.extra
            ):
                worker = await self._spawn(extra=True)
                if self.closed:
                    worker.stop()
                    return
                self._hand_over(worker)
            await asyncio.sleep(0.05)

    # --- running ---------------------------------------------------------------------------

    async def run(self, job: tuple, timeout: float, client: str = "anonymous") -> tuple:
        worker = await self.acquire(client)
        worker.snapshot = job[0]
        try:
            return await anyio.to_thread.run_sync(worker.call, job, timeout)
        except WorkerTimeout:
            self.timeouts += 1
            raise
        except WorkerCrashed:
            self.crashes += 1
            raise
        finally:
            self.release(worker)

    def close(self) -> None:
        self.closed = True
        for future in self.waiters.items():
            if not future.done():
                future.cancel()
        for worker in list(self.idle) + list(self.busy):
            worker.stop()
        self.idle.clear()
        self.busy.clear()


_PRUNE_SERIES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prof: <http://www.w3.org/ns/dx/prof/>
DELETE { GRAPH $catalog { ?series ?p ?o . ?x ?q ?series } }
WHERE {
  GRAPH $catalog { ?series a ?type . ?series ?p ?o . OPTIONAL { ?x ?q ?series } }
  FILTER(?type IN (prof:Profile, dcat:Dataset))
  FILTER NOT EXISTS { GRAPH ?v { ?series dcat:hasVersion ?v } }
}"""
# (a series is a prof:Profile or dcat:Dataset of the catalog graph: a new series whose only
# version is a draft has its type, identifier and publisher there, but no dcat:resource link)


def prune(path: str, base_iri: str) -> None:
    """Make a snapshot the public view: drop every graph that is not public (drafts, the system
    graph with token hashes, orphans) and the catalog entries of series with no public version.

    Even a mistake in the dataset a query is given could then not reveal anything private.
    """
    from registry.sparql.worker import public_graphs
    from registry.store.base import RegistryStore

    store = ox.Store(path)
    try:
        public = public_graphs(store, base_iri)
        for graph in list(store.named_graphs()):
            if not isinstance(graph, ox.NamedNode) or graph.value not in public:
                store.remove_graph(graph)
        store.remove_graph(ox.DefaultGraph())
        catalog = ox.NamedNode(base_iri + "catalog")
        store.update(RegistryStore.bind(_PRUNE_SERIES, {"catalog": catalog}))
        store.flush()
    finally:
        del store


class Snapshots:
    """Hard-linked checkpoints of the embedded store, one per store generation in use."""

    def __init__(self, store, root: Path, base_iri: str):
        self.store = store  # a RegistryStore whose public_queries is "snapshots"
        self.base_iri = base_iri
        self.root = root
        shutil.rmtree(self.root, ignore_errors=True)  # what a previous run left
        self.root.mkdir(parents=True, exist_ok=True)
        self.current: str | None = None
        self.generation: int | None = None
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.all: set[str] = set()

    def ensure(self) -> tuple[str, bool]:
        """The current snapshot path (blocking: may make a checkpoint); True if it is new."""
        generation = self.store.generation
        if self.current is not None and generation == self.generation:
            return self.current, False
        with self._lock:
            generation = self.store.generation
            if self.current is not None and generation == self.generation:
                return self.current, False
            path = self.root / f"g{generation}-{next(self._counter)}"
            self.store.checkpoint(str(path))
            prune(str(path), self.base_iri)
            self.current, self.generation = str(path), generation
            self.all.add(self.current)
            return self.current, True

    def collect(self, held: set[str]) -> None:
        """Delete snapshots that are not current and that no worker has open."""
        for path in list(self.all):
            if path != self.current and path not in held:
                self.all.discard(path)
                shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
