"""A profile made from a metadata block brings its own mapping (issue 14, item 2): a dataverse_json
of that block is lifted through the profile's `dvb:` annotations (field name → sh:path, compound →
sh:node, controlled values → the concepts of the field's scheme, found by label). The profile is
written here as `registry dataverse import-block` writes them (docs/dataverse.md, "Annotations")."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import BASE, SHARED_DATA, Actors

RECORDS = SHARED_DATA / "dataverse" / "records"

VOCABULARY = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/test/vocab/mini/kind> a skos:ConceptScheme ; skos:prefLabel "Kinds"@en, "Genres"@fr ;
    skos:hasTopConcept <https://w3id.org/test/vocab/mini/kind/K1> .
<https://w3id.org/test/vocab/mini/kind/K1> a skos:Concept ; skos:inScheme <https://w3id.org/test/vocab/mini/kind> ;
    skos:topConceptOf <https://w3id.org/test/vocab/mini/kind> ; skos:prefLabel "Alpha"@en, "Alpha (fr)"@fr ; skos:notation "K1" .
"""
SHAPES = b"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix dvb: <https://w3id.org/profile-registry/dataverse#> .
@prefix s: <https://w3id.org/test/shapes/mini/> . @prefix m: <https://w3id.org/test/mini/> .
<https://w3id.org/test/shapes/mini/> a owl:Ontology ; dvb:blockName "mini" ; dvb:blockURI "https://w3id.org/test/mini/" .
s:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property s:title, s:kind, s:contact .
s:title a sh:PropertyShape ; sh:path m:title ; sh:name "Title"@en, "Titre"@fr ; dvb:fieldName "title" ;
    dvb:fieldType "text" ; dvb:allowMultiples false ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string .
s:kind a sh:PropertyShape ; sh:path m:kind ; sh:name "Kind"@en, "Genre"@fr ; dvb:fieldName "kind" ; dvb:fieldType "text" ;
    dvb:allowControlledVocabulary true ; dvb:allowMultiples true ; sh:node s:kind-concept .
s:kind-concept a sh:NodeShape ; sh:class skos:Concept ; sh:property s:kind-inScheme .
s:kind-inScheme a sh:PropertyShape ; sh:path skos:inScheme ; sh:hasValue <https://w3id.org/test/vocab/mini/kind> .
s:contact a sh:PropertyShape ; sh:path m:contact ; sh:name "Contact"@en, "Contact"@fr ; dvb:fieldName "contact" ;
    dvb:fieldType "none" ; dvb:allowMultiples true ; sh:node s:contact-node .
s:contact-node a sh:NodeShape ; sh:property s:contactEmail .
s:contactEmail a sh:PropertyShape ; sh:path m:contactEmail ; sh:name "E-mail"@en, "Courriel"@fr ;
    dvb:fieldName "contactEmail" ; dvb:fieldType "email" ; sh:minCount 1 .
"""


def primitive(name, value, multiple=False, type_class="primitive"):
    return {"typeName": name, "multiple": multiple, "typeClass": type_class, "value": value}


def test_a_block_profile_lifts_its_own_fields(tmp_path):
    settings = Settings(store=str(tmp_path / "store"), base_iri=BASE, load_bundled=False)
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    record = {"datasetVersion": {"metadataBlocks": {"mini": {"fields": [
        primitive("title", "A mini dataset"),
        primitive("kind", ["Alpha", "Nope"], multiple=True, type_class="controlledVocabulary"),
        {"typeName": "contact", "multiple": True, "typeClass": "compound",
         "value": [{"contactName": primitive("contactName", "x")}]},
    ]}}}}
    with TestClient(create_app(settings)) as client:
        headers = {**actors.test, "Content-Type": "text/turtle"}
        assert client.put("/vocabularies/mini-kind/versions/1.0.0", content=VOCABULARY, headers=headers).status_code in (200, 201)
        r = client.put("/profiles/mini/versions/1.0.0", content=SHAPES, headers=headers)
        assert r.status_code in (200, 201), r.text
        r = client.post("/validate", params={"profile": "mini", "lang": "fr"}, content=json.dumps(record).encode(),
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        view = r.json()
    found = sorted((x["severity"], x["source"]["field"], x["source"]["pointer"],
                    "_:node" if (x["value"] or "").startswith("_:") else x["value"], x["source"]["title"])
                   for x in view["results"])
    assert found == [
        # a compound value without its required sub-field (contactEmail): sh:node fails on the compound
        ("Violation", "contact", "/datasetVersion/metadataBlocks/mini/fields/2/value/0", "_:node", "Contact"),
        # "Nope" is no value of the field's vocabulary ("Alpha" is: found by its label, so no result)
        ("Violation", "kind", "/datasetVersion/metadataBlocks/mini/fields/1/value/1", "Nope", "Genre"),
        # contactName is no field of the block: a warning, never dropped silently
        ("Warning", "contactName", "/datasetVersion/metadataBlocks/mini/fields/2/value/0/contactName/value", None,
         "contactName"),
    ]
    assert view["conforms"] is False


def test_native_api_records_against_the_profile_imported_from_the_citation_block(tmp_path):
    """The real citation block imported as a profile (`registry dataverse import-block`, its en
    properties) and loaded; the real native-API records validated against it. Expected, by hand:
    the create JSONs and exports hold every field the block requires, with controlled values of the
    block (subject, language...), so nothing is violated; the all-default-fields create JSON also
    fills the geospatial, socialscience, astrophysics, biomedical and journal blocks, whose fields
    the citation profile does not know: one warning per value, nothing dropped silently."""
    from registry.bundled import load_folder
    from registry.dataverse.block import load_block_text, read_block
    from registry.dataverse.importer import import_block, write_import
    from tests.conftest import require_shared

    dataverse = require_shared(RECORDS.parent)
    block = read_block(dataverse / "metadatablocks" / "citation.tsv")
    text = load_block_text(block, [dataverse / "properties" / "en" / "citation.properties"])
    write_import(import_block(text, community="dvn", namespace="https://w3id.org/dvn/"), tmp_path / "folder")
    settings = Settings(store=str(tmp_path / "store"), base_iri=BASE, load_bundled=False)
    registry = Registry.build(settings)
    registry.communities.create("dvn", "Dataverse citation block", ["https://w3id.org/dvn/"])
    load_folder(registry, tmp_path / "folder")
    registry.close()
    with TestClient(create_app(settings)) as client:
        def validate(name):
            r = client.post("/validate", params={"profile": "citation"}, content=(RECORDS / name).read_bytes(),
                            headers={"Content-Type": "application/json"})
            assert r.status_code == 200, r.text
            return r.json()

        for name in ("dataset-create-new.json", "dataset-finch1_fr.json", "complete-dataset-version.json",
                     "cars.datasetJson.json"):
            view = validate(name)
            assert view["conforms"] is True and view["results"] == [], (name, view["results"])
            assert view["record"]["triples"] > 10
        view = validate("dataset-create-new-all-default-fields.json")
        assert view["conforms"] is True and view["counts"] == {"violation": 0, "warning": 94, "info": 0}
        blocks = {r["source"]["field"].split(".")[0] for r in view["results"]}
        assert blocks == {"geospatial", "socialscience", "astrophysics", "biomedical", "journal"}
        # a subject that is no value of the block, and an author without a name
        document = json.loads((RECORDS / "dataset-create-new.json").read_text())
        fields = document["datasetVersion"]["metadataBlocks"]["citation"]["fields"]
        subject = next(i for i, f in enumerate(fields) if f["typeName"] == "subject")
        fields[subject]["value"] = ["Alchemy"]
        author = next(i for i, f in enumerate(fields) if f["typeName"] == "author")
        del fields[author]["value"][0]["authorName"]
        r = client.post("/validate", params={"profile": "citation"}, content=json.dumps(document).encode(),
                        headers={"Content-Type": "application/json"})
        got = sorted((x["severity"], x["source"]["field"], x["source"]["pointer"], x["value"] if x["value"] == "Alchemy" else None)
                     for x in r.json()["results"])
        assert got == sorted([
            ("Violation", "subject", f"/datasetVersion/metadataBlocks/citation/fields/{subject}/value/0", "Alchemy"),
            ("Violation", "author", f"/datasetVersion/metadataBlocks/citation/fields/{author}/value/0", None),
        ])
