"""W3C Entity Reconciliation API 0.2 (issue 16, item 6): manifests, queries with a type and a
language, scores and match, suggest (entity), preview, a batch of 1,000 queries. Every answer is
validated with the specification's own JSON schemas (tests/vocab/data/reconciliation-0.2, source
inside), and its content against the real vocabularies."""

from __future__ import annotations

import html
import json
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .conftest import DATA

SCHEMAS = Path(__file__).parent / "data" / "reconciliation-0.2"
PHYSH = "https://doi.org/10.29172/"
EELS = PHYSH + "8d9a5500-7204-4ae4-8a93-388da8f8d432"
APS_TAXONOMY = PHYSH + "7b910510-8488-42c8-ac66-4a0afdc726c9"
UNESCO = "http://vocabularies.unesco.org/thesaurus/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def _schemas() -> tuple[dict, Registry]:
    loaded = {p.stem: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
         for schema in loaded.values()]
        + [("type.json", Resource.from_contents(loaded["type"], default_specification=DRAFT7))]
    )
    return loaded, registry


SCHEMA, REFS = _schemas()


def valid(document, name: str) -> None:
    """Validate with the specification's schema `name` (raises with the JSON path if not)."""
    jsonschema.Draft7Validator(SCHEMA[name], registry=REFS).validate(document)


def test_the_schemas_reject_what_they_should():
    """The schemas really check something: a result without a score, a manifest without versions."""
    with pytest.raises(jsonschema.ValidationError):
        valid({"q0": {"result": [{"id": "x", "name": "x"}]}}, "reconciliation-result-batch")
    with pytest.raises(jsonschema.ValidationError):
        valid({"name": "x", "identifierSpace": "x", "schemaSpace": "x"}, "manifest")


def reconcile(client, queries: dict, vid: str | None = "physh", **params) -> dict:
    valid(queries, "reconciliation-query-batch")
    path = "/reconcile" + (f"/{vid}" if vid else "")
    response = client.post(path, data={"queries": json.dumps(queries)}, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    valid(body, "reconciliation-result-batch")
    assert set(body) == set(queries)
    return body


def test_manifests(vclient):
    one = vclient.get("/reconcile/physh").json()
    valid(one, "manifest")
    assert one["versions"] == ["0.2"] and one["schemaSpace"] == SKOS
    types = {t["id"]: t["name"] for t in one["defaultTypes"]}
    assert types[SKOS + "Concept"] == "Concept" and types[APS_TAXONOMY] == "APS Taxonomy" and len(types) == 20
    assert "{{id}}" in one["view"]["url"] and "{{id}}" in one["preview"]["url"]
    everything = vclient.get("/reconcile", params={"lang": "fr"}).json()
    valid(everything, "manifest")
    assert "http://vocabularies.unesco.org/thesaurus" in {t["id"] for t in everything["defaultTypes"]}
    assert everything["suggest"]["entity"]["service_path"].endswith("?lang=fr")
    assert vclient.get("/reconcile/nope").status_code == 404


def test_technique_names_are_reconciled_with_scores_and_match(vclient):
    body = reconcile(vclient, {
        "q0": {"query": "EELS"},
        "q1": {"query": "Electron energy loss spectroscopy", "type": SKOS + "Concept", "limit": 3},
        "q2": {"query": "electron energy", "limit": 10},
        "q3": {"query": "no technique has this name at all"},
    })
    [first, *_] = body["q0"]["result"]
    assert (first["id"], first["name"], first["score"], first["match"]) == (
        EELS, "Electron energy loss spectroscopy", 95.0, True)
    exact = body["q1"]["result"]
    assert exact[0]["id"] == EELS and exact[0]["score"] == 100.0 and exact[0]["match"] is True
    assert len(exact) <= 3 and all(c["match"] is False for c in exact[1:])
    partial = body["q2"]["result"]
    assert partial and all(c["match"] is False for c in partial) and all(0 < c["score"] < 95 for c in partial)
    assert [c["score"] for c in partial] == sorted((c["score"] for c in partial), reverse=True)
    assert body["q3"]["result"] == []
    # every candidate says its types: the generic one and the schemes it is in
    assert {"id": SKOS + "Concept", "name": "Concept"} in first["type"]


def test_type_restricts_to_a_scheme(vclient):
    concept = vclient.get("/vocabularies/physh/concept", params={"iri": EELS}).json()
    schemes = [s["iri"] for s in vclient.get("/vocabularies/physh/schemes").json()["results"]]
    outside = next(s for s in schemes if s not in concept["scheme"])
    body = reconcile(vclient, {"in": {"query": "EELS", "type": APS_TAXONOMY},
                               "out": {"query": "EELS", "type": outside},
                               "unknown": {"query": "EELS", "type": "http://example.org/NotAType"}})
    assert body["in"]["result"][0]["id"] == EELS
    assert EELS not in [c["id"] for c in body["out"]["result"]]
    assert body["unknown"]["result"] == []


def test_language_of_the_service(vclient):
    fr = reconcile(vclient, {"q": {"query": "Éducation"}}, vid="unesco", lang="fr")
    assert fr["q"]["result"][0]["id"] == UNESCO + "concept2" and fr["q"]["result"][0]["name"] == "Éducation"
    assert fr["q"]["result"][0]["match"] is True
    en = reconcile(vclient, {"q": {"query": "education"}}, vid="unesco", lang="en")
    assert en["q"]["result"][0]["name"] == "Education"
    # GET with queries works too, over every vocabulary
    response = vclient.get("/reconcile", params={"queries": json.dumps({"q": {"query": "Secondary education"}}), "lang": "en"})
    body = response.json()
    valid(body, "reconciliation-result-batch")
    assert body["q"]["result"][0]["id"] == UNESCO + "concept9291"


def test_suggest_and_preview(vclient):
    body = vclient.get("/reconcile/unesco/suggest/entity", params={"prefix": "educ", "lang": "fr"}).json()
    valid(body, "suggest-entities-response")
    assert body["result"][0]["name"] == "Éducation"
    more = vclient.get("/reconcile/unesco/suggest/entity", params={"prefix": "educ", "lang": "fr", "cursor": 1}).json()
    assert more["result"][0] == body["result"][1]
    page = vclient.get("/reconcile/physh/preview", params={"id": EELS})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<strong>Electron energy loss spectroscopy</strong>" in page.text
    assert vclient.get("/reconcile/preview", params={"id": EELS}).status_code == 200


def test_preview_escapes_labels(client):
    body = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/test/x/s> a skos:ConceptScheme ; skos:prefLabel "S"@en .
<https://w3id.org/test/x/c> a skos:Concept ; skos:topConceptOf <https://w3id.org/test/x/s> ;
  skos:prefLabel "<script>alert(1)</script>"@en ."""
    r = client.put("/vocabularies/x/versions/1.0.0", content=body.encode(),
                   headers={**client.actors.test, "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    page = client.get("/reconcile/x/preview", params={"id": "https://w3id.org/test/x/c"}).text
    assert "<script>" not in page and html.escape("<script>alert(1)</script>") in page


def test_bad_batches_are_clear_problems(vclient):
    for data, status, code in (({"queries": "{not json"}, 422, "queries-not-json"),
                               ({"queries": "[1]"}, 422, "queries-not-object"),
                               ({"queries": json.dumps({"q": {"limit": 3}})}, 422, "invalid-query"),
                               ({}, 422, "queries-missing"),
                               ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(1001)})}, 413, "too-many-queries")):
        response = vclient.post("/reconcile/physh", data=data)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json" and response.json()["code"] == code


def test_a_batch_of_1000_queries(vclient):
    """1,000 English prefLabels of UNESCO, read from the file: each finds its concept with score
    100, matched unless another concept has the same label."""
    store = ox.Store()
    store.bulk_load(path=str(DATA / "unesco-thesaurus.ttl"), format=ox.RdfFormat.TURTLE)
    rows = store.query(f"""SELECT ?c ?l WHERE {{ ?c a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l
                             FILTER(LANG(?l) = "en") }} ORDER BY ?c LIMIT 1000""")
    expected = {f"q{i}": (c.value, label.value) for i, (c, label) in enumerate(rows)}
    assert len(expected) == 1000
    body = reconcile(vclient, {k: {"query": label, "limit": 3} for k, (_, label) in expected.items()},
                     vid="unesco", lang="en")
    matched = 0
    for key, (iri, label) in expected.items():
        candidates = body[key]["result"]
        mine = next(c for c in candidates if c["id"] == iri)
        assert mine["score"] == 100.0, (label, candidates)
        matched += mine["match"]
    assert matched >= 990  # a handful of English labels are shared by two concepts


def test_openrefine_column_against_metsa_imaging_modes(bundled_client):
    """A spreadsheet column of imaging-mode names, as a METSA member would reconcile it in
    OpenRefine against METSA's bundled vocabulary, in French and in English."""
    scheme = "https://w3id.org/metsa/vocab/imaging-mode"
    manifest = bundled_client.get("/reconcile/imaging-mode", params={"lang": "fr"}).json()
    valid(manifest, "manifest")
    assert scheme in {t["id"] for t in manifest["defaultTypes"]}
    column = {"r1": {"query": "Champ clair", "type": scheme}, "r2": {"query": "champ sombre annulaire"},
              "r3": {"query": "HAADF"}, "r4": {"query": "contraste de phase"}}
    body = reconcile(bundled_client, column, vid="imaging-mode", lang="fr")
    assert body["r1"]["result"][0]["name"] == "Champ clair" and body["r1"]["result"][0]["match"] is True
    assert body["r2"]["result"][0]["name"] == "Champ sombre annulaire" and body["r2"]["result"][0]["match"] is True
    assert body["r4"]["result"] and body["r4"]["result"][0]["name"] == "Contraste de phase différentiel"
    en = reconcile(bundled_client, {"q": {"query": "bright field"}}, vid="imaging-mode", lang="en")
    assert en["q"]["result"][0]["name"] == "Bright field" and en["q"]["result"][0]["id"] == body["r1"]["result"][0]["id"]
