"""Reads the pages need beyond the catalog: counts, concept trees, concepts, label search.

All SPARQL runs over the concept graph of ONE published vocabulary version at a time, values bound
with `$name` placeholders (never user text in the query). Results that only change when the store
does are cached per store generation in `extensions["pages"]`.
"""

from __future__ import annotations

from registry.catalog import lang_map

import threading
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.catalog import VersionInfo
from registry.namespaces import SPARQL_PREFIXES
from registry.vocab.service import service_of

MAX_TREE = 3000  # concepts: above this, the tree loads children on demand
MAX_SEARCH = 50


def fold(text: str) -> str:
    """Lower case without accents: "Électron" → "electron"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class PageCache:
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
    return registry.extensions.setdefault("pages", PageCache())


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


def _labels(rows, key: str = "l") -> dict[str, str]:
    return lang_map(rows, key)


@dataclass
class Node:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)
    has_children: bool = False
    notation: str | None = None


def tree(registry, info: VersionInfo) -> tuple[list[Node], bool]:
    """(top concepts with their descendants, complete). Large vocabularies: top concepts only."""

    def compute():
        total = concept_count(registry, info)
        if total > MAX_TREE:
            return top_concepts(registry, info), False
        rows = registry.store.select(
            SPARQL_PREFIXES
            + """SELECT ?c ?l ?b ?n WHERE { ?c a skos:Concept .
                   OPTIONAL { ?c skos:prefLabel ?l }
                   OPTIONAL { { ?c skos:broader ?b } UNION { ?b skos:narrower ?c } }
                   OPTIONAL { ?c skos:notation ?n } }""",
            default_graph=[info.graph],
        )
        nodes: dict[str, Node] = {}
        parents: dict[str, set[str]] = {}
        for row in rows:
            iri = row["c"].value
            node = nodes.setdefault(iri, Node(iri))
            if isinstance(row.get("l"), ox.Literal):
                node.labels.setdefault(row["l"].language or "", row["l"].value)
            if row.get("n") is not None and node.notation is None:
                node.notation = row["n"].value
            if isinstance(row.get("b"), ox.NamedNode):
                parents.setdefault(iri, set()).add(row["b"].value)
        roots = []
        for iri, node in nodes.items():
            ps = [p for p in parents.get(iri, ()) if p in nodes and p != iri]
            if not ps:
                roots.append(node)
            for p in ps:
                nodes[p].children.append(node)
        for node in nodes.values():
            node.has_children = bool(node.children)
        return roots, True

    roots, complete = cache(registry).get(registry.store, ("tree", info.iri), compute)
    return roots, complete


def _sorted(nodes: list[Node], lang: str) -> list[Node]:
    return sorted(nodes, key=lambda n: fold(n.labels.get(lang) or n.labels.get("en") or next(iter(n.labels.values()), n.iri)))


def sort_tree(nodes: list[Node], lang: str, depth: int = 0) -> list[Node]:
    out = _sorted(nodes, lang)
    if depth < 50:
        for node in out:
            node.children = sort_tree(node.children, lang, depth + 1)
    return out


def top_concepts(registry, info: VersionInfo) -> list[Node]:
    rows = registry.store.select(
        SPARQL_PREFIXES
        + """SELECT ?c ?l (EXISTS { { ?x skos:broader ?c } UNION { ?c skos:narrower ?x } } AS ?kids) WHERE {
               { ?c skos:topConceptOf ?s } UNION { ?s skos:hasTopConcept ?c }
               OPTIONAL { ?c skos:prefLabel ?l } } LIMIT 20000""",
        default_graph=[info.graph],
    )
    return _nodes(rows)


def schemes(registry, info: VersionInfo, lang: str) -> list[dict]:
    """The concept schemes of a version with their labels (several: the page offers a choice)."""
    return service_of(registry).schemes(info.id, info.version, lang)["results"]


def find_removed_concept(registry, iri: str, vocabulary: str | None) -> VersionInfo | None:
    """The newest older version that had a concept a later version removed (its page then
    shows that version, and the history says when it was removed)."""
    from registry.errors import RegistryError

    try:
        v, _ = service_of(registry).locate(iri, vocabulary)
        return registry.catalog.version("vocabulary", v.id, v.version, include_drafts=False)
    except RegistryError:
        return None


def concept_history(registry, info: VersionInfo, iri: str, lang: str) -> list[dict]:
    """The versions of the vocabulary with the concept's state and changes in each (several
    versions only: with one there is nothing to tell)."""
    if len(registry.catalog.versions("vocabulary", info.id, include_drafts=False)) < 2:
        return []
    return service_of(registry).concept_history(info.id, iri, lang)["versions"]


def groups(registry, info: VersionInfo, lang: str) -> list[dict]:
    """The version's top-level skos:Collections (Skosmos groups) with their member counts."""
    from registry.vocab.skosmos_concepts import groups as skosmos_groups

    service = service_of(registry)
    index = service.index(service.resolve(info.id, info.version))
    if not index.groups:
        return []
    out = skosmos_groups(service, info.id, lang, info.version)["groups"]
    for group in out:
        group["members"] = len(index.groups.get(index.ids[group["uri"]], ()))
    return out


def scheme_roots(registry, info: VersionInfo, scheme: str, lang: str) -> list[Node]:
    """The top concepts of one concept scheme of the version (their children load on demand)."""
    page = service_of(registry).top(info.id, info.version, lang, 0, 20000, scheme)
    return [Node(item["iri"], dict(item["prefLabel"]), has_children=item["has_children"]) for item in page["results"]]


def children(registry, info: VersionInfo, parent: str) -> list[Node]:
    rows = registry.store.select(
        SPARQL_PREFIXES
        + """SELECT ?c ?l (EXISTS { { ?x skos:broader ?c } UNION { ?c skos:narrower ?x } } AS ?kids) WHERE {
               { ?c skos:broader $p } UNION { $p skos:narrower ?c }
               OPTIONAL { ?c skos:prefLabel ?l } } LIMIT 20000""",
        bindings={"p": ox.NamedNode(parent)},
        default_graph=[info.graph],
    )
    return _nodes(rows)


def _nodes(rows) -> list[Node]:
    nodes: dict[str, Node] = {}
    for row in rows:
        node = nodes.setdefault(row["c"].value, Node(row["c"].value))
        if isinstance(row.get("l"), ox.Literal):
            node.labels.setdefault(row["l"].language or "", row["l"].value)
        if row.get("kids") is not None and row["kids"].value == "true":
            node.has_children = True
    return list(nodes.values())


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
    mappings: list[tuple[str, str]] = field(default_factory=list)  # (relation curie, IRI)
    groups: list[Node] = field(default_factory=list)  # skos:Collections it is a skos:member of


MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def find_concept(registry, iri: str, vocabulary: str | None = None) -> VersionInfo | None:
    node = ox.NamedNode(iri)
    for info in latest_vocabularies(registry):
        if vocabulary and info.id != vocabulary:
            continue
        if registry.store.ask(SPARQL_PREFIXES + "ASK { $c a skos:Concept }", bindings={"c": node}, default_graph=[info.graph]):
            return info
    return None


def concept(registry, info: VersionInfo, iri: str) -> Concept:
    node = ox.NamedNode(iri)
    out = Concept(iri, info)
    rows = registry.store.select("SELECT ?p ?o WHERE { $c ?p ?o }", bindings={"c": node}, default_graph=[info.graph])
    skos = "http://www.w3.org/2004/02/skos/core#"
    for row in rows:
        p, o = row["p"].value, row["o"]
        if p == skos + "prefLabel" and isinstance(o, ox.Literal):
            out.pref.setdefault(o.language or "", o.value)
        elif p == skos + "altLabel" and isinstance(o, ox.Literal):
            out.alt.append((o.language or "", o.value))
        elif p == skos + "definition" and isinstance(o, ox.Literal):
            out.definition.setdefault(o.language or "", o.value)
        elif p == skos + "notation":
            out.notations.append(o.value)
        elif p.startswith(skos) and p[len(skos):] in MAPPINGS and isinstance(o, ox.NamedNode):
            out.mappings.append(("skos:" + p[len(skos):], o.value))
    out.alt.sort()
    out.broader = _related(registry, info, node, "{ $c skos:broader ?c2 } UNION { ?c2 skos:narrower $c }")
    out.narrower = _related(registry, info, node, "{ ?c2 skos:broader $c } UNION { $c skos:narrower ?c2 }")
    out.related = _related(registry, info, node, "{ $c skos:related ?c2 } UNION { ?c2 skos:related $c }")
    out.groups = _related(registry, info, node, "?c2 skos:member $c")
    return out


def _related(registry, info, node, pattern: str) -> list[Node]:
    rows = registry.store.select(
        SPARQL_PREFIXES + f"SELECT ?c ?l WHERE {{ {{ {pattern} }} BIND(?c2 AS ?c) OPTIONAL {{ ?c skos:prefLabel ?l }} }} LIMIT 5000",
        bindings={"c": node},
        default_graph=[info.graph],
    )
    return _nodes(rows)


def path_to_root(registry, info: VersionInfo, iri: str, limit: int = 20) -> list[Node]:
    """Broader chain (first broader at each step), root first, for the breadcrumb."""
    out: list[Node] = []
    seen = {iri}
    current = iri
    for _ in range(limit):
        parents = _related(registry, info, ox.NamedNode(current), "{ $c skos:broader ?c2 } UNION { ?c2 skos:narrower $c }")
        parents = [p for p in parents if p.iri not in seen]
        if not parents:
            break
        parent = sorted(parents, key=lambda n: n.iri)[0]
        out.append(parent)
        seen.add(parent.iri)
        current = parent.iri
    return list(reversed(out))


# --- search ---------------------------------------------------------------------------------------


@dataclass
class ConceptHit:
    iri: str
    label: str
    matched: str
    lang: str
    vocabulary: VersionInfo
    rank: tuple


def search_concepts(registry, q: str, lang: str, vocabulary: str | None = None, limit: int = MAX_SEARCH) -> list[ConceptHit]:
    """Concepts whose preferred or alternative label starts with `q`, or has a word that does
    (case- and accent-insensitive); label prefix matches first, then word prefixes, then others."""
    wanted = fold(q.strip())
    if len(wanted) < 1:
        return []
    # SPARQL narrows by the case-folded text (accents kept); Python then folds accents and ranks.
    needle = q.strip().lower()
    plain = wanted
    hits: list[ConceptHit] = []
    for info in latest_vocabularies(registry):
        if vocabulary and info.id != vocabulary:
            continue
        rows = registry.store.select(
            SPARQL_PREFIXES
            + """SELECT ?c ?l ?pref WHERE { ?c a skos:Concept ; skos:prefLabel|skos:altLabel|skos:notation ?l .
                   FILTER(CONTAINS(LCASE(STR(?l)), $q) || CONTAINS(LCASE(STR(?l)), $plain))
                   OPTIONAL { ?c skos:prefLabel ?pref } } LIMIT 2000""",
            bindings={"q": ox.Literal(needle), "plain": ox.Literal(plain)},
            default_graph=[info.graph],
        )
        by_concept: dict[str, dict] = {}
        for row in rows:
            entry = by_concept.setdefault(row["c"].value, {"matched": [], "pref": {}})
            label = row["l"]
            entry["matched"].append((label.value, getattr(label, "language", None) or ""))
            if isinstance(row.get("pref"), ox.Literal):
                entry["pref"].setdefault(row["pref"].language or "", row["pref"].value)
        for iri, entry in by_concept.items():
            best = None
            for text, tag in entry["matched"]:
                folded = fold(text)
                if folded.startswith(wanted):
                    kind = 0
                elif any(word.startswith(wanted) for word in folded.replace("-", " ").split()):
                    kind = 1
                elif wanted in folded:
                    kind = 2
                else:
                    continue
                key = (kind, tag != lang, len(text))
                if best is None or key < best[0]:
                    best = (key, text, tag)
            if best is None:
                continue
            pref = entry["pref"]
            label = pref.get(lang) or pref.get("en") or next(iter(pref.values()), best[1])
            hits.append(ConceptHit(iri, label, best[1], best[2], info, best[0]))
    hits.sort(key=lambda h: (h.rank, fold(h.label)))
    return hits[:limit]


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
