"""A "check before deposit" button in Dataverse (issue 14, item 5): an external tool per profile.

* `GET /profiles/{id}/dataverse/external-tool.json`: the manifest an admin loads with
  `curl -X POST -H 'Content-type: application/json' --upload-file manifest.json
  $DATAVERSE/api/admin/externalTools` (Dataverse guide, "External Tools": dataset scope, type
  `explore`, `toolParameters.queryParameters` with the reserved words `{siteUrl}`,
  `{datasetPid}`, `{datasetId}`, `{datasetVersion}`, `{localeCode}`, and one `allowedApiCalls`
  entry, `getDatasetVersionMetadata`, so that drafts are read through a signed URL).
* `GET /dataverse/check/{id}`: the tool's page. It runs in the user's browser
  (static/js/dataverse-check.js): it reads the signed `callback` Dataverse passes (base64 of a
  signed URL answering `{"data": {"queryParameters": ..., "signedUrls": [...]}}`), or `siteUrl`
  + `datasetPid` + `datasetVersion` for a published dataset, fetches the dataset version JSON
  from the Dataverse site itself, posts it to `/validate?profile={id}&lang={localeCode}` and shows
  the report. The registry server never fetches anything from Dataverse.

The page's Content-Security-Policy is the site's, with `connect-src` widened to exactly one more
origin: the Dataverse site named by `siteUrl` or by the callback URL (http/https only), so the
page can read from that site and nowhere else.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from registry.errors import NotFound
from registry.web.deps import IdPath, RegistryDep

router = APIRouter(tags=["dataverse"])
CALL_NAME = "getDatasetVersionMetadata"


def manifest(registry, pid: str) -> dict:
    """The external-tool manifest of profile `pid` (latest published version's title)."""
    info = registry.catalog.version("profile", pid, None, include_drafts=False)
    if not info.public:
        raise NotFound(f"profile {pid!r} has no published version", code="version-not-found")
    titles = getattr(info, "title", None) or {}
    title = titles.get("en") if isinstance(titles, dict) else None
    base = registry.iris.base
    return {
        "displayName": f"Check against {title or pid}",
        "description": f"Validate this dataset's metadata against the profile '{pid}' of the registry {base} "
                       "before deposit: every error at once, with the field and its place in the JSON.",
        "toolName": f"registry-check-{pid}",
        "scope": "dataset",
        "types": ["explore"],
        "toolUrl": f"{base}dataverse/check/{pid}",
        "toolParameters": {
            "queryParameters": [
                {"siteUrl": "{siteUrl}"},
                {"datasetPid": "{datasetPid}"},
                {"datasetId": "{datasetId}"},
                {"datasetVersion": "{datasetVersion}"},
                {"localeCode": "{localeCode}"},
            ]
        },
        "allowedApiCalls": [
            {"name": CALL_NAME, "httpMethod": "GET",
             "urlTemplate": "/api/v1/datasets/{datasetId}/versions/{datasetVersion}", "timeOut": 10}
        ],
    }


@router.get("/profiles/{pid}/dataverse/external-tool.json",
            summary="Dataverse external-tool manifest: 'Check against this profile' on dataset pages")
def external_tool(pid: IdPath, registry: RegistryDep) -> JSONResponse:
    return JSONResponse(manifest(registry, pid))


def dataverse_origin(request: Request) -> str | None:
    """The Dataverse site the page will read from: the origin of `siteUrl`, else of the signed
    callback URL (base64). Only http(s) origins with a plain host[:port]."""
    candidates = [request.query_params.get("siteUrl")]
    callback = request.query_params.get("callback")
    if callback:
        try:
            candidates.append(base64.b64decode(callback + "=" * (-len(callback) % 4), validate=False).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    for url in candidates:
        if not url:
            continue
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            continue
        host = parts.hostname or ""
        if parts.scheme in ("http", "https") and host and all(c.isalnum() or c in ".-[]:" for c in host):
            return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return None


@router.get("/dataverse/check/{pid}", include_in_schema=False)
def check_page(pid: IdPath, request: Request, registry: RegistryDep) -> HTMLResponse:
    from registry.web.pages.common import render
    from registry.web.security_headers import CONTENT_SECURITY_POLICY

    registry.catalog.version("profile", pid, None, include_drafts=False)  # 404 for an unknown profile
    response = render(request, "dataverse_check.html", profile=pid)
    origin = dataverse_origin(request)
    csp = CONTENT_SECURITY_POLICY
    if origin:
        csp = csp.replace("connect-src 'self'", f"connect-src 'self' {origin}")
    response.headers["Content-Security-Policy"] = csp
    return response


def install(app: FastAPI, settings) -> None:
    app.include_router(router)
