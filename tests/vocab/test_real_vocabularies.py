"""Every real vocabulary of ../shared/data/vocabularies published unedited (issue 16, items 1 and 4):
the integrity findings are warnings naming every offender, in French and English, in the answer
and on the vocabulary page; each vocabulary answers a search for a known label in every language
it has, a concept lookup and a walk down its hierarchy. QUDT units (not SKOS) are refused with a
message that says why and what to do. Strict mode (publish parameter, community setting) refuses.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from .conftest import DATA, FORMATS, HTTP_PUBLISHED, REAL

SKOS = "http://www.w3.org/2004/02/skos/core#"
UNESCO = "http://vocabularies.unesco.org/thesaurus/"

#: A concept of each vocabulary, its labels (read by hand in the files) and a broader concept.
KNOWN = {
    "unesco": (UNESCO + "concept1000",
               {"ar": "موهبة", "ru": "Талант", "es": "Talento", "fr": "Talent", "en": "Talent"},
               UNESCO + "concept389"),
    "gemet": ("http://www.eionet.europa.eu/gemet/concept/100", {"fr": "code administratif"},
              "http://www.eionet.europa.eu/gemet/concept/13292"),
    "physh": ("https://doi.org/10.29172/8d9a5500-7204-4ae4-8a93-388da8f8d432",
              {"en": "Electron energy loss spectroscopy"}, None),
    "eu-file-types": ("http://publications.europa.eu/resource/authority/file-type/OP_DATPRO",
                      {"sv": "Tillfälliga uppgifter", "sl": "Začasni podatki", "pt": "Dados provisórios"}, None),
    "coar-access-rights": ("http://purl.org/coar/access_right/c_14cb",
                           {"fr": "accès aux seules métadonnées", "en": "metadata only access",
                            "ja": "メタデータのみ", "sr-cyrl": "приступ ограничен на метаподатке"}, None),
    "coar-version-types": ("http://purl.org/coar/version/c_71e4c1898caa6e32",
                           {"nl": "ingediende versie", "zh": "预印本稿"}, None),
    "coar-resource-types": ("http://purl.org/coar/resource_type/c_2f33",
                            {"fr": "ouvrage", "de": "Buch", "el": "βιβλίο", "uk": "книга"},
                            "http://purl.org/coar/resource_type/c_18cf"),
}
#: The languages of the concepts' prefLabels in each file (counted in the files).
LANGUAGES = {
    "unesco": {"ar", "en", "es", "fr", "ru"},
    "gemet": {"fr"},
    "physh": {"en"},
    "eu-file-types": {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
                      "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"},
    "coar-access-rights": {"ar", "ca", "de", "en", "es", "fi", "fr", "it", "ja", "nl", "pt", "ru", "sl", "sr",
                           "sr-cyrl", "tr"},
    "coar-version-types": {"ca", "de", "en", "es", "fi", "fr", "it", "ja", "nl", "ru", "sr", "sr-cyrl", "tr", "zh"},
    "coar-resource-types": {"ar", "az", "ca", "cs", "da", "de", "el", "en", "es", "fi", "fr", "gl", "hu", "it",
                            "ja", "ko", "nl", "pl", "pt", "ro", "ru", "sl", "sr", "sr-cyrl", "sv", "tr", "uk", "zh"},
}
ALL = {**REAL, **HTTP_PUBLISHED}


def get(client, path, status=200, **params):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json()


def one_label_per_language(vid: str) -> dict[str, tuple[str, str]]:
    """language → (concept IRI, its prefLabel), read from the source file independently of the
    registry: the first concept (by IRI) with a prefLabel in that language."""
    store = ox.Store()
    path = DATA / ALL[vid][0]
    store.bulk_load(path=str(path), format=FORMATS[path.suffix[1:]])
    out: dict[str, tuple[str, str]] = {}
    rows = store.query(f"""SELECT ?c ?l WHERE {{ ?c a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l
                             FILTER(REGEX(STR(?l), "[A-Za-z0-9\\\\p{{L}}]")) }} ORDER BY ?c ?l""")
    for c, label in rows:
        out.setdefault(label.language.lower(), (c.value, label.value))
    return out


@pytest.mark.parametrize("vid", sorted(ALL))
def test_published_unedited_and_searchable_in_each_language(vclient, vocab_publications, vid):
    items = {item["id"]: item for item in get(vclient, "/vocab/vocabularies")}
    assert vid in items and items[vid]["concepts"] > 0
    assert {lang.lower() for lang in items[vid]["languages"]} == LANGUAGES[vid]
    labels = one_label_per_language(vid)
    assert set(labels) == LANGUAGES[vid]
    for lang, (iri, label) in sorted(labels.items()):
        body = get(vclient, f"/vocabularies/{vid}/search", q=label[:200], lang=lang, match="exact", limit=100)
        assert iri in [r["iri"] for r in body["results"]], (lang, label, body["results"][:3])
        hit = next(r for r in body["results"] if r["iri"] == iri)
        assert hit["matched"]["lang"].lower() == lang and hit["vocabulary"] == vid


@pytest.mark.parametrize("vid", sorted(ALL))
def test_known_concept_and_its_hierarchy(vclient, vid):
    iri, labels, broader = KNOWN[vid]
    concept = get(vclient, f"/vocabularies/{vid}/concept", iri=iri)
    for lang, label in labels.items():
        assert concept["prefLabel"][lang] == label
        found = get(vclient, f"/vocabularies/{vid}/search", q=label, lang=lang)
        assert found["results"][0]["iri"] == iri
    if broader:
        assert broader in {b["iri"] for b in concept["broader"]}
    # every path runs from a concept with no broader one down to this concept
    assert concept["paths"]
    for path in concept["paths"]:
        assert path[-1]["iri"] == iri
        for upper, lower in zip(path, path[1:]):
            assert upper["iri"] in {b["iri"] for b in get(vclient, f"/vocabularies/{vid}/concept", iri=lower["iri"])["broader"]}
    # walk down from the top: each child names its parent among its broader concepts
    top = get(vclient, f"/vocabularies/{vid}/top", limit=1000)
    assert top["results"]
    parent = next((r for r in top["results"] if r["has_children"]), None)
    depth = 0
    while parent is not None and depth < 6:
        children = get(vclient, f"/vocabularies/{vid}/children", iri=parent["iri"], limit=1000)["results"]
        assert children
        child = children[0]
        assert parent["iri"] in {b["iri"] for b in get(vclient, f"/vocabularies/{vid}/concept", iri=child["iri"])["broader"]}
        parent = next((c for c in children if c["has_children"]), None)
        depth += 1


#: What the third-party files really break (tests/publishing/test_skos_checks.py says how it was checked).
INTEGRITY = {"unesco": {"skos-S13": 3}, "gemet": {"skos-S27": 71}, "physh": {"skos-S27": 4}}


@pytest.mark.parametrize("vid", sorted(REAL))
def test_integrity_findings_are_warnings_listing_every_offender(vocab_publications, vid):
    answer = vocab_publications["results"][vid]
    assert answer["created"] is True and answer["status"] == "published"
    found: dict[str, int] = {}
    for w in answer["warnings"]:
        assert w["severity"] == "warning"
        if w["code"].startswith("skos-S"):
            found[w["code"]] = found.get(w["code"], 0) + 1
            assert w["focus"] and w["messages"]["en"] == w["message"] and w["messages"]["fr"]
            assert w["focus"] in w["messages"]["fr"]
    assert found == INTEGRITY.get(vid, {})
    if vid == "unesco":
        assert {w["focus"] for w in answer["warnings"] if w["code"] == "skos-S13"} == {
            UNESCO + "mt7.10", UNESCO + "concept3325", UNESCO + "concept12872"}


def test_vocabulary_page_shows_the_findings_in_french_and_english(vclient, vocab_publications):
    warnings = [w for w in vocab_publications["results"]["unesco"]["warnings"] if w["code"] == "skos-S13"]
    for lang, heading in (("en", "Findings of the publication checks"), ("fr", "Constats des vérifications de publication")):
        response = vclient.get("/ui/vocabularies/unesco", params={"lang": lang})
        assert response.status_code == 200
        html = response.text
        assert heading in html
        items = re.findall(r'<li data-code="skos-S13">(.*?)</li>', html, re.S)
        assert len(items) == 3
        for w in warnings:
            expected = w["messages"][lang].replace('"', "&#34;")
            assert any(expected in item for item in items), (expected, items)
    # a vocabulary without findings has no such section
    assert "Findings of the publication checks" not in vclient.get("/ui/vocabularies/coar-access-rights").text


def test_qudt_units_are_refused_with_why_and_what_to_do(vclient, vocab_tokens, snapshot):
    """QUDT units are instances of qudt:Unit, not SKOS: refused (docs/vocabularies.md says why)."""
    before = snapshot(vclient)
    response = vclient.put(
        "/vocabularies/qudt-units/versions/1.0.0", content=(DATA / "qudt_units.ttl").read_bytes(),
        headers={"Authorization": f"Bearer {vocab_tokens['test']}", "Content-Type": "text/turtle"},
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    findings = response.json()["findings"]
    [scheme] = [f for f in findings if f["code"] == "vocabulary-scheme-count"]
    assert "http://qudt.org/schema/qudt/Unit" in scheme["message"] and "not a SKOS vocabulary" in scheme["message"]
    assert "sh:pattern" in scheme["message"] and "skos:Concept" in scheme["message"]
    assert "pas un vocabulaire SKOS" in scheme["messages"]["fr"]
    assert snapshot(vclient) == before


def _publish(client, token, vid, body, **params):
    return client.put(f"/vocabularies/{vid}/versions/1.0.0", content=body.encode(), params=params,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"})


S13_VOCAB = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/test/s13/scheme> a skos:ConceptScheme ; skos:prefLabel "S13"@en .
<https://w3id.org/test/s13/a> a skos:Concept ; skos:inScheme <https://w3id.org/test/s13/scheme> ;
  skos:topConceptOf <https://w3id.org/test/s13/scheme> ;
  skos:prefLabel "Talent"@en ; skos:altLabel "Talent"@en ; skos:definition "d"@en .
"""


def test_strict_mode_by_parameter_and_by_community_setting(client, snapshot):
    token = client.actors.test_token
    before = snapshot(client)
    refused = _publish(client, token, "strict-one", S13_VOCAB, skos_integrity="strict")
    assert refused.status_code == 422
    errors = [f for f in refused.json()["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["focus"]) for f in errors] == [("skos-S13", "https://w3id.org/test/s13/a")]
    assert snapshot(client) == before
    # the community asks for strict mode for all its vocabularies
    registry = client.app.state.registry
    assert registry.communities.set_skos_integrity("test", "strict").skos_integrity == "strict"
    before = snapshot(client)
    assert _publish(client, token, "strict-two", S13_VOCAB).status_code == 422
    assert snapshot(client) == before
    # ... which one publication may still override, and which the community can undo
    published = _publish(client, token, "strict-three", S13_VOCAB, skos_integrity="warn")
    assert published.status_code == 201, published.text
    assert [w["code"] for w in published.json()["warnings"]] == ["skos-S13"]
    registry.communities.set_skos_integrity("test", "warn")
    assert _publish(client, token, "strict-four", S13_VOCAB).status_code == 201
    bad = _publish(client, token, "strict-five", S13_VOCAB, skos_integrity="lenient")
    assert bad.status_code == 422
