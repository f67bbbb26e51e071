"""`registry diff profile ID A B` (issue 17): the real command in a subprocess, on the real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from registry.services import Registry
from tests.conftest import BASE, REPO, store_snapshot
from tests.evolution.test_profile_diff import EXPECTED_1_1_TO_2_0, entries


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "registry", "diff", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)


def _snapshot(settings) -> list[str]:
    registry = Registry.build(settings.model_copy(update={"load_bundled": False}))
    try:
        return store_snapshot(registry.store)
    finally:
        registry.close()


def test_cli_diff_profile_json_text_turtle(evolution_settings):
    before = _snapshot(evolution_settings)
    store = ["--store", evolution_settings.store, "--base-iri", BASE]
    done = run("profile", "electron-microscopy", "1.1.0", "2.0.0", "--format", "json", *store)
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert entries(view) == EXPECTED_1_1_TO_2_0
    text = run("profile", "electron-microscopy", "1.1.0", "2.0.0", *store)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("profile electron-microscopy: 1.1.0 -> 2.0.0: 7 breaking, 1 compatible, 0 editorial")
    assert len(lines) == 1 + len(EXPECTED_1_1_TO_2_0)
    assert any("[breaking] field-added" in line and "Instrument-location" in line for line in lines)
    ttl = run("profile", "electron-microscopy", "1.1.0", "2.0.0", "--format", "turtle", *store)
    assert ttl.returncode == 0 and "chg:ChangeSet" in ttl.stdout
    # a downgrade's number is lower than its changes require: exit code 1
    down = run("profile", "electron-microscopy", "2.0.0", "1.1.0", *store)
    assert down.returncode == 1 and "LOWER THAN REQUIRED" in down.stdout.splitlines()[0]
    # errors: exit code 2 and a message
    missing = run("profile", "electron-microscopy", "1.0.0", "7.0.0", *store)
    assert missing.returncode == 2 and "no version '7.0.0'" in missing.stderr
    assert _snapshot(evolution_settings) == before  # a command that reads never writes


def test_cli_records_change_status(settings, tmp_path):
    """`--records DIR`: each record validated against both versions, with its change status."""
    from registry.publishing.service import ProfileSubmission
    from tests.evolution.test_declared_version import record
    from tests.evolution.test_semver import shapes

    import pyoxigraph as ox

    registry = Registry.build(settings)
    try:
        community = registry.communities.create("test", "Test community", ["https://w3id.org/test/"])
        for version, body in (("1.0.0", shapes()), ("1.1.0", shapes(name="Dataset title")), ("2.0.0", shapes(extra=True))):
            registry.publication.publish_profile(community, ProfileSubmission(
                id="sv", version=version, shapes=body, format=ox.RdfFormat.TURTLE))
    finally:
        registry.close()
    folder = tmp_path / "records"
    (folder / "sub").mkdir(parents=True)
    (folder / "no-date.ttl").write_bytes(record())
    (folder / "sub" / "dated.ttl").write_bytes(record().replace(b'"A title"', b'"A title" ; dct:issued "2024-01-01"'))
    (folder / "untitled.ttl").write_bytes(record().replace(b' ; dct:title "A title"', b""))
    (folder / "broken.ttl").write_bytes(b"<a> <b> .")
    (folder / "no-date.expected.json").write_text("{}")  # not a record: skipped
    store = ["--store", settings.store, "--base-iri", BASE, "--records", str(folder)]
    done = run("profile", "sv", "1.0.0", "2.0.0", "--format", "json", *store)
    assert done.returncode == 0, done.stderr  # 2.0.0 is a major version: records may break
    by_file = {r["file"].replace(str(folder) + "/", ""): r for r in json.loads(done.stdout)["records"]}
    assert sorted(by_file) == ["broken.ttl", "no-date.ttl", "sub/dated.ttl", "untitled.ttl"]
    assert (by_file["no-date.ttl"]["before"], by_file["no-date.ttl"]["after"], by_file["no-date.ttl"]["status"]) == (
        True, False, "stops conforming")
    assert [r["path"] for r in by_file["no-date.ttl"]["results"]] == ["http://purl.org/dc/terms/issued"]
    assert by_file["sub/dated.ttl"]["status"] == "unchanged" and by_file["sub/dated.ttl"]["after"] is True
    assert (by_file["untitled.ttl"]["before"], by_file["untitled.ttl"]["status"]) == (False, "unchanged")
    assert by_file["broken.ttl"]["error"].startswith("the record is not valid RDF at line 1, column 1")
    text = run("profile", "sv", "1.0.0", "2.0.0", *store)
    assert "records: 1 error, 1 stops conforming, 2 unchanged" in text.stdout
    assert "no-date.ttl: stops conforming" in text.stdout
    # an editorial release under which no record changes status
    same = run("profile", "sv", "1.0.0", "1.1.0", *store)
    assert same.returncode == 0 and "1 stops conforming" not in same.stdout
