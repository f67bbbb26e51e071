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
    # a writing command: reading ones open the store read-only and run beside the writer (below)
    result = subprocess.run(
        [sys.executable, "-m", "registry", "token", "create", "test", "--store", str(held_store)],
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


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, timeout=120,
    )


def _files(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file of a store directory: modification time, size and content."""
    return {
        str(f.relative_to(path)): (f.stat().st_mtime_ns, f.stat().st_size, f.read_bytes())
        for f in sorted(path.rglob("*")) if f.is_file()
    }


@pytest.fixture
def store_with_a_community(tmp_path):
    path = tmp_path / "store"
    made = _cli("community", "create", "test", "--name", "Test", "--namespace", "https://w3id.org/test/",
                "--store", str(path), "--base-iri", "http://testserver/")
    assert made.returncode == 0, made.stderr
    return path


READING_COMMANDS = [
    ("community", "list"),
    ("token", "list"),
    ("export", "--format", "nquads"),
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=[" ".join(c) for c in READING_COMMANDS])
def test_a_reading_command_leaves_every_file_of_the_store_as_it_was(store_with_a_community, command):
    """A command that reads never writes (issue 12): opening RocksDB read-write rewrites its
    manifest, write-ahead log, options and info log even when nothing is added, so reading
    commands open it read-only."""
    before = _files(store_with_a_community)
    result = _cli(*command, "--store", str(store_with_a_community))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    after = _files(store_with_a_community)
    assert sorted(after) == sorted(before), "files added or removed by a reading command"
    assert [name for name in before if after[name] != before[name]] == []


def test_a_reading_command_waits_for_no_writer_it_refuses_beside_one(held_store):
    """Reading a directory another process writes is undefined for RocksDB (a read-only open
    beside a writer failed now and then with "Corruption"): reading commands refuse like writers."""
    listed = _cli("community", "list", "--store", str(held_store))
    assert listed.returncode != 0
    assert "already open by another registry process" in listed.stderr
    assert "Traceback" not in listed.stderr


def test_a_writer_cannot_open_the_store_while_a_reader_has_it(store_with_a_community):
    reader = OxigraphStore(store_with_a_community, read_only=True)
    try:
        assert reader.read_only
        code = (
            "import sys\n"
            "from registry.store.oxigraph import OxigraphStore\n"
            "from registry.errors import StoreUnavailable\n"
            "try:\n    OxigraphStore(sys.argv[1])\nexcept StoreUnavailable as e:\n    print(e.code)\n"
        )
        result = subprocess.run([sys.executable, "-c", code, str(store_with_a_community)], capture_output=True,
                                text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO, timeout=60)
        assert result.stdout.strip() == "store-locked", result.stderr
    finally:
        reader.close()
    # once the reader is gone, a writer opens it
    OxigraphStore(store_with_a_community).close()
