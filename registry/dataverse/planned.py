"""The lifting mapping of a block the registry exported from a profile (issue 14, item 4).

`registry dataverse export-block` makes a block from a profile with `mapping.plan_block`; a
`dataverse_json` holding that block's fields is lifted back with the same plan: one mapping, both
directions. Each field's `FieldPlan.chain` is the list of properties from the dataset node to its
value; a compound field's value is a node at the end of its chain, its sub-fields continue the chain
from that node. A flattened compound (an object inside another compound, which Dataverse shows as a
compound of its own) hangs from the first object its chain reaches (the report of the export says a
record with several of them cannot say which one it belongs to); the compound of objects an
ancestor's field reaches (`sh:targetObjectsOf`) *is* that object. Controlled values become what the
export wrote as their identifier (a unit IRI, a concept notation or IRI); external-vocabulary fields
store the concept IRI; literals take the datatype the shapes ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import rdflib
from rdflib.namespace import SH, XSD

NUMERIC_BOUNDS = (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive)
QUDT_VALUE = "http://qudt.org/schema/qudt/numericValue"


@dataclass(frozen=True)
class PlannedField:
    """How one field of an exported block lifts (from its `FieldPlan` and its shapes)."""

    name: str
    parent: str
    chain: tuple[str, ...]
    kind: str  # literal | compound | concept | enum | quantity-value | quantity-unit
    field_type: str
    datatype: str | None = None  # sh:datatype of its shapes
    numeric: bool = False  # no datatype, but numeric bounds: a number is read as a number
    iri: bool = False  # url field / sh:nodeKind sh:IRI
    joins: bool = False  # the objects an ancestor's field reaches: values describe those objects
    scheme: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # controlled Value → identifier


def _node(shape_id: str):
    return rdflib.BNode(shape_id[2:]) if shape_id.startswith("_:") else rdflib.URIRef(shape_id)


def planned_fields(export, graph: rdflib.Graph) -> dict[str, PlannedField]:
    """name → PlannedField for every field of a `BlockExport` (its plan and its controlled values)."""
    values: dict[str, dict[str, str]] = {}
    for cv in export.block.values:
        values.setdefault(cv.field, {})[cv.value] = cv.identifier or cv.value
    out: dict[str, PlannedField] = {}
    for f in export.plan.fields:
        shapes = [_node(s) for s in f.shapes]
        datatypes = [str(d) for s in shapes for d in graph.objects(s, SH.datatype)]
        node_kinds = [k for s in shapes for k in graph.objects(s, SH.nodeKind)]
        numeric = any(isinstance(b, rdflib.Literal) and b.datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.float)
                      for s in shapes for p in NUMERIC_BOUNDS for b in graph.objects(s, p))
        joins = f.kind == "compound" and any((s, SH.targetObjectsOf, None) in graph for s in shapes)
        out[f.name] = PlannedField(
            f.name, f.parent, tuple(f.chain), f.kind, f.field_type,
            datatype=datatypes[0] if datatypes and f.kind in ("literal", "enum") else None,
            numeric=numeric or f.field_type in ("int", "float") or f.kind == "quantity-value",
            iri=f.field_type == "url" or SH.IRI in node_kinds, joins=joins, scheme=f.scheme,
            values=values.get(f.name, {}))
    return out


def mapping_from_export(export, graph: rdflib.Graph, resolve=None):
    """A `records.Mapping` for the block of an export: the block's fields as Dataverse declares
    them (compound, controlled, multiple, titles in every language of the profile) and the plan."""
    from registry.dataverse.records import Mapping

    declared: dict[str, dict[str, Any]] = {}
    titles = {f.name: f.titles for f in export.plan.fields}
    for df in export.block.fields:
        names = dict(titles.get(df.name) or {})
        declared[df.name] = {"parent": df.parent, "term": df.term_uri, "type": df.field_type,
                             "multiple": df.allow_multiples, "compound": df.field_type == "none",
                             "controlled": df.allow_controlled_vocabulary, "title": df.title or df.name,
                             "titles": names}
    return Mapping(export.block.name, export.block.block_uri or "", export.plan.profile_iri, declared, {}, {}, resolve,
                   planned=planned_fields(export, graph))
