"""The block model, TSV parser and `.properties` reader (registry.dataverse.block) on every real
Dataverse block of ../shared/data/dataverse, and on small broken inputs."""

from __future__ import annotations

import pytest

from registry.dataverse.block import (
    BlockFormatError, BlockText, ControlledValue, FIELD_COLUMNS, language_of, load_block_text,
    parse_block, parse_properties, properties_entries, property_iri, read_block, read_properties,
    value_key, write_block, write_properties,
)
from registry.errors import InvalidInput

from .conftest import BLOCKS, PROPERTIES, english_properties, real_block_paths, require_dataverse_data

# Block name per file: the name is the #metadataBlock row's, not the file's.
EXPECTED_NAMES = {
    "archival.tsv": "archival", "astrophysics.tsv": "astrophysics", "biomedical.tsv": "biomedical",
    "citation.tsv": "citation", "codemeta.tsv": "codeMeta20", "computational_workflow.tsv": "computationalworkflow",
    "customARCS.tsv": "customARCS", "customCHIA.tsv": "customCHIA", "customDigaai.tsv": "customDigaai",
    "customGSD.tsv": "customGSD", "customPSRI.tsv": "customPSRI", "custom_hbgdki.tsv": "custom_hbgdki",
    "geospatial.tsv": "geospatial", "journals.tsv": "journal", "review.tsv": "review",
    "rubric_trusteddatadimensionsintensities.tsv": "rubric_trusteddatadimensionsintensities",
    "social_science.tsv": "socialscience",
}


def test_all_seventeen_real_blocks_are_there():
    require_dataverse_data()
    assert sorted(p.name for p in real_block_paths()) == sorted(EXPECTED_NAMES)


@pytest.mark.parametrize("path", real_block_paths(), ids=lambda p: p.stem)
def test_every_real_block_parses_and_round_trips_through_the_writer(path):
    block = read_block(path)
    assert block.name == EXPECTED_NAMES[path.name]
    assert block.fields, "a block without fields"
    # Every field belongs to this block, every controlled value to one of its fields.
    names = {f.name for f in block.fields}
    assert all(f.metadatablock_id == block.name for f in block.fields)
    assert {v.field for v in block.values} <= names
    # Line numbers point at the row in the file.
    lines = path.read_bytes().decode("utf-8").splitlines()
    for f in block.fields:
        assert lines[f.line - 1].split("\t")[1] == f.name
    # What we write, Dataverse's way, reads back the same.
    assert parse_block(write_block(block)) == block


def test_citation_block_columns_are_typed():
    require_dataverse_data()
    block = read_block(BLOCKS / "citation.tsv")
    assert block.block_uri == "https://dataverse.org/schema/citation/"
    title = block.field("title")
    assert (title.title, title.field_type, title.display_order, title.required, title.allow_multiples,
            title.advanced_search_field, title.display_on_create, title.term_uri) == (
        "Title", "text", 0, True, False, True, True, "http://purl.org/dc/terms/title")
    author = block.field("author")
    assert author.is_compound and author.allow_multiples
    assert [c.name for c in block.children("author")] == [
        "authorName", "authorAffiliation", "authorIdentifierScheme", "authorIdentifier"]
    url = block.field("alternativeURL")
    assert url.watermark == "https://" and url.display_format == '<a href="#VALUE" target="_blank">#VALUE</a>'
    # Alternates after displayOrder (ISO 639 codes of a language).
    english = next(v for v in block.values_of("language") if v.value == "English")
    assert english.identifier == "eng" and "en" in english.alternates
    subject = block.values_of("subject")
    assert [v.display_order for v in subject] == sorted(v.display_order for v in subject)
    assert subject[0].value == "Agricultural Sciences" and subject[0].code == "D01"


def test_property_iri_rule():
    require_dataverse_data()
    citation = read_block(BLOCKS / "citation.tsv")
    assert property_iri(citation, "title") == "http://purl.org/dc/terms/title"  # termURI
    assert property_iri(citation, "subtitle") == "https://dataverse.org/schema/citation/subtitle"  # blockURI + name
    social = read_block(BLOCKS / "social_science.tsv")  # no blockURI, no termURI
    with pytest.raises(InvalidInput):
        property_iri(social, "unitOfAnalysis")
    assert social.property_iri("unitOfAnalysis", fallback_namespace="https://dv.example/schema/socialscience#") == \
        "https://dv.example/schema/socialscience#unitOfAnalysis"


def test_header_names_do_not_matter_only_positions():
    require_dataverse_data()
    # astrophysics' #metadataBlock header is separated by spaces, citation's has " fieldType".
    astro = read_block(BLOCKS / "astrophysics.tsv")
    assert astro.name == "astrophysics" and astro.display_name == "Astronomy and Astrophysics Metadata"


def test_crlf_and_spaces_in_the_marker_cell_are_read_like_the_loader():
    require_dataverse_data()
    block = read_block(BLOCKS / "custom_hbgdki.tsv")  # CRLF, and one row whose first cell is spaces
    usctr = [v for v in block.values if v.identifier == "hbgdki_study_registry_type_USCTR"]
    assert len(usctr) == 1 and usctr[0].display_order == 16 and not usctr[0].value.endswith("\r")


def _tsv(*rows: str) -> str:
    return "".join(r + "\n" for r in rows)


BLOCK_HEAD = ("#metadataBlock\tname\tdataverseAlias\tdisplayName\tblockURI",
              "\tdemo\t\tDemo\thttps://example.org/demo/",
              "#datasetField\t" + "\t".join(FIELD_COLUMNS))


def _field_row(name="a", order="0", field_type="text", required="FALSE", parent=""):
    return f"\t{name}\tA\tThe a\t\t{field_type}\t{order}\t\tFALSE\tFALSE\tFALSE\tFALSE\tTRUE\t{required}\t{parent}\tdemo\t"


def test_broken_rows_are_reported_with_line_and_column():
    with pytest.raises(BlockFormatError) as raised:
        parse_block(_tsv(*BLOCK_HEAD, _field_row(order="first"), "\tb\tB", "#unknown\tx", "",
                         "#controlledVocabulary\tDatasetField\tValue\tidentifier\tdisplayOrder",
                         "\ta\tOne\tone\t1.5"), source="demo.tsv")
    problems = [(p.line, p.column, p.rule) for p in raised.value.problems]
    assert problems == [(4, 7, "integer"), (5, 16, "missing-cells"), (6, 1, "section-header"),
                        (7, 1, "blank-line"), (9, 5, "integer")]
    body = raised.value.to_problem()
    assert body["status"] == 422 and body["line"] == 4 and body["column"] == 7 and body["rule"] == "integer"
    assert body["problems"][0]["column_name"] == "displayOrder"
    assert "demo.tsv:4:7" in body["detail"]


def test_a_row_before_any_section_and_a_file_without_block():
    with pytest.raises(BlockFormatError) as raised:
        parse_block("\tdemo\t\tDemo\n")
    assert [(p.line, p.rule) for p in raised.value.problems] == [(1, "section-header")]
    with pytest.raises(BlockFormatError) as raised:
        parse_block("#datasetField\tname\n")
    assert [p.rule for p in raised.value.problems] == ["no-block"]


def test_not_utf8_names_line_and_column():
    with pytest.raises(BlockFormatError) as raised:
        parse_block("#metadataBlock\tname\n\tdémo\t\tD\n".encode("latin-1"))
    p = raised.value.problems[0]
    assert (p.line, p.column, p.rule) == (2, 3, "encoding")


def test_booleans_are_read_like_javas_parse_boolean():
    block = parse_block(_tsv(*BLOCK_HEAD, _field_row(required="true"), _field_row(name="b", required="yes")))
    assert block.field("a").required is True and block.field("b").required is False


# --- .properties -----------------------------------------------------------------------------------

def test_java_properties_rules():
    text = (
        "# comment\n"
        "! other comment \\\n"
        "key1 = value one\n"
        "key2:value\\ttab\\u00e9\n"
        "   key3   spaced value\n"
        "key4=first \\\n"
        "      second\\\\\n"
        "key\\ 5=escaped key\n"
        "key6\n"
        "key7=a\\\\\\\n"
        "  b\n"
        "emoji=\\uD83D\\uDE00\n"
        "key1=last wins\n"
    )
    props = parse_properties(text)
    assert props.entries == {
        "key1": "last wins", "key2": "value\ttabé", "key3": "spaced value", "key4": "first second\\",
        "key 5": "escaped key", "key6": "", "key7": "a\\b", "emoji": "\U0001F600",
    }
    assert props.lines["key4"] == 6 and props.lines["key1"] == 13


def test_malformed_unicode_escape_names_line_and_column():
    with pytest.raises(BlockFormatError) as raised:
        parse_properties("a=b\nkey=abc\\u12x4\n", source="x.properties")
    p = raised.value.problems[0]
    assert (p.line, p.column, p.rule) == (2, 8, "properties-escape")


def test_properties_writer_round_trips_anything():
    entries = [("a key=:#!", " leading space, = : # ! tab\t newline\n é 😀 \\ end")]
    assert list(parse_properties(write_properties(entries)).entries.items()) == entries
    assert write_properties(entries).isascii()


def test_encoding_utf8_then_latin1_like_property_resource_bundle():
    require_dataverse_data()
    # The fr_CA citation bundle is ISO-8859-1 bytes; the English one UTF-8 with \u escapes.
    fr = read_properties(PROPERTIES / "fr_CA" / "citation_fr.properties")
    assert fr.get("metadatablock.displayName") == "Métadonnées de la référence bibliographique"
    en = read_properties(english_properties("citation"))
    assert en.get("controlledvocabulary.language.marathi_(marathi)") == "Marathi, Marathi (Marāṭhī)"


def test_value_keys_follow_the_guide():
    assert value_key("Agricultural Sciences") == "agricultural_sciences"
    assert value_key("Marathi (Marāṭhī)") == "marathi_(marathi)"
    assert ControlledValue("subject", "Arts and Humanities").properties_key == \
        "controlledvocabulary.subject.arts_and_humanities"


def test_language_of_bundle_files():
    assert language_of("citation.properties", "citation") == "en"
    assert language_of("citation_fr.properties", "citation") == "fr"
    assert language_of("x/custom_hbgdki_fr_CA.properties", "custom_hbgdki") == "fr-CA"


@pytest.mark.parametrize("path", real_block_paths(), ids=lambda p: p.stem)
def test_every_real_english_bundle_names_every_field_and_value(path):
    block = read_block(path)
    bundle = english_properties(block.name)
    if not bundle.exists():
        # The one block the Dataverse repository ships without a bundle (its TSV text is used).
        assert block.name == "rubric_trusteddatadimensionsintensities"
        return
    text = load_block_text(block, [bundle])
    assert text.languages == ["en"]
    missing = [f.name for f in block.fields if not text.has(f"datasetfieldtype.{f.name}.title", "en")]
    assert missing == []
    # Our bundle writer, from the TSV + this bundle, keeps every English string of the bundle.
    ours = parse_properties(write_properties(properties_entries(block, text)))
    real = read_properties(bundle)
    for f in block.fields:
        key = f"datasetfieldtype.{f.name}.title"
        assert ours.get(key) == real.get(key)


def test_french_titles_come_from_the_french_bundle():
    require_dataverse_data()
    block = read_block(BLOCKS / "citation.tsv")
    text = load_block_text(block, [english_properties("citation"),
                                   PROPERTIES / "fr_CA" / "citation_fr.properties"])
    assert text.languages == ["en", "fr"]
    assert text.title("title", "fr") == "Titre" and text.title("title", "en") == "Title"
    assert text.display_name("fr") == "Métadonnées de la référence bibliographique"
    # A missing key falls back on the TSV text.
    assert BlockText(block).title("title", "de") == "Title"
