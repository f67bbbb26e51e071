"""W3C Entity Reconciliation API 0.2 over the hosted vocabularies (issue 16, item 6), so that
OpenRefine users can reconcile a spreadsheet column against a vocabulary.

Specification: "Reconciliation Service API, v0.2", W3C Entity Reconciliation Community Group
final report, 2023-04-10, https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/
(§3 service manifest, §4 reconciliation queries and candidates, §6 suggest, §7 preview); its JSON
schemas (reconciliation-api/specs, 0.2/schemas) are what the tests validate the answers with.

Mapping: an entity is a concept (`id` its IRI, `name` its prefLabel in the service's language);
the types are `skos:Concept` (every concept) and each concept scheme (its members, see
`VersionIndex.members`). The service language is the `lang` URL parameter of the service URL
(the specification has no per-query language): labels in that language are matched and shown.

Candidates come from the ranked label index (`VocabService.search`). Scores (0-100): an exact
prefLabel 100, an exact altLabel, hiddenLabel or notation 95, a label starting with the query
`80 × |query| / |label|`, a word inside a label `60 × |query| / |label|`. `match` is true for the
single exact hit of a query (two concepts with that exact label: no match, the user chooses).
"""

from __future__ import annotations

import html
import json
import time
from typing import Any

from registry.errors import InvalidInput, NotFound, PayloadTooLarge
from registry.vocab.index import SKOS
from registry.vocab.normalize import fold
from registry.catalog import VersionInfo
from registry.vocab.service import VocabService, check_iri, check_lang, check_query

VERSIONS = ["0.2"]
MAX_QUERIES = 1000
MAX_CANDIDATES = 25
DEFAULT_CANDIDATES = 5
CONCEPT_TYPE = {"id": SKOS + "Concept", "name": "Concept"}
_EXACT = {0: 100.0, 2: 95.0}
_PARTIAL = {1: 80.0, 3: 80.0, 4: 60.0, 5: 60.0}


def _versions(service: VocabService, vid: str | None) -> list[VersionInfo]:
    if vid is None:
        return [service.latest(vs) for vs in service.all_versions().values()]
    return [service.resolve(vid)]


def _scheme_types(service: VocabService, versions: list[VersionInfo], lang: str | None) -> list[dict[str, str]]:
    out = []
    for v in versions:
        for item in service.schemes(v.id, v.version, lang)["results"]:
            out.append({"id": item["iri"], "name": item["label"] or item["iri"]})
    return out


def manifest(service: VocabService, base: str, vid: str | None, lang: str | None) -> dict[str, Any]:
    """The service manifest (§3) of one vocabulary, or of every vocabulary with `vid` None."""
    lang = check_lang(lang)
    versions = _versions(service, vid)
    root = f"{base}reconcile" + (f"/{vid}" if vid else "")
    suffix = f"?lang={lang}" if lang else ""
    title = "every vocabulary" if vid is None else vid
    space = versions[0].schemes[0] if vid is not None and versions and versions[0].schemes else f"{base}vocabularies/"
    return {
        "versions": VERSIONS,
        "name": f"Profile registry: {title}" + (f" ({lang})" if lang else ""),
        "identifierSpace": space,
        "schemaSpace": SKOS,
        "documentation": f"{base}docs",
        "view": {"url": f"{base}ui/concept?iri={{{{id}}}}"},
        "defaultTypes": [CONCEPT_TYPE] + _scheme_types(service, versions, lang),
        "suggest": {"entity": {"service_url": root, "service_path": "/suggest/entity" + suffix}},
        "preview": {"url": f"{root}/preview?id={{{{id}}}}" + (f"&lang={lang}" if lang else ""), "width": 400, "height": 120},
    }


def parse_queries(raw: str | None) -> dict[str, dict[str, Any]]:
    """The `queries` parameter (§4.1): a JSON object of named queries, at most MAX_QUERIES."""
    if raw is None or not raw.strip():
        raise InvalidInput("the queries parameter is missing", code="queries-missing")
    try:
        queries = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"the queries parameter is not JSON: {exc}", code="queries-not-json") from None
    if not isinstance(queries, dict):
        raise InvalidInput("the queries parameter is a JSON object of queries", code="queries-not-object")
    if len(queries) > MAX_QUERIES:
        raise PayloadTooLarge(f"{len(queries)} queries in one batch; the limit is {MAX_QUERIES}", code="too-many-queries")
    for key, query in queries.items():
        where = f"/{key}"
        if not isinstance(query, dict):
            raise InvalidInput(f"query {where} is not an object", code="invalid-query", pointer=where)
        if not isinstance(query.get("query"), str):
            raise InvalidInput(f"query {where} has no query string", code="invalid-query", pointer=where + "/query")
        types = query.get("type")
        if types is not None and not (isinstance(types, str) or (isinstance(types, list) and all(isinstance(t, str) for t in types))):
            raise InvalidInput(f"query {where}: type is a string or a list of strings", code="invalid-query", pointer=where + "/type")
        limit = query.get("limit", DEFAULT_CANDIDATES)
        if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 1:
            raise InvalidInput(f"query {where}: limit is a positive number", code="invalid-query", pointer=where + "/limit")
    return queries


def _type_filter(versions: list[VersionInfo], types) -> list[tuple[VersionInfo, str | None]] | None:
    """(version, scheme or None) pairs to search for the query's types; None when a type is
    unknown to every searched vocabulary (no candidates)."""
    if types is None:
        return [(v, None) for v in versions]
    wanted = [types] if isinstance(types, str) else list(types)
    if not wanted or SKOS + "Concept" in wanted:
        return [(v, None) for v in versions]
    pairs = [(v, t) for t in wanted for v in versions if t in v.schemes]
    return pairs or None


def _score(rank: int, query_key: str, label_key: str) -> float:
    if rank in _EXACT:
        return _EXACT[rank]
    return round(_PARTIAL[rank] * len(query_key) / max(len(label_key), 1), 2)


def _candidates(service: VocabService, pairs, text: str, lang: str | None, limit: int) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    key = fold(text)
    for v, scheme in pairs:
        hits, _ = service.search(text, vids=[v.id], lang=lang, limit=limit, scheme=scheme)
        for _, index, hit in hits:
            cid = index.e_cid[hit.entry]
            iri = index.iris[cid]
            score = _score(hit.rank, key, index.e_key[hit.entry])
            if iri in found and found[iri]["score"] >= score:
                continue
            label, _ = index.best_label(cid, lang, index.e_lang[hit.entry] or None)
            types = [CONCEPT_TYPE] + [{"id": s, "name": s} for s in v.schemes if cid in index.members(s)]
            found[iri] = {"id": iri, "name": label or iri, "score": score, "match": False, "type": types,
                          "description": f"{v.id} {v.version}", "_exact": hit.rank in _EXACT}
    ordered = sorted(found.values(), key=lambda c: (-c["score"], c["name"], c["id"]))[:limit]
    exact = [c for c in ordered if c["_exact"]]
    if len(exact) == 1:
        exact[0]["match"] = True
    for c in ordered:
        del c["_exact"]
    return ordered


def reconcile(service: VocabService, vid: str | None, queries: dict[str, dict[str, Any]],
              lang: str | None, timings: list[float] | None = None) -> dict[str, dict[str, Any]]:
    """Candidates for each query of a batch (§4.2-4.3). `timings`: receives the seconds each
    query of the batch took (benchmarks/vocab.py reports their percentiles)."""
    lang = check_lang(lang)
    versions = _versions(service, vid)
    out: dict[str, dict[str, Any]] = {}
    for key, query in queries.items():
        started = time.perf_counter()
        _answer(service, versions, out, key, query, lang)
        if timings is not None:
            timings.append(time.perf_counter() - started)
    return out


def _answer(service: VocabService, versions: list[VersionInfo], out: dict[str, dict[str, Any]], key: str,
            query: dict[str, Any], lang: str | None) -> None:
    text = query["query"].strip()
    limit = min(int(query.get("limit", DEFAULT_CANDIDATES)), MAX_CANDIDATES)
    pairs = _type_filter(versions, query.get("type"))
    if not text or pairs is None:
        out[key] = {"result": []}
        return
    check_query(text)
    out[key] = {"result": _candidates(service, pairs, text, lang, limit)}


def suggest_entity(service: VocabService, vid: str | None, prefix: str | None, cursor: int,
                   lang: str | None) -> dict[str, Any]:
    """Suggest (entity) (§6): concepts whose label starts with (a word of) `prefix`."""
    lang = check_lang(lang)
    text = check_query(prefix)
    if cursor < 0:
        raise InvalidInput("cursor is a number of suggestions to skip (≥ 0)", code="invalid-cursor")
    vids = [vid] if vid else None
    hits, _ = service.search(text, vids=vids, lang=lang, offset=cursor, limit=10)
    result = []
    for v, index, hit in hits:
        cid = index.e_cid[hit.entry]
        label, _ = index.best_label(cid, lang, index.e_lang[hit.entry] or None)
        result.append({"id": index.iris[cid], "name": label or index.iris[cid],
                       "description": f"{v.id} {v.version}", "notable": [CONCEPT_TYPE]})
    return {"result": result}


def preview(service: VocabService, vid: str | None, iri: str, lang: str | None) -> str:
    """An HTML preview of a concept (§7): its label, vocabulary, definition and broader concepts.
    Every value is escaped: labels are third-party text."""
    lang = check_lang(lang)
    check_iri(iri, "id")
    concept = service.concept(iri, vid=vid, lang=lang)
    esc = html.escape
    definition = next(iter((concept["definition"].get(lang or "") or concept["definition"].get("en")
                            or next(iter(concept["definition"].values()), []))), "")
    broader = ", ".join(esc(b["label"] or b["iri"]) for b in concept["broader"][:5])
    parts = [
        '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'.format(
            esc(concept["label_lang"] or "en"), esc(concept["label"] or iri)),
        '<body style="font-family:sans-serif;font-size:13px;margin:4px">',
        f'<strong>{esc(concept["label"] or iri)}</strong> <small>{esc(concept["vocabulary"])} {esc(concept["version"])}</small>',
        f"<div>{esc(definition[:400])}</div>" if definition else "",
        f"<div>⊂ {broader}</div>" if broader else "",
        f"<div><small>{esc(iri)}</small></div></body></html>",
    ]
    return "".join(parts)


def check_vocabulary(service: VocabService, vid: str | None) -> None:
    if vid is not None:
        service.versions(vid)  # 404 for an unknown vocabulary
    elif not service.all_versions():
        raise NotFound("no vocabulary is published yet", code="vocabulary-not-found")
