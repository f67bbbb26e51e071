"""`/docs` (Swagger UI) served from this process, and `/favicon.ico` (issue 12, item 13).

FastAPI's own `/docs` loads Swagger UI from a CDN (a blank page offline, and a CSP violation) and
starts it with an inline script. Here the Swagger UI assets come from the `fastapi-offline`
package (pinned in pyproject.toml; it ships Swagger UI 5's `swagger-ui-bundle.js` and
`swagger-ui.css`, which render OpenAPI 3.1 — the PyPI `swagger-ui-bundle` ships Swagger UI 4,
which cannot), only the two files named below are served, and the start-up script is a file
(`/static/js/swagger-init.js`) reading the schema URL from a data attribute, so the page works
under the strict CSP of `registry.web.security_headers`. `/redoc` is disabled (ReDoc needs inline
styles and blob: workers). The validator badge, which would call validator.swagger.io, is off.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse

from registry.errors import NotFound
from registry.web.pages.common import STATIC

SWAGGER_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
SWAGGER_PREFIX = "/static/swagger-ui/"
FAVICON = STATIC / "favicon.ico"
CACHE = {"Cache-Control": "public, max-age=86400"}


def swagger_dir():
    return files("fastapi_offline") / "static"


def install(app: FastAPI) -> None:
    """Before the `/static` mount of the pages, so that the Swagger assets' route is matched first."""

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(app.title)} — API</title>
<link rel="stylesheet" href="{root}{SWAGGER_PREFIX}swagger-ui.css">
<link rel="icon" href="{root}/favicon.ico">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(root + app.openapi_url, quote=True)}"></div>
<script src="{root}{SWAGGER_PREFIX}swagger-ui-bundle.js"></script>
<script src="{root}/static/js/swagger-init.js"></script>
</body>
</html>
""")

    @app.get(SWAGGER_PREFIX + "{name}", include_in_schema=False)
    def swagger_asset(name: str) -> FileResponse:
        if name not in SWAGGER_ASSETS:
            raise NotFound(f"no Swagger UI file {name!r}")
        return FileResponse(str(swagger_dir() / name), media_type=SWAGGER_ASSETS[name], headers=CACHE)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/vnd.microsoft.icon", headers=CACHE)
