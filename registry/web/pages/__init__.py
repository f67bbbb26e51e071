"""The registry's web pages: server-rendered views of the resources the API serves.

Routes (all GET unless said; see docs/web.md):

    /                                   home (HTML for browsers, a small JSON index for JSON clients)
    /ui/search?q=                       search over profiles and concepts; /ui/suggest?q= (autocomplete JSON)
    /ui/profiles, /ui/profiles/{id}[/{version}]           profile list, profile version page
    /ui/vocabularies, /ui/vocabularies/{id}[/{version}]   vocabulary list, concept tree
    /ui/vocabularies/{id}/{version}/children?concept=     tree fragment (lazy children)
    /ui/concept?iri=[&vocabulary=]      concept page
    /ui/validate (GET, POST)            validation form and report
    /ui/query                           SPARQL page
    /ui/community (GET), /ui/community/{sign-in,sign-out,upload,status} (POST)
    /static/...                         vendored assets

`install(app, settings)` is found by `registry.web.app._extensions`. `render_resource_page` lets
the linked-data routes answer `text/html` at the minted IRIs with these pages.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from registry.errors import InvalidInput, RegistryError
from registry.web.pages import browse, community, validate
from registry.web.pages.common import STATIC, error_page

__all__ = ["install", "render_resource_page"]


def install(app: FastAPI, settings) -> None:
    app.include_router(browse.router)
    app.include_router(validate.router)
    app.include_router(community.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")


def render_resource_page(request: Request, kind: str, **ids: str) -> Response:
    """The HTML page of a registry resource, for content negotiation at its IRI.

    kind / ids:
      "home"
      "profiles"                                   (the list)
      "profile"            id=, [version=]         (a profile version; no version: the latest)
      "vocabularies"                               (the list)
      "vocabulary"         id=, [version=]
      "concept"            iri=, [vocabulary=]
      "communities"                                (the list, with each community's profiles and vocabularies)
      "community"          id=                     (one community, its profiles and vocabularies)

    Blocking (store reads): call it from a plain `def` handler or `run_in_threadpool`. A missing
    resource gives the HTML error page with its status (404...), never an exception.
    """
    try:
        if kind == "home":
            return browse.home(request)
        if kind == "profiles":
            return browse.profiles(request)
        if kind == "profile":
            return browse._profile_page(request, ids["id"], ids.get("version"))
        if kind == "vocabularies":
            return browse.vocabularies(request)
        if kind == "vocabulary":
            return browse._vocabulary_page(request, ids["id"], ids.get("version"))
        if kind == "concept":
            return browse._concept_page(request, ids["iri"], ids.get("vocabulary"))
        if kind == "communities":
            return browse.communities_page(request)
        if kind == "community":
            return browse.communities_page(request, ids["id"])
        raise InvalidInput(f"no page for {kind!r}", code="no-page")
    except RegistryError as exc:
        return error_page(request, exc.status, exc.detail, "error.not_found" if exc.status == 404 else "error.title", exc.code)
