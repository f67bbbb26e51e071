"""Check a metadata block as Dataverse's loader and its guide would (`registry dataverse check-block`).

Each rule has a stable name (the `rule` of a `BlockProblem`) and cites the guide
(`docs/metadatacustomization.rst`, "About the metadata block TSV" and "Loading TSV files"). Errors
are what makes the loader fail or store something else than written; warnings are what the guide
advises against but the loader accepts (the real blocks Dataverse ships break some of them: the
astrophysics field names contain dots, customGSD repeats identifiers).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

from registry.dataverse.block import (
    BOOLEAN_COLUMNS, FIELD_TYPES, BlockFormatError, BlockProblem, MetadataBlock, Properties,
    column_number, language_of, parse_block, read_properties,
)

FIELD = "#datasetField"
VALUE = "#controlledVocabulary"
BLOCK = "#metadataBlock"

# Guide, #metadataBlock name: "No spaces or punctuation, except underscore".
BLOCK_NAME = re.compile(r"[A-Za-z0-9_]+")
# Guide, #datasetField name (from Solr): "alphanumeric or underscore characters only and not start
# with a digit. This is not currently strictly enforced" → a warning; whitespace is an error.
SOLR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
DISPLAY_NAME_MAX = 256  # guide, displayName: "The limit is 256 character"
FIELD_KEY_SUFFIXES = ("title", "description", "watermark")


def check_block(block: MetadataBlock, *, bundles: Mapping[str, Properties] | None = None,
                existing_fields: Mapping[str, str] | None = None) -> list[BlockProblem]:
    """Every problem of a parsed block, in file order (then the bundles'). `existing_fields` maps
    field names already loaded in the target installation to their block (guide: a name "must not
    collide with a field of the same name in another #metadataBlock")."""
    problems: list[BlockProblem] = []
    source = block.source

    def report(line: int, section: str, column: str | None, rule: str, message: str,
               severity: str = "error") -> None:
        number = column_number(section, column) if column else 1
        problems.append(BlockProblem(line, number, rule, message, column or "", source, severity))

    # --- #metadataBlock
    if not BLOCK_NAME.fullmatch(block.name):
        report(block.line, BLOCK, "name", "block-name",
               f"block name {block.name!r}: letters, digits and underscore only")
    elif not block.name[0].isalpha():
        report(block.line, BLOCK, "name", "block-name", "by convention a block name starts with a letter",
               "warning")
    if not block.display_name:
        report(block.line, BLOCK, "displayName", "display-name", "empty displayName")
    elif len(block.display_name) > DISPLAY_NAME_MAX:
        report(block.line, BLOCK, "displayName", "display-name",
               f"displayName has {len(block.display_name)} characters (limit {DISPLAY_NAME_MAX})")
    if block.block_uri and not ABSOLUTE_IRI.fullmatch(block.block_uri):
        report(block.line, BLOCK, "blockURI", "iri", f"blockURI {block.block_uri!r} is not an absolute IRI")
    for other in block.other_blocks:
        report(other.line, BLOCK, "name", "one-block",
               "more than one #metadataBlock row: fields are all attached by metadatablock_id; the guide "
               "advises one block per file", "warning")
    if not block.fields:
        report(block.line, BLOCK, None, "no-fields", "a block needs at least one #datasetField row")

    # --- #datasetField
    seen: dict[str, int] = {}
    block_names = {block.name, *(b.name for b in block.other_blocks)}
    for f in block.fields:
        if f.cells and f.cells[0].strip("\t") != "":
            report(f.line, FIELD, None, "marker-cell",
                   f"first cell {f.cells[0]!r} is not empty (the loader ignores it)", "warning")
        if not f.name or re.search(r"\s", f.name):
            report(f.line, FIELD, "name", "field-name", f"field name {f.name!r} is empty or has whitespace")
        elif len(f.name) > 1 and f.name.startswith("_") and f.name.endswith("_"):
            report(f.line, FIELD, "name", "field-name",
                   f"{f.name!r}: names with leading and trailing underscores are reserved by Solr")
        elif not SOLR_NAME.fullmatch(f.name):
            report(f.line, FIELD, "name", "field-name",
                   f"{f.name!r}: Solr names are letters, digits and underscore, not starting with a digit",
                   "warning")
        if f.name in seen:
            report(f.line, FIELD, "name", "unique-name",
                   f"field {f.name!r} already declared on line {seen[f.name]} (the loader overwrites it)")
        elif f.name in block_names:
            report(f.line, FIELD, "name", "unique-name", f"field {f.name!r} has the name of a metadata block")
        elif existing_fields and f.name in existing_fields and existing_fields[f.name] != block.name:
            report(f.line, FIELD, "name", "unique-name",
                   f"field {f.name!r} already exists in block {existing_fields[f.name]!r}")
        if not f.title:
            report(f.line, FIELD, "title", "title", f"field {f.name!r} has no title")
        if f.field_type.lower() not in FIELD_TYPES:
            report(f.line, FIELD, "fieldType", "field-type",
                   f"fieldType {f.field_type!r} is not one of {', '.join(FIELD_TYPES)}")
        elif f.field_type not in FIELD_TYPES:
            report(f.line, FIELD, "fieldType", "field-type",
                   f"fieldType {f.field_type!r} is read case-insensitively; write it in lower case", "warning")
        if f.display_order < 0:
            report(f.line, FIELD, "displayOrder", "display-order", "displayOrder must be a non-negative integer")
        for column, cell in zip(BOOLEAN_COLUMNS, f.cells[8:14]):
            if cell.upper() not in ("TRUE", "FALSE"):
                report(f.line, FIELD, column, "boolean",
                       f"{column} is {cell!r}: TRUE or FALSE (the loader reads anything else as FALSE)")
        if f.is_compound and f.allow_controlled_vocabulary:
            report(f.line, FIELD, "allowControlledVocabulary", "controlled-vocabulary",
                   f"compound field {f.name!r} (fieldType none) holds no value to control")
        if f.parent:
            parent = block.field(f.parent)
            if f.parent == f.name:
                report(f.line, FIELD, "parent", "parent", f"field {f.name!r} is its own parent")
            elif parent is None:
                report(f.line, FIELD, "parent", "parent",
                       f"parent {f.parent!r} is not a field of block {block.name!r}")
            elif f.parent not in seen:
                report(f.line, FIELD, "parent", "parent",
                       f"parent {f.parent!r} is declared later (line {parent.line}): the loader looks the "
                       "parent up when it reads this row")
            elif not parent.is_compound:
                report(f.line, FIELD, "parent", "parent",
                       f"parent {f.parent!r} has fieldType {parent.field_type!r}, not none (compound)")
            elif parent.parent:
                report(f.line, FIELD, "parent", "parent",
                       f"parent {f.parent!r} is itself a child of {parent.parent!r}: Dataverse shows one "
                       "level of compound fields")
        if f.metadatablock_id not in block_names:
            report(f.line, FIELD, "metadatablock_id", "block-reference",
                   f"metadatablock_id {f.metadatablock_id!r} is not the block of this file ({block.name!r})",
                   "warning" if f.metadatablock_id else "error")
        if f.term_uri and not ABSOLUTE_IRI.fullmatch(f.term_uri):
            report(f.line, FIELD, "termURI", "iri", f"termURI {f.term_uri!r} is not an absolute IRI")
        seen.setdefault(f.name, f.line)
    for f in block.fields:
        if f.is_compound and not block.children(f.name):
            report(f.line, FIELD, "fieldType", "compound", f"compound field {f.name!r} has no child", "warning")

    # --- #controlledVocabulary
    by_value: dict[tuple[str, str], int] = {}
    by_identifier: dict[tuple[str, str], int] = {}
    for v in block.values:
        value_field = block.field(v.field)
        if value_field is None:
            report(v.line, VALUE, "DatasetField", "value-field",
                   f"controlled value for {v.field!r}, which is not a field of block {block.name!r}")
        elif not value_field.allow_controlled_vocabulary:
            report(v.line, VALUE, "DatasetField", "value-field",
                   f"field {v.field!r} (line {value_field.line}) does not allow a controlled vocabulary")
        if not v.value:
            report(v.line, VALUE, "Value", "value", "empty Value")
        if v.display_order < 0:
            report(v.line, VALUE, "displayOrder", "display-order", "displayOrder must be a non-negative integer")
        key = (v.field, v.value)
        if key in by_value:
            report(v.line, VALUE, "Value", "unique-value",
                   f"value {v.value!r} of {v.field!r} repeats line {by_value[key]}: a reload matches the "
                   "first one", "warning")
        by_value.setdefault(key, v.line)
        if v.identifier:
            key = (v.field, v.identifier)
            if key in by_identifier:
                report(v.line, VALUE, "identifier", "unique-value",
                       f"identifier {v.identifier!r} of {v.field!r} repeats line {by_identifier[key]}", "warning")
            by_identifier.setdefault(key, v.line)
    for f in block.fields:
        if f.allow_controlled_vocabulary and not f.is_compound and not block.values_of(f.name):
            report(f.line, FIELD, "allowControlledVocabulary", "controlled-vocabulary",
                   f"field {f.name!r} allows a controlled vocabulary but has no value (an external vocabulary "
                   "configuration must provide them)", "warning")

    for language, bundle in (bundles or {}).items():
        problems.extend(check_bundle(block, bundle, language))
    return problems


def check_bundle(block: MetadataBlock, bundle: Properties, language: str = "en") -> list[BlockProblem]:
    """The keys of a `.properties` bundle against the block (guide, "To create a new
    ResourceBundle"). A bundle for another block is an error; a key naming nothing of the block is a
    warning (Dataverse looks keys up by field and value, so it is never read and the TSV text shows)."""
    problems: list[BlockProblem] = []
    source = bundle.source

    def report(key: str, rule: str, message: str, severity: str = "error") -> None:
        problems.append(BlockProblem(bundle.lines.get(key, 0), 1, rule, message, "key", source, severity))

    fields = {f.name: f for f in block.fields}
    value_keys = {v.properties_key for v in block.values}
    if "metadatablock.name" in bundle and bundle.get("metadatablock.name") != block.name:
        report("metadatablock.name", "properties-key",
               f"metadatablock.name is {bundle.get('metadatablock.name')!r}, the block is {block.name!r}")
    for key in bundle.entries:
        if key.startswith("metadatablock."):
            if key.removeprefix("metadatablock.") not in ("name", "displayName", "displayFacet"):
                report(key, "properties-key", f"unknown key {key!r}", "warning")
        elif key.startswith("datasetfieldtype."):
            name, _, suffix = key.removeprefix("datasetfieldtype.").rpartition(".")
            if suffix not in FIELD_KEY_SUFFIXES:
                report(key, "properties-key", f"{key!r}: a field key ends in .title, .description or "
                       ".watermark (Dataverse never reads this one)", "warning")
            elif name not in fields:
                # Stale keys of renamed fields are common in real bundles (geospatial_fr); Dataverse
                # never reads them, the field falls back on the TSV text.
                report(key, "properties-key", f"{key!r} names no field of block {block.name!r} "
                       "(never read: the field shows its TSV text)", "warning")
        elif key.startswith("controlledvocabulary."):
            if key not in value_keys:
                report(key, "properties-key",
                       f"{key!r} names no controlled value of block {block.name!r} (keys are "
                       "controlledvocabulary.<field>.<value in lower case, spaces as _, no accents>)", "warning")
        else:
            report(key, "properties-key", f"unknown key {key!r}", "warning")
    for f in block.fields:
        if f"datasetfieldtype.{f.name}.title" not in bundle:
            problems.append(BlockProblem(f.line, column_number(FIELD, "title"), "properties-missing",
                                         f"the {language} bundle {source or ''} has no title for {f.name!r}",
                                         "title", block.source, "warning"))
    return problems


def check_files(tsv: str | Path, properties: Iterable[str | Path] = (), *,
                existing_fields: Mapping[str, str] | None = None) -> tuple[MetadataBlock | None, list[BlockProblem]]:
    """Parse and check a TSV and its bundles; syntax problems come back as problems, not raised."""
    tsv = Path(tsv)
    try:
        block = parse_block(tsv.read_bytes(), source=tsv.name)
    except BlockFormatError as error:
        return None, list(error.problems)
    bundles: dict[str, Properties] = {}
    problems: list[BlockProblem] = []
    for path in properties:
        try:
            bundles[language_of(path, block.name)] = read_properties(path)
        except BlockFormatError as error:
            problems.extend(error.problems)
    return block, check_block(block, bundles=bundles, existing_fields=existing_fields) + problems


def errors(problems: Iterable[BlockProblem]) -> list[BlockProblem]:
    return [p for p in problems if p.severity == "error"]


def require_valid(block: MetadataBlock, **options) -> list[BlockProblem]:
    """Raise `BlockFormatError` when the block has errors; return its warnings."""
    problems = check_block(block, **options)
    if errors(problems):
        raise BlockFormatError(errors(problems))
    return problems
