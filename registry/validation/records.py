"""Reading records to validate: one record, or a batch of records, in the accepted syntaxes.

Single record: Turtle, N-Triples, RDF/XML, JSON-LD (RDF 1.1 / JSON-LD 1.1, parsed by pyoxigraph
only, remote contexts refused) and plain JSON, read as JSON-LD with the profile's context
(JSON-LD 1.1 §3.1 "The Context": the registry adds the profile version's stored `@context` to the
document). Batch: N-Quads or TriG with one named graph per record (RDF 1.1 Datasets), NDJSON of
JSON records (one per line), or a zip of record files (syntax by file extension).

Every error names what and where: the record (graph name, line number in NDJSON, file in the zip)
and the line / column the parser reported.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.conneg import GRAPH_EXTENSION_NAMES, RDF_SYNTAXES
from registry.errors import InvalidInput, PayloadTooLarge, RdfSyntaxError, UnsupportedFormat
from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, check_rdf_nesting, loads_json
from registry.rdf import _syntax_error, base_media_type, parse_triples, prepare_input
from registry.validation.coverage import RecordNotes, unmapped_keys
from registry.validation.sources import locator, with_lines

#: `format=` names and media types of single records.
RECORD_FORMATS: dict[str, str] = {
    **{key: syntax.name for syntax in RDF_SYNTAXES if not syntax.dataset
       for key in (syntax.name, *syntax.extensions, *syntax.tokens, syntax.media_type, *syntax.upload_aliases)},
    "n-triples": "ntriples", "text/plain": "ntriples", "rdf/xml": "rdfxml",
    "json": "json", "application/json": "json",
    # Dataverse (issue 14): also recognised by content from json / jsonld
    "dataverse_json": "dataverse_json", "dataverse-json": "dataverse_json",
    "dataverse_ore": "dataverse_ore", "oai_ore": "dataverse_ore", "oai-ore": "dataverse_ore",
    "dataverse_jsonld": "dataverse_jsonld",
}
#: `format=` names and media types of batches.
BATCH_FORMATS: dict[str, str] = {
    "nquads": "nquads", "nq": "nquads", "n-quads": "nquads", "application/n-quads": "nquads",
    "trig": "trig", "application/trig": "trig",
    "ndjson": "ndjson", "jsonl": "ndjson", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson",
    "application/jsonl": "ndjson", "application/json-seq": "ndjson",
    "zip": "zip", "application/zip": "zip", "application/x-zip-compressed": "zip",
}
OX_FORMATS = {s.name: s.format for s in RDF_SYNTAXES}
#: a single record's file extension → its format name (batches: `validation.cli.BATCH_EXTENSIONS`)
EXTENSION_FORMATS = GRAPH_EXTENSION_NAMES | {"json": "json"}


@dataclass
class Record:
    """One parsed record, ready to validate."""

    name: str  # how results refer to it: "record", a graph IRI, "line 3", a file name
    triples: list[ox.Triple]
    format: str = "turtle"
    notes: RecordNotes | None = None  # what reading it found beside the triples (coverage.RecordNotes)


@dataclass
class Batch:
    format: str
    records: list[Record] = field(default_factory=list)


def choose_format(content_type: str | None, format_param: str | None) -> tuple[str, bool]:
    """(format name, is_batch) from `format=` (wins) or the Content-Type."""
    key = (format_param or "").strip().lower() or base_media_type(content_type)
    if key in RECORD_FORMATS:
        return RECORD_FORMATS[key], False
    if key in BATCH_FORMATS:
        return BATCH_FORMATS[key], True
    accepted = sorted({*RECORD_FORMATS.values(), *BATCH_FORMATS.values()})
    raise UnsupportedFormat(
        f"record format {key or '(none)'!r} is not accepted; give a Content-Type or format= one of: {', '.join(accepted)}",
        code="unsupported-record-format",
    )


def _json_error(exc: json.JSONDecodeError, what: str, line_offset: int = 0) -> RdfSyntaxError:
    line = exc.lineno + line_offset
    return RdfSyntaxError(
        f"{what} is not valid JSON at line {line}, column {exc.colno}: {exc.msg}",
        line=line, column=exc.colno, code="json-syntax",
    )


def with_context(document, context: dict | None, what: str):
    """Plain JSON → JSON-LD: put the profile's `@context` around the document (JSON-LD 1.1 §3.1)."""
    if context is None:
        raise InvalidInput(
            f"{what} is plain JSON but the profile has no JSON-LD context; send JSON-LD "
            "(application/ld+json) or RDF instead",
            code="no-json-context",
        )
    ctx = context.get("@context", context) if isinstance(context, dict) else context
    if isinstance(document, dict):
        if "@context" in document:
            own = document["@context"]
            merged = [ctx] + (own if isinstance(own, list) else [own])
            return {**document, "@context": merged}
        return {"@context": ctx, **document}
    if isinstance(document, list):
        return {"@context": ctx, "@graph": document}
    raise InvalidInput(f"{what} must be a JSON object or array", code="invalid-json-record")


def _load_json(data: bytes, what: str, line_offset: int = 0, max_depth: int = DEFAULT_MAX_NESTING_DEPTH):
    try:
        return loads_json(data, max_depth=max_depth, what=what)  # issue 12: depth bounded first
    except json.JSONDecodeError as exc:
        raise _json_error(exc, what, line_offset) from None
    except UnicodeDecodeError as exc:
        raise RdfSyntaxError(f"{what} is not UTF-8: {exc}", code="json-syntax") from None
    except RecursionError:
        raise InvalidInput(f"{what} is nested too deeply", code="too-deep") from None


def read_json_record(data: bytes, context: dict | None, *, what: str, max_triples: int, line_offset: int = 0,
                     max_depth: int = DEFAULT_MAX_NESTING_DEPTH) -> tuple[list[ox.Triple], RecordNotes]:
    """Plain JSON + the profile's context → (triples, notes listing the keys the context does not
    map: JSON-LD expansion drops them, see `coverage.unmapped_keys`)."""
    document = _load_json(data, what, line_offset, max_depth)
    expanded = with_context(document, context, what)
    # the (trusted, stored) profile context adds its own levels: bounded already, not counted again
    triples = parse_triples(json.dumps(expanded).encode(), ox.RdfFormat.JSON_LD, what=what, max_triples=max_triples,
                            max_depth=max_depth + _json_depth(context) + 1)
    notes = RecordNotes(kind="json", unmapped=unmapped_keys(document, context),
                        top_keys=list(document)[:100] if isinstance(document, dict) else [])
    return triples, notes


def _json_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_json_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_json_depth(v) for v in value), default=0)
    return 0


def parse_json_record(data: bytes, context: dict | None, *, what: str, max_triples: int, line_offset: int = 0,
                      max_depth: int = DEFAULT_MAX_NESTING_DEPTH) -> list[ox.Triple]:
    return read_json_record(data, context, what=what, max_triples=max_triples, line_offset=line_offset,
                            max_depth=max_depth)[0]


DATAVERSE_FORMATS = ("dataverse_json", "dataverse_ore", "dataverse_jsonld")


def read_dataverse(data: bytes, fmt: str | None, *, what: str, max_triples: int, line_offset: int = 0, mapping=None,
                   max_depth: int = DEFAULT_MAX_NESTING_DEPTH):
    """A Dataverse dataset (`registry.dataverse.records`) → (triples, notes), or None when the JSON
    is not one (and no Dataverse `format=` was given)."""
    from registry.dataverse.records import lift, recognise

    document = _load_json(data, what, line_offset, max_depth)
    kind = recognise(document)
    if kind is None and fmt in DATAVERSE_FORMATS:
        raise InvalidInput(f"{what} is not a Dataverse {fmt} document (no datasetVersion / metadataBlocks, no "
                           "ore:ResourceMap, no field of the citation block)", code="not-dataverse")
    if kind is None:
        return None
    if kind == "dataverse_schemaorg":  # no block field in it: nothing to lift, and nothing checked says so
        return [], RecordNotes(kind=kind, recognised="Dataverse schema.org export")
    triples, notes = lift(document, fmt if fmt in DATAVERSE_FORMATS else kind, mapping)
    if len(triples) > max_triples:
        raise PayloadTooLarge(f"{what} has more than {max_triples} triples", code="too-many-triples")
    return triples, notes


def read_record(data: bytes, fmt: str, *, context: dict | None, max_triples: int, what: str = "the record",
                name: str = "record", line_offset: int = 0, dataverse=None, max_depth: int = DEFAULT_MAX_NESTING_DEPTH) -> Record:
    """One record → its triples and what reading it found (`Record.notes`). JSON and JSON-LD that
    are Dataverse datasets are lifted by `registry.dataverse.records` (recognised by content)."""
    if fmt in ("json", "jsonld", *DATAVERSE_FORMATS) and data.lstrip()[:1] == b"{":
        try:
            lifted = read_dataverse(data, fmt, what=what, max_triples=max_triples, line_offset=line_offset,
                                    mapping=dataverse, max_depth=max_depth)
        except RdfSyntaxError as exc:
            if fmt != "jsonld" or exc.code != "json-syntax":
                raise
            lifted = None  # not well-formed JSON: the JSON-LD parser says where (rdf-syntax), as before
        if lifted is not None:
            notes = lifted[1]
            if notes.locate is not None:
                notes.locate = with_lines(notes.locate, data)
            return Record(name, lifted[0], fmt, notes)
    if fmt == "json":
        triples, notes = read_json_record(data, context, what=what, max_triples=max_triples, line_offset=line_offset,
                                          max_depth=max_depth)
        notes.locate = locator(data, fmt, triples)
        return Record(name, triples, fmt, notes)
    triples = parse_triples(data, OX_FORMATS[fmt], what=what, max_triples=max_triples, max_depth=max_depth)
    return Record(name, triples, fmt, RecordNotes(kind="rdf", locate=locator(data, fmt, triples)))


def parse_record(data: bytes, fmt: str, *, context: dict | None, max_triples: int, what: str = "the record",
                 max_depth: int = DEFAULT_MAX_NESTING_DEPTH) -> list[ox.Triple]:
    return read_record(data, fmt, context=context, max_triples=max_triples, what=what, max_depth=max_depth).triples


def parse_batch(
    data: bytes, fmt: str, *, context: dict | None, max_triples: int, max_records: int, max_bytes: int, dataverse=None,
    max_depth: int = DEFAULT_MAX_NESTING_DEPTH,
) -> Batch:
    """Split a batch into records (all parsed before any result is sent, so malformed input is a
    400 naming the line and column, never a half-streamed answer)."""
    batch = Batch(fmt)

    def add(record: Record) -> None:
        if len(batch.records) >= max_records:
            raise PayloadTooLarge(f"the batch has more than {max_records} records", code="too-many-records")
        batch.records.append(record)

    if fmt in ("nquads", "trig"):
        check_rdf_nesting(data, OX_FORMATS[fmt], max_depth=max_depth, what="the batch")
        graphs: dict[str, list[ox.Triple]] = {}
        try:
            for quad in ox.parse(data, format=OX_FORMATS[fmt]):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    raise InvalidInput(
                        f"the batch has a triple outside any named graph ({quad.triple}); put each record in its own named graph",
                        code="batch-default-graph",
                    )
                name = str(quad.graph_name) if isinstance(quad.graph_name, ox.BlankNode) else quad.graph_name.value
                triples = graphs.get(name)
                if triples is None:
                    if len(graphs) >= max_records:
                        raise PayloadTooLarge(f"the batch has more than {max_records} records", code="too-many-records")
                    triples = graphs[name] = []
                triples.append(quad.triple)
                if len(triples) > max_triples:
                    raise PayloadTooLarge(f"record {name} has more than {max_triples} triples", code="too-many-triples")
        except SyntaxError as exc:
            raise _syntax_error(exc, "the batch") from None
        for name, triples in graphs.items():
            add(Record(name, triples, fmt))
    elif fmt == "ndjson":
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            add(read_record(line, "json", context=context, max_triples=max_triples, what=f"the batch's line {number}",
                            name=f"line {number}", line_offset=number - 1, dataverse=dataverse, max_depth=max_depth))
    elif fmt == "zip":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise InvalidInput(f"the batch is not a zip file: {exc}", code="invalid-zip") from None
        entries = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith(("__MACOSX/", "."))]
        if len(entries) > max_records:
            raise PayloadTooLarge(f"the batch has more than {max_records} records", code="too-many-records")
        total = 0
        for info in sorted(entries, key=lambda i: i.filename):
            ext = info.filename.rsplit(".", 1)[-1].lower() if "." in info.filename else ""
            rfmt = EXTENSION_FORMATS.get(ext)
            if rfmt is None:
                raise UnsupportedFormat(
                    f"zip entry {info.filename!r}: cannot tell its syntax from the extension; use one of "
                    + ", ".join("." + e for e in sorted(EXTENSION_FORMATS)),
                    code="unsupported-record-format",
                )
            if info.file_size > max_bytes:
                raise PayloadTooLarge(f"zip entry {info.filename!r} is over {max_bytes} bytes uncompressed", code="payload-too-large")
            total += info.file_size
            if total > 10 * max_bytes:
                raise PayloadTooLarge(f"the zip expands to more than {10 * max_bytes} bytes", code="payload-too-large")
            with archive.open(info) as handle:
                content = handle.read(max_bytes + 1)
            if len(content) > max_bytes:
                raise PayloadTooLarge(f"zip entry {info.filename!r} is over {max_bytes} bytes uncompressed", code="payload-too-large")
            add(read_record(content, rfmt, context=context, max_triples=max_triples, what=f"zip entry {info.filename!r}",
                            name=info.filename, dataverse=dataverse, max_depth=max_depth))
    else:  # pragma: no cover - choose_format only returns the above
        raise UnsupportedFormat(f"unknown batch format {fmt!r}")
    if not batch.records:
        raise InvalidInput("the batch holds no record", code="empty-batch")
    return batch


__all__ = ["Record", "Batch", "choose_format", "parse_record", "read_record", "parse_batch", "prepare_input", "with_context"]
