"""Issue 3 acceptance: every bundled vocabulary and profile is published through the HTTP API with
no check error, and every example record, validated through the HTTP API, gives exactly its
expected results (as a multiset: no more, no fewer)."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.bundled import bundled_dir, plan_folder
from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app

EXAMPLES = bundled_dir() / "examples"
MEDIA = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".json": "application/json"}
DEPRECATED_COMPONENT_SUFFIX = "DeprecatedConceptConstraintComponent"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A registry on an empty store; the bundled content is published over HTTP with tokens."""
    settings = Settings(store=str(tmp_path_factory.mktemp("api") / "store"), base_iri="http://testserver/", load_bundled=False)
    plan = plan_folder(bundled_dir())
    registry = Registry.build(settings)
    tokens = {}
    for item in plan:
        info = item.manifest["community"]
        if info["id"] not in tokens:
            registry.communities.create(info["id"], info["name"], info.get("namespaces") or [info["namespace"]])
            tokens[info["id"]] = registry.communities.create_token(info["id"]).token
    registry.close()
    with TestClient(create_app(settings)) as client:
        published = []
        for item in plan:
            headers = {"Authorization": f"Bearer {tokens[item.manifest['community']['id']]}"}
            metadata = {"title": item.manifest.get("title", {}), "description": item.manifest.get("description", {})}
            if item.kind == "vocabulary":
                response = client.put(
                    f"/vocabularies/{item.id}/versions/{item.version}",
                    files={"vocabulary": (item.path.name, item.path.read_bytes(), "text/turtle")},
                    data={"metadata": json.dumps(metadata)}, headers=headers,
                )
            else:
                metadata["is_profile_of"] = item.manifest.get("is_profile_of")
                files = {"shapes": ("shapes.ttl", (item.path / "shapes.ttl").read_bytes(), "text/turtle")}
                if (item.path / "context.jsonld").is_file():
                    files["context"] = ("context.jsonld", (item.path / "context.jsonld").read_bytes(), "application/ld+json")
                response = client.put(
                    f"/profiles/{item.id}/versions/{item.version}", files=files,
                    data={"metadata": json.dumps(metadata)}, headers=headers,
                )
            assert response.status_code == 201, f"{item.kind} {item.id}: {response.text}"
            assert not [w for w in response.json()["warnings"] if w["severity"] == "error"]
            published.append((item.kind, item.id))
        client.published = published
        yield client


def test_everything_bundled_is_published_through_the_api(api):
    profiles = sorted(tomllib.loads(p.read_text())["id"] for p in (bundled_dir() / "shapes").glob("*/profile.toml"))
    assert sorted({pid for kind, pid in api.published if kind == "profile"}) == profiles
    listed = {p["id"]: p for p in api.get("/profiles").json()}
    assert sorted(listed) == profiles
    assert listed["electron-microscopy"]["is_profile_of"].endswith("/profiles/research-dataset/1.0.0")
    assert listed["atom-probe"]["is_profile_of"].endswith("/profiles/electron-microscopy/2.0.0")
    # published versions keep their base: atom-probe 1.0.0 stays a profile of electron-microscopy 1.0.0
    catalog = api.app.state.registry.catalog
    assert catalog.version("profile", "atom-probe", "1.0.0").is_profile_of.endswith("/profiles/electron-microscopy/1.0.0")
    assert catalog.version("profile", "electron-microscopy", "2.0.0").is_profile_of.endswith("/profiles/research-dataset/1.0.0")


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*/*/*") if p.suffix in MEDIA and not p.name.endswith(".expected.json"))


def test_every_profile_has_at_least_twelve_examples():
    for profile in (bundled_dir() / "shapes").glob("*/profile.toml"):
        pid = tomllib.loads(profile.read_text())["id"]
        assert len(list((EXAMPLES / pid).glob("*/*.expected.json"))) >= 12, pid


@pytest.mark.parametrize("path", _examples(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_example_gives_exactly_its_expected_results(api, path):
    expected_file = path.with_name(path.name[: -len(path.suffix)] + ".expected.json")
    assert expected_file.is_file(), f"{path.name} has no expected results beside it"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    params = {"profile": path.parent.parent.name, "version": path.parent.name}
    response = api.post("/validate", params=params, content=path.read_bytes(),
                        headers={"Content-Type": MEDIA[path.suffix]})
    assert response.status_code == 200, response.text
    view = response.json()
    got = Counter(
        (None if r["focus_node"].startswith("_:") else r["focus_node"], r["path"], r["constraint_component"],
         "http://www.w3.org/ns/shacl#" + r["severity"], r["source_shape"])
        for r in view["results"] if not r["constraint_component"].endswith(DEPRECATED_COMPONENT_SUFFIX)
    )
    want = Counter(
        (r["focusNode"], r["resultPath"], r["sourceConstraintComponent"], r["resultSeverity"], r["sourceShape"])
        for r in expected["results"]
    )
    assert got == want, expected.get("description")
    assert view["conforms"] == expected["conforms"]
