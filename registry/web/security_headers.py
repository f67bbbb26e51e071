"""Security headers (issue 12, item 4), added to responses by one outermost ASGI middleware.

* every response: `X-Content-Type-Options: nosniff` (a body is never sniffed into another type)
  and `Referrer-Policy: same-origin` (no URL of ours leaks to other sites; same-origin form
  POSTs keep their `Origin`, which the CSRF check needs);
* HTML responses (our pages, `/docs`, the SPARQL query page, the linked-data RDF table):
  `Content-Security-Policy` (CSP Level 3) — scripts, styles, fonts, images and fetches from this
  origin only; no inline script and no `javascript:` URLs (no 'unsafe-inline', no nonce: every
  script is a file under /static); `frame-ancestors 'none'` plus `X-Frame-Options: DENY` for
  older browsers (no framing: clickjacking); `form-action 'self'`; `base-uri 'none'`.

The CSP is on HTML only: it governs what a page may load, so JSON, RDF and SPARQL results (which
other sites' scripts fetch cross-origin, with CORS added elsewhere) are unaffected. A header a
route set itself is kept. `img-src` allows `data:` (Swagger UI and YASGUI draw icons with data
URLs in their CSS); nothing else is relaxed.
"""

from __future__ import annotations

#: The two `<style>` elements YASGUI's table (YASR's column resizer, in the vendored
#: static/yasgui/yasgui.min.js 4.6.2) inserts — its base rules and its dragging cursor — allowed by
#: their SHA-256 (CSP3 hash-source), not by 'unsafe-inline'. tests/web/test_csp.py recomputes them
#: from the vendored file, so an upgrade of YASGUI that changes them fails there.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' " + " ".join(YASGUI_STYLE_HASHES),
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
ALL_RESPONSES = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"))
HTML_RESPONSES = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
)


def with_security_headers(headers) -> list[tuple[bytes, bytes]]:
    """A response's header list with the security headers added (those the response did not set
    itself): what this middleware sends. Also used by the `/sparql` lane in front of the
    middleware (`registry.sparql.routes.SparqlFrontLane`), which precomputes its header lists."""
    headers = list(headers)
    present = {name.lower() for name, _ in headers}
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    extra = ALL_RESPONSES + (HTML_RESPONSES if content_type.lower().startswith(b"text/html") else ())
    headers += [(name, value) for name, value in extra if name not in present]
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI (no body buffering: streamed results stay streamed)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(message.get("headers", []))}
            await send(message)

        return await self.app(scope, receive, send_with_headers)
