"""Unit tests of the validation pool on the killable-worker core (issue 18, items 4 and 8): a
validation past its deadline is stopped by killing its worker, a worker that dies is replaced,
both are logged, and the pool's size comes from `Settings`."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
import rdflib

from registry.config import Settings
from registry.validation import engine
from registry.validation.pool import ValidationFailed, ValidationPool, ValidationTimeout

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."""
# a SHACL-SPARQL constraint over a 5-way cartesian product: minutes of work on 60 triples
HEAVY = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:H a sh:NodeShape ; sh:targetClass ex:T ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o .
     FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), STR(?l), STR(?o), "never")) }\"\"\" ] ."""


def encoded(turtle: str) -> list:
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    return [(engine.encode_rdflib(s), engine.encode_rdflib(p), engine.encode_rdflib(o)) for s, p, o in graph]


MISSING_P = encoded("<http://example.org/x> a <http://example.org/T> .")
HAS_P = encoded("<http://example.org/x> a <http://example.org/T> ; <http://example.org/p> 1 .")
BIG = encoded("<http://example.org/x> a <http://example.org/T> .\n" + "".join(
    f"<http://example.org/x> <http://example.org/q> <http://example.org/v{i}> .\n" for i in range(60)))


@pytest.fixture
def pool():
    pool = ValidationPool(1, extra=0, start_method="forkserver")
    yield pool
    pool.close()


def test_a_validation_runs_in_a_worker_and_reports(pool):
    result = pool.run("s", encoded(SHAPES), MISSING_P, timeout=60)
    assert result["conforms"] is False
    assert [r["path"] for r in result["results"]] == ["http://example.org/p"]
    assert pool.run("s", encoded(SHAPES), HAS_P, timeout=60)["conforms"] is True
    batch = pool.run_many("s", encoded(SHAPES), [HAS_P, MISSING_P], timeout=60)
    assert [r["conforms"] for r in batch] == [True, False]


def test_past_its_deadline_the_worker_is_killed_logged_and_replaced(pool, caplog):
    caplog.set_level(logging.WARNING, logger="registry.workers")
    started = time.monotonic()
    with pytest.raises(ValidationTimeout) as caught:
        pool.run("heavy", encoded(HEAVY), BIG, timeout=1.0)
    assert caught.value.code == "validation-timeout"
    assert time.monotonic() - started < 20
    assert pool.killed == 1
    assert any("killed: deadline" in r.getMessage() for r in caplog.records), caplog.text
    # the pool still has one worker, and it works
    assert pool.run("s", encoded(SHAPES), MISSING_P, timeout=60)["conforms"] is False


def test_a_worker_that_dies_is_logged_and_replaced(pool, caplog):
    caplog.set_level(logging.WARNING, logger="registry.workers")
    assert pool.run("s", encoded(SHAPES), HAS_P, timeout=60)["conforms"] is True
    (worker,) = pool._idle
    os.kill(worker.pid, signal.SIGKILL)
    worker.process.join(5)
    with pytest.raises(ValidationFailed, match="replaced"):
        pool.run("s", encoded(SHAPES), HAS_P, timeout=60)
    assert any("died: SIGKILL" in r.getMessage() for r in caplog.records), caplog.text
    assert pool.run("s", encoded(SHAPES), MISSING_P, timeout=60)["conforms"] is False
    assert worker not in pool._all


def test_the_pool_size_comes_from_the_settings():
    assert Settings(validation_workers=3).validation_worker_count == 3
    assert 1 <= Settings(validation_workers=None).validation_worker_count <= 4
