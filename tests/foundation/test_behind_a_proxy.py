"""Behind a trusted reverse proxy, per-client limits apply to the real client (X-Forwarded-For)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from tests.foundation.test_first_run import _free_port


def test_failed_token_limit_follows_the_forwarded_client(tmp_path):
    port = _free_port()
    env = {**os.environ, "REGISTRY_STORE": str(tmp_path / "store")}
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port), "--no-bundled", "--forwarded-allow-ips", "127.0.0.1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/vocabularies/v/versions/1.0.0"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/communities", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, "server did not start"
                time.sleep(0.2)

        def attempt(client_ip: str) -> int:
            return httpx.put(url, content=b"", headers={"Authorization": "Bearer bad", "Content-Type": "text/turtle",
                                                        "X-Forwarded-For": client_ip}, timeout=10).status_code

        assert [attempt("203.0.113.7") for _ in range(10)] == [401] * 10
        assert attempt("203.0.113.7") == 429  # that client is limited...
        assert attempt("198.51.100.9") == 401  # ...another one behind the same proxy is not
    finally:
        process.terminate()
        process.wait(30)
