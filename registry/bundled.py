"""Loading a folder of profiles and vocabularies (the bundled content, or a community's own).

Layout (documented in docs/layout.md)::

    vocabularies/<vocab-id>/vocabulary.toml      id, title, description, [community]
    vocabularies/<vocab-id>/<X.Y.Z>.ttl|.nt|.rdf|.jsonld
    shapes/<profile-id>/profile.toml             id, title, description, is_profile_of, [community]
    shapes/<profile-id>/<X.Y.Z>/shapes.ttl       the SHACL shapes graph
    shapes/<profile-id>/<X.Y.Z>/context.jsonld   optional JSON-LD context
    examples/<profile-id>/<X.Y.Z>/*.ttl|.jsonld  optional example records of that version

A `profile.toml` may pin one version to another base with a `[versions."X.Y.Z"]` table (e.g.
`is_profile_of = "electron-microscopy@1.0.0"`): published versions are immutable, so when a base
gets a new major version the older versions of the profiles built on it keep their base.

`[community]` has `id`, `name`, `namespace` (or `namespaces`); the community is created if it does
not exist. Loading is idempotent: what is already there with the same content is skipped, so
loading the same folder twice changes nothing.
"""

from __future__ import annotations

import importlib.resources
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from registry.errors import Conflict, InvalidInput, NotFound
from registry.ids import SemVer
from registry.publishing.service import ProfileSubmission, PublishResult, VocabularySubmission, examples_in_folder
from registry.rdf import EXTENSIONS, format_for_filename


def bundled_dir() -> Path:
    """The folder holding `shapes/` and `vocabularies/`: the checkout, or the wheel's copy."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "shapes").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return Path(str(importlib.resources.files("registry") / "_bundled"))


@dataclass
class LoadReport:
    published: list[PublishResult] = field(default_factory=list)
    unchanged: list[PublishResult] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "published": [f"{r.kind} {r.id} {r.version}" for r in self.published],
            "unchanged": [f"{r.kind} {r.id} {r.version}" for r in self.unchanged],
            "communities_created": self.communities,
        }


def _read_manifest(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"{path}: {exc}", code="invalid-manifest") from None


def _lang_map(value) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    return {str(k): str(v) for k, v in value.items()}


@dataclass
class _Item:
    kind: str
    id: str
    version: str
    manifest: dict
    path: Path


def _version_manifest(manifest: dict, version: str) -> dict:
    """The manifest as it applies to one version: the `[versions."X.Y.Z"]` table overrides the top level."""
    override = (manifest.get("versions") or {}).get(version)
    if not isinstance(override, dict):
        return manifest
    return {**{k: v for k, v in manifest.items() if k != "versions"}, **override}


def plan_folder(folder: Path) -> list[_Item]:
    """What a folder holds, in publication order: vocabularies, then profiles base-first."""
    items: list[_Item] = []
    vocab_root = folder / "vocabularies"
    if vocab_root.is_dir():
        for manifest_path in sorted(vocab_root.glob("*/vocabulary.toml")):
            manifest = _read_manifest(manifest_path)
            files = [p for p in manifest_path.parent.iterdir() if p.suffix.lstrip(".") in EXTENSIONS]
            for path in sorted(files, key=lambda p: SemVer(p.stem)):
                items.append(_Item("vocabulary", manifest.get("id", manifest_path.parent.name), path.stem, manifest, path))
    profile_root = folder / "shapes"
    profiles: dict[str, tuple[dict, list[Path]]] = {}
    if profile_root.is_dir():
        for manifest_path in sorted(profile_root.glob("*/profile.toml")):
            manifest = _read_manifest(manifest_path)
            versions = sorted(
                (p for p in manifest_path.parent.iterdir() if p.is_dir() and (p / "shapes.ttl").is_file()),
                key=lambda p: SemVer(p.name),
            )
            profiles[manifest.get("id", manifest_path.parent.name)] = (manifest, versions)
    done: set[str] = set()

    def visit(pid: str, stack: tuple[str, ...] = ()) -> None:
        if pid in done or pid not in profiles:
            return
        if pid in stack:
            raise InvalidInput(f"profiles {' → '.join(stack + (pid,))} form a cycle", code="profile-cycle")
        manifest, versions = profiles[pid]
        bases = {(_version_manifest(manifest, path.name).get("is_profile_of") or "").partition("@")[0] for path in versions}
        for base in sorted(b for b in bases | {(manifest.get("is_profile_of") or "").partition("@")[0]} if b):
            visit(base, stack + (pid,))
        for path in versions:
            items.append(_Item("profile", pid, path.name, _version_manifest(manifest, path.name), path))
        done.add(pid)

    for pid in sorted(profiles):
        visit(pid)
    return items


def load_folder(registry, folder: Path, *, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Publish everything in `folder` (see module docstring); idempotent."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(f"{folder} is not a folder", code="folder-not-found")
    report = LoadReport()
    for item in plan_folder(folder):
        if progress:
            progress(f"{item.kind} {item.id} {item.version}")
        community = _ensure_community(registry, item.manifest, report)
        title = _lang_map(item.manifest.get("title"))
        description = _lang_map(item.manifest.get("description"))
        if item.kind == "vocabulary":
            result = registry.publication.publish_vocabulary(
                community,
                VocabularySubmission(
                    id=item.id, version=item.version, source=item.path, format=format_for_filename(item.path.name),
                    title=title, description=description, status=item.manifest.get("status", "published"),
                    name=str(item.path),
                ),
            )
        else:
            context_path = item.path / "context.jsonld"
            context = json.loads(context_path.read_text(encoding="utf-8")) if context_path.is_file() else None
            result = registry.publication.publish_profile(
                community,
                ProfileSubmission(
                    id=item.id, version=item.version, shapes=(item.path / "shapes.ttl").read_bytes(),
                    format=format_for_filename("shapes.ttl"), title=title, description=description,
                    is_profile_of=item.manifest.get("is_profile_of"), status=item.manifest.get("status", "published"),
                    context=context,
                    example_records=examples_in_folder(folder / "examples" / item.id / item.version),
                ),
            )
        (report.published if result.created else report.unchanged).append(result)
    return report


def _ensure_community(registry, manifest: dict, report: LoadReport):
    info = manifest.get("community")
    if not isinstance(info, dict) or "id" not in info:
        raise InvalidInput("a manifest needs a [community] table with id, name and namespace", code="invalid-manifest")
    try:
        return registry.catalog.community(info["id"])
    except NotFound:
        pass
    namespaces = info.get("namespaces") or [info.get("namespace")]
    try:
        community = registry.communities.create(info["id"], info.get("name", info["id"]), [n for n in namespaces if n])
    except Conflict:
        raise
    report.communities.append(community.id)
    return community
