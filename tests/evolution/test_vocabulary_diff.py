"""Vocabulary diffs (issue 17, items 2 and 3): a vocabulary published in three versions with
concepts added, removed, deprecated, relabelled, moved, re-coded and re-mapped; each entry and its
classification checked exactly; and a profile whose pinned vocabulary version changes."""

from __future__ import annotations

import pyoxigraph as ox

from registry.evolution.changeset import CHG
from tests.conftest import BASE
from tests.evolution.conftest import DATA

C = "https://w3id.org/test/colours/"


def publish_colours(client, *versions):
    for version in versions:
        r = client.put(f"/vocabularies/colours/versions/{version}", content=(DATA / "colours" / f"{version}.ttl").read_bytes(),
                       headers={**client.actors.test, "Content-Type": "text/turtle"})
        assert r.status_code == 201, r.text


def publish_palette(client, version, **params):
    return client.put(f"/profiles/palette/versions/{version}", params=params, content=(DATA / "palette.ttl").read_bytes(),
                      headers={**client.actors.test, "Content-Type": "text/turtle"})


def entries(view):
    return [(c["kind"], c["rule"], c["classification"], c["subject"].replace(C, ":"), c.get("aspect"), c.get("language"),
             c.get("before"), c.get("after")) for c in view["changes"]]


def test_vocabulary_versions_every_entry(client):
    publish_colours(client, "1.0.0", "1.1.0", "2.0.0")
    view = client.get("/vocabularies/colours/diff", params={"from": "1.0.0", "to": "1.1.0"}).json()
    assert entries(view) == [
        ("concept-added", "concept-added", "compatible", ":amber", None, None, None, ["Amber", "Ambre"]),
        ("concept-mapping-changed", "concept-mapping-changed", "compatible", ":blue", "skos:exactMatch", None,
         "https://w3id.org/test/other-colours/blue", "https://w3id.org/test/other-colours/azure"),
        ("hierarchy-changed", "hierarchy-changed", "compatible", ":cold", "skos:narrower", None, C + "teal", None),
        ("concept-deprecated", "concept-deprecated", "compatible", ":orange", "owl:deprecated", None, None, True),
        ("concept-notation-changed", "concept-notation-changed", "compatible", ":red", "skos:notation", None, "R", "RD"),
        ("concept-relabelled", "concept-relabelled", "editorial", ":teal", "skos:prefLabel", "fr", "Sarcelle",
         "Bleu sarcelle"),
        ("concept-moved", "concept-moved", "compatible", ":teal", "skos:broader", None, C + "cold", C + "warm"),
        ("hierarchy-changed", "hierarchy-changed", "compatible", ":warm", "skos:narrower", None, None,
         [C + "amber", C + "teal"]),
    ]
    orange = next(c for c in view["changes"] if c["kind"] == "concept-deprecated")
    assert orange["replaced_by"] == [C + "amber"]
    assert (view["required_increment"], view["version_number_honest"]) == ("minor", True)
    assert view["concept_scheme"] == "https://w3id.org/test/colours"

    view = client.get("/vocabularies/colours/diff").json()  # latest (2.0.0) against 1.1.0
    assert (view["from"]["version"], view["to"]["version"]) == ("1.1.0", "2.0.0")
    assert entries(view) == [
        ("concept-removed", "concept-removed", "breaking", ":orange", None, None, "Orange", None),
        ("hierarchy-changed", "hierarchy-changed", "compatible", ":warm", "skos:narrower", None, C + "orange", None),
    ]
    assert view["required_increment"] == "major"

    # the change set in RDF
    r = client.get("/vocabularies/colours/diff", params={"from": "1.1.0", "to": "2.0.0", "_mediatype": "text/turtle"})
    store = ox.Store()
    store.load(r.content, ox.RdfFormat.TURTLE)
    rows = list(store.query(f"SELECT ?s WHERE {{ ?c <{CHG}classification> <{CHG}Breaking> ; <{CHG}subject> ?s }}"))
    assert [row["s"].value for row in rows] == [C + "orange"]
    new, old = (ox.NamedNode(BASE + f"vocabularies/colours/{v}") for v in ("2.0.0", "1.1.0"))
    assert list(store.quads_for_pattern(new, ox.NamedNode("http://www.w3.org/ns/prov#wasRevisionOf"), old))

    # the vocabulary page links each version to its changes
    page = client.get("/ui/vocabularies/colours/2.0.0")
    assert "/vocabularies/colours/diff?from=1.1.0&amp;to=2.0.0" in page.text


def test_profile_entry_for_a_newer_pinned_vocabulary(client):
    """A profile version pins the vocabulary versions published when it was; the next version
    of the profile with the same shapes pins newer ones: the entry is classified by the
    vocabulary's own changes."""
    publish_colours(client, "1.0.0")
    assert publish_palette(client, "1.0.0").status_code == 201
    publish_colours(client, "1.1.0")
    r = publish_palette(client, "1.1.0")
    assert r.status_code == 201, r.text
    view = client.get("/profiles/palette/diff").json()
    assert [(c["kind"], c["rule"], c["classification"], c["subject"], c["before"], c["after"], c["fields"])
            for c in view["changes"]] == [
        ("vocabulary-version", "vocabulary-version-compatible", "compatible", "https://w3id.org/test/colours",
         BASE + "vocabularies/colours/1.0.0", BASE + "vocabularies/colours/1.1.0", ["https://w3id.org/test/palette/colour"]),
    ]
    publish_colours(client, "2.0.0")
    # the same shapes, now pinning a vocabulary version that removed a concept: not a minor release
    r = publish_palette(client, "1.2.0")
    assert r.status_code == 409 and r.json()["code"] == "version-number-too-low"
    assert [(c["kind"], c["rule"], c["before"], c["after"]) for c in r.json()["changes"]] == [
        ("vocabulary-version", "vocabulary-version-breaking", BASE + "vocabularies/colours/1.1.0",
         BASE + "vocabularies/colours/2.0.0")]
    r = publish_palette(client, "2.0.0")
    assert r.status_code == 201, r.text
    view = client.get("/profiles/palette/diff").json()
    assert [(c["rule"], c["classification"]) for c in view["changes"]] == [("vocabulary-version-breaking", "breaking")]
    assert view["required_increment"] == "major"
