"""Skosmos REST v1 compatibility: the requests Dataverse's external-vocabulary script
(gdcc/dataverse-external-vocab-support scripts/skosmos.js) sends, and the fields it reads:
search `results[].uri, prefLabel, altLabel, lang, vocab`; data `graph[]` nodes with `uri` and
`prefLabel` (one `{lang, value}` object or a list of them)."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

UNESCO = "http://vocabularies.unesco.org/thesaurus/"
PHYSH = "https://doi.org/10.29172/"
GEMET = "http://www.eionet.europa.eu/gemet/concept/"
T = "https://w3id.org/test/voc/"
SEARCH_CONTEXT_KEYS = {"skos", "isothes", "onki", "uri", "type", "results", "prefLabel", "altLabel", "hiddenLabel"}


def dataverse_search(client, vocab, term, lang=None, parent=""):
    """The URL skosmos.js builds: rest/v1/search?unique=true&vocab=V&parent=P[&lang=L]&query=TERM*"""
    url = f"/rest/v1/search?unique=true&vocab={vocab}&parent={quote(parent, safe='')}" + (f"&lang={lang}" if lang else "")
    response = client.get(url + "&query=" + quote(term + "*", safe="*"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def dataverse_text(result) -> str:
    """What skosmos.js shows for one result (processResults)."""
    alt = result.get("altLabel")
    return result["prefLabel"] + (f" ({alt}), " if alt else ", ") + result["uri"]


def dataverse_term_name(data: dict, uri: str, lang: str) -> str:
    """skosmos.js expandSkosmos(): the label it displays for a stored term URI."""
    name = ""
    for node in data["graph"]:
        if node["uri"] != uri:
            continue
        labels = node["prefLabel"]
        if isinstance(labels, list):
            default = ""
            for label in labels:
                if label["lang"] == lang:
                    name = label["value"]
                    break
                if label["lang"] == "en":
                    name = label["value"]
                if not default and not name:
                    default = label["value"]
            name = name or default
        else:
            name = labels["value"]
    return name


def test_search_shape_and_fields(vclient):
    body = dataverse_search(vclient, "unesco", "educat", lang="en")
    assert set(body) == {"@context", "uri", "results"}
    assert SEARCH_CONTEXT_KEYS <= set(body["@context"]) and body["@context"]["@language"] == "en"
    assert body["@context"]["results"] == {"@id": "onki:results", "@container": "@list"}
    assert body["uri"] == ""
    first = body["results"][0]
    assert first["uri"] == UNESCO + "concept2"
    assert first["prefLabel"] == "Education" and first["lang"] == "en"
    assert first["vocab"] == "unesco" and first["type"] == ["skos:Concept"]
    assert first["localname"] == "concept2"
    assert "altLabel" not in first
    for result in body["results"]:
        assert set(result) <= {"uri", "type", "localname", "prefLabel", "lang", "notation", "altLabel",
                               "hiddenLabel", "matchedPrefLabel", "vocab", "exvocab"}
        assert result["vocab"] == "unesco" and result["lang"] == "en"
        assert dataverse_text(result).endswith(", " + result["uri"])
    uris = [r["uri"] for r in body["results"]]
    assert len(uris) == len(set(uris))  # unique=true


def test_search_french_accents_and_altlabels(vclient):
    body = dataverse_search(vclient, "unesco", "electron", lang="fr")
    first = body["results"][0]
    assert first["uri"] == UNESCO + "concept9543" and first["prefLabel"] == "Électron" and first["lang"] == "fr"
    body = dataverse_search(vclient, "physh", "EELS", lang="en")
    first = body["results"][0]
    assert first["uri"] == PHYSH + "8d9a5500-7204-4ae4-8a93-388da8f8d432"
    assert first["prefLabel"] == "Electron energy loss spectroscopy" and first["altLabel"] == "EELS"
    assert first["lang"] == "en"
    assert dataverse_text(first) == f"Electron energy loss spectroscopy (EELS), {first['uri']}"
    # GEMET has French labels only
    body = dataverse_search(vclient, "gemet", "ecologie mar", lang="fr")
    assert body["results"][0]["prefLabel"] == "écologie marine"


def test_search_without_lang_reports_the_matched_language(vclient):
    body = dataverse_search(vclient, "unesco", "éducation")
    first = body["results"][0]
    assert first["uri"] == UNESCO + "concept2"
    assert (first["prefLabel"], first["lang"]) in {("Éducation", "fr"), ("Education", "en"), ("Educación", "es")}
    assert "@language" not in body["@context"]


def test_search_parent_filter_and_undefined_parent(vclient):
    electron_techniques = PHYSH + "b6850136-0dff-41c9-85da-b6bcf1518811"
    body = dataverse_search(vclient, "physh", "scanning", lang="en", parent=electron_techniques)
    assert body["results"]
    for result in body["results"]:
        paths = vclient.get("/vocab/concept", params={"iri": result["uri"]}).json()["paths"]
        assert any(electron_techniques in [step["iri"] for step in path] for path in paths)
    # skosmos.js concatenates a missing data-cvoc-filter attribute as "undefined"
    assert dataverse_search(vclient, "physh", "EELS", parent="undefined")["results"]


def test_search_modes_unique_and_deprecated(vclient):
    exact = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "education", "lang": "en"}).json()
    assert [r["uri"] for r in exact["results"]] == [UNESCO + "concept2"]
    many = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "electron", "unique": "false"}).json()
    assert [r["uri"] for r in many["results"]].count(UNESCO + "concept9543") >= 2  # fr and es labels
    assert not any("matchedPrefLabel" in r for r in many["results"])  # shown in the matched label's language
    # matched in French, shown in English (labellang): Skosmos reports matchedPrefLabel
    other = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "électron", "lang": "fr", "labellang": "en"}).json()
    assert other["results"][0] == {"uri": UNESCO + "concept9543", "type": ["skos:Concept"], "localname": "concept9543",
                                   "prefLabel": "Electrons", "lang": "fr", "matchedPrefLabel": "Électron", "vocab": "unesco"}
    # deprecated concepts are left out, as Skosmos does by default
    tem = vclient.get("/rest/v1/search", params={"vocab": "techniques", "query": "tem*", "lang": "en"}).json()
    assert T + "tem" not in [r["uri"] for r in tem["results"]]
    # the per-vocabulary form, and several vocabularies at once
    per_vocab = vclient.get("/rest/v1/unesco/search", params={"query": "educat*", "lang": "en"}).json()
    assert per_vocab["results"][0]["uri"] == UNESCO + "concept2"
    both = vclient.get("/rest/v1/search", params={"vocab": "physh techniques", "query": "scanning electron*", "lang": "en"}).json()
    assert {r["vocab"] for r in both["results"]} == {"physh", "techniques"}


def test_search_bad_input(vclient):
    for params, status in (
        ({"vocab": "unesco"}, 422),
        ({"vocab": "unesco", "query": "a" * 300 + "*"}, 422),
        ({"vocab": "unesco", "query": "ab\x07*"}, 422),
        ({"vocab": "nope", "query": "ab*"}, 404),
        ({"vocab": "unesco", "query": "ab*", "maxhits": 0}, 422),
    ):
        response = vclient.get("/rest/v1/search", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    beyond = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "ab*", "offset": 100000}).json()
    assert beyond["results"] == []


def test_data_jsonld_graph(vclient):
    uri = UNESCO + "concept9291"
    response = vclient.get("/rest/v1/data", params={"uri": uri, "format": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    data = response.json()
    assert set(data) == {"@context", "graph"}
    assert data["@context"]["uri"] == "@id" and data["@context"]["graph"] == "@graph"
    assert data["@context"]["prefLabel"] == "skos:prefLabel" and data["@context"]["lang"] == "@language"
    nodes = {node["uri"]: node for node in data["graph"]}
    concept = nodes[uri]
    assert concept["type"] == "skos:Concept"
    assert {"lang": "fr", "value": "Enseignement secondaire"} in concept["prefLabel"]
    assert concept["broader"] == {"uri": UNESCO + "concept36"}
    assert concept["inScheme"] == {"uri": "http://vocabularies.unesco.org/thesaurus"}
    assert {"uri": UNESCO + "concept9921"} in concept["narrower"]
    # linked concepts come with their labels, as Skosmos includes them
    assert {"lang": "en", "value": "Educational levels"} in nodes[UNESCO + "concept36"]["prefLabel"]
    assert dataverse_term_name(data, uri, "fr") == "Enseignement secondaire"
    assert dataverse_term_name(data, uri, "de") == "Secondary education"  # falls back to English
    # skosmos.js sends Accept: application/json without format
    plain = vclient.get("/rest/v1/data", params={"uri": uri}, headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/json") and plain.json() == data
    # one language only: prefLabel is a single {lang, value} object
    gemet = vclient.get("/rest/v1/gemet/data", params={"uri": GEMET + "6859"}).json()
    node = next(n for n in gemet["graph"] if n["uri"] == GEMET + "6859")
    assert node["prefLabel"] == {"lang": "fr", "value": "assurance de qualité"}
    assert dataverse_term_name(gemet, GEMET + "6859", "fr") == "assurance de qualité"


def test_data_other_formats_versions_and_errors(vclient):
    uri = UNESCO + "concept2"
    turtle = vclient.get("/rest/v1/data", params={"uri": uri, "format": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert ox.Quad(ox.NamedNode(uri), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                   ox.Literal("Éducation", language="fr")) in triples
    removed = vclient.get("/rest/v1/data", params={"uri": T + "light"}).json()
    assert any(n["uri"] == T + "light" for n in removed["graph"])
    deprecated = vclient.get("/rest/v1/techniques/data", params={"uri": T + "tem"}).json()
    node = next(n for n in deprecated["graph"] if n["uri"] == T + "tem")
    assert node["owl:deprecated"] == {"type": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true"}
    assert node["dct:isReplacedBy"] == {"uri": T + "ctem"}
    assert vclient.get("/rest/v1/data", params={"uri": "http://example.org/none"}).status_code == 404
    assert vclient.get("/rest/v1/data").status_code == 422
    assert vclient.get("/rest/v1/data", params={"uri": uri, "format": "image/png"}).status_code == 422


def test_vocabulary_level_methods(vclient):
    vocabularies = vclient.get("/rest/v1/vocabularies", params={"lang": "en"}).json()
    ids = {v["id"]: v for v in vocabularies["vocabularies"]}
    assert ids["unesco"] == {"uri": "unesco", "id": "unesco", "title": "UNESCO"}
    info = vclient.get("/rest/v1/unesco/", params={"lang": "en"}).json()
    assert info["id"] == "unesco" and info["conceptschemes"][0]["uri"] == "http://vocabularies.unesco.org/thesaurus"
    assert set(info["languages"]) == {"ar", "en", "es", "fr", "ru"} and info["defaultLanguage"] == "en"
    top = vclient.get("/rest/v1/unesco/topConcepts", params={"lang": "en"}).json()
    assert top["uri"] == "http://vocabularies.unesco.org/thesaurus" and len(top["topconcepts"]) == 585
    first = top["topconcepts"][0]
    assert set(first) >= {"uri", "label", "hasChildren", "topConceptOf"}
    children = vclient.get("/rest/v1/unesco/children", params={"uri": UNESCO + "concept36", "lang": "en"}).json()
    assert children["uri"] == UNESCO + "concept36"
    child = next(c for c in children["narrower"] if c["uri"] == UNESCO + "concept9291")
    assert child == {"uri": UNESCO + "concept9291", "prefLabel": "Secondary education", "hasChildren": True}
    label = vclient.get("/rest/v1/unesco/label", params={"uri": UNESCO + "concept2", "lang": "fr"}).json()
    assert label["uri"] == UNESCO + "concept2" and label["prefLabel"] == "Éducation"
    assert vclient.get("/rest/v1/nope/topConcepts").status_code == 404


MT_AMERICAS = UNESCO + "mt7.10"  # a UNESCO micro-thesaurus (a skos:Collection)


def test_search_group_type_and_fields(vclient):
    """Skosmos `group`, `type` and `fields` (ConceptSearchParameters, GenericSparql::formatExtraFields)."""
    members = {m["uri"] for m in vclient.get("/rest/v1/unesco/groupMembers",
                                              params={"uri": MT_AMERICAS, "lang": "en"}).json()["members"]}
    everywhere = vclient.get("/rest/v1/unesco/search", params={"query": "b*", "lang": "en", "maxhits": 100}).json()
    assert {r["uri"] for r in everywhere["results"]} - members  # concepts outside the group match too
    grouped = vclient.get("/rest/v1/unesco/search",
                          params={"query": "b*", "lang": "en", "maxhits": 100, "group": MT_AMERICAS}).json()
    uris = [r["uri"] for r in grouped["results"]]
    assert uris and set(uris) <= members
    assert vclient.get("/rest/v1/unesco/search", params={"query": "b*", "group": UNESCO + "nope"}).json()["results"] == []
    # type: prefixed names or IRIs, several separated by spaces or +; concepts have skos:Concept
    for concept_type in ("skos:Concept", "http://www.w3.org/2004/02/skos/core#Concept", "owl:Class+skos:Concept"):
        typed = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "b*", "lang": "en", "maxhits": 100,
                                                       "type": concept_type}).json()
        assert [r["uri"] for r in typed["results"]] == [r["uri"] for r in everywhere["results"]]
    assert vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "b*", "type": "owl:Class"}).json()["results"] == []
    # fields: prefLabels (every language), skos:<property> as {uri, prefLabel} or literal strings
    body = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "electron*", "lang": "en",
                                                  "fields": "prefLabel broader"}).json()
    assert body["results"]
    for result in body["results"]:
        concept = vclient.get("/vocab/concept", params={"iri": result["uri"], "lang": "en"}).json()
        assert result["prefLabels"] == concept["prefLabel"]
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result["prefLabels"].items())
        broader = result.get("skos:broader", [])
        assert {b["uri"] for b in broader} == {b["iri"] for b in concept["broader"]}
        for item in broader:
            assert set(item) <= {"uri", "prefLabel"} and all(isinstance(v, str) for v in item.values())
            assert item["prefLabel"] == next(b["label"] for b in concept["broader"] if b["iri"] == item["uri"])
    assert any(r.get("skos:broader") for r in body["results"])
    notes = vclient.get("/rest/v1/techniques/search", params={"query": "microscopy", "lang": "en",
                                                             "fields": "definition"}).json()
    assert notes["results"][0]["skos:definition"] == ["Imaging small things."]
    bad = vclient.get("/rest/v1/search", params={"vocab": "unesco", "query": "b*", "fields": "broader; DROP"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["code"] == "invalid-fields"
