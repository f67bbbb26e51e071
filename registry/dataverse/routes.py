"""HTTP: a profile version's Dataverse block, `GET /profiles/{id}/versions/{v}/dataverse/{file}`
(`block.tsv`, `block.properties`, `block_fr.properties`, `cvoc.json`, `report.txt`) and
`GET /profiles/{id}/versions/{v}/dataverse` (the list of files and the four admin API calls).

Published versions are immutable, so each export is made once per process and kept (a small LRU in
the feature `registry.features["dataverse"]`).
"""

from __future__ import annotations


from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from registry.dataverse.export import FILES, BlockExport, admin_calls, export_block
from registry.features import Feature
from registry.lru import Lru
from registry.web.deps import IdPath, RegistryDep, VersionPath

MEDIA = {
    "block.tsv": "text/tab-separated-values; charset=utf-8",
    "block.properties": "text/plain; charset=utf-8",
    "block_fr.properties": "text/plain; charset=utf-8",
    "cvoc.json": "application/json",
    "report.txt": "text/plain; charset=utf-8",
}
CACHE_SIZE = 32


class ExportCache(Feature):
    def __init__(self) -> None:
        self.items: Lru[tuple[str, str], BlockExport] = Lru(CACHE_SIZE)

    def get(self, registry, pid: str, version: str) -> BlockExport:
        exported = self.items.get((pid, version))
        if exported is None:
            exported = self.items.put((pid, version), export_block(registry, pid, version))
        return exported


def exports(registry) -> ExportCache:
    return registry.feature("dataverse", lambda _: ExportCache())


def install_info(registry, pid: str, version: str) -> dict:
    """What the profile page shows under "Install in Dataverse": the files and the admin calls, or
    why there is no block (e.g. the profile is Dataverse's own citation block)."""
    from registry.errors import RegistryError

    try:
        exported = exports(registry).get(registry, pid, version)
    except RegistryError as error:
        return {"block": None, "reason": error.detail}
    return {"block": exported.block.name,
            "files": [(generic, exported.file(generic)[0]) for generic in FILES],
            "calls": admin_calls(exported.block.name)}


router = APIRouter(tags=["dataverse"])


@router.get("/profiles/{sid}/versions/{version}/dataverse", summary="Dataverse block files of a profile version",
            name="get_profile_dataverse")
def dataverse_index(sid: IdPath, version: VersionPath, request: Request, registry: RegistryDep) -> JSONResponse:
    info = registry.catalog.version("profile", sid, version, include_drafts=False)
    exported = exports(registry).get(registry, sid, info.version)
    base = str(request.base_url).rstrip("/")
    return JSONResponse({
        "profile": sid, "version": info.version, "block": exported.block.name,
        "files": {generic: {"name": exported.file(generic)[0],
                            "url": f"{base}/profiles/{sid}/versions/{info.version}/dataverse/{generic}"}
                  for generic in FILES},
        "admin_calls": [{"what": what, "command": call} for what, call in admin_calls(exported.block.name)],
    })


@router.get("/profiles/{sid}/versions/{version}/dataverse/{name}",
            summary="One Dataverse file of a profile version: block.tsv, block.properties, block_fr.properties, "
                    "cvoc.json, report.txt", name="get_profile_dataverse_file")
def dataverse_file(sid: IdPath, version: VersionPath, name: str, registry: RegistryDep) -> Response:
    if name not in FILES:
        from registry.errors import NotFound

        raise NotFound(f"no Dataverse file {name!r} (one of {', '.join(FILES)})", code="dataverse-file-not-found")
    info = registry.catalog.version("profile", sid, version, include_drafts=False)
    filename, text = exports(registry).get(registry, sid, info.version).file(name)
    return Response(text.encode("utf-8"), media_type=MEDIA[name],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def install(app: FastAPI, settings) -> None:
    from registry.dataverse import pages

    app.include_router(router)
    app.include_router(pages.router)
