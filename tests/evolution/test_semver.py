"""Semantic versioning enforced at publication (issue 17, item 4): a version number lower than
its changes require is refused with a 409 problem listing those changes and changes nothing, unless
the owner accepts it explicitly; the acceptance is recorded in the version's metadata and shown
on its page."""

from __future__ import annotations

import pyoxigraph as ox

from tests.conftest import BASE

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/test/sv/> .
ex:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property ex:title {extra_ref} .
ex:title a sh:PropertyShape ; sh:path dct:title ; sh:name "{name}"@en ; sh:minCount 1 ; sh:maxCount {max} .
{extra}
"""
REQUIRED_DATE = "ex:issued a sh:PropertyShape ; sh:path dct:issued ; sh:minCount 1 ."


def shapes(name="Title", max=1, extra=False) -> bytes:
    return SHAPES.format(name=name, max=max, extra_ref=", ex:issued" if extra else "",
                         extra=REQUIRED_DATE if extra else "").encode()


def put(client, version, body, **params):
    return client.put(f"/profiles/sv/versions/{version}", params=params, content=body,
                      headers={**client.actors.test, "Content-Type": "text/turtle"})


def test_dishonest_numbers_are_refused_honest_ones_published(client, snapshot):
    assert put(client, "1.0.0", shapes()).status_code == 201
    # a new required field (breaking) in a patch and in a minor release: refused, store unchanged
    before = snapshot(client)
    for version, actual in (("1.0.1", "patch"), ("1.1.0", "minor")):
        r = put(client, version, shapes(extra=True))
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "version-number-too-low"
        assert (problem["required_increment"], problem["actual_increment"], problem["previous_version"]) == ("major", actual, "1.0.0")
        assert [(c["kind"], c["rule"], c["path"]) for c in problem["changes"]] == [
            ("field-added", "field-added-required", "http://purl.org/dc/terms/issued")]
        assert problem["changes_count"] == 1
        assert snapshot(client) == before
    # a loosened maximum (compatible) in a patch release: refused; editorial change in a patch: fine
    r = put(client, "1.0.1", shapes(max=2))
    assert r.status_code == 409 and r.json()["required_increment"] == "minor"
    assert [c["rule"] for c in r.json()["changes"]] == ["constraint-loosened"]
    r = put(client, "1.0.1", shapes(name="Dataset title"))
    assert r.status_code == 201, r.text
    since = r.json()["changes_since_previous"]
    assert since["summary"] == {"breaking": 0, "compatible": 0, "editorial": 1}
    assert (since["required_increment"], since["actual_increment"], since["version_number_honest"]) == ("patch", "patch", True)
    # the breaking change in a major release
    r = put(client, "2.0.0", shapes(name="Dataset title", extra=True))
    assert r.status_code == 201, r.text
    assert r.json()["changes_since_previous"]["previous_version"] == "1.0.1"
    assert r.json()["changes_since_previous"]["required_increment"] == "major"
    assert "version_number_accepted" not in r.json()["changes_since_previous"]


def test_owner_accepts_a_low_number_explicitly(client):
    assert put(client, "1.0.0", shapes()).status_code == 201
    r = put(client, "1.1.0", shapes(extra=True), accept_version_number="true")
    assert r.status_code == 201, r.text
    since = r.json()["changes_since_previous"]
    assert since["version_number_accepted"] is True and since["version_number_honest"] is False
    # recorded in the version's metadata (RDF), with the links to the previous version
    ttl = client.get("/profiles/sv/versions/1.1.0", headers={"Accept": "text/turtle"})
    graph = ox.Store()
    graph.load(ttl.content, ox.RdfFormat.TURTLE)
    v, previous = ox.NamedNode(BASE + "profiles/sv/1.1.0"), ox.NamedNode(BASE + "profiles/sv/1.0.0")
    chg = "https://w3id.org/profile-registry/changes#"

    def objects(p):
        return [q.object for q in graph.quads_for_pattern(v, ox.NamedNode(p), None)]

    assert objects(chg + "versionNumberAccepted") == [ox.Literal(True)]
    assert objects(chg + "requiredIncrement") == [ox.Literal("major")]
    assert objects("http://www.w3.org/ns/prov#wasRevisionOf") == [previous]
    assert objects("http://purl.org/dc/terms/replaces") == [previous]
    assert objects(chg + "changeSet") == [ox.NamedNode(BASE + "profiles/sv/diff?from=1.0.0&to=1.1.0")]
    # and shown on its page
    page = client.get("/ui/profiles/sv/1.1.0")
    assert 'id="version-number-accepted"' in page.text
    assert 'id="version-number-accepted"' not in client.get("/ui/profiles/sv/1.0.0").text
    # the diff says the number is lower than required
    view = client.get("/profiles/sv/diff").json()
    assert (view["required_increment"], view["version_number_honest"]) == ("major", False)


def test_drafts_are_not_checked_and_first_versions_have_nothing_to_compare(client):
    r = put(client, "0.1.0", shapes())
    assert r.status_code == 201 and "changes_since_previous" not in r.json()
    assert put(client, "0.1.1", shapes(extra=True), status="draft").status_code == 201
    # before 1.0.0 a breaking change asks a new minor version (SemVer item 4)
    r = put(client, "0.1.2", shapes(extra=True))
    assert r.status_code == 409 and r.json()["required_increment"] == "minor"
    assert put(client, "0.2.0", shapes(extra=True)).status_code == 201


def test_vocabulary_versions_too(client, snapshot):
    """Removing a concept in a minor release is refused; with the owner's acceptance it is
    published and recorded."""
    from tests.evolution.conftest import DATA

    def put_colours(version, source, **params):
        return client.put(f"/vocabularies/colours/versions/{version}", params=params,
                          content=(DATA / "colours" / f"{source}.ttl").read_bytes(),
                          headers={**client.actors.test, "Content-Type": "text/turtle"})

    assert put_colours("1.0.0", "1.1.0").status_code == 201
    before = snapshot(client)
    r = put_colours("1.1.0", "2.0.0")  # 2.0.0.ttl removes the concept orange
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "version-number-too-low" and problem["required_increment"] == "major"
    assert [(c["kind"], c["subject"]) for c in problem["changes"]] == [
        ("concept-removed", "https://w3id.org/test/colours/orange")]
    assert snapshot(client) == before
    r = put_colours("1.1.0", "2.0.0", accept_version_number="true")
    assert r.status_code == 201, r.text
    assert r.json()["changes_since_previous"]["version_number_accepted"] is True


def test_confirming_a_draft_is_checked_too(client, snapshot):
    """A draft confirmed with PATCH {"status": "published"} goes through the same check."""
    assert put(client, "1.0.0", shapes()).status_code == 201
    assert put(client, "1.1.0", shapes(extra=True), status="draft").status_code == 201
    before = snapshot(client)
    r = client.patch("/profiles/sv/versions/1.1.0", json={"status": "published"}, headers=client.actors.test)
    assert r.status_code == 409 and r.json()["code"] == "version-number-too-low"
    assert [c["rule"] for c in r.json()["changes"]] == ["field-added-required"]
    assert snapshot(client) == before
    r = client.patch("/profiles/sv/versions/1.1.0", json={"status": "published", "accept_version_number": True},
                     headers=client.actors.test)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert 'id="version-number-accepted"' in client.get("/ui/profiles/sv/1.1.0").text
