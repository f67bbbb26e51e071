"""Skosmos REST v1, every operation of its API specification (issue 16, item 5): each answer is
compared, field name by field name and type by type, with the schema the specification gives
for it (tests/vocab/data/skosmos-swagger.json: NatLibFi/Skosmos swagger.json, source inside), and
its content is checked against the real vocabularies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SPEC = json.loads((Path(__file__).parent / "data" / "skosmos-swagger.json").read_text())
UNESCO = "http://vocabularies.unesco.org/thesaurus/"
SECONDARY = UNESCO + "concept9291"  # Secondary education < Educational levels (concept36)
MT_AMERICAS = UNESCO + "mt7.10"  # a UNESCO micro-thesaurus: a skos:Collection, member of domain7
DOMAIN7 = UNESCO + "domain7"
M = "https://w3id.org/test/mapped/"

#: Slips in the specification itself, and how the test reads them:
#: - IndexConcepts lists "indexLetters" as required (copied from IndexLetters): the operation
#:   answers "indexConcepts", required here instead;
#: - ConceptMappings declares "mappings" as one ConceptMapping and lists the fields of a mapping
#:   as its own required fields: Skosmos answers an array of mappings, each with those fields.
ERRATA_REQUIRED = {"IndexConcepts": ["uri", "indexConcepts"]}

MAPPED = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{M}scheme> a skos:ConceptScheme ; skos:prefLabel "Mapped"@en .
<{M}school> a skos:Concept ; skos:topConceptOf <{M}scheme> ; skos:prefLabel "Upper school"@en ;
  skos:exactMatch <{SECONDARY}> ; skos:closeMatch <http://example.org/elsewhere/school> ;
  dct:created "2026-01-02"^^xsd:date .
"""


def definition(name: str) -> dict:
    return SPEC["definitions"][name]


def check(value, schema: dict, where: str, seen: list[str]) -> None:
    """`value` has every required field of `schema` and each field it has the schema's type."""
    name = None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = definition(name)
    kind = schema.get("type", "object" if "properties" in schema else None)
    seen.append(where)
    if kind == "object":
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        required = ERRATA_REQUIRED.get(name, schema.get("required", []))
        if name == "ConceptMappings":
            required = ["mappings"]
        for key in required:
            assert key in value, f"{where}: required field {key!r} missing ({sorted(value)})"
        for key, sub in schema.get("properties", {}).items():
            if key not in value:
                continue
            if name == "ConceptMappings" and key == "mappings":
                assert isinstance(value[key], list), f"{where}/mappings is not an array"
                mapping = definition("ConceptMapping")
                for i, item in enumerate(value[key]):
                    for field in schema["required"]:
                        assert field in item, f"{where}/mappings/{i}: {field!r} missing"
                    check(item, mapping, f"{where}/mappings/{i}", seen)
                continue
            check(value[key], sub, f"{where}/{key}", seen)
    elif kind == "array":
        assert isinstance(value, list), f"{where}: {value!r} is not an array"
        for i, item in enumerate(value):
            check(item, schema.get("items", {}), f"{where}/{i}", seen)
    elif kind == "string":
        assert isinstance(value, str), f"{where}: {value!r} is not a string"
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r} is not an integer"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: {value!r} is not a boolean"


@pytest.fixture(scope="module")
def sk(vclient, vocab_tokens):
    """The vocabulary session's client, with one more vocabulary whose mappings point at a
    UNESCO concept (a target the registry knows) and elsewhere, and with dct:created."""
    response = vclient.put("/vocabularies/mapped/versions/1.0.0", content=MAPPED.encode(),
                           headers={"Authorization": f"Bearer {vocab_tokens['test']}", "Content-Type": "text/turtle"})
    assert response.status_code in (200, 201), response.text
    return vclient


#: spec path → (our path, query parameters, a check of the content)
def _vocabularies(body):
    assert {"unesco", "physh"} <= {v["id"] for v in body["vocabularies"]}


def _search(body):
    assert body["results"] and all(r["vocab"] == "unesco" for r in body["results"])


def _label(body):
    assert body["prefLabel"] == "Secondary education"


def _types(body):
    assert "http://www.w3.org/2004/02/skos/core#Concept" in {t["uri"] for t in body["types"]}


def _vocab_types(body):
    by_uri = {t["uri"]: t for t in body["types"]}
    assert by_uri["http://www.w3.org/2004/02/skos/core#Collection"]["label"] == "Collection"


def _info(body):
    assert body["id"] == "unesco" and body["conceptschemes"][0]["uri"] == "http://vocabularies.unesco.org/thesaurus"


def _top(body):
    assert len(body["topconcepts"]) == 585


def _lookup(body):
    assert [r["uri"] for r in body["result"]] == [SECONDARY]


def _vocab_stats(body):
    assert body["concepts"]["count"] == 4482 and body["conceptsGroups"]["count"] == 95


def _label_stats(body):
    by_lang = {x["language"]: {p["property"]: p["labels"] for p in x["properties"]} for x in body["languages"]}
    assert set(by_lang) == {"ar", "en", "es", "fr", "ru"} and by_lang["en"]["skos:prefLabel"] == 4482


def _letters(body):
    assert "S" in body["indexLetters"] and "É" not in body["indexLetters"]


def _letter(body):
    assert {"uri": SECONDARY, "prefLabel": "Secondary education", "lang": "en"} in body["indexConcepts"]
    assert all(c["prefLabel"][0] == "S" or c.get("altLabel", "")[:1] == "S" for c in body["indexConcepts"])


def _broader(body):
    assert body["broader"] == [{"uri": UNESCO + "concept36", "prefLabel": "Educational levels"}]


def _broader_transitive(body):
    assert [c["uri"] for c in body["broaderTransitive"]] == [SECONDARY, UNESCO + "concept36"]


def _narrower(body):
    assert UNESCO + "concept9921" in {c["uri"] for c in body["narrower"]}


def _narrower_transitive(body):
    assert body["narrowerTransitive"][0]["uri"] == SECONDARY and len(body["narrowerTransitive"]) > 2


def _related(body):
    assert body["related"] and all(c["prefLabel"] for c in body["related"])


def _children(body):
    assert SECONDARY in {c["uri"] for c in body["narrower"]}


def _groups(body):
    by_uri = {g["uri"]: g for g in body["groups"]}
    assert MT_AMERICAS not in by_uri and MT_AMERICAS in by_uri[DOMAIN7]["childGroups"]


def _group_members(body):
    members = {m["uri"]: m for m in body["members"]}
    assert members[MT_AMERICAS]["isSuper"] is True and members[MT_AMERICAS]["prefLabel"] == "Americas and the Caribbean"


def _new(body):
    assert body["changeList"] == [{"uri": M + "school", "prefLabel": "Upper school", "date": "2026-01-02T00:00:00+00:00"}]


def _modified(body):
    dates = [c["date"] for c in body["changeList"]]
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)


def _hierarchy(body):
    by_uri = {c["uri"]: c for c in body["broaderTransitive"]}
    assert by_uri[UNESCO + "concept36"]["top"] == "http://vocabularies.unesco.org/thesaurus"
    assert SECONDARY in {n["uri"] for n in by_uri[UNESCO + "concept36"]["narrower"]}


def _mappings(body):
    by_target = {m["to"]["memberSet"][0]["uri"]: m for m in body["mappings"]}
    known = by_target[SECONDARY]  # hosted here: its label and vocabulary
    assert known["prefLabel"] == "Secondary education" and known["vocabName"] == "UNESCO"
    assert known["type"] == ["skos:exactMatch"]
    assert by_target["http://example.org/elsewhere/school"]["type"] == ["skos:closeMatch"]


OPERATIONS = {
    "/vocabularies": ("/rest/v1/vocabularies", {"lang": "en"}, _vocabularies),
    "/search": ("/rest/v1/search", {"query": "secondary*", "vocab": "unesco", "lang": "en"}, _search),
    "/label": ("/rest/v1/label", {"uri": SECONDARY, "lang": "en"}, _label),
    "/data": ("/rest/v1/data", {"uri": SECONDARY}, None),
    "/types": ("/rest/v1/types", {"lang": "en"}, _types),
    "/{vocid}/": ("/rest/v1/unesco/", {"lang": "en"}, _info),
    "/{vocid}/types": ("/rest/v1/unesco/types", {"lang": "en"}, _vocab_types),
    "/{vocid}/topConcepts": ("/rest/v1/unesco/topConcepts", {"lang": "en"}, _top),
    "/{vocid}/data": ("/rest/v1/unesco/data", {"uri": SECONDARY}, None),
    "/{vocid}/search": ("/rest/v1/unesco/search", {"query": "secondary*", "lang": "en"}, _search),
    "/{vocid}/lookup": ("/rest/v1/unesco/lookup", {"label": "secondary EDUCATION", "lang": "en"}, _lookup),
    "/{vocid}/vocabularyStatistics": ("/rest/v1/unesco/vocabularyStatistics", {"lang": "en"}, _vocab_stats),
    "/{vocid}/labelStatistics": ("/rest/v1/unesco/labelStatistics", {"lang": "en"}, _label_stats),
    "/{vocid}/index/": ("/rest/v1/unesco/index/", {"lang": "en"}, _letters),
    "/{vocid}/index/{letter}": ("/rest/v1/unesco/index/S", {"lang": "en"}, _letter),
    "/{vocid}/label": ("/rest/v1/unesco/label", {"uri": SECONDARY, "lang": "en"}, _label),
    "/{vocid}/broader": ("/rest/v1/unesco/broader", {"uri": SECONDARY, "lang": "en"}, _broader),
    "/{vocid}/broaderTransitive": ("/rest/v1/unesco/broaderTransitive", {"uri": SECONDARY, "lang": "en"}, _broader_transitive),
    "/{vocid}/narrower": ("/rest/v1/unesco/narrower", {"uri": SECONDARY, "lang": "en"}, _narrower),
    "/{vocid}/narrowerTransitive": ("/rest/v1/unesco/narrowerTransitive", {"uri": SECONDARY, "lang": "en"}, _narrower_transitive),
    "/{vocid}/related": ("/rest/v1/unesco/related", {"uri": SECONDARY, "lang": "en"}, _related),
    "/{vocid}/children": ("/rest/v1/unesco/children", {"uri": UNESCO + "concept36", "lang": "en"}, _children),
    "/{vocid}/groups": ("/rest/v1/unesco/groups", {"lang": "en"}, _groups),
    "/{vocid}/new": ("/rest/v1/mapped/new", {"lang": "en"}, _new),
    "/{vocid}/modified": ("/rest/v1/unesco/modified", {"lang": "en", "limit": 10}, _modified),
    "/{vocid}/groupMembers": ("/rest/v1/unesco/groupMembers", {"uri": DOMAIN7, "lang": "en"}, _group_members),
    "/{vocid}/hierarchy": ("/rest/v1/unesco/hierarchy", {"uri": SECONDARY, "lang": "en"}, _hierarchy),
    "/{vocid}/mappings": ("/rest/v1/mapped/mappings", {"uri": M + "school", "lang": "en"}, _mappings),
}


def test_every_operation_of_the_specification_is_tested():
    assert set(OPERATIONS) == set(SPEC["paths"]) and len(OPERATIONS) == 28


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_operation_answers_the_specified_shape(sk, operation):
    path, params, content = OPERATIONS[operation]
    response = sk.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    schema = SPEC["paths"][operation]["get"]["responses"]["200"].get("schema")
    if schema is None:  # /data: JSON-LD of the concept (no schema in the specification)
        assert any(node["uri"] == SECONDARY for node in body["graph"])
        return
    seen: list[str] = []
    check(body, schema, operation, seen)
    assert len(seen) >= 3, seen  # the answer had content to compare
    content(body)


def test_unknown_concept_group_and_vocabulary_are_404(sk):
    for path, params in (("/rest/v1/unesco/broader", {"uri": UNESCO + "nope"}),
                         ("/rest/v1/unesco/groupMembers", {"uri": SECONDARY}),
                         ("/rest/v1/unesco/lookup", {"label": "no such label at all"}),
                         ("/rest/v1/nope/groups", {})):
        response = sk.get(path, params=params)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_search_with_parent_and_no_query(sk):
    body = sk.get("/rest/v1/unesco/search", params={"parent": UNESCO + "concept36", "lang": "en"}).json()
    uris = [r["uri"] for r in body["results"]]
    assert SECONDARY in uris and UNESCO + "concept9921" in uris and UNESCO + "concept36" not in uris
    labels = [r["prefLabel"] for r in body["results"]]
    assert labels == sorted(labels, key=str.casefold)
    seen: list[str] = []
    check(body, SPEC["paths"]["/search"]["get"]["responses"]["200"]["schema"], "search", seen)
    # neither query nor parent: still a clear 422
    assert sk.get("/rest/v1/unesco/search").status_code == 422


def test_groups_show_on_concepts(sk):
    concept = sk.get("/vocabularies/unesco/concept", params={"iri": UNESCO + "concept807", "lang": "en"}).json()
    assert MT_AMERICAS in {g["iri"] for g in concept["groups"]}
    page = sk.get("/ui/concept", params={"iri": UNESCO + "concept807", "vocabulary": "unesco", "lang": "en"}).text
    assert "Americas and the Caribbean" in page
    # the vocabulary page lists the top-level groups (UNESCO's domains), in the page's language
    for lang, members in (("en", "members"), ("fr", "membres")):
        page = sk.get("/ui/vocabularies/unesco", params={"lang": lang}).text
        assert f'<li data-group="{DOMAIN7}">' in page and f" {members}</span>" in page
        assert f'<li data-group="{MT_AMERICAS}">' not in page  # a sub-group, under its domain


XL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix skosxl: <http://www.w3.org/2008/05/skos-xl#> .
@prefix x: <https://w3id.org/test/xl/> .
x:scheme a skos:ConceptScheme ; skos:prefLabel "XL"@en .
x:tem a skos:Concept ; skos:topConceptOf x:scheme ;
  skosxl:prefLabel x:tem-en, x:tem-fr ; skosxl:altLabel x:tem-alt ; skosxl:hiddenLabel x:tem-hidden .
x:tem-en a skosxl:Label ; skosxl:literalForm "Transmission electron microscopy"@en .
x:tem-fr a skosxl:Label ; skosxl:literalForm "Microscopie électronique en transmission"@fr .
x:tem-alt a skosxl:Label ; skosxl:literalForm "TEM"@en .
x:tem-hidden a skosxl:Label ; skosxl:literalForm "transmision microscopy"@en .
x:techniques a skos:Collection ; skos:prefLabel "Techniques"@en ; skos:member x:tem .
"""


def test_skos_xl_labels_are_searched_and_collections_are_groups(client):
    response = client.put("/vocabularies/xl/versions/1.0.0", content=XL.encode(),
                          headers={**client.actors.test, "Content-Type": "text/turtle"})
    assert response.status_code == 201, response.text
    tem = "https://w3id.org/test/xl/tem"
    for q, kind, lang in (("TEM", "altLabel", "en"), ("microscopie electronique", "prefLabel", "fr"),
                          ("transmision", "hiddenLabel", "en")):
        body = client.get("/vocabularies/xl/search", params={"q": q}).json()
        assert body["results"][0]["iri"] == tem, (q, body)
        assert body["results"][0]["matched"]["kind"] == kind and body["results"][0]["matched"]["lang"] == lang
    assert client.get("/vocabularies/xl/top").json()["results"][0]["label"] == "Transmission electron microscopy"
    groups = client.get("/rest/v1/xl/groups", params={"lang": "en"}).json()
    assert groups["groups"] == [{"uri": "https://w3id.org/test/xl/techniques", "prefLabel": "Techniques", "hasMembers": True}]
    members = client.get("/rest/v1/xl/groupMembers", params={"uri": "https://w3id.org/test/xl/techniques"}).json()
    assert [(m["uri"], m["prefLabel"], m["hasMembers"]) for m in members["members"]] == [
        (tem, "Transmission electron microscopy", False)]
    stats = client.get("/rest/v1/xl/labelStatistics").json()
    en = next(x for x in stats["languages"] if x["language"] == "en")
    assert {p["property"]: p["labels"] for p in en["properties"]} == {
        "skos:prefLabel": 1, "skos:altLabel": 1, "skos:hiddenLabel": 1}
