"""Nothing checked is never "conforms" (issue 14, item 1).

A record in which no target of the profile chain selects a node (SHACL §2.1.3) is answered with a
422 `nothing-to-validate` problem saying, in English and French, what the profile looks for and
what the record holds; per record in batches; the CLI exits 2. Plain-JSON keys the profile's
context does not map are warnings in every report, with their JSON Pointer.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from typer.testing import CliRunner

from registry.cli import app
from tests.conftest import SHARED_DATA, copy_store, require_shared
from tests.validation.conftest import read

NDJSON = {"Content-Type": "application/x-ndjson"}


def shared_file(*parts: str):
    return require_shared(SHARED_DATA.joinpath(*parts))


# --- on the test profiles -------------------------------------------------------------------------


def test_a_record_of_another_class_is_nothing_to_validate_in_both_languages(vclient):
    record = b"<https://w3id.org/test/records/9> a <https://w3id.org/other/Thing> ; <http://purl.org/dc/terms/title> \"x\" ."
    for lang, phrase in (("en", "Nothing was checked"), ("fr", "Rien n'a été vérifié")):
        r = vclient.post("/validate", params={"profile": "leaf", "lang": lang}, content=record,
                         headers={"Content-Type": "text/turtle"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "nothing-to-validate"
        assert problem["detail"].startswith(phrase) and problem["detail"] == problem["messages"][lang]
        assert set(problem["messages"]) == {"en", "fr"}
        # what the profile looks for: t:Item in each shape of the chain (base, middle, leaf)
        assert {(t["kind"], t["iri"]) for t in problem["looks_for"]} == {("class", "https://w3id.org/test/ns#Item")}
        # what the record holds
        assert problem["record_contains"] == {"triples": 2, "types": ["https://w3id.org/other/Thing"]}
        assert "https://w3id.org/test/ns#Item" in problem["detail"] and "https://w3id.org/other/Thing" in problem["detail"]


def test_an_empty_record_is_not_conforming(vclient):
    r = vclient.post("/validate", params={"profile": "leaf"}, content=b"# nothing\n", headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422 and r.json()["code"] == "nothing-to-validate"
    assert r.json()["record_contains"] == {"triples": 0, "types": []}
    assert "the record is empty" in r.json()["detail"]


def test_plain_json_with_no_mapped_key_names_the_keys(vclient):
    record = json.dumps({"entry": {"title": "x"}, "instrument": "Zeiss"}).encode()
    r = vclient.post("/validate", params={"profile": "leaf", "lang": "fr"}, content=record,
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "nothing-to-validate"
    assert problem["record_contains"]["format"] == "json"
    assert problem["record_contains"]["unmapped_keys"] == [{"pointer": "/entry", "key": "entry"},
                                                           {"pointer": "/instrument", "key": "instrument"}]
    assert "ses clés JSON entry, instrument ne sont pas associées par le contexte JSON-LD du profil" in problem["detail"]
    assert "its plain JSON keys entry, instrument are not mapped by the profile's JSON-LD context" in problem["messages"]["en"]


def test_unmapped_keys_are_warnings_of_a_report(vclient):
    document = json.loads(read("good.json"))
    document["colour_code"] = "#c00"
    document["notes"] = {"free": "text"}
    r = vclient.post("/validate", params={"profile": "leaf", "version": "1.0.0"}, content=json.dumps(document).encode(),
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["conforms"] is True  # a warning does not fail the record, but it is reported
    warnings = [(x["pointer"], x["value"], x["severity"]) for x in view["results"]]
    assert warnings == [("/colour_code", "colour_code", "Warning"), ("/notes", "notes", "Warning")]
    assert view["counts"] == {"violation": 0, "warning": 2, "info": 0}
    # in the SHACL report too (RDF)
    r = vclient.post("/validate", params={"profile": "leaf", "version": "1.0.0"}, content=json.dumps(document).encode(),
                     headers={"Content-Type": "application/json", "Accept": "application/n-triples"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    values = {t.object.value for t in triples if t.predicate.value == "http://www.w3.org/ns/shacl#value"}
    assert {"colour_code", "notes"} <= values


def test_batch_line_with_nothing_to_validate_is_an_error_of_that_line(vclient):
    good = read("good.json").decode().replace("\n", " ")
    body = (good + "\n" + json.dumps({"entry": {"title": "x"}}) + "\n" + good + "\n").encode()
    r = vclient.post("/validate", params={"profile": "leaf", "lang": "fr"}, content=body, headers=NDJSON)
    assert r.status_code == 200
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x.get("conforms") for x in lines[:3]] == [True, None, True]
    error = lines[1]["error"]
    assert lines[1]["record"] == "line 2" and error["code"] == "nothing-to-validate" and error["status"] == 422
    assert error["detail"].startswith("Rien n'a été vérifié")
    summary = lines[3]["summary"]
    assert summary["errors"] == 1 and summary["conforming"] == 2 and summary["conforms"] is False


# --- the records of the issue, on the bundled profiles ---------------------------------------------


def test_kit_sem_json_is_not_conforming_on_electron_microscopy(bundled_client):
    record = shared_file("records", "KIT_SEM_SCEO5_00.json").read_bytes()
    r = bundled_client.post("/validate", params={"profile": "electron-microscopy"}, content=record,
                            headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "nothing-to-validate"
    assert problem["record_contains"]["unmapped_keys"] == [{"pointer": "/entry", "key": "entry"}]
    looks_for = {(t["kind"], t["iri"]): t["labels"] for t in problem["looks_for"]}
    assert looks_for[("class", "http://www.w3.org/ns/dcat#Dataset")]["fr"] == "Jeu de données de microscopie électronique"


def test_kit_sem_json_cli_exits_2_with_the_message(bundled_store_template, tmp_path):
    """The CLI's local mode, on its own on-disk store with the bundled content (a copy of the run's)."""
    record = shared_file("records", "KIT_SEM_SCEO5_00.json")
    location = copy_store(bundled_store_template, tmp_path / "store")
    result = CliRunner().invoke(app, ["validate", str(record), "--profile", "electron-microscopy", "--store", location,
                                      "--base-iri", "http://testserver/", "--lang", "fr"])
    assert result.exit_code == 2, result.output
    assert "Rien n'a été vérifié : le profil electron-microscopy 2.1.0 cherche des nœuds de classe dcat:Dataset" in result.output
    assert "ses clés JSON entry ne sont pas associées" in result.output
    assert "conforms" not in result.stdout
