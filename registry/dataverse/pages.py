"""The community area accepts a Dataverse block (issue 13, item 3): `POST /ui/community/dataverse-block`
with the TSV and its `.properties` files. The block is checked (every problem with its line and
column), imported as a profile with one vocabulary per controlled field (`registry.dataverse.importer`,
under the community's first namespace) and staged as a *draft* with the same service and checks as
any upload; the page then shows the draft, its checks and the button to publish it. Field names
already used by another profile of the registry (`dvb:fieldName`) are refused: Dataverse field names
share one namespace (the guide, footnote 4).
"""

from __future__ import annotations

import tomllib

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from registry.dataverse.annotations import DVB_IRI
from registry.dataverse.block import BlockFormatError, BlockText, language_of, parse_block, parse_properties
from registry.dataverse.importer import import_block, profile_id_of
from registry.errors import CheckFailed, Conflict, RegistryError
from registry.publishing.service import ProfileSubmission, VocabularySubmission
from registry.web import i18n
from registry.web.pages.common import csrf_refusal, error_page, localized_problem, ui, wants_html
from registry.web.pages.community import _page, current_community

router = APIRouter(include_in_schema=False)
MAX_BUNDLES = 4


def colliding_fields(registry, names: set[str], own_profile: str) -> dict[str, str]:
    """Field names of the block that another profile's shapes already use (`dvb:fieldName`)."""
    rows = registry.store.select(
        f"SELECT DISTINCT ?name ?g WHERE {{ GRAPH ?g {{ ?s <{DVB_IRI}fieldName> ?name }} }}")
    own = f"{registry.iris.profile(own_profile)}/"
    return {row["name"].value: row["g"].value for row in rows
            if row["name"].value in names and not row["g"].value.startswith(own)}


def _refusal_page(request: Request, community, t: i18n.Translator, exc: RegistryError) -> Response:
    """The community page saying why the block was refused, in the page's language."""
    if isinstance(exc, BlockFormatError):
        return _page(request, community, status=422, findings=[block_finding(t, p) for p in exc.problems],
                     outcome="refused", problem={"detail": exc.detail})
    if isinstance(exc, CheckFailed):
        return _page(request, community, status=422, findings=exc.extra.get("findings") or [], outcome="refused",
                     problem={"detail": exc.detail})
    return _page(request, community, status=exc.status, problem=localized_problem(t, exc.status, exc.detail, exc.code))


def block_finding(t: i18n.Translator, problem) -> dict:
    """A checker's problem as a finding of the page, in the page's language: where (file, line,
    column and its name) and the rule's sentence; the checker's own English message is kept as the
    original (it names the offending value)."""
    finding = {"severity": problem.severity, "code": problem.rule, "message": str(problem), "focus": None}
    if t.lang == "en":
        return finding
    where = t("dataverse.problem_at", source=problem.source or "", line=problem.line, column=problem.column)
    if problem.column_name:
        where += f" ({problem.column_name})"
    key = f"dataverse.rule.{problem.rule}"
    sentence = t(key) if key in i18n.MESSAGES else t("dataverse.rule.other")
    return {**finding, "messages": {t.lang: f"{where} : {sentence}"}, "original": problem.message}


@router.post(ui("community/dataverse-block"), name="ui_dataverse_block")
async def upload_block(request: Request) -> Response:
    registry = request.app.state.registry
    t = i18n.Translator(i18n.request_language(request))
    form = await request.form(max_files=1 + MAX_BUNDLES, max_fields=10)
    if refusal := csrf_refusal(request, form):
        return error_page(request, 403, t(refusal))
    community = await run_in_threadpool(current_community, request)
    if community is None:
        return _page(request, None, status=401, problem={"detail": t("community.session_expired")})
    version = str(form.get("version") or "1.0.0").strip()
    tsv = form.get("tsv")
    if not isinstance(tsv, UploadFile) or not tsv.filename:
        return await run_in_threadpool(lambda: _page(request, community, status=422, problem={"detail": t("validate.empty")}))
    tsv_bytes = await tsv.read()
    bundles = [(f.filename, await f.read()) for f in form.getlist("properties") if isinstance(f, UploadFile) and f.filename]

    def stage():
        block = parse_block(tsv_bytes, source=tsv.filename)
        text = BlockText(block)
        for name, data in bundles:
            text.bundles[language_of(name, block.name)] = parse_properties(data, source=name)
        pid = profile_id_of(block.name)
        clash = colliding_fields(registry, {f.name for f in block.fields}, pid)
        if clash:
            raise Conflict("field names already used by another profile (Dataverse field names share one "
                           "namespace): " + ", ".join(f"{name} ({graph})" for name, graph in sorted(clash.items())),
                           code="dataverse-field-collision")
        files = import_block(text, community=community.id, namespace=community.namespaces[0], version=version,
                             status="draft", community_name=community.name)
        vocabularies = []
        for path, content in files.items():
            if path.startswith("vocabularies/") and path.endswith(".nt"):
                vid = path.split("/")[1]
                title = tomllib.loads(files[f"vocabularies/{vid}/vocabulary.toml"].decode())["title"]
                vocabularies.append(VocabularySubmission(id=vid, version=version, source=content,
                                                         format=ox.RdfFormat.N_TRIPLES, title=title,
                                                         status="draft", name=path))
        manifest = tomllib.loads(files[f"shapes/{pid}/profile.toml"].decode())
        result = registry.publication.publish_profile(community, ProfileSubmission(
            id=pid, version=version, shapes=files[f"shapes/{pid}/{version}/shapes.ttl"], format=ox.RdfFormat.TURTLE,
            title=manifest["title"], status="draft", vocabularies=vocabularies))
        return pid, block, result

    try:
        pid, block, result = await run_in_threadpool(stage)
    except RegistryError as exc:
        if not wants_html(request):
            raise  # a client asking for JSON gets the problem+json (line, column, rule of each problem)
        return await run_in_threadpool(_refusal_page, request, community, t, exc)
    findings = [f.to_json() for f in result.findings]
    message = t("community.dataverse_draft", block=block.name, id=pid, v=version, n=len(block.fields),
                m=len(result.vocabularies))
    return await run_in_threadpool(lambda: _page(
        request, community, findings=findings, outcome="draft" if result.status == "draft" else "published",
        message=message, draft={"kind": "profile", "id": pid, "version": version}))
