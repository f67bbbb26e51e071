"""Linked data: every IRI the registry mints dereferences.

| IRI | default representation | other profiles |
|---|---|---|
| `{base}catalog` | DCAT 3 catalog of everything published | |
| `{base}profiles/{id}`, `{base}vocabularies/{id}` | the series (DCAT) | |
| `{base}profiles/{id}/{version}` | PROF/DCAT description (`prof`) | `shacl`: the shapes graph |
| `{base}vocabularies/{id}/{version}` | DCAT description (`dcat`) | `skos`: the concept scheme |
| `…/shapes`, `…/concepts` | the artifact graph | |
| `{base}profiles/{id}/{version}/context` | the JSON-LD context | |
| `{base}profiles/{id}/{version}/examples/{name}` | an example record stored with the version | |
| `{base}communities/{id}` | the community (FOAF) | |
| `/resource?iri=…` (alias `/concept`) | triples about any IRI in a public graph | |

Browsers get HTML, RDF clients RDF (Accept or `?_mediatype=`); profiles by `Accept-Profile` or
`?_profile=` (`alt` lists them). `/profiles/{id}`, `/vocabularies/{id}` and `/communities/{id}`
are also JSON API routes: a small middleware sends only RDF / HTML / profile requests for them
here, and JSON requests on to the API unchanged. `/graphs?graph=` is the Graph Store Protocol
(read); `/.well-known/void` the VoID description.
"""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import urlencode

import anyio
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from registry.errors import InvalidInput, NotFound, RegistryError
from registry.ids import ID_PATTERN, SEMVER_PATTERN
from registry.conneg import GRAPH_OUTPUT_FORMATS, negotiate_rdf, prefers_html, requested_media
from registry.errors import NotAcceptable
from registry.linkeddata.conneg import (
    Profile,
    alternate_url,
    alternates_link,
    choose_profile,
    profile_headers,
)
from registry.linkeddata import describe as d
from registry.linkeddata.html import render_resource
from registry.linkeddata.rdfout import in_graph, serialize_quads, triples_of
from registry.namespaces import PREFIXES
from registry.http import parse_accept
from registry.web.errors import problem_from

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Link, Content-Profile, Content-Type"}
RDF_TYPES = tuple(GRAPH_OUTPUT_FORMATS)
ALL_TYPES = ("text/html",) + RDF_TYPES

DCAT_P = Profile("dcat", "http://www.w3.org/ns/dcat#", "DCAT 3 description", ALL_TYPES)
PROF_P = Profile("prof", "http://www.w3.org/ns/dx/prof/", "PROF and DCAT description of the profile version", ALL_TYPES)
SHACL_P = Profile("shacl", "http://www.w3.org/ns/shacl#", "the SHACL shapes graph", ALL_TYPES)
SKOS_P = Profile("skos", "http://www.w3.org/2004/02/skos/core#", "the SKOS concept scheme", ALL_TYPES)
FOAF_P = Profile("foaf", "http://xmlns.com/foaf/0.1/", "the community (FOAF)", ALL_TYPES)
VOID_P = Profile("void", "http://rdfs.org/ns/void#", "VoID description", ALL_TYPES)
RDF_P = Profile("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "every public triple about the IRI", ALL_TYPES)
EXAMPLE_P = Profile("example", "http://www.w3.org/ns/dx/prof/role/example", "an example record of the profile version", ALL_TYPES)
ALTR = "http://www.w3.org/ns/dx/conneg/altr#"

_ID = ID_PATTERN.strip("^$")
_VER = SEMVER_PATTERN.strip("^$")
# (pattern, builder) — builder(registry, **groups) → (profiles, {token: producer})
ROUTES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^/catalog$"), "catalog"),
    (re.compile(rf"^/(?P<plural>profiles|vocabularies)/(?P<sid>{_ID})$"), "series"),
    (re.compile(rf"^/(?P<plural>profiles|vocabularies)/(?P<sid>{_ID})/(?P<ver>{_VER})$"), "version"),
    (re.compile(rf"^/(?P<plural>profiles)/(?P<sid>{_ID})/(?P<ver>{_VER})/shapes$"), "artifact"),
    (re.compile(rf"^/(?P<plural>vocabularies)/(?P<sid>{_ID})/(?P<ver>{_VER})/concepts$"), "artifact"),
    (re.compile(rf"^/profiles/(?P<sid>{_ID})/(?P<ver>{_VER})/context$"), "context"),
    (re.compile(rf"^/profiles/(?P<sid>{_ID})/(?P<ver>{_VER})/examples/(?P<name>{_ID})$"), "example"),
    (re.compile(rf"^/communities/(?P<cid>{_ID})$"), "community"),
]
SHARED_WITH_API = {"series", "community"}


def _kind(plural: str) -> str:
    return "profile" if plural == "profiles" else "vocabulary"


def representations(registry, name: str, groups: dict) -> list[tuple[Profile, Callable[[], list]]]:
    """The profiles a resource is available in (default first), each with its producer."""
    if name == "catalog":
        return [(DCAT_P, lambda: d.dcat_catalog(registry))]
    if name == "series":
        return [(DCAT_P, lambda: d.series(registry, _kind(groups["plural"]), groups["sid"]))]
    if name == "version":
        kind, sid, ver = _kind(groups["plural"]), groups["sid"], groups["ver"]
        desc = lambda: d.version(registry, kind, sid, ver)  # noqa: E731
        art = lambda: d.artifact(registry, kind, sid, ver)  # noqa: E731
        if kind == "profile":
            return [(PROF_P, desc), (DCAT_P, desc), (SHACL_P, art)]
        return [(DCAT_P, desc), (SKOS_P, art)]
    if name == "artifact":
        kind = _kind(groups["plural"])
        profile = SHACL_P if kind == "profile" else SKOS_P
        return [(profile, lambda: d.artifact(registry, kind, groups["sid"], groups["ver"]))]
    if name == "community":
        return [(FOAF_P, lambda: d.community(registry, groups["cid"]))]
    if name == "example":
        return [(EXAMPLE_P, lambda: d.example(registry, groups["sid"], groups["ver"], groups["name"]))]
    raise NotFound("no such resource")


def wants_linked_data(request: Request) -> bool:
    """For IRIs shared with the JSON API: RDF, HTML or a profile asked for explicitly."""
    params = request.query_params
    if "_profile" in params or "_mediatype" in params or "accept-profile" in request.headers:
        return True
    for media, q, _ in parse_accept(request.headers.get("accept")):
        if q <= 0:
            continue
        if media in ("application/json", "*/*"):
            return False
        if media in ALL_TYPES or media in ("application/xhtml+xml", "application/turtle", "application/x-turtle", "text/n3"):
            return True
    return False


def _web_page(request: Request, name: str, groups: dict) -> Callable[[], Response] | None:
    """A browser asking for a minted IRI (HTML, default profile) gets the web interface's page of
    that resource (issue 9: the pages are views of the same resources); the RDF-table view stays
    available with an explicit `_profile`. None when the web pages are not installed."""
    if "_profile" in request.query_params or "accept-profile" in request.headers:
        return None
    if not prefers_html(requested_media(request)):
        return None
    try:
        from registry.web.pages import render_resource_page
    except ModuleNotFoundError:
        return None
    if name == "catalog":
        return lambda: render_resource_page(request, "home")
    if name in ("series", "version", "artifact"):
        kind = _kind(groups["plural"])
        return lambda: render_resource_page(request, kind, id=groups["sid"], version=groups.get("ver"))
    if name == "community":
        return lambda: render_resource_page(request, "community", id=groups["cid"])
    return None


def _problem(exc: RegistryError) -> Response:
    response = problem_from(exc)
    response.headers.update(CORS)
    return response


async def dereference(request: Request, name: str, groups: dict) -> Response:
    registry = request.app.state.registry
    try:
        if name == "context":
            body = await anyio.to_thread.run_sync(d.context_json, registry, groups["sid"], groups["ver"])
            return Response(body, media_type="application/ld+json", headers=CORS)
        page = _web_page(request, name, groups)
        if page is not None:
            return await anyio.to_thread.run_sync(page)
        reps = representations(registry, name, groups)
        return await respond(request, str(request.url).split("?")[0], reps)
    except RegistryError as exc:
        return _problem(exc)


async def respond(request: Request, url: str, reps: list[tuple[Profile, Callable[[], list]]]) -> Response:
    profiles = [p for p, _ in reps]
    chosen = choose_profile(request, profiles)
    media = requested_media(request)
    html = prefers_html(media)
    link = alternates_link(url, profiles)
    if chosen == "alt":
        return await alternates(request, url, profiles, html, media, link)
    producer = dict((p.token, f) for p, f in reps)[chosen.token]
    quads = await anyio.to_thread.run_sync(producer)
    headers = CORS | profile_headers(chosen)
    headers["Link"] = headers["Link"] + ", " + link
    if html:
        return HTMLResponse(render_resource(url, chosen, profiles, triples_of(quads)), headers=headers)
    negotiated = negotiate_rdf(media)
    if negotiated is None:
        raise NotAcceptable("available as: " + ", ".join(ALL_TYPES))
    media_type, fmt = negotiated
    body = await anyio.to_thread.run_sync(lambda: serialize_quads(quads, fmt, prefixes=PREFIXES))
    return Response(body, media_type=media_type, headers=headers)


async def alternates(request, url, profiles, html, media, link) -> Response:
    """`?_profile=alt`: the representations available, as RDF (W3C altr vocabulary) or HTML."""
    resource = ox.NamedNode(url)
    triples = []
    for profile in profiles:
        for mt in profile.media_types:
            rep = ox.NamedNode(alternate_url(url, profile.token, mt))
            triples += [
                ox.Triple(resource, ox.NamedNode(ALTR + "hasRepresentation"), rep),
                ox.Triple(rep, ox.NamedNode("http://purl.org/dc/terms/conformsTo"), ox.NamedNode(profile.iri)),
                ox.Triple(rep, ox.NamedNode("http://purl.org/dc/terms/format"), ox.Literal(mt)),
                ox.Triple(ox.NamedNode(profile.iri), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                          ox.Literal(profile.label, language="en")),
                ox.Triple(ox.NamedNode(profile.iri), ox.NamedNode("http://www.w3.org/ns/dx/prof/hasToken"), ox.Literal(profile.token)),
            ]
        triples.append(ox.Triple(resource, ox.NamedNode(ALTR + "hasDefaultRepresentation"),
                                 ox.NamedNode(alternate_url(url, profiles[0].token, "text/turtle"))))
    alt = Profile("alt", "http://www.w3.org/ns/dx/conneg/altr", "alternate representations", ALL_TYPES)
    headers = CORS | profile_headers(alt) | {"Vary": "Accept, Accept-Profile"}
    headers["Link"] = headers["Link"] + ", " + link
    if html:
        return HTMLResponse(render_resource(url, alt, profiles, triples), headers=headers)
    negotiated = negotiate_rdf(media)
    if negotiated is None:
        raise NotAcceptable("available as: " + ", ".join(ALL_TYPES))
    media_type, fmt = negotiated
    return Response(serialize_quads(triples, fmt, prefixes=PREFIXES | {"altr": ALTR}), media_type=media_type, headers=headers)


class LinkedDataMiddleware:
    """Route GET/HEAD requests for minted IRIs here; leave JSON API requests alone."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            for pattern, name in ROUTES:
                match = pattern.match(path)
                if match is None:
                    continue
                request = Request(scope, receive)
                if name in SHARED_WITH_API and not wants_linked_data(request):
                    break
                response = await dereference(request, name, match.groupdict())
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


async def resource_route(request: Request) -> Response:
    registry = request.app.state.registry
    try:
        iri = request.query_params.get("iri")
        if not iri:
            raise InvalidInput("give the IRI to describe: ?iri=…", code="iri-missing")
        # the resource's own URL: this route with `iri` alone, encoded (alternates add to it)
        url = str(request.url.replace(query=urlencode({"iri": iri})))
        return await respond(request, url, [(RDF_P, lambda: d.resource(registry, iri))])
    except RegistryError as exc:
        return _problem(exc)


async def void_route(request: Request) -> Response:
    registry = request.app.state.registry
    try:
        return await respond(request, registry.iris.base + ".well-known/void", [(VOID_P, lambda: d.void(registry))])
    except RegistryError as exc:
        return _problem(exc)


async def graph_store(request: Request) -> Response:
    """SPARQL 1.1 Graph Store HTTP Protocol, read only: GET ?graph=<public graph IRI>."""
    registry = request.app.state.registry
    try:
        graph = request.query_params.get("graph")
        if graph is None:
            if "default" in request.query_params:
                raise InvalidInput("the default graph is the union of every public graph: query it at /sparql, "
                                   "or GET one graph with ?graph=", code="default-graph-not-served")
            raise InvalidInput("give the graph to read: ?graph=<IRI>", code="graph-missing")
        public = await anyio.to_thread.run_sync(registry.catalog.public_graphs)
        if graph not in public:
            raise NotFound(f"no public graph <{graph}>", code="graph-not-found")
        negotiated = negotiate_rdf(requested_media(request))
        if negotiated is None:
            raise NotAcceptable("available as: " + ", ".join(RDF_TYPES))
        media_type, fmt = negotiated
        body = await anyio.to_thread.run_sync(
            lambda: serialize_quads(in_graph(registry.store.triples(graph), graph), fmt, prefixes=PREFIXES))
        return Response(body, media_type=media_type, headers=CORS | {"Vary": "Accept"})
    except RegistryError as exc:
        return _problem(exc)


def install(app, settings) -> None:
    app.add_middleware(LinkedDataMiddleware)
    app.router.add_route("/resource", resource_route, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/concept", resource_route, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/.well-known/void", void_route, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.add_route("/graphs", graph_store, methods=["GET", "HEAD"], include_in_schema=False)
