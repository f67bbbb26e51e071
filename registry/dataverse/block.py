"""A Dataverse metadata block: typed model, TSV parser and writer, `.properties` reader and writer,
and the field → property IRI rule.

The format is the one Dataverse's loader reads (`POST /api/admin/datasetfield/load`), described in
the metadata-customization guide (`docs/metadatacustomization.rst`, "About the metadata block TSV"):

* three sections, each introduced by a header row whose first cell is `#metadataBlock`,
  `#datasetField` or `#controlledVocabulary`; data rows start with an empty cell;
* cells are read **by position, not by header name** (guide, footnote 5: "parsing is done based on
  column order rather than name"), so a header such as ` fieldType` (leading space, as in the real
  citation block) or a header row separated by spaces (astrophysics) does not matter;
* rows may be shorter than the header (Java's `String.split` drops trailing empty cells) and
  `#controlledVocabulary` rows may be longer: cells after `displayOrder` are alternate values
  (the citation block's `language` lists ISO 639 codes that way);
* booleans are read with Java's `Boolean.parseBoolean` (only "true", any case, is true).

Every row keeps its line number and raw cells, so the checker (`registry.dataverse.check`) and any
error can say where, by line and by 1-based column (column 1 is the section-marker column).

The `.properties` files follow `java.util.Properties.load` (logical lines, `\\` continuations,
`#`/`!` comments, `=`/`:`/whitespace separators, `\\uXXXX` and the other escapes) and are decoded
as Java's `PropertyResourceBundle` does since Java 9 (JEP 226): UTF-8, falling back to ISO-8859-1
when the bytes are not UTF-8 (the real French files of the language packs are ISO-8859-1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Iterable, Iterator

from registry.errors import InvalidInput

# Guide, "FieldType definitions".
FIELD_TYPES = ("none", "date", "email", "text", "textbox", "string", "url", "int", "float")

# Column names by position (index 1 = the cell after the section marker), guide tables
# "#metadataBlock properties", "#datasetField (field) properties", "#controlledVocabulary".
BLOCK_COLUMNS = ("name", "dataverseAlias", "displayName", "blockURI")
FIELD_COLUMNS = (
    "name", "title", "description", "watermark", "fieldType", "displayOrder", "displayFormat",
    "advancedSearchField", "allowControlledVocabulary", "allowmultiples", "facetable",
    "displayoncreate", "required", "parent", "metadatablock_id", "termURI",
)
VALUE_COLUMNS = ("DatasetField", "Value", "identifier", "displayOrder")
BOOLEAN_COLUMNS = (
    "advancedSearchField", "allowControlledVocabulary", "allowmultiples", "facetable",
    "displayoncreate", "required",
)
SECTIONS = {"#metadataBlock": BLOCK_COLUMNS, "#datasetField": FIELD_COLUMNS,
            "#controlledVocabulary": VALUE_COLUMNS}
# Cells the loader reads unconditionally (values[n] without a length check): a shorter row makes
# it fail. blockURI (values[4]) and termURI (values[16]) are read only when present.
REQUIRED_CELLS = {"#metadataBlock": 3, "#datasetField": 15, "#controlledVocabulary": 4}


def column_number(section: str, name: str) -> int:
    """The 1-based spreadsheet column of a named cell (column 1 holds the section marker)."""
    return SECTIONS[section].index(name) + 2


@dataclass(frozen=True, slots=True)
class BlockProblem:
    """One rule a block breaks, where: `line` and `column` are 1-based (column 1 = marker cell)."""

    line: int
    column: int
    rule: str
    message: str
    column_name: str = ""
    source: str = ""
    severity: str = "error"  # or "warning": Dataverse loads the block, but something is off

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        name = f" ({self.column_name})" if self.column_name else ""
        return f"{where}{self.line}:{self.column}{name}: {self.severity} [{self.rule}] {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "column_name": self.column_name,
                "rule": self.rule, "severity": self.severity, "message": self.message,
                **({"source": self.source} if self.source else {})}


class BlockFormatError(InvalidInput):
    """A TSV or `.properties` file that cannot be read as Dataverse reads it (or breaks its rules)."""

    code = "dataverse-block-invalid"
    title = "Invalid Dataverse metadata block"

    def __init__(self, problems: list[BlockProblem]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", line=first.line, column=first.column, rule=first.rule,
                         problems=[p.as_dict() for p in problems[:200]])
        self.problems = problems


@dataclass(slots=True)
class ControlledValue:
    """A `#controlledVocabulary` row: one allowed value of a field."""

    field: str
    value: str
    identifier: str = ""
    display_order: int = 0
    alternates: tuple[str, ...] = ()
    line: int = dc_field(default=0, compare=False)
    cells: tuple[str, ...] = dc_field(default=(), compare=False, repr=False)

    @property
    def code(self) -> str:
        """What a record stores: the identifier, or the Value when the identifier is empty (guide)."""
        return self.identifier or self.value

    @property
    def properties_key(self) -> str:
        """`controlledvocabulary.<field>.<value key>` (guide, "#controlledVocabulary (enumerated)
        properties")."""
        return f"controlledvocabulary.{self.field}.{value_key(self.value)}"


@dataclass(slots=True)
class DatasetField:
    """A `#datasetField` row, every column of the guide. Empty text cells are `""`."""

    name: str
    title: str = ""
    description: str = ""
    watermark: str = ""
    field_type: str = "text"
    display_order: int = 0
    display_format: str = ""
    advanced_search_field: bool = False
    allow_controlled_vocabulary: bool = False
    allow_multiples: bool = False
    facetable: bool = False
    display_on_create: bool = False
    required: bool = False
    parent: str = ""
    metadatablock_id: str = ""
    term_uri: str = ""
    line: int = dc_field(default=0, compare=False)
    cells: tuple[str, ...] = dc_field(default=(), compare=False, repr=False)

    @property
    def is_compound(self) -> bool:
        """A parent of other fields (fieldType `none`, "used for compound fields")."""
        return self.field_type.lower() == "none"


@dataclass(slots=True)
class MetadataBlock:
    """A parsed block: the `#metadataBlock` row, its fields and their controlled values, in file order."""

    name: str
    display_name: str = ""
    dataverse_alias: str = ""
    block_uri: str = ""
    fields: list[DatasetField] = dc_field(default_factory=list)
    values: list[ControlledValue] = dc_field(default_factory=list)
    line: int = dc_field(default=0, compare=False)
    cells: tuple[str, ...] = dc_field(default=(), compare=False, repr=False)
    source: str = dc_field(default="", compare=False)
    # Further #metadataBlock rows (technically allowed by the loader, discouraged by the guide).
    other_blocks: list["MetadataBlock"] = dc_field(default_factory=list, compare=False, repr=False)

    def field(self, name: str) -> DatasetField | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None

    def children(self, parent: str) -> list[DatasetField]:
        return [f for f in self.fields if f.parent == parent]

    def top_level(self) -> list[DatasetField]:
        return [f for f in self.fields if not f.parent]

    def values_of(self, field_name: str) -> list[ControlledValue]:
        return [v for v in self.values if v.field == field_name]

    def property_iri(self, field: DatasetField | str, *, fallback_namespace: str | None = None) -> str:
        """See `property_iri`."""
        return property_iri(self, field, fallback_namespace=fallback_namespace)


def property_iri(block: MetadataBlock, field: DatasetField | str, *,
                 fallback_namespace: str | None = None) -> str:
    """The global IRI of a field's property.

    Guide, `termURI`: "This value overrides the default (created by appending the property name to
    the blockURI defined for the #metadataBlock)"; `blockURI`: "Properties will be assigned the global
    identifier blockURI<name>". A block with neither gets, in Dataverse, a namespace derived from the
    installation's site URL: pass it as `fallback_namespace`; without it such a field has no global
    IRI and this raises `InvalidInput`.
    """
    if isinstance(field, str):
        found = block.field(field)
        if found is None:
            raise InvalidInput(f"block {block.name!r} has no field {field!r}")
        field = found
    if field.term_uri:
        return field.term_uri
    namespace = block.block_uri or fallback_namespace
    if not namespace:
        raise InvalidInput(f"field {field.name!r} of block {block.name!r} has no termURI and the block "
                           "has no blockURI: its property IRI is installation-specific",
                           code="dataverse-no-property-iri")
    return namespace + field.name


# --- TSV -----------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what Java's BufferedReader.readLine splits on


def _java_split_tab(line: str) -> list[str]:
    """`line.split("\\t")` in Java: trailing empty cells are dropped."""
    cells = line.split("\t")
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _java_boolean(text: str) -> bool:
    return text.lower() == "true"


def decode_tsv(data: bytes, source: str = "") -> str:
    """UTF-8 (the loader runs on a UTF-8 JVM); a leading BOM is dropped. Not UTF-8 → a problem
    naming the line and column of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise BlockFormatError([BlockProblem(line, column, "encoding",
                                             f"not UTF-8 (byte 0x{data[error.start]:02x})", source=source)]) from error
    return text[1:] if text.startswith("\ufeff") else text


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def parse_block(text: str | bytes, source: str = "") -> MetadataBlock:
    """Parse a block TSV as Dataverse's loader does; every problem found is reported at once
    (`BlockFormatError.problems`), each with its line and column."""
    if isinstance(text, bytes):
        text = decode_tsv(text, source)
    problems: list[BlockProblem] = []

    def problem(line: int, column: int, rule: str, message: str, column_name: str = "") -> None:
        problems.append(BlockProblem(line, column, rule, message, column_name, source))

    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line break ends the last line; it does not start an empty one
    section: str | None = None
    blocks: list[MetadataBlock] = []
    fields: list[DatasetField] = []
    values: list[ControlledValue] = []
    for number, line in enumerate(lines, start=1):
        cells = _java_split_tab(line)
        if not cells:
            problem(number, 1, "blank-line", "empty line (Dataverse's loader fails on it)")
            continue
        if cells[0].startswith("#"):
            if cells[0] not in SECTIONS:
                problem(number, 1, "section-header",
                        f"unknown section {cells[0]!r} (expected one of {', '.join(SECTIONS)})")
                section = None
                continue
            section = cells[0]
            continue
        # A data row's first cell is not read by the loader (the real custom_hbgdki block has
        # spaces there); the checker warns about it (rule "marker-cell").
        if section is None:
            problem(number, 1, "section-header", "data row before any #metadataBlock, #datasetField "
                    "or #controlledVocabulary header")
            continue
        needed = REQUIRED_CELLS[section]
        if len(cells) <= needed:
            # Trailing empty cells are dropped (Java's split), so the loader's values[needed] is
            # missing: name the last cell it needs, which is empty or absent.
            last = SECTIONS[section][needed - 1]
            problem(number, needed + 1, "missing-cells",
                    f"{section} row ends at column {len(cells)}: the loader needs a value in column "
                    f"{needed + 1} ({last})", last)
            continue
        frozen = tuple(cells)
        if section == "#metadataBlock":
            blocks.append(MetadataBlock(name=cells[1], dataverse_alias=cells[2], display_name=cells[3],
                                        block_uri=_cell(cells, 4), line=number, cells=frozen, source=source))
        elif section == "#datasetField":
            order = _integer(cells[6], number, column_number(section, "displayOrder"), "displayOrder", problem)
            fields.append(DatasetField(
                name=cells[1], title=cells[2], description=cells[3], watermark=cells[4],
                field_type=cells[5], display_order=order, display_format=cells[7],
                advanced_search_field=_java_boolean(cells[8]),
                allow_controlled_vocabulary=_java_boolean(cells[9]),
                allow_multiples=_java_boolean(cells[10]), facetable=_java_boolean(cells[11]),
                display_on_create=_java_boolean(cells[12]), required=_java_boolean(cells[13]),
                parent=cells[14], metadatablock_id=_cell(cells, 15), term_uri=_cell(cells, 16),
                line=number, cells=frozen))
        else:
            order = _integer(cells[4], number, column_number(section, "displayOrder"), "displayOrder", problem)
            values.append(ControlledValue(field=cells[1], value=cells[2], identifier=cells[3],
                                          display_order=order, alternates=tuple(cells[5:]),
                                          line=number, cells=frozen))
    if not blocks and not problems:
        problem(1, 1, "no-block", "no #metadataBlock row")
    if problems:
        raise BlockFormatError(problems)
    block = blocks[0]
    block.fields, block.values, block.other_blocks = fields, values, blocks[1:]
    return block


def _integer(text: str, line: int, column: int, name: str, problem) -> int:
    # Integer.parseInt: optional sign, ASCII digits, nothing else (no spaces).
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    problem(line, column, "integer", f"{name} must be an integer, not {text!r}", name)
    return 0


def read_block(path: str | Path) -> MetadataBlock:
    path = Path(path)
    return parse_block(path.read_bytes(), source=path.name)


def _tsv_cell(text: str, where: str) -> str:
    if "\t" in text or "\n" in text or "\r" in text:
        raise InvalidInput(f"{where}: a TSV cell cannot hold a tab or a line break: {text!r}")
    return text


def _tsv_boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def write_block(block: MetadataBlock) -> str:
    """The TSV text of a block, with the headers of the guide (`\\n` line ends, UTF-8 when encoded)."""
    rows = [["#metadataBlock", *BLOCK_COLUMNS],
            ["", block.name, block.dataverse_alias, block.display_name, block.block_uri],
            ["#datasetField", *FIELD_COLUMNS]]
    for f in block.fields:
        rows.append(["", f.name, f.title, f.description, f.watermark, f.field_type, str(f.display_order),
                     f.display_format, _tsv_boolean(f.advanced_search_field),
                     _tsv_boolean(f.allow_controlled_vocabulary), _tsv_boolean(f.allow_multiples),
                     _tsv_boolean(f.facetable), _tsv_boolean(f.display_on_create), _tsv_boolean(f.required),
                     f.parent, f.metadatablock_id or block.name, f.term_uri])
    rows.append(["#controlledVocabulary", *VALUE_COLUMNS])
    for v in block.values:
        rows.append(["", v.field, v.value, v.identifier, str(v.display_order), *v.alternates])
    return "".join("\t".join(_tsv_cell(c, f"row {n}") for c in row) + "\n" for n, row in enumerate(rows, 1))


# --- .properties ---------------------------------------------------------------------------------

_PROPERTY_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(slots=True)
class Properties:
    """A Java properties file: key → value (last one wins, as in Java), and the line of each key."""

    entries: dict[str, str] = dc_field(default_factory=dict)
    lines: dict[str, int] = dc_field(default_factory=dict)
    source: str = ""

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.entries.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)


def decode_properties(data: bytes) -> str:
    """PropertyResourceBundle (Java 9+, JEP 226): UTF-8, else ISO-8859-1."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, logical line) per `Properties.load`: a natural line ending in an odd number of
    backslashes continues on the next one, whose leading whitespace is dropped; comment (`#`, `!`)
    and blank lines are skipped, but only where a logical line starts (a comment never continues)."""
    natural = _LINE_BREAK.split(text)
    index = 0
    while index < len(natural):
        start = index + 1
        line = natural[index].lstrip(_PROPERTY_WHITESPACE)
        index += 1
        if not line or line[0] in "#!":
            continue
        parts = []
        while (len(line) - len(line.rstrip("\\"))) % 2 == 1:
            parts.append(line[:-1])
            if index >= len(natural):
                line = ""
                break
            line = natural[index].lstrip(_PROPERTY_WHITESPACE)
            index += 1
        parts.append(line)
        yield start, "".join(parts)


def _unescape(raw: str, line: int, column: int, source: str) -> str:
    out, i = [], 0
    while i < len(raw):
        char = raw[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        i += 1
        if i >= len(raw):
            break
        char = raw[i]
        if char == "u":
            digits = raw[i + 1:i + 5]
            if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                raise BlockFormatError([BlockProblem(line, column + i - 1, "properties-escape",
                                                     f"malformed \\uxxxx escape: \\u{digits}", source=source)])
            out.append(chr(int(digits, 16)))
            i += 5
            continue
        out.append(_ESCAPES.get(char, char))
        i += 1
    # \uXXXX pairs form surrogates in Java's UTF-16 strings: join them into one code point.
    try:
        return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as error:
        raise BlockFormatError([BlockProblem(line, column, "properties-escape",
                                             "unpaired UTF-16 surrogate in a \\u escape", source=source)]) from error


def parse_properties(data: str | bytes, source: str = "") -> Properties:
    """Read a `.properties` file by the rules of `java.util.Properties.load(Reader)`."""
    text = decode_properties(data) if isinstance(data, bytes) else data
    result = Properties(source=source)
    for number, logical in _logical_lines(text):
        # The key ends at the first unescaped '=', ':' or whitespace.
        i, key_end = 0, None
        while i < len(logical):
            char = logical[i]
            if char == "\\":
                i += 2
                continue
            if char in "=:" or char in _PROPERTY_WHITESPACE:
                key_end = i
                break
            i += 1
        if key_end is None:
            key_raw, value_raw, value_column = logical, "", len(logical) + 1
        else:
            key_raw = logical[:key_end]
            j = key_end
            while j < len(logical) and logical[j] in _PROPERTY_WHITESPACE:
                j += 1
            if j < len(logical) and logical[j] in "=:":
                j += 1
            while j < len(logical) and logical[j] in _PROPERTY_WHITESPACE:
                j += 1
            value_raw, value_column = logical[j:], j + 1
        key = _unescape(key_raw, number, 1, source)
        result.entries[key] = _unescape(value_raw, number, value_column, source)
        result.lines[key] = number
    return result


def read_properties(path: str | Path) -> Properties:
    path = Path(path)
    return parse_properties(path.read_bytes(), source=path.name)


def _escape_property(text: str, *, key: bool) -> str:
    out = []
    for i, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char in _ESCAPES.values():
            out.append("\\" + next(k for k, v in _ESCAPES.items() if v == char))
        elif char == " " and (key or i == 0):
            out.append("\\ ")
        elif char in "=:#!" and (key or i == 0):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            encoded = char.encode("utf-16-be")
            out.extend(f"\\u{int.from_bytes(encoded[k:k + 2], 'big'):04X}" for k in range(0, len(encoded), 2))
        else:
            out.append(char)
    return "".join(out)


def write_properties(entries: Iterable[tuple[str, str]]) -> str:
    """A `.properties` text in pure ASCII (`\\uXXXX` for the rest), readable whatever the reader's
    charset; one `key=value` per line, in the given order."""
    return "".join(f"{_escape_property(k, key=True)}={_escape_property(v, key=False)}\n" for k, v in entries)


# --- translations --------------------------------------------------------------------------------

def value_key(value: str) -> str:
    """The key part Dataverse derives from a controlled value (guide: "converted to lowercase,
    replace space with underscore, and strip accents"; `ControlledVocabularyValue.getLocaleStrValue`
    with commons-lang `StringUtils.stripAccents`, which also maps Ł/ł to L/l)."""
    key = value.lower().replace(" ", "_")
    decomposed = unicodedata.normalize("NFD", key)
    stripped = "".join(c for c in decomposed if not ("\u0300" <= c <= "\u036f"))
    return stripped.replace("\u0141", "L").replace("\u0142", "l")


def language_of(path: str | Path, block_name: str | None = None) -> str:
    """`citation.properties` → "en" (Dataverse's default bundle is English), `citation_fr.properties`
    → "fr", `citation_fr_CA.properties` → "fr-CA"."""
    stem = Path(path).name.removesuffix(".properties")
    if block_name and stem == block_name:
        return "en"
    if block_name and stem.startswith(block_name + "_"):
        suffix = stem[len(block_name) + 1:]
    else:
        match = re.search(r"_([a-z]{2,3})(?:_([A-Z]{2}))?$", stem)
        if not match:
            return "en"
        suffix = match.group(0)[1:]
    return suffix.replace("_", "-")


@dataclass(slots=True)
class BlockText:
    """The display strings of a block per language: the `.properties` bundles, falling back on the
    TSV's own text (what Dataverse shows when a key is missing)."""

    block: MetadataBlock
    bundles: dict[str, Properties] = dc_field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return list(self.bundles)

    def _lookup(self, key: str, language: str, fallback: str) -> str:
        bundle = self.bundles.get(language)
        value = bundle.get(key) if bundle is not None else None
        return value if value is not None else fallback

    def display_name(self, language: str = "en") -> str:
        return self._lookup("metadatablock.displayName", language, self.block.display_name)

    def display_facet(self, language: str = "en") -> str:
        return self._lookup("metadatablock.displayFacet", language, self.block.display_name)

    def title(self, field: str, language: str = "en") -> str:
        f = self.block.field(field)
        return self._lookup(f"datasetfieldtype.{field}.title", language, f.title if f else "")

    def description(self, field: str, language: str = "en") -> str:
        f = self.block.field(field)
        return self._lookup(f"datasetfieldtype.{field}.description", language, f.description if f else "")

    def watermark(self, field: str, language: str = "en") -> str:
        f = self.block.field(field)
        return self._lookup(f"datasetfieldtype.{field}.watermark", language, f.watermark if f else "")

    def value_label(self, value: ControlledValue, language: str = "en") -> str:
        return self._lookup(value.properties_key, language, value.value)

    def has(self, key: str, language: str) -> bool:
        bundle = self.bundles.get(language)
        return bundle is not None and key in bundle


def load_block_text(block: MetadataBlock, properties: Iterable[str | Path]) -> BlockText:
    """The block's bundles from `.properties` files, their language taken from the file name."""
    text = BlockText(block)
    for path in properties:
        text.bundles[language_of(path, block.name)] = read_properties(path)
    return text


def properties_entries(block: MetadataBlock, text: BlockText | None = None,
                       language: str = "en") -> list[tuple[str, str]]:
    """The keys the guide lists for a bundle ("To create a new ResourceBundle"), in block order:
    metadatablock.*, datasetfieldtype.<name>.title|description|watermark, controlledvocabulary.*."""
    text = text or BlockText(block)
    entries = [("metadatablock.name", block.name),
               ("metadatablock.displayName", text.display_name(language)),
               ("metadatablock.displayFacet", text.display_facet(language))]
    for f in block.fields:
        entries.append((f"datasetfieldtype.{f.name}.title", text.title(f.name, language)))
        entries.append((f"datasetfieldtype.{f.name}.description", text.description(f.name, language)))
        entries.append((f"datasetfieldtype.{f.name}.watermark", text.watermark(f.name, language)))
    seen = set()
    for v in block.values:
        if v.properties_key not in seen:
            seen.add(v.properties_key)
            entries.append((v.properties_key, text.value_label(v, language)))
    return entries
