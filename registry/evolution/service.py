"""The evolution service: diffs of published versions, read from the store (issue 17).

Published versions are immutable, so the normalised shapes of a profile version (`ProfileModel`)
and the classification of a vocabulary version change are cached by version IRI for the life
of the process. Drafts are not public and cannot be diffed here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.catalog import VersionInfo
from registry.errors import InvalidInput, NotFound
from registry.evolution import classify, model_store
from registry.evolution.classify import Change
from registry.evolution.profile_diff import ProfileModel, Source, build_model, diff_models, graph_spo
from registry.evolution.vocab_diff import diff_graphs
from registry.features import Feature
from registry.ids import SemVer, check_id
from registry.lru import Lru
from registry.namespaces import SPARQL_PREFIXES

MODEL_CACHE = 64

PINS_QUERY = SPARQL_PREFIXES + """SELECT ?voc ?scheme WHERE {
  $v prof:hasResource ?r . ?r prof:hasRole role:vocabulary ; prof:hasArtifact ?voc .
  OPTIONAL { ?voc foaf:primaryTopic ?scheme } }"""


@dataclass
class Diff:
    """The changes between two versions of one profile or vocabulary."""

    kind: str
    id: str
    older: VersionInfo
    newer: VersionInfo
    changes: list[Change]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def required_increment(self) -> str | None:
        return classify.required_increment(self.changes, self.older.version)

    @property
    def actual_increment(self) -> str | None:
        return classify.actual_increment(self.older.version, self.newer.version)

    @property
    def honest(self) -> bool:
        return classify.honest(self.changes, self.older.version, self.newer.version)

    def to_json(self) -> dict[str, Any]:
        def side(info: VersionInfo) -> dict[str, Any]:
            return {"version": info.version, "iri": info.iri, "status": info.status}

        return {
            "kind": self.kind,
            "id": self.id,
            "from": side(self.older),
            "to": side(self.newer),
            "summary": classify.summary(self.changes),
            "required_increment": self.required_increment,
            "actual_increment": self.actual_increment,
            "version_number_honest": self.honest,
            **self.extra,
            "changes": [c.to_json() for c in self.changes],
        }


class EvolutionService(Feature):
    def __init__(self, registry):
        self.registry = registry
        self.store = registry.store
        self.catalog = registry.catalog
        self._models: Lru[str, ProfileModel] = Lru(MODEL_CACHE)
        self._graphs: Lru[str, dict] = Lru(MODEL_CACHE)
        self._profile_diffs: Lru[tuple[str, str], list[Change]] = Lru(MODEL_CACHE)
        self._vocabulary_classes: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    # --- choosing the versions -----------------------------------------------------------------

    def pick(self, kind: str, sid: str, older: str | None, newer: str | None) -> tuple[VersionInfo, VersionInfo]:
        """The two public versions to compare. `newer` omitted: the latest; `older` omitted: the
        public version just before `newer`."""
        check_id(sid, f"{kind} id")
        for value in (older, newer):
            if value is not None:
                SemVer(value)
        versions = [v for v in self.catalog.versions(kind, sid) if v.public]
        if not versions:
            raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")
        by_version = {v.version: v for v in versions}
        if newer is None:
            to = self.catalog.latest(versions)
        elif newer in by_version:
            to = by_version[newer]
        else:
            raise NotFound(f"{kind} {sid!r} has no version {newer!r}", code="version-not-found")
        if older is None:
            before = [v for v in versions if SemVer(v.version) < SemVer(to.version)]
            if not before:
                raise NotFound(f"{kind} {sid} {to.version} is the first version: nothing to compare it with",
                               code="no-previous-version")
            return before[-1], to
        if older not in by_version:
            raise NotFound(f"{kind} {sid!r} has no version {older!r}", code="version-not-found")
        if older == to.version:
            raise InvalidInput("compare two different versions (from and to are the same)", code="same-version")
        return by_version[older], to

    # --- profiles ------------------------------------------------------------------------------

    def pins(self, version_iri: str) -> dict[str, str]:
        """Concept scheme → vocabulary version IRI the profile version pins (role:vocabulary)."""
        rows = self.store.select(PINS_QUERY, bindings={"v": ox.NamedNode(version_iri)}, default_graph=[version_iri])
        out = {}
        for row in rows:
            scheme = row.get("scheme")
            if scheme is not None:
                out[scheme.value] = row["voc"].value
        return out

    def shapes_spo(self, info: VersionInfo) -> dict:
        """The shapes graph of a public version as `graph_spo`, cached (published graphs never
        change; a base shared by two chains is read once)."""
        if not info.graph:
            return {}
        if not info.public:
            return graph_spo(self.store.triples(info.graph))
        cached = self._graphs.get(info.graph)
        if cached is not None:
            return cached
        return self._graphs.put(info.graph, graph_spo(self.store.triples(info.graph)))

    def profile_model(self, info: VersionInfo) -> ProfileModel:
        cached = self._models.get(info.iri)
        if cached is not None:
            return cached
        model = model_store.load(self.store, info.iri) if info.public else None
        return self._models.put(info.iri, model if model is not None else self.build_profile_model(info))

    def build_profile_model(self, info: VersionInfo) -> ProfileModel:
        """The model of a version read from its shapes graph and those of its chain."""
        chain = self.catalog.profile_chain(info.id, info.version)
        pins: dict[str, str] = {}
        parts = []
        for v in chain:
            parts.append((Source(v.id, v.version, v.iri), self.shapes_spo(v)))
            for scheme, voc in self.pins(v.iri).items():
                pins.setdefault(scheme, voc)  # the nearest version's pin wins
        return build_model(parts, pins)

    def keep_profile_model(self, info: VersionInfo) -> None:
        """Compute a public version's model and keep it in the store (`model_store`), so that the
        first diff of a running registry does not read and normalise its shapes."""
        if not info.public or model_store.load(self.store, info.iri) is not None:
            return
        model_store.save(self.store, info.iri, self.profile_model(info))

    def submission_model(self, source: Source, triples: list[ox.Triple], base: VersionInfo | None,
                         pins: dict[str, str]) -> ProfileModel:
        """The model of a version being published (not in the store yet) on a published base."""
        parts = [(source, store_normalised(triples))]
        all_pins = dict(pins)
        if base is not None:
            base_model = self.profile_model(base)
            for v in self.catalog.profile_chain(base.id, base.version):
                parts.append((Source(v.id, v.version, v.iri), self.shapes_spo(v)))
            for scheme, voc in base_model.pins.items():
                all_pins.setdefault(scheme, voc)
        return build_model(parts, all_pins)

    def vocabulary_change(self, old_iri: str, new_iri: str, graphs: dict[str, str] | None = None) -> str | None:
        """The strongest classification of the changes between two vocabulary versions (None: no
        change). `graphs` maps a version IRI not yet in the catalog to its (staged) concepts graph."""
        key = (old_iri, new_iri)
        if key in self._vocabulary_classes and not graphs:
            return self._vocabulary_classes[key]
        old = self.catalog.version_by_iri(old_iri)
        new = self.catalog.version_by_iri(new_iri)
        new_graph = (graphs or {}).get(new_iri) or (new.graph if new is not None else None)
        if old is None or new_graph is None or old.graph is None:
            return classify.BREAKING  # cannot be read: assume the worst
        changes, _ = diff_graphs(self.store, old.graph, new_graph, old.scheme)
        result = classify.worst(c.classification for c in changes)
        if not graphs:
            self._vocabulary_classes[key] = result
        return result

    def profile_diff(self, pid: str, older: str | None = None, newer: str | None = None) -> Diff:
        a, b = self.pick("profile", pid, older, newer)
        key = (a.iri, b.iri)
        changes = self._profile_diffs.get(key)
        if changes is None:  # public versions (and the vocabulary versions they pin) never change
            changes = self._profile_diffs.put(
                key, diff_models(self.profile_model(a), self.profile_model(b), self.vocabulary_change))
        return Diff("profile", pid, a, b, list(changes))

    def version_facts(self, version_iri: str) -> dict[str, Any] | None:
        """What the version's metadata records of its comparison with the previous version at
        publication (`registry.evolution.publishing`): None for versions published without it."""
        rows = self.store.select(
            """SELECT ?previous ?required ?accepted ?set WHERE {
                 $v <http://www.w3.org/ns/prov#wasRevisionOf> ?previous .
                 OPTIONAL { $v <https://w3id.org/profile-registry/changes#requiredIncrement> ?required }
                 OPTIONAL { $v <https://w3id.org/profile-registry/changes#versionNumberAccepted> ?accepted }
                 OPTIONAL { $v <https://w3id.org/profile-registry/changes#changeSet> ?set } } LIMIT 1""",
            bindings={"v": ox.NamedNode(version_iri)}, default_graph=[version_iri],
        )
        if not rows:
            return None
        row = rows[0]
        previous = self.catalog.version_by_iri(row["previous"].value)
        return {
            "previous_version": previous.version if previous is not None else None,
            "previous_iri": row["previous"].value,
            "required_increment": row["required"].value if "required" in row else None,
            "version_number_accepted": "accepted" in row and row["accepted"].value in ("true", "1"),
            "change_set": row["set"].value if "set" in row else None,
        }

    # --- the latest versions as a dataset (SPARQL at /sparql/latest) ------------------------------

    def latest_graphs(self) -> list[str]:
        """The catalog graph and the graphs (metadata, shapes or concepts, context) of the latest
        published version of every profile and vocabulary series: the dataset of `/sparql/latest`.
        Cached per store generation (every write changes it)."""
        generation = getattr(self.store, "generation", None)
        cached = getattr(self, "_latest", None)
        if cached is not None and cached[0] == generation and generation is not None:
            return cached[1]
        graphs = [self.registry.iris.catalog]
        for kind in ("profile", "vocabulary"):
            for sid in self.catalog.series_ids(kind):
                published = [v for v in self.catalog.versions(kind, sid) if v.status == "published"]
                if published:
                    latest = published[-1]
                    graphs += [g for g in (latest.iri, latest.graph, latest.context_graph) if g]
        self._latest = (generation, graphs)
        return graphs

    # --- vocabularies --------------------------------------------------------------------------

    def vocabulary_diff(self, vid: str, older: str | None = None, newer: str | None = None) -> Diff:
        a, b = self.pick("vocabulary", vid, older, newer)
        changes, blanks = diff_graphs(self.store, a.graph, b.graph, b.scheme or a.scheme)
        extra = {"concept_scheme": b.scheme or a.scheme}
        if blanks:
            extra["blank_node_statements_not_compared"] = blanks
        return Diff("vocabulary", vid, a, b, changes, extra)


def store_normalised(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples as a store gives them back: Oxigraph writes literals in canonical form
    (`"1e8"^^xsd:double` becomes `"100000000"`), so a submission is compared with stored
    versions only after the same round trip (an in-memory store)."""
    memory = ox.Store()
    graph = ox.NamedNode("urn:registry:submission")
    memory.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return [q.triple for q in memory.quads_for_pattern(None, None, None, graph)]


def evolution(registry) -> EvolutionService:
    """The process's evolution service (created on first use)."""
    return registry.feature("evolution", EvolutionService)
