"""The store's base IRI is pinned (issue 12, item 2).

The issue's scenario: `registry serve --port 50999` used to mint IRIs under
`http://localhost:50999/`; `registry community list --store` (default base, port 8000) then took
the catalog graph for an orphan and deleted it (42 → 41 graphs), and the next `registry serve`
failed with `CheckFailed`. Now the base never follows the port, is recorded in the store when it
is created, listings never write, another base given explicitly is refused with both IRIs named,
and `registry rebase --to IRI` is the only way to move a store (one update: all or nothing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from registry.baseiri import BASE_PREDICATE, STORE_SUBJECT, BaseIriMismatch, rebase, recorded_base
from registry.config import Settings
from registry.namespaces import SYSTEM_GRAPH
from registry.services import Registry
from tests.conftest import BASE, TEST_NAMESPACE, Actors, store_snapshot

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_BASE = "http://localhost:8000/"


def _port(preferred: int = 50999) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def _registry(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "registry", *args], cwd=REPO, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def _serve(store: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", str(store), *extra],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _wait_ready(proc: subprocess.Popen, port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {proc.stdout.read().decode()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/profiles", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _quads(store_dir: Path) -> list[str]:
    store = ox.Store.read_only(str(store_dir))
    try:
        return sorted(str(q) for q in store)
    finally:
        del store


def _graphs(store_dir: Path) -> set[str]:
    store = ox.Store.read_only(str(store_dir))
    try:
        return {g.value for g in store.named_graphs()}
    finally:
        del store


@pytest.mark.slow
def test_the_issue_scenario_serve_on_another_port_then_list(tmp_path):
    store = tmp_path / "store"
    port = _port()
    server = _serve(store, port)
    try:
        _wait_ready(server, port)
        profiles = httpx.get(f"http://127.0.0.1:{port}/profiles", timeout=30).json()
        assert profiles, "the bundled profiles were loaded"
        # minted IRIs do not depend on the port the server listens on
        assert all(p["iri"].startswith(DEFAULT_BASE) for p in profiles), [p["iri"] for p in profiles]
    finally:
        _stop(server)
    graphs, quads = _graphs(store), _quads(store)
    assert f"{DEFAULT_BASE}catalog" in graphs

    listed = _registry("community", "list", "--store", str(store))
    assert listed.returncode == 0, listed.stderr
    assert "metsa" in listed.stdout
    assert _graphs(store) == graphs and _quads(store) == quads, "a listing wrote to the store"

    # the old default base of that port, given explicitly: refused, both IRIs named, nothing written
    refused = _registry("community", "list", "--store", str(store), "--base-iri", f"http://localhost:{port}/")
    assert refused.returncode != 0
    assert DEFAULT_BASE in refused.stderr and f"http://localhost:{port}/" in refused.stderr, refused.stderr
    assert "registry rebase" in refused.stderr
    assert _quads(store) == quads

    # serving again works, on any port, under the same base
    other = _port(0)
    server = _serve(store, other)
    try:
        _wait_ready(server, other)
        profiles = httpx.get(f"http://127.0.0.1:{other}/profiles", timeout=30).json()
        assert {p["iri"] for p in profiles} == {p["iri"] for p in profiles if p["iri"].startswith(DEFAULT_BASE)}
        record = httpx.get(f"http://127.0.0.1:{other}/profiles/research-dataset", timeout=30)
        assert record.status_code == 200, record.text[:300]
    finally:
        _stop(server)

    # the server refuses another base, before it starts, naming both
    wrong = _serve(store, _port(0), "--base-iri", "https://registry.example.org/")
    try:
        output = wrong.communicate(timeout=120)[0].decode()
    finally:
        _stop(wrong)
    assert wrong.returncode != 0
    assert DEFAULT_BASE in output and "https://registry.example.org/" in output, output[-2000:]
    assert _quads(store) == quads


def _publish_some(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from registry.web.app import create_app

    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    with TestClient(create_app(settings)) as client:
        headers = {"Content-Type": "text/turtle", **actors.test}
        r = client.put("/vocabularies/techniques/versions/1.0.0", content=(DATA / "techniques-1.0.0.ttl").read_bytes(),
                       headers=headers)
        assert r.status_code == 201, r.text
        r = client.put("/profiles/test-profile/versions/1.0.0", content=(DATA / "shapes-1.0.0.ttl").read_bytes(),
                       headers=headers)
        assert r.status_code == 201, r.text


def test_the_base_is_recorded_and_another_base_is_refused(settings):
    _publish_some(settings)
    registry = Registry.build(settings.model_copy())
    try:
        assert recorded_base(registry.store) == BASE
    finally:
        registry.close()
    with pytest.raises(BaseIriMismatch) as refused:
        Registry.build(Settings(store=settings.store, base_iri="http://localhost:50999/", load_bundled=False))
    assert BASE in refused.value.detail and "http://localhost:50999/" in refused.value.detail
    # not given: the store's own base is adopted
    adopted = Settings(store=settings.store, load_bundled=False)
    registry = Registry.build(adopted)
    try:
        assert adopted.base_iri == BASE
        assert [v.version for v in registry.catalog.versions("profile", "test-profile")] == ["1.0.0"]
    finally:
        registry.close()


def test_a_store_from_before_the_record_gets_its_base_from_its_catalog(settings):
    _publish_some(settings)
    registry = Registry.build(settings.model_copy())
    try:
        pin = ox.Quad(ox.NamedNode(STORE_SUBJECT), ox.NamedNode(BASE_PREDICATE), ox.NamedNode(BASE), ox.NamedNode(SYSTEM_GRAPH))
        registry.store.commit(delete=[pin])
        assert recorded_base(registry.store) is None
        before = store_snapshot(registry.store)
        # a read-only open of a legacy store writes nothing, not even the record
        read = Registry.build(Settings(store=settings.store, load_bundled=False), registry.store, read_only=True)
        assert read.iris.base == BASE
        assert store_snapshot(registry.store) == before
        with pytest.raises(BaseIriMismatch):
            Registry.build(Settings(store=settings.store, base_iri="http://elsewhere.example/", load_bundled=False),
                           registry.store)
        assert store_snapshot(registry.store) == before
        Registry.build(Settings(store=settings.store, load_bundled=False), registry.store)
        assert recorded_base(registry.store) == BASE
    finally:
        registry.close()


def test_rebase_moves_everything_at_once(settings):
    _publish_some(settings)
    new = "https://registry.example.org/"
    registry = Registry.build(settings.model_copy())
    try:
        before = store_snapshot(registry.store)
        outcome = rebase(registry.store, registry.settings, new)
        assert outcome["moved"] and outcome["from"] == BASE and outcome["to"] == new
        after = store_snapshot(registry.store)
        assert len(after) == len(before)
        assert not any(BASE in line for line in after if "urn:registry:coordination" not in line), [
            line for line in after if BASE in line][:3]
        graphs = registry.store.graph_names()
        assert not any(g.startswith(BASE) for g in graphs), sorted(graphs)
        assert recorded_base(registry.store) == new
        # refusing to merge into a base that already has content
        with pytest.raises(BaseIriMismatch):
            registry.store.add_triples(BASE + "stray", [ox.Triple(ox.NamedNode(BASE + "x"), ox.NamedNode(BASE + "p"), ox.Literal("1"))])
            rebase(registry.store, registry.settings, BASE)
        registry.store.drop_graph(BASE + "stray")
    finally:
        registry.close()
    moved = Registry.build(Settings(store=settings.store, base_iri=new, load_bundled=False))
    try:
        versions = moved.catalog.versions("profile", "test-profile")
        assert [v.version for v in versions] == ["1.0.0"] and versions[0].iri.startswith(new)
        communities = moved.catalog.communities()
        assert communities and all(c.iri.startswith(new) for c in communities)
    finally:
        moved.close()
    with pytest.raises(BaseIriMismatch):
        Registry.build(Settings(store=settings.store, base_iri=BASE, load_bundled=False))


def test_the_rebase_command(tmp_path):
    store = tmp_path / "store"
    created = _registry("community", "create", "lab", "--name", "Lab", "--namespace", TEST_NAMESPACE, "--store", str(store))
    assert created.returncode == 0, created.stderr
    assert f'"iri": "{DEFAULT_BASE}communities/lab"' in created.stdout
    moved = _registry("rebase", "--to", "https://registry.example.org", "--store", str(store))
    assert moved.returncode == 0, moved.stderr
    listed = _registry("community", "list", "--store", str(store))
    assert '"iri": "https://registry.example.org/communities/lab"' in listed.stdout, listed.stdout
    assert not any(g.startswith(DEFAULT_BASE) for g in _graphs(store))
