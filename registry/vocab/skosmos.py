"""Skosmos REST v1 response shapes, for clients written against Skosmos (Dataverse's external
vocabulary script `skosmos.js`, used by Recherche Data Gouv, among them).

Shapes follow NatLibFi/Skosmos `RestController` (search: `transformSearchResults`; data:
`returnDataResults`, a JSON-LD document compacted with Skosmos' context; vocabularies,
vocabularyInformation, topConcepts, children, label) and `GenericSparql::transformConceptSearchResult`
for the fields of one search result (uri, type, localname, prefLabel, lang, notation,
matchedPrefLabel | altLabel | hiddenLabel, vocab).

Search semantics as in Skosmos: `query=x*` prefix, `*x` suffix, `*x*` infix, `x` exact; `lang`
restricts the matched labels to that language and picks the displayed prefLabel (`labellang`
overrides the latter); `parent` keeps concepts below that concept; `unique=true` one result per
concept; deprecated concepts are left out. Registry differences: matching is case- and
accent-insensitive, a prefix also matches inner words (as Skosmos' Jena text index does), results
are ranked (exact prefLabel, prefLabel prefix, exact alt/hidden label, …) rather than sorted
alphabetically, and `maxhits` defaults to 100 (its upper bound).
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from registry.errors import InvalidInput
from registry.vocab.index import ALT, HIDDEN, NOTATION, PREF
from registry.catalog import VersionInfo
from registry.vocab.service import VocabService, check_iri, check_query

SEARCH_CONTEXT = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "onki": "http://schema.onki.fi/onki#",
    "uri": "@id",
    "type": "@type",
    "results": {"@id": "onki:results", "@container": "@list"},
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "hiddenLabel": "skos:hiddenLabel",
}
DATA_CONTEXT = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dct": "http://purl.org/dc/terms/",
    "dc11": "http://purl.org/dc/elements/1.1/",
    "uri": "@id",
    "type": "@type",
    "lang": "@language",
    "value": "@value",
    "graph": "@graph",
    "label": "rdfs:label",
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "hiddenLabel": "skos:hiddenLabel",
    "broader": "skos:broader",
    "narrower": "skos:narrower",
    "related": "skos:related",
    "inScheme": "skos:inScheme",
    "exactMatch": "skos:exactMatch",
    "closeMatch": "skos:closeMatch",
    "broadMatch": "skos:broadMatch",
    "narrowMatch": "skos:narrowMatch",
    "relatedMatch": "skos:relatedMatch",
}
_TERMS = {
    DATA_CONTEXT[k].replace("skos:", DATA_CONTEXT["skos"]).replace("rdfs:", DATA_CONTEXT["rdfs"]): k
    for k in ("label", "prefLabel", "altLabel", "hiddenLabel", "broader", "narrower", "related", "inScheme",
              "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
}
_PREFIXES = [(ns, p) for p, ns in DATA_CONTEXT.items() if isinstance(ns, str) and ns.startswith("http")]
#: What Skosmos' shortenUri (EasyRdf's namespace map) shortens in search result types.
_SHORT = _PREFIXES + [
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"),
    ("http://xmlns.com/foaf/0.1/", "foaf"),
    ("http://www.w3.org/2001/XMLSchema#", "xsd"),
]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = DATA_CONTEXT["skos"]


def shorten(iri: str, prefixes=_SHORT) -> str:
    for ns, prefix in prefixes:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def parse_term(query: str) -> tuple[str, str]:
    """Skosmos wildcard syntax → (text, mode)."""
    while "**" in query:
        query = query.replace("**", "*")
    starts, ends = query.startswith("*"), query.endswith("*")
    text = query.strip("*")
    if "*" in text:  # an inner wildcard: Skosmos uses a regex; take the part before it as a prefix
        text, ends, starts = text.split("*", 1)[0], True, starts
    if starts and ends:
        return text, "contains"
    if starts:
        return text, "suffix"
    if ends:
        return text, "prefix"
    return text, "exact"


def _absent(value: str | None) -> bool:
    # Dataverse's skosmos.js sends `parent=` + an attribute that may be missing ("undefined").
    return value is None or value.strip() in ("", "undefined", "null")


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def search(
    service: VocabService,
    *,
    query: str | None,
    vocab: str | None,
    lang: str | None,
    labellang: str | None,
    parent: str | None,
    unique: str | None,
    maxhits: int | None,
    offset: int | None,
    version: str | None = None,
    type: str | None = None,
    group: str | None = None,
    fields: str | None = None,
) -> dict[str, Any]:
    """Skosmos `search`. With `parent` and no `query`: every concept below that concept (what
    Skosmos answers to `query=*` with a parent), sorted by label.

    As Skosmos (`ConceptSearchParameters`, `GenericSparql::generateConceptSearchQuery`):
    `type` limits to concepts of any of the given types (space- or `+`-separated, prefixed
    names like `skos:Concept` or IRIs); `group` to the direct skos:members of that collection;
    `fields` (space-separated) adds `prefLabels` ({language: label}) for `prefLabel` and
    `skos:<field>` for any other SKOS property: a list of {uri, prefLabel} for resources and of
    strings for literals (those in `lang` when it is given)."""
    parent = None if _absent(parent) else check_iri(parent.strip(), "parent")
    types = _types(type)
    group = None if _absent(group) else check_iri((group or "").strip(), "group")
    extra = _fields(fields)
    term = check_query(query, required=parent is None)
    text, mode = parse_term(term) if term else ("", "exact")
    vids = [v for v in (vocab or "").split() if v] or None
    limit = 100 if maxhits is None else maxhits
    if limit < 1 or limit > 100:
        raise InvalidInput("maxhits is between 1 and 100", code="invalid-maxhits")
    if offset is not None and offset < 0:
        raise InvalidInput("offset is invalid", code="invalid-offset")
    display = labellang or lang
    wanted = display.lower() if display else None
    namespaces = _namespaces(service)
    results = []
    if not text.strip():  # no query (or only wildcards): the parent's subtree
        filtered = bool(types or group)
        below = service.below(parent, vids=vids, version=version, lang=lang.lower() if lang else None,
                              offset=0 if filtered else offset or 0, limit=1 << 30 if filtered else limit)
        if filtered:  # the subtree is sorted whole anyway: filter it, then take the page
            below = [(v, index, cid) for v, index, cid in below
                     if (types is None or not types.isdisjoint(index.types.get(cid, ())))
                     and (group is None or cid in _members_of(index, group))][offset or 0:(offset or 0) + limit]
        rows = list(below)
        results = [concept_item(v, index, cid, wanted, None, namespaces) for v, index, cid in rows]
    else:
        hits, _ = service.search(
            text, vids=vids, version=version, lang=lang, parent=parent, include_deprecated=False,
            mode=mode, offset=offset or 0, limit=limit, unique=_bool(unique), kinds=(PREF, ALT, HIDDEN, NOTATION),
            group=group, types=types,
        )
        rows = [(v, index, index.e_cid[hit.entry]) for v, index, hit in hits]
        results = [search_item(v, index, hit, wanted, namespaces) for v, index, hit in hits]
    if extra:
        _add_fields(service, rows, results, extra, lang.lower() if lang else None)
    context = dict(SEARCH_CONTEXT)
    if display:
        context["@language"] = display
    return {"@context": context, "uri": "", "results": results}


def _types(value: str | None) -> frozenset[str] | None:
    """Skosmos `type`: types separated by spaces or `+`, prefixed (skos:Concept) or IRIs."""
    if _absent(value):
        return None
    out = set()
    for name in (value or "").replace("+", " ").split():
        prefix, _, local = name.partition(":")
        expanded = next((ns + local for ns, p in _SHORT if p == prefix), name)
        out.add(check_iri(expanded, "type"))
    return frozenset(out) or None


_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


def _fields(value: str | None) -> list[str]:
    """Skosmos `fields`: SKOS property local names (prefLabel, broader, related, definition, …)."""
    if _absent(value):
        return []
    names = (value or "").split()
    for name in names:
        if not _FIELD.fullmatch(name):
            raise InvalidInput(f"fields: {name[:70]!r} is not the local name of a SKOS property", code="invalid-fields")
    return list(dict.fromkeys(names))[:20]


def _members_of(index, group: str) -> frozenset[int]:
    gid = index.ids.get(group)
    return frozenset(index.groups[gid]) if gid is not None and gid in index.groups else frozenset()


def _add_fields(service: VocabService, rows, results: list[dict[str, Any]], fields: list[str], lang: str | None) -> None:
    """The `fields` of `search` (`GenericSparql::formatExtraFields` and
    `transformConceptSearchResult`): `prefLabels` from the index, the other properties with one
    SELECT per version over the page's concepts."""
    by_version: dict[str, tuple[VersionInfo, list[str]]] = {}
    for (v, index, cid), item in zip(rows, results):
        if "prefLabel" in fields:
            labels = index.pref[cid]
            if labels:
                item["prefLabels"] = dict(labels)
        by_version.setdefault(v.graph, (v, []))[1].append(index.iris[cid])
    properties = [f for f in fields if f != "prefLabel"]
    if not properties:
        return
    found: dict[tuple[str, str], list[Any]] = {}
    for v, iris in by_version.values():
        subjects = " ".join(str(ox.NamedNode(iri)) for iri in dict.fromkeys(iris))  # IRIs from the index
        bindings = {f"p{i}": ox.NamedNode(SKOS + name) for i, name in enumerate(properties)}
        values = " ".join(f"$p{i}" for i in range(len(properties)))
        rows_ = service.store.select(
            f"""SELECT ?s ?p ?o ?ol WHERE {{ VALUES ?s {{ {subjects} }} VALUES ?p {{ {values} }} ?s ?p ?o
                 OPTIONAL {{ ?o <{SKOS}prefLabel> ?ol }} }}""",
            bindings=bindings, default_graph=[v.graph],
        )
        labels: dict[tuple[str, str, str], dict[str, str]] = {}
        order: list[tuple[str, str, Any]] = []
        for row in rows_:
            s_, p_, o = row["s"].value, row["p"].value[len(SKOS):], row["o"]
            if isinstance(o, ox.Literal):
                if lang and not (o.language or "").lower().startswith(lang) and o.language:
                    continue
                if (s_, p_, o.value) not in labels:
                    labels[(s_, p_, o.value)] = {}
                    order.append((s_, p_, o.value))
                continue
            key = (s_, p_, o.value)
            if key not in labels:
                labels[key] = {}
                order.append((s_, p_, o))
            ol = row.get("ol")
            if isinstance(ol, ox.Literal):
                labels[key].setdefault(ol.language or "", ol.value)
        for s_, p_, o in order:
            if isinstance(o, str):
                found.setdefault((s_, p_), []).append(o)
            else:
                value: dict[str, Any] = {"uri": o.value}
                label = _pick_label(labels[(s_, p_, o.value)], lang)
                if label is not None:
                    value["prefLabel"] = label
                found.setdefault((s_, p_), []).append(value)
    for (_v, index, cid), item in zip(rows, results):
        for name in properties:
            values = found.get((index.iris[cid], name))
            if values:
                item["skos:" + name] = values


def _pick_label(labels: dict[str, str], lang: str | None) -> str | None:
    for wanted in (lang, "en", ""):
        if wanted is not None and wanted in labels:
            return labels[wanted]
    return labels[min(labels)] if labels else None


def concept_item(v: VersionInfo, index, cid: int, display: str | None, fallback: str | None,
                 namespaces: dict[str, list[str]]) -> dict[str, Any]:
    """The fields every Skosmos search result has: uri, type, localname, prefLabel, lang,
    notation, vocab (`GenericSparql::transformConceptSearchResult`)."""
    iri = index.iris[cid]
    label, label_lang = index.best_label(cid, display, fallback)
    item: dict[str, Any] = {"uri": iri}
    item["type"] = [shorten(t) for t in index.types.get(cid, [SKOS + "Concept"])]
    local = _localname(iri, _spaces(v, namespaces))
    if local is not None:
        item["localname"] = local
    if label is not None:
        item["prefLabel"] = label
        item["lang"] = label_lang
    if cid in index.notation:
        item["notation"] = index.notation[cid]
    item["vocab"] = v.id
    return item


def search_item(v: VersionInfo, index, hit, display: str | None, namespaces: dict[str, list[str]]) -> dict[str, Any]:
    """A search result: `concept_item` and the label that matched (matchedPrefLabel, altLabel
    or hiddenLabel, with `lang` its language)."""
    e = hit.entry
    cid = index.e_cid[e]
    item = concept_item(v, index, cid, display, index.e_lang[e] or None, namespaces)
    kind, matched = index.e_kind[e], index.e_text[e]
    if kind == PREF and matched != item.get("prefLabel"):
        item["matchedPrefLabel"] = matched
        item["lang"] = index.e_lang[e]
    elif kind == ALT:
        item["altLabel"] = matched
        item["lang"] = index.e_lang[e]
    elif kind == HIDDEN:
        item["hiddenLabel"] = matched
        item["lang"] = index.e_lang[e]
    return item


def _namespaces(service: VocabService) -> dict[str, list[str]]:
    """Community id → its namespaces, longest first; read again when the store changes."""
    generation = service.store.generation
    cached = service.extensions_cache.get("skosmos-namespaces")
    if cached is not None and cached[0] == generation:
        return cached[1]
    found = {c.id: sorted(c.namespaces, key=len, reverse=True) for c in service.registry.catalog.communities()}
    service.extensions_cache["skosmos-namespaces"] = (generation, found)
    return found


def _spaces(v: VersionInfo, namespaces: dict[str, list[str]]) -> list[str]:
    """Where a vocabulary's concept IRIs live (Skosmos' uriSpace): below the concept scheme IRI,
    else in the publishing community's namespaces; longest first."""
    spaces = list(namespaces.get(v.community, []))
    if v.scheme:
        cut = max(v.scheme.rfind("/"), v.scheme.rfind("#"))
        spaces += [v.scheme + "/", v.scheme + "#", v.scheme[: cut + 1]]
    return sorted(set(spaces), key=len, reverse=True)


def _localname(iri: str, namespaces: list[str]) -> str | None:
    for ns in namespaces:
        if iri.startswith(ns) and len(iri) > len(ns):
            return iri[len(ns):]
    return None


# --- data -------------------------------------------------------------------------------------


def data_triples(service: VocabService, uri: str, vid: str | None, version: str | None) -> tuple[VersionInfo, list[ox.Triple]]:
    """The concept's own triples, plus the type and labels of the resources it points to."""
    v, _ = service.locate(uri, vid, version)
    c = ox.NamedNode(uri)
    rows = service.store.select(
        """SELECT ?s ?p ?o WHERE {
             { $c ?p ?o BIND($c AS ?s) }
             UNION
             { $c ?q ?s FILTER(isIRI(?s) && ?s != $c)
               VALUES ?p { <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#prefLabel> }
               ?s ?p ?o } }""",
        bindings={"c": c},
        default_graph=[v.graph],
    )
    seen = set()
    triples = []
    for row in rows:
        t = ox.Triple(row["s"], row["p"], row["o"])
        if t not in seen:
            seen.add(t)
            triples.append(t)
    return v, triples


def _value(term) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"uri": term.value}
    if isinstance(term, ox.BlankNode):
        return {"uri": f"_:{term.value}"}
    if term.language:
        return {"lang": term.language, "value": term.value}
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return term.value
    return {"type": shorten(term.datatype.value, _PREFIXES), "value": term.value}


def data_jsonld(triples: list[ox.Triple]) -> dict[str, Any]:
    """A JSON-LD document shaped as Skosmos' `/data` answer: `@context` and a `graph` of nodes,
    each with `uri`, `type` and compacted properties (one value: the value; several: a list)."""
    nodes: dict[str, dict[str, list]] = {}
    for t in triples:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        node = nodes.setdefault(s, {})
        p = t.predicate.value
        if p == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("type", []).append(shorten(t.object.value, _PREFIXES))
            continue
        key = _TERMS.get(p) or shorten(p, _PREFIXES)
        node.setdefault(key, []).append(_value(t.object))
    graph = []
    for s in sorted(nodes):
        out: dict[str, Any] = {"uri": s}
        props = nodes[s]
        if "type" in props:
            types = props.pop("type")
            out["type"] = types[0] if len(types) == 1 else types
        for key in sorted(props):
            values = props[key]
            out[key] = values[0] if len(values) == 1 else values
        graph.append(out)
    return {"@context": DATA_CONTEXT, "graph": graph}


# --- vocabulary-level -------------------------------------------------------------------------


def vocabularies(service: VocabService, base: str, lang: str | None) -> dict[str, Any]:
    items = []
    for item in service.list_vocabularies():
        title = item["title"]
        items.append({"uri": item["id"], "id": item["id"], "title": title.get(lang or "en") or next(iter(title.values()), item["id"])})
    return {
        "@context": {
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "onki": "http://schema.onki.fi/onki#",
            "title": {"@id": "rdfs:label", "@language": lang or "en"},
            "vocabularies": "onki:hasVocabulary",
            "id": "onki:vocabularyIdentifier",
            "uri": "@id",
            "@base": base + "rest/v1/vocabularies",
        },
        "uri": "",
        "vocabularies": items,
    }


def vocabulary_information(service: VocabService, base: str, vid: str, lang: str | None) -> dict[str, Any]:
    item = next((x for x in service.list_vocabularies() if x["id"] == vid), None)
    if item is None:
        service.versions(vid)  # raises the 404
    title = item["title"]
    languages = item["languages"]
    default = "en" if "en" in languages else (languages[0] if languages else None)
    schemes = []
    for found in service.schemes(vid, None, lang or default)["results"]:
        scheme: dict[str, Any] = {"uri": found["iri"], "type": "skos:ConceptScheme"}
        label = found["label"] or title.get(lang or default or "en") or next(iter(title.values()), None)
        if label:
            scheme["prefLabel"] = label
        schemes.append(scheme)
    return {
        "@context": {
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "skos": SKOS,
            "onki": "http://schema.onki.fi/onki#",
            "dct": "http://purl.org/dc/terms/",
            "uri": "@id",
            "type": "@type",
            "conceptschemes": "onki:hasConceptScheme",
            "id": "onki:vocabularyIdentifier",
            "defaultLanguage": "onki:defaultLanguage",
            "languages": "onki:language",
            "label": "rdfs:label",
            "prefLabel": "skos:prefLabel",
            "title": "dct:title",
            "@language": lang or default,
            "@base": f"{base}rest/v1/{vid}/",
        },
        "uri": "",
        "id": vid,
        "title": title.get(lang or default or "en") or next(iter(title.values()), vid),
        "defaultLanguage": default,
        "languages": languages,
        "conceptschemes": schemes,
    }


def top_concepts(service: VocabService, vid: str, lang: str | None, version: str | None,
                 scheme: str | None = None) -> dict[str, Any]:
    """Skosmos `topConcepts` (`scheme=` picks one of the vocabulary's concept schemes; without
    it, the top concepts of every scheme, each with the scheme it is top of)."""
    v = service.resolve(vid, version)
    scheme = service.check_scheme(v, scheme)
    index = service.index(v)
    lang = lang.lower() if lang else None
    top_of = {c: s for s, tops in sorted(index.scheme_tops.items(), reverse=True) for c in tops}
    items = []
    for cid in service.by_label(index, index.top_of(scheme), lang):
        label, _ = index.best_label(cid, lang)
        item: dict[str, Any] = {"uri": index.iris[cid], "topConceptOf": scheme or top_of.get(cid, v.scheme),
                                "label": label, "hasChildren": bool(index.children.get(cid))}
        if cid in index.notation:
            item["notation"] = index.notation[cid]
        items.append(item)
    return {
        "@context": {"skos": SKOS, "uri": "@id", "type": "@type", "onki": "http://schema.onki.fi/onki#",
                     "topconcepts": "skos:hasTopConcept", "notation": "skos:notation", "label": "skos:prefLabel",
                     "@language": lang},
        "uri": scheme or v.scheme or (v.schemes[0] if v.schemes else ""),
        "topconcepts": items,
    }


def children(service: VocabService, vid: str, uri: str, lang: str | None, version: str | None) -> dict[str, Any]:
    page = service.children(vid, uri, version, lang, 0, 10_000)
    items = []
    for child in page["results"]:
        item: dict[str, Any] = {"uri": child["iri"], "prefLabel": child["label"], "hasChildren": child["has_children"]}
        if "notation" in child:
            item["notation"] = child["notation"]
        items.append(item)
    return {
        "@context": {"skos": SKOS, "uri": "@id", "type": "@type", "narrower": "skos:narrower",
                     "prefLabel": "skos:prefLabel", "notation": "skos:notation", "@language": lang},
        "uri": uri,
        "narrower": items,
    }


def label(service: VocabService, uri: str, vid: str | None, lang: str | None, version: str | None) -> dict[str, Any]:
    concept = service.concept(uri, vid=vid, version=version, lang=lang)
    out: dict[str, Any] = {
        "@context": {"skos": SKOS, "uri": "@id", "type": "@type", "prefLabel": "skos:prefLabel",
                     "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel", "@language": lang},
        "uri": uri,
    }
    if concept["label"] is not None:
        out["prefLabel"] = concept["label"]
    for key in ("altLabel", "hiddenLabel"):
        values = concept[key].get(concept["label_lang"] or "", []) if not lang else concept[key].get(lang, [])
        if values:
            out[key] = values
    return out
