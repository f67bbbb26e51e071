"""The app factory. `create_app(settings)` builds everything; nothing is global."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

import registry
from registry.config import Settings
from registry.features import WEB_FEATURES, feature_modules
from registry.services import Registry
from registry.store.base import RegistryStore
from registry.web import api_docs
from registry.web.cors import PublicReadCors
from registry.web.errors import install_error_handlers
from registry.web.head import HeadAsGetMiddleware
from registry.web.limits import BodyLimitMiddleware
from registry.web.route_index import RouteIndex
from registry.web.routes import catalog, publish
from registry.web.security_headers import SecurityHeadersMiddleware

log = logging.getLogger("registry")


class RegistryAPI(FastAPI):
    """FastAPI, with the routes of an included router put in the app's own route list.

    FastAPI (0.165) keeps an included router as one route that walks its routes on every request,
    twice (to match, then to handle), with scope bookkeeping for each route it tries: in-process,
    a 404 took 377 µs and a search 504 µs, against 70 µs and 405 µs with the routes in one list
    and `RouteIndex` (load ~10; benchmarks/vocab.py measures it over HTTP). The routes of a
    router included as it is (no prefix, tags, dependencies or other options: every `install`
    here) are the same routes, in the same order, matched once; anything else is left to
    FastAPI."""

    #: handlers tried before the whole middleware stack (FastAPI's and the registry's), in order:
    #: each `await lane(scope, receive, send)` answers an HTTP request and returns True, or returns
    #: False having sent nothing. A lane sends what the stack would have sent (security and CORS
    #: headers included); the only one is `registry.sparql.routes.SparqlFrontLane`, a GET query on
    #: /sparql, for which the stack's layers were ~1/5 of a cheap lookup's Python time.
    front_lanes: list[Callable[[dict, Any, Any], Awaitable[bool]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.front_lanes = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            for lane in self.front_lanes:
                if await lane(scope, receive, send):
                    return
        await super().__call__(scope, receive, send)

    def include_router(self, router: APIRouter, **options: Any) -> None:  # type: ignore[override]
        if options or router.on_startup or router.on_shutdown or type(router.lifespan_context) is not _PLAIN_LIFESPAN:
            super().include_router(router, **options)
            return
        self.router.routes.extend(router.routes)


_PLAIN_LIFESPAN = type(APIRouter().lifespan_context)  # what a router made without a lifespan has


def create_app(settings: Settings | None = None, *, store: RegistryStore | None = None,
               settle_garbage: bool = False) -> FastAPI:
    """Build the API. `store` lets a caller (tests, the CLI) hand over an opened store.
    `settle_garbage` (the servers of `registry serve`, registry/serving.py): one full collection
    of Python's cyclic garbage collector once started, before the server accepts connections.
    Starting the registry allocates and drops millions of objects (the catalog, the routes, the
    warm-up's answers), and the collection they called for ran in the first requests after a
    restart: at 1M triples, the first search took 12.8 ms, 6.4 ms with the collection done at
    start-up (median of 4 restarts each, load ~5; the next searches 2.4-4.4 ms). Off elsewhere:
    in a test process, which starts hundreds of apps among millions of objects, each full
    collection would cost more than it saves."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        services = Registry.build(settings, store)
        owns_store = store is None  # a store handed over (tests, the CLI) stays open for its owner
        try:
            for name, factory in app.state.startup_features.items():
                services.feature(name, factory)
            services.start()  # a feature that fails to start stops the app (raised, not logged)
        except BaseException:
            services.close(close_store=owns_store)
            raise
        app.state.registry = services
        app.state.warmed_up = await warm_up(app)
        if settle_garbage:
            gc.collect()
        try:
            yield
        finally:
            services.close(close_store=owns_store)  # every feature closed once, on both paths

    app = RegistryAPI(
        title="Research metadata profile registry",
        version=registry.__version__,
        description="Profiles (SHACL + SKOS, described with W3C PROF and DCAT): publish, validate, query.",
        lifespan=lifespan,
        docs_url=None,  # served by registry.web.api_docs, without a CDN (issue 12)
        redoc_url=None,
    )
    app.state.settings = settings
    #: features made before the registry starts (feature name → factory), added by `install`s
    app.state.startup_features = {}
    #: paths to request once before serving (`warm_up`): functions of the started registry
    app.state.warm_up = []
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, default_limit=settings.max_body_bytes, large_limit=settings.max_vocabulary_bytes
    )
    app.include_router(catalog.router)
    app.include_router(publish.router)
    api_docs.install(app)
    for extension in _extensions():
        extension(app, settings)
    # Cross-origin reads (issue 13): every answer of a public read, errors and 413s included, and
    # the 204 answer of its preflight (which also gets the security headers, being inside them).
    app.add_middleware(PublicReadCors)
    app.add_middleware(SecurityHeadersMiddleware)  # last added = outermost: every response, /sparql included
    app.add_middleware(HeadAsGetMiddleware)  # outermost: HEAD runs as GET everywhere, the content dropped
    if app.router.middleware_stack == app.router.app:  # no router-level middleware to keep in front
        app.router.middleware_stack = RouteIndex(app.router)  # the walk over the routes of the path's first segment
    return app


def _extensions():
    """Routers of the feature modules listed in `registry.features.WEB_FEATURES`
    (validation, SPARQL, vocabulary services, linked data, web pages): each `install(app, settings)`."""
    for module in feature_modules(WEB_FEATURES):
        yield module.install


WARM_UP_404 = "/.well-known/registry-route-warm-up"  # a path no route serves


async def warm_up(app: FastAPI) -> list[tuple[str, int]]:
    """Answer a few requests in the process, through the whole app, before the server accepts
    connections (issue 16: the first search after a restart as fast as any other), and return
    (path, status) of each. What a first request pays for is set up lazily: FastAPI builds a
    route's context on its first request and the routes of an included router on the first walk
    over them, the threadpool starts its first thread, the vocabulary service reads the catalog.
    A path no route serves walks every route; the features add theirs (`app.state.warm_up`:
    functions of the started registry giving paths, e.g. a search on a vocabulary whose index is
    open). A warm-up that fails is logged, never fatal: the request it stood for will pay."""
    paths = [WARM_UP_404]
    for source in app.state.warm_up:
        try:  # a source reads the store (e.g. the vocabularies): a store that fails here must not stop start-up
            paths += source(app.state.registry)
        except Exception:  # noqa: BLE001 - never fatal, see above
            log.warning("warm-up paths from %s failed; started without them", getattr(source, "__name__", source), exc_info=True)
    return [(target, await _answer_in_process(app, target)) for target in paths]


async def _answer_in_process(app: FastAPI, target: str) -> int:
    """The status of a GET of `target` answered by the whole app, in the process (500 if it raised)."""
    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
             "state": {}}
    status = []
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> dict:  # the empty body, then the client gone (a streamed answer stops there)
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    try:
        await app(scope, receive, send)
    except Exception:  # noqa: BLE001 - logged; the first real request will pay instead
        log.warning("warm-up request %s failed", target, exc_info=True)
    return status[0] if status else 500
