"""Dataverse records validated through the API against the bundled research-dataset profile
(issue 14, items 2-4): recognised by content, lifted through the declared citation mapping
(registry/dataverse/mappings/citation.toml), results named by block field, JSON Pointer and value.

The expected results are written by hand, one line per result: (shape path's field, severity, why).
They are checked exactly (no more, no fewer)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, require_shared

RECORDS = SHARED_DATA / "dataverse" / "records"
DCT, DCAT = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#"

# Why, for the results every record shares:
#  - dct:accessRights Violation: Dataverse's citation block has no access-rights field (COAR);
#  - dct:language Info: no `language` field given in these datasets;
#  - dcat:keyword Warning: no keyword given;
#  - dct:title / dct:description Violation: Dataverse values carry no language; the profile wants a
#    language tag, and these datasets declare no metadataLanguage.
COMMON = {(DCT + "accessRights", "Violation"), (DCT + "language", "Info"), (DCAT + "keyword", "Warning"),
          (DCT + "title", "Violation"), (DCT + "description", "Violation")}
NO_YEAR = {(DCT + "issued", "Violation")}  # not published: no publicationDate
NO_PUBLISHER = {(DCT + "publisher", "Violation")}  # create JSON: the installation is not named yet
NO_LICENCE = {(DCT + "license", "Violation")}  # no license object
EXPECTED = {
    "cars.datasetJson.json": COMMON,
    "cars.datasetORE.json": COMMON,
    "draft.datasetJson.json": COMMON | NO_YEAR,
    "draft.datasetORE.json": COMMON | NO_YEAR,
    "junk.datasetJson.json": COMMON,
    "junk.datasetORE.json": COMMON,
    "minimal.datasetJson.json": COMMON,
    "minimal.datasetORE.json": COMMON,
    "dataset-create-new.json": COMMON | NO_YEAR | NO_PUBLISHER,
    # metadataLanguage "fr": title and description are tagged @fr, so only these remain
    "dataset-finch1_fr.json": (COMMON - {(DCT + "title", "Violation"), (DCT + "description", "Violation")})
    | NO_YEAR | NO_PUBLISHER,
    "complete-dataset-version.json": COMMON | NO_YEAR | NO_PUBLISHER | NO_LICENCE,
    "dataset-create.jsonld": COMMON | NO_YEAR | NO_PUBLISHER | NO_LICENCE,
}


def validate(client, name: str, lang: str = "en", **params):
    body = require_shared(RECORDS / name).read_bytes()
    media = "application/ld+json" if name.endswith(("ORE.json", ".jsonld")) else "application/json"
    r = client.post("/validate", params={"profile": "research-dataset", "lang": lang, **params}, content=body,
                    headers={"Content-Type": media})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_results_of_each_real_record(bundled_client, name):
    view = validate(bundled_client, name)
    got = {(r["path"], r["severity"]) for r in view["results"] if r["path"]}
    assert got == EXPECTED[name]
    assert len([r for r in view["results"] if r["path"]]) == len(EXPECTED[name])
    assert view["conforms"] is False and view["record"]["triples"] > 0


@pytest.mark.parametrize("dataset", ["cars", "draft", "junk", "minimal"])
def test_native_and_ore_forms_agree(bundled_client, dataset):
    def key(view):
        return sorted((r["path"], r["severity"], r["constraint_component"], r["value"], (r.get("source") or {}).get("field"))
                      for r in view["results"] if r["path"])

    native = validate(bundled_client, f"{dataset}.datasetJson.json")
    ore = validate(bundled_client, f"{dataset}.datasetORE.json")
    assert key(native) == key(ore)


def test_results_name_the_field_its_pointer_and_value(bundled_client):
    view = validate(bundled_client, "cars.datasetJson.json")
    by_path = {r["path"]: r for r in view["results"] if r["path"]}
    title = by_path[DCT + "title"]
    assert title["value"] == "Cars"
    assert title["source"] == {"block": "citation", "field": "title", "title": "Title",
                               "pointer": "/datasetVersion/metadataBlocks/citation/fields/0/value", "value": "Cars"}
    description = by_path[DCT + "description"]["source"]
    assert description["field"] == "dsDescriptionValue" and description["parent"] == "dsDescription"
    assert description["title"] == "Text" and description["parent_title"] == "Description"
    assert description["pointer"] == "/datasetVersion/metadataBlocks/citation/fields/3/value/0/dsDescriptionValue/value"
    # a missing value points at the block's field list
    assert by_path[DCT + "accessRights"]["source"]["pointer"] == "/datasetVersion/metadataBlocks/citation/fields"
    # the same in French: the profile's own French name of the field (Dataverse's language packs are not shipped)
    fr = {r["path"]: r for r in validate(bundled_client, "cars.datasetJson.json", lang="fr")["results"] if r["path"]}
    assert fr[DCT + "title"]["source"]["title"] == "Titre" and fr[DCT + "title"]["field"] == "Titre"
    assert fr[DCT + "title"]["message"].startswith("Un titre avec étiquette de langue est obligatoire")


def test_wrong_type_class_and_multiple_shape_are_results_naming_the_field(bundled_client):
    document = json.loads(require_shared(RECORDS / "cars.datasetJson.json").read_text())
    fields = document["datasetVersion"]["metadataBlocks"]["citation"]["fields"]
    fields[4]["value"] = "Other"  # subject: multiple true, a string instead of a list
    fields[0]["typeClass"] = "primitve"
    fields.append({"typeName": "notACitationField", "multiple": False, "typeClass": "primitive", "value": "x"})
    fields[5]["multiple"] = True  # depositor: the block says allowmultiples false
    fields[5]["value"] = ["Durbin, Philip"]
    fields[6]["typeClass"] = "controlledVocabulary"  # dateOfDeposit is a primitive field
    r = bundled_client.post("/validate", params={"profile": "research-dataset"}, content=json.dumps(document).encode(),
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    extra = {(r["source"]["field"], r["severity"], r["pointer"]) for r in r.json()["results"] if not r["path"]}
    assert extra == {
        ("subject", "Violation", "/datasetVersion/metadataBlocks/citation/fields/4/value"),
        ("title", "Violation", "/datasetVersion/metadataBlocks/citation/fields/0/typeClass"),
        ("notACitationField", "Warning", "/datasetVersion/metadataBlocks/citation/fields/7/value"),
        ("depositor", "Violation", "/datasetVersion/metadataBlocks/citation/fields/5/multiple"),
        ("dateOfDeposit", "Violation", "/datasetVersion/metadataBlocks/citation/fields/6/typeClass"),
    }


def test_explicit_format_and_not_a_dataverse_document(bundled_client):
    view = validate(bundled_client, "minimal.datasetJson.json", format="dataverse_json")
    assert view["record"]["triples"] > 0
    r = bundled_client.post("/validate", params={"profile": "research-dataset", "format": "dataverse_json"},
                            content=b'{"title": "x"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "not-dataverse"


def test_cli_reports_a_dataverse_native_json_as_not_conforming(tmp_path):
    """The CLI's local mode on its own store with the bundled content: exit 1, each result with its
    Dataverse field and JSON Pointer."""
    from typer.testing import CliRunner

    from registry.cli import app
    from registry.config import Settings
    from registry.services import Registry

    record = require_shared(RECORDS / "cars.datasetJson.json")
    location = tmp_path / "store"
    registry = Registry.build(Settings(store=str(location), base_iri="http://testserver/", load_bundled=True))
    registry.start()
    registry.close()
    result = CliRunner().invoke(app, ["validate", str(record), "--profile", "research-dataset", "--store", str(location),
                                      "--base-iri", "http://testserver/"])
    assert result.exit_code == 1, result.output
    assert "does NOT conform (3 violation(s), 1 warning(s), 1 info)" in result.stdout
    assert "[Violation] Title = Cars (at /datasetVersion/metadataBlocks/citation/fields/0/value)" in result.stdout
    assert ("[Violation] Description [Text] = This dataset is about cars. "
            "(at /datasetVersion/metadataBlocks/citation/fields/3/value/0/dsDescriptionValue/value)") in result.stdout


def test_a_generic_dublin_core_json_ld_is_not_taken_for_dataverse():
    from registry.dataverse.records import recognise

    generic = {"@context": {"title": "http://purl.org/dc/terms/title", "subject": "http://purl.org/dc/terms/subject"},
               "@id": "https://example.org/d/1", "title": "x", "subject": "y"}
    assert recognise(generic) is None
    semantic = json.loads(require_shared(RECORDS / "dataset-create.jsonld").read_text())
    assert recognise(semantic) == "dataverse_jsonld"
