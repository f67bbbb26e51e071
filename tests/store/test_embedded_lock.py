"""The embedded store has one writer process: a second one refuses to start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.errors import StoreUnavailable
from registry.store.oxigraph import OxigraphStore

REPO = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from registry.store.oxigraph import OxigraphStore
store = OxigraphStore(sys.argv[1])
print("open", flush=True)
sys.stdin.read()  # hold the store until the test closes our stdin
"""


@pytest.fixture
def held_store(tmp_path):
    path = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
    )
    assert holder.stdout.readline().strip() == b"open"
    yield path
    holder.stdin.close()
    holder.wait(timeout=20)


def test_a_second_process_on_the_same_directory_gets_store_locked(held_store):
    with pytest.raises(StoreUnavailable) as info:
        OxigraphStore(held_store)
    assert info.value.code == "store-locked"
    assert info.value.status == 503
    assert "already open by another registry process" in info.value.detail
    assert "docs/deployment.md" in info.value.detail


def test_the_cli_refuses_with_the_message_and_no_traceback(held_store):
    result = subprocess.run(
        [sys.executable, "-m", "registry", "community", "list", "--store", str(held_store)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, timeout=60,
    )
    assert result.returncode != 0
    assert "already open by another registry process" in result.stderr
    assert "Traceback" not in result.stderr


WRITE_ONE = """import sys
import pyoxigraph as ox
from registry.store.oxigraph import OxigraphStore
store = OxigraphStore(sys.argv[1])
store.add_triples("urn:test:g", [ox.Triple(ox.NamedNode("urn:test:s"), ox.NamedNode("urn:test:p"), ox.Literal("first"))])
store.close()
"""


def test_the_directory_opens_again_once_the_first_process_is_gone(tmp_path):
    path = tmp_path / "store"
    subprocess.run(
        [sys.executable, "-c", WRITE_ONE, str(path)],
        check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, timeout=60,
    )
    store = OxigraphStore(path)
    try:
        # what the first process wrote is there, and this one may write: it holds the lock now
        assert [t.object for t in store.triples("urn:test:g")] == [ox.Literal("first")]
        store.add_triples("urn:test:g", [ox.Triple(ox.NamedNode("urn:test:s"), ox.NamedNode("urn:test:p"), ox.Literal("second"))])
        assert sorted(t.object.value for t in store.triples("urn:test:g")) == ["first", "second"]
    finally:
        store.close()
