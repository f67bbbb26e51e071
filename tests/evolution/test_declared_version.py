"""Validate against the version a record declares (issue 17, item 6): `dct:conformsTo <profile
version IRI>` picks the version when no profile is given; unknown, draft, ambiguous and
deprecated declarations are reported clearly; a given profile that disagrees gives a warning."""

from __future__ import annotations

import pytest

from tests.conftest import BASE
from tests.evolution.test_semver import put, shapes

TTL = {"Content-Type": "text/turtle"}


def record(*declared: str) -> bytes:
    conforms = "".join(f" ; dct:conformsTo <{iri}>" for iri in declared)
    return f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/test/records/1> a dcat:Dataset ; dct:title "A title"{conforms} .""".encode()


def v(version: str) -> str:
    return f"{BASE}profiles/sv/{version}"


@pytest.fixture
def versions(client):
    assert put(client, "1.0.0", shapes()).status_code == 201
    assert put(client, "2.0.0", shapes(extra=True)).status_code == 201  # dct:issued required
    assert put(client, "3.0.0", shapes(extra=True, max=2), status="draft").status_code == 201
    return client


def test_the_declared_version_is_used(versions):
    r = versions.post("/validate", content=record(v("1.0.0")), headers=TTL)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["profile"]["iri"] == v("1.0.0") and view["conforms"] is True
    assert view["declared_profile"] == {"iri": v("1.0.0"), "id": "sv", "version": "1.0.0", "status": "published"}
    assert view["warnings"] == []
    view = versions.post("/validate", content=record(v("2.0.0")), headers=TTL).json()
    assert view["profile"]["iri"] == v("2.0.0") and view["conforms"] is False
    assert [res["path"] for res in view["results"]] == ["http://purl.org/dc/terms/issued"]
    # other standards named with dct:conformsTo are not profile versions of the registry: ignored
    view = versions.post("/validate", content=record("https://www.w3.org/TR/vocab-dcat-3/", v("1.0.0")), headers=TTL).json()
    assert view["profile"]["iri"] == v("1.0.0")


@pytest.mark.parametrize("declared, code", [
    ((v("9.0.0"),), "declared-profile-unknown"),
    ((BASE + "profiles/nothing/1.0.0",), "declared-profile-unknown"),
    ((v("3.0.0"),), "declared-profile-draft"),
    ((v("1.0.0"), v("2.0.0")), "declared-profile-ambiguous"),
    (("https://www.w3.org/TR/vocab-dcat-3/",), "missing-profile"),
    ((), "missing-profile"),
])
def test_unusable_declarations_are_clear_problems(versions, declared, code):
    r = versions.post("/validate", content=record(*declared), headers=TTL)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code
    if code.startswith("declared-"):
        assert v("1.0.0") in r.json()["detail"] or declared[0] in r.json()["detail"]


def test_deprecated_declaration_is_validated_with_a_warning(versions):
    r = versions.patch("/profiles/sv/versions/1.0.0", json={"status": "deprecated"}, headers=versions.actors.test)
    assert r.status_code == 200, r.text
    view = versions.post("/validate", content=record(v("1.0.0")), headers=TTL).json()
    assert view["profile"]["iri"] == v("1.0.0") and view["declared_profile"]["status"] == "deprecated"
    assert [(w["code"], w["declared"]) for w in view["warnings"]] == [("declared-profile-deprecated", v("1.0.0"))]
    assert "latest version is 2.0.0" in view["warnings"][0]["message"]


def test_a_given_profile_wins_with_a_warning(versions):
    view = versions.post("/validate", params={"profile": "sv", "version": "2.0.0"}, content=record(v("1.0.0")),
                         headers=TTL).json()
    assert view["profile"]["iri"] == v("2.0.0")
    assert [(w["code"], w["validated_against"]) for w in view["warnings"]] == [("declared-profile-differs", v("2.0.0"))]
    # agreeing: no warning
    view = versions.post("/validate", params={"profile": "sv", "version": "2.0.0"}, content=record(v("2.0.0")),
                         headers=TTL).json()
    assert "warnings" not in view
