"""Body limits on a real server process over a raw socket: the 413 (or 415 for a compressed
body) arrives before the client has sent the body, with and without Content-Length."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.security.conftest import make_community

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests.security.conftest import ServerProcess

    root = tmp_path_factory.mktemp("transport")
    token = make_community(root / "store")
    server = ServerProcess(root / "store", root / "server.log").start()
    yield server, token
    server.stop()


def exchange(server, head: str, body_parts: list[bytes], wait: float = 5.0) -> tuple[int, dict, float]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock:
        sock.sendall(head.encode())
        for part in body_parts:
            sock.sendall(part)
        started = time.monotonic()
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        elapsed = time.monotonic() - started
    head_part, _, body = data.partition(b"\r\n\r\n")
    status = int(head_part.split()[1])
    assert b"application/problem+json" in head_part.lower()
    return status, json.loads(body), elapsed


def test_content_length_over_the_limit_is_refused_before_the_body(live):
    server, token = live
    head = (f"PUT /profiles/p/versions/1.0.0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: text/turtle\r\nContent-Length: {50 * 1024 ** 3}\r\n\r\n")
    status, problem, elapsed = exchange(server, head, [b"# only a few bytes of 50 GB\n"])
    assert (status, problem["code"]) == (413, "payload-too-large")
    assert elapsed < 2


def test_chunked_body_is_stopped_at_the_limit(live):
    server, token = live
    head = (f"PUT /profiles/p/versions/1.0.0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: text/turtle\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"#" * 65536
    parts = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"] * (10 * 1024 * 1024 // 65536 + 2)  # a bit over 10 MB, never terminated
    status, problem, elapsed = exchange(server, head, parts)
    assert (status, problem["code"]) == (413, "payload-too-large")


def test_gzip_bomb_is_refused_before_the_body(live):
    server, token = live
    head = (f"PUT /vocabularies/v/versions/1.0.0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: text/turtle\r\nContent-Encoding: gzip\r\nContent-Length: 1000000\r\n\r\n")
    status, problem, elapsed = exchange(server, head, [b"\x1f\x8b"])
    assert (status, problem["code"]) == (415, "unsupported-content-encoding")
    assert elapsed < 2
