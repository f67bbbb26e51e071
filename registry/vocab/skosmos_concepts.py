"""The rest of Skosmos REST v1 (issue 16, item 5): lookup, hierarchy, broader[Transitive],
narrower[Transitive], related, types, vocabularyStatistics, labelStatistics, index, groups,
groupMembers, new, modified and mappings.

Shapes: the definitions of Skosmos's API specification (NatLibFi/Skosmos `swagger.json`; the part
the tests compare with is committed in tests/vocab/data/skosmos-swagger.json) and, where the
specification is silent, NatLibFi/Skosmos `RestController`. Everything is read from the version's
label index (`VersionIndex`), except the relations the index does not keep (skos:related,
mappings, dates), read from the concepts graph with bound terms.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pyoxigraph as ox

from registry.errors import InvalidInput, NotFound
from registry.namespaces import SPARQL_PREFIXES
from registry.vocab.index import ALT, HIDDEN, PREF, SKOS, VersionIndex
from registry.vocab.normalize import fold
from registry.catalog import VersionInfo
from registry.vocab.service import MAPPING_PROPERTIES, VocabService, check_iri, check_lang, check_query
from registry.vocab.skosmos import _namespaces, search_item, shorten

ONKI = "http://schema.onki.fi/onki#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
COLLECTION = SKOS + "Collection"
_TYPE_LABELS = {SKOS + "Concept": "Concept", COLLECTION: "Collection",
                SKOS + "OrderedCollection": "Ordered collection"}


def _context(lang: str | None, **terms: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"skos": SKOS, "onki": ONKI, "uri": "@id", "type": "@type", **terms}
    if lang:
        context["@language"] = lang
    return context


def _concept(service: VocabService, vid: str, uri: str, version: str | None) -> tuple[VersionInfo, VersionIndex, int]:
    check_iri(uri, "uri")
    v = service.resolve(vid, version)
    index = service.index(v)
    cid = index.ids.get(uri)
    if cid is None or (cid not in index.is_concept and cid not in index.groups):
        raise NotFound(f"no concept {uri} in {vid} {v.version}", code="concept-not-found")
    return v, index, cid


def _label(index: VersionIndex, cid: int, lang: str | None) -> str:
    return index.best_label(cid, lang)[0] or index.iris[cid]


def _pref_and_uri(index: VersionIndex, cids, lang: str | None) -> list[dict[str, Any]]:
    return [{"uri": index.iris[c], "prefLabel": _label(index, c, lang)}
            for c in sorted(cids, key=lambda c: (fold(_label(index, c, lang)), index.iris[c]))]


# --- lookup ------------------------------------------------------------------------------------


def lookup(service: VocabService, vid: str, label: str | None, lang: str | None) -> dict[str, Any]:
    """`lookup`: the concepts whose label is exactly `label` (case- and accent-insensitive),
    prefLabel matches first; 404 when there is none (as Skosmos)."""
    text = check_query(label)
    lang = check_lang(lang)
    hits, _ = service.search(text, vids=[vid], lang=lang, mode="exact", limit=100, unique=True,
                             kinds=(PREF, ALT, HIDDEN))
    if not hits:
        raise NotFound(f"no concept labelled {text[:100]!r} in {vid}", code="concept-not-found")
    namespaces = _namespaces(service)
    return {"@context": _context(lang, result={"@id": "onki:results", "@container": "@list"}),
            "result": [search_item(v, index, hit, lang, namespaces) for v, index, hit in hits]}


# --- relations ---------------------------------------------------------------------------------


def _related(service: VocabService, v: VersionInfo, index: VersionIndex, cid: int) -> list[int]:
    rows = service.store.select(
        SPARQL_PREFIXES + "SELECT DISTINCT ?r WHERE { { $c skos:related ?r } UNION { ?r skos:related $c } FILTER(isIRI(?r)) }",
        bindings={"c": ox.NamedNode(index.iris[cid])},
        default_graph=[v.graph],
    )
    found = (index.ids.get(row["r"].value) for row in rows)
    return [c for c in found if c is not None]


def relation(service: VocabService, vid: str, uri: str, what: str, lang: str | None,
             version: str | None = None) -> dict[str, Any]:
    """`broader`, `narrower`, `related`: `{uri, <what>: [{uri, prefLabel}]}` (BroaderResult,
    NarrowerResult, RelatedResult). broader/narrower include the inverse statements (S25)."""
    lang = check_lang(lang)
    v, index, cid = _concept(service, vid, uri, version)
    if what == "broader":
        cids = index.parents.get(cid, [])
    elif what == "narrower":
        cids = index.children.get(cid, [])
    else:
        cids = _related(service, v, index, cid)
    return {"@context": _context(lang, prefLabel="skos:prefLabel", **{what: f"skos:{what}"}),
            "uri": uri, what: _pref_and_uri(index, cids, lang)}


def _closure(index: VersionIndex, cid: int, step: Any, limit: int = 10_000) -> list[int]:
    out: list[int] = []
    stack, seen = [cid], {cid}
    while stack and len(out) < limit:
        c = stack.pop()
        out.append(c)
        for n in step.get(c, ()):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return out


def transitive(service: VocabService, vid: str, uri: str, what: str, lang: str | None,
               version: str | None = None) -> dict[str, Any]:
    """`broaderTransitive` / `narrowerTransitive`: the concept and every concept above (below)
    it, each with the IRIs of its direct broader (narrower) ones, as the specification's arrays
    (BroaderTransitiveResult, NarrowerTransitiveResult)."""
    lang = check_lang(lang)
    v, index, cid = _concept(service, vid, uri, version)
    step, key = (index.parents, "broader") if what == "broaderTransitive" else (index.children, "narrower")
    items = []
    for c in _closure(index, cid, step):
        item: dict[str, Any] = {"uri": index.iris[c], "prefLabel": _label(index, c, lang)}
        if step.get(c):
            item[key] = [index.iris[n] for n in step[c]]
        items.append(item)
    return {"@context": _context(lang, prefLabel="skos:prefLabel", **{what: f"skos:{what}", key: f"skos:{key}"}),
            "uri": uri, what: items}


def hierarchy(service: VocabService, vid: str, uri: str, lang: str | None, version: str | None = None) -> dict[str, Any]:
    """`hierarchy`: the concept and its ancestors, each with its broader IRIs, its narrower
    concepts (label, hasChildren) and `top` (the scheme) when it is a top concept (Hierarchy)."""
    lang = check_lang(lang)
    v, index, cid = _concept(service, vid, uri, version)
    top_of = {c: s for s, tops in sorted(index.scheme_tops.items(), reverse=True) for c in tops}
    items = []
    for c in _closure(index, cid, index.parents):
        item: dict[str, Any] = {"uri": index.iris[c], "prefLabel": _label(index, c, lang),
                                "hasChildren": bool(index.children.get(c))}
        if index.parents.get(c):
            item["broader"] = [index.iris[p] for p in index.parents[c]]
        kids = index.children.get(c, [])
        if kids:
            item["narrower"] = [
                {"uri": index.iris[k], "label": _label(index, k, lang), "hasChildren": bool(index.children.get(k))}
                for k in sorted(kids, key=lambda k: (fold(_label(index, k, lang)), index.iris[k]))
            ]
        if c in index.notation:
            item["notation"] = index.notation[c]
        if c in top_of:
            item["top"] = top_of[c]
        items.append(item)
    return {"@context": _context(lang, prefLabel="skos:prefLabel", broader="skos:broader", narrower="skos:narrower",
                                 broaderTransitive="skos:broaderTransitive", top="skos:topConceptOf"),
            "uri": uri, "broaderTransitive": items}


# --- types and statistics ----------------------------------------------------------------------


def _class_labels(service: VocabService, v: VersionInfo, classes: list[str], lang: str | None) -> dict[str, str]:
    """rdfs:label or skos:prefLabel of classes defined in the vocabulary itself (UNESCO's
    MicroThesaurus, for instance), in `lang` when it has one."""
    out: dict[str, str] = {}
    for cls in classes:
        rows = service.store.select(
            SPARQL_PREFIXES + "SELECT ?l WHERE { $c rdfs:label|skos:prefLabel ?l FILTER(isLiteral(?l)) }",
            bindings={"c": ox.NamedNode(cls)}, default_graph=[v.graph],
        )
        labels = {row["l"].language or "": row["l"].value for row in rows}
        if labels:
            out[cls] = labels.get(lang or "en") or labels.get("en") or next(iter(labels.values()))
        elif cls in _TYPE_LABELS:
            out[cls] = _TYPE_LABELS[cls]
    return out


def _type_counts(index: VersionIndex) -> dict[str, tuple[int, int]]:
    """type IRI → (resources, deprecated ones), over concepts and collections."""
    counts: dict[str, list[int]] = {}
    for cid in index.is_concept:
        for t in index.types.get(cid, [SKOS + "Concept"]):
            c = counts.setdefault(t, [0, 0])
            c[0] += 1
            c[1] += cid in index.deprecated
    if index.groups:
        counts[COLLECTION] = [len(index.groups), sum(1 for g in index.groups if g in index.deprecated)]
    return {t: (n, d) for t, (n, d) in counts.items()}


def types(service: VocabService, vid: str | None, lang: str | None) -> dict[str, Any]:
    """`types` (every vocabulary) and `{vocid}/types`: the classes of the concepts and groups,
    the non-SKOS ones with `superclass` skos:Concept (TypeList)."""
    lang = check_lang(lang)
    vids = [vid] if vid else list(service.all_versions())
    found: dict[str, str | None] = {}
    labels: dict[str, str] = {}
    for one in vids:
        v = service.resolve(one)
        index = service.index(v)
        classes = sorted(_type_counts(index))
        for cls in classes:
            found.setdefault(cls, None if cls in _TYPE_LABELS else SKOS + "Concept")
        labels.update({k: x for k, x in _class_labels(service, v, classes, lang).items() if k not in labels})
    items = []
    for cls in sorted(found):
        item: dict[str, Any] = {"uri": cls}
        if cls in labels:
            item["label"] = labels[cls]
        if found[cls]:
            item["superclass"] = found[cls]
        items.append(item)
    return {"@context": _context(lang, rdfs="http://www.w3.org/2000/01/rdf-schema#", label="rdfs:label",
                                 superclass={"@id": "rdfs:subClassOf", "@type": "@id"},
                                 types="onki:hasType"),
            "uri": "", "types": items}


def _title(service: VocabService, vid: str, lang: str | None) -> str:
    item: dict = next((x for x in service.registry.catalog.summaries("vocabulary") if x["id"] == vid), {})
    title = item.get("title") or {}
    return title.get(lang or "en") or title.get("en") or next(iter(title.values()), vid)


def vocabulary_statistics(service: VocabService, vid: str, lang: str | None) -> dict[str, Any]:
    """`vocabularyStatistics` (VocabularyStatistics): concepts, their sub-types, groups."""
    lang = check_lang(lang)
    v = service.resolve(vid)
    index = service.index(v)
    counts = _type_counts(index)
    labels = _class_labels(service, v, sorted(counts), lang)
    concepts = len(index.is_concept)
    deprecated = sum(1 for c in index.is_concept if c in index.deprecated)
    out: dict[str, Any] = {
        "@context": _context(lang, rdfs="http://www.w3.org/2000/01/rdf-schema#", void="http://rdfs.org/ns/void#",
                             id="onki:vocabularyIdentifier", concepts="void:classPartition", label="rdfs:label",
                             **{"class": {"@id": "void:class", "@type": "@id"}},
                             subTypes={"@id": "void:class", "@type": "@id"}, count="void:entities"),
        "uri": "",
        "id": vid,
        "title": _title(service, vid, lang),
        "concepts": {"class": SKOS + "Concept", "label": "Concept", "count": concepts, "deprecatedCount": deprecated},
        "subTypes": [
            {"type": t, "label": labels.get(t, shorten(t)), "count": n, "deprecatedCount": d}
            for t, (n, d) in sorted(counts.items()) if t not in (SKOS + "Concept", COLLECTION)
        ],
    }
    if COLLECTION in counts:
        n, d = counts[COLLECTION]
        groups = {"class": COLLECTION, "label": "Collection", "count": n, "deprecatedCount": d}
        out["conceptGroups"] = groups  # the name Skosmos's RestController uses
        out["conceptsGroups"] = groups  # the name its API specification gives
    return out


def label_statistics(service: VocabService, vid: str, lang: str | None) -> dict[str, Any]:
    """`labelStatistics` (LabelStatistics): per language, the number of prefLabel, altLabel and
    hiddenLabel values of the concepts (SKOS-XL literal forms included)."""
    lang = check_lang(lang)
    v = service.resolve(vid)
    index = service.index(v)
    counts: dict[str, list[int]] = {}
    for e, kind in enumerate(index.e_kind):
        if kind in (PREF, ALT, HIDDEN):
            counts.setdefault(index.e_lang[e], [0, 0, 0])[kind] += 1
    languages = []
    for tag in sorted(counts):
        n = counts[tag]
        languages.append({"language": tag, "properties": [
            {"property": "skos:prefLabel", "labels": n[PREF]},
            {"property": "skos:altLabel", "labels": n[ALT]},
            {"property": "skos:hiddenLabel", "labels": n[HIDDEN]},
        ]})
    return {"@context": _context(lang, void="http://rdfs.org/ns/void#", id="onki:vocabularyIdentifier",
                                 languages="void-ext:languagePartition", properties="void:propertyPartition",
                                 labels="void:triples", **{"void-ext": "http://ldf.fi/void-ext#"}),
            "uri": "", "id": vid, "title": _title(service, vid, lang), "languages": languages}


# --- alphabetical index ------------------------------------------------------------------------


def _letter(text: str) -> str:
    """The index letter of a label, as Skosmos groups them: the first letter, upper-cased;
    digits under "0-9", anything else under "!*"."""
    if not text:
        return "!*"
    first = unicodedata.normalize("NFC", text.strip())[:1]
    if first.isdigit():
        return "0-9"
    if first.isalpha():
        return first.upper()
    return "!*"


def _index_entries(index: VersionIndex, lang: str | None):
    """(letter, concept, label, is prefLabel) for every prefLabel and altLabel in `lang` (or
    the concept's display language when none is given)."""
    for e, kind in enumerate(index.e_kind):
        if kind not in (PREF, ALT):
            continue
        cid = index.e_cid[e]
        if cid in index.deprecated:
            continue
        tag = index.e_lang[e]
        if lang is not None and tag.lower() != lang:
            continue
        if lang is None and kind == ALT:
            continue
        yield _letter(index.e_text[e]), cid, index.e_text[e], tag, kind == PREF


def index_letters(service: VocabService, vid: str, lang: str | None) -> dict[str, Any]:
    """`index/`: the initial letters of the labels (IndexLetters)."""
    lang = check_lang(lang)
    index = service.index(service.resolve(vid))
    letters = {letter for letter, *_ in _index_entries(index, lang)}
    ordered = sorted(x for x in letters if x not in ("0-9", "!*")) + [x for x in ("0-9", "!*") if x in letters]
    return {"@context": _context(lang, indexLetters={"@id": "skosmos:indexLetters", "@container": "@list"},
                                 skosmos="http://purl.org/net/skosmos#"),
            "uri": "", "indexLetters": ordered}


def index_concepts(service: VocabService, vid: str, letter: str, lang: str | None,
                   offset: int = 0, limit: int = 1000) -> dict[str, Any]:
    """`index/{letter}`: the concepts whose label starts with the letter, alphabetically; an
    altLabel entry names its concept's prefLabel (IndexConcepts)."""
    lang = check_lang(lang)
    if not letter or len(letter) > 3:
        raise InvalidInput("the index letter is one letter, 0-9 or !*", code="invalid-letter")
    index = service.index(service.resolve(vid))
    wanted = letter.upper() if letter not in ("0-9", "!*") else letter
    entries = sorted(((fold(text), text, cid, tag, pref) for l_, cid, text, tag, pref in _index_entries(index, lang)
                      if l_ == wanted), key=lambda x: (x[0], x[1], index.iris[x[2]]))
    items = []
    for _, text, cid, tag, pref in entries[offset: offset + limit]:
        if pref:
            items.append({"uri": index.iris[cid], "prefLabel": text, "lang": tag})
        else:
            items.append({"uri": index.iris[cid], "altLabel": text,
                          "prefLabel": index.best_label(cid, tag)[0] or index.iris[cid], "lang": tag})
    return {"@context": _context(lang, prefLabel="skos:prefLabel", altLabel="skos:altLabel",
                                 indexConcepts={"@id": "skosmos:indexConcepts", "@container": "@list"},
                                 skosmos="http://purl.org/net/skosmos#"),
            "uri": "", "indexConcepts": items}


# --- groups ------------------------------------------------------------------------------------


def groups(service: VocabService, vid: str, lang: str | None, version: str | None = None) -> dict[str, Any]:
    """`groups` (GroupResult): the skos:Collections of the vocabulary that are no member of
    another collection, each with `childGroups` (its member collections) and `hasMembers`."""
    lang = check_lang(lang)
    index = service.index(service.resolve(vid, version))
    return {"@context": _context(lang, prefLabel="skos:prefLabel", groups="onki:hasGroup",
                                 childGroups={"@id": "skos:member", "@type": "@id"}, hasMembers="onki:hasMembers"),
            "uri": "", "groups": group_items(index, lang)}


def group_items(index: VersionIndex, lang: str | None) -> list[dict[str, Any]]:
    """`groups`' items for one version's index (the vocabulary page lists them too)."""
    roots = [g for g in index.groups if not any(p in index.groups for p in index.member_of.get(g, ()))]
    items = []
    for g in sorted(roots, key=lambda g: (fold(_label(index, g, lang)), index.iris[g])):
        item: dict[str, Any] = {"uri": index.iris[g], "prefLabel": _label(index, g, lang),
                                "hasMembers": bool(index.groups[g])}
        children = [m for m in index.groups[g] if m in index.groups]
        if children:
            item["childGroups"] = [index.iris[m] for m in children]
        if g in index.notation:
            item["notation"] = index.notation[g]
        items.append(item)
    return items


def group_members(service: VocabService, vid: str, uri: str, lang: str | None,
                  version: str | None = None) -> dict[str, Any]:
    """`groupMembers` (GroupMembers): the members of a collection; a member collection has
    `isSuper` and `hasMembers`; `type` lists each member's classes."""
    lang = check_lang(lang)
    check_iri(uri, "uri")
    v = service.resolve(vid, version)
    index = service.index(v)
    gid = index.ids.get(uri)
    if gid is None or gid not in index.groups:
        raise NotFound(f"no group {uri} in {vid} {v.version}", code="group-not-found")
    items = []
    for m in sorted(index.groups[gid], key=lambda m: (fold(_label(index, m, lang)), index.iris[m])):
        is_group = m in index.groups
        item: dict[str, Any] = {"uri": index.iris[m], "prefLabel": _label(index, m, lang),
                                "type": [shorten(t) for t in index.types.get(m, [COLLECTION if is_group else SKOS + "Concept"])],
                                "hasMembers": bool(index.groups.get(m))}
        if is_group:
            item["isSuper"] = True
        if m in index.notation:
            item["notation"] = index.notation[m]
        items.append(item)
    return {"@context": _context(lang, prefLabel="skos:prefLabel", members="skos:member",
                                 isSuper="onki:isSuper", hasMembers="onki:hasMembers"),
            "uri": uri, "members": items}


# --- new and modified --------------------------------------------------------------------------


def changes(service: VocabService, vid: str, what: str, lang: str | None, offset: int, limit: int) -> dict[str, Any]:
    """`new` (dct:created) and `modified` (dct:modified): concepts, newest first (changedConceptsResult)."""
    lang = check_lang(lang)
    if offset < 0 or not 1 <= limit <= 1000:
        raise InvalidInput("offset ≥ 0 and 1 ≤ limit ≤ 1000", code="invalid-paging")
    v = service.resolve(vid)
    index = service.index(v)
    prop = ox.NamedNode("http://purl.org/dc/terms/" + ("created" if what == "new" else "modified"))
    rows = service.store.select(
        "SELECT ?c ?d WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ; $p ?d FILTER(isLiteral(?d)) }",
        bindings={"p": prop}, default_graph=[v.graph],
    )
    dated: dict[str, str] = {}
    for row in rows:
        iri, date = row["c"].value, row["d"].value
        if date > dated.get(iri, ""):
            dated[iri] = date
    ordered = sorted(dated.items(), key=lambda x: (x[1], x[0]), reverse=True)[offset: offset + limit]
    items = []
    for iri, date in ordered:
        cid = index.ids.get(iri)
        items.append({"uri": iri, "prefLabel": _label(index, cid, lang) if cid is not None else iri,
                      "date": date if "T" in date else date + "T00:00:00+00:00"})
    return {"@context": _context(lang, prefLabel="skos:prefLabel", date="dct:" + ("created" if what == "new" else "modified"),
                                 dct="http://purl.org/dc/terms/", changeList={"@id": "onki:changeList", "@container": "@list"}),
            "changeList": items}


# --- mappings ----------------------------------------------------------------------------------

_MAPPING_DESCRIPTIONS = {
    "exactMatch": "Exactly matching concepts in another vocabulary.",
    "closeMatch": "Closely matching concepts in another vocabulary.",
    "broadMatch": "Broader concepts in another vocabulary.",
    "narrowMatch": "Narrower concepts in another vocabulary.",
    "relatedMatch": "Related concepts in another vocabulary.",
}


def mappings(service: VocabService, vid: str, uri: str, lang: str | None, version: str | None = None) -> dict[str, Any]:
    """`mappings` (ConceptMappings): the concept's skos:*Match links (both directions), each
    with the target's label and vocabulary when the registry hosts the target."""
    lang = check_lang(lang)
    v, index, cid = _concept(service, vid, uri, version)
    values = " ".join(f"skos:{p}" for p in MAPPING_PROPERTIES)
    rows = service.store.select(
        SPARQL_PREFIXES + f"""SELECT ?p ?t WHERE {{ VALUES ?p {{ {values} }}
            {{ $c ?p ?t }} UNION {{ ?t ?p $c }} FILTER(isIRI(?t)) }}""",
        bindings={"c": ox.NamedNode(uri)}, default_graph=[v.graph],
    )
    targets = sorted({(row["p"].value[len(SKOS):], row["t"].value) for row in rows})
    titles = {s["id"]: s.get("title") or {} for s in service.registry.catalog.summaries("vocabulary")}
    items = []
    for prop, target in targets:
        item: dict[str, Any] = {
            "uri": target, "type": [f"skos:{prop}"],
            "from": {"memberSet": [{"uri": uri}]}, "to": {"memberSet": [{"uri": target}]},
            "description": _MAPPING_DESCRIPTIONS[prop], "typeLabel": f"skos:{prop}",
            "hrefLink": target, "lang": lang or "",
        }
        try:
            tv, _ = service.locate(target)
        except (NotFound, InvalidInput):
            tv = None
        if tv is not None:  # the registry hosts the target: its label and vocabulary
            tindex = service.index(tv)
            tcid = tindex.ids.get(target)
            if tcid is not None:
                label, label_lang = tindex.best_label(tcid, lang)
                if label:
                    item["prefLabel"] = label
                    item["lang"] = label_lang or item["lang"]
                if tcid in tindex.notation:
                    item["notation"] = tindex.notation[tcid]
            title = titles.get(tv.id, {})
            item["vocabName"] = title.get(lang or "en") or title.get("en") or next(iter(title.values()), tv.id)
            if tv.scheme:
                item["toScheme"] = {"uri": tv.scheme}
        else:
            item["prefLabel"] = target
            item["vocabName"] = ""
        if v.scheme:
            item["fromScheme"] = {"uri": v.scheme}
        items.append(item)
    return {"@context": _context(lang, prefLabel="skos:prefLabel", dc="http://purl.org/dc/terms/"),
            "uri": uri, "mappings": items}
