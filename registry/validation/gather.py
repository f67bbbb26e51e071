"""What a validation needs from the store: the profile's shapes (with its ancestors') and the
vocabulary subset a record reaches.

* `ProfileBundle`: for one profile version, the merged shapes graph of the version and every
  profile version it is `prof:isProfileOf` (transitively, W3C PROF §5 "isProfileOf"): SHACL
  validation of a record against a profile means validation against the union of these shapes
  graphs (SHACL §3.1: a shapes graph may be the merge of several). It also pins the vocabulary
  versions that validation reads, so a report can name them. Versions are immutable once
  published: bundles are cached by version IRI, never invalidated. Drafts are keyed by content
  hash.
* `vocabulary_subset`: the vocabulary triples reachable from the record's nodes along the
  predicates the shapes' property paths use (SHACL §2.3.1), plus the class hierarchy (`sh:class`,
  §4.1.1 uses `rdf:type/rdfs:subClassOf*`) and the SKOS hierarchy / membership predicates, by a
  breadth-first walk (per hop, index lookups for the frontier's nodes, or one small SPARQL query
  on a remote store) in the store over the pinned concept graphs only, with what each node gives
  cached (`SubsetCache`, immutable versions). Its size and cost depend on the record, not on the
  vocabularies' size. Blank nodes of a vocabulary are copied when reached but not walked further.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from registry.catalog import Catalog, VersionInfo
from registry.lru import Lru
from registry.namespaces import REG
from registry.publishing.references import rdf_list_items
from registry.store.base import RegistryStore
from registry.validation.coverage import targets_of
from registry.validation.engine import encode_triples_ox

#: Predicates always walked from a record's nodes into vocabularies: membership and hierarchy.
WALK_ALWAYS = (
    str(RDF.type), str(RDFS.subClassOf), str(SKOS.inScheme), str(SKOS.topConceptOf),
    str(SKOS.broader), str(SKOS.broaderTransitive),
)
#: Predicates fetched (not walked) for every reached node: deprecation (OWL 2 `owl:deprecated`,
#: DCMI `dct:isReplacedBy`).
FETCH_ALSO = (str(OWL.deprecated), str(DCTERMS.isReplacedBy))
MAX_SUBSET_TRIPLES = 200_000


def path_predicates(graph: rdflib.Graph) -> tuple[set[str], set[str]]:
    """(forward, inverse) predicate IRIs used by every `sh:path` (SHACL §2.3.1) and the
    property-pair parameters (`sh:equals`, `sh:disjoint`, `sh:lessThan*`, §4.5)."""
    forward: set[str] = set()
    inverse: set[str] = set()

    def walk(path, inv: bool, depth: int = 0) -> None:
        if depth > 50:
            return
        if isinstance(path, rdflib.URIRef):
            (inverse if inv else forward).add(str(path))
            return
        if (path, RDF.first, None) in graph:
            for item in rdf_list_items(graph, path):
                walk(item, inv, depth + 1)
            return
        for p in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            for inner in graph.objects(path, p):
                walk(inner, inv, depth + 1)
        for inner in graph.objects(path, SH.inversePath):
            walk(inner, not inv, depth + 1)
        for inner in graph.objects(path, SH.alternativePath):
            walk(inner, inv, depth + 1)

    for path in graph.objects(None, SH.path):
        walk(path, False)
    for p in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
        for o in graph.objects(None, p):
            if isinstance(o, rdflib.URIRef):
                forward.add(str(o))
    return forward, inverse


def has_sparql_constraints(graph: rdflib.Graph) -> bool:
    return (None, SH.sparql, None) in graph or (None, SH.select, None) in graph or (None, SH.ask, None) in graph


@dataclass
class VocabularyPin:
    id: str
    version: str
    iri: str
    scheme: str | None
    graph: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "iri": self.iri, "concept_scheme": self.scheme}


@dataclass
class ProfileBundle:
    """Everything validation needs from one profile version (or one set of draft shapes)."""

    key: str  # cache key: the version IRI, or "draft:<sha256>"
    profile: dict[str, Any]  # {"id", "version", "iri", "status"} or {"draft": True, ...}
    chain: list[dict[str, Any]]  # the version then its ancestors, nearest first
    shapes_triples: list[tuple]  # encoded for the worker (engine.encode_triples_ox)
    shapes_graph: rdflib.Graph
    vocabularies: list[VocabularyPin]
    context: dict | None  # the JSON-LD context document for plain JSON records
    walk: frozenset[str]  # predicates followed from a reached node to the next
    fetch: frozenset[str]  # predicates whose triples are copied for a reached node
    inverse: frozenset[str]  # predicates followed backwards (sh:inversePath)
    property_shapes: dict[str, str] = field(default_factory=dict)  # predicate IRI → a property shape id
    sparql_constraints: bool = False
    targets: list = field(default_factory=list)  # coverage.Target: what the shapes select (SHACL §2.1.3)

    @property
    def concept_graphs(self) -> list[str]:
        return [v.graph for v in self.vocabularies]


def record_nodes(triples: list[ox.Triple]) -> list[ox.NamedNode]:
    """The IRIs a record mentions (subjects and objects): where walks into vocabularies start."""
    seen: dict[str, ox.NamedNode] = {}
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode) and term.value not in seen:
                seen[term.value] = term
    return list(seen.values())


_HOP_QUERY = "SELECT ?s ?p ?o WHERE { VALUES ?s { %NODES% } ?s ?p ?o }"
_INVERSE_QUERY = "SELECT ?s ?p ?o WHERE { VALUES ?o { %NODES% } ?s ?p ?o }"
MAX_HOPS = 64
#: nodes per SPARQL query (remote stores): keeps a query's text bounded
_NODES_PER_QUERY = 500
#: a node with more kept triples than this is fetched again when needed, not cached
_MAX_CACHED_ROWS = 1_000

_Rows = tuple  # (forward triples kept, inverse triples kept) of one node


class SubsetCache:
    """What one node of the walk contributes, per bundle: (bundle key, node IRI) → (the triples of
    the node kept by the bundle's `fetch` predicates, the triples pointing at it over its `inverse`
    predicates). Published vocabulary versions are immutable (and a bundle pins them), so entries
    never go stale; an LRU bound keeps memory flat. Record-local IRIs are cached too (as empty
    rows) and age out."""

    def __init__(self, size: int = 50_000):
        self.size = size
        self._items: OrderedDict[tuple[str, str], _Rows] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, key: str, iris) -> dict[str, _Rows]:
        out: dict[str, _Rows] = {}
        with self._lock:
            items = self._items
            for iri in iris:
                rows = items.get((key, iri))
                if rows is not None:
                    items.move_to_end((key, iri))
                    out[iri] = rows
            self.hits += len(out)
        return out

    def put_many(self, key: str, rows: dict[str, _Rows]) -> None:
        with self._lock:
            self.misses += len(rows)
            items = self._items
            for iri, value in rows.items():
                if len(value[0]) + len(value[1]) <= _MAX_CACHED_ROWS:
                    items[(key, iri)] = value
                    items.move_to_end((key, iri))
            while len(items) > self.size:
                items.popitem(last=False)


def _fetch_rows(store: RegistryStore, bundle: ProfileBundle, nodes: list[ox.NamedNode]) -> dict[str, _Rows]:
    """The rows of `nodes` read from the pinned concept graphs. The embedded store is read by quad
    pattern (index lookups on subject, or object for inverse predicates; no SPARQL parsing); a
    remote store gets one `VALUES` query per direction for all the nodes (IRIs bound as `$iN`)."""
    fetch, inverse = bundle.fetch, bundle.inverse
    out: dict[str, _Rows] = {n.value: ([], []) for n in nodes}
    raw = getattr(store, "raw", None)
    if isinstance(raw, ox.Store):
        graphs = [ox.NamedNode(g) for g in bundle.concept_graphs]
        quads = raw.quads_for_pattern
        for n in nodes:
            forward, backward = out[n.value]
            for g in graphs:
                for q in quads(n, None, None, g):
                    if q.predicate.value in fetch:
                        forward.append(ox.Triple(n, q.predicate, q.object))
            if inverse:
                for g in graphs:
                    for q in quads(None, None, n, g):
                        if q.predicate.value in inverse:
                            backward.append(ox.Triple(q.subject, q.predicate, n))
        return out
    graphs = bundle.concept_graphs
    for i in range(0, len(nodes), _NODES_PER_QUERY):
        part = nodes[i:i + _NODES_PER_QUERY]
        names = " ".join(f"$i{k}" for k in range(len(part)))
        bindings = {f"i{k}": n for k, n in enumerate(part)}
        for solution in store.query(_HOP_QUERY.replace("%NODES%", names), bindings=bindings, default_graph=graphs):
            p = solution["p"]
            if p.value in fetch:
                s = solution["s"]
                out[s.value][0].append(ox.Triple(s, p, solution["o"]))
        if inverse:
            for solution in store.query(_INVERSE_QUERY.replace("%NODES%", names), bindings=bindings, default_graph=graphs):
                p = solution["p"]
                if p.value in inverse:
                    o = solution["o"]
                    out[o.value][1].append(ox.Triple(solution["s"], p, o))
    return out


def vocabulary_subset(
    store: RegistryStore, bundle: ProfileBundle, triples: list[ox.Triple], cache: SubsetCache | None = None
) -> list[ox.Triple]:
    """The vocabulary triples the shapes can reach from the record (see module docstring)."""
    return vocabulary_subsets(store, bundle, [triples], cache)[0]


def vocabulary_subsets(
    store: RegistryStore, bundle: ProfileBundle, records: list[list[ox.Triple]], cache: SubsetCache | None = None
) -> list[list[ox.Triple]]:
    """`vocabulary_subset` of several records at once.

    A breadth-first walk per record, hop by hop (the record's IRIs, then the nodes reached over a
    walked predicate, e.g. skos:broader). At each hop, the nodes of every record's frontier that
    `cache` lacks are read in one go (`_fetch_rows`: index lookups in the pinned concept graphs),
    so the cost depends on the records and the hierarchy depth, not on the size of the
    vocabularies; with a warm cache, the upper levels of a hierarchy cost nothing."""
    if not bundle.vocabularies:
        return [[] for _ in records]
    walk = bundle.walk
    states = []
    for triples in records:
        frontier = {n.value: n for n in record_nodes(triples)}
        states.append({"frontier": frontier, "seen": set(frontier), "out": []})
    for _hop in range(MAX_HOPS):
        active = [st for st in states if st["frontier"]]
        if not active:
            break
        need: dict[str, ox.NamedNode] = {}
        for st in active:
            need.update(st["frontier"])
        rows = cache.get_many(bundle.key, need) if cache is not None else {}
        missing = [n for iri, n in need.items() if iri not in rows]
        if missing:
            fetched = _fetch_rows(store, bundle, missing)
            if cache is not None:
                cache.put_many(bundle.key, fetched)
            rows.update(fetched)
        for st in active:
            frontier, seen, out = st["frontier"], st["seen"], st["out"]
            nxt: dict[str, ox.NamedNode] = {}
            for iri in frontier:
                for t in rows[iri][0]:
                    out.append(t)
                    o = t.object
                    if t.predicate.value in walk and isinstance(o, ox.NamedNode) and o.value not in seen:
                        seen.add(o.value)
                        nxt[o.value] = o
            for iri in frontier:
                for t in rows[iri][1]:
                    out.append(t)
                    s = t.subject
                    if isinstance(s, ox.NamedNode) and s.value not in seen:
                        seen.add(s.value)
                        nxt[s.value] = s
            st["frontier"] = nxt if len(out) <= MAX_SUBSET_TRIPLES else {}
    return [st["out"] + implied_scheme_membership(st["out"]) for st in states]


_BROADER, _TOP_OF, _IN_SCHEME = str(SKOS.broader), str(SKOS.topConceptOf), str(SKOS.inScheme)


def implied_scheme_membership(subset: list[ox.Triple]) -> list[ox.Triple]:
    """`c skos:inScheme s` for each concept of the subset below a top concept of `s` (over
    skos:broader) that does not state it. SKOS does not infer skos:inScheme down the hierarchy
    (Reference §4.6.2), but multi-scheme thesauri rely on it: PhySH states no skos:inScheme, its
    19 schemes are their top concepts' subtrees. The registry's search, tree and Skosmos API use
    the same membership (`registry.vocab.index.VersionIndex.members`), so a profile's
    `skos:inScheme` check agrees with them (docs/vocabularies.md)."""
    parents: dict[str, list[str]] = {}
    tops: dict[str, set[str]] = {}
    stated: set[tuple[str, str]] = set()
    for t in subset:
        if not isinstance(t.subject, ox.NamedNode) or not isinstance(t.object, ox.NamedNode):
            continue
        p = t.predicate.value
        if p == _BROADER:
            parents.setdefault(t.subject.value, []).append(t.object.value)
        elif p == _TOP_OF:
            tops.setdefault(t.subject.value, set()).add(t.object.value)
        elif p == _IN_SCHEME:
            stated.add((t.subject.value, t.object.value))
    if not tops:
        return []
    memo: dict[str, frozenset[str]] = {}

    def schemes_of(concept: str) -> frozenset[str]:
        found = memo.get(concept)
        if found is not None:
            return found
        out: set[str] = set()
        stack, seen = [concept], {concept}
        while stack:  # iterative and cycle-safe (real hierarchies have cycles, e.g. GEMET)
            node = stack.pop()
            out |= tops.get(node, set())
            for parent in parents.get(node, ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        memo[concept] = frozenset(out)
        return memo[concept]

    implied = []
    for concept in sorted(set(parents) | set(tops)):
        for scheme in sorted(schemes_of(concept)):
            if (concept, scheme) not in stated:
                implied.append(ox.Triple(ox.NamedNode(concept), ox.NamedNode(_IN_SCHEME), ox.NamedNode(scheme)))
    return implied


_DEPRECATED = ox.NamedNode(str(OWL.deprecated))
_REPLACED = ox.NamedNode(str(DCTERMS.isReplacedBy))
_TRUE = {"true", "1"}


def deprecated_concepts(subset: list[ox.Triple]) -> dict[str, list[str]]:
    """concept IRI → replacement IRIs, for concepts marked `owl:deprecated true` or
    `dct:isReplacedBy` in the subset."""
    out: dict[str, list[str]] = {}
    for t in subset:
        if t.predicate == _DEPRECATED and isinstance(t.object, ox.Literal) and t.object.value in _TRUE:
            out.setdefault(t.subject.value, [])
        elif t.predicate == _REPLACED and isinstance(t.object, ox.NamedNode):
            out.setdefault(t.subject.value, []).append(t.object.value)
    return out


def labels_of(store: RegistryStore, bundle: ProfileBundle, iris: list[str]) -> dict[str, dict[str, str]]:
    """`skos:prefLabel` (then `rdfs:label`) by language, for a few IRIs (replacement concepts)."""
    out: dict[str, dict[str, str]] = {}
    if not iris or not bundle.vocabularies:
        return out
    names = " ".join(f"$i{i}" for i in range(len(iris)))
    rows = store.select(
        f"SELECT ?c ?l WHERE {{ VALUES ?c {{ {names} }} {{ ?c <{SKOS.prefLabel}> ?l }} UNION {{ ?c <{RDFS.label}> ?l }} }}",
        bindings={f"i{i}": ox.NamedNode(iri) for i, iri in enumerate(iris)},
        default_graph=bundle.concept_graphs,
    )
    for row in rows:
        label = row.get("l")
        if isinstance(label, ox.Literal):
            out.setdefault(row["c"].value, {}).setdefault(label.language or "", label.value)
    return out


# --- building bundles ------------------------------------------------------------------------------


def _profile_json(info: VersionInfo) -> dict[str, Any]:
    return {"id": info.id, "version": info.version, "iri": info.iri, "status": info.status}


def _context_of(store: RegistryStore, chain: list[VersionInfo]) -> dict | None:
    """The JSON-LD context of the nearest version in the chain that has one (`reg:jsonld`)."""
    for info in chain:
        if not info.context_graph:
            continue
        rows = store.select(
            "SELECT ?j WHERE { ?g $p ?j }", bindings={"p": ox.NamedNode(str(REG.jsonld))}, default_graph=[info.context_graph]
        )
        if rows:
            try:
                return json.loads(rows[0]["j"].value)
            except ValueError:
                return None
    return None


def _pins(catalog: Catalog, chain: list[VersionInfo], extra: list[str] = ()) -> list[VocabularyPin]:
    pins: dict[str, VocabularyPin] = {}
    for iri in [v for info in chain for v in info.vocabularies] + list(extra):
        if iri in pins:
            continue
        info = catalog.version_by_iri(iri)
        if info is None or not info.graph:
            continue
        pins[iri] = VocabularyPin(info.id, info.version, info.iri, info.scheme, info.graph)
    return list(pins.values())


def _property_shapes(graph: rdflib.Graph) -> dict[str, str]:
    out: dict[str, str] = {}
    for shape, path in sorted(graph.subject_objects(SH.path), key=lambda x: (str(x[1]), str(x[0]))):
        if isinstance(path, rdflib.URIRef):
            out.setdefault(str(path), f"_:{shape}" if isinstance(shape, rdflib.BNode) else str(shape))
    return out


def build_bundle(
    store: RegistryStore,
    catalog: Catalog,
    key: str,
    chain: list[VersionInfo],
    *,
    draft_triples: list[ox.Triple] | None = None,
    draft_schemes: set[str] = frozenset(),
) -> ProfileBundle:
    triples: list[ox.Triple] = list(draft_triples or [])
    for info in chain:
        if info.graph:
            triples.extend(store.triples(info.graph))
    from registry.rdf import to_rdflib_graph

    graph = to_rdflib_graph(triples)
    forward, inverse = path_predicates(graph)
    extra_vocabularies = []
    if draft_schemes:
        published = catalog.published_schemes()
        extra_vocabularies = [published[s].iri for s in sorted(draft_schemes) if s in published]
    if draft_triples is not None:
        profile = {"draft": True, "id": None, "version": None, "iri": None, "hash": key.partition(":")[2]}
        chain_json = [_profile_json(info) for info in chain]
    else:
        profile = _profile_json(chain[0])
        chain_json = [_profile_json(info) for info in chain]
    return ProfileBundle(
        key=key,
        profile=profile,
        chain=chain_json,
        shapes_triples=encode_triples_ox(triples),
        shapes_graph=graph,
        vocabularies=_pins(catalog, chain, extra_vocabularies),
        context=_context_of(store, chain),
        walk=frozenset(set(WALK_ALWAYS) | forward),
        fetch=frozenset(set(WALK_ALWAYS) | forward | set(FETCH_ALSO)),
        inverse=frozenset(inverse),
        property_shapes=_property_shapes(graph),
        sparql_constraints=has_sparql_constraints(graph),
        targets=targets_of(graph),
    )


class BundleCache:
    """Bundles by key. Published versions are immutable: no invalidation, only an LRU bound."""

    def __init__(self, size: int = 64):
        self._items: Lru[str, ProfileBundle] = Lru(size)

    def get(self, key: str) -> ProfileBundle | None:
        return self._items.get(key)

    def put(self, bundle: ProfileBundle) -> ProfileBundle:
        return self._items.put(bundle.key, bundle)


def draft_key(shapes: bytes, base_iri: str | None) -> str:
    digest = hashlib.sha256(shapes + b"\0" + (base_iri or "").encode()).hexdigest()
    return f"draft:{digest}"
