"""The app factory. `create_app(settings)` builds everything; nothing is global."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

import registry
from registry.config import Settings
from registry.features import WEB_FEATURES, feature_modules
from registry.services import Registry
from registry.store.base import RegistryStore
from registry.web import api_docs
from registry.web.cors import PublicReadCors
from registry.web.errors import install_error_handlers
from registry.web.limits import BodyLimitMiddleware
from registry.web.routes import catalog, publish
from registry.web.security_headers import SecurityHeadersMiddleware


def create_app(settings: Settings | None = None, *, store: RegistryStore | None = None) -> FastAPI:
    """Build the API. `store` lets a caller (tests, the CLI) hand over an opened store."""
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
        await warm_routes(app)
        try:
            yield
        finally:
            services.close(close_store=owns_store)  # every feature closed once, on both paths

    app = FastAPI(
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
    return app


def _extensions():
    """Routers of the feature modules listed in `registry.features.WEB_FEATURES`
    (validation, SPARQL, vocabulary services, linked data, web pages): each `install(app, settings)`."""
    for module in feature_modules(WEB_FEATURES):
        yield module.install


async def warm_routes(app: FastAPI) -> None:
    """Build every route's request models before the first request (issue 16: the first search
    after a restart as fast as any other). FastAPI (0.165) builds a route's parameter and body
    models lazily, when a request first walks the route list: the first request after a start
    paid for all of them (about a second on a loaded machine). One request that matches no route
    walks them all, here, in the process, before the server accepts connections."""
    from starlette.exceptions import HTTPException

    path = "/.well-known/registry-route-warm-up"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [],
             "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80), "app": app, "state": {}}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        return None

    try:
        await app.router(scope, receive, send)
    except HTTPException:  # the 404 of the path nothing serves
        pass
