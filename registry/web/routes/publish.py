"""Writes: publish a profile or vocabulary version, change a version's status.

Bodies are RDF (Turtle, N-Triples, RDF/XML, JSON-LD; chosen by Content-Type) or multipart with
several files. Parsing and checking run in a worker thread; the event loop only moves bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from registry.errors import InvalidInput
from registry.nesting import loads_json
from registry.publishing.service import MAX_EXAMPLES, ExampleRecord, ProfileSubmission, VocabularySubmission
from registry.rdf import base_media_type, format_for_filename, format_for_media_type
from registry.web.deps import CommunityDep, IdPath, RegistryDep, VersionPath

router = APIRouter(tags=["publishing"])

MEMORY_LIMIT = 8 * 1024 * 1024  # larger vocabulary bodies are spooled to a temporary file


class Metadata(BaseModel):
    """Metadata of a submission (multipart field `metadata`, JSON)."""

    title: dict[str, str] = {}
    description: dict[str, str] = {}
    is_profile_of: str | None = None
    status: Literal["draft", "published"] = "published"
    vocabularies: list[dict[str, Any]] = []  # [{"id", "version", "file", "title"}]
    #: weight of the SKOS integrity conditions; None: the community's setting (docs/vocabularies.md)
    skos_integrity: Literal["warn", "strict"] | None = None
    #: accept a version number lower than the changes since the previous version require (docs/evolution.md)
    accept_version_number: bool = False


def _parse_metadata(raw: Any) -> Metadata:
    if raw is None:
        return Metadata()
    text = raw if isinstance(raw, str) else None
    if text is None:
        raise InvalidInput("the metadata field must be JSON text", code="invalid-metadata")
    try:
        return Metadata.model_validate(loads_json(text, what="the metadata field"))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"the metadata field is not valid: {exc}", code="invalid-metadata") from None


async def _read_upload(upload: UploadFile) -> bytes:
    return await upload.read()


def _upload_format(upload: UploadFile):
    if upload.content_type and base_media_type(upload.content_type) not in ("application/octet-stream", ""):
        try:
            return format_for_media_type(upload.content_type)
        except Exception:
            pass
    return format_for_filename(upload.filename or "")


# the query parameters both publications take (a body that is not multipart carries no metadata)
TitleQuery = Annotated[str | None, Query(max_length=500)]
DescriptionQuery = Annotated[str | None, Query(max_length=5000)]
TextLangQuery = Annotated[str, Query(pattern=r"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$")]  # of title and description
AcceptVersionQuery = Annotated[bool, Query(description="accept a version number lower than the changes since the "
                                                      "previous version require (semantic versioning); recorded")]
StatusQuery = Annotated[Literal["draft", "published"], Query(description="draft (replaceable) or published (immutable)")]
SkosIntegrityQuery = Annotated[
    Literal["warn", "strict"] | None,
    Query(description="SKOS integrity conditions (S9, S13, S14, S27, S37, S46): warn (publish, list the "
                      "offenders) or strict (refuse); default: the community's setting, else warn"),
]


def _query_metadata(
    title: TitleQuery = None,
    description: DescriptionQuery = None,
    lang: TextLangQuery = "en",
    status: StatusQuery = "published",
    skos_integrity: SkosIntegrityQuery = None,
    accept_version_number: AcceptVersionQuery = False,
) -> Metadata:
    """The metadata both publications take as query parameters: all there is of it when the body is
    not multipart; beside a multipart `metadata` field, its SKOS integrity policy and version-number
    acceptance still count."""
    return Metadata(
        title={lang: title} if title else {},
        description={lang: description} if description else {},
        status=status,
        skos_integrity=skos_integrity,
        accept_version_number=accept_version_number,
    )


QueryMetadata = Annotated[Metadata, Depends(_query_metadata)]


class _Publisher:
    """The publication service acting for the authenticated community, answering as both
    publications do: 201 and Location for a new version, 200 when the same content was already
    published."""

    def __init__(self, registry: RegistryDep, community: CommunityDep):
        self.service = registry.publication
        self.community = community

    async def publish(self, submission: ProfileSubmission | VocabularySubmission) -> JSONResponse:
        if isinstance(submission, ProfileSubmission):
            result = await run_in_threadpool(self.service.publish_profile, self.community, submission)
        else:
            result = await run_in_threadpool(self.service.publish_vocabulary, self.community, submission)
        return JSONResponse(result.to_json(), status_code=201 if result.created else 200, headers={"Location": result.iri})


PublisherDep = Annotated[_Publisher, Depends()]


def _publication_route(path: str, summary: str):
    return router.put(path, summary=summary, status_code=201,
                      responses={200: {"description": "the same content was already published: nothing changed"}})


@_publication_route(
    "/profiles/{pid}/versions/{version}",
    "Publish a profile version (shapes as the body, or multipart: shapes, metadata, context, vocabulary files, "
    "example records as 'example' files)",
)
async def publish_profile(
    pid: IdPath,
    version: VersionPath,
    request: Request,
    publisher: PublisherDep,
    query: QueryMetadata,
    is_profile_of: Annotated[str | None, Query(max_length=200)] = None,
):
    content_type = request.headers.get("content-type", "")
    context = None
    vocabularies: list[VocabularySubmission] = []
    examples: list[ExampleRecord] = []
    if base_media_type(content_type) == "multipart/form-data":
        form = await request.form(max_files=50 + MAX_EXAMPLES, max_fields=50)
        shapes_part = form.get("shapes")
        if not isinstance(shapes_part, UploadFile):
            raise InvalidInput("multipart publication needs a file field 'shapes'", code="missing-shapes")
        meta = _parse_metadata(form.get("metadata"))
        shapes, shapes_format = await _read_upload(shapes_part), _upload_format(shapes_part)
        context_part = form.get("context")
        if context_part is not None:
            raw = await _read_upload(context_part) if isinstance(context_part, UploadFile) else context_part.encode()
            try:
                context = loads_json(raw, what="the context")
            except ValueError as exc:
                raise InvalidInput(f"the context is not JSON: {exc}", code="invalid-context") from None
        for item in meta.vocabularies:
            part = form.get(str(item.get("file", "")))
            if not isinstance(part, UploadFile):
                raise InvalidInput(f"vocabulary {item.get('id')!r}: no file field named {item.get('file')!r}", code="missing-file")
            vocabularies.append(
                VocabularySubmission(
                    id=str(item.get("id", "")), version=str(item.get("version", "")), source=await _read_upload(part),
                    format=_upload_format(part), title=dict(item.get("title") or {}),
                    description=dict(item.get("description") or {}), status=meta.status, name=part.filename or "vocabulary",
                    skos_integrity=meta.skos_integrity or query.skos_integrity,
                    accept_version_number=query.accept_version_number or meta.accept_version_number
                    or bool(item.get("accept_version_number")),
                )
            )
        for part in form.getlist("example"):  # example records (issue 17): one file each, named by its file name
            if not isinstance(part, UploadFile):
                raise InvalidInput("each 'example' field must be a file (a record in Turtle, N-Triples, RDF/XML or "
                                   "JSON-LD)", code="invalid-example")
            examples.append(ExampleRecord.from_file(part.filename or "", await _read_upload(part), _upload_format(part)))
    else:
        shapes_format = format_for_media_type(content_type)
        shapes = await request.body()
        meta = query.model_copy(update={"is_profile_of": is_profile_of})
    submission = ProfileSubmission(
        id=pid, version=version, shapes=shapes, format=shapes_format, title=meta.title,
        description=meta.description, is_profile_of=meta.is_profile_of, status=meta.status, context=context,
        vocabularies=vocabularies, accept_version_number=query.accept_version_number or meta.accept_version_number,
        example_records=examples,
    )
    return await publisher.publish(submission)


@_publication_route(
    "/vocabularies/{vid}/versions/{version}",
    "Publish a vocabulary version (SKOS as the body, or multipart: vocabulary, metadata)",
)
async def publish_vocabulary(
    vid: IdPath,
    version: VersionPath,
    request: Request,
    publisher: PublisherDep,
    query: QueryMetadata,
):
    content_type = request.headers.get("content-type", "")
    workdir = Path(tempfile.mkdtemp(prefix="registry-upload-"))
    try:
        if base_media_type(content_type) == "multipart/form-data":
            form = await request.form(max_files=2, max_fields=10)
            part = form.get("vocabulary")
            if not isinstance(part, UploadFile):
                raise InvalidInput("multipart publication needs a file field 'vocabulary'", code="missing-vocabulary")
            meta = _parse_metadata(form.get("metadata"))
            fmt = _upload_format(part)
            path = workdir / "upload"
            with path.open("wb") as out:
                shutil.copyfileobj(part.file, out, 1 << 20)
            source: bytes | Path = path
        else:
            fmt = format_for_media_type(content_type)
            meta = query
            source = await _spool(request, workdir / "upload")
        submission = VocabularySubmission(
            id=vid, version=version, source=source, format=fmt, title=meta.title, description=meta.description,
            status=meta.status, name="the vocabulary", skos_integrity=meta.skos_integrity or query.skos_integrity,
            accept_version_number=query.accept_version_number or meta.accept_version_number,
        )
        return await publisher.publish(submission)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _spool(request: Request, path: Path) -> bytes | Path:
    """Keep a small body in memory; write a large one to disk as it arrives (bounded memory)."""
    chunks: list[bytes] = []
    size = 0
    out = None
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if out is None and size > MEMORY_LIMIT:
                out = path.open("wb")
                for c in chunks:
                    out.write(c)
                chunks = []
            if out is not None:
                out.write(chunk)
            else:
                chunks.append(chunk)
    finally:
        if out is not None:
            out.close()
    return path if out is not None else b"".join(chunks)


class StatusChange(BaseModel):
    status: Literal["draft", "published", "deprecated"]
    #: confirming a draft: accept a version number lower than its changes require (docs/evolution.md)
    accept_version_number: bool = False


def _status_route(kind: str, plural: str) -> None:
    @router.patch(
        f"/{plural}/{{sid}}/versions/{{version}}",
        summary=f"Change the status of a {kind} version (publish a draft, deprecate)",
        name=f"set_{kind}_status",
    )
    def set_status(
        sid: IdPath, version: VersionPath, change: Annotated[StatusChange, Body()], registry: RegistryDep, community: CommunityDep
    ) -> dict:
        extra: dict = {}
        info = registry.publication.set_status(community, kind, sid, version, change.status,
                                               accept_version_number=change.accept_version_number, answer=extra)
        return {**info.to_json(), **extra}


    @router.delete(
        f"/{plural}/{{sid}}/versions/{{version}}",
        summary=f"Delete a draft {kind} version (published versions are immutable: 409)",
        name=f"delete_{kind}_draft", status_code=204,
    )
    def delete_draft(sid: IdPath, version: VersionPath, registry: RegistryDep, community: CommunityDep) -> Response:
        registry.publication.delete_draft(community, kind, sid, version)
        return Response(status_code=204)


_status_route("profile", "profiles")
_status_route("vocabulary", "vocabularies")
