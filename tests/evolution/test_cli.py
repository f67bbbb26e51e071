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
