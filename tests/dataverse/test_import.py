"""`registry dataverse import-block`: every real block becomes a `registry load` folder whose
profile, loaded and exported again, gives back an equivalent TSV (same block, field names, order,
types, multiplicity, required flags, parents, term URIs, display columns, controlled values with
identifiers, order and alternates)."""

from __future__ import annotations

import dataclasses

import pytest
import rdflib
from typer.testing import CliRunner

from registry.bundled import load_folder
from registry.cli import app
from registry.config import Settings
from registry.dataverse.annotations import DVB
from registry.dataverse.block import load_block_text, parse_properties, read_block
from registry.dataverse.export import export_block
from registry.dataverse.importer import import_block, profile_id_of, write_import
from registry.errors import InvalidInput
from registry.services import Registry
from tests.conftest import REMOTE_BACKEND, start_remote_server

from .conftest import BLOCKS, PROPERTIES, real_block_paths, require_dataverse_data

NAMESPACE = "https://w3id.org/dvimport/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """One store for the module's round trips (embedded, or a real `oxigraph serve` or Virtuoso
    of its own on the remote backends)."""
    server = None
    root = tmp_path_factory.mktemp("dvimport")
    if REMOTE_BACKEND:
        server = start_remote_server(root / "store-server")
        store = server.store_url
    else:
        store = str(root / "store")
    services = Registry.build(Settings(store=store, base_iri="http://testserver/", load_bundled=False))
    yield services
    services.close()
    if server is not None:
        server.stop()


def bundles(block_name: str) -> list:
    # English and the INRS (fr_CA) French bundle: two files, two languages.
    return sorted(PROPERTIES.glob(f"en/{block_name}.properties")) + sorted(PROPERTIES.glob(f"fr_CA/{block_name}_fr.properties"))


def equivalent(original, exported) -> list:
    """What differs between two blocks in everything the issue lists (empty: equivalent). The
    #controlledVocabulary rows are compared per field: their grouping in the file carries nothing."""
    diffs = [(k, getattr(original, k), getattr(exported, k)) for k in ("name", "dataverse_alias", "display_name", "block_uri")
             if getattr(original, k) != getattr(exported, k)]
    if [f.name for f in original.fields] != [f.name for f in exported.fields]:
        diffs.append(("field order", [f.name for f in original.fields], [f.name for f in exported.fields]))
    for f in original.fields:
        g = exported.field(f.name)
        for column in dataclasses.fields(f):
            if g is not None and column.compare and getattr(f, column.name) != getattr(g, column.name):
                diffs.append((f.name, column.name, getattr(f, column.name), getattr(g, column.name)))
        if original.values_of(f.name) != exported.values_of(f.name):
            diffs.append((f.name, "controlled values"))
    return diffs


@pytest.mark.parametrize("path", real_block_paths(), ids=lambda p: p.stem)
def test_round_trip_import_load_export_gives_an_equivalent_block(path, registry, tmp_path):
    block = read_block(path)
    text = load_block_text(block, bundles(block.name))
    folder = tmp_path / "import"
    write_import(import_block(text, community="dvimport", namespace=NAMESPACE), folder)
    report = load_folder(registry, folder)
    assert f"profile {profile_id_of(block.name)} 1.0.0" in report.to_json()["published"]
    exported = export_block(registry, profile_id_of(block.name), "1.0.0")
    assert equivalent(block, exported.block) == []
    # The French strings of the bundle come back in the exported French bundle.
    if "fr" in text.languages:
        fr = parse_properties(exported.files[f"{block.name}_fr.properties"])
        for f in block.fields:
            if text.has(f"datasetfieldtype.{f.name}.title", "fr"):
                assert fr.get(f"datasetfieldtype.{f.name}.title") == text.title(f.name, "fr")


def test_the_profile_says_every_field_in_shacl_with_annotations(tmp_path):
    require_dataverse_data()
    block = read_block(BLOCKS / "citation.tsv")
    files = import_block(load_block_text(block, bundles("citation")), community="dvimport", namespace=NAMESPACE)
    shapes = rdflib.Graph().parse(data=files["shapes/citation/1.0.0/shapes.ttl"], format="turtle")
    title = rdflib.URIRef(NAMESPACE + "shapes/citation/title")
    assert shapes.value(title, SH.path) == rdflib.URIRef("http://purl.org/dc/terms/title")  # termURI
    assert {str(n) for n in shapes.objects(title, SH.name)} == {"Title", "Titre"}
    assert int(shapes.value(title, SH.minCount)) == 1 and int(shapes.value(title, SH.maxCount)) == 1
    subtitle = rdflib.URIRef(NAMESPACE + "shapes/citation/subtitle")  # no termURI: blockURI + name
    assert shapes.value(subtitle, SH.path) == rdflib.URIRef("https://dataverse.org/schema/citation/subtitle")
    author = rdflib.URIRef(NAMESPACE + "shapes/citation/author")
    node = shapes.value(author, SH.node)
    children = {str(shapes.value(p, DVB.fieldName)) for p in shapes.objects(node, SH.property)}
    assert children == {"authorName", "authorAffiliation", "authorIdentifierScheme", "authorIdentifier"}
    url = rdflib.URIRef(NAMESPACE + "shapes/citation/alternativeURL")
    assert str(shapes.value(url, DVB.watermark)) == "https://" and str(shapes.value(url, DVB.fieldType)) == "url"
    # One vocabulary per controlled field: subject, with the identifier as notation and French labels.
    subject = rdflib.Graph().parse(data=files["vocabularies/citation-subject/1.0.0.nt"], format="nt")
    agriculture = rdflib.URIRef(NAMESPACE + "vocab/citation/subject/D01")
    assert str(subject.value(agriculture, SKOS.notation)) == "D01"
    assert {(str(label), label.language) for label in subject.objects(agriculture, SKOS.prefLabel)} == {
        ("Agricultural Sciences", "en"), ("Sciences de l'agriculture", "fr")}


def test_cli_import_block_writes_only_below_the_output(tmp_path):
    require_dataverse_data()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["dataverse", "import-block", str(BLOCKS / "journals.tsv"),
                                      "--properties", str(PROPERTIES / "en" / "journal.properties"),
                                      "--community", "dvimport", "--namespace", NAMESPACE, "--version", "2.1.0",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["shapes/journal/2.1.0/shapes.ttl", "shapes/journal/profile.toml",
                       "vocabularies/journal-journal-article-type/2.1.0.nt",
                       "vocabularies/journal-journal-article-type/vocabulary.toml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_cli_import_refuses_a_broken_block_with_line_and_column(tmp_path):
    broken = tmp_path / "broken.tsv"
    broken.write_text("#metadataBlock\tname\tdataverseAlias\tdisplayName\n\tdemo\t\tDemo\n#datasetField\tname\n"
                      "\ta\tA\t\t\tboolean\t0\t\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\t\tdemo\n")
    result = CliRunner().invoke(app, ["dataverse", "import-block", str(broken), "--community", "dvimport",
                                      "--namespace", NAMESPACE, "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "broken.tsv:4:6 (fieldType): error [field-type]" in result.output
    assert not (tmp_path / "out").exists()


def test_import_refuses_a_bad_namespace_or_community():
    require_dataverse_data()
    text = load_block_text(read_block(BLOCKS / "journals.tsv"), [])
    with pytest.raises(InvalidInput):
        import_block(text, community="dvimport", namespace="not-an-iri")
    with pytest.raises(InvalidInput):
        import_block(text, community="../etc", namespace=NAMESPACE)


def test_write_import_never_leaves_the_output(tmp_path):
    with pytest.raises(InvalidInput):
        write_import({"../escape.ttl": b"x"}, tmp_path / "out")
    assert not (tmp_path / "escape.ttl").exists()


def test_write_import_refuses_a_symlink_leading_out_of_the_output(tmp_path):
    """-o DIR may already exist: a link inside it to another directory is not followed to write
    there."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "shapes").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidInput) as refused:
        write_import({"shapes/demo/profile.toml": b"x"}, out)
    assert refused.value.code == "path-outside-output"
    assert list(outside.iterdir()) == []
