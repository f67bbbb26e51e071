"""Third-party test data location (issue 12, item 14).

A clone without `../shared/data` used to fail. The folder is now `REGISTRY_SHARED_DATA` (default
`../shared/data`); a test needing missing data is skipped with a reason naming the folder, except
in CI (`CI=true`), where it fails loudly. Proved by running real tests that need the data in a
pytest subprocess, pointed at an empty folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEEDS_DATA = "tests/publishing/test_skos_checks.py::test_real_vocabularies"


def _pytest(data_dir: Path, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "REGISTRY_SHARED_DATA")}
    env.update({"PYTHONPATH": str(REPO), "REGISTRY_SHARED_DATA": str(data_dir)})
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", NEEDS_DATA, "-q", "-rsf", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )


def _summary(done: subprocess.CompletedProcess) -> str:
    """pytest's last line, e.g. '7 skipped in 2.1s' or '7 errors in 2.3s'."""
    return done.stdout.strip().splitlines()[-1]


def test_missing_shared_data_skips_outside_ci_with_the_folder_named(tmp_path):
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    done = _pytest(empty, None)
    assert done.returncode == 0, done.stdout[-3000:]
    summary = _summary(done)
    assert "skipped" in summary and "failed" not in summary and "error" not in summary, done.stdout[-3000:]
    assert f"folder {empty}" in done.stdout and "REGISTRY_SHARED_DATA" in done.stdout, done.stdout[-3000:]


def test_missing_shared_data_fails_loudly_in_ci(tmp_path):
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    done = _pytest(empty, "true")
    assert done.returncode == 1, done.stdout[-3000:]
    # pytest.fail in a fixture reports the test as an error: red either way
    summary = _summary(done)
    assert ("failed" in summary or "error" in summary) and "skipped" not in summary, done.stdout[-3000:]
    assert f"folder {empty}" in done.stdout and "REGISTRY_SHARED_DATA" in done.stdout, done.stdout[-3000:]


def test_the_data_folder_is_found_where_it_is_configured(tmp_path):
    """The same tests run (neither skipped nor failed) when the variable names the real folder."""
    real = Path(os.environ.get("REGISTRY_SHARED_DATA") or REPO.parent / "shared" / "data")
    if not (real / "vocabularies").is_dir():
        done = _pytest(real, "true")  # in CI the data must be there: this fails loudly
        assert done.returncode == 0, done.stdout[-3000:]
        return
    link = tmp_path / "elsewhere"
    link.symlink_to(real.resolve())
    done = _pytest(link, "true")
    assert done.returncode == 0, done.stdout[-3000:]
    summary = _summary(done)
    assert "passed" in summary and "skipped" not in summary, done.stdout[-3000:]
