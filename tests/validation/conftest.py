"""Fixtures of the validation tests: a real registry (on-disk store, the real app, real worker
processes) holding small test vocabularies and a three-level profile chain, published through the
HTTP API by the `test` community.

    base 1.0.0  (title required; en/fr names and messages)
      ↑ prof:isProfileOf
    middle 1.0.0  (colour: a skos:Concept in the colours scheme)
      ↑ prof:isProfileOf
    leaf 1.0.0  (size in the sizes scheme; warm colour family by skos:broader*; count ≤ 10;
                 JSON-LD context for plain JSON records)
    leaf 1.1.0  (count ≤ 5: shows that the version asked for is the one used)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import BASE, Actors

DATA = Path(__file__).parent / "data"
TIMEOUT_S = 4.0


def publish_content(client: TestClient, headers: dict) -> None:
    for vid in ("colours", "sizes"):
        r = client.put(f"/vocabularies/{vid}/versions/1.0.0", content=(DATA / f"{vid}.ttl").read_bytes(),
                       headers={**headers, "Content-Type": "text/turtle"})
        assert r.status_code in (200, 201), r.text
    r = client.put("/profiles/base/versions/1.0.0", content=(DATA / "base.ttl").read_bytes(),
                   headers={**headers, "Content-Type": "text/turtle"})
    assert r.status_code in (200, 201), r.text
    r = client.put("/profiles/middle/versions/1.0.0", params={"is_profile_of": "base"},
                   content=(DATA / "middle.ttl").read_bytes(), headers={**headers, "Content-Type": "text/turtle"})
    assert r.status_code in (200, 201), r.text
    for version, maximum in (("1.0.0", "10"), ("1.1.0", "5")):
        shapes = (DATA / "leaf.ttl").read_text().replace("sh:maxInclusive 10", f"sh:maxInclusive {maximum}")
        r = client.put(
            f"/profiles/leaf/versions/{version}",
            files={
                "shapes": ("shapes.ttl", shapes.encode(), "text/turtle"),
                "context": ("context.jsonld", (DATA / "context.jsonld").read_bytes(), "application/ld+json"),
            },
            # 1.1.0 tightens a range (a breaking change): the test accepts the number explicitly
            # (semantic versioning at publication, docs/evolution.md)
            data={"metadata": json.dumps({"is_profile_of": "middle@1.0.0", "title": {"en": "Leaf"},
                                          "accept_version_number": version == "1.1.0"})},
            headers=headers,
        )
        assert r.status_code in (200, 201), r.text


@pytest.fixture(scope="package")
def vsettings(tmp_path_factory) -> Settings:
    return Settings(
        store=str(tmp_path_factory.mktemp("validation") / "store"), base_iri=BASE, load_bundled=False,
        validation_timeout_s=TIMEOUT_S, max_body_bytes=2 * 1024 * 1024, max_records_per_batch=50,
        max_triples_per_record=2000,
    )


@pytest.fixture(scope="package")
def vclient(vsettings):
    """The real app with the test content, shared by the package's read-only tests."""
    registry = Registry.build(vsettings)
    actors = Actors(registry)
    registry.close()
    with TestClient(create_app(vsettings)) as client:
        client.actors = actors
        publish_content(client, actors.test)
        yield client


@pytest.fixture(scope="package")
def vstore_settings(vclient, vsettings) -> Settings:
    return vsettings


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()
