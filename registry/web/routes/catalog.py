"""Reads: communities, profiles, vocabularies, versions and their artifacts."""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from registry.catalog import VersionInfo
from registry.errors import NotFound
from registry.web.deps import IdPath, ReaderDep, RegistryDep, VersionPath
from registry.web.responses import rdf_response, wants_rdf

router = APIRouter(tags=["catalog"])


@router.get("/communities", summary="List communities", response_model=list[dict])
def list_communities(request: Request, registry: RegistryDep) -> Response:
    """JSON; a browser (HTML preferred in its Accept header) gets the communities page."""
    from registry.conneg import prefers_html

    if prefers_html(request.headers.get("accept")):
        from registry.web.pages import render_resource_page

        page = render_resource_page(request, "communities")
        page.headers["Vary"] = "Accept, Accept-Language, Cookie"
        return page
    return JSONResponse([c.to_json() for c in registry.catalog.communities()], headers={"Vary": "Accept"})


@router.get("/communities/{cid}", summary="One community")
def get_community(cid: IdPath, registry: RegistryDep) -> dict:
    community = registry.catalog.community(cid)
    out = community.to_json()
    out["profiles"] = [p["id"] for p in registry.catalog.summaries("profile") if p["community"] == cid]
    out["vocabularies"] = [v["id"] for v in registry.catalog.summaries("vocabulary") if v["community"] == cid]
    return out


def _kind_routes(kind: str, plural: str, artifact: str) -> None:
    @router.get(f"/{plural}", summary=f"List {plural}", name=f"list_{plural}")
    def list_series(registry: RegistryDep) -> list[dict]:
        return registry.catalog.summaries(kind)

    @router.get(f"/{plural}/{{sid}}", summary=f"One {kind} with its versions", name=f"get_{kind}")
    def get_series(sid: IdPath, registry: RegistryDep) -> dict:
        for summary in registry.catalog.summaries(kind):
            if summary["id"] == sid:
                return summary
        raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")

    def owner_reads(registry, sid: str, reader) -> bool:
        return reader is not None and registry.catalog.series_community(kind, sid) == reader.iri

    def visible_version(sid: IdPath, version: VersionPath, registry: RegistryDep, reader: ReaderDep) -> VersionInfo:
        """The version the path names; a draft for its owner only (anyone else: 404, as for no version)."""
        return registry.catalog.version(kind, sid, version, include_drafts=owner_reads(registry, sid, reader))

    def private_if_draft(response: Response, info) -> Response:
        if not info.public:  # a draft is answered to its owner only: never cached for others
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Authorization"]))
        return response

    @router.get(f"/{plural}/{{sid}}/versions", summary=f"Versions of a {kind}", name=f"list_{kind}_versions")
    def list_versions(sid: IdPath, registry: RegistryDep, reader: ReaderDep) -> list[dict]:
        drafts = owner_reads(registry, sid, reader)
        versions = [v for v in registry.catalog.versions(kind, sid) if v.public or drafts]
        if not versions:
            raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")
        return [v.to_json() for v in versions]

    @router.get(
        f"/{plural}/{{sid}}/versions/{{version}}",
        summary=f"One {kind} version: JSON, or its PROF/DCAT description in RDF by Accept",
        name=f"get_{kind}_version",
    )
    def get_version(request: Request, registry: RegistryDep, info: VersionInfo = Depends(visible_version)) -> Response:
        if wants_rdf(request):
            return private_if_draft(rdf_response(request, registry.store.triples(info.iri)), info)
        return private_if_draft(JSONResponse(info.to_json()), info)

    @router.get(
        f"/{plural}/{{sid}}/versions/{{version}}/{artifact}",
        summary=f"The {artifact} graph of a {kind} version, in any RDF syntax by Accept",
        name=f"get_{kind}_{artifact}",
    )
    def get_artifact(request: Request, registry: RegistryDep, info: VersionInfo = Depends(visible_version)) -> Response:
        if info.graph is None:  # never the whole store for a version that lost its graph
            raise NotFound(f"{kind} {info.id} {info.version} has no {artifact} graph")
        return private_if_draft(rdf_response(request, registry.store.triples(info.graph)), info)


_kind_routes("profile", "profiles", "shapes")
_kind_routes("vocabulary", "vocabularies", "concepts")


@router.get(
    "/profiles/{sid}/versions/{version}/context",
    summary="The JSON-LD context of a profile version",
    name="get_profile_context",
)
def get_context(sid: IdPath, version: VersionPath, registry: RegistryDep) -> Response:
    info = registry.catalog.version("profile", sid, version, include_drafts=False)
    if not info.context_graph:
        raise NotFound(f"profile {sid} {version} has no JSON-LD context", code="context-not-found")
    for triple in registry.store.triples(info.context_graph):
        if isinstance(triple.object, ox.Literal):
            return Response(triple.object.value, media_type="application/ld+json")
    raise NotFound(f"profile {sid} {version} has no JSON-LD context", code="context-not-found")


def context_document(registry, pid: str, version: str | None) -> dict | None:
    """The parsed JSON-LD context of a profile version (used by validation of plain JSON)."""
    info = registry.catalog.version("profile", pid, version, include_drafts=False)
    if not info.context_graph:
        return None
    for triple in registry.store.triples(info.context_graph):
        if isinstance(triple.object, ox.Literal):
            return json.loads(triple.object.value)
    return None
