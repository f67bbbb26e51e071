"""Concepts, hierarchy (top concepts, children, paths), versions, deprecation and removal."""

from __future__ import annotations

UNESCO = "http://vocabularies.unesco.org/thesaurus/"
GEMET = "http://www.eionet.europa.eu/gemet/concept/"
PHYSH = "https://doi.org/10.29172/"
T = "https://w3id.org/test/voc/"


def get(client, path, status=200, **params):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_vocabularies_with_counts(vclient):
    items = {item["id"]: item for item in get(vclient, "/vocab/vocabularies")}
    assert {"unesco", "gemet", "physh", "eu-file-types", "coar-resource-types", "techniques"} <= set(items)
    unesco = items["unesco"]
    assert unesco["concepts"] == 4482 and unesco["top_concepts"] == 585
    assert set(unesco["languages"]) == {"ar", "en", "es", "fr", "ru"}
    assert unesco["concept_scheme"] == "http://vocabularies.unesco.org/thesaurus"
    assert items["coar-resource-types"]["concepts"] == 110
    assert items["eu-file-types"]["deprecated"] == 2  # FMX2, FMX3 (authority:deprecated "true")
    techniques = items["techniques"]
    assert techniques["latest_version"] == "2.0.0"
    assert [v["version"] for v in techniques["versions"]] == ["1.0.0", "2.0.0"]
    assert techniques["deprecated"] == 1 and techniques["concepts"] == 4


def test_concept_labels_hierarchy_and_paths(vclient):
    c = get(vclient, "/vocab/concept", iri=UNESCO + "concept9291", lang="fr")
    assert c["vocabulary"] == "unesco" and c["version"] == "1.0.0" and c["removed_in"] is None
    assert c["prefLabel"]["en"] == "Secondary education"
    assert set(c["prefLabel"]) == {"ar", "en", "es", "fr", "ru"}
    assert c["label"] == c["prefLabel"]["fr"] and c["label_lang"] == "fr"
    assert [b["iri"] for b in c["broader"]] == [UNESCO + "concept36"]
    assert c["broader"][0]["prefLabel"]["en"] == "Educational levels"
    narrower = {n["iri"] for n in c["narrower"]}
    assert {UNESCO + "concept9921", UNESCO + "concept9919"} <= narrower
    assert c["scheme"] == ["http://vocabularies.unesco.org/thesaurus"]
    assert [[step["iri"] for step in path] for path in c["paths"]] == [[UNESCO + "concept36", UNESCO + "concept9291"]]
    assert c["deprecated"] is False and c["replaced_by"] == []
    # the same through the vocabulary's own route
    same = get(vclient, "/vocabularies/unesco/concept", iri=UNESCO + "concept9291")
    assert same["prefLabel"] == c["prefLabel"] and same["label"] == "Secondary education"


def test_polyhierarchy_paths_in_gemet(vclient):
    c = get(vclient, "/vocab/concept", iri=GEMET + "6859")
    assert c["label"] == "assurance de qualité" and c["label_lang"] == "fr"
    assert len(c["broader"]) == 3
    assert len(c["paths"]) >= 3
    for path in c["paths"]:
        assert path[-1]["iri"] == GEMET + "6859"
        root = get(vclient, "/vocab/concept", iri=path[0]["iri"])
        assert root["broader"] == []  # each path starts at the top of the hierarchy
    # every broader concept appears just above the concept in some path
    assert {b["iri"] for b in c["broader"]} == {path[-2]["iri"] for path in c["paths"]}


def test_definition_notation_mappings(vclient):
    sem = get(vclient, "/vocabularies/techniques/concept", iri=T + "sem", version="1.0.0")
    assert sem["notation"] == ["T-SEM"]
    assert sem["altLabel"] == {"en": ["SEM"], "fr": ["MEB"]}
    assert sem["mappings"]["exactMatch"][0]["iri"] == "http://example.org/other/sem"
    micro = get(vclient, "/vocabularies/techniques/concept", iri=T + "microscopy")
    assert micro["definition"] == {"en": ["Imaging small things."]}
    assert micro["top_concept_of"] == [T + "scheme"]
    assert micro["paths"] == [[{"iri": T + "microscopy", "label": "Microscopy", "lang": "en",
                                "prefLabel": {"en": "Microscopy", "fr": "Microscopie"}}]]


def test_top_concepts_and_children(vclient):
    top = get(vclient, "/vocabularies/unesco/top", lang="en", limit=10)
    assert top["total"] == 585 and len(top["results"]) == 10
    labels = [r["label"] for r in top["results"]]
    assert labels == sorted(labels, key=str.casefold)
    assert all(r["has_children"] in (True, False) for r in top["results"])
    children = get(vclient, "/vocabularies/unesco/children", iri=UNESCO + "concept36", lang="en")
    by_iri = {r["iri"]: r for r in children["results"]}
    assert by_iri[UNESCO + "concept9291"]["label"] == "Secondary education"
    assert by_iri[UNESCO + "concept9291"]["has_children"] is True
    leaf = get(vclient, "/vocabularies/unesco/children", iri=UNESCO + "concept9921")
    assert leaf["results"] == [] and leaf["total"] == 0
    beyond = get(vclient, "/vocabularies/unesco/top", offset=10000)
    assert beyond["results"] == [] and beyond["total"] == 585
    # PhySH: the APS Taxonomy scheme's facets are the top; Techniques leads to electron techniques
    physh_top = {r["label"]: r["iri"] for r in get(vclient, "/vocabularies/physh/top")["results"]}
    assert "Techniques" in physh_top
    techniques = get(vclient, "/vocabularies/physh/children", iri=physh_top["Techniques"], limit=1000)
    assert any(r["label"] == "Experimental Techniques" for r in techniques["results"])


def test_versions_default_to_latest_and_can_be_chosen(vclient):
    latest = get(vclient, "/vocabularies/techniques/search", q="light")
    assert latest["results"] == []  # removed in 2.0.0
    old = get(vclient, "/vocabularies/techniques/search", q="light", version="1.0.0")
    assert [r["iri"] for r in old["results"]] == [T + "light"] and old["results"][0]["version"] == "1.0.0"
    # concept removed in a later version still resolves, flagged
    light = get(vclient, "/vocab/concept", iri=T + "light")
    assert light["version"] == "1.0.0" and light["removed_in"] == "2.0.0" and light["latest_version"] == "2.0.0"
    assert light["label"] == "Light microscopy"
    pinned = get(vclient, "/vocabularies/techniques/concept", iri=T + "light", version="1.0.0")
    assert pinned["removed_in"] is None
    gone = get(vclient, "/vocabularies/techniques/concept", 404, iri=T + "light", version="2.0.0")
    assert gone["code"] == "concept-not-found"
    assert get(vclient, "/vocabularies/techniques/top", 404, version="9.9.9")["code"] == "version-not-found"


def test_deprecated_concepts(vclient):
    tem = get(vclient, "/vocab/concept", iri=T + "tem")
    assert tem["version"] == "2.0.0" and tem["deprecated"] is True
    assert [(r["iri"], r["label"]) for r in tem["replaced_by"]] == [(T + "ctem", "Conventional transmission electron microscopy")]
    # left out of search by default (as Skosmos does), found and flagged on request
    default = get(vclient, "/vocabularies/techniques/search", q="transmission electron")
    assert [r["iri"] for r in default["results"]] == [T + "ctem"]
    flagged = get(vclient, "/vocabularies/techniques/search", q="transmission electron", include_deprecated="true")
    tem_hit = next(r for r in flagged["results"] if r["iri"] == T + "tem")
    assert tem_hit["deprecated"] is True and tem_hit["replaced_by"] == [T + "ctem"]
    # version 1.0.0 had it current
    old = get(vclient, "/vocabularies/techniques/search", q="TEM", version="1.0.0")
    assert old["results"][0]["iri"] == T + "tem" and old["results"][0]["deprecated"] is False
    # real vocabularies' own deprecation flags: PhySH and EU file types
    assert get(vclient, "/vocabularies/physh/search", q="Classical field theory")["results"] == []
    physh = get(vclient, "/vocabularies/physh/search", q="Classical field theory", include_deprecated="true")
    assert physh["results"][0]["deprecated"] is True
    assert get(vclient, "/vocab/concept", iri="http://publications.europa.eu/resource/authority/file-type/FMX2")["deprecated"] is True


def test_http_published_vocabulary_is_searchable(vclient):
    body = get(vclient, "/vocabularies/coar-resource-types/search", q="dataset", lang="en")
    assert body["results"][0]["iri"] == "http://purl.org/coar/resource_type/c_ddb1"
    assert body["results"][0]["rank"] == "exact-prefLabel"


def test_unknown_things_are_404_and_bad_iris_422(vclient):
    assert get(vclient, "/vocab/concept", 404, iri="http://example.org/nothing")["code"] == "concept-not-found"
    assert get(vclient, "/vocabularies/nope/top", 404)["code"] == "vocabulary-not-found"
    assert get(vclient, "/vocabularies/nope/concept", 404, iri=UNESCO + "concept2")["code"] == "vocabulary-not-found"
    assert get(vclient, "/vocabularies/unesco/children", 404, iri="http://example.org/x")["code"] == "concept-not-found"
    assert get(vclient, "/vocab/concept", 422, iri="not an iri")["code"] == "invalid-iri"
    assert get(vclient, "/vocab/concept", 422, iri="http://example.org/\x01")["code"] == "invalid-iri"


def test_openapi_documents_the_routes(vclient):
    paths = get(vclient, "/openapi.json")["paths"]
    for path in ("/search", "/vocab/concept", "/vocab/vocabularies", "/vocabularies/{vid}/search", "/vocabularies/{vid}/top",
                 "/vocabularies/{vid}/children", "/vocabularies/{vid}/concept", "/rest/v1/search", "/rest/v1/data",
                 "/rest/v1/{vocid}/search", "/rest/v1/{vocid}/topConcepts"):
        assert "get" in paths[path], path
    params = {p["name"] for p in paths["/search"]["get"]["parameters"]}
    assert {"q", "vocab", "lang", "parent", "include_deprecated", "offset", "limit"} <= params


def test_which_versions_a_concept_is_in(vclient):
    """Issue 16, item 8: the versions of the vocabulary holding a concept and what changed."""
    tem = get(vclient, "/vocabularies/techniques/concept/versions", iri=T + "tem", lang="en")
    assert [(r["version"], r["present"], r["changes"]) for r in tem["versions"]] == [
        ("1.0.0", True, ["added"]), ("2.0.0", True, ["relabelled", "deprecated"])]
    assert tem["versions"][1]["label"] == "Transmission electron microscopy (old)"
    light = get(vclient, "/vocabularies/techniques/concept/versions", iri=T + "light")
    assert [(r["version"], r["present"], r["changes"]) for r in light["versions"]] == [
        ("1.0.0", True, ["added"]), ("2.0.0", False, ["removed"])]
    ctem = get(vclient, "/vocabularies/techniques/concept/versions", iri=T + "ctem")
    assert [r["changes"] for r in ctem["versions"]] == [[], ["added"]]
    assert get(vclient, "/vocabularies/techniques/concept/versions", 404, iri=T + "nope")["code"] == "concept-not-found"
    for lang, removed in (("en", "removed"), ("fr", "retiré")):
        page = vclient.get("/ui/concept", params={"iri": T + "light", "vocabulary": "techniques", "lang": lang}).text
        assert 'data-change="removed"' in page and f">{removed}<" in page
    # the page's table: one row per version, with the changes of each (added, relabelled, deprecated)
    from lxml import html as lxml_html

    page = lxml_html.fromstring(vclient.get("/ui/concept", params={"iri": T + "tem", "vocabulary": "techniques",
                                                                  "lang": "en"}).text)
    rows = page.xpath("//section[@aria-labelledby='history-h']//tbody/tr")
    assert [(r.get("data-version"), [c.get("data-change") for c in r.xpath(".//span[@class='change']")])
            for r in rows] == [("1.0.0", ["added"]), ("2.0.0", ["relabelled", "deprecated"])]
    assert "Transmission electron microscopy (old)" in rows[1].text_content()
