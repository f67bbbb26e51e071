"""The pool of query worker processes (the snapshots they read: `registry.sparql.snapshots`).

* `QueryPool.run(job, timeout)` hands a job to an idle worker and waits for its reply on the
  event loop, which watches the worker's pipe (no thread per query; the loop never blocks). Past the time limit the worker is killed (SIGKILL),
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
import struct
import threading
import time
from dataclasses import dataclass

import anyio

from registry.fairness import FairQueue
from registry.sparql.worker import STOP, QueryJob, QueryReply, WorkerReady, decode_reply, encode_job, worker_main
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

#: how much of a reply is read from the pipe per system call
_READ_CHUNK = 1 << 18


def _frame_length(received: bytearray) -> int | None:
    """The payload length of the frame in `received` once it is whole (the framing of
    `multiprocessing.connection`: a 4-byte big-endian length, or -1 and an 8-byte length for a
    payload over 2 GiB), else None."""
    if len(received) < 4:
        return None
    (length,) = struct.unpack_from("!i", received)
    header = 4
    if length == -1:
        if len(received) < 12:
            return None
        (length,) = struct.unpack_from("!Q", received, 4)
        header = 12
    return length if len(received) >= header + length else None


def _give_up(future: asyncio.Future) -> None:
    """A query's time in the pool's queue ran out."""
    if not future.done():
        future.set_exception(PoolBusy("all query workers are busy"))


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
        #: the worker's CPU time when it sent its last reply (None before the first): it is idle
        #: since, so that is its CPU at the start of its next job
        self.idle_cpu: float | None = None
        # the parent's end of the pipe, non-blocking once the event loop has watched it (`_call`)
        self.fd = self.conn.fileno()
        self.nonblocking = False

    def write_frame(self, payload: bytes) -> None:
        """One frame as `multiprocessing.connection` writes it (a 4-byte big-endian length, then the
        payload: the worker reads it with `recv_bytes`). On a non-blocking pipe a frame longer than
        the pipe's buffer (a job is at most the guard's 256 KiB) is finished blocking: an idle worker
        is always reading. A broken pipe: `WorkerDied`."""
        frame = struct.pack("!i", len(payload)) + payload
        try:
            try:
                written = os.write(self.fd, frame)
            except BlockingIOError:
                written = 0
            if written < len(frame):
                os.set_blocking(self.fd, True)
                try:
                    view = memoryview(frame)[written:]
                    while view:
                        view = view[os.write(self.fd, view) :]
                finally:
                    os.set_blocking(self.fd, not self.nonblocking)
        except OSError:
            raise self.died() from None

    def stop(self, stop_message: object = STOP, grace: float = 2.0) -> None:
        """Ask the worker to end (the `STOP` frame), wait `grace` seconds, then kill it."""
        if not self.dead:
            self.send_stop()
            self.process.join(timeout=grace)
        self.kill()

    def send_stop(self) -> None:
        try:
            self.conn.send_bytes(STOP)  # through the connection: it knows when it is closed
        except OSError:
            pass

    def stop_now(self) -> None:
        """Ask the worker to end even when it is already marked for retirement, then kill it."""
        self.send_stop()
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
            worker.stop()
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
        loop = asyncio.get_running_loop()
        future: asyncio.Future[QueryWorker] = loop.create_future()
        self.waiters.push(client, future)
        self._ensure_watchdog()
        # a timer rather than asyncio.wait_for(shield(...)): two tasks and futures less per queued
        # query (benchmarks/sparql_pool.py)
        timer = loop.call_later(self.options.queue_timeout, _give_up, future)
        try:
            # `_hand_over` marks the worker busy before it wakes us: between the two it must still
            # count in `total`, or the next `acquire` would start a worker the pool does not need
            return await future  # handed over: `_hand_over` took it out of the queue
        except BaseException:  # the time in the queue ran out (PoolBusy), or the request was cancelled
            # (taken out of the queue here only: a future no longer there costs deque.remove a
            # ValueError whose message holds the future's repr, ~20 µs, benchmarks/sparql_pool.py)
            self.waiters.remove(client, future)
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(future.result())  # handed over (so marked busy) just too late
            else:
                future.cancel()
            raise
        finally:
            timer.cancel()

    def _mark_busy(self, worker: QueryWorker) -> QueryWorker:
        worker.busy_since = time.monotonic()
        worker.job_started(worker.idle_cpu)
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
                # CPU used, not time waited (see registry.workers): under load a cheap lookup waits
                # for a core, and demoting it would retire a warm worker for a cold one
                if (
                    not worker.demoted
                    and worker.busy_since
                    and now - worker.busy_since > self.options.heavy_after
                    and worker.job_cpu_seconds() > self.options.heavy_after
                ):
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
        query, benchmarks/results/sparql-issue19.txt), and reads the reply as it arrives, without
        blocking. Past `timeout` the worker is killed (`WorkerTimedOut`); a worker that died (its
        pipe closed), `WorkerDied`. Killing and reaping run in a thread (they may wait).

        The pipe stays non-blocking from the first job on (uvloop makes a watched descriptor
        non-blocking anyway): the reply is read in chunks by `readable` until its frame is whole,
        so a reply longer than the pipe's buffer is never read half; the job is written at once
        (`QueryWorker.write_frame`)."""
        loop = asyncio.get_running_loop()
        fd = worker.fd
        if not worker.nonblocking:
            os.set_blocking(fd, False)
            worker.nonblocking = True
        worker.write_frame(encode_job(job))
        ready: asyncio.Future[bool] = loop.create_future()
        received = bytearray()

        def readable() -> None:
            try:
                while True:
                    chunk = os.read(fd, _READ_CHUNK)
                    if not chunk:  # the worker closed its end: it died
                        break
                    received.extend(chunk)
                    if _frame_length(received) is not None:
                        break
            except BlockingIOError:
                return  # more to come
            except OSError:
                pass  # a broken pipe: the worker died
            if not ready.done():
                ready.set_result(True)

        def expired() -> None:
            if not ready.done():
                ready.set_result(False)

        timer = loop.call_at(loop.time() + timeout, expired)
        loop.add_reader(fd, readable)
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
        if not answered:
            await anyio.to_thread.run_sync(worker.kill, "deadline")
            raise WorkerTimedOut()
        length = _frame_length(received)
        if length is None:
            raise await anyio.to_thread.run_sync(worker.died)
        header = 12 if length > 0x7FFFFFFF else 4
        reply, worker.idle_cpu = decode_reply(memoryview(received)[header : header + length])
        return reply

    def close(self) -> None:
        self.closed = True
        for future in self.waiters.items():
            if not future.done():
                future.cancel()
        for worker in list(self.idle) + list(self.busy):
            worker.stop()
        self.idle.clear()
        self.busy.clear()
