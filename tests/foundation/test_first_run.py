"""First run: `registry serve` on an empty store loads the bundled content."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from registry.bundled import bundled_dir
from registry.config import Settings
from registry.web.app import create_app

FOLDER = Path(__file__).parent / "data" / "folder"


def test_an_empty_store_gets_the_bundled_folder_once(tmp_path):
    settings = Settings(store=str(tmp_path / "s"), base_iri="http://testserver/", load_bundled=True, bundled_dir=FOLDER)
    with TestClient(create_app(settings)) as client:
        assert [p["id"] for p in client.get("/profiles").json()] == ["test-profile"]
        assert [c["id"] for c in client.get("/communities").json()] == ["test"]
        registry = client.app.state.registry
        registry.publication.set_status(registry.catalog.community("test"), "profile", "test-profile", "1.0.0", "deprecated")
    # a second start does not load again (the store is not empty): the deprecation stays
    with TestClient(create_app(settings)) as client:
        versions = client.get("/profiles/test-profile/versions").json()
        assert [(v["version"], v["status"]) for v in versions] == [("1.0.0", "deprecated")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_registry_serve_loads_every_bundled_profile(tmp_path):
    expected = sorted(
        tomllib.loads(p.read_text())["id"] for p in (bundled_dir() / "shapes").glob("*/profile.toml")
    )
    assert expected, "the bundled shapes/ folder has no profile"
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "REGISTRY_BASE_IRI"}, "REGISTRY_STORE": str(tmp_path / "store")}
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/profiles", timeout=5)
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.5)
        assert sorted(p["id"] for p in response.json()) == expected
        assert all(p["latest_version"] for p in response.json())
        # issue 12: minted IRIs never depend on the port; a new store without a configured base
        # gets the documented default (docs/deployment.md), recorded in the store for good
        assert response.json()[0]["iri"].startswith("http://localhost:8000/profiles/")
    finally:
        process.terminate()
        process.wait(30)
