"""The version has one home, pyproject.toml's `version`: the package, the OpenAPI document and the
CHANGELOG all read or name that one."""

import tomllib
from pathlib import Path

import registry

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_package_version_is_the_pyproject_version():
    assert registry.__version__ == _pyproject_version()


def test_the_changelog_has_a_section_for_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{_pyproject_version()}]" in changelog
