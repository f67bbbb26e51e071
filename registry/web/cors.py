"""Cross-origin reads (issue 13, item 5): the public read API answers any origin, so that a page of
another site (a Dataverse deposit form running `skosmos.js`, a SPARQL client) can use it.

Fetch standard, "CORS protocol" (https://fetch.spec.whatwg.org/#http-cors-protocol):

* a public read — GET or HEAD anywhere but the web pages and the community area (`/ui/...`), and
  POST on `/sparql` and `/sparql/latest` (SPARQL 1.1 Protocol §2.1.2/§2.1.3: a query by POST is
  still a read) and on `/reconcile[/{vid}]` (reconciliation queries) — gets
  `Access-Control-Allow-Origin: *`, and a preflight (`OPTIONS` with `Access-Control-Request-Method`)
  for it is answered 204 with the allowed methods and headers;
* never `Access-Control-Allow-Credentials`: with `*` a browser sends no cookie and may not send
  `Authorization` (it is not in the allowed headers), so a cross-origin page can only read what is
  public anyway;
* writes (PUT, PATCH, DELETE, other POSTs) and the community area never get a CORS header: their
  preflight is passed to the app (405/404, without CORS headers), so a browser refuses to send them.

One pure ASGI middleware, registered in `registry.web.app.create_app`.
"""

from __future__ import annotations

import re

READ_METHODS = ("GET", "HEAD")
# POST paths that are reads: SPARQL queries (/sparql, /sparql/latest) and W3C reconciliation
# queries (/reconcile, /reconcile/{vid}: the Reconciliation API 0.2 sends `queries` by POST).
CROSS_ORIGIN_POST = re.compile(r"/sparql(/latest)?|/reconcile(/[a-z0-9-]+)?")
NOT_CROSS_ORIGIN = ("/ui",)  # HTML pages and the community area (cookies, CSRF tokens)
ALLOWED_HEADERS = ("accept", "accept-language", "content-language", "content-type")
EXPOSED_HEADERS = "Content-Disposition, Content-Location, Link, Location, Retry-After"
MAX_AGE = "600"


def public_read(method: str, path: str) -> bool:
    if any(path == prefix or path.startswith(prefix + "/") for prefix in NOT_CROSS_ORIGIN):
        return False
    if method in READ_METHODS:
        return True
    return method == "POST" and CROSS_ORIGIN_POST.fullmatch(path) is not None


def with_public_read_cors(headers) -> list[tuple[bytes, bytes]]:
    """The header list of a public read's response with its CORS headers: a response's own
    `Access-Control-Allow-Origin` / `-Allow-Credentials` replaced by `*` and the exposed headers.
    What `PublicReadCors` sends; also used by the `/sparql` lane in front of the middleware
    (`registry.sparql.routes.SparqlFrontLane`), which precomputes its header lists."""
    out = [(k, v) for k, v in headers if k.lower() not in (b"access-control-allow-origin", b"access-control-allow-credentials")]
    out.append((b"access-control-allow-origin", b"*"))
    out.append((b"access-control-expose-headers", EXPOSED_HEADERS.encode()))
    return out


class PublicReadCors:
    """ASGI middleware adding the CORS headers of public reads (see the module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        requested = headers.get(b"access-control-request-method")
        if method == "OPTIONS" and b"origin" in headers and requested is not None:
            wanted = requested.decode("latin-1").strip().upper()
            if public_read(wanted, path):
                methods = "GET, HEAD, POST" if CROSS_ORIGIN_POST.fullmatch(path) else "GET, HEAD"
                asked = [h.strip().lower() for h in headers.get(b"access-control-request-headers", b"")
                         .decode("latin-1").split(",") if h.strip()]
                allowed = ", ".join(h for h in asked if h in ALLOWED_HEADERS) or ", ".join(ALLOWED_HEADERS)
                await send({"type": "http.response.start", "status": 204, "headers": [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", methods.encode()),
                    (b"access-control-allow-headers", allowed.encode()),
                    (b"access-control-max-age", MAX_AGE.encode()),
                    (b"content-length", b"0"),
                ]})
                await send({"type": "http.response.body", "body": b""})
                return
            await self.app(scope, receive, send)
            return
        if not public_read(method, path):
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_public_read_cors(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, send_with_cors)
