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
        services.start()
        app.state.registry = services
        try:
            yield
        finally:
            if store is None:
                services.close()

    app = FastAPI(
        title="Research metadata profile registry",
        version=registry.__version__,
        description="Profiles (SHACL + SKOS, described with W3C PROF and DCAT): publish, validate, query.",
        lifespan=lifespan,
        docs_url=None,  # served by registry.web.api_docs, without a CDN (issue 12)
        redoc_url=None,
    )
    app.state.settings = settings
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
