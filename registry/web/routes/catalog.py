"""Reads: communities, profiles, vocabularies, versions and their artifacts."""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from registry.errors import NotFound
from registry.web.deps import IdPath, RegistryDep, VersionPath
from registry.web.responses import rdf_response, wants_rdf

router = APIRouter(tags=["catalog"])


@router.get("/communities", summary="List communities")
def list_communities(registry: RegistryDep) -> list[dict]:
    return [c.to_json() for c in registry.catalog.communities()]


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

    @router.get(f"/{plural}/{{sid}}/versions", summary=f"Versions of a {kind}", name=f"list_{kind}_versions")
    def list_versions(sid: IdPath, registry: RegistryDep) -> list[dict]:
        versions = [v for v in registry.catalog.versions(kind, sid) if v.public]
        if not versions:
            raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")
        return [v.to_json() for v in versions]

    @router.get(
        f"/{plural}/{{sid}}/versions/{{version}}",
        summary=f"One {kind} version: JSON, or its PROF/DCAT description in RDF by Accept",
        name=f"get_{kind}_version",
    )
    def get_version(sid: IdPath, version: VersionPath, request: Request, registry: RegistryDep) -> Response:
        info = registry.catalog.version(kind, sid, version, include_drafts=False)
        if wants_rdf(request):
            return rdf_response(request, registry.store.triples(info.iri))
        return JSONResponse(info.to_json())

    @router.get(
        f"/{plural}/{{sid}}/versions/{{version}}/{artifact}",
        summary=f"The {artifact} graph of a {kind} version, in any RDF syntax by Accept",
        name=f"get_{kind}_{artifact}",
    )
    def get_artifact(sid: IdPath, version: VersionPath, request: Request, registry: RegistryDep) -> Response:
        info = registry.catalog.version(kind, sid, version, include_drafts=False)
        if info.graph is None:  # never the whole store for a version that lost its graph
            raise NotFound(f"{kind} {sid} {version} has no {artifact} graph")
        return rdf_response(request, registry.store.triples(info.graph))


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
