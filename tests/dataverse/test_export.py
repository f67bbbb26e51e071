"""`registry dataverse export-block` and `/profiles/{id}/versions/{v}/dataverse/*`: the bundled METSA
profiles become checked Dataverse blocks, with French strings, a :CVocConf valid against Dataverse's
schema pointing only at this registry, a report of what Dataverse cannot express, PROF resource
descriptors and an "Install in Dataverse" section on the profile page."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.dataverse.block import parse_block, parse_properties
from registry.dataverse.check import check_block, errors

from .conftest import DATAVERSE, require_dataverse_data

BASE = "http://testserver/"
EM = "/profiles/electron-microscopy/versions/1.0.0/dataverse"
AP = "/profiles/atom-probe/versions/1.0.0/dataverse"
METSA = "https://w3id.org/metsa/term/"


@pytest.fixture(scope="module")
def em(bundled_client):
    files = {}
    for name in ("block.tsv", "block.properties", "block_fr.properties", "cvoc.json", "report.txt"):
        response = bundled_client.get(f"{EM}/{name}")
        assert response.status_code == 200, response.text
        files[name] = response
    return files


def test_the_block_passes_the_checker_and_says_what_the_shapes_say(em):
    assert em["block.tsv"].headers["content-type"].startswith("text/tab-separated-values")
    assert em["block.tsv"].headers["content-disposition"] == 'attachment; filename="electronMicroscopy.tsv"'
    block = parse_block(em["block.tsv"].content)
    assert errors(check_block(block)) == []
    assert block.name == "electronMicroscopy" and block.display_name == "Electron microscopy dataset (METSA)"
    acquisition = block.field("emAcquisition")
    # prov:wasGeneratedBy minCount 1 at Violation → required compound; several acquisitions allowed.
    assert (acquisition.field_type, acquisition.required, acquisition.allow_multiples, acquisition.term_uri) == (
        "none", True, True, "http://www.w3.org/ns/prov#wasGeneratedBy")
    technique = block.field("emAcquisitionTechnique")
    assert (technique.parent, technique.required, technique.allow_multiples, technique.term_uri) == (
        "emAcquisition", True, True, METSA + "technique")
    end = block.field("emAcquisitionEndedAtTime")  # sh:maxCount 1 → not repeatable; xsd:dateTime → text
    assert (end.allow_multiples, end.required, end.field_type) == (False, False, "text")
    # A quantity: a float and its unit, with the allowed units as controlled values.
    voltage, unit = block.field("emAcquisitionAcceleratingVoltage"), block.field("emAcquisitionAcceleratingVoltageUnit")
    assert voltage.field_type == "float" and unit.allow_controlled_vocabulary
    assert [(v.value, v.identifier) for v in block.values_of(unit.name)] == [
        ("KiloV", "http://qudt.org/vocab/unit/KiloV"), ("V", "http://qudt.org/vocab/unit/V"),
        ("MegaV", "http://qudt.org/vocab/unit/MegaV")]
    # sh:in of literals → controlled values; objects inside the acquisition → compounds of their own.
    elements = block.values_of("emSpecimenChemicalElement")
    assert len(elements) == 118 and elements[0].value == "H"
    assert block.field("emInstrument").is_compound and block.field("emInstrumentModel").parent == "emInstrument"
    # The loader needs a parent before its children.
    seen = set()
    for f in block.fields:
        assert not f.parent or f.parent in seen
        seen.add(f.name)


def test_english_and_french_strings_from_the_shapes(em):
    block = parse_block(em["block.tsv"].content)
    en = parse_properties(em["block.properties"].content, source="electronMicroscopy.properties")
    fr = parse_properties(em["block_fr.properties"].content, source="electronMicroscopy_fr.properties")
    assert fr.get("metadatablock.displayName") == "Jeu de données de microscopie électronique (METSA)"
    assert en.get("datasetfieldtype.emAcquisitionTechnique.title") == "Technique"
    assert fr.get("datasetfieldtype.emOperatorName.title") == "Nom de l'opérateur"
    assert en.get("datasetfieldtype.emOperatorName.title") == "Operator name"
    assert set(en.entries) == set(fr.entries)
    # sh:description → the description column (English) and the bundles (each language).
    for f in block.fields:
        assert en.get(f"datasetfieldtype.{f.name}.description") == f.description
    operator = "datasetfieldtype.emOperatorName.description"
    assert en.get(operator) and fr.get(operator) and en.get(operator) != fr.get(operator)
    assert errors(check_block(block, bundles={"en": en, "fr": fr})) == []
    assert [p for p in check_block(block, bundles={"en": en, "fr": fr}) if p.rule.startswith("properties")] == []


def test_cvoc_is_valid_against_dataverse_schema_and_points_only_at_this_registry(em):
    require_dataverse_data()
    import jsonschema

    schema = json.loads((DATAVERSE / "cvoc" / "CVocConf.schema.json").read_text())
    cvoc = em["cvoc.json"].json()
    jsonschema.validate(cvoc, schema)
    by_field = {entry["field-name"]: entry for entry in cvoc}
    technique = by_field["emAcquisitionTechnique"]
    assert technique["cvoc-url"] == BASE and technique["retrieval-uri"] == BASE + "rest/v1/data?uri={0}"
    assert technique["protocol"] == "skosmos" and technique["term-uri-field"] == "emAcquisitionTechnique"
    assert technique["vocabs"] == {"technique": {"vocabularyUri": "https://w3id.org/metsa/vocab/technique",
                                                 "uriSpace": "https://w3id.org/metsa/vocab/technique/"}}
    assert technique["languages"] == "en, fr"
    for entry in cvoc:
        assert entry["cvoc-url"] == BASE and entry["retrieval-uri"].startswith(BASE)
    # Every CVoc field is a field of the block, holding no #controlledVocabulary rows.
    block = parse_block(em["block.tsv"].content)
    for name in by_field:
        assert block.field(name) is not None and not block.values_of(name)


def test_the_report_lists_what_dataverse_cannot_express(em):
    report = em["report.txt"].text
    assert "research-dataset 1.0.0: Dataverse's own 'citation' block" in report
    assert "emOperatorOrcid: a pattern" in report
    assert "emAcquisitionStartedAtTime: a comparison with another field" in report
    assert "emDetector: an object inside 'emAcquisition'" in report
    # sh:minCount 1 at Warning: not required in Dataverse, named as recommended.
    assert "emPlatform: recommended (sh:minCount at Warning)" in report
    assert parse_block(em["block.tsv"].content).field("emPlatform").required is False
    assert "emAcquisitionMagnification: a minimum" in report and "emAcquisitionMagnification: a maximum" in report
    assert "api/admin/datasetfield/load" in report and ":CVocConf" in report
    # Every not-expressible line names a field of the block (or the dataset level): nothing is
    # reported against a field the block does not have.
    block = parse_block(em["block.tsv"].content)
    section = report.split("Not expressible in a Dataverse block")[1].split("\n\n")[0]
    named = [line.removeprefix("  - ").split(":")[0] for line in section.splitlines()[1:]]
    assert named and all(name == "(dataset)" or block.field(name) is not None for name in named)


def test_a_cross_field_rule_with_no_field_is_reported(bundled_client):
    """atom-probe's 'pulse fraction required for voltage pulsing' is a node shape no field holds:
    it stays enforced by the registry, and the report says so (before, it was dropped silently)."""
    report = bundled_client.get(f"{AP}/report.txt").text
    assert ("(dataset): node shape https://w3id.org/metsa/shapes/atom-probe/PulseFractionRequirement is not a "
            "field of the block") in report


def test_the_block_holds_the_profile_own_fields_not_its_ancestors(em):
    """electron-microscopy extends research-dataset (Dataverse's citation block): none of the base
    profile's properties is a field of the electron-microscopy block."""
    import rdflib

    from tests.conftest import REPO

    block = parse_block(em["block.tsv"].content)
    graph = rdflib.Graph()
    for shapes in (REPO / "shapes" / "research-dataset" / "1.0.0").glob("*.ttl"):  # the bundled base profile
        graph.parse(shapes, format="turtle")
    base_paths = {str(o) for o in graph.objects(None, rdflib.SH.path) if isinstance(o, rdflib.URIRef)}
    assert "http://purl.org/dc/terms/title" in base_paths
    top_level = {f.term_uri for f in block.fields if not f.parent}
    assert top_level and not (top_level & base_paths), top_level & base_paths
    assert all(f.metadatablock_id == "electronMicroscopy" for f in block.fields)


def test_cvoc_urls_come_from_the_configured_base_iri_not_the_request(bundled_client):
    """A request through another host name (a proxy, a forged Host header) changes no URL of the
    :CVocConf: only the registry's configured base IRI is ever written."""
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}):
        cvoc = bundled_client.get(f"{EM}/cvoc.json", headers=headers).json()
        assert cvoc
        for entry in cvoc:
            assert entry["cvoc-url"] == BASE and entry["retrieval-uri"] == BASE + "rest/v1/data?uri={0}"
            assert "evil" not in json.dumps(entry)


def test_small_flat_vocabularies_become_controlled_values_with_notations(bundled_client):
    block = parse_block(bundled_client.get(f"{AP}/block.tsv").content)
    assert errors(check_block(block)) == []
    modes = block.values_of("apAPTAcquisitionPulseMode")
    assert {(v.value, v.identifier) for v in modes} == {
        ("Laser pulsing", "laser"), ("Voltage pulsing", "voltage"), ("Combined laser and voltage pulsing", "laser-and-voltage")}
    fr = parse_properties(bundled_client.get(f"{AP}/block_fr.properties").content)
    assert {fr.get(v.properties_key) for v in modes} == {
        "Impulsions laser", "Impulsions électriques", "Impulsions laser et électriques combinées"}
    assert bundled_client.get(f"{AP}/cvoc.json").json() == []


def test_the_base_profile_is_dataverse_citation_block_not_a_second_one(bundled_client):
    response = bundled_client.get("/profiles/research-dataset/versions/1.0.0/dataverse/block.tsv")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "dataverse-existing-block" and problem["block"] == "citation"


def test_unknown_file_and_unknown_version_are_404(bundled_client):
    assert bundled_client.get(f"{EM}/block.xml").json()["code"] == "dataverse-file-not-found"
    assert bundled_client.get("/profiles/electron-microscopy/versions/9.9.9/dataverse/block.tsv").status_code == 404


def test_prof_resource_descriptors_name_the_files(bundled_client):
    response = bundled_client.get("/profiles/electron-microscopy/versions/1.0.0", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    role = ox.NamedNode("https://w3id.org/profile-registry/dataverse#block")
    has_role = ox.NamedNode("http://www.w3.org/ns/dx/prof/hasRole")
    artifact = ox.NamedNode("http://www.w3.org/ns/dx/prof/hasArtifact")
    descriptors = {t.subject for t in triples if t.predicate == has_role and t.object == role}
    artifacts = {t.object.value for t in triples if t.predicate == artifact and t.subject in descriptors}
    assert artifacts == {BASE + "profiles/electron-microscopy/versions/1.0.0/dataverse/" + name
                         for name in ("block.tsv", "block.properties", "block_fr.properties", "cvoc.json", "report.txt")}
    for url in artifacts:  # every artifact resolves
        assert bundled_client.get(url.removeprefix(BASE.rstrip("/"))).status_code == 200
    # The base profile is Dataverse's citation block: no descriptor names a file it never serves.
    base = bundled_client.get("/profiles/research-dataset/versions/1.0.0", headers={"Accept": "application/n-triples"})
    base_triples = list(ox.parse(base.content, format=ox.RdfFormat.N_TRIPLES))
    assert any(t.predicate == has_role for t in base_triples)  # it has descriptors (its shapes)...
    assert not [t for t in base_triples if t.predicate == has_role and t.object == role]  # ...none for Dataverse


def _install_section(client, path: str):
    import lxml.html

    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    sections = lxml.html.fromstring(page.text).xpath("//section[@aria-labelledby='dataverse']")
    assert len(sections) == 1, page.text[:500]
    return sections[0]


def test_profile_page_has_install_in_dataverse(bundled_client):
    from registry.dataverse.export import admin_calls

    section = _install_section(bundled_client, "/ui/profiles/electron-microscopy/1.0.0")
    assert section.xpath("string(h2)") == "Install in Dataverse"
    # The five files, each a download link to its route, named as Dataverse wants them.
    links = {a.get("href"): (a.get("download"), a.text_content()) for a in section.xpath(".//ul[@class='inline dataverse-files']//a")}
    assert links == {f"{EM}/{generic}": (name, name) for generic, name in (
        ("block.tsv", "electronMicroscopy.tsv"), ("block.properties", "electronMicroscopy.properties"),
        ("block_fr.properties", "electronMicroscopy_fr.properties"), ("cvoc.json", "cvoc.json"),
        ("report.txt", "report.txt"))}
    for href in links:  # every link resolves to its file
        assert bundled_client.get(href).status_code == 200
    # The four admin API calls, in order, exactly as the report gives them.
    calls = section.xpath(".//ol[@class='dataverse-calls']/li")
    assert [li.xpath("string(.//code)") for li in calls] == [call for _, call in admin_calls("electronMicroscopy")]
    assert len(calls) == 4
    commands = " ".join(li.xpath("string(.//code)") for li in calls)
    for endpoint in ("api/admin/datasetfield/load", "api/dataverses/:root/metadatablocks",
                     "api/admin/index/solr/schema", "api/admin/settings/:CVocConf"):
        assert endpoint in commands
    french = _install_section(bundled_client, "/ui/profiles/electron-microscopy/1.0.0?lang=fr")
    assert french.xpath("string(h2)") == "Installer dans Dataverse"
    assert [li.text.strip() for li in french.xpath(".//ol[@class='dataverse-calls']/li")] == [
        "Charger le bloc", "L'activer sur une collection", "Mettre à jour le schéma Solr",
        "Configurer les vocabulaires externes"]
    # The base profile: no block of its own, the reason says it is Dataverse's citation block.
    base = _install_section(bundled_client, "/ui/profiles/research-dataset/1.0.0")
    assert not base.xpath(".//a[contains(@href, 'dataverse/')]") and not base.xpath(".//ol")
    assert "'citation' block" in base.text_content()


def test_cli_export_block_writes_the_five_files(store_location, tmp_path, request):
    from pathlib import Path

    from tests.conftest import REMOTE_BACKEND, REPO, copy_store

    store = store_location
    if REMOTE_BACKEND:
        loaded = CliRunner().invoke(app, ["load", str(REPO), "--store", store, "--base-iri", BASE])
        assert loaded.exit_code == 0, loaded.output
    else:
        # the same `registry load` of the checkout, made once for the run (the fixture asserts it), copied
        copy_store(request.getfixturevalue("bundled_store_template"), Path(store))
    result = CliRunner().invoke(app, ["dataverse", "export-block", "atom-probe@1.0.0", "-o", str(tmp_path / "out"),
                                      "--store", store, "--base-iri", BASE])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["atomProbe.properties", "atomProbe.tsv", "atomProbe_fr.properties", "cvoc.json", "report.txt"]
    check = CliRunner().invoke(app, ["dataverse", "check-block", str(tmp_path / "out" / "atomProbe.tsv"),
                                     "--properties", str(tmp_path / "out" / "atomProbe.properties"),
                                     "--properties", str(tmp_path / "out" / "atomProbe_fr.properties")])
    assert check.exit_code == 0, check.output
    refused = CliRunner().invoke(app, ["dataverse", "export-block", "research-dataset", "-o", str(tmp_path / "rd"),
                                       "--store", store, "--base-iri", BASE])
    assert refused.exit_code == 1 and "citation" in refused.output
    assert not (tmp_path / "rd").exists()


def test_cli_export_block_of_an_unknown_profile_creates_nothing(tmp_path):
    """A reading command never creates a store: before, an unknown profile left an empty store
    directory at --store (issue 14)."""
    missing = tmp_path / "no-store"
    result = CliRunner().invoke(app, ["dataverse", "export-block", "no-such-profile", "-o", str(tmp_path / "out"),
                                      "--store", str(missing), "--base-iri", BASE])
    assert result.exit_code == 2
    assert f"error: no registry store at {missing}: nothing has been loaded there" in result.output
    assert not missing.exists() and not (tmp_path / "out").exists()


def test_cli_export_block_of_an_unknown_profile_in_a_store_says_which(store_location, tmp_path):
    from registry.config import Settings
    from registry.services import Registry
    from tests.conftest import store_snapshot

    registry = Registry.build(Settings(store=store_location, base_iri=BASE, load_bundled=False))
    before = store_snapshot(registry.store)
    registry.close()
    result = CliRunner().invoke(app, ["dataverse", "export-block", "no-such-profile", "-o", str(tmp_path / "out"),
                                      "--store", store_location, "--base-iri", BASE])
    assert result.exit_code == 2, result.output
    assert result.output == "error: no profile 'no-such-profile'\n"
    assert not (tmp_path / "out").exists()
    registry = Registry.build(Settings(store=store_location, base_iri=BASE, load_bundled=False), read_only=True)
    assert store_snapshot(registry.store) == before
    registry.close()


def test_an_export_never_reads_a_cvoc_vocabulary_whole(bundled_client, monkeypatch):
    """Large or hierarchical vocabularies are counted and probed in the store, never read: the only
    concept lists read are those of small flat vocabularies (at most MAX_CONTROLLED_VALUES + 1 rows),
    and the only graph read whole is the profile's shapes graph (benchmarks/dataverse.py measures
    the memory on a 1M-triple vocabulary)."""
    from registry.dataverse.export import MAX_CONTROLLED_VALUES, StoreVocabularies, export_block

    registry = bundled_client.app.state.registry
    listed, whole = [], []
    concepts, triples = StoreVocabularies.concepts, registry.store.triples
    monkeypatch.setattr(StoreVocabularies, "concepts",
                        lambda self, facts, limit: listed.append((facts.vid, limit)) or concepts(self, facts, limit))
    monkeypatch.setattr(registry.store, "triples", lambda graph, *a, **k: whole.append(graph) or triples(graph, *a, **k))
    for pid in ("electron-microscopy", "atom-probe"):
        exported = export_block(registry, pid, "1.0.0")
        info = registry.catalog.version("profile", pid, "1.0.0")
        assert whole == [info.graph]
        whole.clear()
        served = {vid for entry in exported.cvoc for vid in entry["vocabs"]}
        assert not served & {vid for vid, _ in listed}
        if pid == "electron-microscopy":
            assert "technique" in served
    assert listed and all(limit == MAX_CONTROLLED_VALUES for _, limit in listed)


def test_every_export_is_checked_and_a_broken_one_is_refused(bundled_client, monkeypatch):
    """The checker runs on every export: a planned field Dataverse's loader would refuse (here a
    fieldType outside the guide's list) makes the export fail with the problem's column, rather than
    hand out a TSV that breaks the load."""
    from registry.dataverse import export
    from registry.dataverse.block import BlockFormatError

    dataset_field = export._dataset_field

    def broken(f, plan, order):
        out = dataset_field(f, plan, order)
        if f.name == "emOperatorName":
            out.field_type = "boolean"
        return out

    monkeypatch.setattr(export, "_dataset_field", broken)
    with pytest.raises(BlockFormatError) as refused:
        export.export_block(bundled_client.app.state.registry, "electron-microscopy", "1.0.0")
    [problem] = refused.value.problems
    assert (problem.rule, problem.column_name) == ("field-type", "fieldType") and "boolean" in problem.message
