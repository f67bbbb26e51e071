"""Reads the pages need beyond the catalog: counts, and the views of vocabularies (concept trees,
concepts, concept search) built from the vocabulary service (`registry.vocab.service.VocabService`).

The pages read the same label index, the same `fold` (`registry.vocab.normalize`), the same
search and the same label order as the vocabulary API, so that a page and the API never disagree
on what matches or on what is below what. Results that only change when the store does are
cached per store generation in the feature "pages" (`PageCache`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from registry.catalog import VersionInfo
from registry.errors import InvalidInput, NotFound
from registry.features import Feature
from registry.namespaces import SPARQL_PREFIXES
from registry.vocab.index import VersionIndex
from registry.vocab.normalize import fold
from registry.vocab.service import VocabService, check_iri, check_query, service_of
from registry.vocab.skosmos_concepts import group_items

MAX_TREE = 3000  # concepts: above this, the tree loads children on demand
MAX_SEARCH = 50


class PageCache(Feature):
    def __init__(self):
        self.lock = threading.Lock()
        self.generation = -1
        self.values: dict = {}

    def get(self, store, key, compute):
        with self.lock:
            if self.generation != store.generation:
                self.values.clear()
                self.generation = store.generation
            if key in self.values:
                return self.values[key]
        value = compute()
        with self.lock:
            if self.generation == store.generation:
                self.values[key] = value
        return value


def cache(registry) -> PageCache:
    return registry.feature("pages", lambda _: PageCache())


# --- vocabularies ---------------------------------------------------------------------------------


def latest_vocabularies(registry) -> list[VersionInfo]:
    def compute():
        out = []
        for vid in registry.catalog.series_ids("vocabulary"):
            latest = registry.catalog.latest(registry.catalog.versions("vocabulary", vid))
            if latest is not None and latest.graph:
                out.append(latest)
        return out

    return cache(registry).get(registry.store, "latest-vocabularies", compute)


def concept_count(registry, info: VersionInfo) -> int:
    def compute():
        rows = registry.store.select(
            SPARQL_PREFIXES + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a skos:Concept }",
            default_graph=[info.graph],
        )
        return int(rows[0]["n"].value) if rows else 0

    return cache(registry).get(registry.store, ("count", info.iri), compute)


def counts(registry) -> dict[str, int]:
    def compute():
        vocabularies = latest_vocabularies(registry)
        return {
            "communities": len(registry.catalog.communities()),
            "profiles": len(registry.catalog.summaries("profile")),
            "vocabularies": len(vocabularies),
            "concepts": sum(concept_count(registry, v) for v in vocabularies),
        }

    return cache(registry).get(registry.store, "counts", compute)


@dataclass
class Node:
    """A concept in a tree, a breadcrumb or a list of related concepts."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)
    has_children: bool = False
    notation: str | None = None


def _opened(registry, info: VersionInfo) -> tuple[VocabService, VersionInfo, VersionIndex]:
    """The vocabulary service, its version of `info` (a draft too) and that version's index."""
    service = service_of(registry)
    v = service.version_of(info)
    return service, v, service.index(v)


def _node(index: VersionIndex, cid: int) -> Node:
    # has_children as the API's tree items say it (VocabService._item)
    return Node(index.iris[cid], dict(index.pref[cid]), has_children=bool(index.children_of(cid)),
                notation=index.notation.get(cid))


def _roots(index: VersionIndex) -> list[int]:
    """The version's top concepts (`VersionIndex.top`, the API's `top`), then the concepts with no
    broader concept that are no declared top concept (a whole tree shows every concept)."""
    roots = list(index.top)
    seen = set(roots)
    concepts = index.is_concept
    roots += [c for c in concepts if c not in seen and not any(p in concepts for p in index.parents.get(c, ()))]
    return roots


def tree(registry, info: VersionInfo, lang: str) -> tuple[list[Node], bool]:
    """(the roots with their descendants, sorted by label in `lang`; complete). Above MAX_TREE
    concepts: the top concepts only (complete is False), their children load on demand."""

    def compute():
        service, _, index = _opened(registry, info)
        if index.concept_count > MAX_TREE:
            return [_node(index, c) for c in service.by_label(index, list(index.top), lang)], False
        roots = service.by_label(index, _roots(index), lang)

        def expand(cid: int, above: frozenset[int]) -> Node:
            node = _node(index, cid)
            if len(above) < 50:  # a cycle of skos:broader stops at the concept met again
                below = [c for c in index.children_of(cid) if c not in above]
                node.children = [expand(c, above | {c}) for c in service.by_label(index, below, lang)]
            return node

        return [expand(c, frozenset((c,))) for c in roots], True

    return cache(registry).get(registry.store, ("tree", info.iri, lang), compute)


def scheme_roots(registry, info: VersionInfo, scheme: str, lang: str) -> list[Node]:
    """The top concepts of one concept scheme of the version (their children load on demand);
    NotFound when the version has no such scheme."""
    service, v, index = _opened(registry, info)
    service.check_scheme(v, scheme)
    return [_node(index, c) for c in service.by_label(index, index.top_of(scheme), lang)]


def children(registry, info: VersionInfo, parent: str, lang: str) -> list[Node]:
    """The narrower concepts of `parent` in the version, sorted by label (as the API's `children`)."""
    check_iri(parent, "concept")
    service, _, index = _opened(registry, info)
    cid = index.ids.get(parent)
    return [] if cid is None else [_node(index, c) for c in service.by_label(index, index.children_of(cid), lang)]


def schemes(registry, info: VersionInfo, lang: str) -> list[dict]:
    """The concept schemes of a version with their labels (several: the page offers a choice)."""
    service = service_of(registry)
    return service.scheme_items(service.version_of(info), lang)


def groups(registry, info: VersionInfo, lang: str) -> list[dict]:
    """The version's top-level skos:Collections (Skosmos groups) with their member counts."""
    _, _, index = _opened(registry, info)
    if not index.groups:
        return []
    out = group_items(index, lang)
    for group in out:
        group["members"] = len(index.groups.get(index.ids[group["uri"]], ()))
    return out


@dataclass
class Concept:
    iri: str
    vocabulary: VersionInfo
    pref: dict[str, str] = field(default_factory=dict)
    alt: list[tuple[str, str]] = field(default_factory=list)
    definition: dict[str, str] = field(default_factory=dict)
    notations: list[str] = field(default_factory=list)
    broader: list[Node] = field(default_factory=list)
    narrower: list[Node] = field(default_factory=list)
    related: list[Node] = field(default_factory=list)
    groups: list[Node] = field(default_factory=list)  # skos:Collections it is a skos:member of
    trail: list[Node] = field(default_factory=list)  # the breadcrumb: first hierarchy path, root first


def locate_concept(registry, iri: str, vocabulary: str | None = None) -> VersionInfo | None:
    """The version whose page shows concept `iri`: the latest version of a vocabulary that has
    it, else the newest older version that had it (a later one removed it; the history says
    when). None when no public version has it. An `iri` that is no IRI is an InvalidInput."""
    try:
        v, _ = service_of(registry).locate(iri, vocabulary)
    except NotFound:
        return None
    return registry.catalog.version("vocabulary", v.id, v.version, include_drafts=False)


def concept(registry, info: VersionInfo, iri: str, lang: str) -> Concept:
    """The concept as the API's `concept` reads it, for the concept page."""
    found = service_of(registry).concept(iri, vid=info.id, version=info.version, lang=lang)

    def nodes(items: list[dict]) -> list[Node]:
        return [Node(item["iri"], dict(item["prefLabel"])) for item in items]

    paths = found["paths"]
    return Concept(
        iri, info,
        pref=dict(found["prefLabel"]),
        alt=sorted((tag, text) for tag, texts in found["altLabel"].items() for text in texts),
        definition={tag: texts[0] for tag, texts in found["definition"].items() if texts},
        notations=list(found["notation"]),
        broader=nodes(found["broader"]), narrower=nodes(found["narrower"]), related=nodes(found["related"]),
        groups=nodes(found["groups"]),
        trail=nodes(paths[0][:-1]) if paths else [],
    )


def concept_history(registry, info: VersionInfo, iri: str, lang: str) -> list[dict]:
    """The versions of the vocabulary with the concept's state and changes in each (several
    versions only: with one there is nothing to tell)."""
    if len(registry.catalog.versions("vocabulary", info.id, include_drafts=False)) < 2:
        return []
    return service_of(registry).concept_history(info.id, iri, lang)["versions"]


# --- search ---------------------------------------------------------------------------------------


@dataclass
class ConceptHit:
    iri: str
    label: str  # the prefLabel in the page's language, else the API's label
    matched: str  # the label the search matched
    vocabulary: VersionInfo


def search_concepts(registry, q: str, lang: str, vocabulary: str | None = None, limit: int = MAX_SEARCH) -> list[ConceptHit]:
    """The API's `GET /search?q=` hits (`VocabService.search`: ranked, folded, every label
    language), one page of `limit`, labelled in `lang`. A query or vocabulary the API refuses
    finds nothing (the search box is not a form with errors)."""
    service = service_of(registry)
    try:
        hits, _ = service.search(check_query(q), vids=[vocabulary] if vocabulary else None, limit=limit)
    except (InvalidInput, NotFound):
        return []
    vocabularies = {v.id: v for v in latest_vocabularies(registry)}
    out = []
    for v, index, hit in hits:
        info = vocabularies.get(v.id)
        if info is None:
            continue
        item = service.hit_json(v, index, hit, None)
        label = item["prefLabel"].get(lang) or item["label"] or item["iri"]
        out.append(ConceptHit(item["iri"], label, item["matched"]["label"] or label, info))
    return out


def search_profiles(registry, q: str, lang: str) -> list[dict]:
    wanted = fold(q.strip())
    if not wanted:
        return []
    out = []
    for summary in registry.catalog.summaries("profile"):
        texts = [summary["id"]] + list(summary["title"].values()) + list(summary["description"].values())
        folded = [fold(t) for t in texts]
        if any(wanted in t for t in folded):
            rank = 0 if any(t.startswith(wanted) for t in folded[: 1 + len(summary["title"])]) else 1
            out.append((rank, summary))
    out.sort(key=lambda item: (item[0], item[1]["id"]))
    return [s for _, s in out]
