"""HTTP API of record validation.

* `POST /validate?profile=ID[&version=X.Y.Z]` and `POST /profiles/{id}/versions/{version}/validate`:
  the record as the body (syntax by Content-Type or `format=`) or multipart (`record`, and
  optionally `shapes`: draft shapes, alone or extending `profile`).
* One record → HTTP 200 with the JSON view (default) or the SHACL validation report
  (https://www.w3.org/TR/shacl/ §3.6) in the RDF syntax asked for by `Accept`.
* A batch (N-Quads / TriG with one named graph per record, NDJSON, zip) → HTTP 200,
  `application/x-ndjson`: one line per record, in order, as soon as it is validated, then a
  `{"summary": …}` line.

A completed validation is 200 whether or not the record conforms. Bad input is a 4xx
`application/problem+json` (`registry.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from registry.config import Settings
from registry.errors import InvalidInput, RegistryError
from registry.rdf import base_media_type, format_for_filename, format_for_media_type
from registry.validation.coverage import in_language
from registry.validation.records import Record, choose_format, parse_batch, read_record
from registry.validation.report import json_view, negotiate_language, report_triples
from registry.validation.service import ValidationService, get_service
from registry.web.deps import IdPath, RegistryDep, VersionPath, client_key, get_reader
from registry.web.responses import rdf_response, wants_rdf

router = APIRouter(tags=["validation"])

ProfileQuery = Annotated[str | None, Query(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64, description="profile id")]
VersionQuery = Annotated[str | None, Query(max_length=64, description="X.Y.Z (default: the latest published)")]
FormatQuery = Annotated[
    str | None,
    Query(max_length=40, description="turtle, ntriples, rdfxml, jsonld, json; batches: nquads, trig, ndjson, zip"),
]
LangQuery = Annotated[str | None, Query(pattern=r"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$", description="fr or en")]


class RecordInput:
    """What a validation request carries: the record, its media type or file name, and optionally
    draft shapes, a profile and version, a format name (the API reads it from the request, the
    validate page from its form)."""

    def __init__(self):
        self.record: bytes | None = None
        self.record_type: str | None = None
        self.record_name: str | None = None
        self.shapes: bytes | None = None
        self.shapes_type: str | None = None
        self.shapes_name: str | None = None
        self.profile: str | None = None
        self.version: str | None = None
        self.format: str | None = None


async def _read(request: Request) -> RecordInput:
    data = RecordInput()
    content_type = request.headers.get("content-type", "")
    if base_media_type(content_type) == "multipart/form-data":
        form = await request.form(max_files=4, max_fields=10)
        part = form.get("record")
        if part is None:
            raise InvalidInput("multipart validation needs a field 'record'", code="missing-record")
        if isinstance(part, UploadFile):
            data.record = await part.read()
            data.record_type = part.content_type
            data.record_name = part.filename
        else:
            data.record = str(part).encode()
        shapes = form.get("shapes")
        if isinstance(shapes, UploadFile):
            data.shapes = await shapes.read()
            data.shapes_type = shapes.content_type
            data.shapes_name = shapes.filename
        elif shapes is not None:
            data.shapes = str(shapes).encode()
        for name in ("profile", "version", "format"):
            value = form.get(name)
            if isinstance(value, str) and value:
                setattr(data, name, value)
    else:
        data.record = await request.body()
        data.record_type = content_type
    return data


def record_format(data: RecordInput, format_param: str | None) -> tuple[str, bool]:
    """`format=` wins; then the part's or body's media type; then a file name's extension."""
    if format_param or data.format:
        return choose_format(None, format_param or data.format)
    media = base_media_type(data.record_type)
    if data.record_name and "." in data.record_name and media in ("", "application/octet-stream", "text/plain"):
        ext = data.record_name.rsplit(".", 1)[1].lower()
        return choose_format(None, {"rdf": "rdfxml", "owl": "rdfxml", "xml": "rdfxml"}.get(ext, ext))
    return choose_format(data.record_type, None)


def _shapes_format(data: RecordInput):
    media = base_media_type(data.shapes_type)
    if media and media not in ("application/octet-stream", "text/plain"):
        return format_for_media_type(media)
    if data.shapes_name and "." in data.shapes_name:
        return format_for_filename(data.shapes_name)
    from pyoxigraph import RdfFormat

    return RdfFormat.TURTLE


def _bundle(service: ValidationService, data: RecordInput, pid: str | None, version: str | None, reader=None):
    pid = pid or data.profile
    version = version or data.version
    base = service.profile_bundle(pid, version, reader) if pid else None
    if data.shapes is not None:
        return service.draft_bundle(data.shapes, _shapes_format(data), base)
    if base is None:
        raise InvalidInput(
            "say what to validate against: profile=ID (and optionally version=X.Y.Z), draft shapes in a "
            "multipart field 'shapes', or dct:conformsTo <profile version IRI> in the record",
            code="missing-profile",
        )
    return base


def _declared_or_given(service: ValidationService, registry, data: RecordInput, pid, version, fmt, reader=None):
    """(bundle, record, declared): with no profile and no draft shapes, the profile version the
    record declares with dct:conformsTo (`registry.evolution.declared`); otherwise the one given,
    with a warning when the record declares another."""
    from registry.evolution import declared as declared_version

    max_triples = registry.settings.max_triples_per_record
    max_depth = registry.settings.max_nesting_depth
    if not (pid or data.profile) and data.shapes is None and fmt != "json":
        record = read_record(data.record or b"", fmt, context=None, max_triples=max_triples, max_depth=max_depth)
        declared = declared_version.resolve(registry, record.triples)
        if declared is not None:
            return service.profile_bundle(declared.id, declared.version), record, declared
    bundle = _bundle(service, data, pid, version, reader)
    record = read_record(data.record or b"", fmt, context=bundle.context, max_triples=max_triples,
                         dataverse=service.dataverse_mapping(bundle), max_depth=max_depth)
    used = bundle.profile.get("iri")
    return bundle, record, declared_version.disagreement(registry, record.triples, used) if used else None


def validate_single(service: ValidationService, registry, data: RecordInput, pid: str | None, version: str | None, fmt: str,
                    language: str, *, want_rdf: bool, reader, client: str):
    """(outcome, declared) of one record: against `pid`/`version`, the draft shapes, or the
    version the record declares. The API's single-record answer and the validate page both run
    this (the caller holds `client`'s place in the per-client cap, `service.limiter`)."""
    bundle, record, declared = _declared_or_given(service, registry, data, pid, version, fmt, reader)
    try:
        return service.validate(bundle, record.triples, want_rdf=want_rdf, notes=record.notes, client=client), declared
    except RegistryError as exc:
        raise in_language(exc, language) from None


def single_view(outcome, declared, language: str) -> dict:
    """The JSON view of one record's validation (`report.json_view`) with the version the record
    declares (issue 17: dct:conformsTo) when there is one."""
    view = json_view(outcome, language)
    if declared is not None:
        view["declared_profile"] = declared.to_json()
        view["warnings"] = declared.warnings
    return view


async def _validate(request: Request, registry, pid, version, format_param, lang):
    service = get_service(registry)
    client = client_key(request)
    # per-client cap (429 past it), held until the answer is complete (a batch: its last line)
    service.limiter.enter(client)
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            service.limiter.leave(client)

    try:
        response = await _answer(request, registry, service, client, release, pid, version, format_param, lang)
    except BaseException:
        release()
        raise
    if not isinstance(response, StreamingResponse):
        release()
    return response


async def _answer(request: Request, registry, service, client: str, release, pid, version, format_param, lang):
    settings = registry.settings
    data = await _read(request)
    fmt, is_batch = record_format(data, format_param)
    language = negotiate_language(request.headers.get("accept-language"), lang)
    rdf = wants_rdf(request)
    # the owning community's bearer token opens its drafts (issue 15 item 9); a wrong token is a 401
    reader = await run_in_threadpool(get_reader, request, registry)

    if not is_batch:
        outcome, declared = await run_in_threadpool(
            validate_single, service, registry, data, pid, version, fmt, language, want_rdf=rdf, reader=reader, client=client
        )
        headers = {"Vary": "Accept, Accept-Language"}
        if rdf:
            response = rdf_response(request, report_triples(outcome))
            response.headers["Vary"] = headers["Vary"]
            return response
        return JSONResponse(single_view(outcome, declared, language), headers=headers)

    def prepare():
        bundle = _bundle(service, data, pid, version, reader)
        batch = parse_batch(
            data.record or b"", fmt, context=bundle.context, max_triples=settings.max_triples_per_record,
            max_records=settings.max_records_per_batch, max_bytes=settings.max_body_bytes,
            dataverse=service.dataverse_mapping(bundle),
            max_depth=settings.max_nesting_depth,
        )
        return bundle, batch

    bundle, batch = await run_in_threadpool(prepare)
    return StreamingResponse(
        _stream(service, bundle, batch.records, language, client, release),
        media_type="application/x-ndjson",
        headers={"Vary": "Accept-Language", "X-Records": str(len(batch.records))},
        background=BackgroundTask(release),  # also when the client goes away mid-stream
    )


def _line(outcome, record: Record, index: int, language: str) -> dict:
    if isinstance(outcome, RegistryError):
        return {"index": index, "record": record.name, "error": in_language(outcome, language).to_problem()}
    view = json_view(outcome, language)
    for key in ("profile", "profile_chain", "vocabularies", "lang"):
        view.pop(key, None)
    stats = view.pop("record")
    return {"index": index, "record": record.name, **view, "size": stats}


def _block(service: ValidationService, bundle, records: list[Record], first: int, language: str,
           client: str) -> list[dict]:
    """Lines of consecutive records, validated by one worker (`ValidationService.validate_many`)."""
    outcomes = service.validate_many(bundle, [r.triples for r in records], chunk=BLOCK, notes=[r.notes for r in records],
                                     client=client)
    return [_line(outcome, record, first + i, language) for i, (record, outcome) in enumerate(zip(records, outcomes))]


BLOCK = 8


def _stream(service: ValidationService, bundle, records: list[Record], language: str, client: str,
            release) -> Iterator[bytes]:
    """Blocks of records validated on all workers at once, written in order as they complete; each
    block asks the pool for a worker in `client`'s turn (a batch yields to other clients between
    blocks). `release` ends the request's place in the per-client cap."""
    try:
        yield from _stream_lines(service, bundle, records, language, client)
    finally:
        release()


def _stream_lines(service: ValidationService, bundle, records: list[Record], language: str, client: str) -> Iterator[bytes]:
    summary = {"records": len(records), "conforming": 0, "not_conforming": 0, "errors": 0,
               "counts": {"violation": 0, "warning": 0, "info": 0}}
    without_results = 0
    size = getattr(service.executor, "size", 1)
    window = max(2, 2 * size)
    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="validate-batch") as threads:
        pending = []
        position = 0
        while position < len(records) or pending:
            while position < len(records) and len(pending) < window:
                block = records[position:position + BLOCK]
                pending.append(threads.submit(_block, service, bundle, block, position, language, client))
                position += len(block)
            for line in pending.pop(0).result():
                if "error" in line:
                    summary["errors"] += 1
                else:
                    summary["conforming" if line["conforms"] else "not_conforming"] += 1
                    without_results += line["shacl_conforms"]
                    for key, value in line["counts"].items():
                        summary["counts"][key] = summary["counts"].get(key, 0) + value
                yield (json.dumps(line, ensure_ascii=False) + "\n").encode()
    summary["conforms"] = summary["not_conforming"] == 0 and summary["errors"] == 0
    summary["shacl_conforms"] = without_results == len(records)
    summary["profile"] = bundle.profile
    summary["profile_chain"] = bundle.chain
    summary["vocabularies"] = [v.to_json() for v in bundle.vocabularies]
    summary["lang"] = language
    yield (json.dumps({"summary": summary}, ensure_ascii=False) + "\n").encode()


@router.post(
    "/validate",
    summary="Validate a record (or a batch) against a profile version, or against draft shapes",
    responses={200: {"description": "the validation report (JSON view, SHACL report in RDF by Accept, or NDJSON for a batch)"}},
)
async def validate(
    request: Request,
    registry: RegistryDep,
    profile: ProfileQuery = None,
    version: VersionQuery = None,
    format: FormatQuery = None,  # noqa: A002 - the API's parameter name
    lang: LangQuery = None,
):
    return await _validate(request, registry, profile, version, format, lang)


@router.post(
    "/profiles/{pid}/versions/{version}/validate",
    summary="Validate a record (or a batch) against this profile version",
)
async def validate_version(
    pid: IdPath,
    version: VersionPath,
    request: Request,
    registry: RegistryDep,
    format: FormatQuery = None,  # noqa: A002
    lang: LangQuery = None,
):
    return await _validate(request, registry, pid, version, format, lang)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the validation routes (the service, made on first use, is closed with the registry)."""
    app.include_router(router)
