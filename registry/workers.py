"""The killable-worker core shared by the validation pool (`registry.validation.pool`) and the
SPARQL query pool (`registry.sparql.pool`).

Neither pyshacl nor pyoxigraph can be interrupted from another thread, and a few small hostile
inputs end the process that runs them (a deep query overflows the stack: SIGSEGV; a huge ORDER BY
fails an allocation: SIGABRT). So both run their work in worker processes, and this module is the
one place that:

* spawns a worker (`WorkerProcess`) and, in the worker, limits its resources (`limit_resources`:
  no core dumps, an address-space cap, optionally no network);
* waits for a reply with a deadline (`WorkerProcess.wait`) and kills the worker (SIGKILL) past it,
  which really stops the work and frees all it held;
* notices a worker that died on its own and says how (`exit_description`), so the pool replaces it
  and only that one request gets a problem;
* demotes a worker whose job is long (nice 15), so short jobs of other clients keep the CPU.
  "Long" is CPU time the job used (`WorkerProcess.job_cpu_seconds`), not time waited: on a loaded
  machine a 20 ms validation can wait seconds for a core, and demoting it (a demoted worker is
  retired, its replacement starts cold) made every job slower still, 7-11x under load 20;
* logs every kill and crash (logger `registry.workers`).

The pools keep what differs between them: the validation pool borrows workers from threads
(`threading.Event`), the query pool from the event loop (futures); both queue waiting clients in
`registry.fairness.FairQueue`. Messages on the pipes are the pools' own: the validation pool's
dataclasses (pickled), the query pool's `marshal` frames (`registry.sparql.worker.encode_job`).
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.context import BaseContext
from typing import Any

log = logging.getLogger("registry.workers")

#: The CPU priority of a demoted worker (an unprivileged process cannot raise it again).
DEMOTED_NICE = 15

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process, from `/proc/<pid>/stat` (proc(5): fields 14 and 15, in
    clock ticks); None where there is no /proc (the pools then fall back to time waited)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # the name (field 2) may hold spaces
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def process_tree(pid: int) -> set[int]:
    """A process and all its descendants, from `/proc/<pid>/task/<tid>/children` (proc(5));
    a process that ended meanwhile is left out of the walk below it."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(child) for child in f.read().split())
        except OSError:
            continue
    return found


class WorkerDied(Exception):
    """The worker process ended (crash, memory limit) or its pipe broke."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how


class WorkerTimedOut(Exception):
    """The worker did not answer by its deadline; it has been killed."""


def limit_resources(memory_bytes: int | None, *, network: bool = True) -> None:
    """In a worker process: no core dumps, at most `memory_bytes` of address space, and with
    `network=False` no sockets (a SHACL-SPARQL `SERVICE` or an `owl:imports` cannot reach out)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass
    if not network:
        import socket

        def refuse(*_args, **_kwargs):
            raise OSError("network access is disabled in worker processes")

        socket.socket.connect = refuse  # type: ignore[method-assign]
        socket.socket.connect_ex = refuse  # type: ignore[method-assign]
        socket.create_connection = refuse  # type: ignore[assignment]
        socket.getaddrinfo = refuse  # type: ignore[assignment]


class WorkerProcess:
    """One worker process and the parent's end of its pipe."""

    _ids = itertools.count(1)

    def __init__(self, ctx: BaseContext, target: Callable[..., None], args: tuple = (), *, kind: str):
        self.id = next(self._ids)
        self.kind = kind
        parent, child = ctx.Pipe()
        self.conn = parent
        self.process = ctx.Process(  # type: ignore[attr-defined]
            target=target, args=(child, *args), daemon=True, name=f"registry-{kind}-worker-{self.id}"
        )
        self.process.start()
        child.close()
        self.demoted = False
        self.dead = False
        self._job_started: tuple[float, float | None] | None = None  # (monotonic, CPU seconds)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, message: Any) -> None:
        """Send a message; a broken pipe means the worker died."""
        try:
            self.conn.send(message)
        except (EOFError, OSError, BrokenPipeError):
            raise self.died() from None

    def receive(self) -> Any:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise self.died() from None

    def poll(self, timeout: float) -> bool:
        """Whether a message arrives within `timeout` seconds (a dead worker's closed pipe counts:
        `receive` then says it died)."""
        try:
            return self.conn.poll(max(0.0, timeout))
        except (EOFError, OSError):
            return True

    def job_started(self, cpu_seconds: float | None = None) -> None:
        """Mark the start of a job: `job_cpu_seconds` counts from here. `cpu_seconds`: the
        worker's CPU time now, when the caller knows it (the query worker reports it with each
        reply), which saves reading /proc per job (~15-40 µs, benchmarks/sparql_pool.py)."""
        if cpu_seconds is None:
            cpu_seconds = process_cpu_seconds(self.pid)
        self._job_started = (time.monotonic(), cpu_seconds)

    def job_cpu_seconds(self) -> float:
        """CPU time the worker used since `job_started` (time elapsed where /proc is missing)."""
        if self._job_started is None:
            return 0.0
        since, cpu = self._job_started
        now_cpu = process_cpu_seconds(self.pid) if cpu is not None else None
        if cpu is None or now_cpu is None:
            return time.monotonic() - since
        return now_cpu - cpu

    def wait(self, deadline: float, *, demote_after: float | None = None) -> Any:
        """The next message, waiting until `deadline` (`time.monotonic()`); demote the worker
        once its job has used `demote_after` seconds of CPU. Past the deadline the worker is killed
        and `WorkerTimedOut` raised; if it died, `WorkerDied`."""
        if demote_after is not None and not self.demoted:
            self.job_started()
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or self.poll(min(demote_after, left)):
                    break
                if self.job_cpu_seconds() >= demote_after:
                    self.demote()
                    break
        if not self.poll(deadline - time.monotonic()):
            self.kill(reason="deadline")
            raise WorkerTimedOut()
        return self.receive()

    def died(self) -> WorkerDied:
        """The worker is gone: reap it, log how it ended, and return the error to raise."""
        how = self.exit_description()
        log.warning("%s worker %s (pid %s) died: %s", self.kind, self.id, self.pid, how)
        self.kill()
        return WorkerDied(how)

    def exit_description(self) -> str:
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

    def demote(self) -> None:
        """Lower the CPU priority of a worker whose job runs long, so that other clients' short
        jobs keep their share of the CPU. An unprivileged process cannot undo this: a demoted
        worker is retired after its job."""
        self.demoted = True
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, DEMOTED_NICE)
        except (OSError, AttributeError, TypeError):
            pass

    def kill(self, reason: str | None = None) -> None:
        """SIGKILL (if still running), reap, close the pipe. `reason` is logged."""
        if reason is not None and not self.dead:
            log.warning("%s worker %s (pid %s) killed: %s", self.kind, self.id, self.pid, reason)
        self.dead = True
        if self.process.is_alive():
            try:
                os.kill(self.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
            except ProcessLookupError:
                pass
        self.process.join(timeout=5)
        try:
            self.conn.close()
        except OSError:
            pass

    def stop(self, stop_message: Any, grace: float = 2.0) -> None:
        """Ask the worker to end (`stop_message`), wait `grace` seconds, then kill it."""
        if not self.dead:
            try:
                self.conn.send(stop_message)
            except (OSError, BrokenPipeError):
                pass
            self.process.join(timeout=grace)
        self.kill()
