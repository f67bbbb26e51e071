"""`/sparql`: the SPARQL 1.1 Protocol endpoint, its service description and query page.

The endpoint is a plain Starlette route (no FastAPI dependency resolution on the hot path); it
still answers every error as application/problem+json, with CORS headers so that browsers on
other sites can read the error too.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from registry.errors import NotFound, RegistryError
from registry.conneg import negotiate_rdf, prefers_html, requested_media
from registry.errors import NotAcceptable
from registry.namespaces import PREFIXES
from registry.sparql.description import service_description
from registry.sparql.page import query_page
from registry.sparql.protocol import (
    ProtocolError,
    _collect,
    build_request,
    choose_format,
    parse_media_type,
    query_parameters,
    read_post_body,
)
from registry.sparql.service import SparqlService
from registry.web.cors import with_public_read_cors
from registry.web.errors import problem_from
from registry.web.security_headers import with_security_headers

STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static" / "yasgui"
STATIC_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css",
                "sparql-page.js": "text/javascript", "sparql-page.css": "text/css"}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Retry-After, Link, Content-Profile",
}
PREFLIGHT = CORS | {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, Accept-Profile",
    "Access-Control-Max-Age": "86400",
}
ALLOW = "GET, HEAD, POST, OPTIONS"


def get_service(request: Request) -> SparqlService:
    """The process's SPARQL service (the feature "sparql"), made and started (workers warmed) on
    the first query; call from the event loop."""
    return request.app.state.registry.feature("sparql", lambda registry: SparqlService(registry, registry.settings))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _problem(exc: RegistryError) -> Response:
    response = problem_from(exc)
    response.headers.update(CORS)
    if exc.status == 405:
        response.headers["Allow"] = ALLOW
    return response


class MethodNotAllowed(RegistryError):
    status = 405
    code = "method-not-allowed"
    title = "Method not allowed"


async def sparql_endpoint(request: Request) -> Response:
    method = request.method
    if method == "OPTIONS":
        return Response(status_code=204, headers=PREFLIGHT | {"Allow": ALLOW})
    try:
        if method in ("GET", "HEAD"):
            params = query_parameters(request.scope.get("query_string", b""))
            if not params or set(params) <= {"_mediatype"}:
                return await describe(request)
            query_request = build_request(params)
        elif method == "POST":
            body = await request.body()
            url_params = _collect(parse_qsl(request.url.query, keep_blank_values=True))
            media, _ = parse_media_type(request.headers.get("content-type"))
            query_request = read_post_body(request.headers.get("content-type"), body)
            if media == "application/sparql-query":
                query_request = build_request(url_params, direct_query=query_request.query)
            else:
                if "query" in url_params and query_request.query is not None:
                    raise ProtocolError("the query is given twice (URL and body)", code="query-twice")
                for name in ("default-graph-uri", "named-graph-uri"):
                    if name in url_params:
                        query_request.params.setdefault(name, []).extend(url_params[name])
                query_request = build_request(query_request.params | {k: v for k, v in url_params.items() if k == "query"})
        else:
            raise MethodNotAllowed(f"{method} is not allowed on the SPARQL endpoint; use GET or POST")
        if query_request.query is None:
            raise ProtocolError("the request has no query parameter", code="query-missing")
        service = get_service(request)
        accept = request.headers.get("accept")
        checked = service.guard.check(query_request.query)
        if request.url.path == LATEST_PATH:
            query_request.default_graphs = query_request.named_graphs = await _latest_dataset(request, query_request, checked)
        kind, media_type, fmt = choose_format(accept, checked.form)
        body = service.cached(checked.text, query_request.default_graphs, query_request.named_graphs, fmt)
        if body is None:
            body = await service.answer(
                checked, query_request.default_graphs, query_request.named_graphs, kind, fmt, _client(request)
            )
        return Response(body, media_type=media_type, headers=CORS | {"Vary": "Accept"})
    except RegistryError as exc:
        return _problem(exc)


LATEST_PATH = "/sparql/latest"


async def _latest_dataset(request: Request, query_request, checked) -> list[str]:
    """`/sparql/latest` (issue 17): the same endpoint over the latest published version of every
    series (`EvolutionService.latest_graphs`), as default graph (their union) and named graphs."""
    if query_request.default_graphs or query_request.named_graphs or checked.has_dataset:
        raise ProtocolError(
            "the dataset of /sparql/latest is fixed (the latest published versions); to choose graphs "
            "(default-graph-uri, named-graph-uri, FROM), query /sparql", code="dataset-fixed",
        )
    from registry.evolution.service import evolution

    return await anyio.to_thread.run_sync(evolution(request.app.state.registry).latest_graphs)


async def describe(request: Request) -> Response:
    """A plain GET: the service description (RDF), or the query page for a browser."""
    registry = request.app.state.registry
    service = get_service(request)
    accept = requested_media(request)
    if prefers_html(accept):
        html = query_page(registry.iris.sparql.replace(registry.iris.base, "/", 1), "/static/yasgui/", service.options)
        return HTMLResponse(html, headers=CORS | {"Vary": "Accept"})
    chosen = negotiate_rdf(accept)
    if chosen is None:
        raise NotAcceptable("the service description is available as " + ", ".join(
            ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "text/html"]
        ))
    media_type, fmt = chosen
    graphs = await anyio.to_thread.run_sync(registry.catalog.public_graphs)
    triples = service_description(registry.iris.sparql, graphs, service.options)
    from registry.linkeddata.rdfout import serialize_quads

    return Response(serialize_quads(triples, fmt, prefixes=PREFIXES | {"sd": "http://www.w3.org/ns/sparql-service-description#"}),
                    media_type=media_type, headers=CORS | {"Vary": "Accept"})


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC_FILES or not (STATIC_DIR / name).is_file():
        return _problem(NotFound(f"no static file {name!r}"))
    return FileResponse(
        STATIC_DIR / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "public, max-age=86400"}
    )


class SparqlShortcut:
    """ASGI middleware in front of the app: `/sparql` goes straight to the endpoint (through the
    same body limit), skipping the other middleware and the router's walk over every API route.
    Errors are answered by the endpoint itself (problem+json with CORS). A plain GET query does
    not get here: `SparqlFrontLane` answers it before the middleware stack."""

    def __init__(self, app, *, default_limit: int, large_limit: int):
        from starlette.routing import request_response

        from registry.web.limits import BodyLimitMiddleware

        self.app = app
        self.endpoint = BodyLimitMiddleware(
            request_response(sparql_endpoint), default_limit=default_limit, large_limit=large_limit
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in ("/sparql", LATEST_PATH):
            return await self.endpoint(scope, receive, send)
        return await self.app(scope, receive, send)


def _public_read_headers(headers) -> list[tuple[bytes, bytes]]:
    """What the middleware outside the endpoint makes of its response headers (CORS of a public
    read, then the security headers: `registry.web.app.create_app`'s order), for the front lane."""
    return with_security_headers(with_public_read_cors(headers))


_RESPONSE_HEADERS: dict[str, list[tuple[bytes, bytes]]] = {}


def _response_headers(media_type: str, length: int) -> list[tuple[bytes, bytes]]:
    """What the whole app sends for `Response(body, media_type=…, headers=CORS | {"Vary": "Accept"})`
    of the endpoint (the middleware's CORS and security headers added), precomputed."""
    fixed = _RESPONSE_HEADERS.get(media_type)
    if fixed is None:
        content_type = media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")
        own = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (CORS | {"Vary": "Accept"}).items()]
        own.append((b"content-type", content_type.encode("latin-1")))
        fixed = _RESPONSE_HEADERS[media_type] = _public_read_headers(own)
    return [(b"content-length", str(length).encode("ascii")), *fixed]


class SparqlFrontLane:
    """A GET query on /sparql, answered in plain ASGI before the middleware stack
    (`RegistryAPI.front_lanes`): no Request / Response objects, no exception wrappers, no
    middleware layers, which were a good part of a cheap query's cost (benchmarks/sparql.py).
    The same steps and the same answer as `sparql_endpoint` behind the middleware: the headers the
    middleware adds (CORS, security) are added here by the same functions, precomputed per media
    type; a problem (4xx/5xx) is the endpoint's, with the same headers; an unexpected exception is
    answered 500 and raised again, as Starlette's ServerErrorMiddleware does. Returns False,
    having sent nothing, for anything else (HEAD, a body, the service description, the first
    query, which makes the service): the whole stack answers it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> bool:
        if scope["method"] != "GET" or scope["path"] != "/sparql":
            return False
        raw = scope.get("query_string", b"")
        if not raw:
            return False
        accept = None
        for name, value in scope["headers"]:
            if name in (b"content-length", b"content-encoding", b"transfer-encoding"):
                return False  # a GET with a body: the body limits of the full path apply
            if name == b"accept" and accept is None:
                accept = value.decode("latin-1")
        registry = getattr(self.app.state, "registry", None)
        service = registry.features.get("sparql") if registry is not None else None
        if service is None:
            return False  # the first query makes the service (get_service); an app not started answers as before
        started = False
        try:
            query_request = build_request(query_parameters(raw))
            if not query_request.params or query_request.params.keys() <= {"_mediatype"}:
                return False  # the service description
            if query_request.query is None:
                raise ProtocolError("the request has no query parameter", code="query-missing")
            checked = service.guard.check(query_request.query)
            kind, media_type, fmt = choose_format(accept, checked.form)
            body = service.cached(checked.text, query_request.default_graphs, query_request.named_graphs, fmt)
            if body is None:
                client = scope.get("client")
                body = await service.answer(
                    checked, query_request.default_graphs, query_request.named_graphs, kind, fmt,
                    client[0] if client else "unknown",
                )
            started = True
            await send({"type": "http.response.start", "status": 200, "headers": _response_headers(media_type, len(body))})
            await send({"type": "http.response.body", "body": body})
        except RegistryError as exc:
            await _problem(exc)(scope, receive, _public_read_send(send))
        except Exception:
            if not started:
                await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        return True


def _public_read_send(send):
    async def send_public_read(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": _public_read_headers(message.get("headers", []))}
        await send(message)

    return send_public_read


def install(app, settings) -> None:
    app.front_lanes.append(SparqlFrontLane(app))
    app.add_middleware(
        SparqlShortcut, default_limit=settings.max_body_bytes, large_limit=settings.max_vocabulary_bytes
    )
    for path in ("/sparql", LATEST_PATH):
        app.router.add_route(
            path, sparql_endpoint, methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"], include_in_schema=False
        )
    app.router.add_route("/static/yasgui/{name}", static_file, methods=["GET", "HEAD"], include_in_schema=False)
