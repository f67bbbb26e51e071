"""The wheel carries shapes/, vocabularies/ and examples/, and the package finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_bundles_content_and_finds_it(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "registry/_bundled/shapes/shacl-shacl.ttl" in names
    assert any(n.startswith("registry/_bundled/vocabularies/") and n.endswith(".ttl") for n in names)
    assert any(n.startswith("registry/_bundled/shapes/") and n.endswith("/profile.toml") for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "from registry.bundled import bundled_dir, plan_folder\n"
        "from registry.publishing import shapes_dir\n"
        "d = bundled_dir()\n"
        "print(d)\nprint(len(plan_folder(d)))\nprint(shapes_dir())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    found, items, shapes = result.stdout.split("\n")[:3]
    assert found.startswith(str(site)) and "_bundled" in found
    assert int(items) > 0
    assert shapes.startswith(str(site))
