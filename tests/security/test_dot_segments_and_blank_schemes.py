"""Namespace ownership and dot segments; blank-node concept schemes (issue 12, items 6 and 7).

Item 6: with community A's token, vocabularies with IRIs `https://w3id.org/laba/../labb/…`,
`…/laba/%2e%2e/labb/…` and the same through `@base <…/laba/../labb/>` were published (201): they
start with A's namespace as strings but name B's once a client removes the dot segments
(RFC 3986 §5.2.4). They are now refused (422 `checks-failed`, finding `iri-dot-segment`), as are
community namespaces with dot segments.

Item 7: a vocabulary whose scheme and concepts are blank nodes got a 500 (`ValueError: No scheme
found in an absolute IRI`); now a 422 with finding `skos-blank-node`.
"""

from __future__ import annotations

import pytest

from registry.errors import InvalidInput
from tests.security.conftest import OTHER_NS, TEST_NS, assert_problem, finding_codes

SKOS = "http://www.w3.org/2004/02/skos/core#"


def vocabulary(scheme: str, concept: str, base: str | None = None) -> bytes:
    head = f"@base <{base}> .\n" if base else ""
    return (
        f"{head}@prefix skos: <{SKOS}> .\n"
        f"<{scheme}> a skos:ConceptScheme ; skos:prefLabel \"S\"@en ; skos:hasTopConcept <{concept}> .\n"
        f"<{concept}> a skos:Concept ; skos:prefLabel \"C\"@en ; skos:inScheme <{scheme}> ; skos:topConceptOf <{scheme}> .\n"
    ).encode()


DOTTED = {
    "plain": vocabulary(f"{TEST_NS}../other/scheme", f"{TEST_NS}../other/c1"),
    "percent-encoded": vocabulary(f"{TEST_NS}%2e%2e/other/scheme", f"{TEST_NS}%2E%2e/other/c1"),
    "via-base": vocabulary("scheme", "c1", base=f"{TEST_NS}../other/"),
    "single-dot": vocabulary(f"{TEST_NS}./scheme", f"{TEST_NS}./c1"),
}


@pytest.mark.parametrize("variant", sorted(DOTTED))
def test_vocabulary_iris_with_dot_segments_are_refused(client, snapshot, variant):
    before = snapshot(client)
    response = client.put("/vocabularies/dots/versions/1.0.0", content=DOTTED[variant],
                          headers={"Content-Type": "text/turtle", **client.actors.test})
    problem = assert_problem(response, 422, "checks-failed")
    assert "iri-dot-segment" in finding_codes(response), problem
    dotted = [f for f in problem["findings"] if f["code"] == "iri-dot-segment"]
    assert any("/other/" in f.get("focus", "") or "./" in f.get("focus", "") for f in dotted), dotted
    assert snapshot(client) == before
    assert client.get("/vocabularies/dots").status_code == 404


def test_profile_iris_with_dot_segments_are_refused(client, snapshot):
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"<{TEST_NS}%2e%2e/other/Shape> a sh:NodeShape ; sh:targetClass <{TEST_NS}Thing> .\n"
    ).encode()
    before = snapshot(client)
    response = client.put("/profiles/dots/versions/1.0.0", content=shapes,
                          headers={"Content-Type": "text/turtle", **client.actors.test})
    assert_problem(response, 422, "checks-failed")
    assert "iri-dot-segment" in finding_codes(response)
    assert snapshot(client) == before


def test_the_same_iris_without_dot_segments_are_judged_by_ownership(client):
    """Control: the resolved IRIs are community B's, refused as such; A's own are accepted."""
    response = client.put("/vocabularies/dots/versions/1.0.0",
                          content=vocabulary(f"{OTHER_NS}scheme", f"{OTHER_NS}c1"),
                          headers={"Content-Type": "text/turtle", **client.actors.test})
    assert "namespace-outside-community" in finding_codes(response)
    response = client.put("/vocabularies/dots/versions/1.0.0",
                          content=vocabulary(f"{TEST_NS}dots/scheme", f"{TEST_NS}dots/c1..x"),
                          headers={"Content-Type": "text/turtle", **client.actors.test})
    assert response.status_code == 201, response.text


def test_community_namespaces_with_dot_segments_are_refused(services):
    for namespace in ("https://w3id.org/laba/../labb/", "https://w3id.org/laba/%2E%2E/", "https://w3id.org/./x/"):
        with pytest.raises(InvalidInput) as refused:
            services.communities.create("dots", "Dots", [namespace])
        assert refused.value.code == "invalid-namespace"
    assert "dots" not in {c.id for c in services.catalog.communities()}


@pytest.mark.parametrize("blank", ["scheme-and-concepts", "scheme", "concepts"])
def test_blank_node_schemes_and_concepts_get_a_422(client, snapshot, blank):
    scheme = "_:scheme" if blank in ("scheme-and-concepts", "scheme") else f"<{TEST_NS}bn/scheme>"
    concept = "_:c1" if blank in ("scheme-and-concepts", "concepts") else f"<{TEST_NS}bn/c1>"
    body = (
        f"@prefix skos: <{SKOS}> .\n"
        f"{scheme} a skos:ConceptScheme ; skos:prefLabel \"S\"@en ; skos:hasTopConcept {concept} .\n"
        f"{concept} a skos:Concept ; skos:prefLabel \"C\"@en ; skos:inScheme {scheme} ; skos:topConceptOf {scheme} .\n"
    ).encode()
    before = snapshot(client)
    response = client.put("/vocabularies/bn/versions/1.0.0", content=body,
                          headers={"Content-Type": "text/turtle", **client.actors.test})
    problem = assert_problem(response, 422, "checks-failed")
    blanks = [f for f in problem["findings"] if f["code"] == "skos-blank-node"]
    assert blanks and all("blank node" in f["message"] for f in blanks), problem
    assert snapshot(client) == before
