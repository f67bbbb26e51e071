"""The validate page: a form over `POST /validate`, the report grouped by field.

The page runs what `POST /validate` runs (`registry.validation.routes.validate_single`, the
validation service), so it shows exactly what an API client gets. The JSON report it expects: `{conforms, counts, results: [{focus_node,
path, value, severity, field, message, ...}]}` (see registry/validation/report.py).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from pyoxigraph import RdfFormat

from registry.errors import InvalidInput, RegistryError
from registry.web import i18n
from registry.web.deps import client_key
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
MAX_VIEW = 40_000  # nor shown line by line beside the report (pages stay under 100 kB)
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


FORMAT_NAMES = {media: name for media, name in FORMATS if media}
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PREFIX_DECLARATION = re.compile(r"^\s*(@prefix|@base|prefix|base)\b", re.IGNORECASE | re.MULTILINE)
YAML_KEY_LINE = re.compile(r"^[A-Za-z_][\w .-]*:(\s|$)")


def recognise_unaccepted_format(text: str) -> str | None:
    """The i18n key of a common format that is not RDF (YAML, plain XML, plain JSON), else None.

    Asked only once the API refused the record, so a heuristic never blocks a valid record."""
    head = text.lstrip("\ufeff \t\r\n")[:20_000]
    if head.startswith("<"):
        return None if RDF_NAMESPACE in head else "validate.format.xml"
    if head.startswith(("{", "[")):
        return None if "@context" in head else "validate.format.json"
    if PREFIX_DECLARATION.search(head):
        return None
    lines = [line for line in head.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and (lines[0].startswith(("---", "%YAML")) or YAML_KEY_LINE.match(lines[0])):
        return "validate.format.yaml"
    return None


def describe_problem(payload: dict, t: i18n.Translator, record: str, media: str) -> dict:
    """The API's problem (RFC 9457) for the page: a sentence in the user's language (`message`), where
    (`at`), the accepted formats when the record could not be read, and the parser's own words (`detail`)."""
    problem = dict(payload) if isinstance(payload, dict) else {"detail": str(payload)}
    code = str(problem.get("code") or "")
    unreadable = code in ("rdf-syntax", "json-syntax", "no-json-context", "unsupported-record-format", "invalid-json-record")
    found = recognise_unaccepted_format(record) if unreadable and record else None
    if found == "validate.format.json" and code != "no-json-context":
        found = None  # broken JSON(-LD): its syntax error says more
    if found:
        problem["message"] = t("validate.unsupported_format", f=t(found))
        problem["found_format"] = t(found)
    elif code == "rdf-syntax":
        problem["message"] = t("validate.syntax", f=FORMAT_NAMES.get(media, "RDF"))
    elif f"validate.problem.{code}" in i18n.MESSAGES:
        problem["message"] = t(f"validate.problem.{code}")
    if unreadable:
        problem["accepted"] = t("validate.accepted")
    line, column = problem.get("line"), problem.get("column")
    if line and not found:
        problem["at"] = t("validate.at", l=line, c=column) if column else t("validate.at_line", l=line)
    return problem


def _profiles(registry, community=None) -> list[dict]:
    """The profiles to choose from: the public ones, plus the drafts of the signed-in community's own
    series (issue 15 item 9: an owner validates records against a draft before publishing it)."""
    public = registry.catalog.summaries("profile")
    if community is None:
        return public
    from registry.ids import SemVer

    by_id = {p["id"]: p for p in public}
    for sid in registry.catalog.series_ids("profile", include_drafts=True):
        if registry.catalog.series_community("profile", sid) != community.iri:
            continue
        drafts = [v for v in registry.catalog.versions("profile", sid) if not v.public]
        if not drafts:
            continue
        entry = dict(by_id.get(sid) or {"id": sid, "title": drafts[-1].title, "latest_version": None, "versions": []})
        entry["versions"] = sorted(entry["versions"] + [{"version": v.version, "status": v.status, "iri": v.iri} for v in drafts],
                                   key=lambda v: SemVer(v["version"]))
        by_id[sid] = entry
    return sorted(by_id.values(), key=lambda p: p["id"])


def _signed_in(request: Request):
    """The signed-in community (community area session), or None."""
    from registry.web.pages.community import current_community

    return current_community(request)


def most_general_profile(profiles: list[dict]) -> str:
    """The profile the others are profiles of: among those that extend no other (the roots of
    `prof:isProfileOf`), the one most profiles build on, directly or not; ties by id."""
    series_of = {v["iri"]: p["id"] for p in profiles for v in p.get("versions", []) if v.get("iri")}
    base_of = {p["id"]: series_of.get(p.get("is_profile_of") or "") for p in profiles}
    descendants = {p["id"]: 0 for p in profiles}
    for pid in base_of:
        seen = {pid}
        base = base_of[pid]
        while base and base not in seen:
            descendants[base] = descendants.get(base, 0) + 1
            seen.add(base)
            base = base_of.get(base)
    roots = [p["id"] for p in profiles if not base_of[p["id"]] and p.get("latest_version")]
    if not roots:
        return ""
    return sorted(roots, key=lambda pid: (-descendants.get(pid, 0), pid))[0]


def record_lines(record: str, results: list[dict]) -> list[dict]:
    """The record's lines for the read-only view, each with the severities of the results on it."""
    marks: dict[int, set[str]] = {}
    for r in results:
        line = (r.get("source") or {}).get("line")
        if line:
            marks.setdefault(line, set()).add(r.get("severity", ""))
    out = []
    for number, text in enumerate(record.splitlines(), start=1):
        sev = sorted(marks.get(number, ()), key=lambda s: SEVERITY_ORDER.get(s, 3))
        out.append({"n": number, "text": text, "severity": sev[0] if sev else None})
    return out


def link_fields(registry, validated: dict, groups: list[dict]) -> None:
    """Give each report group the id of its field's row on the profile page (`fieldtext.field_anchor`
    of the field table and path): the table of the kind of object its results are about (their
    focus nodes' types, or for a blank node the property it is the value of), else the first table
    with that field."""
    from registry.profile_fields import fields_for_version
    from registry.web.fieldtext import field_anchor

    try:
        tables = fields_for_version(registry, validated["id"], validated["version"])
    except RegistryError:
        return
    for group in groups:
        candidates = [table for table in tables for f in table.fields if f.path == group["path"]]
        if not candidates:
            continue
        types: set[str] = set()
        holders: set[str] = set()
        for r in group["results"]:
            source = r.get("source") or {}
            types.update(source.get("via_types" if source.get("via") and not r.get("path") else "focus_types") or [])
            holders.update((source.get("focus") or {}).get("path", [])[-1:])
        chosen = next((table for table in candidates if types & set(table.target_classes)), None) or \
            next((table for table in candidates if table.target_property in holders), None) or candidates[0]
        group["anchor"] = field_anchor(chosen.key, group["path"])


def _has_validation(app) -> bool:
    return has_path(app, "/validate")


@router.get(ui("validate"), name="ui_validate")
def validate_form(request: Request, profile: str | None = None, version: str | None = None) -> HTMLResponse:
    registry = request.app.state.registry
    profiles = _profiles(registry, _signed_in(request))
    # the profile the user came from (its page links here with it), else the most general one
    selected = f"{profile}@{version}" if profile and version else (profile or most_general_profile(profiles))
    return render(request, "validate.html", profiles=profiles, selected=selected, formats=FORMATS,
                  record="", media="", report=None, groups=[], problem=None, available=_has_validation(request.app),
                  shapes_text="")


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


def run_validation(request: Request, profile: str, version: str | None, body: bytes, media: str, lang: str,
                   community=None, shapes: tuple[bytes, str] | None = None, *, want_rdf: bool = False) -> dict | bytes:
    """One record validated by the validation service, as `POST /validate` does it
    (`registry.validation.routes.validate_single`): the JSON view, or with `want_rdf` the SHACL
    report in Turtle. `community`: the signed-in one, whose drafts can be validated against. With
    `shapes` (bytes, file name): the draft shapes, alone or extending `profile`. Bad input raises
    the API's RegistryError. The page's user is the client: its per-client cap and its turn in
    the worker pool's fair queue (issue 12) are its own, not shared by every user of the page."""
    from registry.namespaces import PREFIXES
    from registry.rdf import serialize
    from registry.validation.report import negotiate_language, report_triples
    from registry.validation.routes import RecordInput, record_format, single_view, validate_single
    from registry.validation.service import get_service

    registry = request.app.state.registry
    service = get_service(registry)
    data = RecordInput()
    data.record, data.record_type = body, media
    if shapes is not None:
        data.shapes, data.shapes_name = shapes
    fmt, is_batch = record_format(data, None)
    if is_batch:
        raise InvalidInput("the page validates one record at a time; send a batch to POST /validate",
                           code="unsupported-record-format")
    language = negotiate_language(None, lang)
    client = client_key(request)
    service.limiter.enter(client)
    try:
        outcome, declared = validate_single(service, registry, data, profile or None, version, fmt, language,
                                            want_rdf=want_rdf, reader=community, client=client)
    finally:
        service.limiter.leave(client)
    if want_rdf:
        return serialize(report_triples(outcome), RdfFormat.TURTLE, prefixes=PREFIXES)
    return single_view(outcome, declared, language)


def group_results(results: list[dict]) -> list[dict]:
    """Results grouped by field (label, else path), violations first, in a stable order. A
    whole-object rule (no `path`) goes to the field its focus node is the value of (`field_path`,
    see registry/validation/sources.py), not to "Other results"."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for r in sorted(results, key=lambda r: (SEVERITY_ORDER.get(r.get("severity", ""), 3), r.get("field") or r.get("path") or "")):
        path = r.get("path") or r.get("field_path")
        key = r.get("field") or path or ""
        group = groups.setdefault(key, {"field": r.get("field"), "path": path, "results": [], "severity": r.get("severity")})
        group["results"].append(r)
    for group in groups.values():
        group["severities"] = sorted({r.get("severity", "") for r in group["results"]}, key=lambda s: SEVERITY_ORDER.get(s, 3))
    return list(groups.values())


@router.post(ui("validate"), name="ui_validate_post")
async def validate_submit(request: Request) -> Response:
    registry = request.app.state.registry
    lang = i18n.request_language(request)
    t = i18n.Translator(lang)
    form = await request.form(max_files=2, max_fields=12)
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
    community = await run_in_threadpool(_signed_in, request)
    profiles = await run_in_threadpool(_profiles, registry, community)
    shapes_text = str(form.get("shapes") or "")
    shapes_upload = form.get("shapes_file")
    shapes: tuple[bytes, str] | None = None
    if isinstance(shapes_upload, UploadFile) and shapes_upload.filename:
        shapes = (await shapes_upload.read(), shapes_upload.filename)
    elif shapes_text.strip():
        shapes = (shapes_text.encode("utf-8"), "shapes.ttl")
    context = dict(profiles=profiles, selected=selected, formats=FORMATS, record=record, media=media,
                   available=_has_validation(request.app), shapes_text=shapes_text if len(shapes_text) <= MAX_ECHO else "")
    if not body.strip():
        return render(request, "validate.html", status=422, report=None, groups=[], problem={"detail": t("validate.empty")}, **context)
    chosen = _choose_media(media, filename, record)
    download = form.get("download")
    try:
        outcome = await run_in_threadpool(lambda: run_validation(
            request, profile, version or None, body, chosen, lang, community, shapes, want_rdf=download == "ttl"))
    except RegistryError as exc:
        status = exc.status
        problem = describe_problem(exc.to_problem(), t, record, chosen)
        return render(request, "validate.html", status=status, report=None, groups=[], problem=problem, **context)
    if isinstance(outcome, bytes):
        return Response(outcome, media_type="text/turtle",
                        headers={"Content-Disposition": 'attachment; filename="validation-report.ttl"'})
    payload = outcome
    if download == "json":
        return Response(json.dumps(payload, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="validation-report.json"'})
    context["media"] = media
    label = selected
    for p in profiles:
        if p["id"] == profile:
            label = f"{t.pick(p['title'], p['id'])} {version or p.get('latest_version') or ''}".strip()
    if shapes is not None:
        label = f"{label} + {t('validate.draft_profile')}" if profile else t("validate.draft_profile")
    if download in ("csv", "pdf"):
        from registry.web.pages import report_export

        if download == "csv":
            return Response(report_export.csv_bytes(payload, t), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="validation-report.csv"'})
        pdf = await run_in_threadpool(report_export.pdf_bytes, payload, t, label)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="validation-report.pdf"'})
    report_json = json.dumps(payload, ensure_ascii=False, indent=2)
    results = payload.get("results", [])
    validated = payload.get("profile") or {}
    profile_href = (ui(f"profiles/{validated['id']}/{validated['version']}")
                    if validated.get("id") and validated.get("version") else None)
    lines = record_lines(record, results) if record and len(record) <= MAX_VIEW else []
    groups = group_results(results)
    if profile_href:
        await run_in_threadpool(link_fields, registry, validated, groups)
    return render(request, "validate.html", report=payload, groups=groups,
                  problem=None, profile_label=label, report_json=report_json, profile_href=profile_href,
                  record_view=lines, **context)
