"""The profile → block field mapping: which Dataverse field each SHACL property becomes.

Pure (no store): a shapes graph in, a `BlockPlan` out. `registry.dataverse.export` fills in the
vocabularies and writes the files; the record bridge (issue 14) reads `FieldPlan.chain` to lift a
`dataverse_json` value back to RDF. The rules (docs/dataverse.md, "Mapping"):

* the node shapes with a `sh:targetClass` are the dataset level; their property shapes, grouped by
  `sh:path` (a presence shape at Warning and a form shape on the same path are one field), are the
  block's top-level fields, ordered by `sh:order`, then `dvb:displayOrder`, then shape IRI;
* `sh:name` → title, `sh:description` → description (per language), `sh:path` → termURI;
* `sh:datatype` → fieldType (`DATATYPE_FIELD_TYPES`), `sh:nodeKind sh:IRI` → url;
* `sh:maxCount 1` → allowmultiples FALSE; `sh:minCount ≥ 1` at Violation → required TRUE;
* `sh:node` to a shape constraining `skos:inScheme` → a vocabulary field (controlled values or
  CVoc, decided with the vocabulary's size by the export); `sh:in` → controlled values;
* `sh:node` to another node shape, or a node shape that targets the objects of the path
  (`sh:targetObjectsOf`) → a compound field (fieldType none) whose children are that shape's
  properties. Dataverse shows one level of compound fields: an object inside a compound becomes a
  top-level compound of its own, and the report says so;
* a QUDT quantity (`sh:or` of shapes fixing `qudt:unit` and constraining `qudt:numericValue`) →
  a float field and a `…Unit` field whose controlled values are the allowed units;
* everything else SHACL says (patterns, ranges, comparisons, `sh:or`, SPARQL, node-level rules,
  Warning-level requirements) is listed in the report: it stays enforced by the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import rdflib
from rdflib.namespace import DCTERMS, OWL, PROF, RDF, RDFS, SH, SKOS, XSD

from registry.dataverse import annotations as dvb
from registry.publishing.references import rdf_list_items

QUDT_UNIT = rdflib.URIRef("http://qudt.org/schema/qudt/unit")
QUDT_VALUE = rdflib.URIRef("http://qudt.org/schema/qudt/numericValue")
QUDT_HAS_UNIT = rdflib.URIRef("http://qudt.org/schema/qudt/hasUnit")
UNIT_PATHS = (QUDT_HAS_UNIT, QUDT_UNIT)

# sh:datatype → Dataverse fieldType (guide, "FieldType definitions"). Dataverse dates are YYYY,
# YYYY-MM or YYYY-MM-DD only: xsd:dateTime stays text, and the report says why.
DATATYPE_FIELD_TYPES = {
    XSD.string: "text", RDF.langString: "text", XSD.normalizedString: "text", XSD.token: "text",
    XSD.date: "date", XSD.gYear: "date", XSD.gYearMonth: "date",
    XSD.integer: "int", XSD.int: "int", XSD.long: "int", XSD.short: "int", XSD.nonNegativeInteger: "int",
    XSD.positiveInteger: "int", XSD.nonPositiveInteger: "int", XSD.negativeInteger: "int",
    XSD.unsignedInt: "int", XSD.unsignedLong: "int",
    XSD.decimal: "float", XSD.double: "float", XSD.float: "float",
    XSD.anyURI: "url",
}
# Constraint components Dataverse has no column for: named in the report (SHACL §4).
UNSUPPORTED = {
    SH.pattern: "a pattern", SH.minInclusive: "a minimum", SH.maxInclusive: "a maximum",
    SH.minExclusive: "an exclusive minimum", SH.maxExclusive: "an exclusive maximum",
    SH.minLength: "a minimum length", SH.maxLength: "a maximum length",
    SH.lessThan: "a comparison with another field", SH.lessThanOrEquals: "a comparison with another field",
    SH.equals: "an equality with another field", SH.disjoint: "a disjointness with another field",
    SH["or"]: "an alternative (sh:or)", SH["and"]: "a conjunction (sh:and)", SH.xone: "an exclusive choice (sh:xone)",
    SH["not"]: "a negation (sh:not)", SH.sparql: "a SPARQL constraint", SH.hasValue: "a fixed value (sh:hasValue)",
    SH.languageIn: "allowed languages", SH.uniqueLang: "one value per language",
    SH.qualifiedValueShape: "a qualified value shape", SH["class"]: "a class of the value",
}
NODE_LEVEL = (SH["or"], SH["and"], SH.xone, SH["not"], SH.sparql)
# What the mapping reads or what says nothing a record must satisfy: any other SHACL predicate on a
# shape the block comes from is a constraint the block cannot say, and the report names it (nothing
# is dropped silently).
PROPERTY_MAPPED = {
    SH.path, SH.name, SH.description, SH.order, SH.group, SH.severity, SH.message, SH.deactivated,
    SH.defaultValue, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH.node, SH["in"], SH.property,
}
NODE_MAPPED = {
    SH.targetClass, SH.targetObjectsOf, SH.property, SH.name, SH.description, SH.severity, SH.message,
    SH.deactivated, SH.order, SH.group,
}
REPORT_LANGUAGES = ("en", "fr")


@dataclass
class Note:
    """One line of report.txt: what Dataverse cannot say, or how something was mapped."""

    kind: str  # "not-expressible" | "flattened" | "recommended" | "mapping"
    field: str
    message: str
    shape: str = ""


@dataclass
class FieldPlan:
    """One Dataverse field planned from one or more property shapes."""

    name: str
    path: str  # the termURI
    kind: str  # literal | compound | concept | enum | quantity-value | quantity-unit
    field_type: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    allow_multiples: bool = True
    required: bool = False
    parent: str = ""
    scheme: str | None = None  # a concept field: the concept scheme its values come from
    enum_values: list[tuple[str, str]] = field(default_factory=list)  # (Value, identifier)
    chain: tuple[str, ...] = ()  # property IRIs from the dataset node to this field's value
    shapes: list[str] = field(default_factory=list)
    overrides: dict[str, object] = field(default_factory=dict)  # dvb: annotations
    order: tuple = ()
    term_uri: str | None = None  # when dvb:termURI differs from sh:path


@dataclass
class BlockPlan:
    name: str
    profile_iri: str
    display_names: dict[str, str] = field(default_factory=dict)
    display_facets: dict[str, str] = field(default_factory=dict)
    dataverse_alias: str = ""
    block_uri: str = ""
    existing_block: str | None = None  # dvb:dataverseBlock: this profile is that Dataverse block
    fields: list[FieldPlan] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def camel(words: str, *, upper_first: bool = False) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", words) if p]
    if not parts:
        return "field"
    text = "".join(p[:1].upper() + p[1:] for p in parts)
    text = text if upper_first else text[:1].lower() + text[1:]
    return ("f" + text) if text[0].isdigit() else text


def local_name(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("/#"))[-1] or "field"


def default_prefix(profile_id: str) -> str:
    """Field-name prefix of a profile's block: the initials of a multi-word id ("electron-microscopy"
    → "em"), else the id; Dataverse field names share one namespace (guide, footnote 4)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", profile_id) if w]
    return "".join(w[0] for w in words).lower() if len(words) > 1 else camel(profile_id)


class _Shapes:
    """Reading helpers over a shapes graph."""

    def __init__(self, graph: rdflib.Graph):
        self.g = graph
        self.objects_target = {}
        for shape, path in sorted(graph.subject_objects(SH.targetObjectsOf), key=lambda so: (str(so[1]), _shape_id(so[0]))):
            self.objects_target.setdefault(path, []).append(shape)

    def texts(self, node, predicate) -> dict[str, str]:
        out: dict[str, str] = {}
        for value in self.g.objects(node, predicate):
            if isinstance(value, rdflib.Literal):
                lang = value.language or ""
                if lang not in out or (len(str(value)), str(value)) < (len(out[lang]), out[lang]):
                    out[lang] = str(value)
        if "" in out:
            out.setdefault("en", out.pop(""))
        return out

    def value(self, node, predicate):
        return self.g.value(node, predicate)

    def path(self, prop):
        """The property of a shape's `sh:path`. An `sh:alternativePath` of plain properties (SHACL
        §2.3.1.2), e.g. `( qudt:hasUnit qudt:unit )` of a profile that moved to `qudt:hasUnit` and
        still reads the deprecated `qudt:unit`, is its first member, the preferred property: the
        block's field has that termURI and a record lifted back writes it. Other complex paths are
        returned as they are (not one property)."""
        path = self.g.value(prop, SH.path)
        alternative = self.g.value(path, SH.alternativePath) if isinstance(path, rdflib.BNode) else None
        members = rdf_list_items(self.g, alternative) if alternative is not None else []
        if members and all(isinstance(m, rdflib.URIRef) for m in members):
            return members[0]
        return path

    def scheme_of(self, node_shape) -> str | None:
        """The scheme a node shape pins with `sh:property [ sh:path skos:inScheme ; sh:hasValue S ]`."""
        for prop in sorted(self.g.objects(node_shape, SH.property), key=_shape_id):
            if self.path(prop) == SKOS.inScheme:
                value = self.g.value(prop, SH.hasValue)
                if isinstance(value, rdflib.URIRef):
                    return str(value)
                for lst in self.g.objects(prop, SH["in"]):
                    items = rdf_list_items(self.g, lst)
                    if items:
                        return str(items[0])
        return None

    def quantity_units(self, prop) -> tuple[list[str], rdflib.URIRef] | None:
        """Units of a QUDT quantity `sh:or ( [fixes the unit, has qudt:numericValue] ... )` and the
        unit's property: `qudt:unit`, `qudt:hasUnit`, or the first of an alternative path of them."""
        units, unit_paths = [], []
        for lst in self.g.objects(prop, SH["or"]):
            for branch in rdf_list_items(self.g, lst):
                unit, has_value = None, False
                for sub in self.g.objects(branch, SH.property):
                    path = self.path(sub)
                    if path in UNIT_PATHS and isinstance(self.g.value(sub, SH.hasValue), rdflib.URIRef):
                        unit = str(self.g.value(sub, SH.hasValue))
                        unit_paths.append(path)
                    elif path == QUDT_VALUE:
                        has_value = True
                if unit is None or not has_value:
                    return None
                units.append(unit)
        if not units or len(set(unit_paths)) != 1:  # one unit property for the block's one unit field
            return None
        return units, unit_paths[0]

    def severity(self, shape) -> rdflib.URIRef:
        return self.g.value(shape, SH.severity) or SH.Violation

    def integer(self, shape, predicate) -> int | None:
        value = self.g.value(shape, predicate)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def boolean(self, shape, predicate) -> bool | None:
        value = self.g.value(shape, predicate)
        return None if value is None else str(value).lower() in ("true", "1")


def _shape_id(node) -> str:
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def plan_block(graph: rdflib.Graph, profile_id: str, *, titles: dict[str, str] | None = None) -> BlockPlan:
    """Plan the block of one profile version from its own shapes graph."""
    s = _Shapes(graph)
    profile = next(iter(sorted(set(graph.subjects(RDF.type, PROF.Profile)) | set(graph.subjects(RDF.type, OWL.Ontology)),
                               key=str)), None)
    plan = BlockPlan(name=camel(profile_id), profile_iri=str(profile or ""))
    prefix = default_prefix(profile_id)
    if profile is not None:
        plan.name = str(s.value(profile, dvb.BLOCK_NAME) or plan.name)
        plan.dataverse_alias = str(s.value(profile, dvb.DATAVERSE_ALIAS) or "")
        plan.block_uri = str(s.value(profile, dvb.BLOCK_URI) or "")
        # The version's own title (its shapes are immutable) before the catalog's series title.
        plan.display_names = (s.texts(profile, dvb.DISPLAY_NAME) or s.texts(profile, DCTERMS.title)
                              or s.texts(profile, RDFS.label))
        plan.display_facets = s.texts(profile, dvb.DISPLAY_FACET)
        existing = s.value(profile, dvb.DATAVERSE_BLOCK)
        plan.existing_block = str(existing) if existing is not None else None
        if s.value(profile, dvb.BLOCK_NAME) is not None:
            prefix = ""  # an imported block keeps its own field names (dvb:fieldName)
    plan.display_names = plan.display_names or dict(titles or {})
    used: set[str] = set()

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate in used or candidate == plan.name:
            candidate, n = f"{name}{n}", n + 1
        used.add(candidate)
        return candidate

    roots = sorted({n for n in graph.subjects(SH.targetClass, None)}, key=str)
    queue: list[tuple[object, str, tuple[str, ...]]] = []  # (node shape, compound field, chain)
    planned: set = set()
    for root in roots:
        _node_level_notes(s, root, plan, "(dataset)")
        for group in _groups(s, root):
            _plan_group(s, group, plan, prefix, "", (), unique, queue, top=True)
    reached: set = set()
    while True:
        while queue:
            node, compound, chain = queue.pop(0)
            reached.add(node)
            if (node, compound) in planned:
                continue
            planned.add((node, compound))
            _node_level_notes(s, node, plan, compound)
            for group in _groups(s, node):
                _plan_group(s, group, plan, prefix, compound, chain, unique, queue, top=False)
        # Node shapes this profile adds to objects reached through an ancestor's properties
        # (atom-probe refines electron-microscopy's acquisitions): top-level compounds of their own.
        extra = sorted((n for n in set(graph.subjects(SH.targetObjectsOf, None))
                        if n not in reached and n not in roots and list(graph.objects(n, SH.property))), key=str)
        if not extra:
            break
        node = extra[0]
        path = str(sorted(graph.objects(node, SH.targetObjectsOf), key=str)[0])
        name = unique(_compound_name(node, path, prefix))
        titles_node = s.texts(node, RDFS.label) or {"en": local_name(path)}
        plan.fields.append(FieldPlan(name, path, "compound", "none", titles=titles_node,
                                     descriptions=s.texts(node, RDFS.comment), chain=(path,),
                                     shapes=[_shape_id(node)]))
        plan.notes.append(Note("mapping", name, f"the objects of <{path}> (sh:targetObjectsOf), which an ancestor "
                               "profile's fields reach: a compound field of this block", _shape_id(node)))
        queue.append((node, name, (path,)))
    # Node shapes the fields never reach (sh:targetNode, sh:targetSubjectsOf, a rule on objects no
    # field holds): no field of the block, but their rules stay; the report names them.
    targeted = {n for predicate in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                for n in graph.subjects(predicate, None)}
    for node in sorted(targeted - reached - set(roots), key=_shape_id):
        plan.notes.append(Note("not-expressible", "(dataset)", f"node shape {_shape_id(node)} is not a field of the "
                               "block (its target is no field): its constraints stay enforced by the registry",
                               _shape_id(node)))
    _order(plan)
    return plan


def _compound_name(node, path: str, prefix: str) -> str:
    """A compound field is named after its node shape (AcquisitionShape → emAcquisition) when
    the shape has an IRI, else after the property."""
    if isinstance(node, rdflib.URIRef):
        word = local_name(str(node))
        word = word[:-5] if word.endswith("Shape") and len(word) > 5 else word
    else:
        word = local_name(path)
    return prefix + camel(word, upper_first=True) if prefix else camel(word)


def _groups(s: _Shapes, node) -> list[list]:
    """Property shapes of a node shape grouped by path, in display order."""
    groups: dict[object, tuple[object, list]] = {}
    for prop in s.g.objects(node, SH.property):
        path = s.path(prop)
        # An imported field is one shape (dvb:fieldName): two fields may share a termURI.
        key = ("name", str(s.value(prop, dvb.FIELD_NAME))) if s.value(prop, dvb.FIELD_NAME) is not None else path
        groups.setdefault(key, (path, []))[1].append(prop)
    out = []
    for path, props in groups.values():
        props.sort(key=_shape_id)
        orders = [float(o) for p in props for o in [s.value(p, SH.order)] if o is not None]
        annotated = [s.integer(p, dvb.DISPLAY_ORDER) for p in props if s.integer(p, dvb.DISPLAY_ORDER) is not None]
        key = (min(orders) if orders else float("inf"), min(annotated) if annotated else float("inf"),
               _shape_id(props[0]))
        out.append((key, path, props))
    out.sort(key=lambda item: item[0])
    return [(path, props) for _, path, props in out]


def _main_shape(s: _Shapes, props: list):
    """The shape whose name titles the field: an annotated one, else one stating presence
    (sh:minCount, whose name has no "(form)"), else the first by IRI."""
    for p in props:
        if s.value(p, dvb.FIELD_NAME) is not None:
            return p

    def plain(p) -> bool:  # "Acquisition start" rather than "Acquisition start (form)"
        return "(" not in s.texts(p, SH.name).get("en", "(")

    ranked = sorted(props, key=lambda p: (not plain(p), s.value(p, SH.minCount) is None, _shape_id(p)))
    return ranked[0]


def _node_level_notes(s: _Shapes, node, plan: BlockPlan, where: str) -> None:
    for predicate in NODE_LEVEL:
        if s.value(node, predicate) is not None:
            plan.notes.append(Note("not-expressible", where, f"{UNSUPPORTED[predicate]} on node shape "
                                   f"{_shape_id(node)} (a rule across fields)", _shape_id(node)))
    if s.boolean(node, SH.closed):
        plan.notes.append(Note("not-expressible", where, f"a closed node shape {_shape_id(node)} (no property "
                               "beyond its own): Dataverse cannot refuse other fields", _shape_id(node)))
    for predicate in _unmapped(s, node, NODE_MAPPED | set(NODE_LEVEL) | {SH.closed, SH.ignoredProperties}):
        plan.notes.append(Note("not-expressible", where, f"{_constraint(predicate)} on node shape "
                               f"{_shape_id(node)}", _shape_id(node)))
    # Node shapes that target objects with a rule (e.g. a conditional requirement) but no field.
    if not list(s.g.objects(node, SH.property)) and s.value(node, SH.targetObjectsOf) is not None:
        plan.notes.append(Note("not-expressible", where, f"node shape {_shape_id(node)} is a rule with no field",
                               _shape_id(node)))


def _plan_group(s: _Shapes, group, plan: BlockPlan, prefix: str, parent: str, chain: tuple[str, ...],
                unique, queue: list, *, top: bool) -> None:
    path, props = group
    if not isinstance(path, rdflib.URIRef):
        for p in props:
            plan.notes.append(Note("not-expressible", parent or "(dataset)",
                                   f"property shape {_shape_id(p)} has a complex path (not one property)", _shape_id(p)))
        return
    if path == SKOS.inScheme:
        return
    main = _main_shape(s, props)
    annotated_name = s.value(main, dvb.FIELD_NAME)
    base_name = str(annotated_name) if annotated_name is not None else (
        prefix + camel(local_name(str(path)), upper_first=True) if prefix else camel(local_name(str(path))))
    if annotated_name is None and parent and not top:
        base_name = parent + camel(local_name(str(path)), upper_first=True)
    overrides = _overrides(s, main)
    titles = s.texts(main, SH.name) or {"en": local_name(str(path))}
    descriptions = s.texts(main, SH.description)
    watermarks = s.texts(main, dvb.WATERMARK)
    min_required = [s.integer(p, SH.minCount) or 0 for p in props if s.severity(p) == SH.Violation]
    min_recommended = [s.integer(p, SH.minCount) or 0 for p in props if s.severity(p) != SH.Violation]
    max_counts = [m for p in props for m in [s.integer(p, SH.maxCount)] if m is not None]
    required = max(min_required, default=0) >= 1
    allow_multiples = not (max_counts and min(max_counts) <= 1)
    new_chain = chain + (str(path),)
    shapes_ids = [_shape_id(p) for p in props]
    where_name = base_name

    datatype = next((s.value(p, SH.datatype) for p in props if s.value(p, SH.datatype) is not None), None)
    node_kind = next((s.value(p, SH.nodeKind) for p in props if s.value(p, SH.nodeKind) is not None), None)
    # Sorted everywhere: the plan (and the report) must not depend on the store's triple order.
    nodes = sorted((n for p in props for n in s.g.objects(p, SH.node)), key=_shape_id)
    in_lists = sorted((lst for p in props for lst in s.g.objects(p, SH["in"])), key=_shape_id)
    scheme = next((sc for n in nodes for sc in [s.scheme_of(n)] if sc), None)
    object_nodes = [n for n in nodes if s.scheme_of(n) is None]
    if not object_nodes and node_kind in (SH.BlankNodeOrIRI, SH.BlankNode) and path in s.objects_target:
        object_nodes = list(s.objects_target[path])
    elif not object_nodes and scheme is None and path in s.objects_target and datatype is None:
        object_nodes = list(s.objects_target[path])
    quantity = next((q for p in props for q in [s.quantity_units(p)] if q), None)
    units, unit_path = quantity if quantity else (None, QUDT_UNIT)

    common = dict(titles=titles, descriptions=descriptions, watermarks=watermarks, required=required,
                  allow_multiples=allow_multiples, chain=new_chain, shapes=shapes_ids, overrides=overrides,
                  term_uri=str(s.value(main, dvb.TERM_URI)) if s.value(main, dvb.TERM_URI) is not None else None)
    explained = {SH.hasValue} if scheme else set()
    if units:
        explained |= {SH["or"]}
        if top:
            name = unique(where_name)
            plan.fields.append(FieldPlan(name, str(path), "compound", "none", **common))
            value_parent, value_name = name, name + "Value"
            plan.fields.append(FieldPlan(unique(value_name), str(QUDT_VALUE), "quantity-value", "float",
                                         titles=_suffixed(titles, "value", "valeur"), required=required,
                                         allow_multiples=False, parent=value_parent, chain=new_chain + (str(QUDT_VALUE),),
                                         shapes=shapes_ids))
        else:
            value_parent = parent
            plan.fields.append(FieldPlan(unique(where_name), str(path), "quantity-value", "float",
                                         parent=parent, **{**common, "allow_multiples": False}))
            common["chain"] = new_chain
        unit_titles = _suffixed(titles, "unit", "unité")
        plan.fields.append(FieldPlan(unique(where_name + "Unit"), str(unit_path), "quantity-unit", "text",
                                     titles=unit_titles, required=required, allow_multiples=False,
                                     parent=value_parent, enum_values=[(local_name(u), u) for u in units],
                                     chain=new_chain + (str(unit_path),), shapes=shapes_ids))
        plan.notes.append(Note("mapping", where_name, f"a quantity: a number and a unit among "
                               f"{', '.join(local_name(u) for u in units)}; the plausible range per unit stays "
                               "enforced by the registry", shapes_ids[0]))
    elif object_nodes:
        with_fields = [n for n in object_nodes if list(s.g.objects(n, SH.property))]
        single = len(with_fields) == 1 and len(list(s.g.objects(with_fields[0], SH.targetObjectsOf))) <= 1
        compound = where_name if annotated_name is not None else (
            _compound_name(with_fields[0], str(path), prefix) if single else
            (prefix + camel(local_name(str(path)), upper_first=True) if prefix else camel(local_name(str(path)))))
        if top:
            name = unique(compound)
            plan.fields.append(FieldPlan(name, str(path), "compound", "none", **common))
            for node in object_nodes:
                queue.insert(0, (node, name, new_chain))
        else:
            # Dataverse shows one level of compound fields: the nested object is a top-level compound.
            name = unique(compound)
            plan.fields.append(FieldPlan(name, str(path), "compound", "none", **{**common, "required": False}))
            plan.notes.append(Note("flattened", name, f"an object inside {parent!r}: Dataverse shows one level of "
                                   f"compound fields, so {name!r} is a compound field of its own; a record with several "
                                   f"{parent!r} cannot say which one it belongs to", shapes_ids[0]))
            if required:
                plan.notes.append(Note("not-expressible", name, f"required inside {parent!r} (stays enforced by "
                                       "the registry)", shapes_ids[0]))
            for node in object_nodes:
                queue.append((node, name, new_chain))
    elif scheme is not None:
        plan.fields.append(FieldPlan(unique(where_name), str(path), "concept", "text", parent=parent,
                                     scheme=scheme, **common))
    elif in_lists:
        values = [v for lst in in_lists[:1] for v in rdf_list_items(s.g, lst)]
        enum = [(str(v) if isinstance(v, rdflib.Literal) else local_name(str(v)),
                 "" if isinstance(v, rdflib.Literal) else str(v)) for v in values]
        explained.add(SH["in"])
        plan.fields.append(FieldPlan(unique(where_name), str(path), "enum", "text", parent=parent,
                                     enum_values=enum, **common))
    else:
        if datatype is not None:
            field_type = DATATYPE_FIELD_TYPES.get(datatype, "text")
            if datatype == XSD.dateTime:
                plan.notes.append(Note("not-expressible", where_name, "a date and time (xsd:dateTime): Dataverse "
                                       "dates are YYYY, YYYY-MM or YYYY-MM-DD, so the field is text and the "
                                       "registry checks the format", shapes_ids[0]))
            elif datatype == XSD.boolean:
                plan.notes.append(Note("mapping", where_name, "a boolean: controlled values True and False "
                                       "(the guide's advice)", shapes_ids[0]))
            elif datatype not in DATATYPE_FIELD_TYPES:
                plan.notes.append(Note("not-expressible", where_name, f"datatype {datatype}: the field is text "
                                       "and the registry checks the datatype", shapes_ids[0]))
        elif node_kind == SH.IRI:
            field_type = "url"
        else:
            field_type = "text"
        enum = [("True", "true"), ("False", "false")] if datatype == XSD.boolean else []
        plan.fields.append(FieldPlan(unique(where_name), str(path), "enum" if enum else "literal", field_type,
                                     parent=parent, enum_values=enum, **common))
    field_name = plan.fields[-1].name if plan.fields else where_name
    for p in props:
        for predicate, what in UNSUPPORTED.items():
            if predicate in explained or s.value(p, predicate) is None:
                continue
            if predicate == SH["or"] and units:
                continue
            if predicate == SH["class"] and scheme:
                continue
            plan.notes.append(Note("not-expressible", field_name, f"{what} ({_shape_id(p)})", _shape_id(p)))
        for predicate in _unmapped(s, p, PROPERTY_MAPPED | set(UNSUPPORTED)):
            plan.notes.append(Note("not-expressible", field_name, f"{_constraint(predicate)} ({_shape_id(p)})",
                                   _shape_id(p)))
        # Dataverse's required is "at least one", its allowmultiples "any number".
        least, most = s.integer(p, SH.minCount), s.integer(p, SH.maxCount)
        if least is not None and least >= 2:
            level = "" if s.severity(p) == SH.Violation else " (at Warning)"
            plan.notes.append(Note("not-expressible", field_name, f"at least {least} values{level}: Dataverse's "
                                   f"required means one ({_shape_id(p)})", _shape_id(p)))
        if most is not None and most >= 2:
            plan.notes.append(Note("not-expressible", field_name, f"at most {most} values: Dataverse's allowmultiples "
                                   f"has no limit ({_shape_id(p)})", _shape_id(p)))
    if max(min_recommended, default=0) >= 1 and not required:
        plan.notes.append(Note("recommended", field_name, "recommended (sh:minCount at Warning): Dataverse has no "
                               "recommended fields; the registry warns", shapes_ids[0]))


def _unmapped(s: _Shapes, shape, mapped: set) -> list:
    """The SHACL predicates on a shape that the mapping neither reads nor reports otherwise."""
    return sorted({p for p in s.g.predicates(shape, None) if str(p).startswith(str(SH)) and p not in mapped}, key=str)


def _constraint(predicate) -> str:
    return f"a constraint sh:{str(predicate).removeprefix(str(SH))} that Dataverse has no column for"


def _suffixed(titles: dict[str, str], en: str, fr: str) -> dict[str, str]:
    words = {"en": en, "fr": fr}
    return {lang: f"{text} ({words.get(lang, en)})" for lang, text in titles.items()}


def _overrides(s: _Shapes, shape) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, predicate in (("advanced_search_field", dvb.ADVANCED_SEARCH), ("facetable", dvb.FACETABLE),
                           ("display_on_create", dvb.DISPLAY_ON_CREATE),
                           ("allow_controlled_vocabulary", dvb.ALLOW_CONTROLLED),
                           ("allow_multiples", dvb.ALLOW_MULTIPLES), ("required", dvb.REQUIRED)):
        value = s.boolean(shape, predicate)
        if value is not None:
            out[key] = value
    for key, predicate in (("field_type", dvb.FIELD_TYPE), ("display_format", dvb.DISPLAY_FORMAT)):
        value = s.value(shape, predicate)
        if value is not None:
            out[key] = str(value)
    order = s.integer(shape, dvb.DISPLAY_ORDER)
    if order is not None:
        out["display_order"] = order
    if s.value(shape, dvb.FIELD_NAME) is not None and s.value(shape, SH.order) is not None:
        out["position"] = float(s.value(shape, SH.order))  # an imported block's row order
    return out


def _order(plan: BlockPlan) -> None:
    """Children right after their parent (the loader needs the parent first), parents in plan order;
    an annotated dvb:displayOrder wins."""
    by_parent: dict[str, list[FieldPlan]] = {}
    for f in plan.fields:
        by_parent.setdefault(f.parent, []).append(f)
    ordered: list[FieldPlan] = []
    top = by_parent.get("", [])
    if plan.fields and all("position" in f.overrides for f in plan.fields):
        plan.fields.sort(key=lambda f: f.overrides["position"])  # an imported block: its own row order
        return
    for f in top:
        ordered.append(f)
        ordered.extend(by_parent.get(f.name, []))
    plan.fields = ordered


def iter_chains(plan: BlockPlan) -> Iterable[tuple[str, tuple[str, ...]]]:
    """(field name, property chain from the dataset node) for every field: the lift of issue 14."""
    for f in plan.fields:
        yield f.name, f.chain
