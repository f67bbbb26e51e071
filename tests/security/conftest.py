"""Fixtures of the hostile-input, crash and load suites (issue 7).

Everything here is real: the app on an on-disk store, real uvicorn server processes, real
listeners. Targets a hostile document might try to reach are local and count what reaches them:

* `listener`: an HTTP server on 127.0.0.1 (never another interface) that counts every
  connection and request; each case asserts it saw none.
* `file_canary`: a named pipe (FIFO) on disk; a background thread blocks opening it for writing,
  which only succeeds if something opens it for reading. A hostile `file:///...` or plain path
  pointing at it is therefore detected if anything *opens* it, not only if it reads data.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from tests.problems import assert_problem  # noqa: F401 -- the security tests import it from here

REPO = Path(__file__).resolve().parents[2]
LONG = os.environ.get("REGISTRY_LONG_TESTS") == "1"
PROBLEM = "application/problem+json"
TEST_NS = "https://w3id.org/test/"
OTHER_NS = "https://w3id.org/other/"


def finding_codes(response) -> set[str]:
    return {f["code"] for f in response.json().get("findings", [])}


# --- local targets ---------------------------------------------------------------------------------


class Listener:
    """An HTTP server on 127.0.0.1 that answers anything with a small RDF document and counts hits."""

    def __init__(self):
        self.hits: list[str] = []
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                outer.hits.append(f"{self.command} {self.path}")
                body = b'{"@context": {"x": "http://example.org/x"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = _answer

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                outer.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def total(self) -> int:
        return len(self.hits) + self.connections

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()
    assert server.total == 0, f"the local listener was reached: {server.hits} ({server.connections} connections)"


class FileCanary:
    """A FIFO whose opening by anyone is recorded (see the module docstring)."""

    def __init__(self, directory: Path):
        self.path = directory / "canary.jsonld"
        os.mkfifo(self.path)
        self.opened = threading.Event()
        self._stop = False
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self):
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the FIFO
        if not self._stop:
            self.opened.set()
        with contextlib.suppress(OSError):
            os.write(fd, b'{"@context": {}}')
        os.close(fd)

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    def close(self) -> bool:
        """Release the waiting thread; return whether anything opened the FIFO before."""
        was_opened = self.opened.is_set()
        self._stop = True
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self.thread.join(timeout=5)
        os.close(fd)
        return was_opened


@pytest.fixture
def file_canary(tmp_path):
    canary = FileCanary(tmp_path)
    yield canary
    assert not canary.close(), f"{canary.path} was opened on behalf of a request"


# --- real server processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, store: Path, timeout: float = 120) -> str:
    """Run `python -m registry ...` on a store directory (the server must not be running on it)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "REGISTRY_LOAD_BUNDLED": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "registry", *args, "--store", str(store), "--base-iri", "http://localhost/"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_community(store: Path, cid: str = "test", namespace: str = TEST_NS) -> str:
    """Create a community and return a fresh token for it (CLI, server stopped)."""
    cli("community", "create", cid, "--name", f"{cid} community", "--namespace", namespace, store=store)
    return cli("token", "create", cid, store=store).strip().splitlines()[-1]


class ServerProcess:
    """`python -m registry serve` on 127.0.0.1 as a child process."""

    def __init__(self, store: Path, log: Path, extra_env: dict | None = None):
        self.store = store
        self.log_path = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = 60) -> "ServerProcess":
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "REGISTRY_STORE": str(self.store),
            "REGISTRY_BASE_IRI": "http://localhost/",
            "REGISTRY_LOAD_BUNDLED": "false",
            **self.extra_env,
        }
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-bundled"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/profiles", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {wait}s: {self.log_path.read_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def server_factory(tmp_path):
    started: list[ServerProcess] = []

    def make(store: Path, **env) -> ServerProcess:
        server = ServerProcess(store, tmp_path / f"server-{len(started)}.log", env)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
