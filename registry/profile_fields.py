"""The field table of a profile version, generated from its SHACL shapes and its ancestors'.

Used by the profile pages (`registry.web.pages`) and reusable for generated documentation::

    groups = fields_for_version(registry, "metsa-em", "1.0.0")
    for group in groups:
        for f in group.fields:
            print(f.label("fr"), f.path, f.requirement, f.cardinality, f.datatypes, f.schemes)

A *group* is a node shape (grouped by target class, so a profile that adds fields to its base
profile's class shows them in one table); a *field* is one property shape with:

* its label and description (`sh:name`, `sh:description`, per language), its path;
* requirement: ``required`` (`sh:minCount` ≥ 1 at severity Violation), ``recommended``
  (`sh:minCount` ≥ 1 at severity Warning), ``optional`` (no `sh:minCount`, or severity Info);
* cardinality from `sh:minCount` / `sh:maxCount`;
* datatypes (`sh:datatype`, also inside `sh:or`), classes (`sh:class`), node kind, `sh:in` values;
* the concept schemes its values must come from — the registry's convention
  ``sh:node [ sh:property [ sh:path skos:inScheme ; sh:hasValue <scheme> ] ]`` (or `sh:in`);
* QUDT units and numeric ranges: ``qudt:unit`` / ``qudt:hasUnit`` with `sh:hasValue` / `sh:in`,
  ``qudt:numericValue`` / ``qudt:value`` with datatype and `sh:min/maxIn/Exclusive`, on nested
  shapes (`sh:node`, `sh:and`, `sh:or`, `sh:qualifiedValueShape`) or on the property itself;
* ``source``: the profile version that defines it; ``inherited`` when that is an ancestor,
  ``refines`` when the version redefines an inherited field (same class, same path).

Everything here is pure over triples; `fields_for_version` reads them from the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from registry.namespaces import PREFIXES, QUDT, UNIT
from registry.publishing.references import rdf_list_items
from registry.rdf import to_rdflib_graph

UNIT_PATHS = {QUDT.unit, QUDT.hasUnit}
VALUE_PATHS = {QUDT.numericValue, QUDT.value}
#: Paths of a nested shape that describe a value (vocabulary, unit, number) rather than a field.
DESCRIPTOR_PATHS = UNIT_PATHS | VALUE_PATHS | {SKOS.inScheme, RDF.type, QUDT.quantityKind}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
NESTING = (SH.node, SH.qualifiedValueShape)
LOGICAL = (SH["or"], SH["and"], SH.xone)
MAX_DEPTH = 6

_CURIE_PREFIXES = {**PREFIXES, "qudt": str(QUDT), "unit": str(UNIT), "schema": "https://schema.org/", "schemas": "http://schema.org/",
                   "vcard": "http://www.w3.org/2006/vcard/ns#",
                   "prov": "http://www.w3.org/ns/prov#", "dcterms": "http://purl.org/dc/terms/",
                   # the bundled profiles' own terms, with the prefixes their shapes files declare
                   "rdpt": "https://w3id.org/rdp/term/", "metsa": "https://w3id.org/metsa/term/"}


def curie(iri: str) -> str:
    """`http://purl.org/dc/terms/title` → `dct:title`; unknown namespaces: the IRI unchanged."""
    best = None
    for prefix, ns in _CURIE_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best is None:
        return iri
    local = iri[len(best[1]):]
    if not local.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return iri
    return f"{best[0]}:{local}"


def pick(values: dict[str, str], lang: str, default: str = "") -> str:
    """The text in `lang`, else English, else no language tag, else any."""
    for key in (lang, "en", ""):
        if values.get(key):
            return values[key]
    return next(iter(values.values()), default)


@dataclass
class Source:
    """The profile version a shape comes from."""

    id: str
    version: str
    iri: str
    title: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "iri": self.iri}


@dataclass
class Field:
    path: str  # an IRI, or a SPARQL property path for complex paths
    path_is_iri: bool
    name: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    min_count: int | None = None
    max_count: int | None = None
    severity: str = "Violation"
    requirement: str = "optional"
    datatypes: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    node_kind: str | None = None
    values: list[str] = field(default_factory=list)  # sh:in / sh:hasValue
    schemes: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    range: dict[str, str] = field(default_factory=dict)  # minInclusive, maxInclusive, minExclusive, maxExclusive
    unit_ranges: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (unit IRI, its range)
    notes: list[dict[str, str]] = field(default_factory=list)  # descriptions of further shapes on the path
    pattern: str | None = None
    node_group: str | None = None  # key of the group describing nested values
    order: float | None = None
    shape_id: str = ""
    source: Source | None = None  # the (farthest) profile version that declares the field
    inherited: bool = False
    refined_by: list[Source] = field(default_factory=list)  # nearer versions adding constraints

    @property
    def refines(self) -> Source | None:
        """The ancestor whose field this version constrains further (None if not refined here)."""
        return self.source if self.refined_by else None

    def label(self, lang: str) -> str:
        return pick(self.name, lang, curie(self.path) if self.path_is_iri else self.path)

    def help(self, lang: str) -> str:
        return pick(self.description, lang)

    @property
    def cardinality(self) -> str:
        low = self.min_count or 0
        high = "*" if self.max_count is None else str(self.max_count)
        return f"{low}..{high}"

    @property
    def range_text(self) -> str:
        return range_text(self.range)

    def unit_range_texts(self) -> list[tuple[str, str]]:
        """(unit IRI, range text) for each unit the field accepts."""
        if self.unit_ranges:
            return [(unit, range_text(r)) for unit, r in self.unit_ranges]
        return [(unit, self.range_text) for unit in self.units]

    def to_json(self) -> dict[str, Any]:
        out = {key: getattr(self, key) for key in _FIELD_JSON_KEYS}
        out["units"] = [{"unit": u, "range": r} for u, r in self.unit_ranges] or self.units
        out.update(range=self.range, pattern=self.pattern, source=self.source.to_json() if self.source else None,
                   inherited=self.inherited, refined_by=[s.to_json() for s in self.refined_by])
        return out


#: what `Field.to_json` says first (the attributes of the same name), before units, range, source
_FIELD_JSON_KEYS = ("path", "name", "description", "requirement", "severity", "min_count", "max_count", "cardinality",
                    "datatypes", "classes", "node_kind", "values", "schemes")


def range_text(rng: dict[str, str]) -> str:
    """`{"minInclusive": "0", "maxInclusive": "10"}` → `0 ≤ x ≤ 10`."""
    low = rng.get("minInclusive")
    low_op = "≤"
    if low is None and "minExclusive" in rng:
        low, low_op = rng["minExclusive"], "<"
    high = rng.get("maxInclusive")
    high_op = "≤"
    if high is None and "maxExclusive" in rng:
        high, high_op = rng["maxExclusive"], "<"
    if low is not None and high is not None:
        return f"{low} {low_op} x {high_op} {high}"
    if low is not None:
        return f"x {'≥' if low_op == '≤' else '>'} {low}"
    if high is not None:
        return f"x {high_op} {high}"
    return ""


@dataclass
class Group:
    key: str  # the target class IRI, or the node shape id
    shape_ids: list[str] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    name: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)
    source: Source | None = None  # where the group first appears (the farthest ancestor)
    target_kind: str | None = None  # "objects" (sh:targetObjectsOf) or "subjects" (sh:targetSubjectsOf)
    target_property: str | None = None  # the property IRI of those targets

    def label(self, lang: str) -> str:
        if self.name:
            return pick(self.name, lang)
        if self.target_classes:
            return curie(self.target_classes[0])
        if self.target_kind and self.target_property:
            from registry.web.i18n import Translator

            return Translator(lang)(f"group.{self.target_kind}", p=curie(self.target_property))
        return curie(self.key)

    @property
    def anchor(self) -> str:  # an HTML id
        return "g-" + "".join(ch if ch.isalnum() else "-" for ch in curie(self.key)).strip("-").lower()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "shapes": self.shape_ids,
            "target_classes": self.target_classes,
            "name": self.name,
            "description": self.description,
            "fields": [f.to_json() for f in self.fields],
        }


# --- reading shapes ---------------------------------------------------------------------------


def _lang_values(graph: rdflib.Graph, node, predicate) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal):
            out.setdefault(value.language or "", str(value))
    return out


def _int(graph: rdflib.Graph, node, predicate) -> int | None:
    value = graph.value(node, predicate)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _node_id(node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def path_text(graph: rdflib.Graph, path, depth: int = 0) -> tuple[str, bool]:
    """(text, is_iri) of a SHACL path: the IRI for a predicate path, SPARQL syntax otherwise."""
    if isinstance(path, URIRef):
        return str(path), True
    if depth > MAX_DEPTH or path is None:
        return "…", False

    def sub(node) -> str:
        text, is_iri = path_text(graph, node, depth + 1)
        return curie(text) if is_iri else f"({text})"

    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + sub(inverse), False
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return sub(inner) + suffix, False
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        return "|".join(sub(n) for n in rdf_list_items(graph, alternative)), False
    if graph.value(path, RDF.first) is not None:
        return "/".join(sub(n) for n in rdf_list_items(graph, path)), False
    return "…", False


def _is_unit_path(graph: rdflib.Graph, path) -> bool:
    """`qudt:hasUnit`, `qudt:unit`, or an `sh:alternativePath` of them (SHACL §2.3.1.4): profiles that
    moved to `qudt:hasUnit` still read the deprecated `qudt:unit` of older records."""
    if path in UNIT_PATHS:
        return True
    alternative = graph.value(path, SH.alternativePath) if path is not None else None
    members = rdf_list_items(graph, alternative) if alternative is not None else []
    return bool(members) and all(m in UNIT_PATHS for m in members)


def _shape_members(graph: rdflib.Graph, shape) -> list:
    """Shapes nested in `shape` by sh:node, sh:qualifiedValueShape, sh:and/or/xone."""
    out: list = []
    for predicate in NESTING:
        out.extend(graph.objects(shape, predicate))
    for predicate in LOGICAL:
        for lst in graph.objects(shape, predicate):
            out.extend(rdf_list_items(graph, lst))
    return out


def _fill_constraints(graph: rdflib.Graph, shape, f: Field, depth: int = 0, seen: set | None = None,
                      groups: dict | None = None, rng: dict | None = None) -> None:
    """Add what `shape` (a property shape, or a shape nested in one) says about the values."""
    seen = seen if seen is not None else set()
    if shape in seen or depth > MAX_DEPTH:
        return
    seen.add(shape)
    rng = f.range if rng is None else rng
    for dt in graph.objects(shape, SH.datatype):
        if str(dt) not in f.datatypes:
            f.datatypes.append(str(dt))
    for cls in graph.objects(shape, SH["class"]):
        if str(cls) not in f.classes and cls != SKOS.Concept:
            f.classes.append(str(cls))
    kind = graph.value(shape, SH.nodeKind)
    if kind is not None and f.node_kind is None:
        f.node_kind = curie(str(kind))
    for key in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
        value = graph.value(shape, SH[key])
        if value is not None and key not in rng:
            rng[key] = str(value)
    pattern = graph.value(shape, SH.pattern)
    if pattern is not None and f.pattern is None:
        f.pattern = str(pattern)
    if depth > 0:
        # a nested shape's property shapes describe the value: vocabulary, unit, number
        units: list[str] = []
        local: dict[str, str] = {}
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            values = list(graph.objects(prop, SH.hasValue))
            for lst in graph.objects(prop, SH["in"]):
                values.extend(rdf_list_items(graph, lst))
            if path == SKOS.inScheme:
                f.schemes.extend(str(v) for v in values if isinstance(v, URIRef) and str(v) not in f.schemes)
            elif _is_unit_path(graph, path):
                units.extend(str(v) for v in values if isinstance(v, URIRef))
            elif path in VALUE_PATHS:
                _fill_constraints(graph, prop, f, depth + 1, seen, groups, local)
        for unit in units:
            if unit not in f.units:
                f.units.append(unit)
            f.unit_ranges.append((unit, dict(local)))
        if not units:
            for key, value in local.items():
                rng.setdefault(key, value)
        if groups is not None and isinstance(shape, URIRef) and _node_id(shape) in groups and f.node_group is None:
            f.node_group = _node_id(shape)
    for member in _shape_members(graph, shape):
        _fill_constraints(graph, member, f, depth + 1, seen, groups)
    if depth == 0:
        for lst in graph.objects(shape, SH["in"]):
            f.values.extend(_node_id(v) if not isinstance(v, Literal) else str(v) for v in rdf_list_items(graph, lst))
        for v in graph.objects(shape, SH.hasValue):
            f.values.append(str(v))


def _requirement(min_count: int | None, severity: str) -> str:
    if not min_count:
        return "optional"
    if severity == "Violation":
        return "required"
    if severity == "Warning":
        return "recommended"
    return "optional"


def _is_field_shape(graph: rdflib.Graph, prop) -> bool:
    path = graph.value(prop, SH.path)
    return path is not None and path not in DESCRIPTOR_PATHS


def _group_shapes(graph: rdflib.Graph) -> list:
    """Node shapes shown as a table: those with a target, and named node shapes with fields."""
    candidates: set = set()
    for predicate in TARGETS:
        candidates.update(graph.subjects(predicate, None))
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef):
            candidates.add(shape)
    conditions = set()  # members of sh:or / sh:and / sh:xone and sh:not: conditions, not tables
    for predicate in LOGICAL:
        for lst in graph.objects(None, predicate):
            conditions.update(rdf_list_items(graph, lst))
    conditions.update(graph.objects(None, SH["not"]))
    out = []
    for shape in candidates:
        if graph.value(shape, SH.path) is not None:
            continue  # a property shape with a target: not a table
        if shape in conditions and not any(graph.value(shape, t) is not None for t in TARGETS):
            continue
        if any(_is_field_shape(graph, p) for p in graph.objects(shape, SH.property)):
            out.append(shape)
    return sorted(out, key=_node_id)


def _field(graph: rdflib.Graph, prop, groups: dict) -> Field | None:
    path_node = graph.value(prop, SH.path)
    if path_node is None:
        return None
    path, is_iri = path_text(graph, path_node)
    severity_iri = graph.value(prop, SH.severity)
    severity = str(severity_iri).rsplit("#", 1)[-1] if severity_iri is not None else "Violation"
    if graph.value(prop, SH.deactivated) == Literal(True):
        return None
    min_count = _int(graph, prop, SH.minCount)
    f = Field(
        path=path,
        path_is_iri=is_iri,
        name=_lang_values(graph, prop, SH.name) or _lang_values(graph, prop, RDFS.label),
        description=_lang_values(graph, prop, SH.description) or _lang_values(graph, prop, RDFS.comment),
        min_count=min_count,
        max_count=_int(graph, prop, SH.maxCount),
        severity=severity,
        requirement=_requirement(min_count, severity),
        shape_id=_node_id(prop),
    )
    order = graph.value(prop, SH.order)
    try:
        f.order = float(order) if order is not None else None
    except (TypeError, ValueError):
        f.order = None
    _fill_constraints(graph, prop, f, groups=groups)
    return f


_STRENGTH = {"optional": 0, "recommended": 1, "required": 2}


def _merge(into: Field, other: Field) -> None:
    """Two property shapes on the same path of the same class: SHACL applies both."""
    if other.min_count and (into.min_count or 0) < other.min_count:
        into.min_count = other.min_count
    if other.max_count is not None and (into.max_count is None or other.max_count < into.max_count):
        into.max_count = other.max_count
    if _STRENGTH[other.requirement] > _STRENGTH[into.requirement]:
        into.requirement, into.severity = other.requirement, other.severity
    for attr in ("datatypes", "classes", "values", "schemes", "units"):
        target = getattr(into, attr)
        target.extend(v for v in getattr(other, attr) if v not in target)
    into.unit_ranges.extend(ur for ur in other.unit_ranges if ur not in into.unit_ranges)
    for key, value in other.range.items():
        into.range.setdefault(key, value)
    into.node_kind = into.node_kind or other.node_kind
    into.pattern = into.pattern or other.pattern
    into.node_group = into.node_group or other.node_group
    if into.order is None:
        into.order = other.order
    for note in [other.description] + other.notes:
        if note and note != into.description and note not in into.notes:
            into.notes.append(note)


def _primary_first(fields: list[Field]) -> list[Field]:
    """The shape that names a field best: one with sh:minCount (the "presence" shape), else the
    first by shape id."""
    return sorted(fields, key=lambda f: (not f.min_count, f.shape_id))


def _group_key(graph: rdflib.Graph, shape) -> tuple[str, list[str]]:
    classes = sorted(str(c) for c in graph.objects(shape, SH.targetClass))
    if classes:
        return classes[0], classes
    for predicate, word in ((SH.targetObjectsOf, "objects of"), (SH.targetSubjectsOf, "subjects of")):
        prop = graph.value(shape, predicate)
        if prop is not None:
            return f"{word} {curie(str(prop))}", []  # an id, not shown: Group.label words it per language
    return _node_id(shape), []


def _group_target(graph: rdflib.Graph, shape) -> tuple[str | None, str | None]:
    """("objects" | "subjects", property IRI) for a sh:targetObjectsOf / sh:targetSubjectsOf shape."""
    if next(graph.objects(shape, SH.targetClass), None) is not None:
        return None, None
    for predicate, kind in ((SH.targetObjectsOf, "objects"), (SH.targetSubjectsOf, "subjects")):
        prop = graph.value(shape, predicate)
        if prop is not None:
            return kind, str(prop)
    return None, None


def profile_fields(chain: Iterable[tuple[Source, Iterable[ox.Triple]]]) -> list[Group]:
    """Groups of fields of a profile version.

    `chain`: (source, shapes triples) for the version and each profile it is a profile of,
    nearest first (as `Catalog.profile_chain` gives them).
    """
    chain = list(chain)
    if not chain:
        return []
    own = chain[0][0]
    merged = rdflib.Graph()
    per_source: list[tuple[Source, rdflib.Graph]] = []
    for source, triples in chain:
        graph = to_rdflib_graph(triples)
        per_source.append((source, graph))
        for t in graph:
            merged.add(t)

    groups: dict[str, Group] = {}
    shape_group: dict[str, str] = {}
    # farthest ancestor first: a group and a field belong to the version that first declares them
    for source, graph in reversed(per_source):
        for shape in _group_shapes(graph):
            key, classes = _group_key(graph, shape)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key=key, target_classes=classes, source=source)
                group.target_kind, group.target_property = _group_target(graph, shape)
            if _node_id(shape) not in group.shape_ids:
                group.shape_ids.append(_node_id(shape))
            name = _lang_values(graph, shape, SH.name) or _lang_values(graph, shape, RDFS.label)
            if name and (not group.name or group.source is source):
                group.name = name
            description = _lang_values(graph, shape, SH.description) or _lang_values(graph, shape, RDFS.comment)
            if description and (not group.description or group.source is source):
                group.description = description
            shape_group[_node_id(shape)] = key
    for source, graph in reversed(per_source):
        for key, group in groups.items():
            new: dict[str, list[Field]] = {}
            for shape in _group_shapes(graph):
                if shape_group[_node_id(shape)] != key:
                    continue
                for prop in graph.objects(shape, SH.property):
                    if not _is_field_shape(graph, prop):
                        continue
                    # constraints are read from the merged graph (nested shapes may be elsewhere)
                    f = _field(merged, prop, shape_group)
                    if f is not None:
                        new.setdefault(f.path, []).append(f)
            for path, found in new.items():
                primary, *others = _primary_first(found)
                for other in others:
                    _merge(primary, other)
                if primary.node_group:
                    primary.node_group = shape_group.get(primary.node_group, primary.node_group)
                existing = next((g for g in group.fields if g.path == path), None)
                if existing is None:
                    primary.source = source
                    primary.inherited = source.iri != own.iri
                    group.fields.append(primary)
                else:
                    _merge(existing, primary)
                    existing.refined_by.append(source)
    out = list(groups.values())
    for group in out:
        group.fields.sort(key=lambda f: (f.order is None, f.order or 0))
    # groups with a target class first, then the others
    out.sort(key=lambda g: (not g.target_classes,))
    return out


def fields_for_version(registry, pid: str, version: str | None = None) -> list[Group]:
    """The field groups of a published profile version (`version=None`: the latest)."""
    chain = registry.catalog.profile_chain(pid, version)
    items = []
    for info in chain:
        source = Source(info.id, info.version, info.iri, info.title)
        triples = list(registry.store.triples(info.graph)) if info.graph else []
        items.append((source, triples))
    return profile_fields(items)
