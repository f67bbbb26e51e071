"""Issue 12, item 3: IRIs with a script scheme never become links, and are refused at publication.

A vocabulary with `skos:exactMatch <javascript:alert(document.domain)>` or a `data:text/html,…`
IRI, or a profile with `sh:path <javascript:…>`, was accepted and rendered as a clickable
`<a href="javascript:…">`. Now:

* publication refuses `javascript:`, `vbscript:` and `data:` IRIs (any case) with 422
  `checks-failed`, finding `script-iri`, and the store is unchanged; other schemes than http(s)
  and urn (mailto:, tag:...) are accepted with the warning `unusual-iri-scheme`;
* the pages write an `href` only for http(s) IRIs (one macro, `macros.iri_link`), also for
  content stored before the check existed (written into the store directly here).

Pages are parsed with lxml; every `href` must be relative or http(s).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import lxml.html
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import Actors
from tests.security.conftest import assert_problem

HTML = {"Accept": "text/html"}
TURTLE = {"Content-Type": "text/turtle"}
SCRIPT_IRIS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,%3Cscript%3Ealert(document.domain)%3C/script%3E",
    "vbscript:msgbox(1)",
]
VOCAB = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/test/vocab/links> a skos:ConceptScheme ; skos:prefLabel "Links"@en ;
    skos:hasTopConcept <https://w3id.org/test/vocab/links/a> .
<https://w3id.org/test/vocab/links/a> a skos:Concept ; skos:prefLabel "A"@en ;
    skos:inScheme <https://w3id.org/test/vocab/links> ; skos:topConceptOf <https://w3id.org/test/vocab/links> ;
    skos:exactMatch {matches} .
"""
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://w3id.org/test/shapes/Links> a sh:NodeShape ; sh:targetClass <https://w3id.org/test/Thing> ;
    sh:property <https://w3id.org/test/shapes/links-p> .
<https://w3id.org/test/shapes/links-p> a sh:PropertyShape ; sh:path <{path}> ; sh:minCount 1 ; sh:name "the field"@en .
"""
CONCEPT = "https://w3id.org/test/vocab/links/a"


def hrefs(html: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    return [el.get("href") for el in doc.xpath("//*[@href]")] + [el.get("src") for el in doc.xpath("//*[@src]")]


def assert_only_web_links(html: str) -> None:
    """Every href/src is relative (no scheme) or http(s)."""
    for href in hrefs(html):
        scheme = urlsplit(href.strip()).scheme.lower()
        assert scheme in ("", "http", "https"), f"a {scheme}: link in the page: {href!r}"


@pytest.mark.parametrize("iri", SCRIPT_IRIS)
def test_vocabulary_with_script_iri_refused(client, snapshot, iri):
    before = snapshot(client)
    response = client.put("/vocabularies/links/versions/1.0.0", content=VOCAB.format(matches=f"<{iri}>").encode(),
                          headers={**TURTLE, **client.actors.test})
    body = assert_problem(response, 422, "checks-failed")
    assert [f["value"] for f in body["findings"] if f["code"] == "script-iri"] == [iri]
    assert snapshot(client) == before


@pytest.mark.parametrize("iri", SCRIPT_IRIS)
def test_profile_with_script_path_refused(client, snapshot, iri):
    before = snapshot(client)
    response = client.put("/profiles/links/versions/1.0.0", content=SHAPES.format(path=iri).encode(),
                          headers={**TURTLE, **client.actors.test})
    body = assert_problem(response, 422, "checks-failed")
    assert [f["value"] for f in body["findings"] if f["code"] == "script-iri"] == [iri]
    assert snapshot(client) == before


def test_unusual_schemes_accepted_with_warning_and_shown_as_text(client):
    matches = "<mailto:someone@example.org>, <tag:example.org,2024:a>, <https://example.org/a>"
    response = client.put("/vocabularies/links/versions/1.0.0", content=VOCAB.format(matches=matches).encode(),
                          headers={**TURTLE, **client.actors.test})
    assert response.status_code == 201, response.text
    warned = {w["value"] for w in response.json()["warnings"] if w["code"] == "unusual-iri-scheme"}
    assert warned == {"mailto:someone@example.org", "tag:example.org,2024:a"}
    page = client.get("/ui/concept?iri=" + quote(CONCEPT, safe=""), headers=HTML)
    assert page.status_code == 200, page.text[:300]
    assert_only_web_links(page.text)
    links = hrefs(page.text)
    assert "https://example.org/a" in links  # http(s) mappings are still links
    assert not any(h.startswith(("mailto:", "tag:")) for h in links)
    text = lxml.html.fromstring(page.text).text_content()
    assert "mailto:someone@example.org" in text and "tag:example.org,2024:a" in text  # shown, as text


def test_profile_with_unusual_path_scheme_warned(client):
    response = client.put("/profiles/links/versions/1.0.0", content=SHAPES.format(path="urn:x-test:p").encode(),
                          headers={**TURTLE, **client.actors.test})
    assert response.status_code == 201, response.text
    assert "unusual-iri-scheme" not in {w["code"] for w in response.json()["warnings"]}  # urn: is usual
    response = client.put("/profiles/links2/versions/1.0.0", content=SHAPES.format(path="tag:example.org,2024:p").encode(),
                          headers={**TURTLE, **client.actors.test})
    assert response.status_code == 201, response.text
    assert [w["value"] for w in response.json()["warnings"] if w["code"] == "unusual-iri-scheme"] == ["tag:example.org,2024:p"]


def test_script_iris_stored_before_the_check_are_never_links(settings):
    """A store written before publication refused these IRIs: the pages must still be safe.
    Published with placeholder http IRIs, then rewritten in the store, then served by a new app."""
    registry = Registry.build(settings)
    try:
        actors = Actors(registry)
        placeholders = {f"https://placeholder.example/{i}": iri for i, iri in enumerate(SCRIPT_IRIS)}
        with TestClient(create_app(settings, store=registry.store)) as http:
            matches = ", ".join(f"<{p}>" for p in placeholders)
            r = http.put("/vocabularies/links/versions/1.0.0", content=VOCAB.format(matches=matches).encode(),
                         headers={**TURTLE, **actors.test})
            assert r.status_code == 201, r.text
            r = http.put("/profiles/links/versions/1.0.0",
                         content=SHAPES.format(path="https://placeholder.example/0").encode(),
                         headers={**TURTLE, **actors.test})
            assert r.status_code == 201, r.text
        with registry.store.writing():
            for placeholder, iri in placeholders.items():
                old, new = ox.NamedNode(placeholder), ox.NamedNode(iri)
                registry.store.update(
                    f"DELETE {{ GRAPH ?g {{ ?s ?p {old} }} }} INSERT {{ GRAPH ?g {{ ?s ?p {new} }} }} "
                    f"WHERE {{ GRAPH ?g {{ ?s ?p {old} }} }}"
                )
        assert registry.store.ask("ASK { GRAPH ?g { ?s ?p <javascript:alert(document.domain)> } }")
    finally:
        registry.close()

    with TestClient(create_app(settings)) as http:
        pages = {
            "concept": "/ui/concept?iri=" + quote(CONCEPT, safe=""),
            "profile": "/ui/profiles/links/1.0.0",
            "vocabulary": "/ui/vocabularies/links/1.0.0",
            "concept (linked data, RDF table)": "/resource?iri=" + quote(CONCEPT, safe="") + "&_profile=alt",
        }
        for name, url in pages.items():
            page = http.get(url, headers=HTML)
            assert page.status_code == 200, (name, page.status_code, page.text[:300])
            assert_only_web_links(page.text)
        concept = http.get(pages["concept"], headers=HTML).text
        text = lxml.html.fromstring(concept).text_content()
        for iri in SCRIPT_IRIS:
            assert iri in text, iri  # shown as text
        profile = http.get(pages["profile"], headers=HTML).text
        assert "javascript:alert(document.domain)" in lxml.html.fromstring(profile).text_content()
