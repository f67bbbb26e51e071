"""The pool of query worker processes (the snapshots they read: `registry.sparql.snapshots`).

* `QueryPool.run(job, timeout)` hands a job to an idle worker and waits for its reply in a
  thread (the event loop never blocks). Past the time limit the worker is killed (SIGKILL),
  which really stops the query and frees everything it held; a worker that dies on its own
  (SIGSEGV, SIGABRT) is noticed the same way (`registry.workers`). Either way it is replaced
  and only that request gets an error.
* Jobs waiting for a worker queue per client, served round-robin (`registry.fairness.FairQueue`):
  a client with many queries waiting does not push another client's query to the back.
* The pool has `size` workers, and grows by up to `extra` more while jobs are running long
  (over `heavy_after` seconds) and others wait, so a few slow queries do not hold up lookups.
  Extra workers leave when they fall idle.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass

import anyio

from registry.fairness import FairQueue
from registry.sparql.worker import QueryJob, QueryReply, WorkerReady, worker_main
from registry.workers import WorkerDied, WorkerProcess, WorkerTimedOut


class PoolBusy(Exception):
    pass


def _sigkill(worker: WorkerProcess) -> None:
    """SIGKILL without waiting (the caller cannot wait: `release` reaps the worker)."""
    try:
        if worker.pid is not None:
            os.kill(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


_ctx = multiprocessing.get_context("spawn")


class QueryWorker(WorkerProcess):
    def __init__(self, memory_bytes: int | None, prefixes: dict[str, str], ready_timeout: float = 60.0):
        """Start a worker process and wait until it is ready (blocking: call from a thread)."""
        super().__init__(_ctx, worker_main, (memory_bytes, prefixes), kind="sparql")
        try:
            ready = self.receive() if self.poll(ready_timeout) else None
        except WorkerDied:
            ready = None
        if not isinstance(ready, WorkerReady):
            self.kill(reason="it did not start")
            raise RuntimeError("a SPARQL query worker did not start")
        self.snapshot: str | None = None  # the snapshot the worker has (or will have) open
        self.busy_since: float | None = None
        self.extra = False

    def call(self, job: QueryJob, timeout: float) -> QueryReply:
        """Blocking: send a job, wait for the reply; kill the worker past `timeout`
        (`WorkerTimedOut`); `WorkerDied` if it died."""
        deadline = time.monotonic() + timeout
        self.send(job)
        return self.wait(deadline)

    def stop_now(self) -> None:
        """Ask the worker to end even when it is already marked for retirement, then kill it."""
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


class QueryPool:
    def __init__(self, options: PoolOptions):
        self.options = options
        self.idle: list[QueryWorker] = []
        self.busy: set[QueryWorker] = set()
        self.starting = 0
        self.waiters: FairQueue[asyncio.Future] = FairQueue()  # round-robin across clients
        self.closed = False
        self._watchdog: asyncio.Task | None = None
        self._lock = threading.Lock()
        self.crashes = 0
        self.timeouts = 0
        self.started = 0  # worker processes started (replacements and extra ones included)

    # --- workers ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.idle) + len(self.busy) + self.starting

    def start(self) -> None:
        """Start the base workers (blocking; call from a thread or at start-up)."""
        for _ in range(self.options.size):
            self.started += 1
            self.idle.append(QueryWorker(self.options.memory_bytes, self.options.prefixes))

    def warm(self) -> None:
        """Start the base workers in the background (from the event loop)."""
        loop = asyncio.get_running_loop()
        for _ in range(self.options.size - self.total):
            loop.create_task(self._warm_one())

    async def _warm_one(self) -> None:
        worker = await self._spawn(extra=False)
        if self.closed:
            worker.stop(None)
            return
        self._hand_over(worker)

    async def _spawn(self, extra: bool) -> QueryWorker:
        self.starting += 1
        self.started += 1
        try:
            worker = await anyio.to_thread.run_sync(QueryWorker, self.options.memory_bytes, self.options.prefixes)
        finally:
            self.starting -= 1
        worker.extra = extra
        return worker

    def held_snapshots(self) -> set[str]:
        return {w.snapshot for w in itertools.chain(self.idle, self.busy) if w.snapshot}

    # --- acquire / release -----------------------------------------------------------------

    async def acquire(self, client: str = "anonymous") -> QueryWorker:
        if self.closed:
            raise PoolBusy("the query service is shutting down")
        while self.idle:
            worker = self.idle.pop()
            if worker.process.is_alive():
                return self._mark_busy(worker)
            worker.died()  # logged; replaced below or by the next release
        if self.total < self.options.size:
            return self._mark_busy(await self._spawn(extra=False))
        future = asyncio.get_running_loop().create_future()
        self.waiters.push(client, future)
        self._ensure_watchdog()
        try:
            # `_hand_over` marks the worker busy before it wakes us: between the two it must still
            # count in `total`, or the next `acquire` would start a worker the pool does not need
            return await asyncio.wait_for(asyncio.shield(future), self.options.queue_timeout)
        except BaseException as exc:  # the time in the queue ran out, or the request was cancelled
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(future.result())  # handed over (so marked busy) just too late
            else:
                future.cancel()
            if isinstance(exc, asyncio.TimeoutError):
                raise PoolBusy("all query workers are busy") from None
            raise
        finally:
            self.waiters.remove(client, future)

    def _mark_busy(self, worker: QueryWorker) -> QueryWorker:
        worker.busy_since = time.monotonic()
        worker.job_started()
        self.busy.add(worker)
        self._ensure_watchdog()
        return worker

    def release(self, worker: QueryWorker) -> None:
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

    def _hand_over(self, worker: QueryWorker) -> None:
        while (popped := self.waiters.pop()) is not None:
            _client, future = popped
            if not future.done():
                future.set_result(self._mark_busy(worker))
                return
        if self.effective > self.options.size:
            self._retire(worker)
            return
        self.idle.append(worker)

    @staticmethod
    def _retire(worker: QueryWorker) -> None:
        """Stop a worker without blocking the event loop."""
        worker.dead = True
        asyncio.get_running_loop().run_in_executor(None, worker.stop_now)

    async def _replace(self) -> None:
        if self.effective >= self.options.size and not self.waiters:
            return
        worker = await self._spawn(extra=False)
        if self.closed:
            worker.stop(None)
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
                # CPU used, not time waited (see registry.workers): under load a cheap lookup waits
                # for a core, and demoting it would retire a warm worker for a cold one
                if (not worker.demoted and worker.busy_since and now - worker.busy_since > self.options.heavy_after
                        and worker.job_cpu_seconds() > self.options.heavy_after):
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
                    worker.stop(None)
                    return
                self._hand_over(worker)
            await asyncio.sleep(0.05)

    # --- running ---------------------------------------------------------------------------

    async def run(self, job: QueryJob, timeout: float, client: str = "anonymous") -> QueryReply:
        worker = await self.acquire(client)
        worker.snapshot = job.snapshot
        try:
            return await self._call(worker, job, timeout)
        except WorkerTimedOut:
            self.timeouts += 1
            raise
        except WorkerDied:
            self.crashes += 1
            raise
        finally:
            self.release(worker)

    @staticmethod
    async def _call(worker: QueryWorker, job: QueryJob, timeout: float) -> QueryReply:
        """Send a job and wait for its reply on the event loop itself: the loop watches the pipe
        (`add_reader`), so no thread is woken per query (the thread hop was ~0.1 ms of CPU per
        query, benchmarks/results/sparql-issue19.txt). The same guarantees as `QueryWorker.call`:
        past `timeout` the worker is killed (`WorkerTimedOut`); a worker that died, `WorkerDied`.

        The job is written on the loop: an idle worker is always blocked reading its pipe, and a
        job is at most the guard's 256 KiB. The reply is read on the loop once it starts to arrive:
        the worker writes it in one go, and it is at most the byte cap (a bigger result is
        refused by the worker). Killing and reaping run in a thread (they may wait)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        worker.send(job)  # a broken pipe: WorkerDied
        fd = worker.conn.fileno()
        ready: asyncio.Future[bool] = loop.create_future()

        def arrived(value: bool) -> None:
            if not ready.done():
                ready.set_result(value)

        timer = loop.call_at(deadline, arrived, False)
        loop.add_reader(fd, arrived, True)
        try:
            answered = await ready
        except BaseException:
            # cancelled while the job runs: its reply would be read as the next job's; the worker
            # goes (killed now, reaped and replaced by `release`)
            worker.dead = True
            _sigkill(worker)
            raise
        finally:
            timer.cancel()
            loop.remove_reader(fd)
            # uvloop leaves a watched descriptor non-blocking: a reply longer than the pipe's buffer
            # would then fail half-read (EAGAIN) and look like a dead worker
            os.set_blocking(fd, True)
        if not answered:
            await anyio.to_thread.run_sync(worker.kill, "deadline")
            raise WorkerTimedOut()
        return worker.receive()

    def close(self) -> None:
        self.closed = True
        for future in self.waiters.items():
            if not future.done():
                future.cancel()
        for worker in list(self.idle) + list(self.busy):
            worker.stop(None)
        self.idle.clear()
        self.busy.clear()
