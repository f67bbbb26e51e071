"""Unit tests of the SPARQL query pool on the killable-worker core (issue 18, items 4 and 8):
typed jobs and replies, a query past its deadline stopped by killing its worker, a crashed worker
replaced, both logged."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal

import pyoxigraph as ox
import pytest

from registry.namespaces import PREFIXES
from registry.sparql.pool import PoolOptions, QueryPool
from registry.sparql.worker import QueryJob, QueryReply
from registry.workers import WorkerDied, WorkerTimedOut

G = ox.NamedNode("https://example.org/g")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> str:
    """An on-disk store as `Snapshots` leaves one: public graphs only."""
    path = tmp_path_factory.mktemp("snapshot") / "s"
    store = ox.Store(str(path))
    store.extend(
        ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), ox.NamedNode("https://example.org/p"), ox.Literal(i), G)
        for i in range(40)
    )
    store.flush()
    del store
    return str(path)


def job(snapshot: str, query: str, *, max_rows: int = 1000, kind: str = "results") -> QueryJob:
    return QueryJob(snapshot, query, None, None, kind, "json", max_rows, 1 << 20, False)


def run(coroutine_factory, *, size: int = 1, queue_timeout: float = 30, loop_factory=None):
    """`coroutine_factory(pool)` on a fresh pool of `size` workers, closed after; on the event loop
    `loop_factory` makes (asyncio's default loop when None)."""

    async def main():
        pool = QueryPool(PoolOptions(prefixes=dict(PREFIXES), size=size, extra=0, queue_timeout=queue_timeout))
        try:
            return await coroutine_factory(pool)
        finally:
            pool.close()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())


def test_a_job_gets_a_typed_reply(snapshot):
    async def scenario(pool):
        ok = await pool.run(job(snapshot, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), 60)
        capped = await pool.run(job(snapshot, "SELECT * WHERE { ?s ?p ?o }", max_rows=10), 60)
        wrong = await pool.run(job(snapshot, "ASK { ?s ?p ?o }", kind="graph"), 60)
        syntax = await pool.run(job(snapshot, "SELECT WHERE {"), 60)
        return ok, capped, wrong, syntax

    ok, capped, wrong, syntax = run(scenario)
    assert isinstance(ok, QueryReply) and ok.code is None
    assert json.loads(ok.body)["results"]["bindings"][0]["n"]["value"] == "40"
    assert (capped.code, capped.body) == ("result-too-large", None)
    assert wrong.code == "wrong-form"
    assert syntax.code == "query-syntax"


def test_past_its_deadline_the_worker_is_killed_logged_and_replaced(snapshot, caplog):
    caplog.set_level(logging.WARNING, logger="registry.workers")

    async def scenario(pool):
        with pytest.raises(WorkerTimedOut):
            await pool.run(job(snapshot, SLOW), 1.0)
        assert pool.timeouts == 1
        return await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)

    after = run(scenario)
    assert json.loads(after.body)["boolean"] is True
    assert any("killed: deadline" in r.getMessage() for r in caplog.records), caplog.text


def test_a_crashed_worker_is_logged_and_replaced(snapshot, caplog):
    caplog.set_level(logging.WARNING, logger="registry.workers")

    async def scenario(pool):
        first = await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)
        (worker,) = pool.idle
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.join(5)
        # the dead idle worker is noticed when a job would go to it, and replaced
        second = await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)
        return first, second, worker

    first, second, worker = run(scenario)
    assert json.loads(first.body)["boolean"] is True and json.loads(second.body)["boolean"] is True
    assert worker.dead
    assert any("died: SIGKILL" in r.getMessage() for r in caplog.records), caplog.text


def test_a_worker_killed_mid_query_is_reported_as_died(snapshot):
    async def scenario(pool):
        await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)
        (worker,) = pool.idle
        asyncio.get_running_loop().call_later(0.5, os.kill, worker.pid, signal.SIGSEGV)
        with pytest.raises(WorkerDied) as caught:
            await pool.run(job(snapshot, SLOW), 60)
        assert pool.crashes == 1
        return caught.value.how

    assert run(scenario) == "SIGSEGV"


def test_busy_clients_do_not_make_the_pool_start_workers_it_does_not_need(snapshot):
    """A worker handed to a waiting job still counts as the pool's while the waiter wakes up: a
    client whose job just ended and who asks again at once used to find the pool one worker short,
    start another, and the pool then retired the spare (a process start and a snapshot open per
    few queries: the hierarchy rows of benchmarks/sparql.py, issue 19)."""

    async def scenario(pool):
        async def client(name: str) -> list[QueryReply]:
            return [await pool.run(job(snapshot, f"ASK {{ ?s ?p {i} }}"), 60, name) for i in range(15)]

        replies = await asyncio.gather(*(client(f"client-{c}") for c in range(6)))
        return replies, pool.started, pool.total

    replies, started, total = run(scenario, size=2, queue_timeout=60)
    answers = [json.loads(r.body)["boolean"] for per_client in replies for r in per_client]
    assert answers == [True] * 90  # every client's every job answered (s0..s14 hold 0..14)
    assert (started, total) == (2, 2)


def test_a_reply_longer_than_the_pipe_buffer_is_read_whole_under_uvloop(snapshot):
    """The parent waits for a reply with the loop watching the worker's pipe; uvloop leaves a
    watched descriptor non-blocking, and a reply longer than the pipe's buffer then failed
    half-read (EAGAIN), reported as a dead worker (400 query-aborted for a 1,000-row result)."""
    import uvloop  # installed with uvicorn[standard], the loop `registry serve` runs on

    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 20000"

    async def scenario(pool):
        first = await pool.run(QueryJob(snapshot, query, None, None, "results", "json", 20000, 64 << 20, False), 60)
        second = await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)
        return first, second, pool.crashes, pool.timeouts

    first, second, crashes, timeouts = run(scenario, loop_factory=uvloop.new_event_loop)
    assert first.code is None and len(first.body) > 1 << 20  # well over any pipe buffer
    assert len(json.loads(first.body)["results"]["bindings"]) == 20000
    assert json.loads(second.body)["boolean"] is True
    assert (crashes, timeouts) == (0, 0)  # (a heavy job's worker may be demoted and replaced: not a crash)


@pytest.mark.parametrize("loop_factory", [None, "uvloop"])
def test_a_job_longer_than_the_pipe_buffer_reaches_the_worker_whole(snapshot, loop_factory):
    """The parent's end of the pipe is non-blocking once the loop has watched it; a job longer
    than the pipe's buffer (a query up to the guard's 256 KiB) is finished writing blocking, not cut."""
    import uvloop

    literal = "x" * (600 * 1024)  # over a socket pair's default buffer (~208 KiB)

    async def scenario(pool):
        small = await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60)  # the pipe is non-blocking from here
        long = await pool.run(job(snapshot, f'SELECT (STRLEN("{literal}") AS ?n) WHERE {{}}'), 60)
        after = await pool.run(job(snapshot, "ASK { ?s ?p 3 }"), 60)
        return small, long, after, pool.crashes

    small, long, after, crashes = run(scenario, loop_factory=uvloop.new_event_loop if loop_factory else None)
    assert json.loads(small.body)["boolean"] is True
    assert json.loads(long.body)["results"]["bindings"][0]["n"]["value"] == str(len(literal))
    assert json.loads(after.body)["boolean"] is True
    assert crashes == 0


def test_a_query_that_waits_past_the_queue_limit_gets_pool_busy_and_the_pool_goes_on(snapshot):
    """The time in the queue is a timer on the waiting future (no wait_for task): past it the query
    gets `PoolBusy`, leaves the queue, and the pool serves the next query once a worker is free."""
    from registry.sparql.pool import PoolBusy

    async def scenario(pool):
        slow = asyncio.ensure_future(pool.run(job(snapshot, SLOW), 2.0, "heavy"))
        await asyncio.sleep(0.3)
        with pytest.raises(PoolBusy):
            await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60, "other")
        waiting = len(pool.waiters)
        with pytest.raises(WorkerTimedOut):
            await slow
        for _ in range(600):  # the killed worker's replacement starts (longer than the queue limit under load)
            if pool.idle:
                break
            await asyncio.sleep(0.05)
        return waiting, await pool.run(job(snapshot, "ASK { ?s ?p ?o }"), 60, "other")

    waiting, reply = run(scenario, queue_timeout=0.5)
    assert waiting == 0
    assert json.loads(reply.body)["boolean"] is True


def test_the_cpu_a_worker_reports_with_its_reply_is_its_cpu_at_the_next_job(snapshot):
    """The pool marks a job's start with the CPU time the worker sent with its last reply instead
    of reading /proc per job: it must agree with /proc (to its clock tick), or a long job would be
    demoted too early or never."""
    from registry.workers import process_cpu_seconds

    async def scenario(pool):
        for i in range(20):
            await pool.run(job(snapshot, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?o != {i}) }}"), 60)
        (worker,) = pool.idle
        worker.job_started(worker.idle_cpu)
        return worker.idle_cpu, process_cpu_seconds(worker.pid), worker.job_cpu_seconds()

    reported, from_proc, used_since = run(scenario)
    assert reported is not None and from_proc is not None
    assert abs(reported - from_proc) < 0.05  # /proc counts clock ticks (10 ms)
    assert -0.05 < used_since < 0.05  # an idle worker uses no CPU
