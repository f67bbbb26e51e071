"""`registry dataverse check-block`: every real block passes; each rule refuses a broken block with
the line and column of the offending cell."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from registry.cli import app
from registry.dataverse.block import FIELD_COLUMNS, BlockFormatError, parse_block, parse_properties
from registry.dataverse.check import check_block, check_files, errors

from .conftest import PROPERTIES, real_block_paths, require_dataverse_data


def _bundles_of(name: str) -> list:
    return sorted(PROPERTIES.glob(f"*/{name}.properties")) + sorted(PROPERTIES.glob(f"*/{name}_fr.properties"))


@pytest.mark.parametrize("path", real_block_paths(), ids=lambda p: p.stem)
def test_every_real_block_passes_with_every_bundle(path):
    block, problems = check_files(path)
    bundles = _bundles_of(block.name)
    for bundle in bundles:  # fr_CA and fr_FR are both "fr": check them one by one
        _, with_bundle = check_files(path, [bundle])
        problems += with_bundle
    assert errors(problems) == []


def test_the_cli_passes_a_real_block_and_prints_its_warnings():
    require_dataverse_data()
    from .conftest import BLOCKS

    result = CliRunner().invoke(app, ["dataverse", "check-block", str(BLOCKS / "astrophysics.tsv"), "--json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)
    # The astrophysics names with dots are a (Solr) warning, not an error.
    assert {(p["rule"], p["severity"]) for p in problems} == {("field-name", "warning")}
    assert any(p["line"] == 8 and p["column"] == 2 and p["column_name"] == "name" for p in problems)


HEAD = ("#metadataBlock\tname\tdataverseAlias\tdisplayName\tblockURI",
        "\tdemo\t\tDemo block\thttps://example.org/demo/",
        "#datasetField\t" + "\t".join(FIELD_COLUMNS))
VALUES = "#controlledVocabulary\tDatasetField\tValue\tidentifier\tdisplayOrder"
COLUMN = {name: i + 2 for i, name in enumerate(FIELD_COLUMNS)}


def row(name="a", *, title="A", field_type="text", order="0", cv="FALSE", multiple="FALSE", required="FALSE",
        parent="", block="demo", term="", advanced="FALSE") -> str:
    return "\t".join(["", name, title, "desc", "", field_type, order, "", advanced, cv, multiple, "FALSE",
                      "TRUE", required, parent, block, term])


def problems_of(*rows: str, bundles=None, existing=None, head=HEAD):
    block = parse_block("".join(r + "\n" for r in (*head, *rows)), source="demo.tsv")
    return check_block(block, bundles=bundles, existing_fields=existing)


def only_error(problems):
    found = errors(problems)
    assert len(found) == 1, [str(p) for p in problems]
    p = found[0]
    return p.line, p.column, p.rule


def test_a_good_block_passes():
    assert problems_of(row("a"), row("c", field_type="none", multiple="TRUE"), row("c1", parent="c"),
                       row("v", cv="TRUE"), VALUES, "\tv\tOne\tone\t0", "\tv\tTwo\t\t1") == []


def test_block_name_well_formed():
    head = (HEAD[0], "\tdemo block\t\tDemo\t", HEAD[2])
    assert only_error(problems_of(row(block="demo block"), head=head)) == (2, 2, "block-name")


def test_block_display_name_present_and_short():
    assert only_error(problems_of(row(), head=(HEAD[0], "\tdemo\t\t\thttps://example.org/d/", HEAD[2]))) == \
        (2, 4, "display-name")
    long = (HEAD[0], "\tdemo\t\t" + "x" * 257 + "\t", HEAD[2])
    assert only_error(problems_of(row(), head=long)) == (2, 4, "display-name")


def test_block_uri_and_term_uri_are_absolute_iris():
    assert only_error(problems_of(row(), head=(HEAD[0], "\tdemo\t\tDemo\tdemo/", HEAD[2]))) == (2, 5, "iri")
    assert only_error(problems_of(row(term="not an iri"))) == (4, COLUMN["termURI"], "iri")


def test_a_block_needs_fields():
    assert only_error(problems_of()) == (2, 1, "no-fields")


def test_field_names_without_whitespace_nor_reserved_underscores():
    assert only_error(problems_of(row("a b"))) == (4, COLUMN["name"], "field-name")
    assert only_error(problems_of(row("_version_"))) == (4, COLUMN["name"], "field-name")
    # A name Solr dislikes is a warning only (real astrophysics names have dots).
    assert errors(problems_of(row("resolution.Spatial"))) == []


def test_field_names_unique_in_the_block_across_blocks_and_not_a_block_name():
    assert only_error(problems_of(row("a"), row("a", order="1"))) == (5, COLUMN["name"], "unique-name")
    assert only_error(problems_of(row("demo"))) == (4, COLUMN["name"], "unique-name")
    assert only_error(problems_of(row("title"), existing={"title": "citation"})) == (4, COLUMN["name"], "unique-name")


def test_title_required():
    assert only_error(problems_of(row(title=""))) == (4, COLUMN["title"], "title")


def test_field_type_is_one_of_the_guide():
    assert only_error(problems_of(row(field_type="boolean"))) == (4, COLUMN["fieldType"], "field-type")


def test_display_order_non_negative_integer():
    assert only_error(problems_of(row(order="-1"))) == (4, COLUMN["displayOrder"], "display-order")


def test_booleans_are_true_or_false():
    assert only_error(problems_of(row(advanced="yes"))) == (4, COLUMN["advancedSearchField"], "boolean")


def test_parent_declared_before_existing_compound_one_level_not_itself():
    assert only_error(problems_of(row("a", parent="nope"))) == (4, COLUMN["parent"], "parent")
    assert only_error(problems_of(row("a", parent="a"))) == (4, COLUMN["parent"], "parent")
    assert only_error(problems_of(row("c1", parent="c"), row("c", field_type="none", order="1"))) == \
        (4, COLUMN["parent"], "parent")
    assert only_error(problems_of(row("c"), row("c1", parent="c", order="1"))) == (5, COLUMN["parent"], "parent")
    assert only_error(problems_of(row("c", field_type="none"), row("d", field_type="none", parent="c"),
                                  row("e", parent="d"))) == (6, COLUMN["parent"], "parent")


def test_compound_field_holds_no_controlled_value():
    assert only_error(problems_of(row("c", field_type="none", cv="TRUE"), row("c1", parent="c"))) == \
        (4, COLUMN["allowControlledVocabulary"], "controlled-vocabulary")


def test_metadatablock_id_required():
    with pytest.raises(BlockFormatError) as raised:
        problems_of(row(block=""))
    assert [(p.line, p.column, p.rule) for p in raised.value.problems] == \
        [(4, COLUMN["metadatablock_id"], "missing-cells")]
    # Another block's name is accepted by the loader, but not what the guide advises.
    found = problems_of(row(block="citation"))
    assert errors(found) == [] and [(p.line, p.column, p.rule) for p in found] == \
        [(4, COLUMN["metadatablock_id"], "block-reference")]


def test_controlled_values_only_on_fields_that_allow_them():
    assert only_error(problems_of(row("a"), VALUES, "\ta\tOne\tone\t0")) == (6, 2, "value-field")
    assert only_error(problems_of(row("a"), VALUES, "\tzz\tOne\tone\t0")) == (6, 2, "value-field")


def test_controlled_value_not_empty_and_ordered():
    assert only_error(problems_of(row("a", cv="TRUE"), VALUES, "\ta\t\tone\t0")) == (6, 3, "value")
    assert only_error(problems_of(row("a", cv="TRUE"), VALUES, "\ta\tOne\tone\t-3")) == (6, 5, "display-order")


def test_repeated_controlled_values_are_warnings():
    found = problems_of(row("a", cv="TRUE"), VALUES, "\ta\tOne\tone\t0", "\ta\tOne\tone\t1")
    assert errors(found) == [] and {(p.line, p.column, p.rule) for p in found} == {(7, 3, "unique-value"),
                                                                                 (7, 4, "unique-value")}


def test_properties_keys_must_match_the_block():
    wrong = parse_properties("metadatablock.name=citation\ndatasetfieldtype.a.title=A\n", source="demo.properties")
    p = errors(problems_of(row("a"), bundles={"en": wrong}))
    assert [(x.source, x.line, x.rule) for x in p] == [("demo.properties", 1, "properties-key")]
    stale = parse_properties("metadatablock.name=demo\ndatasetfieldtype.gone.title=Gone\n", source="demo.properties")
    found = problems_of(row("a"), bundles={"en": stale})
    assert errors(found) == []
    assert {(x.line, x.rule, x.severity) for x in found} == {(2, "properties-key", "warning"),
                                                             (4, "properties-missing", "warning")}


def test_syntax_problems_come_back_from_check_files(tmp_path):
    tsv = tmp_path / "broken.tsv"
    tsv.write_text("".join(r + "\n" for r in (*HEAD, row(order="x"))))
    bad_bundle = tmp_path / "demo.properties"
    bad_bundle.write_text("a=\\u12\n")
    block, found = check_files(tsv, [bad_bundle])
    assert block is None and [(p.line, p.column, p.rule) for p in found] == [(4, COLUMN["displayOrder"], "integer")]
    tsv.write_text("".join(r + "\n" for r in (*HEAD, row())))
    block, found = check_files(tsv, [bad_bundle])
    assert [(p.source, p.line, p.column, p.rule) for p in found] == [("demo.properties", 1, 3, "properties-escape")]


def test_the_cli_exits_1_on_errors_with_line_and_column(tmp_path):
    tsv = tmp_path / "broken.tsv"
    tsv.write_text("".join(r + "\n" for r in (*HEAD, row(field_type="boolean"))))
    result = CliRunner().invoke(app, ["dataverse", "check-block", str(tsv)])
    assert result.exit_code == 1
    assert f"broken.tsv:4:{COLUMN['fieldType']} (fieldType): error [field-type]" in result.output
    assert CliRunner().invoke(app, ["dataverse", "check-block", str(tmp_path / "none.tsv")]).exit_code == 2


def test_warnings_the_loader_accepts():
    found = problems_of("  " + row("a"), row("c", field_type="none", order="1"), row("v", cv="TRUE", order="2"),
                        head=(*HEAD[:2], "\tother\t\tOther\t", HEAD[2]))
    assert errors(found) == []
    assert [(p.line, p.column, p.rule) for p in found] == [
        (3, 2, "one-block"), (5, 1, "marker-cell"), (6, COLUMN["fieldType"], "compound"),
        (7, COLUMN["allowControlledVocabulary"], "controlled-vocabulary")]


def test_every_rule_has_a_sentence_for_the_pages_in_english_and_french():
    """The community page says which rule a broken block breaks in the page's language: every rule
    the checker and the parser can report (the rule literal before a message in their source) has
    its sentence."""
    import re

    from registry.web import i18n
    from tests.conftest import REPO

    rule = re.compile(r'"([a-z]+(?:-[a-z]+)*)",\s*f?"[^"]*?\s')
    rules = set()
    for name in ("check.py", "block.py"):
        rules |= set(rule.findall((REPO / "registry" / "dataverse" / name).read_text()))
    assert {"field-type", "parent", "properties-escape", "properties-missing", "integer", "boolean"} <= rules
    missing = sorted(r for r in rules if set(i18n.MESSAGES.get(f"dataverse.rule.{r}", {})) != {"en", "fr"})
    assert missing == []
