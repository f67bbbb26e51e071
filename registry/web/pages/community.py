"""The community area: sign in with a token, upload a version, check, confirm, deprecate.

* Sign-in checks the token with `Communities.authenticate` (the API's own check, with its
  failed-attempt limiter) and keeps it in an HttpOnly, SameSite=Strict cookie (`__Host-` and
  Secure over HTTPS) for the browser session; every request re-checks it, so a revoked token
  stops working at once.
* Upload = check: the version is published as a *draft* with `PublicationService` (the same
  service and checks as `PUT /profiles/{id}/versions/{v}?status=draft`). Errors refuse it and
  nothing is stored; otherwise the draft — invisible to the public — and its warnings are shown.
* Confirm = `set_status(..., "published")` (as `PATCH …/versions/{v}` does); deprecate likewise.
* Drafts (issue 15 item 9): `GET /ui/community/{profiles,vocabularies}/{id}/{version}` shows a version
  of the signed-in community's own series, drafts included, as the public page would (field tables,
  concept tree) with the owner's actions (validate a record against it on /ui/validate, publish,
  delete: `POST /ui/community/delete`, `PublicationService.delete_draft`). Anyone else, signed in
  for another community or not, gets the same 404 as for a version that does not exist.
* Every POST is checked by `common.csrf_refusal`: same Origin (or Referer), and a CSRF token
  bound to the session (HMAC keyed with the session's token); see `registry.web.pages.common`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from registry.errors import CheckFailed, NotFound, RegistryError, Unauthorized
from registry.nesting import loads_json
from registry.publishing.service import ProfileSubmission, VocabularySubmission
from registry.rdf import format_for_filename
from registry.web import i18n
from registry.web.deps import client_key
from registry.web.pages.common import (
    SESSION_COOKIE, csrf_refusal, delete_cookie, error_page, html_errors, localized_problem, render, session_secret,
    set_cookie, ui,
)

if TYPE_CHECKING:
    from registry.catalog import Community
    from registry.services import Registry

router = APIRouter(include_in_schema=False)


def current_community(request: Request):
    token = session_secret(request)
    if not token:
        return None
    try:
        return request.app.state.registry.communities.authenticate(token)
    except Unauthorized:
        return None


def _owned(registry, community) -> list[dict]:
    """The community's series with every version (drafts included)."""
    out = []
    for kind in ("profile", "vocabulary"):
        for sid in registry.catalog.series_ids(kind, include_drafts=True):
            if registry.catalog.series_community(kind, sid) != community.iri:
                continue
            versions = registry.catalog.versions(kind, sid)
            if versions:
                latest = versions[-1]
                out.append({"kind": kind, "id": sid, "title": latest.title, "versions": list(reversed(versions))})
    return out


def _page(request: Request, community, status: int = 200, **extra) -> HTMLResponse:
    registry = request.app.state.registry
    request.state.community = community
    owned = _owned(registry, community) if community else []
    context: dict[str, object] = {"owned": owned, "findings": None, "outcome": None, "message": None, "problem": None, "form": {}}
    context.update(extra)
    return render(request, "community.html", status=status, community=community, **context)


def _refused_page(request: Request, community, t: i18n.Translator, exc: RegistryError, **extra) -> HTMLResponse:
    """The community page saying why the registry refused an action, in the page's language."""
    problem = localized_problem(t, exc.status, exc.detail, exc.code, exc.extra.get("line"), exc.extra.get("column"))
    return _page(request, community, status=exc.status, problem=problem, **extra)


@dataclass
class _Post:
    """A form posted to the community area by a signed-in community."""

    registry: Registry
    t: i18n.Translator
    form: FormData
    community: Community


async def _signed_in_post(request: Request, *, max_files: int, max_fields: int) -> _Post | Response:
    """The posted form, or the page refusing it: a failed CSRF check (403), no valid session (401)."""
    t = i18n.Translator(i18n.request_language(request))
    form = await request.form(max_files=max_files, max_fields=max_fields)
    if refusal := csrf_refusal(request, form):
        return error_page(request, 403, t(refusal))
    community = await run_in_threadpool(current_community, request)
    if community is None:
        return _page(request, None, status=401, problem={"detail": t("community.session_expired")})
    return _Post(request.app.state.registry, t, form, community)


@router.get(ui("community"), name="ui_community")
def community_home(request: Request) -> HTMLResponse:
    community = current_community(request)
    expired = bool(session_secret(request)) and community is None
    t = i18n.Translator(i18n.request_language(request))
    return _page(request, community, problem={"detail": t("community.session_expired")} if expired else None)


@router.post(ui("community/sign-in"), name="ui_sign_in")
async def sign_in(request: Request) -> Response:
    registry = request.app.state.registry
    t = i18n.Translator(i18n.request_language(request))
    form = await request.form(max_files=0, max_fields=5)
    if refusal := csrf_refusal(request, form):
        return error_page(request, 403, t(refusal))
    token = str(form.get("token") or "").strip()
    client = client_key(request)

    def authenticate():
        registry.auth_limiter.check(client)
        try:
            return registry.communities.authenticate(token)
        except Unauthorized:
            registry.auth_limiter.failed(client)
            raise

    try:
        await run_in_threadpool(authenticate)  # raises on a bad token; the session cookie holds the token
    except RegistryError as exc:
        status = exc.status if exc.status == 429 else 401
        detail = t("community.bad_token") if exc.status == 401 else exc.detail
        return _page(request, None, status=status, problem={"detail": detail})
    response = RedirectResponse(ui("community"), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post(ui("community/sign-out"), name="ui_sign_out")
async def sign_out(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if refusal := csrf_refusal(request, form):
        t = i18n.Translator(i18n.request_language(request))
        return error_page(request, 403, t(refusal))
    response = RedirectResponse(ui("community"), status_code=303)
    delete_cookie(response, request, SESSION_COOKIE)
    return response


def _lang_map(form, field: str) -> dict[str, str]:
    out = {}
    for lang in i18n.LANGUAGES:
        value = str(form.get(f"{field}_{lang}") or "").strip()
        if value:
            out[lang] = value
    return out


def _with_lines(findings: list[dict], body: bytes, filename: str | None) -> list[dict]:
    """Each finding with the line of the uploaded file it is about (issue 15, item 11)."""
    from registry.validation.sources import locate_findings

    try:
        fmt = format_for_filename(filename or "")
    except RegistryError:
        return findings
    line_based = fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG,
                         ox.RdfFormat.N_QUADS)
    return locate_findings(body, line_based, [f for f in findings if isinstance(f, dict)])


@router.post(ui("community/upload"), name="ui_upload")
async def upload(request: Request) -> Response:
    post = await _signed_in_post(request, max_files=2, max_fields=20)
    if not isinstance(post, _Post):
        return post
    registry, t, form, community = post.registry, post.t, post.form, post.community
    kind = str(form.get("kind") or "profile")
    sid = str(form.get("id") or "").strip()
    version = str(form.get("version") or "").strip()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str) and k not in ("csrf",)}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await run_in_threadpool(
            lambda: _page(request, community, status=422, problem={"detail": t("validate.empty")}, form=fields)
        )
    body = await file.read()
    context_part = form.get("context")
    context_raw = await context_part.read() if isinstance(context_part, UploadFile) and context_part.filename else b""

    def stage():
        fmt = format_for_filename(file.filename)
        title = _lang_map(form, "title")
        description = _lang_map(form, "description")
        if kind == "vocabulary":
            sub = VocabularySubmission(id=sid, version=version, source=body, format=fmt, title=title,
                                       description=description, status="draft", name=file.filename)
            return registry.publication.publish_vocabulary(community, sub)
        context = None
        if context_raw:
            try:
                context = loads_json(context_raw, what="the JSON-LD context")
            except ValueError as exc:
                raise CheckFailed("the JSON-LD context is not JSON",
                                  findings=[{"severity": "error", "code": "invalid-context", "message": str(exc)}]) from None
        sub = ProfileSubmission(id=sid, version=version, shapes=body, format=fmt, title=title, description=description,
                                is_profile_of=str(form.get("is_profile_of") or "").strip() or None, status="draft",
                                context=context)
        return registry.publication.publish_profile(community, sub)

    try:
        result = await run_in_threadpool(stage)
    # The lambdas below get plain locals, not `exc`: Python unbinds the `as` name when the except
    # clause ends, and a closure must not depend on when it runs.
    except CheckFailed as exc:
        findings = _with_lines(exc.extra.get("findings") or [], body, file.filename)
        problem = localized_problem(t, exc.status, exc.detail, "check-failed")
        return await run_in_threadpool(
            lambda: _page(request, community, status=422, findings=findings, outcome="refused",
                          problem=problem, form=fields)
        )
    except RegistryError as exc:
        return await run_in_threadpool(_refused_page, request, community, t, exc, form=fields)
    findings = _with_lines([f.to_json() for f in result.findings], body, file.filename)
    if result.status != "draft":  # the same content was already published: nothing to confirm
        message = t("community.published", k=t(f"community.kind_label.{kind}"), id=sid, v=version)
        return await run_in_threadpool(lambda: _page(request, community, findings=findings, outcome="published", message=message))
    message = t("community.draft_ready", k=t(f"community.kind_label.{kind}"), id=sid, v=version)
    return await run_in_threadpool(
        lambda: _page(request, community, findings=findings, outcome="draft", message=message,
                      draft={"kind": kind, "id": sid, "version": version})
    )


@router.post(ui("community/status"), name="ui_status")
async def change_status(request: Request) -> Response:
    return await _change_version(request, delete=False)


async def _change_version(request: Request, *, delete: bool) -> Response:
    """Publish a draft or deprecate a version (`set_status`, as `PATCH …/versions/{v}` does), or
    delete a draft (`delete_draft`): the signed-in community's own, named by the form."""
    post = await _signed_in_post(request, max_files=0, max_fields=10)
    if not isinstance(post, _Post):
        return post
    registry, t, form, community = post.registry, post.t, post.form, post.community
    kind = str(form.get("kind") or "")
    sid = str(form.get("id") or "")
    version = str(form.get("version") or "")
    outcome = "deleted" if delete else str(form.get("status") or "")
    if kind not in ("profile", "vocabulary") or outcome not in (("deleted",) if delete else ("published", "deprecated")):
        detail = "kind" if delete else "kind/status"
        return await run_in_threadpool(lambda: _page(request, community, status=422, problem={"detail": detail}))
    try:
        if delete:
            await run_in_threadpool(registry.publication.delete_draft, community, kind, sid, version)
        else:
            await run_in_threadpool(registry.publication.set_status, community, kind, sid, version, outcome)
    except RegistryError as exc:
        return await run_in_threadpool(_refused_page, request, community, t, exc)
    message = t(_OUTCOME_MESSAGES[outcome], k=t(f"community.kind_label.{kind}"), id=sid, v=version)
    return await run_in_threadpool(lambda: _page(request, community, message=message, outcome=outcome))


_OUTCOME_MESSAGES = {"published": "community.published", "deprecated": "community.deprecated",
                     "deleted": "community.draft_deleted"}


def _owned_version_page(request: Request, kind: str, sid: str, version: str) -> Response:
    """A version of the signed-in community's own series, drafts included; 404 for anyone else."""
    from registry.ids import SemVer, check_id
    from registry.web.pages import browse

    check_id(sid, f"{kind} id")
    SemVer(version)
    community = current_community(request)
    registry = request.app.state.registry
    if community is None or registry.catalog.series_community(kind, sid) != community.iri:
        raise NotFound(f"{kind} {sid!r} has no version {version!r}", code="version-not-found")
    request.state.community = community
    if kind == "profile":
        return browse._profile_page(request, sid, version, owner_view=True)
    return browse._vocabulary_page(request, sid, version, owner_view=True)


@router.get(ui("community/profiles/{sid}/{version}"), name="ui_owned_profile")
@html_errors
def owned_profile(request: Request, sid: str, version: str) -> Response:
    return _owned_version_page(request, "profile", sid, version)


@router.get(ui("community/vocabularies/{sid}/{version}"), name="ui_owned_vocabulary")
@html_errors
def owned_vocabulary(request: Request, sid: str, version: str) -> Response:
    return _owned_version_page(request, "vocabulary", sid, version)


@router.post(ui("community/delete"), name="ui_delete_draft")
async def delete_draft(request: Request) -> Response:
    return await _change_version(request, delete=True)
