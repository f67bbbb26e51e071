"""The `registry` command: admin, publishing, load (idempotent), export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from registry.cli import app

DATA = Path(__file__).parent / "data"
FOLDER = DATA / "folder"


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "store")

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(app, [*args, "--store", store, "--base-iri", "http://testserver/"])
        assert result.exit_code == expect, result.output + (result.stderr if hasattr(result, "stderr") else "")
        return result

    invoke.store = store
    return invoke


def test_community_token_publish_and_revoke(run):
    created = json.loads(run("community", "create", "test", "--name", "Test", "--namespace", "https://w3id.org/test/").stdout)
    assert created["namespaces"] == ["https://w3id.org/test/"]
    token = run("token", "create", "test").stdout.strip().splitlines()[-1]
    token_id = token.split(".")[0]
    assert len(token_id) == 16
    listed = json.loads(run("token", "list", "test").stdout)
    assert [t["id"] for t in listed] == [token_id] and listed[0]["revoked"] is None
    out = json.loads(run("publish", "vocabulary", str(FOLDER / "vocabularies/techniques/1.0.0.ttl")).stdout)
    assert (out["id"], out["version"], out["created"]) == ("techniques", "1.0.0", True)
    out = json.loads(run("publish", "profile", str(FOLDER / "shapes/test-profile/1.0.0")).stdout)
    assert (out["id"], out["version"], out["created"]) == ("test-profile", "1.0.0", True)
    run("token", "revoke", token_id)
    assert json.loads(run("token", "list", "test").stdout)[0]["revoked"]


def test_publish_errors_exit_nonzero_with_findings(run, tmp_path):
    run("community", "create", "test", "--name", "Test", "--namespace", "https://w3id.org/test/")
    result = run("publish", "profile", str(FOLDER / "shapes/test-profile/1.0.0"), expect=1)  # vocabulary missing
    assert "unknown-vocabulary" in result.output
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://w3id.org/test/a> <https://w3id.org/test/b> .\n")
    result = run("publish", "vocabulary", str(bad), "--id", "bad", "--version", "1.0.0", "--community", "test", expect=2)
    assert "line 1" in result.output


def test_load_twice_is_a_noop(run):
    first = json.loads(run("load", str(FOLDER)).stdout)
    assert first["published"] == ["vocabulary techniques 1.0.0", "profile test-profile 1.0.0"]
    assert first["communities_created"] == ["test"]
    from registry.store.oxigraph import OxigraphStore
    from tests.conftest import store_snapshot

    store = OxigraphStore(run.store)
    before = store_snapshot(store)
    store.close()
    del store
    second = json.loads(run("load", str(FOLDER)).stdout)
    assert second["published"] == [] and len(second["unchanged"]) == 2
    store = OxigraphStore(run.store)
    assert store_snapshot(store) == before


def test_export_writes_public_graphs_as_nquads(run, tmp_path):
    run("load", str(FOLDER))
    out = tmp_path / "export.nq"
    run("export", "-o", str(out))
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert "http://testserver/catalog" in graphs
    assert "http://testserver/profiles/test-profile/1.0.0/shapes" in graphs
    assert "urn:registry:system" not in graphs  # tokens never leave


def test_module_entry_point_and_console_script_work():
    result = subprocess.run([sys.executable, "-m", "registry", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "publish" in result.stdout


def test_second_process_cannot_open_the_same_store(run):
    run("community", "create", "test", "--name", "Test", "--namespace", "https://w3id.org/test/")
    from registry.errors import StoreUnavailable
    from registry.store.oxigraph import OxigraphStore

    held = OxigraphStore(run.store)
    try:
        code = (
            "from registry.store.oxigraph import OxigraphStore\n"
            "from registry.errors import StoreUnavailable\n"
            f"try:\n    OxigraphStore({run.store!r})\nexcept StoreUnavailable as e:\n    print(e.code)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert result.stdout.strip() == "store-locked", result.stderr
    finally:
        held.close()
    assert StoreUnavailable.status == 503
