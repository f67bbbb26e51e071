"""`registry serve` under each HTTP server it offers (`registry.serving`: granian, the default, and
uvicorn), as a real child process: the same behaviour under both.

* keep-alive: several requests answered on one connection;
* SIGTERM: a graceful stop in which the lifespan's shutdown closes the features, so
  every process of the server's tree (granian's worker, SPARQL query workers) has ended and the
  store's lock is free;
* `kill -9` of `registry serve` leaves no process behind either (granian's worker dies with its
  main process), so the store can be opened again at once;
* the per-client limits follow `X-Forwarded-For` from a trusted proxy only (`--forwarded-allow-ips`).
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

from registry.workers import process_tree
from tests.conftest import STORE_SETTINGS_ENV

REPO = Path(__file__).resolve().parents[1]
SERVERS = ["granian", "uvicorn"]
#: what each server logs once the app's shutdown (the lifespan's, which closes the features) is done
SHUTDOWN_DONE = {"granian": "Stopped worker-1", "uvicorn": "Application shutdown complete"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


class Serve:
    def __init__(self, tmp_path: Path, server: str, *extra: str):
        self.store = tmp_path / "store"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "serve.log"
        env = {k: v for k, v in os.environ.items() if k not in STORE_SETTINGS_ENV}
        env.update(REGISTRY_STORE=str(self.store), REGISTRY_BASE_IRI="http://localhost/", PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "registry",
                "serve",
                "--server",
                server,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-bundled",
                *extra,
            ],
            env=env,
            cwd=REPO,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(self.url + "/communities", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start: " + self.log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)

    def query(self) -> dict:
        response = httpx.get(
            self.url + "/sparql",
            params={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)


@pytest.fixture
def serve(tmp_path):
    started: list[Serve] = []

    def start(server: str, *extra: str) -> Serve:
        started.append(Serve(tmp_path, server, *extra))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def _wait_gone(pids: set[int], timeout: float = 30) -> set[int]:
    deadline = time.monotonic() + timeout
    while _running(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _running(pids)


def _store_opens(path: Path) -> bool:
    """True once no other process holds the store (RocksDB's lock)."""
    store = ox.Store(str(path))
    del store
    return True


@pytest.mark.parametrize("server", SERVERS)
def test_keep_alive_then_sigterm_stops_every_process_of_the_server(serve, server):
    running = serve(server)
    with socket.create_connection(("127.0.0.1", running.port), timeout=30) as sock:
        answers = []
        for _ in range(3):  # one connection, three requests
            sock.sendall(b"GET /communities HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))
            answers.append((head.split(b" ")[1], body))
    assert answers == [(b"200", b"[]")] * 3
    assert running.query() == {"head": {}, "boolean": False}  # starts the SPARQL query workers
    tree = process_tree(running.process.pid)
    assert len(tree) >= 3, tree  # registry serve, and (granian's worker and) query workers
    running.process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once it has shut down (its exit status says SIGTERM); granian exits 0
    assert running.process.wait(30) == (0 if server == "granian" else -signal.SIGTERM)
    assert SHUTDOWN_DONE[server] in running.log.read_text(errors="replace")
    assert _wait_gone(tree) == set()
    assert _store_opens(running.store)


@pytest.mark.parametrize("server", SERVERS)
def test_kill_9_leaves_no_process_holding_the_store(serve, server):
    running = serve(server)
    running.query()
    tree = process_tree(running.process.pid)
    os.kill(running.process.pid, signal.SIGKILL)
    running.process.wait(30)
    assert _wait_gone(tree) == set()
    assert _store_opens(running.store)


@pytest.mark.parametrize("server", SERVERS)
def test_per_client_limits_follow_x_forwarded_for_from_a_trusted_proxy_only(serve, server):
    running = serve(server, "--forwarded-allow-ips", "127.0.0.1")
    url = running.url + "/vocabularies/v/versions/1.0.0"

    def attempt(local: str, forwarded: str) -> int:
        with httpx.Client(transport=httpx.HTTPTransport(local_address=local), timeout=30) as http:
            return http.put(
                url,
                content=b"",
                headers={"Authorization": "Bearer bad", "Content-Type": "text/turtle", "X-Forwarded-For": forwarded},
            ).status_code

    # through the trusted proxy (127.0.0.1): each forwarded client is limited on its own
    assert [attempt("127.0.0.1", "203.0.113.7") for _ in range(10)] == [401] * 10
    assert attempt("127.0.0.1", "203.0.113.7") == 429
    assert attempt("127.0.0.1", "198.51.100.9") == 401
    # from an untrusted peer (127.0.0.2) the header is ignored: the peer itself is the client
    assert [attempt("127.0.0.2", f"192.0.2.{i}") for i in range(10)] == [401] * 10
    assert attempt("127.0.0.2", "192.0.2.99") == 429
    assert attempt("127.0.0.3", "203.0.113.7") == 401  # another peer, whatever it claims
