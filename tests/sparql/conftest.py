"""A real registry server (uvicorn in its own process, 127.0.0.1, free port) with a small published
vocabulary and profile, shared by the SPARQL and linked-data tests of a module.

The server runs in a subprocess so that the safety tests can check it is still alive after a
hostile query, and so that its query workers are the real thing.

`REGISTRY_TEST_BACKEND=remote` (as in tests/conftest.py): the registry's store is a real
`oxigraph serve` (in memory), started with its own query timeout (the registry's + 1 s) and a
2 GiB address-space limit, as docs/deployment.md recommends for a remote store;
`REGISTRY_TEST_BACKEND=virtuoso`: a fresh Virtuoso of its own, with its own query time limit
(`MaxQueryExecutionTime`, the registry's + 1 s) likewise.
"""

from __future__ import annotations

import math
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from registry.config import Settings
from registry.services import Registry
from tests.conftest import BACKEND, OxigraphServer, start_remote_server

DATA = Path(__file__).parent / "data"
TEST_NAMESPACE = "https://w3id.org/test/"
TECH = "https://w3id.org/test/technique/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The address-space limit of the remote store of the SPARQL safety tests: a runaway query (a
#: cartesian product) fails there instead of taking the machine. Address space, not memory: each of
#: the per-query timeout threads of `oxigraph serve --timeout-s` reserves a stack (see
#: OxigraphServer.start), and 2 GiB made thread creation fail (EAGAIN) on a fast CI machine.
STORE_ADDRESS_SPACE = 8 << 30


def limit_address_space(pid: int) -> None:
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (STORE_ADDRESS_SPACE, STORE_ADDRESS_SPACE))
    except (OSError, ValueError):  # not permitted here: the test still runs, without the belt
        pass


class RunningRegistry:
    def __init__(self, tmp: Path, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.env = env
        self.process: subprocess.Popen | None = None
        self.oxigraph: OxigraphServer | None = None
        if BACKEND == "remote":
            timeout = float(env.get("REGISTRY_QUERY_TIMEOUT_S", "30"))
            self.oxigraph = OxigraphServer(extra=("--timeout-s", f"{timeout + 1:g}")).start()
            limit_address_space(self.oxigraph.process.pid)
            self.store = self.oxigraph.store_url
        elif BACKEND == "virtuoso":
            # the store's own time limit, as for oxigraph serve above (Virtuoso's seconds are whole)
            timeout = float(env.get("REGISTRY_QUERY_TIMEOUT_S", "30"))
            self.oxigraph = start_remote_server(tmp / "virtuoso", max_query_s=math.ceil(timeout + 1))
            self.store = self.oxigraph.store_url
        else:
            self.store = str(tmp / "store")
        self.log = tmp / "server.log"

    @property
    def sparql(self) -> str:
        return self.base + "sparql"

    def prepare(self) -> None:
        settings = Settings(store=self.store, base_iri=self.base, load_bundled=False)
        registry = Registry.build(settings)
        registry.communities.create("test", "Test community", [TEST_NAMESPACE])
        self.token = registry.communities.create_token("test").token
        registry.close()

    def start(self, timeout: float = 120.0) -> "RunningRegistry":
        env = dict(os.environ)
        env.update(
            REGISTRY_STORE=self.store,
            REGISTRY_BASE_IRI=self.base,
            REGISTRY_LOAD_BUNDLED="false",
            **self.env,
        )
        command = [
            sys.executable, "-m", "uvicorn", "--factory",
            os.environ.get("REGISTRY_TEST_APP_FACTORY", "registry.web.app:create_app"),
            "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning",
        ]
        self.log_file = self.log.open("wb")
        self.process = subprocess.Popen(command, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("registry server exited: " + self.log.read_text(errors="replace"))
            try:
                if httpx.get(self.base + "communities", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("registry server did not start: " + self.log.read_text(errors="replace"))
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "log_file", None):
            self.log_file.close()
        if self.oxigraph is not None:
            self.oxigraph.stop()
            self.oxigraph = None

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def publish(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            r = client.put(
                "/vocabularies/techniques/versions/1.0.0", content=(DATA / "techniques.ttl").read_bytes(),
                headers={"Content-Type": "text/turtle", **self.auth}, params={"title": "Techniques"},
            )
            assert r.status_code == 201, r.text
            r = client.put(
                "/profiles/test-profile/versions/1.0.0", content=(DATA / "shapes.ttl").read_bytes(),
                headers={"Content-Type": "text/turtle", **self.auth},
                params={"title": "Test profile", "description": "A profile for tests"},
            )
            assert r.status_code == 201, r.text
            # a draft: never visible through SPARQL or linked data
            r = client.put(
                "/profiles/draft-profile/versions/0.1.0", content=(DATA / "shapes.ttl").read_bytes(),
                headers={"Content-Type": "text/turtle", **self.auth},
                params={"title": "Secret draft profile", "status": "draft"},
            )
            assert r.status_code == 201, r.text


def start_registry(tmp: Path, **env: str) -> RunningRegistry:
    server = RunningRegistry(tmp, **env)
    try:
        server.prepare()
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        server.publish()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def registry_server(tmp_path_factory):
    """A running registry with a short query time limit (3 s) so the safety tests stay quick."""
    server = start_registry(
        tmp_path_factory.mktemp("registry"),
        REGISTRY_QUERY_TIMEOUT_S="3",
        REGISTRY_QUERY_WORKERS="2",
        REGISTRY_QUERY_MAX_ROWS="1000",
        REGISTRY_QUERY_MAX_CONCURRENCY_PER_CLIENT="3",
    )
    yield server
    server.stop()
