"""Shared fixtures: a real on-disk store in a temporary directory, the real app, real clients.

Backends: by default the embedded Oxigraph store. `REGISTRY_TEST_BACKEND=remote` runs the same
tests on a real `oxigraph serve` process (see tests/store/ and issue 8).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
BASE = "http://testserver/"
TEST_NAMESPACE = "https://w3id.org/test/"
OTHER_NAMESPACE = "https://w3id.org/other/"


def require_shared(path: Path) -> Path:
    """A file or folder of ../shared/data (third-party test data): the test is skipped with a
    reason outside CI when it is absent, and fails in CI (`CI=true`)."""
    if not path.exists():
        message = f"shared test data {path} not found (../shared/data beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pytest_report_header(config):
    return f"registry test backend: {os.environ.get('REGISTRY_TEST_BACKEND', 'embedded')}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """A real `oxigraph serve` process on 127.0.0.1 (in memory, or on disk with `location`)."""

    def __init__(self, location: Path | None = None, port: int | None = None, extra: tuple[str, ...] = ()):
        self.location = location
        self.port = port or free_port()
        self.extra = extra
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store_url(self) -> str:
        """The registry's REGISTRY_STORE for this server."""
        return f"sparql+{self.base}/query"

    def start(self, timeout: float = 20.0) -> "OxigraphServer":
        binary = shutil.which("oxigraph")
        if binary is None:
            raise pytest.UsageError("the remote backend needs the `oxigraph` binary (pip install oxigraph)")
        command = [binary, "serve", "--bind", f"127.0.0.1:{self.port}", *self.extra]
        if self.location is not None:
            command += ["--location", str(self.location)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"oxigraph serve did not listen on {self.port}")
                time.sleep(0.01)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None


@pytest.fixture
def oxigraph_server():
    """A fresh in-memory `oxigraph serve` for one test (about 20 ms to start)."""
    server = OxigraphServer().start()
    yield server
    server.stop()


@pytest.fixture
def store_location(tmp_path) -> str:
    """Where the registry's store lives for one test (a directory, or a remote store URL).

    `REGISTRY_TEST_BACKEND=remote`: a fresh in-memory `oxigraph serve` per test (stopped after),
    so every test starts from an empty store, as with the embedded backend.
    """
    backend = os.environ.get("REGISTRY_TEST_BACKEND", "embedded")
    if backend == "embedded":
        yield str(tmp_path / "store")
        return
    if backend == "remote":
        server = OxigraphServer().start()
        try:
            yield server.store_url
        finally:
            server.stop()
        return
    raise pytest.UsageError(f"unknown REGISTRY_TEST_BACKEND {backend!r}")


@pytest.fixture
def settings(store_location) -> Settings:
    return Settings(store=store_location, base_iri=BASE, load_bundled=False)


@pytest.fixture
def services(settings):
    """The registry's services on a fresh store (closed after the test)."""
    registry = Registry.build(settings)
    yield registry
    registry.close()


class Actors:
    """Two communities with tokens, created through the admin service."""

    def __init__(self, registry: Registry):
        registry.communities.create("test", "Test community", [TEST_NAMESPACE])
        registry.communities.create("other", "Other community", [OTHER_NAMESPACE])
        self.test_token = registry.communities.create_token("test").token
        self.other_token = registry.communities.create_token("other").token

    @property
    def test(self) -> dict:
        return {"Authorization": f"Bearer {self.test_token}"}

    @property
    def other(self) -> dict:
        return {"Authorization": f"Bearer {self.other_token}"}


@pytest.fixture
def app_with_actors(settings):
    """(app factory input) an app on a store that has two communities and their tokens."""
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    return create_app(settings), actors


@pytest.fixture
def client(app_with_actors):
    app, actors = app_with_actors
    with TestClient(app) as test_client:
        test_client.actors = actors
        yield test_client


@contextmanager
def session_store(tmp_path_factory, name: str):
    """A store location for a whole session on the test backend: an on-disk directory, or a
    real `oxigraph serve` (REGISTRY_TEST_BACKEND=remote) stopped at the end."""
    backend = os.environ.get("REGISTRY_TEST_BACKEND", "embedded")
    if backend == "remote":
        server = OxigraphServer().start()
        try:
            yield server.store_url
        finally:
            server.stop()
        return
    if backend != "embedded":
        raise pytest.UsageError(f"unknown REGISTRY_TEST_BACKEND {backend!r}")
    yield str(tmp_path_factory.mktemp(name) / "store")


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory) -> Settings:
    """A store with the bundled profiles and vocabularies loaded once for the session."""
    with session_store(tmp_path_factory, "bundled") as location:
        yield Settings(store=location, base_iri=BASE, load_bundled=True)


@pytest.fixture(scope="session")
def bundled_client(bundled_settings):
    """A client on the app with the bundled content (read-only use: do not publish here)."""
    with TestClient(create_app(bundled_settings)) as test_client:
        yield test_client


def store_snapshot(store) -> list[str]:
    """Every quad of the store as sorted N-Quads lines: equal snapshots mean an unchanged store."""
    lines = []
    for graph in sorted(store.graph_names()):
        lines.extend(f"{t} <{graph}>" for t in store.triples(graph))
    return sorted(lines)


@pytest.fixture
def snapshot():
    """`snapshot(client_or_store)` → the store's content, to prove a refused request changed nothing."""

    def take(target) -> list[str]:
        store = target.app.state.registry.store if hasattr(target, "app") else target
        return store_snapshot(store)

    return take
