"""Vocabulary API (issue 6): search / autocomplete, concepts, hierarchy, and Skosmos REST v1.

Native routes (JSON):

* `GET /vocab/vocabularies`                    vocabularies with counts (concepts, deprecated, top, languages)
* `GET /search?q=`                             search every vocabulary (or `vocab=a,b`)
* `GET /vocabularies/{vid}/search?q=`          search one vocabulary (`version=` for another version)
* `GET /vocabularies/{vid}/top`                top concepts (tree roots)
* `GET /vocabularies/{vid}/children?iri=`      narrower concepts (tree children)
* `GET /vocabularies/{vid}/concept?iri=`       one concept (`version=` to pick a version)
* `GET /vocab/concept?iri=`                    one concept, wherever it is (`/concept` is the
                                               linked-data description route of registry.linkeddata)

Skosmos REST v1 (see `registry.vocab.skosmos`): `/rest/v1/vocabularies`, `/rest/v1/search`,
`/rest/v1/data`, `/rest/v1/label`, `/rest/v1/{vocid}/`, `/rest/v1/{vocid}/search`,
`/rest/v1/{vocid}/data`, `/rest/v1/{vocid}/topConcepts`, `/rest/v1/{vocid}/children`,
`/rest/v1/{vocid}/label`.

Handlers are plain `def` (pyoxigraph and index work run in the threadpool).
"""

from __future__ import annotations


from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry.errors import InvalidInput
from registry.ids import ID_PATTERN, SEMVER_PATTERN
from registry.conneg import negotiate_rdf
from registry.rdf import serialize
from registry.vocab import skosmos
from registry.vocab import reconcile
from registry.vocab import skosmos_concepts as sc
from registry.vocab.service import MAX_LIMIT, VocabService, check_iri, check_query, service_of
from registry.web.deps import IdPath

LangQuery = Annotated[str | None, Query(max_length=35, description="language tag (BCP 47), e.g. fr or en")]
VersionQuery = Annotated[str | None, Query(pattern=SEMVER_PATTERN, max_length=64, description="a version; default: the latest published")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
OffsetQuery = Annotated[int, Query(ge=0, description="results to skip; beyond the end gives an empty page")]
IriQuery = Annotated[str, Query(max_length=4096, description="the concept IRI")]
SearchQuery = Annotated[str, Query(max_length=4096, description="search text (at most 200 characters)")]
QueriesQuery = Annotated[str | None, Query(max_length=2_000_000, description="a JSON object of reconciliation queries")]
SuggestPrefix = Annotated[str | None, Query(max_length=4096, description="what the user typed")]
CursorQuery = Annotated[int, Query(ge=0, le=10_000, description="suggestions to skip")]
SchemeQuery = Annotated[str | None, Query(max_length=4096, description="only this concept scheme of the vocabulary")]
TypeQuery = Annotated[str | None, Query(alias="type", max_length=4096,
                                        description="Skosmos: only concepts of these types (space-separated, e.g. skos:Concept)")]
GroupQuery = Annotated[str | None, Query(max_length=4096, description="Skosmos: only the members of this collection (IRI)")]
FieldsQuery = Annotated[str | None, Query(max_length=1000,
                                          description="Skosmos: extra fields, space-separated: prefLabel, broader, related, …")]


def vocab_service(request: Request) -> VocabService:
    """The per-process vocabulary service, created on first use."""
    return service_of(request.app.state.registry)


def _search_response(service: VocabService, q: str, *, vids, version, lang, parent, include_deprecated, match, offset,
                     limit, scheme=None) -> JSONResponse:
    q = check_query(q)
    hits, more = service.search(
        q, vids=vids, version=version, lang=lang, parent=parent, include_deprecated=include_deprecated,
        mode=match, offset=offset, limit=limit, scheme=scheme,
    )
    # a JSONResponse straight away: the answer is plain JSON already, and FastAPI's
    # jsonable_encoder walk over it cost more than the search itself (benchmarks/vocab.py)
    return JSONResponse({
        "query": q,
        "offset": offset,
        "limit": limit,
        "has_more": more,
        "results": [service.hit_json(v, index, h, lang.lower() if lang else None) for v, index, h in hits],
    })


# The two parameter sets below are dependencies of their routes: `async def`, because they only
# gather their parameters; a plain `def` dependency costs a hop through the threadpool on every
# search before the handler's own (benchmarks/vocab.py).
async def concept_search(
    q: SearchQuery,
    lang: LangQuery = None,
    parent: Annotated[str | None, Query(max_length=4096, description="only concepts below this concept")] = None,
    include_deprecated: bool = False,
    match: Literal["prefix", "exact"] = "prefix",
    offset: OffsetQuery = 0,
    limit: LimitQuery = 20,
    scheme: SchemeQuery = None,
) -> dict[str, Any]:
    """The query parameters of both concept searches (`/search`, `/vocabularies/{vid}/search`)."""
    return dict(q=q, lang=lang, parent=parent, include_deprecated=include_deprecated, match=match, offset=offset,
                limit=limit, scheme=scheme)


async def skosmos_search(
    query: Annotated[str | None, Query(max_length=4096)] = None,
    lang: LangQuery = None,
    labellang: LangQuery = None,
    parent: Annotated[str | None, Query(max_length=4096)] = None,
    unique: Annotated[str | None, Query(max_length=10)] = None,
    maxhits: Annotated[int | None, Query()] = None,
    offset: Annotated[int | None, Query()] = None,
    version: VersionQuery = None,
    type_: TypeQuery = None,
    group: GroupQuery = None,
    fields: FieldsQuery = None,
) -> dict[str, Any]:
    """The query parameters of both Skosmos searches (all vocabularies, or one), as
    `skosmos.search` takes them."""
    return dict(query=query, lang=lang, labellang=labellang, parent=parent, unique=unique, maxhits=maxhits,
                offset=offset, version=version, type=type_, group=group, fields=fields)


def build_router(settings) -> APIRouter:
    router = APIRouter(tags=["vocabularies"])
    base = settings.base_iri

    # --- native API ----------------------------------------------------------------------------

    @router.get("/vocab/vocabularies", summary="Vocabularies with their concept counts, languages and versions")
    def list_vocabularies(request: Request) -> list[dict]:
        return vocab_service(request).list_vocabularies()

    @router.get(
        "/search",
        response_model=dict,
        summary="Search concepts by prefLabel, altLabel, hiddenLabel and notation (ranked, case- and accent-insensitive)",
        description=(
            "Ranking: exact prefLabel, prefLabel prefix, exact alt/hidden label or notation, their prefix, "
            "a word inside a prefLabel, a word inside another label; then shorter labels, then by IRI. "
            "`match=exact` keeps exact matches only. Deprecated concepts are left out unless "
            "`include_deprecated=true` (they are then flagged). Paging beyond the end gives an empty page."
        ),
    )
    def search_all(
        request: Request,
        search: Annotated[dict[str, Any], Depends(concept_search)],
        vocab: Annotated[str | None, Query(max_length=1000, description="vocabulary ids, comma or space separated")] = None,
    ) -> JSONResponse:
        vids = [v for v in (vocab or "").replace(",", " ").split() if v] or None
        return _search_response(vocab_service(request), vids=vids, version=None, **search)

    @router.get("/vocabularies/{vid}/search", response_model=dict, summary="Search the concepts of one vocabulary (see /search)")
    def search_one(
        request: Request,
        vid: IdPath,
        search: Annotated[dict[str, Any], Depends(concept_search)],
        version: VersionQuery = None,
    ) -> JSONResponse:
        return _search_response(vocab_service(request), vids=[vid], version=version, **search)

    @router.get("/vocabularies/{vid}/schemes", summary="The concept schemes of a vocabulary version, with their sizes")
    def schemes(request: Request, vid: IdPath, version: VersionQuery = None, lang: LangQuery = None) -> dict:
        return vocab_service(request).schemes(vid, version, lang)

    @router.get("/vocabularies/{vid}/top", summary="Top concepts of a vocabulary version, or of one of its schemes (roots of the tree)")
    def top(request: Request, vid: IdPath, version: VersionQuery = None, lang: LangQuery = None,
            offset: OffsetQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
            scheme: SchemeQuery = None) -> dict:
        return vocab_service(request).top(vid, version, lang, offset, limit, scheme)

    @router.get("/vocabularies/{vid}/children", summary="Narrower concepts of a concept (children in the tree)")
    def children(request: Request, vid: IdPath, iri: IriQuery, version: VersionQuery = None, lang: LangQuery = None,
                 offset: OffsetQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
        return vocab_service(request).children(vid, iri, version, lang, offset, limit)

    @router.get(
        "/vocabularies/{vid}/concept",
        summary="One concept of a vocabulary: labels, definition, notation, hierarchy, mappings, deprecation",
    )
    def concept_in(request: Request, vid: IdPath, iri: IriQuery, version: VersionQuery = None, lang: LangQuery = None) -> dict:
        return vocab_service(request).concept(iri, vid=vid, version=version, lang=lang)

    @router.get(
        "/vocabularies/{vid}/concept/versions",
        summary="The versions of a vocabulary a concept is in, and when it was added, relabelled, deprecated or removed",
    )
    def concept_versions(request: Request, vid: IdPath, iri: IriQuery, lang: LangQuery = None) -> dict:
        return vocab_service(request).concept_history(vid, iri, lang)

    @router.get(
        "/vocab/concept",
        summary="One concept, in whichever vocabulary has it",
        description=(
            "Looks in the latest version of each vocabulary; a concept removed in a later version "
            "resolves to the newest version that had it, with `removed_in` set to the version that dropped it."
        ),
    )
    def concept_anywhere(request: Request, iri: IriQuery,
                         vocab: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64)] = None,
                         version: VersionQuery = None, lang: LangQuery = None) -> dict:
        return vocab_service(request).concept(iri, vid=vocab, version=version, lang=lang)

    # --- Skosmos REST v1 -----------------------------------------------------------------------

    skosmos_tags = ["skosmos"]

    @router.get("/rest/v1/vocabularies", tags=skosmos_tags, summary="Skosmos: list vocabularies")
    def sk_vocabularies(request: Request, lang: LangQuery = None) -> dict:
        return skosmos.vocabularies(vocab_service(request), base, lang)

    @router.get("/rest/v1/search", response_model=dict, tags=skosmos_tags, summary="Skosmos: search (query=x* prefix, x exact, *x*)")
    def sk_search(
        request: Request,
        search: Annotated[dict[str, Any], Depends(skosmos_search)],
        vocab: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> JSONResponse:
        return JSONResponse(skosmos.search(vocab_service(request), vocab=vocab, **search))

    @router.get("/rest/v1/{vocid}/search", response_model=dict, tags=skosmos_tags, summary="Skosmos: search one vocabulary")
    def sk_search_vocab(
        request: Request, vocid: IdPath, search: Annotated[dict[str, Any], Depends(skosmos_search)]
    ) -> JSONResponse:
        return JSONResponse(skosmos.search(vocab_service(request), vocab=vocid, **search))

    def _sk_data(request: Request, uri: str | None, vid: str | None, fmt: str | None, version: str | None) -> Response:
        if not uri:
            raise InvalidInput("uri parameter missing", code="uri-missing")
        check_iri(uri, "uri")
        service = vocab_service(request)
        wanted = fmt or request.headers.get("accept") or "application/ld+json"
        media = wanted.split(",")[0].split(";")[0].strip().lower()
        if fmt is None and media in ("*/*", "", "application/*"):
            media = "application/ld+json"
        if media in ("application/json", "application/ld+json") or (fmt is None and "json" in wanted):
            _, triples = skosmos.data_triples(service, uri, vid, version)
            media = media if media in ("application/json", "application/ld+json") else "application/json"
            return JSONResponse(skosmos.data_jsonld(triples), media_type=media, headers={"Vary": "Accept"})
        chosen = negotiate_rdf(wanted)
        if chosen is None:
            raise InvalidInput(
                f"unsupported format {wanted[:80]!r}; use application/ld+json, application/json, text/turtle "
                "or application/rdf+xml", code="unsupported-format",
            )
        _, triples = skosmos.data_triples(service, uri, vid, version)
        return Response(serialize(triples, chosen[1]), media_type=chosen[0], headers={"Vary": "Accept"})

    @router.get("/rest/v1/data", tags=skosmos_tags, summary="Skosmos: a concept as JSON-LD (or RDF by format)")
    def sk_data(request: Request, uri: Annotated[str | None, Query(max_length=4096)] = None,
                format: Annotated[str | None, Query(max_length=100)] = None, version: VersionQuery = None) -> Response:
        return _sk_data(request, uri, None, format, version)

    @router.get("/rest/v1/{vocid}/data", tags=skosmos_tags, summary="Skosmos: a concept of one vocabulary as JSON-LD")
    def sk_data_vocab(request: Request, vocid: IdPath, uri: Annotated[str | None, Query(max_length=4096)] = None,
                      format: Annotated[str | None, Query(max_length=100)] = None, version: VersionQuery = None) -> Response:
        return _sk_data(request, uri, vocid, format, version)

    @router.get("/rest/v1/label", tags=skosmos_tags, summary="Skosmos: labels of a concept")
    def sk_label(request: Request, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return skosmos.label(vocab_service(request), uri, None, lang, version)

    @router.get("/rest/v1/{vocid}/label", tags=skosmos_tags, summary="Skosmos: labels of a concept of one vocabulary")
    def sk_label_vocab(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return skosmos.label(vocab_service(request), uri, vocid, lang, version)

    @router.get("/rest/v1/{vocid}/", tags=skosmos_tags, summary="Skosmos: vocabulary information")
    def sk_vocabulary(request: Request, vocid: IdPath, lang: LangQuery = None) -> dict:
        return skosmos.vocabulary_information(vocab_service(request), base, vocid, lang)

    @router.get("/rest/v1/{vocid}/topConcepts", tags=skosmos_tags, summary="Skosmos: top concepts")
    def sk_top(request: Request, vocid: IdPath, lang: LangQuery = None, version: VersionQuery = None,
               scheme: SchemeQuery = None) -> dict:
        return skosmos.top_concepts(vocab_service(request), vocid, lang, version, scheme)

    @router.get("/rest/v1/{vocid}/children", tags=skosmos_tags, summary="Skosmos: narrower concepts with hasChildren")
    def sk_children(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return skosmos.children(vocab_service(request), vocid, uri, lang, version)

    # the rest of Skosmos REST v1 (registry.vocab.skosmos_concepts)

    @router.get("/rest/v1/types", tags=skosmos_tags, summary="Skosmos: the classes of the concepts of every vocabulary")
    def sk_types(request: Request, lang: LangQuery = None) -> dict:
        return sc.types(vocab_service(request), None, lang)

    @router.get("/rest/v1/{vocid}/types", tags=skosmos_tags, summary="Skosmos: the classes of the concepts of a vocabulary")
    def sk_vocab_types(request: Request, vocid: IdPath, lang: LangQuery = None) -> dict:
        return sc.types(vocab_service(request), vocid, lang)

    @router.get("/rest/v1/{vocid}/lookup", tags=skosmos_tags, summary="Skosmos: concepts with exactly this label")
    def sk_lookup(request: Request, vocid: IdPath, label: Annotated[str | None, Query(max_length=4096)] = None,
                  lang: LangQuery = None) -> dict:
        return sc.lookup(vocab_service(request), vocid, label, lang)

    @router.get("/rest/v1/{vocid}/vocabularyStatistics", tags=skosmos_tags, summary="Skosmos: concept, type and group counts")
    def sk_vocabulary_statistics(request: Request, vocid: IdPath, lang: LangQuery = None) -> dict:
        return sc.vocabulary_statistics(vocab_service(request), vocid, lang)

    @router.get("/rest/v1/{vocid}/labelStatistics", tags=skosmos_tags, summary="Skosmos: label counts per language")
    def sk_label_statistics(request: Request, vocid: IdPath, lang: LangQuery = None) -> dict:
        return sc.label_statistics(vocab_service(request), vocid, lang)

    @router.get("/rest/v1/{vocid}/index/", tags=skosmos_tags, summary="Skosmos: initial letters of the labels")
    def sk_index_letters(request: Request, vocid: IdPath, lang: LangQuery = None) -> dict:
        return sc.index_letters(vocab_service(request), vocid, lang)

    @router.get("/rest/v1/{vocid}/index/{letter}", tags=skosmos_tags, summary="Skosmos: concepts by initial letter")
    def sk_index_concepts(request: Request, vocid: IdPath, letter: Annotated[str, Path(max_length=3)], lang: LangQuery = None,
                          offset: OffsetQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> dict:
        return sc.index_concepts(vocab_service(request), vocid, letter, lang, offset, limit)

    def _relation_route(what: str) -> None:
        @router.get(f"/rest/v1/{{vocid}}/{what}", tags=skosmos_tags, summary=f"Skosmos: {what} concepts",
                    name=f"skosmos_{what}")
        def handler(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
            if what in ("broaderTransitive", "narrowerTransitive"):
                return sc.transitive(vocab_service(request), vocid, uri, what, lang, version)
            return sc.relation(vocab_service(request), vocid, uri, what, lang, version)

    for what in ("broader", "broaderTransitive", "narrower", "narrowerTransitive", "related"):
        _relation_route(what)

    @router.get("/rest/v1/{vocid}/hierarchy", tags=skosmos_tags, summary="Skosmos: the concept, its ancestors and their children")
    def sk_hierarchy(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return sc.hierarchy(vocab_service(request), vocid, uri, lang, version)

    @router.get("/rest/v1/{vocid}/groups", tags=skosmos_tags, summary="Skosmos: the collections (groups) of a vocabulary")
    def sk_groups(request: Request, vocid: IdPath, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return sc.groups(vocab_service(request), vocid, lang, version)

    @router.get("/rest/v1/{vocid}/groupMembers", tags=skosmos_tags, summary="Skosmos: the members of a collection")
    def sk_group_members(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None,
                         version: VersionQuery = None) -> dict:
        return sc.group_members(vocab_service(request), vocid, uri, lang, version)

    def _changes_route(what: str) -> None:
        @router.get(f"/rest/v1/{{vocid}}/{what}", tags=skosmos_tags, name=f"skosmos_{what}",
                    summary=f"Skosmos: concepts by {'dct:created' if what == 'new' else 'dct:modified'}, newest first")
        def handler(request: Request, vocid: IdPath, lang: LangQuery = None, offset: OffsetQuery = 0,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
            return sc.changes(vocab_service(request), vocid, what, lang, offset, limit)

    for what in ("new", "modified"):
        _changes_route(what)

    @router.get("/rest/v1/{vocid}/mappings", tags=skosmos_tags, summary="Skosmos: the concept's mappings, with target labels")
    def sk_mappings(request: Request, vocid: IdPath, uri: IriQuery, lang: LangQuery = None, version: VersionQuery = None) -> dict:
        return sc.mappings(vocab_service(request), vocid, uri, lang, version)

    # --- W3C Entity Reconciliation API 0.2 (registry.vocab.reconcile) ------------------------

    rec_tags = ["reconciliation"]

    def _reconcile_get(request: Request, vid: str | None, queries: str | None, lang: str | None) -> dict:
        service = vocab_service(request)
        reconcile.check_vocabulary(service, vid)
        if queries is None:
            return reconcile.manifest(service, base, vid, lang)
        return reconcile.reconcile(service, vid, reconcile.parse_queries(queries), lang)

    async def _reconcile_post(request: Request, vid: str | None, lang: str | None) -> dict:
        form = await request.form(max_files=0, max_fields=10)
        raw = form.get("queries")
        service = vocab_service(request)
        return await run_in_threadpool(
            lambda: (reconcile.check_vocabulary(service, vid),
                     reconcile.reconcile(service, vid, reconcile.parse_queries(raw if isinstance(raw, str) else None), lang))[1]
        )

    @router.get("/reconcile", tags=rec_tags, summary="Reconciliation over every vocabulary: the manifest, or answers to `queries`")
    def rec_all(request: Request, queries: QueriesQuery = None, lang: LangQuery = None) -> dict:
        return _reconcile_get(request, None, queries, lang)

    @router.post("/reconcile", tags=rec_tags, summary="Reconciliation queries over every vocabulary (form field `queries`)")
    async def rec_all_post(request: Request, lang: LangQuery = None) -> dict:
        return await _reconcile_post(request, None, lang)

    @router.get("/reconcile/preview", tags=rec_tags, summary="HTML preview of a concept", response_class=HTMLResponse)
    def rec_preview_all(request: Request, id: IriQuery, lang: LangQuery = None) -> HTMLResponse:
        return HTMLResponse(reconcile.preview(vocab_service(request), None, id, lang))

    @router.get("/reconcile/{vid}", tags=rec_tags, summary="Reconciliation against one vocabulary: the manifest, or answers to `queries`")
    def rec_one(request: Request, vid: IdPath, queries: QueriesQuery = None, lang: LangQuery = None) -> dict:
        return _reconcile_get(request, vid, queries, lang)

    @router.post("/reconcile/{vid}", tags=rec_tags, summary="Reconciliation queries against one vocabulary (form field `queries`)")
    async def rec_one_post(request: Request, vid: IdPath, lang: LangQuery = None) -> dict:
        return await _reconcile_post(request, vid, lang)


    @router.get("/reconcile/suggest/entity", tags=rec_tags, summary="Suggest (entity) over every vocabulary")
    def rec_suggest_all(request: Request, prefix: SuggestPrefix = None, cursor: CursorQuery = 0, lang: LangQuery = None) -> dict:
        return reconcile.suggest_entity(vocab_service(request), None, prefix, cursor, lang)

    @router.get("/reconcile/{vid}/suggest/entity", tags=rec_tags, summary="Suggest (entity) in one vocabulary")
    def rec_suggest(request: Request, vid: IdPath, prefix: SuggestPrefix = None, cursor: CursorQuery = 0,
                    lang: LangQuery = None) -> dict:
        return reconcile.suggest_entity(vocab_service(request), vid, prefix, cursor, lang)

    @router.get("/reconcile/{vid}/preview", tags=rec_tags, summary="HTML preview of a concept of one vocabulary",
                response_class=HTMLResponse)
    def rec_preview(request: Request, vid: IdPath, id: IriQuery, lang: LangQuery = None) -> HTMLResponse:
        return HTMLResponse(reconcile.preview(vocab_service(request), vid, id, lang))

    return router


def install(app: FastAPI, settings) -> None:
    """Add the vocabulary routes; the service is made at start-up (`startup_features`), so that it
    hears of every publication from the first one on and builds new versions' indexes in the
    background, and loads the persisted indexes when the registry starts (issue 16, item 7)."""
    app.include_router(build_router(settings))
    app.state.startup_features["vocab"] = VocabService
    app.state.warm_up.append(warm_up_paths)


#: how many times the warm-up answers its searches: CPython 3.11 specializes a function's
#: bytecode once it ran about eight times, and a search answered once before serving still ran
#: unspecialized in the first request (1M triples, uvicorn: the first search after a restart used
#: 2.6-3.1 ms of CPU against 1.8-2.3 ms for the next ones; 2.0-2.3 ms with the warm-up answered
#: 12 times, load 9-11)
WARM_UP_ROUNDS = 10


def warm_up_paths(registry) -> list[str]:
    """The searches the app answers before serving (`registry.web.app.warm_up`), so that the first
    search after a restart finds the search routes, the hit encoding and the Skosmos namespaces
    ready and their code specialized (`WARM_UP_ROUNDS`): on the first vocabulary whose index is
    open, prefixes of one, three and five characters of labels it has (a short prefix walks long
    runs of the index tables, a long one a few rows), through both search APIs; then one search
    on every other vocabulary whose index is open. None when no index is open: a warm-up never
    builds one (the background build does)."""
    service = service_of(registry)
    paths: list[str] = []
    for vid, versions in service.all_versions().items():
        index = service.cached_index(service.latest(versions))
        if index is None or not len(index.e_key):
            continue
        if paths:
            paths.append(f"/vocabularies/{vid}/search?q={quote(index.e_key[0][:2])}&limit=20")
            continue
        labels = (index.e_key[0], index.e_key[len(index.e_key) // 2])
        prefixes = [quote(labels[0][:1]), quote(labels[1][:3]), quote(labels[0][:5].upper())]
        rounds = [f"/vocabularies/{vid}/search?q={q}&limit=20" for q in prefixes]
        rounds += [f"/rest/v1/search?vocab={vid}&query={q}*&maxhits=20" for q in prefixes]
        paths += rounds * WARM_UP_ROUNDS
    return paths
