"""The killable-worker core (`registry.workers`): demotion is decided on CPU used, not time waited.

Regression (found by benchmarks/hardening_ab.py at load 20 on 2 cores): a validation that needs
20 ms of CPU waited seconds for a core, was demoted as "long" after 1 s of waiting, and its worker
was retired for a cold one, which then took longer still: every validation became 7-11x slower
than before the fairness change. A job is long when it has used the CPU, whatever the load.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time

from registry.validation.pool import ValidationPool
from registry.workers import WorkerProcess, process_cpu_seconds
from tests.validation.test_pool import HAS_P, SHAPES, encoded

_fork = mp.get_context("fork")


def _reply_after_sleeping(conn, seconds: float) -> None:
    conn.recv()
    time.sleep(seconds)
    conn.send("slept")


def _reply_after_spinning(conn, seconds: float) -> None:
    conn.recv()
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    conn.send("spun")


def test_cpu_seconds_count_work_not_waiting():
    sleeper = WorkerProcess(_fork, _reply_after_sleeping, (1.0,), kind="test")
    spinner = WorkerProcess(_fork, _reply_after_spinning, (1.0,), kind="test")
    try:
        for worker in (sleeper, spinner):
            worker.job_started()
            worker.send("go")
        assert sleeper.wait(time.monotonic() + 30) == "slept"
        assert spinner.wait(time.monotonic() + 30) == "spun"
        assert sleeper.job_cpu_seconds() < 0.3
        assert spinner.job_cpu_seconds() >= 0.9
        assert process_cpu_seconds(os.getpid()) is not None
    finally:
        sleeper.kill()
        spinner.kill()


def test_a_job_that_waits_is_not_demoted_one_that_computes_is():
    sleeper = WorkerProcess(_fork, _reply_after_sleeping, (1.5,), kind="test")
    spinner = WorkerProcess(_fork, _reply_after_spinning, (1.5,), kind="test")
    try:
        sleeper.send("go")
        assert sleeper.wait(time.monotonic() + 30, demote_after=0.5) == "slept"
        assert sleeper.demoted is False, "1.5 s of waiting with no CPU used is not a long job"
        spinner.send("go")
        assert spinner.wait(time.monotonic() + 30, demote_after=0.5) == "spun"
        assert spinner.demoted is True
        assert os.getpriority(os.PRIO_PROCESS, spinner.pid) > os.getpriority(os.PRIO_PROCESS, sleeper.pid)
    finally:
        sleeper.kill()
        spinner.kill()


def test_a_validation_starved_of_cpu_keeps_its_warm_worker():
    """The worker is stopped (SIGSTOP) for 2 s mid-validation, as a loaded machine would starve
    it: the cheap validation still answers, the worker is not demoted, and the next validation
    runs in the same (warm) worker."""
    pool = ValidationPool(1, extra=0, heavy_after=1.0, start_method="forkserver")
    try:
        assert pool.run("s", encoded(SHAPES), HAS_P, timeout=60)["conforms"] is True
        (worker,) = pool._idle
        pid = worker.pid

        def starve():
            os.kill(pid, signal.SIGSTOP)
            time.sleep(2.0)
            os.kill(pid, signal.SIGCONT)

        starving = threading.Thread(target=starve)
        starving.start()
        time.sleep(0.05)
        started = time.monotonic()
        assert pool.run("s", encoded(SHAPES), HAS_P, timeout=60)["conforms"] is True
        assert time.monotonic() - started >= 1.5  # it did wait past heavy_after
        starving.join()
        assert pool.run("s", encoded(SHAPES), HAS_P, timeout=60)["conforms"] is True
        assert [w.pid for w in pool._idle] == [pid], "the warm worker was retired"
        assert not worker.demoted
    finally:
        pool.close()
