"""Home, search, profiles, vocabularies, concepts and the query page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from registry.errors import NotFound, RegistryError
from registry.ids import SemVer, check_id
from registry.vocab.normalize import fold
from registry.web import i18n
from registry.web import fieldtext
from registry.profile_fields import fields_for_version
from registry.web.pages import data, related
from registry.web.pages.common import STATIC, error_page, has_path, html_errors, render, ui, wants_html

router = APIRouter(include_in_schema=False)

RDF_DOWNLOADS = [
    ("Turtle", "text/turtle", "ttl"),
    ("JSON-LD", "application/ld+json", "jsonld"),
    ("N-Triples", "application/n-triples", "nt"),
    ("RDF/XML", "application/rdf+xml", "rdf"),
]
QText = Annotated[str, Query(max_length=200)]


def _registry(request: Request):
    return request.app.state.registry


# --- home -----------------------------------------------------------------------------------------


@router.get("/", name="home")
def home(request: Request) -> Response:
    registry = _registry(request)
    counts = data.counts(registry)
    if not wants_html(request):
        return JSONResponse(
            {
                "title": "Research metadata profile registry",
                "counts": counts,
                "links": {
                    "communities": "/communities",
                    "profiles": "/profiles",
                    "vocabularies": "/vocabularies",
                    "validate": "/validate",
                    "sparql": "/sparql",
                    "openapi": "/openapi.json",
                    "pages": ui(""),
                },
            },
            headers={"Vary": "Accept"},
        )
    return render(request, "home.html", counts=counts)


@router.get(ui(), name="ui_home")
def ui_home() -> RedirectResponse:
    return RedirectResponse("/", status_code=308)


# --- search ---------------------------------------------------------------------------------------


@router.get(ui("search"), name="ui_search")
async def search(request: Request, q: QText = "", vocabulary: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    lang = i18n.request_language(request)
    registry = _registry(request)
    q = q.strip()
    try:
        if vocabulary:
            check_id(vocabulary, "vocabulary id")
        profiles = await run_in_threadpool(data.search_profiles, registry, q, lang) if q and not vocabulary else []
        concepts = await run_in_threadpool(data.search_concepts, registry, q, lang, vocabulary) if q else []
    except RegistryError as exc:
        return await run_in_threadpool(error_page, request, exc.status, exc.detail, "error.title", exc.code)
    return await run_in_threadpool(
        lambda: render(request, "search.html", q=q, profiles=profiles, concepts=concepts, vocabulary=vocabulary)
    )


@router.get(ui("suggest"), name="ui_suggest")
async def suggest(request: Request, q: QText = "", vocabulary: Annotated[str | None, Query(max_length=64)] = None) -> JSONResponse:
    """Autocomplete: up to 10 concepts (and profiles) for the search boxes' script."""
    lang = i18n.request_language(request)
    t = i18n.Translator(lang)
    registry = _registry(request)
    q = q.strip()
    if len(q) < 2:
        return JSONResponse([])
    if vocabulary:
        check_id(vocabulary, "vocabulary id")
    out = []
    if not vocabulary:
        for summary in (await run_in_threadpool(data.search_profiles, registry, q, lang))[:3]:
            out.append({"label": t.pick(summary["title"], summary["id"]), "kind": t("col.profile"),
                        "href": ui(f"profiles/{summary['id']}")})
    for hit in await run_in_threadpool(data.search_concepts, registry, q, lang, vocabulary, 10 - len(out)):
        label = hit.label if fold(hit.matched) == fold(hit.label) else f"{hit.label} ({hit.matched})"
        out.append({"label": label, "kind": t.pick(hit.vocabulary.title, hit.vocabulary.id),
                    "href": ui("concept", iri=hit.iri, vocabulary=hit.vocabulary.id)})
    return JSONResponse(out)


# --- profiles -------------------------------------------------------------------------------------


@router.get(ui("profiles"), name="ui_profiles")
@html_errors
def profiles(request: Request) -> HTMLResponse:
    registry = _registry(request)
    summaries = registry.catalog.summaries("profile")
    return render(request, "profiles.html", profiles=summaries)


LEVEL_RANK = {"required": 0, "recommended": 1, "optional": 2}
#: the field filter (`?fields=`): the weakest requirement each level shows
FILTER_LEVELS = {"required": 0, "recommended": 1, "all": 2}


def _profile_page(request: Request, pid: str, version: str | None, owner_view: bool = False) -> HTMLResponse:
    """A profile version's page. `owner_view`: the community area's view of a version of the signed-in
    community's own series (its drafts included; the caller checked the ownership)."""
    registry = _registry(request)
    check_id(pid, "profile id")
    if version is not None:
        SemVer(version)
    info = registry.catalog.version("profile", pid, version, include_drafts=owner_view)
    versions = [v for v in registry.catalog.versions("profile", pid) if v.public or v.iri == info.iri]
    groups = fields_for_version(registry, pid, info.version)
    for group in groups:  # required first, then recommended, then optional (sh:order within each)
        group.fields.sort(key=lambda f: LEVEL_RANK[f.requirement])
    show = request.query_params.get("fields")
    show = show if show in FILTER_LEVELS else "all"
    field_counts = {level: sum(1 for g in groups for f in g.fields if LEVEL_RANK[f.requirement] <= limit)
                    for level, limit in FILTER_LEVELS.items()}

    def shown(f) -> bool:
        return LEVEL_RANK[f.requirement] <= FILTER_LEVELS[show]

    chain = registry.catalog.profile_chain(pid, info.version)
    base = chain[1] if len(chain) > 1 else None
    schemes = data.cache(registry).get(registry.store, "schemes", registry.catalog.published_schemes)
    vocabularies = {}
    for group in groups:
        for f in group.fields:
            for scheme in f.schemes:
                if scheme in schemes:
                    vocabularies[scheme] = schemes[scheme]
    from registry.evolution.records import example_graphs, recorded_impact  # issue 17, item 5
    from registry.evolution.service import evolution  # issue 17: the comparison recorded at publication
    from registry.dataverse.routes import install_info

    return render(
        request, "profile.html", info=info, versions=versions, groups=groups, chain=chain, base=base,
        schemes=schemes, vocabularies=vocabularies, downloads=RDF_DOWNLOADS,
        evolution=evolution(registry).version_facts(info.iri),
        examples=example_graphs(registry.store, info.iri), example_impact=recorded_impact(registry.store, info.iri),
        dataverse=install_info(registry, pid, info.version) if info.public else None,
        owner_view=owner_view,
        show=show, field_counts=field_counts, shown=shown, shown_in=lambda g: any(shown(f) for f in g.fields),
        field_anchor=fieldtext.field_anchor, value_texts=fieldtext.value_texts, unit_lines=fieldtext.unit_lines,
        plain_range=fieldtext.plain_range, cardinality_text=fieldtext.cardinality_text, help_text=fieldtext.help_text,
    )


@router.get(ui("profiles/{pid}"), name="ui_profile")
@html_errors
def profile_latest(request: Request, pid: str) -> HTMLResponse:
    return _profile_page(request, pid, None)


@router.get(ui("profiles/{pid}/{version}"), name="ui_profile_version")
@html_errors
def profile_version(request: Request, pid: str, version: str) -> HTMLResponse:
    return _profile_page(request, pid, version)


# --- vocabularies ---------------------------------------------------------------------------------


@router.get(ui("vocabularies"), name="ui_vocabularies")
@html_errors
def vocabularies(request: Request) -> HTMLResponse:
    registry = _registry(request)
    items = []
    for info in data.latest_vocabularies(registry):
        items.append((info, data.concept_count(registry, info)))
    return render(request, "vocabularies.html", items=items)


def _vocabulary_page(request: Request, vid: str, version: str | None, scheme: str | None = None,
                     owner_view: bool = False) -> HTMLResponse:
    registry = _registry(request)
    lang = i18n.request_language(request)
    check_id(vid, "vocabulary id")
    if version is not None:
        SemVer(version)
    info = registry.catalog.version("vocabulary", vid, version, include_drafts=owner_view)
    versions = [v for v in registry.catalog.versions("vocabulary", vid) if v.public or v.iri == info.iri]
    schemes = data.schemes(registry, info, lang) if len(info.schemes) > 1 else []
    if scheme:  # one scheme of a multi-scheme vocabulary (404 if the version has no such scheme)
        roots, complete = data.scheme_roots(registry, info, scheme, lang), True
    else:
        roots, complete = data.tree(registry, info, lang)
    return render(
        request, "vocabulary.html", info=info, versions=versions, roots=roots, complete=complete,
        count=data.concept_count(registry, info), downloads=RDF_DOWNLOADS,
        findings=registry.catalog.vocabulary_findings(info.iri), schemes=schemes, scheme=scheme,
        groups=data.groups(registry, info, lang), owner_view=owner_view,
    )


@router.get(ui("vocabularies/{vid}"), name="ui_vocabulary")
@html_errors
def vocabulary_latest(request: Request, vid: str, scheme: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:
    return _vocabulary_page(request, vid, None, scheme)


@router.get(ui("vocabularies/{vid}/{version}"), name="ui_vocabulary_version")
@html_errors
def vocabulary_version(request: Request, vid: str, version: str,
                       scheme: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:
    return _vocabulary_page(request, vid, version, scheme)


@router.get(ui("vocabularies/{vid}/{version}/children"), name="ui_vocabulary_children")
@html_errors
def vocabulary_children(request: Request, vid: str, version: str, concept: Annotated[str, Query(max_length=2000)]) -> HTMLResponse:
    """A fragment: the children of one concept (the tree of a large vocabulary loads them on demand)."""
    registry = _registry(request)
    lang = i18n.request_language(request)
    check_id(vid, "vocabulary id")
    SemVer(version)
    info = registry.catalog.version("vocabulary", vid, version, include_drafts=False)
    nodes = data.children(registry, info, concept, lang)
    return render(request, "tree_fragment.html", info=info, nodes=nodes, lazy=True)


@router.get(ui("concept"), name="ui_concept")
@html_errors
def concept_page(request: Request, iri: Annotated[str, Query(max_length=2000)],
                 vocabulary: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    return _concept_page(request, iri, vocabulary)


def _concept_page(request: Request, iri: str, vocabulary: str | None = None) -> HTMLResponse:
    registry = _registry(request)
    if vocabulary:
        check_id(vocabulary, "vocabulary id")
    info = data.locate_concept(registry, iri, vocabulary)
    if info is None:
        raise NotFound(f"no published concept {iri}", code="concept-not-found")
    lang = i18n.request_language(request)
    c = data.concept(registry, info, iri, lang)
    history = data.concept_history(registry, info, iri, lang)
    return render(request, "concept.html", c=c, info=info, trail=c.trail, history=history,
                  mappings=related.mappings(registry, info, iri), used_by=related.fields_using(registry, info))


# --- communities ----------------------------------------------------------------------------------


def communities_page(request: Request, only: str | None = None) -> HTMLResponse:
    """Every community with its profiles and vocabularies (`only`: one community, 404 if unknown)."""
    registry = _registry(request)
    items = related.communities(registry)
    if only is not None:
        registry.catalog.community(only)  # NotFound for an unknown id
        items = [item for item in items if item["community"].id == only]
    return render(request, "communities.html", items=items, only=only)


@router.get(ui("communities"), name="ui_communities")
@html_errors
def communities(request: Request) -> HTMLResponse:
    return communities_page(request)


@router.get(ui("communities/{cid}"), name="ui_community_page")
@html_errors
def community_page(request: Request, cid: str) -> HTMLResponse:
    check_id(cid, "community id")
    return communities_page(request, cid)


# --- query ----------------------------------------------------------------------------------------

LATEST_CONCEPTS_QUERY = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?vocabulary ?version ?concept ?label WHERE {
  GRAPH <catalog> { ?vocabulary dcat:hasCurrentVersion ?version }
  BIND(IRI(CONCAT(STR(?version), "/concepts")) AS ?concepts)
  GRAPH ?concepts {
    ?concept a skos:Concept .
    OPTIONAL { ?concept skos:prefLabel ?label FILTER(LANG(?label) = "en") }
  }
}
ORDER BY ?vocabulary ?label
LIMIT 1000"""

EXAMPLES = [
    ("q.profiles", """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prof: <http://www.w3.org/ns/dx/prof/>
SELECT ?profile ?title ?latest WHERE {
  ?profile a prof:Profile ; dcat:hasCurrentVersion ?latest .
  OPTIONAL { ?profile dct:title ?title FILTER(LANG(?title) = "en") }
}
ORDER BY ?profile"""),
    ("q.concepts", """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?label WHERE {
  ?concept a skos:Concept ; skos:prefLabel ?label .
  FILTER(LANG(?label) = "fr" && STRSTARTS(LCASE(STR(?label)), "micro"))
}
ORDER BY ?label
LIMIT 100"""),
    ("q.fields", """PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?shape ?path ?name ?minCount WHERE {
  ?shape sh:path ?path .
  OPTIONAL { ?shape sh:name ?name FILTER(LANG(?name) = "en") }
  OPTIONAL { ?shape sh:minCount ?minCount }
}
ORDER BY ?shape
LIMIT 200"""),
    ("q.vocabs", """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheme (COUNT(DISTINCT ?concept) AS ?concepts) WHERE {
  ?concept a skos:Concept ; skos:inScheme ?scheme .
}
GROUP BY ?scheme
ORDER BY DESC(?concepts)"""),
    # The default graph is the union of every public version: a concept kept in two versions of a
    # vocabulary is there twice. dcat:hasCurrentVersion in the catalog graph names each series'
    # latest published version, whose concepts are in the graph <version IRI>/concepts
    # (docs/architecture.md, "Named graphs"; docs/sparql.md). `<catalog>` resolves against the
    # endpoint's URL ({base}sparql) to {base}catalog.
    ("q.latest", LATEST_CONCEPTS_QUERY),
    ("q.top", """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheme ?top ?label WHERE {
  ?top skos:topConceptOf ?scheme .
  OPTIONAL { ?top skos:prefLabel ?label FILTER(LANG(?label) = "en") }
}
ORDER BY ?scheme ?label
LIMIT 200"""),
]


@router.get(ui("query"), name="ui_query")
@html_errors
def query_page(request: Request) -> HTMLResponse:
    has_endpoint = has_path(request.app, "/sparql")
    has_yasgui = (STATIC / "yasgui" / "yasgui.min.js").is_file()
    t = i18n.Translator(i18n.request_language(request))
    # YASGUI's labels in the page's language: exact texts, and patterns with {placeholders}
    labels = {key[len("yasgui."):]: t(key) for key in i18n.MESSAGES if key.startswith("yasgui.")}
    # the endpoint's problems (problem+json `code`) in the page's language, for the editor's error view
    problems = {key[len("query.problem."):]: t(key) for key in i18n.MESSAGES if key.startswith("query.problem.")}
    problems.update({"": t("query.problem"), "#at": t("validate.at", l="{l}", c="{c}"), "#parser": t("validate.parser_says")})
    return render(request, "query.html", examples=EXAMPLES, has_endpoint=has_endpoint, has_yasgui=has_yasgui,
                  yasgui_labels=labels if t.lang != "en" else {}, query_problems=problems)
