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

F = "/datasetVersion/metadataBlocks/citation/fields"  # a missing value points at the block's field list
ORE = "/ore:describes"
ORE_TITLE, ORE_DESCRIPTION = ORE + "/title", ORE + "/citation:dsDescription/citation:dsDescriptionValue"
LD_TITLE = "/http:~1~1purl.org~1dc~1terms~1title"
LD_DESCRIPTION = ("/https:~1~1dataverse.org~1schema~1citation~1dsDescription"
                  "/https:~1~1dataverse.org~1schema~1citation~1dsDescriptionValue")

# Expected results, by hand: (property, severity, constraint, JSON Pointer of the value or of the field
# list when missing). Why, for the results the records share:
#  - accessRights Violation (minCount): Dataverse's citation block has no access-rights field (COAR);
#  - language Info (minCount): no `language` field given;
#  - keyword Warning (minCount): no keyword given;
#  - title / description Violation (datatype): Dataverse values carry no language; the profile wants a
#    language tag, and these datasets declare no metadataLanguage.
ACCESS, LANGUAGE, KEYWORD = ("accessRights", "Violation", "MinCount"), ("language", "Info", "MinCount"), \
    ("keyword", "Warning", "MinCount")
NO_YEAR = ("issued", "Violation", "MinCount")  # not published: no publicationDate
NO_PUBLISHER = ("publisher", "Violation", "MinCount")  # a create JSON: the installation is not named yet
NO_LICENCE = ("license", "Violation", "MinCount")  # no license object


def shared(missing: str, title: str, description: str) -> set:
    return {(*ACCESS, missing), (*LANGUAGE, missing), (*KEYWORD, missing),
            ("title", "Violation", "Datatype", title), ("description", "Violation", "Datatype", description)}


def native(title=F + "/0/value", description=F + "/3/value/0/dsDescriptionValue/value", missing=F):
    return shared(missing, title, description)


EXPECTED = {
    # the four exported datasets: the native and ORE forms agree (the ORE names the same fields)
    "cars.datasetJson.json": native(),
    "cars.datasetORE.json": shared(ORE, ORE_TITLE, ORE_DESCRIPTION),
    "draft.datasetJson.json": native() | {(*NO_YEAR, F)},
    "draft.datasetORE.json": shared(ORE, ORE_TITLE, ORE_DESCRIPTION) | {(*NO_YEAR, ORE)},
    "junk.datasetJson.json": native(),
    "junk.datasetORE.json": shared(ORE, ORE_TITLE, ORE_DESCRIPTION),
    "minimal.datasetJson.json": native(),
    "minimal.datasetORE.json": shared(ORE, ORE_TITLE, ORE_DESCRIPTION),
    "dataset-create-new.json": native() | {(*NO_YEAR, F), (*NO_PUBLISHER, F)},
    # metadataLanguage "fr": title and description are tagged @fr, so only these remain
    "dataset-finch1_fr.json": {(*ACCESS, F), (*LANGUAGE, F), (*KEYWORD, F), (*NO_YEAR, F), (*NO_PUBLISHER, F)},
    # a bare dataset version (the native API's `data`): pointers start at metadataBlocks
    "complete-dataset-version.json": native("/metadataBlocks/citation/fields/0/value",
                                            "/metadataBlocks/citation/fields/3/value/0/dsDescriptionValue/value",
                                            "/metadataBlocks/citation/fields")
    | {(*k, "/metadataBlocks/citation/fields") for k in (NO_YEAR, NO_PUBLISHER, NO_LICENCE)},
    # the semantic API's JSON-LD: fields named by their property IRIs; a missing value points at the document
    "dataset-create.jsonld": shared("", LD_TITLE, LD_DESCRIPTION) | {(*k, "") for k in (NO_YEAR, NO_PUBLISHER, NO_LICENCE)},
    # the same with what Dataverse writes beside the fields: schema:includedInDataCatalog "Root" is the
    # publisher (as in the ORE export); schema:name / schema:version / dvcore:fileTermsOfAccess are no
    # block fields (not warned about, as in the ORE export)
    "dataset-finch1.jsonld": shared("", LD_TITLE, LD_DESCRIPTION) | {(*k, "") for k in (NO_YEAR, NO_LICENCE)},
    # every default field of every block Dataverse ships: the citation fields are all given (no
    # language Info, no missing keyword), but the language is Dataverse's English name ("Abkhaz"),
    # not an EU language authority IRI (no code table in the citation mapping): nodeKind and pattern,
    # per value; the keywords and descriptions carry no language tag
    "dataset-create-new-all-default-fields.json": {
        (*ACCESS, F), (*NO_YEAR, F), (*NO_PUBLISHER, F), ("title", "Violation", "Datatype", F + "/0/value"),
        ("description", "Violation", "Datatype", F + "/7/value/0/dsDescriptionValue/value"),
        ("description", "Violation", "Datatype", F + "/7/value/1/dsDescriptionValue/value"),
        ("language", "Violation", "NodeKind", F + "/13/value/0"), ("language", "Violation", "Pattern", F + "/13/value/0"),
        ("language", "Violation", "NodeKind", F + "/13/value/1"), ("language", "Violation", "Pattern", F + "/13/value/1"),
        ("keyword", "Warning", "Datatype", F + "/9/value/0/keywordValue/value"),
        ("keyword", "Warning", "Datatype", F + "/9/value/1/keywordValue/value")},
}
# the fields other blocks hold in the all-default-fields record: one warning per value, never dropped
OTHER_BLOCKS = {"geospatial", "socialscience", "astrophysics", "biomedical", "journal"}
# triples lifted per record (what was checked): the dataset node, one per value, a node per compound
TRIPLES = {"cars": 19, "draft": 18, "junk": 17, "minimal": 13, "dataset-create-new.json": 21, "dataset-finch1_fr.json": 13,
           "complete-dataset-version.json": 16, "dataset-create.jsonld": 12, "dataset-finch1.jsonld": 14,
           "dataset-create-new-all-default-fields.json": 146}
SCHEMA_ORG = ["cars.datasetSchemaDotOrg.json", "draft.datasetSchemaDotOrg.json", "junk.datasetSchemaDotOrg.json",
              "minimal.datasetSchemaDotOrg.json"]


def test_every_real_record_has_its_expected_result():
    present = {p.name for p in require_shared(RECORDS).iterdir()}
    assert present == set(EXPECTED) | set(SCHEMA_ORG)


def resolve(document, pointer: str):
    """RFC 6901."""
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


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
    checked = [r for r in view["results"] if r["path"]]
    got = [(r["path"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], r["severity"],
            r["constraint_component"].rsplit("#", 1)[-1].removesuffix("ConstraintComponent"), r["source"]["pointer"])
           for r in checked]
    assert sorted(got) == sorted(EXPECTED[name]) and len(got) == len(set(got))
    # each pointer leads to the quoted value in the submitted JSON (or to the field list it is missing from)
    document = json.loads((RECORDS / name).read_text())
    for r in checked:
        found = resolve(document, r["source"]["pointer"])
        if r["source"].get("missing") or not r["value"] or r["value"].startswith("_:"):
            assert isinstance(found, (list, dict)), r
        else:
            assert found == r["value"] == r["source"]["value"], r
    unknown = [r for r in view["results"] if not r["path"]]
    if name == "dataset-create-new-all-default-fields.json":
        assert len(unknown) == 94 and {r["source"]["field"].split(".")[0] for r in unknown} == OTHER_BLOCKS
        assert all(r["severity"] == "Warning" and r["source"]["problem"] == "unknown-field" for r in unknown)
    else:
        assert unknown == []
    assert view["conforms"] is False
    assert view["record"]["triples"] == TRIPLES.get(name, TRIPLES.get(name.split(".")[0]))


@pytest.mark.parametrize("name", SCHEMA_ORG)
def test_the_schema_org_export_is_nothing_to_validate(bundled_client, name):
    """Dataverse's schema.org export keeps no block field (it flattens them for search engines):
    recognised, and answered as nothing checked, never as conforming nor as a remote-context error."""
    body = require_shared(RECORDS / name).read_bytes()
    for lang, words in (("en", "schema.org export, which does not hold the metadata block fields"),
                        ("fr", "export schema.org de Dataverse, qui ne contient pas les champs des blocs")):
        r = bundled_client.post("/validate", params={"profile": "research-dataset", "lang": lang}, content=body,
                                headers={"Content-Type": "application/ld+json"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "nothing-to-validate" and words in problem["detail"]
        assert problem["record_contains"]["format"] == "dataverse_schemaorg"
        assert problem["record_contains"]["triples"] == 0


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
    # `line`: where the value at `pointer` starts in the file (issue 15 item 6, validation/sources.py)
    assert title["source"] == {"block": "citation", "field": "title", "title": "Title",
                               "pointer": "/datasetVersion/metadataBlocks/citation/fields/0/value", "value": "Cars",
                               "line": 47}
    lines = require_shared(RECORDS / "cars.datasetJson.json").read_text().splitlines()
    assert lines[46].strip() == '"value": "Cars"'

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


def test_cli_reports_a_dataverse_native_json_as_not_conforming(bundled_store_template, tmp_path):
    """The CLI's local mode on its own store with the bundled content (a copy of the run's): exit 1,
    each result with its Dataverse field and JSON Pointer."""
    from typer.testing import CliRunner

    from registry.cli import app
    from tests.conftest import copy_store

    record = require_shared(RECORDS / "cars.datasetJson.json")
    location = copy_store(bundled_store_template, tmp_path / "store")
    result = CliRunner().invoke(app, ["validate", str(record), "--profile", "research-dataset", "--store", location,
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
