"""HTTP routes of profile evolution (issue 17).

* `GET /profiles/{id}/diff?from=A&to=B` — the changes from profile version A to B;
* `GET /vocabularies/{id}/diff?from=A&to=B` — the same for a vocabulary.

`to` omitted: the latest published version; `from` omitted: the public version just before `to`.
One resource, three representations by content negotiation: the JSON view (default,
`application/json`), the change set in RDF (`Accept: text/turtle`, JSON-LD, N-Triples, RDF/XML or
`?_mediatype=`), and an HTML page for browsers (`Accept: text/html`), linked from the version
lists of the profile and vocabulary pages. The URL is also the change set's IRI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from registry.evolution.changeset import change_set_iri, change_set_triples
from registry.evolution.classify import RULES
from registry.evolution.service import Diff, evolution
from registry.http import parse_accept
from registry.web.deps import IdPath, RegistryDep
from registry.web.responses import rdf_response, wants_rdf

router = APIRouter(tags=["evolution"])

VersionParam = Annotated[str | None, Query(max_length=64, description="a semantic version, e.g. 1.0.0")]


def _answer(request: Request, registry, diff: Diff) -> Response:
    iri = change_set_iri(diff, registry.iris.base)
    if wants_rdf(request):
        return rdf_response(request, change_set_triples(diff, iri))
    if _wants_html(request):
        return _page(request, diff)
    body = diff.to_json()
    body["change_set"] = iri
    return JSONResponse(body, headers={"Vary": "Accept", "Link": f'<{iri}>; rel="describedby"'})


def _wants_html(request: Request) -> bool:
    """HTML only when asked for before JSON (browsers); no Accept or */* means the JSON view."""
    media = request.query_params.get("_mediatype")
    if media:
        return media == "text/html"
    for value, q, _ in parse_accept(request.headers.get("accept")):
        if q <= 0:
            continue
        if value in ("text/html", "application/xhtml+xml"):
            return True
        if value in ("application/json", "*/*", "application/*"):
            return False
    return False


def _page(request: Request, diff: Diff) -> Response:
    try:
        from registry.web.pages.common import render
    except ModuleNotFoundError:  # the web pages are optional
        return JSONResponse(diff.to_json())
    groups = {c: [ch for ch in diff.changes if ch.classification == c] for c in ("breaking", "compatible", "editorial")}
    return render(request, "diff.html", diff=diff, groups=groups, rules=RULES)


@router.get("/profiles/{pid}/diff", summary="What changed between two versions of a profile, each change classified")
def profile_diff(pid: IdPath, request: Request, registry: RegistryDep,
                 from_: Annotated[str | None, Query(alias="from", max_length=64)] = None,
                 to: VersionParam = None) -> Response:
    return _answer(request, registry, evolution(registry).profile_diff(pid, from_, to))


@router.get("/vocabularies/{vid}/diff", summary="What changed between two versions of a vocabulary, each change classified")
def vocabulary_diff(vid: IdPath, request: Request, registry: RegistryDep,
                    from_: Annotated[str | None, Query(alias="from", max_length=64)] = None,
                    to: VersionParam = None) -> Response:
    return _answer(request, registry, evolution(registry).vocabulary_diff(vid, from_, to))


@router.get("/evolution/rules", summary="The classification rules (id, classification, reason)")
def rules() -> list[dict]:
    return [{"id": r.id, "classification": r.classification, "reason": r.reason} for r in RULES.values()]


def install(app: FastAPI, settings) -> None:
    app.include_router(router)
