"""The validate page: a form over `POST /validate`, the report grouped by field.

The page calls the validation API in-process (httpx over ASGI, no network), so it shows exactly
what an API client gets. The JSON report it expects: `{conforms, counts, results: [{focus_node,
path, value, severity, field, message, ...}]}` (see registry/validation/report.py).
"""

from __future__ import annotations

import json
from collections import OrderedDict

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from registry.web import i18n
from registry.web.pages.common import csrf_refusal, error_page, has_path, render, ui

router = APIRouter(include_in_schema=False)

FORMATS = [
    ("", "validate.format.auto"),
    ("text/turtle", "Turtle"),
    ("application/ld+json", "JSON-LD"),
    ("application/json", "JSON"),
    ("application/n-triples", "N-Triples"),
    ("application/rdf+xml", "RDF/XML"),
]
EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "json": "application/json",
              "nt": "application/n-triples", "rdf": "application/rdf+xml", "xml": "application/rdf+xml"}
MAX_ECHO = 200_000  # a record larger than this is not echoed back into the text area
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def _profiles(registry) -> list[dict]:
    return registry.catalog.summaries("profile")


def _has_validation(app) -> bool:
    return has_path(app, "/validate")


@router.get(ui("validate"), name="ui_validate")
def validate_form(request: Request, profile: str | None = None, version: str | None = None) -> HTMLResponse:
    registry = request.app.state.registry
    selected = f"{profile}@{version}" if profile and version else (profile or "")
    return render(request, "validate.html", profiles=_profiles(registry), selected=selected, formats=FORMATS,
                  record="", media="", report=None, groups=[], problem=None, available=_has_validation(request.app))


def _choose_media(media: str, filename: str | None, text: str) -> str:
    if media:
        return media
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[-1].lower()
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "application/ld+json" if "@context" in stripped[:2000] else "application/json"
    return "text/turtle"


async def call_validate(request: Request, profile: str, version: str | None, body: bytes, media: str, lang: str,
                        accept: str = "application/json") -> httpx.Response:
    params = {"profile": profile, "lang": lang}
    if version:
        params["version"] = version
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.internal", timeout=120) as client:
        return await client.post(
            "/validate", params=params, content=body,
            headers={"Content-Type": media, "Accept": accept, "Accept-Language": lang},
        )


def group_results(results: list[dict]) -> list[dict]:
    """Results grouped by field (label, else path), violations first, in a stable order."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for r in sorted(results, key=lambda r: (SEVERITY_ORDER.get(r.get("severity", ""), 3), r.get("field") or r.get("path") or "")):
        key = r.get("field") or r.get("path") or ""
        group = groups.setdefault(key, {"field": r.get("field"), "path": r.get("path"), "results": [], "severity": r.get("severity")})
        group["results"].append(r)
    return list(groups.values())


@router.post(ui("validate"), name="ui_validate_post")
async def validate_submit(request: Request) -> Response:
    registry = request.app.state.registry
    lang = i18n.request_language(request)
    t = i18n.Translator(lang)
    form = await request.form(max_files=1, max_fields=10)
    if refusal := csrf_refusal(request, form):
        return error_page(request, 403, t(refusal))
    selected = str(form.get("profile") or "")
    profile, _, version = selected.partition("@")
    media = str(form.get("format") or "")
    record = str(form.get("record") or "")
    upload = form.get("file")
    filename = None
    body = record.encode("utf-8")
    if isinstance(upload, UploadFile) and upload.filename:
        filename = upload.filename
        body = await upload.read()
        try:
            record = body.decode("utf-8") if len(body) <= MAX_ECHO else ""
        except UnicodeDecodeError:
            record = ""
    profiles = await run_in_threadpool(_profiles, registry)
    context = dict(profiles=profiles, selected=selected, formats=FORMATS, record=record, media=media,
                   available=_has_validation(request.app))
    if not body.strip():
        return render(request, "validate.html", status=422, report=None, groups=[], problem={"detail": t("validate.empty")}, **context)
    chosen = _choose_media(media, filename, record)
    download = form.get("download")
    if download == "ttl":
        response = await call_validate(request, profile, version or None, body, chosen, lang, accept="text/turtle")
        if response.status_code == 200:
            return Response(response.content, media_type="text/turtle",
                            headers={"Content-Disposition": 'attachment; filename="validation-report.ttl"'})
    else:
        response = await call_validate(request, profile, version or None, body, chosen, lang)
    try:
        payload = response.json()
    except ValueError:
        payload = {"detail": response.text[:2000]}
    if response.status_code != 200:
        status = response.status_code if response.status_code >= 400 else 502
        return render(request, "validate.html", status=status, report=None, groups=[], problem=payload, **context)
    if download == "json":
        return Response(json.dumps(payload, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="validation-report.json"'})
    context["media"] = media
    label = selected
    for p in profiles:
        if p["id"] == profile:
            label = f"{t.pick(p['title'], p['id'])} {version or p.get('latest_version') or ''}".strip()
    report_json = json.dumps(payload, ensure_ascii=False, indent=2)
    return render(request, "validate.html", report=payload, groups=group_results(payload.get("results", [])),
                  problem=None, profile_label=label, report_json=report_json, **context)
