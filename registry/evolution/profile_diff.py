"""What changed between two versions of a profile (issue 17, item 1), each change classified.

A profile version is read as the shapes of the version and of every version it is
`prof:isProfileOf`, transitively (W3C PROF section 5.1: a profile's constraints include its base's),
plus the vocabulary versions it pins (resource descriptors with role:vocabulary). Both versions
are turned into a `ProfileModel`:

* a **field** is a property shape (SHACL 1.0 section 2.3) under the node shape that owns it
  (`sh:property`), identified by (owning shape, path); when one owner has several property
  shapes on one path they are told apart by their IRIs (matched by IRI first, then in order);
* a **node shape** (section 2.2) is identified by its IRI (a blank node by its place);
* each shape's **constraints** (section 4, the core constraint components) are normalised so that
  a change can be told looser, tighter, or neither: counts, value ranges and lengths are bounds;
  sh:in, sh:languageIn, sh:ignoredProperties and sh:or are sets of allowed things; sh:class,
  sh:datatype, sh:hasValue, sh:and, property pairs and SPARQL constraints (section 5) are sets of
  requirements; sh:pattern, sh:xone, sh:not and qualified shapes are compared as a whole;
* the **vocabulary** of a field is the concept scheme its values must be in (the registry's
  convention `sh:node [ sh:property [ sh:path skos:inScheme ; sh:hasValue <scheme> ] ]`, see
  `registry.publishing.references`) and the vocabulary version the profile version pins for it.

Everything here is pure over pyoxigraph triples (no store, no rdflib), so the same code diffs two
published versions and a submission against its predecessor at publication time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from registry.evolution.classify import BREAKING, COMPATIBLE, EDITORIAL, Change

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
MAX_DEPTH = 8
MAX_LIST = 10_000

SEVERITIES = {SH + "Violation": "Violation", SH + "Warning": "Warning", SH + "Info": "Info"}
_SEVERITY_RANK = {"Info": 0, "Warning": 1, "Violation": 2}

TARGETS = {SH + "targetClass": "sh:targetClass", SH + "targetNode": "sh:targetNode",
           SH + "targetSubjectsOf": "sh:targetSubjectsOf", SH + "targetObjectsOf": "sh:targetObjectsOf"}

#: What people read: a change to these is editorial (rule text-changed).
TEXTS = {SH + "name": "name", SH + "description": "description", SH + "message": "message",
         RDFS + "label": "label", RDFS + "comment": "comment"}
EDITORIAL_PREDICATES = {SH + "order": "order", SH + "group": "group", SH + "defaultValue": "default-value",
                        RDFS + "seeAlso": "see-also"}

#: SHACL terms that are structure (handled elsewhere), not constraints to compare.
STRUCTURE = {SH + "path", SH + "property", SH + "severity", SH + "declare", SH + "prefixes", RDF_TYPE,
             *TARGETS, *TEXTS, *EDITORIAL_PREDICATES}

# Constraint components: predicate → (aspect, how two values compare). Kinds:
#   lower / upper   an integer bound (absent = 0 / unbounded)
#   allowed         a set of allowed things: fewer is tighter, more is looser
#   required        a set of requirements: more is tighter, fewer is looser
#   whole           compared as a whole: added tighter, removed looser, changed neither
#   true-tightens   a boolean whose true value is the tighter one
COMPONENTS: dict[str, tuple[str, str]] = {
    SH + "minCount": ("cardinality", "lower"),
    SH + "maxCount": ("cardinality", "upper"),
    SH + "minLength": ("length", "lower"),
    SH + "maxLength": ("length", "upper"),
    SH + "datatype": ("datatype", "required"),
    SH + "class": ("class", "required"),
    SH + "nodeKind": ("node-kind", "node-kind"),
    SH + "pattern": ("pattern", "whole"),
    SH + "flags": ("pattern", "whole"),
    SH + "in": ("in", "allowed"),
    SH + "languageIn": ("language", "allowed"),
    SH + "uniqueLang": ("language", "true-tightens"),
    SH + "hasValue": ("has-value", "required"),
    SH + "node": ("node", "required"),
    SH + "or": ("or", "allowed"),
    SH + "and": ("and", "required"),
    SH + "xone": ("xone", "whole"),
    SH + "not": ("not", "whole"),
    SH + "qualifiedValueShape": ("qualified", "whole"),
    SH + "qualifiedMinCount": ("qualified", "lower"),
    SH + "qualifiedMaxCount": ("qualified", "upper"),
    SH + "qualifiedValueShapesDisjoint": ("qualified", "true-tightens"),
    SH + "equals": ("property-pair", "required"),
    SH + "disjoint": ("property-pair", "required"),
    SH + "lessThan": ("property-pair", "required"),
    SH + "lessThanOrEquals": ("property-pair", "required"),
    SH + "closed": ("closed", "true-tightens"),
    SH + "ignoredProperties": ("closed", "allowed"),
    SH + "sparql": ("sparql", "required"),
    SH + "deactivated": ("deactivated", "false-tightens"),
}
RANGE = {SH + "minInclusive": ("lower", True), SH + "minExclusive": ("lower", False),
         SH + "maxInclusive": ("upper", True), SH + "maxExclusive": ("upper", False)}
#: sh:node references to concept shapes are reported as the field's vocabulary, not as nodes.
NODE_KIND_SETS = {
    SH + "IRI": {"I"}, SH + "BlankNode": {"B"}, SH + "Literal": {"L"}, SH + "BlankNodeOrIRI": {"B", "I"},
    SH + "BlankNodeOrLiteral": {"B", "L"}, SH + "IRIOrLiteral": {"I", "L"},
}


def short(iri: str) -> str:
    """`http://www.w3.org/ns/shacl#minCount` → `sh:minCount`."""
    return "sh:" + iri[len(SH):] if iri.startswith(SH) else iri


# --- reading the shapes ---------------------------------------------------------------------------


@dataclass
class Source:
    """A profile version in the chain: where a shape is defined."""

    id: str
    version: str
    iri: str


def graph_spo(triples: Iterable[ox.Triple]) -> dict:
    """subject → predicate IRI → objects of one graph (immutable once built: cacheable)."""
    spo: dict = {}
    for t in triples:
        subject, predicate, obj = t.subject, t.predicate, t.object
        by_p = spo.get(subject)
        if by_p is None:
            by_p = spo[subject] = {}
        key = predicate.value
        objs = by_p.get(key)
        if objs is None:
            by_p[key] = [obj]
        else:
            objs.append(obj)
    return spo


class Index:
    """subject → predicate IRI → objects, over the triples of the chain's shapes graphs."""

    def __init__(self) -> None:
        self.spo: dict[Any, dict[str, list]] = {}
        self.source: dict[Any, Source] = {}

    def add(self, triples: Iterable[ox.Triple], source: Source) -> None:
        self.merge(graph_spo(triples), source)

    def merge(self, spo: dict, source: Source) -> None:
        """Add one graph's `graph_spo` (not modified: it may be cached and shared)."""
        for subject, by_p in spo.items():
            mine = self.spo.get(subject)
            if mine is None:
                self.spo[subject] = by_p
                if isinstance(subject, ox.NamedNode):
                    self.source[subject] = source
                continue
            if any(mine is other for other in (by_p,)):
                continue
            merged = {p: list(objs) for p, objs in mine.items()}
            for p, objs in by_p.items():
                merged.setdefault(p, []).extend(objs)
            self.spo[subject] = merged

    def objects(self, s, p: str) -> list:
        return self.spo.get(s, {}).get(p, [])

    def one(self, s, p: str):
        values = self.objects(s, p)
        return values[0] if values else None

    def items(self, head) -> list:
        out, seen, node = [], set(), head
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL) and node not in seen and len(out) < MAX_LIST:
            seen.add(node)
            first = self.one(node, RDF_FIRST)
            if first is None:
                break
            out.append(first)
            node = self.one(node, RDF_REST)
            if node is None:
                break
        return out

    def is_list(self, node) -> bool:
        return isinstance(node, ox.BlankNode) and self.one(node, RDF_FIRST) is not None


def literal_text(term: ox.Literal) -> str:
    if term.language:
        return f"{term.value}@{term.language}"
    return term.value


def canonical(index: Index, term, depth: int = 0) -> str:
    """A stable text for a term: IRIs and literals as they are; a blank node as its description
    (sorted, depth-limited) so that the same structure compares equal across versions."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return literal_text(term)
    if depth > MAX_DEPTH:
        return "[…]"
    if index.is_list(term):
        return "(" + " ".join(canonical(index, i, depth + 1) for i in index.items(term)) + ")"
    parts = []
    for p, objs in sorted(index.spo.get(term, {}).items()):
        for o in objs:
            parts.append(f"{short(p)} {canonical(index, o, depth + 1)}")
    return "[" + " ; ".join(sorted(parts)) + "]"


def path_text(index: Index, path, depth: int = 0) -> str:
    """A SHACL path (section 2.3.1) as the registry writes it: the IRI of a predicate path,
    SPARQL property-path syntax otherwise (as in validation reports)."""
    if isinstance(path, ox.NamedNode):
        return path.value
    if path is None or depth > MAX_DEPTH:
        return "…"

    def sub(node) -> str:
        text = path_text(index, node, depth + 1)
        return f"<{text}>" if isinstance(node, ox.NamedNode) else f"({text})"

    inverse = index.one(path, SH + "inversePath")
    if inverse is not None:
        return "^" + sub(inverse)
    for predicate, suffix in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        inner = index.one(path, SH + predicate)
        if inner is not None:
            return sub(inner) + suffix
    alternative = index.one(path, SH + "alternativePath")
    if alternative is not None:
        return "|".join(sub(n) for n in index.items(alternative))
    if index.is_list(path):
        return "/".join(sub(n) for n in index.items(path))
    return "…"


@dataclass
class Shape:
    key: str  # IRI, or a key built from the blank node's place
    term: Any
    source: Source | None
    path: str | None  # property shapes only
    severity: str = "Violation"
    targets: set[tuple[str, str]] = field(default_factory=set)
    constraints: dict[str, Any] = field(default_factory=dict)  # predicate IRI → normalised value
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # aspect → language → text
    editorial: dict[str, Any] = field(default_factory=dict)  # order, group, see-also...
    properties: list[str] = field(default_factory=list)  # keys of sh:property shapes
    nested: dict[str, str] = field(default_factory=dict)  # key of a nested shape → how (sh:node, sh:or...)
    vocabulary: tuple[str, ...] = ()  # concept schemes its values must be in
    is_concept_shape: bool = False

    @property
    def is_property(self) -> bool:
        return self.path is not None


@dataclass
class FieldRef:
    owner: str | None
    path: str
    shape: str


@dataclass
class ProfileModel:
    """The shapes of a profile version and its ancestors, normalised for comparison."""

    top: Source
    chain: list[Source]
    shapes: dict[str, Shape]
    fields: list[FieldRef]
    pins: dict[str, str]  # concept scheme → vocabulary version IRI
    effective: dict[str, str]  # shape key → the severity its results count with
    owners: dict[str, list[str]]  # shape key → keys of node shapes owning it by sh:property

    def effective_severity(self, key: str) -> str:
        return self.effective.get(key, self.shapes[key].severity if key in self.shapes else "Violation")

    def has_violation_constraints(self, key: str) -> bool:
        """True when the shape, or a field it owns, can produce a Violation result."""
        shape = self.shapes.get(key)
        if shape is None:
            return False
        if shape.severity == "Violation" and (shape.constraints or shape.vocabulary):
            return True
        return any(self.has_violation_constraints(k) for k in shape.properties if k != key)


def _is_shape(index: Index, s) -> bool:
    types = {o.value for o in index.objects(s, RDF_TYPE) if isinstance(o, ox.NamedNode)}
    by_p = index.spo.get(s, {})
    return bool(
        types & {SH + "NodeShape", SH + "PropertyShape"}
        or SH + "path" in by_p
        or any(p in by_p for p in TARGETS)
        or SH + "property" in by_p
    )


def build_model(
    chain: list[tuple[Source, Iterable[ox.Triple] | dict]], pins: dict[str, str] | None = None
) -> ProfileModel:
    """Normalise the shapes of a profile version (first) and its ancestors (then, nearest first);
    each part is the triples of a shapes graph or their `graph_spo`."""
    index = Index()
    for source, part in chain:
        index.merge(part if isinstance(part, dict) else graph_spo(part), source)
    # Every node that is a shape: typed, with a path or targets, or referenced as a shape.
    roots = [s for s in index.spo if _is_shape(index, s)]
    keys: dict[Any, str] = {}
    for s in roots:
        if isinstance(s, ox.NamedNode):
            keys[s] = s.value
    shapes: dict[str, Shape] = {}
    owners: dict[str, list[str]] = {}
    referrers: dict[str, list[tuple[str, str]]] = {}  # nested key → [(referrer key, predicate)]
    # Named shapes first: a blank-node shape is keyed by its place under the shape that refers to
    # it, the same in both versions whatever order the triples come in.
    pending = [(s, None) for s in roots if isinstance(s, ox.NamedNode)]
    blank_roots = [s for s in roots if not isinstance(s, ox.NamedNode)]
    used_keys: set[str] = set()

    def key_of(term, parent_key: str | None, how: str) -> str:
        if term in keys:
            return keys[term]
        if isinstance(term, ox.NamedNode):
            keys[term] = term.value
        else:
            anchor = parent_key or "_"
            if term in index.spo and SH + "path" in index.spo[term]:
                how = f"{how}[{path_text(index, index.one(term, SH + 'path'))}]"
            key, n = f"{anchor} {how}", 1
            while key in used_keys:  # two blank nodes in the same place: number them
                n += 1
                key = f"{anchor} {how}#{n}"
            keys[term] = key
        used_keys.add(keys[term])
        return keys[term]

    def shape_ref(term, parent_key: str, how: str) -> str:
        """The key of a shape named by a constraint value; queue it to be read."""
        k = key_of(term, parent_key, how)
        if k not in shapes and (isinstance(term, ox.BlankNode) or term in index.spo):
            pending.append((term, parent_key))
        referrers.setdefault(k, []).append((parent_key, how))
        return k

    while pending or blank_roots:
        if not pending:  # a blank-node shape nothing refers to: keyed by its targets (or content)
            term = blank_roots.pop()
            if term not in keys:
                targets = sorted(f"{label} {canonical(index, o)}" for p, label in TARGETS.items()
                                 for o in index.objects(term, p))
                keys[term] = "_ targets[" + ", ".join(targets) + "]" if targets else "_ " + canonical(index, term)[:200]
                used_keys.add(keys[term])
            pending.append((term, None))
        term, parent = pending.pop()
        if isinstance(term, ox.Literal):
            continue
        key = key_of(term, parent, "shape")
        if key in shapes:
            continue
        by_p = index.spo.get(term, {})
        path_node = index.one(term, SH + "path")
        shape = Shape(key=key, term=term, source=index.source.get(term),
                      path=path_text(index, path_node) if path_node is not None else None)
        shapes[key] = shape
        severity = index.one(term, SH + "severity")
        if severity is not None:
            shape.severity = SEVERITIES.get(severity.value, severity.value)
        for p, label in TARGETS.items():
            for o in by_p.get(p, []):
                shape.targets.add((label, canonical(index, o)))
        for p, aspect in TEXTS.items():
            for o in by_p.get(p, []):
                if isinstance(o, ox.Literal):
                    shape.texts.setdefault(aspect, {})[o.language or ""] = o.value
        for p, aspect in EDITORIAL_PREDICATES.items():
            if p in by_p:
                shape.editorial[aspect] = sorted(canonical(index, o) for o in by_p[p])
        for o in by_p.get(SH + "property", []):
            k = shape_ref(o, key, "sh:property")
            shape.properties.append(k)
            owners.setdefault(k, []).append(key)
        for p, objs in by_p.items():
            if p in STRUCTURE:
                continue
            if p in (SH + "node", SH + "qualifiedValueShape", SH + "not"):
                shape.constraints[p] = sorted(shape_ref(o, key, short(p)) for o in objs)
                for k in shape.constraints[p]:
                    shape.nested[k] = short(p)
            elif p in (SH + "or", SH + "and", SH + "xone"):
                members = []
                for lst in objs:
                    members += [shape_ref(m, key, f"{short(p)}#{i}") for i, m in enumerate(index.items(lst))]
                shape.constraints[p] = sorted(members)
                for k in members:
                    shape.nested[k] = short(p)
            elif p in (SH + "in", SH + "languageIn", SH + "ignoredProperties"):
                values = []
                for lst in objs:
                    values += [canonical(index, v) for v in index.items(lst)]
                shape.constraints[p] = sorted(set(values))
            elif p == SH + "sparql":
                shape.constraints[p] = sorted(_sparql_key(index, o) for o in objs)
                for o in objs:  # the SPARQL constraint's message is editorial
                    for m in index.objects(o, SH + "message"):
                        if isinstance(m, ox.Literal):
                            shape.texts.setdefault("sparql-message", {})[m.language or ""] = m.value
            elif p in RANGE or p in COMPONENTS:
                shape.constraints[p] = sorted(canonical(index, o) for o in objs)
                if p in RANGE:
                    shape.constraints[p] = objs[0]
            elif p.startswith(SH):
                shape.constraints[p] = sorted(canonical(index, o) for o in objs)  # compared as a whole
            else:
                shape.editorial[short(p)] = sorted(canonical(index, o) for o in objs)
    # Concept shapes (the vocabulary convention) and each shape's vocabulary.
    for shape in shapes.values():
        props = [shapes[k] for k in shape.properties if k in shapes]
        shape.is_concept_shape = bool(props) and all(p.path == SKOS_IN_SCHEME for p in props)
        if shape.path == SKOS_IN_SCHEME:
            shape.vocabulary = tuple(sorted(set(shape.constraints.get(SH + "hasValue", []) + shape.constraints.get(SH + "in", []))))
    for shape in shapes.values():
        schemes: set[str] = set(shape.vocabulary)
        for k in shape.constraints.get(SH + "node", []):
            nested = shapes.get(k)
            if nested is not None and nested.is_concept_shape:
                for pk in nested.properties:
                    schemes.update(shapes[pk].vocabulary)
        if shape.path != SKOS_IN_SCHEME:
            shape.vocabulary = tuple(sorted(schemes))
    fields = []
    for key, shape in sorted(shapes.items()):
        if not shape.is_property or _is_vocabulary_carrier(shape, shapes, owners):
            continue
        for owner in sorted(owners.get(key, [None]), key=lambda o: o or ""):
            fields.append(FieldRef(owner, shape.path, key))
    top = chain[0][0]
    effective = _effective_severities(shapes, owners, referrers)
    return ProfileModel(top, [s for s, _ in chain], shapes, fields, dict(pins or {}), effective, owners)


def _alternative_of(model: ProfileModel, key: str) -> set[str]:
    """The shapes whose `sh:or` lists `key`, when that is the only way `key` applies (no target of
    its own, nested nowhere else); empty otherwise."""
    shape = model.shapes.get(key)
    if shape is None or shape.targets:
        return set()
    ways = {(k, s.nested[key]) for k, s in model.shapes.items() if key in s.nested}
    if not ways or any(how != "sh:or" for _, how in ways):
        return set()
    return {k for k, _ in ways}


def _is_vocabulary_carrier(shape: Shape, shapes: dict[str, Shape], owners: dict[str, list[str]]) -> bool:
    """The `skos:inScheme` property shape of a concept shape: reported as its fields' vocabulary."""
    return shape.path == SKOS_IN_SCHEME and all(shapes[o].is_concept_shape for o in owners.get(shape.key, []) if o in shapes) and bool(owners.get(shape.key))


def _sparql_key(index: Index, node) -> str:
    """A SPARQL constraint (SHACL section 5) compared by its query (whitespace-normalised),
    prefix declarations and deactivation; its message is a text."""
    select = " ".join(" ".join(o.value.split()) for o in index.objects(node, SH + "select") if isinstance(o, ox.Literal))
    deactivated = [o.value for o in index.objects(node, SH + "deactivated") if isinstance(o, ox.Literal)]
    return select + (" (deactivated)" if deactivated and deactivated[0] in ("true", "1") else "")


def _effective_severities(shapes, owners, referrers) -> dict[str, str]:
    """The severity a shape's failures count with (SHACL sections 2.1.5, 4.8.1): its own for a
    shape applied through targets or as a property of such a shape; the referrer's for a shape
    nested with sh:node, sh:or, sh:and, sh:xone, sh:not or sh:qualifiedValueShape (whose
    failure is reported by the referrer); for a property of a nested shape, the nested shape's."""
    memo: dict[str, str] = {}

    def eff(key: str, stack: frozenset) -> str:
        if key in memo:
            return memo[key]
        shape = shapes.get(key)
        if shape is None or key in stack:
            return "Violation"
        stack = stack | {key}
        found: list[str] = []
        if shape.targets:
            found.append(shape.severity)
        for owner in owners.get(key, []):
            owner_shape = shapes.get(owner)
            nested_owner = owner_shape is not None and not owner_shape.targets and any(
                how != "sh:property" for _, how in referrers.get(owner, [])
            )
            found.append(eff(owner, stack) if nested_owner else shape.severity)
        for referrer, how in referrers.get(key, []):
            if how != "sh:property":
                found.append(eff(referrer, stack))
        if not found:
            found.append(shape.severity)  # unused: judged by its own severity (conservative)
        value = max(found, key=lambda s: _SEVERITY_RANK.get(s, 2))
        memo[key] = value
        return value

    return {key: eff(key, frozenset()) for key in shapes}


# --- comparing ------------------------------------------------------------------------------------


def _number(text: str):
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _bound(shape: Shape, side: str):
    """(value, inclusive) of the lower or upper bound of a value range, None if unbounded."""
    best = None
    for p, (s, inclusive) in RANGE.items():
        if s != side or p not in shape.constraints:
            continue
        term = shape.constraints[p]
        best = (term, inclusive) if best is None else best
    return best


def _compare_bounds(old, new, side: str) -> str | None:
    """'tightened', 'loosened', 'changed' (not comparable) or None (same)."""
    if old is None and new is None:
        return None
    if old is None:
        return "tightened"
    if new is None:
        return "loosened"
    (ot, oi), (nt, ni) = old, new
    if ot == nt and oi == ni:
        return None
    a, b = _number(ot.value), _number(nt.value)
    if a is None or b is None:
        if ot.datatype == nt.datatype:  # xsd:date, xsd:dateTime... compare lexically (same form)
            a, b = ot.value, nt.value
        else:
            return "changed"
    if a == b:
        return "tightened" if oi and not ni else "loosened"
    higher = b > a
    if side == "lower":
        return "tightened" if higher else "loosened"
    return "loosened" if higher else "tightened"


def _bound_text(bound, side: str) -> str | None:
    if bound is None:
        return None
    term, inclusive = bound
    op = (">=" if inclusive else ">") if side == "lower" else ("<=" if inclusive else "<")
    return f"{op} {_value_text(term)}"


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {_XSD + name for name in (
    "decimal", "double", "float", "integer", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte")}


def _value_text(term) -> str:
    """A bound as text: a number by its value ("1" for "1", "1.0" and "1.0E0"), since stores keep
    numbers differently (Virtuoso stores `"1"^^xsd:double` as a double and gives back "1.0":
    docs/deployment.md, quirks); anything else as written."""
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        number = _number(term.value)
        if number is not None and number.is_finite():
            text = format(number.normalize(), "f")
            return "0" if text in ("-0", "") else text
    return term.value


def _int(values) -> int | None:
    try:
        return int(values[0]) if values else None
    except (TypeError, ValueError):
        return None


def _direction(kind: str, old, new) -> str | None:
    """How a constraint changed, from the values of one component (None absent)."""
    if old == new:
        return None
    if kind in ("lower", "upper"):
        a, b = _int(old), _int(new)
        if a == b:
            return None
        if kind == "lower":
            a, b = a or 0, b or 0
            return "tightened" if b > a else "loosened"
        if a is None:
            return "tightened"
        if b is None:
            return "loosened"
        return "tightened" if b < a else "loosened"
    if kind == "node-kind":
        everything = {"B", "I", "L"}
        a = set().union(*(NODE_KIND_SETS.get(v, everything) for v in old)) if old else everything
        b = set().union(*(NODE_KIND_SETS.get(v, everything) for v in new)) if new else everything
        return None if a == b else "tightened" if b < a else "loosened" if b > a else "changed"
    if kind in ("true-tightens", "false-tightens"):
        truthy = "true" if kind == "true-tightens" else "false"
        a = bool(old) and old[0] in (truthy, "1" if truthy == "true" else "0")
        b = bool(new) and new[0] in (truthy, "1" if truthy == "true" else "0")
        if kind == "false-tightens":  # sh:deactivated: absent means active (false)
            a, b = (not old) or a, (not new) or b
        return None if a == b else "tightened" if b else "loosened"
    a, b = set(old or []), set(new or [])
    if kind == "allowed":
        if old is None:
            return "tightened"
        if new is None:
            return "loosened"
        return None if a == b else "tightened" if b < a else "loosened" if b > a else "changed"
    if kind == "required":
        return None if a == b else "tightened" if b > a else "loosened" if b < a else "changed"
    # whole
    if old is None:
        return "tightened"
    if new is None:
        return "loosened"
    return "changed"


def _value(values):
    """A constraint value for the JSON view: one value as itself, several as a list."""
    if values is None:
        return None
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


class _Differ:
    def __init__(self, old: ProfileModel, new: ProfileModel, vocabulary_change: Callable[[str, str], str | None] | None):
        self.old, self.new = old, new
        self.vocabulary_change = vocabulary_change
        self.changes: list[Change] = []

    def _source(self, shape: Shape | None) -> str | None:
        return shape.source.id if shape is not None and shape.source is not None else None

    def _constraint_rule(self, direction: str, old_key: str, new_key: str) -> str:
        if direction == "loosened":
            return "constraint-loosened"
        severities = {self.old.effective_severity(old_key), self.new.effective_severity(new_key)}
        if "Violation" not in severities:
            return "constraint-below-violation"
        # a tighter constraint that only counts as Violation before (severity lowered) cannot break
        if self.new.effective_severity(new_key) != "Violation":
            return "constraint-below-violation"
        return "constraint-tightened" if direction == "tightened" else "constraint-changed"

    def add(self, **kwargs) -> None:
        self.changes.append(Change(**kwargs))

    # -- one shape (either kind) against its counterpart
    def compare_shapes(self, a: Shape, b: Shape, ref: FieldRef | None) -> None:
        where = dict(subject=b.key, owner=ref.owner if ref else None, path=b.path, source=self._source(b))
        # severity
        if a.severity != b.severity:
            if b.severity == "Violation":
                rule = "severity-raised"
            elif a.severity == "Violation":
                rule = "severity-lowered"
            else:
                rule = "severity-changed-below-violation"
            self.add(kind="severity", rule=rule, aspect="severity", constraint="sh:severity",
                     before=a.severity, after=b.severity, **where)
        # value ranges: one entry per bound
        for side, label in (("lower", "sh:minInclusive/sh:minExclusive"), ("upper", "sh:maxInclusive/sh:maxExclusive")):
            ob, nb = _bound(a, side), _bound(b, side)
            direction = _compare_bounds(ob, nb, side)
            if direction:
                self.add(kind="constraint", rule=self._constraint_rule(direction, a.key, b.key), aspect="range",
                         constraint=label, before=_bound_text(ob, side), after=_bound_text(nb, side),
                         detail={"direction": direction}, **where)
        # the other components
        preds = sorted((set(a.constraints) | set(b.constraints)) - set(RANGE))
        for p in preds:
            old, new = a.constraints.get(p), b.constraints.get(p)
            aspect, kind = COMPONENTS.get(p, ("other", "whole"))
            if p == SH + "node":  # references to concept shapes are the vocabulary, compared below
                old = [k for k in old or [] if not self._concept(self.old, k)] or None
                new = [k for k in new or [] if not self._concept(self.new, k)] or None
            if p == SH + "flags":
                continue  # compared with sh:pattern (sh:flags alone means nothing)
            if p == SH + "pattern":
                old = None if old is None else old + a.constraints.get(SH + "flags", [])
                new = None if new is None else new + b.constraints.get(SH + "flags", [])
            direction = _direction(kind, old, new)
            if direction:
                detail: dict[str, Any] = {"direction": direction}
                if kind in ("allowed", "required"):
                    detail["added"] = sorted(set(new or []) - set(old or []))
                    detail["removed"] = sorted(set(old or []) - set(new or []))
                if kind in ("lower", "upper"):
                    old, new = _int(old), _int(new)
                self.add(kind="constraint", rule=self._constraint_rule(direction, a.key, b.key), aspect=aspect,
                         constraint=short(p), before=_value(old), after=_value(new), detail=detail, **where)
        # vocabulary (the scheme the values must be in)
        if a.vocabulary != b.vocabulary:
            direction = _direction("allowed", list(a.vocabulary) or None, list(b.vocabulary) or None)
            if a.vocabulary and b.vocabulary and not set(b.vocabulary) > set(a.vocabulary):
                direction = "changed" if not set(b.vocabulary) < set(a.vocabulary) else "tightened"
            self.add(kind="constraint", rule=self._constraint_rule(direction, a.key, b.key), aspect="vocabulary",
                     constraint="sh:node/sh:property[skos:inScheme]", before=_value(list(a.vocabulary)) or None,
                     after=_value(list(b.vocabulary)) or None,
                     detail={"direction": direction, "added": sorted(set(b.vocabulary) - set(a.vocabulary)),
                             "removed": sorted(set(a.vocabulary) - set(b.vocabulary))}, **where)
        # targets
        for target in sorted(b.targets - a.targets):
            rule = "target-added" if self.new.has_violation_constraints(b.key) else "target-added-harmless"
            self.add(kind="target-added", rule=rule, aspect="target", constraint=target[0], before=None,
                     after=target[1], **where)
        for target in sorted(a.targets - b.targets):
            self.add(kind="target-removed", rule="target-removed", aspect="target", constraint=target[0],
                     before=target[1], after=None, **where)
        # texts, per language
        for aspect in sorted(set(a.texts) | set(b.texts)):
            ot, nt = a.texts.get(aspect, {}), b.texts.get(aspect, {})
            for lang in sorted(set(ot) | set(nt)):
                if ot.get(lang) != nt.get(lang):
                    self.add(kind="text", rule="text-changed", aspect=aspect, language=lang or None,
                             before=ot.get(lang), after=nt.get(lang), **where)
        for aspect in sorted(set(a.editorial) | set(b.editorial)):
            if a.editorial.get(aspect) != b.editorial.get(aspect):
                self.add(kind="text", rule="text-changed", aspect=aspect,
                         before=_value(a.editorial.get(aspect)), after=_value(b.editorial.get(aspect)), **where)

    @staticmethod
    def _concept(model: ProfileModel, key: str) -> bool:
        shape = model.shapes.get(key)
        return shape is not None and shape.is_concept_shape

    # -- fields
    def compare_fields(self) -> set[str]:
        """Match fields by (owner, path), then by shape IRI; returns the shape keys compared."""
        groups: dict[tuple, tuple[list[FieldRef], list[FieldRef]]] = {}
        for ref in self.old.fields:
            groups.setdefault((ref.owner, ref.path), ([], []))[0].append(ref)
        for ref in self.new.fields:
            groups.setdefault((ref.owner, ref.path), ([], []))[1].append(ref)
        compared: set[str] = set()
        start = len(self.changes)
        removed: list[FieldRef] = []
        added: list[FieldRef] = []
        for (_owner, _path), (left, right) in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
            pairs = []
            rest_right = list(right)
            rest_left = []
            for ref in left:
                match = next((r for r in rest_right if r.shape == ref.shape), None)
                if match is not None:
                    rest_right.remove(match)
                    pairs.append((ref, match))
                else:
                    rest_left.append(ref)
            for ref, match in zip(rest_left, rest_right):
                pairs.append((ref, match))
            removed += rest_left[len(rest_right):]
            added += rest_right[len(rest_left):]
            for ref_a, ref_b in pairs:
                compared.add(ref_a.shape)
                compared.add(ref_b.shape)
                if (ref_a.shape, ref_b.shape) in self._done:
                    continue
                self._done.add((ref_a.shape, ref_b.shape))
                self.compare_shapes(self.old.shapes[ref_a.shape], self.new.shapes[ref_b.shape], ref_b)
        # A field whose path became an alternative path that still includes it (`qudt:unit` →
        # `qudt:hasUnit|qudt:unit`) is the same field with another path, not one removed and one added.
        for ref in list(removed):
            match = next((r for r in added if r.owner == ref.owner and ref.path in _alternatives(r.path)), None)
            if match is None:
                continue
            removed.remove(ref)
            added.remove(match)
            compared.update((ref.shape, match.shape))
            a, b = self.old.shapes[ref.shape], self.new.shapes[match.shape]
            # values on the added paths now meet the field's constraints too: neither looser nor tighter
            self.add(kind="constraint", rule=self._constraint_rule("changed", a.key, b.key), aspect="path",
                     constraint="sh:path", subject=b.key, owner=match.owner, path=match.path, source=self._source(b),
                     before=ref.path, after=match.path, detail={"direction": "changed"})
            self.compare_shapes(a, b, match)
        for ref in removed:
            self.field_removed(ref)
        for ref in added:
            self.field_added(ref)
        # in the order of (owner, path), as a reader goes through the shapes (a stable sort)
        self.changes[start:] = sorted(self.changes[start:], key=lambda c: (c.owner or "", c.path or ""))
        return compared

    _done: set

    def field_added(self, ref: FieldRef) -> None:
        shape = self.new.shapes[ref.shape]
        # sh:minCount >= 1, sh:hasValue (SHACL 4.8.3: some value must equal it) and
        # sh:qualifiedMinCount >= 1 all require the property to be there
        required = (_int(shape.constraints.get(SH + "minCount")) or 0) >= 1 or SH + "hasValue" in shape.constraints \
            or (_int(shape.constraints.get(SH + "qualifiedMinCount")) or 0) >= 1
        # A field of a new `sh:or` alternative requires nothing: a value conforms to sh:or if it
        # conforms to one member (SHACL 4.6.3), so adding a member only lets more values conform
        # (the sh:or list itself is reported loosened). A required field added to an alternative
        # that was already there does tighten it, and stays required.
        if required and ref.owner is not None and _alternative_of(self.new, ref.owner) - _alternative_of(self.old, ref.owner):
            required = False
        rule = "field-added-required" if required and self.new.effective_severity(ref.shape) == "Violation" else "field-added-optional"
        self.add(kind="field-added", rule=rule, subject=ref.shape, owner=ref.owner, path=ref.path,
                 source=self._source(shape), before=None, after=_field_summary(shape))

    def field_removed(self, ref: FieldRef) -> None:
        shape = self.old.shapes[ref.shape]
        owner = self.new.shapes.get(ref.owner) if ref.owner else None
        closed = owner is not None and _direction("true-tightens", None, owner.constraints.get(SH + "closed")) == "tightened"
        still_allowed = owner is not None and any(
            self.new.shapes[k].path == ref.path for k in owner.properties if k in self.new.shapes
        ) or (owner is not None and ref.path in owner.constraints.get(SH + "ignoredProperties", []))
        rule = "field-removed-closed" if closed and not still_allowed else "field-removed"
        self.add(kind="field-removed", rule=rule, subject=ref.shape, owner=ref.owner, path=ref.path,
                 source=self._source(shape), before=_field_summary(shape), after=None)

    # -- node shapes (and shapes nested otherwise than as fields)
    def compare_other_shapes(self, compared: set[str]) -> None:
        field_shapes_old = {r.shape for r in self.old.fields}
        field_shapes_new = {r.shape for r in self.new.fields}
        carriers_old = {k for k, s in self.old.shapes.items() if s.is_property and k not in field_shapes_old}
        carriers_new = {k for k, s in self.new.shapes.items() if s.is_property and k not in field_shapes_new}
        old_keys = {k for k in self.old.shapes if k not in field_shapes_old and k not in carriers_old}
        new_keys = {k for k in self.new.shapes if k not in field_shapes_new and k not in carriers_new}
        for key in sorted(old_keys & new_keys):
            self.compare_shapes(self.old.shapes[key], self.new.shapes[key], None)
        for key in sorted(new_keys - old_keys):
            shape = self.new.shapes[key]
            if shape.is_concept_shape:
                continue  # reported as the vocabulary of the fields that use it
            node_level = shape.severity == "Violation" and bool(shape.constraints)
            rule = "shape-added-targeted" if shape.targets and node_level else "shape-added"
            self.add(kind="shape-added", rule=rule, subject=key, source=self._source(shape), before=None,
                     after=_shape_summary(shape))
        for key in sorted(old_keys - new_keys):
            shape = self.old.shapes[key]
            if shape.is_concept_shape:
                continue
            self.add(kind="shape-removed", rule="shape-removed", subject=key, source=self._source(shape),
                     before=_shape_summary(shape), after=None)

    # -- pinned vocabulary versions
    def compare_pins(self) -> None:
        used_new: dict[str, list[str]] = {}
        for ref in self.new.fields:
            for scheme in self.new.shapes[ref.shape].vocabulary:
                used_new.setdefault(scheme, []).append(ref.shape)
        for scheme in sorted(set(self.old.pins) & set(self.new.pins)):
            before, after = self.old.pins[scheme], self.new.pins[scheme]
            if before == after:
                continue
            classification = self.vocabulary_change(before, after) if self.vocabulary_change else BREAKING
            if classification is None:
                continue
            rule = {BREAKING: "vocabulary-version-breaking", COMPATIBLE: "vocabulary-version-compatible",
                    EDITORIAL: "vocabulary-version-editorial"}[classification]
            self.add(kind="vocabulary-version", rule=rule, aspect="vocabulary-version", subject=scheme,
                     before=before, after=after, detail={"fields": sorted(set(used_new.get(scheme, [])))})

    def compare_chain(self) -> None:
        old_base = self.old.chain[1] if len(self.old.chain) > 1 else None
        new_base = self.new.chain[1] if len(self.new.chain) > 1 else None
        if (old_base and old_base.iri) != (new_base and new_base.iri):
            self.add(kind="base-profile", rule="base-profile-changed", aspect="prof:isProfileOf",
                     subject=self.new.top.iri, before=old_base.iri if old_base else None,
                     after=new_base.iri if new_base else None)

    def run(self) -> list[Change]:
        self._done = set()
        self.compare_chain()
        compared = self.compare_fields()
        self.compare_other_shapes(compared)
        self.compare_pins()
        return self.changes


def _alternatives(path: str) -> set[str]:
    """The predicate IRIs of an alternative path's text (`<a>|<b>`), else the path itself."""
    parts = path.split("|")
    if len(parts) < 2 or not all(p.startswith("<") and p.endswith(">") for p in parts):
        return {path}
    return {p[1:-1] for p in parts}


def _field_summary(shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {"severity": shape.severity}
    low, high = _int(shape.constraints.get(SH + "minCount")), _int(shape.constraints.get(SH + "maxCount"))
    out["cardinality"] = f"{low or 0}..{'*' if high is None else high}"
    for p in (SH + "datatype", SH + "class", SH + "nodeKind", SH + "in", SH + "pattern"):
        if p in shape.constraints:
            out[short(p)] = _value(shape.constraints[p])
    if shape.vocabulary:
        out["vocabulary"] = _value(list(shape.vocabulary))
    if "name" in shape.texts:
        out["name"] = shape.texts["name"]
    return out


def _shape_summary(shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {"severity": shape.severity, "targets": sorted(f"{p} {v}" for p, v in shape.targets)}
    out["constraints"] = sorted(short(p) for p in shape.constraints)
    if "label" in shape.texts:
        out["label"] = shape.texts["label"]
    return out


def diff_models(old: ProfileModel, new: ProfileModel,
                vocabulary_change: Callable[[str, str], str | None] | None = None) -> list[Change]:
    """The changes from `old` to `new`, in a stable order. `vocabulary_change(old_iri, new_iri)`
    classifies a change of pinned vocabulary version (None: nothing changed); without it a
    changed pin is taken as breaking."""
    return _Differ(old, new, vocabulary_change).run()
