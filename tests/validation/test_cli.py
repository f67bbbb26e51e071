"""`registry validate` on the local store and against a running registry (real uvicorn)."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import uvicorn
from typer.testing import CliRunner

from registry.cli import app
from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import BASE, Actors
from tests.validation.conftest import DATA, publish_content

runner = CliRunner()


@pytest.fixture(scope="module")
def local_store(tmp_path_factory) -> str:
    """A store with the test content, closed again so the CLI can open it."""
    from fastapi.testclient import TestClient

    location = str(tmp_path_factory.mktemp("cli") / "store")
    settings = Settings(store=location, base_iri=BASE, load_bundled=False)
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    with TestClient(create_app(settings)) as client:
        publish_content(client, actors.test)
    return location


def run(*args: str):
    return runner.invoke(app, ["validate", *args])


def test_local_store_exit_codes_and_formats(local_store, tmp_path):
    common = ["--profile", "leaf", "--store", local_store, "--base-iri", BASE]
    ok = run(str(DATA / "good.ttl"), *common, "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["conforms"] is True
    bad = run(str(DATA / "bad.json"), *common, "--format", "json", "--lang", "fr")
    assert bad.exit_code == 1
    view = json.loads(bad.stdout)
    assert view["counts"]["violation"] == 2 and view["profile"]["version"] == "1.1.0"
    assert "Un titre est obligatoire." in {r["message"] for r in view["results"]}
    pinned = run(str(DATA / "bad.ttl"), "--profile", "leaf@1.0.0", "--store", local_store, "--base-iri", BASE, "--format", "text")
    assert pinned.exit_code == 1 and "does NOT conform" in pinned.stdout and "A title is required." in pinned.stdout
    ttl = run(str(DATA / "bad.ttl"), *common, "--format", "turtle")
    assert ttl.exit_code == 1 and "http://www.w3.org/ns/shacl#ValidationReport" in ttl.stdout
    many = run(str(DATA / "good.ttl"), str(DATA / "good.json"), *common, "--format", "json")
    assert many.exit_code == 0 and [item["conforms"] for item in json.loads(many.stdout)] == [True, True]


def test_local_store_input_and_usage_errors(local_store, tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n")
    r = run(str(broken), "--profile", "leaf", "--store", local_store, "--base-iri", BASE)
    assert r.exit_code == 2 and "line 1" in r.output
    r = run(str(DATA / "good.ttl"), "--profile", "nope", "--store", local_store, "--base-iri", BASE)
    assert r.exit_code == 2 and "nope" in r.output
    r = run(str(DATA / "good.ttl"), "--store", local_store)
    assert r.exit_code == 2 and "--profile" in r.output
    r = run(str(tmp_path / "missing.ttl"), "--profile", "leaf", "--store", local_store, "--base-iri", BASE)
    assert r.exit_code == 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    location = str(tmp_path_factory.mktemp("cli-http") / "store")
    settings = Settings(store=location, base_iri=BASE, load_bundled=False)
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            httpx.get(url + "/profiles", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)

    class _Client:
        def put(self, path, **kwargs):
            return httpx.put(url + path, timeout=60, **kwargs)

    publish_content(_Client(), actors.test)
    yield url
    srv.should_exit = True
    thread.join(10)


def test_against_a_running_registry(server, tmp_path):
    ok = run(str(DATA / "good.ttl"), "--profile", "leaf", "--url", server, "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["profile"]["iri"] == BASE + "profiles/leaf/1.1.0"
    bad = run(str(DATA / "bad.json"), "--profile", "leaf@1.0.0", "--url", server, "--format", "text", "--lang", "fr")
    assert bad.exit_code == 1 and "Un titre est obligatoire." in bad.stdout
    batch = tmp_path / "records.ndjson"
    batch.write_text((DATA / "good.json").read_text().replace("\n", " ") + "\n" + (DATA / "bad.json").read_text().replace("\n", " ") + "\n")
    r = run(str(batch), "--profile", "leaf", "--url", server, "--format", "json")
    assert r.exit_code == 1
    assert [(item["file"].rsplit("#", 1)[1], item["conforms"]) for item in json.loads(r.stdout)] == [("line 1", True), ("line 2", False)]
    missing = run(str(DATA / "good.ttl"), "--profile", "nope", "--url", server)
    assert missing.exit_code == 2 and "404" in missing.output
    ttl = run(str(DATA / "bad.ttl"), "--profile", "leaf", "--url", server, "--format", "turtle")
    assert ttl.exit_code == 1 and "ValidationReport" in ttl.stdout
