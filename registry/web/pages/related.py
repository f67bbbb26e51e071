"""What the pages show around a resource (issue 15 item 13): the communities with their profiles and
vocabularies; for a concept, the labels of its mapping targets the registry hosts and the profile
fields that take their values from its vocabulary.

Reads only published versions; SPARQL values are bound (`$c`), never spliced. Results that only
change with the store are cached per store generation (`data.cache`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.catalog import VersionInfo
from registry.namespaces import SPARQL_PREFIXES
from registry.profile_fields import fields_for_version
from registry.vocab.service import MAPPING_PROPERTIES
from registry.web.fieldtext import field_anchor
from registry.web.pages import data

SKOS = "http://www.w3.org/2004/02/skos/core#"
MAPPINGS = tuple(SKOS + name for name in MAPPING_PROPERTIES)


# --- communities ----------------------------------------------------------------------------------


def communities(registry) -> list[dict[str, Any]]:
    """Every community with its published profiles and vocabularies (latest version of each)."""

    def compute():
        profiles = registry.catalog.summaries("profile")
        vocabularies = registry.catalog.summaries("vocabulary")
        out = []
        for community in registry.catalog.communities():
            mine = [p for p in profiles if p["community"] in (community.iri, community.id)]
            words = [v for v in vocabularies if v["community"] in (community.iri, community.id)]
            out.append({"community": community, "profiles": mine, "vocabularies": words})
        return out

    return data.cache(registry).get(registry.store, "communities-page", compute)


# --- concepts -------------------------------------------------------------------------------------


@dataclass
class Mapping:
    relation: str  # "skos:exactMatch"…
    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    vocabulary: VersionInfo | None = None  # the hosted vocabulary that has the target, if any


def mappings(registry, info: VersionInfo, iri: str) -> list[Mapping]:
    """The concept's mapping targets (skos:exactMatch, closeMatch, broadMatch, narrowMatch,
    relatedMatch), with the label and vocabulary of those the registry hosts (latest versions)."""
    node = ox.NamedNode(iri)
    rows = registry.store.select("SELECT ?p ?t WHERE { $c ?p ?t }", bindings={"c": node}, default_graph=[info.graph])
    found = [Mapping("skos:" + r["p"].value[len(SKOS):], r["t"].value)
             for r in rows if r["p"].value in MAPPINGS and isinstance(r["t"], ox.NamedNode)]
    if not found:
        return []
    by_target = {m.iri: m for m in found}
    query = SPARQL_PREFIXES + "SELECT ?t ?l WHERE { $c ?p ?t . ?t a skos:Concept OPTIONAL { ?t skos:prefLabel ?l } }"
    # targets in the concept's own vocabulary first; then each other hosted vocabulary, its graph
    # joined with the concept's (a target the own graph does not type as a concept is typed there)
    own = {row["t"].value for row in registry.store.select(query, bindings={"c": node}, default_graph=[info.graph])}
    for other in [info] + [v for v in data.latest_vocabularies(registry) if v.id != info.id]:
        if all(m.vocabulary is not None for m in found):
            break
        if not other.graph:
            continue
        graphs = [info.graph] if other is info else [info.graph, other.graph]
        for row in registry.store.select(query, bindings={"c": node}, default_graph=graphs):
            mapping = by_target.get(row["t"].value)
            if mapping is None or (other is not info and mapping.iri in own):
                continue
            if mapping.vocabulary is None:
                mapping.vocabulary = other
            label = row.get("l")
            if isinstance(label, ox.Literal) and mapping.vocabulary is other:
                mapping.labels.setdefault(label.language or "", label.value)
    return sorted(found, key=lambda m: (MAPPING_PROPERTIES.index(m.relation[5:]), m.iri))


@dataclass
class FieldUse:
    """A profile field whose values come from a concept scheme."""

    profile: VersionInfo
    group_label: dict[str, str]
    group_fallback: str
    name: dict[str, str]
    path: str
    anchor: str


def _scheme_fields(registry) -> dict[str, list[FieldUse]]:
    """Concept scheme IRI → the fields of the latest published profile versions that take values
    from it (the registry's `skos:inScheme` convention, see registry.profile_fields)."""

    def compute():
        out: dict[str, list[FieldUse]] = {}
        for summary in registry.catalog.summaries("profile"):
            version = summary.get("latest_version")
            if not version:
                continue
            info = registry.catalog.version("profile", summary["id"], version, include_drafts=False)
            for group in fields_for_version(registry, info.id, info.version):
                for f in group.fields:
                    for scheme in f.schemes:
                        out.setdefault(scheme, []).append(FieldUse(
                            info, group.name, group.label("en"), f.name, f.path, field_anchor(group.key, f.path)))
        return out

    return data.cache(registry).get(registry.store, "scheme-fields", compute)


def fields_using(registry, info: VersionInfo) -> list[FieldUse]:
    """The profile fields that take values from the vocabulary version's concept schemes."""
    index = _scheme_fields(registry)
    seen: set[tuple[str, str]] = set()
    out = []
    for scheme in info.schemes or ([info.scheme] if info.scheme else []):
        for use in index.get(scheme, []):
            key = (use.profile.iri, use.anchor)
            if key not in seen:
                seen.add(key)
                out.append(use)
    return sorted(out, key=lambda u: (u.profile.id, u.anchor))
