"""The new versions of the bundled content are honest Semantic Versioning (issue 20): each is at
least the increment the registry's own change classification (registry/evolution, SemVer 2.0.0
sections 6-8) asks of it, and published versions are left as they were."""

from __future__ import annotations

import os
import subprocess

import pytest

from registry.bundled import bundled_dir, plan_folder
from registry.evolution.service import evolution

PAIRS = []
_last: dict[tuple[str, str], str] = {}
for item in plan_folder(bundled_dir()):
    key = (item.kind, item.id)
    if key in _last:
        PAIRS.append((item.kind, item.id, _last[key], item.version))
    _last[key] = item.version


def test_there_are_new_versions():
    assert {(k, i) for k, i, _, _ in PAIRS} >= {("profile", "electron-microscopy"), ("profile", "atom-probe"),
                                                 ("vocabulary", "technique"), ("vocabulary", "platform")}


@pytest.mark.parametrize("kind,sid,older,newer", PAIRS, ids=[f"{k}:{i}:{o}->{n}" for k, i, o, n in PAIRS])
def test_new_version_number_is_honest(bundled_client, kind, sid, older, newer):
    service = evolution(bundled_client.app.state.registry)
    diff = (service.profile_diff if kind == "profile" else service.vocabulary_diff)(sid, older, newer)
    assert diff.changes, f"{kind} {sid} {newer} changes nothing since {older}"
    assert diff.honest, (diff.required_increment, [c.to_json() for c in diff.changes if c.classification == "breaking"][:5])


#: Edits of version files made before the content was first loaded anywhere, each named: the seed
#: content commit (11 minutes after the foundation commit added the 1.0.0 files) and access-rights
#: 1.0.1 (12 minutes after its own commit, same session, before any other commit).
EDITS_BEFORE_RELEASE = {"b959ea4": "*", "f2a314b": "vocabularies/access-rights/1.0.1.ttl"}


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(bundled_dir()), *args], capture_output=True, text=True)


def _require_history(path: str) -> None:
    """The immutability checks read git history. In CI (a fresh clone) it must be there: fail. In
    an installed copy or an export without `.git`, the files cannot be traced: skip, saying so."""
    if _git("log", "-1", "--format=%H", "--", path).stdout.strip():
        return
    message = f"not a git checkout with history (e.g. an installed wheel): {path} cannot be traced to its commits"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_published_version_files_are_never_edited():
    """Published versions are immutable (a registry that loaded one refuses other content under its
    number: `code=immutable`), so every bundled version file -- 1.0.0 and every later version, 2.0.0
    included -- is touched by the commit that added it and by no other; corrections are new versions."""
    root = bundled_dir()
    paths = sorted(str(p.relative_to(root)) for p in list(root.glob("shapes/*/*.*.*/*")) + list(root.glob("vocabularies/*/*.*.*.ttl")))
    assert len(paths) >= 16 * 2 + 3 * 2 + 2 * 2  # 16 vocabularies in two versions, 3 profiles at 1.0.0, 2 at 2.0.0
    _require_history("shapes/electron-microscopy/2.0.0/shapes.ttl")
    assert edited_version_files(paths, EDITS_BEFORE_RELEASE) == {}


def edited_version_files(paths: list[str], allowed: dict[str, str]) -> dict[str, list[str]]:
    """File → the commits after the one that added it, other than the allowed ones."""
    edited = {}
    for path in paths:
        commits = _git("log", "--format=%h", "--abbrev=7", "--", path).stdout.split()
        if not commits:
            continue  # not committed yet: a new version in the working tree
        later = [c[:7] for c in commits[:-1] if allowed.get(c[:7]) not in ("*", path)]
        if later:
            edited[path] = later
    return edited


def test_the_immutability_check_sees_edits():
    """Without its allowance, the seed commit's edit of the 1.0.0 files is reported."""
    _require_history("vocabularies/technique/1.0.0.ttl")
    paths = ["vocabularies/technique/1.0.0.ttl", "vocabularies/technique/1.1.0.ttl", "vocabularies/access-rights/1.0.1.ttl"]
    assert edited_version_files(paths, {}) == {"vocabularies/technique/1.0.0.ttl": ["b959ea4"],
                                               "vocabularies/access-rights/1.0.1.ttl": ["f2a314b"]}


def test_form_fields_of_electron_microscopy_2_0_0_still_show_units(bundled_client):
    """2.0.0 reads the unit with `sh:alternativePath (qudt:hasUnit qudt:unit)`; the deposit form's
    field model (registry/profile_fields.py) still finds each unit and its range."""
    from registry.profile_fields import fields_for_version

    groups = fields_for_version(bundled_client.app.state.registry, "electron-microscopy", "2.0.0")
    fields = {f.path: f for g in groups for f in g.fields}
    voltage = fields["https://w3id.org/metsa/term/acceleratingVoltage"]
    assert voltage.units == ["http://qudt.org/vocab/unit/KiloV", "http://qudt.org/vocab/unit/V", "http://qudt.org/vocab/unit/MegaV"]
    assert ("http://qudt.org/vocab/unit/KiloV", {"minInclusive": "0.01", "maxInclusive": "3000.0"}) in [
        (u, {k: str(float(v)) if k == "maxInclusive" else v for k, v in r.items()}) for u, r in voltage.unit_ranges]
    assert "http://qudt.org/vocab/unit/MicroA" in fields["https://w3id.org/metsa/term/emissionCurrent"].units
