"""Dataverse records as RDF for validation (issue 14, item 2): recognise a Dataverse dataset by its
content and lift it through a declared block ↔ profile mapping (`mappings/<block>.toml`).

Recognised shapes:

* `dataverse_json` (Dataverse native API, guide "Native API"): a full dataset as exported
  (`{"datasetVersion": {...}, "publisher": ..., ...}` with `id` / `persistentUrl`), the create
  JSON (`{"datasetVersion": {...}}`), or a bare dataset version (`{"metadataBlocks": {...}}`);
* the OAI-ORE export (JSON-LD, `"@type": "ore:ResourceMap"`, the dataset under `ore:describes`);
* the semantic metadata API JSON-LD (a dataset object whose keys are the fields' property IRIs,
  guide "Dataset Semantic Metadata API").

Each is first read into the same list of field values (block, field, value, JSON Pointer, parent),
so that the native and the ORE forms of one dataset give the same triples, then lifted: each field
becomes the property its mapping entry declares (else its block property: termURI, else
blockURI + name), compound fields become blank nodes, controlled values become concept IRIs.
A field the mapping's block does not know is a warning result (never dropped silently); a field
whose `typeClass` / `multiple` shape is wrong is a Violation result naming it (never a 500).

Every triple remembers where it came from (`Lifted.origin`), so a validation result names the
block, the field's title, its parent compound field, the JSON Pointer (RFC 6901) and the value.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox

from registry.namespaces import REG
from registry.validation.coverage import RecordNotes, json_pointer

MAPPINGS = Path(__file__).parent / "mappings"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCAT_DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_GYEAR = ox.NamedNode(XSD + "gYear")
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
QUDT_NUMERIC = "http://qudt.org/schema/qudt/numericValue"
SCHEMA = "http://schema.org/"
#: dataset-level keys of the JSON-LD forms → the native key they stand for
DATASET_KEYS = {SCHEMA + "license": "license", SCHEMA + "datePublished": "publicationDate",
                SCHEMA + "includedInDataCatalog": "publisher"}
NOT_FIELDS = (SCHEMA, "http://www.openarchives.org/ore/terms/", "https://dataverse.org/schema/core#")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
FIELD_COMPONENT = str(REG) + "DataverseFieldConstraintComponent"
FIELD_SHAPE = str(REG) + "DataverseFieldCheck"
TYPE_CLASSES = ("primitive", "controlledVocabulary", "compound")


@dataclass(frozen=True)
class Mapping:
    """A declared block ↔ profile mapping (see mappings/citation.toml)."""

    block: str
    block_uri: str
    profile: str
    fields: dict[str, dict[str, Any]]
    lift: dict[str, dict[str, Any]]
    dataset: dict[str, dict[str, Any]]
    #: (concept scheme IRI, the value a record stores) → the concept's IRI, or None: for blocks
    #: imported as profiles, whose concept IRIs are not derivable from the stored value
    resolve: Callable[[str, str], str | None] | None = None
    #: a block the registry exported from a profile: name → `planned.PlannedField` (its plan chains)
    planned: dict[str, Any] | None = None

    def property_of(self, name: str) -> str:
        entry = self.lift.get(name)
        if entry and entry.get("property"):
            return entry["property"]
        term = self.fields.get(name, {}).get("term")
        return term or self.block_uri + name

    def field_by_iri(self) -> dict[str, str]:
        """property IRI → field name, over the block's own properties (termURI, block URI + name)
        and the mapped properties: how the JSON-LD forms name fields."""
        out: dict[str, str] = {}
        for name, info in self.fields.items():
            out.setdefault(self.block_uri + name, name)
            if info.get("term"):
                out.setdefault(info["term"], name)
        for name, entry in self.lift.items():
            if entry.get("property"):
                out.setdefault(entry["property"], name)
        return out


@lru_cache(maxsize=8)
def load_mapping(block: str = "citation") -> Mapping:
    data = tomllib.loads((MAPPINGS / f"{block}.toml").read_text(encoding="utf-8"))
    return Mapping(data["block"], data["block_uri"], data["profile"], data.get("fields", {}), data.get("lift", {}),
                   data.get("dataset", {}))


# --- recognising ----------------------------------------------------------------------------------


def recognise(document: Any) -> str | None:
    """"dataverse_json", "dataverse_ore", "dataverse_jsonld", "dataverse_schemaorg" (the schema.org
    export, which holds no block field: nothing to lift) or None, from the content."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("datasetVersion"), dict) or isinstance(document.get("metadataBlocks"), dict):
        return "dataverse_json"
    types = document.get("@type")
    types = types if isinstance(types, list) else [types]
    if _schema_org_context(document.get("@context")) and "Dataset" in types and isinstance(
            document.get("includedInDataCatalog"), dict):
        return "dataverse_schemaorg"
    if "ore:ResourceMap" in types or "http://www.openarchives.org/ore/terms/ResourceMap" in types:
        return "dataverse_ore"
    # the semantic API's JSON-LD: fields named by their property IRIs, at least one of them in the
    # block's own namespace (a generic DCAT / Dublin Core JSON-LD record is not taken for one)
    mapping = load_mapping()
    iris = mapping.field_by_iri()
    prefixes = _prefixes(document.get("@context"))
    expanded = [_expand(k, prefixes) for k in document if not k.startswith("@")]
    if any(k.startswith(mapping.block_uri) and k in iris for k in expanded):
        return "dataverse_jsonld"
    return None


def _schema_org_context(context: Any) -> bool:
    """Dataverse's schema.org export names schema.org as its (remote) context."""
    items = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and c.rstrip("/") in ("http://schema.org", "https://schema.org") for c in items)


def _prefixes(context: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str):
                    out[key] = value
                elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                    out[key] = value["@id"]
    return out


def _expand(key: str, prefixes: dict[str, str]) -> str:
    if key in prefixes:
        return prefixes[key]
    if ":" in key:
        prefix, local = key.split(":", 1)
        if prefix in prefixes and not local.startswith("//"):
            return prefixes[prefix] + local
    return key


# --- reading into field values ----------------------------------------------------------------------


@dataclass
class FieldValue:
    block: str
    name: str
    value: Any  # a str, or for a compound field a list of FieldValue children
    pointer: str
    parent: str | None = None


@dataclass
class Lifted:
    triples: list[ox.Triple] = field(default_factory=list)
    origin: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # (s, p, o) keys → source facts
    by_path: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (focus, path) → first source
    warnings: list[dict[str, Any]] = field(default_factory=list)
    fields_pointer: str = ""
    dataset: str = ""
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # compound node → its source facts


def _native_fields(document: dict, mapping: Mapping, problems: list, by_block: dict[str, Mapping] | None = None,
                   ) -> tuple[list[FieldValue], dict[str, Any], str, str]:
    """dataverse_json → (field values, dataset-level values with pointers, version pointer prefix,
    language)."""
    if isinstance(document.get("datasetVersion"), dict):
        version, prefix = document["datasetVersion"], "/datasetVersion"
    else:
        version, prefix = document, ""
    top: dict[str, Any] = {}
    for key in mapping.dataset:
        for holder, where in ((document, ""), (version, prefix)):
            if key in holder and key not in top:
                top[key] = (holder[key], f"{where}/{key}")
    language = document.get("metadataLanguage") or version.get("metadataLanguage") or ""
    values: list[FieldValue] = []
    blocks = version.get("metadataBlocks") or {}
    for block_name, block in blocks.items() if isinstance(blocks, dict) else ():
        base = f"{prefix}/metadataBlocks/{json_pointer([block_name])[1:]}/fields"
        fields = block.get("fields") if isinstance(block, dict) else None
        if not isinstance(fields, list):
            problems.append((f"{prefix}/metadataBlocks/{block_name}", block_name, None, "fields-not-a-list", None))
            continue
        known = (by_block or {mapping.block: mapping}).get(block_name)
        for i, item in enumerate(fields):
            values.extend(_native_field(block_name, item, f"{base}/{i}", None, problems,
                                        known.fields if known is not None else None))
    return values, top, prefix, language


def _native_field(block: str, item: Any, where: str, parent: str | None, problems: list,
                  declared: dict[str, dict] | None = None) -> list[FieldValue]:
    """One entry of a block's `fields` (or of a compound value), checked against the block's
    declaration when the mapping knows the block: typeClass from fieldType none / allowControlled-
    Vocabulary, `multiple` from allowmultiples (the shapes Dataverse's own JSON parser expects)."""
    if not isinstance(item, dict) or not isinstance(item.get("typeName"), str):
        problems.append((where, block, None, "no-typeName", item))
        return []
    name, type_class, multiple = item["typeName"], item.get("typeClass"), item.get("multiple")
    value = item.get("value")
    if type_class not in TYPE_CLASSES:
        problems.append((where + "/typeClass", block, name, "typeClass", type_class))
        return []
    info = (declared or {}).get(name)
    if info is not None:
        expected = "compound" if info.get("compound") else "controlledVocabulary" if info.get("controlled") else "primitive"
        if type_class != expected:
            problems.append((where + "/typeClass", block, name, "typeClass-mismatch", type_class))
            return []
        if isinstance(multiple, bool) and multiple != bool(info.get("multiple")):
            problems.append((where + "/multiple", block, name, "multiple-mismatch", multiple))
            return []
    if multiple is True and not isinstance(value, list):
        problems.append((where + "/value", block, name, "multiple-not-list", value))
        return []
    if multiple is False and isinstance(value, list):
        problems.append((where + "/value", block, name, "single-is-list", value))
        return []
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    out = []
    for j, v in items:
        at = f"{where}/value" + (f"/{j}" if j is not None else "")
        if type_class == "compound":
            if not isinstance(v, dict):
                problems.append((at, block, name, "compound-not-object", v))
                continue
            children = []
            for child_name, child in v.items():
                children.extend(_native_field(block, child, f"{at}/{json_pointer([child_name])[1:]}", name, problems,
                                              declared))
            out.append(FieldValue(block, name, children, at, parent))
        else:
            if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                problems.append((at, block, name, "primitive-not-text", v))
                continue
            out.append(FieldValue(block, name, str(v), at, parent))
    return out


class _JsonLdNames:
    """Which field a key of a JSON-LD form (OAI-ORE export, semantic API) names, over the first
    mapping and the blocks exported from the profiles of the chain.

    Dataverse's OAI-ORE writer (`OREMap`) keys a field that has a termURI by the field's own name,
    and maps that name to the termURI in `@context`; a field without one by `<block>:<name>`, the
    block prefix mapped to its namespace URI. Several fields may share one termURI (the unit of
    every quantity is `qudt:unit`), so the name comes first, and only when `@context` maps it to
    that field's IRI; then the IRI, among the children of the compound it is in, then the first
    mapping's (its lift properties included), then the top-level fields of the other blocks."""

    def __init__(self, mappings: list[Mapping]):
        self.first = mappings[0]
        self.first_iris = self.first.field_by_iri()
        self.names: dict[str, tuple[str, str]] = {}
        self.children: dict[tuple[str, str], dict[str, str]] = {}
        self.top: dict[str, tuple[str, str]] = {}
        for m in mappings:
            for name, info in m.fields.items():
                self.names.setdefault(name, (m.block, name))
                parent = info.get("parent") or ""
                for iri in self._iris(m, name):
                    if parent:
                        self.children.setdefault((m.block, parent), {}).setdefault(iri, name)
                    else:
                        self.top.setdefault(iri, (m.block, name))
        self.by_block = {m.block: m for m in reversed(mappings)}

    @staticmethod
    def _iris(m: Mapping, name: str) -> list[str]:
        term = m.fields.get(name, {}).get("term")
        return [iri for iri in (term, m.block_uri + name if m.block_uri else None) if iri]

    def find(self, key: str, iri: str, parent: tuple[str, str] | None) -> tuple[str, str] | None:
        named = self.names.get(key)
        if named is not None and iri in self._iris(self.by_block[named[0]], named[1]):
            if parent is None or self.by_block[named[0]].fields[named[1]].get("parent") == parent[1]:
                return named
        if parent is not None:
            name = self.children.get(parent, {}).get(iri)
            if name is not None:
                return parent[0], name
        name = self.first_iris.get(iri)
        if name is not None:
            return self.first.block, name
        return self.top.get(iri) if parent is None else None


def _jsonld_fields(obj: dict, names: _JsonLdNames, prefixes: dict[str, str], where: str,
                   parent: tuple[str, str] | None, unknown: list) -> list[FieldValue]:
    out: list[FieldValue] = []
    for key, value in obj.items():
        if key.startswith("@"):
            continue
        found = names.find(key, _expand(key, prefixes), parent)
        at = f"{where}/{json_pointer([key])[1:]}"
        if found is None:
            unknown.append((at, key))
            continue
        block, name = found
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for j, v in items:
            here = at + (f"/{j}" if j is not None else "")
            if isinstance(v, dict) and "@value" not in v and "@id" not in v:
                children = _jsonld_fields(v, names, prefixes, here, (block, name), unknown)
                out.append(FieldValue(block, name, children, here, parent[1] if parent else None))
            else:
                text = v.get("@value", v.get("@id")) if isinstance(v, dict) else v
                out.append(FieldValue(block, name, str(text), here, parent[1] if parent else None))
    return out


# --- lifting --------------------------------------------------------------------------------------


def _notation(value: str, style: str | None) -> str:
    if style == "kebab":
        return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if style == "pascal":
        return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", value) if w)
    return value


def _object(kind: str, text: str, entry: dict[str, Any], language: str, resolve=None):
    if kind == "lang":
        return ox.Literal(text, language=language) if language else ox.Literal(text)
    if kind == "mailto":
        return _iri("mailto:" + text if not text.startswith("mailto:") else text)
    if kind == "iri":
        return _iri(text)
    if kind == "concept":
        return _iri(entry.get("concepts", "") + _notation(text, entry.get("notation")))
    if kind == "year":
        return ox.Literal(text[:4], datatype=XSD_GYEAR)
    if kind == "concept-label":
        found = resolve(entry["scheme"], text) if resolve is not None else None
        return ox.NamedNode(found) if found else ox.Literal(text)  # not a concept: the shape reports it
    return ox.Literal(text)


def _number(text: str):
    """A number as the literal Turtle would make of it (integer, decimal, double); else the text,
    which the shape's range or datatype check then reports."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return ox.Literal(text)
    if "e" in text.lower():
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "double"))
    return ox.Literal(text, datatype=ox.NamedNode(XSD + ("decimal" if "." in text else "integer")))


def _absolute_iri(text: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$", text))


def _planned_object(pf, text: str, language: str, resolve=None):
    """The RDF value of a field of an exported block (registry.dataverse.planned)."""
    if pf.kind == "concept":
        if _absolute_iri(text):  # an external-vocabulary field stores the concept IRI
            return _iri(text)
        identifier = pf.values.get(text, text)
        if _absolute_iri(identifier):
            return _iri(identifier)
        found = resolve(pf.scheme, identifier) if resolve is not None and pf.scheme else None
        return ox.NamedNode(found) if found else ox.Literal(text)  # not a concept: the shape reports it
    if pf.kind in ("enum", "quantity-unit"):
        identifier = pf.values.get(text)
        if pf.datatype == XSD + "boolean":
            return ox.Literal((identifier or text).lower() if identifier or text in ("True", "False") else text,
                              datatype=ox.NamedNode(pf.datatype))
        if identifier and _absolute_iri(identifier):
            return _iri(identifier)
        return _iri(text) if _absolute_iri(text) else ox.Literal(text)
    if pf.iri:
        return _iri(text)
    if pf.datatype == RDF_LANGSTRING:
        return ox.Literal(text, language=language) if language else ox.Literal(text)
    if pf.datatype and pf.datatype != XSD + "string":
        return ox.Literal(text, datatype=ox.NamedNode(pf.datatype))  # ill-typed text: sh:datatype reports it
    if pf.numeric:
        return _number(text)
    return ox.Literal(text)


def _iri(text: str):
    try:
        return ox.NamedNode(text)
    except ValueError:
        return ox.Literal(text)  # not an IRI: the shape's nodeKind / class checks report it


def _key(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


_NAMED: dict[str, ox.NamedNode] = {}  # property IRI → its NamedNode (the mappings' few hundred properties)


class _Source:
    """Where a lifted value came from, told as a dict only when a result asks (`Lifted.origin`)."""

    __slots__ = ("lifter", "fv", "value")

    def __init__(self, lifter: "_Lifter", fv: FieldValue, value: Any):
        self.lifter, self.fv, self.value = lifter, fv, value

    def facts(self) -> dict[str, Any]:
        return self.lifter.describe(self.fv, self.value)


def _facts(source) -> dict[str, Any]:
    return source.facts() if isinstance(source, _Source) else source


class _Lifter:
    def __init__(self, mapping: Mapping, language: str, unknown: list, by_block: dict[str, Mapping] | None = None):
        self.mapping, self.language = mapping, language
        self.by_block = by_block or {mapping.block: mapping}
        self.out = Lifted()
        self.unknown = unknown
        self.links: dict[tuple[str, str], Any] = {}  # (subject, property) → the first node it reaches

    def add(self, s, p: str, o, source) -> None:
        """One triple and where it came from (a source dict, or a `_Source` made into one only for
        the few triples a result is about: most values never need theirs)."""
        predicate = _NAMED.get(p)
        if predicate is None:
            predicate = _NAMED[p] = ox.NamedNode(p)
        self.out.triples.append(ox.Triple(s, predicate, o))
        subject = _key(s)
        self.out.origin[(subject, p, o.value if isinstance(o, ox.Literal) else _key(o))] = source
        self.out.by_path.setdefault((subject, p), source)

    def source(self, fv: FieldValue, value: Any = None) -> "_Source":
        return _Source(self, fv, value)

    def describe(self, fv: FieldValue, value: Any = None) -> dict[str, Any]:
        mapping = self.by_block.get(fv.block, self.mapping)
        info = mapping.fields.get(fv.name, {})
        parent_info = mapping.fields.get(fv.parent or "", {})
        out = {"block": fv.block, "field": fv.name, "title": {"en": info.get("title", fv.name), **info.get("titles", {})},
               "pointer": fv.pointer}
        if fv.parent:
            out["parent"] = fv.parent
            out["parent_title"] = {"en": parent_info.get("title", fv.parent), **parent_info.get("titles", {})}
        if value is not None:
            out["value"] = value
        return out

    def field(self, subject, fv: FieldValue) -> None:
        if fv.name not in self.mapping.fields:  # a sub-field the block does not declare
            self.unknown.append((fv.pointer, fv.name))
            return
        entry = self.mapping.lift.get(fv.name, {})
        declared = self.mapping.fields.get(fv.name, {})
        default = "iri" if declared.get("type") == "url" else "string"  # external term URIs stay IRIs
        kind = entry.get("value") or ("node" if isinstance(fv.value, list) else default)
        prop = self.mapping.property_of(fv.name)
        if isinstance(fv.value, list):  # compound
            if kind == "onto-parent":
                for child in fv.value:
                    self.field(subject, child)
                return
            node = ox.BlankNode()
            self.add(subject, prop, node, self.source(fv))
            self.out.nodes[_key(node)] = self.describe(fv)
            for child in fv.value:
                self.field(node, child)
            return
        if kind == "name":
            node = ox.BlankNode()
            self.add(subject, prop, node, self.source(fv, fv.value))
            self.add(node, FOAF_NAME.value, ox.Literal(fv.value), self.source(fv, fv.value))
            return
        self.add(subject, prop, _object(kind, fv.value, entry, self.language, self.mapping.resolve), self.source(fv, fv.value))

    # --- a block exported from a profile: its plan's chains (registry.dataverse.planned) ----------

    def reach(self, start, chain: tuple[str, ...], source: dict[str, Any]):
        """The node at the end of `chain` from `start`: the first one the record already has, else
        a new blank node (a value whose compound was not given still says where it belongs)."""
        node = start
        for prop in chain:
            found = self.links.get((_key(node), prop))
            if found is None:
                found = ox.BlankNode()
                self.link(node, prop, found, source)
            node = found
        return node

    def link(self, subject, prop: str, obj, source: dict[str, Any]) -> None:
        self.links.setdefault((_key(subject), prop), obj)
        self.add(subject, prop, obj, source)

    def planned(self, mapping: Mapping, dataset, fv: FieldValue) -> None:
        """A top-level field of an exported block."""
        plan = mapping.planned or {}
        pf = plan.get(fv.name)
        if pf is None or pf.parent:  # unknown, or a sub-field outside its compound
            self.unknown.append((fv.pointer, f"{fv.block}.{fv.name}"))
            return
        self.planned_value(mapping, dataset, (), pf, fv)

    def planned_value(self, mapping: Mapping, subject, base: tuple[str, ...], pf, fv: FieldValue) -> None:
        rest = pf.chain[len(base):] if pf.chain[:len(base)] == base else pf.chain[-1:]
        source = self.source(fv, None if isinstance(fv.value, list) else fv.value)
        if isinstance(fv.value, list):  # a compound value: a node, its sub-fields continue the chain
            if pf.joins:
                node = self.reach(subject, rest, source)
            else:
                node = ox.BlankNode()
                self.link(self.reach(subject, rest[:-1], source), rest[-1], node, source)
            self.out.nodes[_key(node)] = _facts(source)
            children = {name: p for name, p in (mapping.planned or {}).items() if p.parent == fv.name}
            for child in fv.value:
                cf = children.get(child.name)
                if cf is None:
                    self.unknown.append((child.pointer, f"{fv.block}.{child.name}"))
                    continue
                self.planned_value(mapping, node, pf.chain, cf, child)
            return
        if pf.kind == "quantity-value" and rest[-1] != QUDT_NUMERIC:
            # a quantity inside a compound: its value field's chain ends at the quantity node
            quantity = self.reach(subject, rest, source)
            self.add(quantity, QUDT_NUMERIC, _planned_object(pf, fv.value, self.language, mapping.resolve), source)
            return
        anchor = self.reach(subject, rest[:-1], source)
        self.link(anchor, rest[-1], _planned_object(pf, fv.value, self.language, mapping.resolve), source)


def lift(document: dict, kind: str, mapping: Mapping | list[Mapping] | tuple | None = None,
         ) -> tuple[list[ox.Triple], RecordNotes]:
    """A recognised Dataverse document → (triples, notes with warnings and a `locate` function).
    `mapping`: one mapping, or several (the first one the dataset-level keys' and JSON-LD forms',
    the others those of the blocks exported from the profiles of the chain)."""
    mappings = list(mapping) if isinstance(mapping, (list, tuple)) else [mapping or load_mapping()]
    mapping = mappings[0]
    by_block = {m.block: m for m in reversed(mappings)}
    problems: list = []
    unknown: list[tuple[str, str]] = []
    top: dict[str, Any] = {}
    language = ""
    subject_iri = None
    prefix = ""
    if kind == "dataverse_json":
        values, top, prefix, language = _native_fields(document, mapping, problems, by_block)
        subject_iri = document.get("persistentUrl")
        fields_pointer = f"{prefix}/metadataBlocks/{mapping.block}/fields"
    else:
        prefixes = _prefixes(document.get("@context"))
        body, where = document, ""
        if kind == "dataverse_ore":
            body = document.get("ore:describes") or {}
            where = json_pointer(["ore:describes"])
        # What Dataverse writes beside the fields, in both JSON-LD forms (the ORE export's dataset
        # and the semantic API's, e.g. dataset-finch1.jsonld): the dataset-level keys, read like
        # the native ones; the rest (files, version, the title again as schema:name, terms of
        # access) is no block field: not metadata the profile checks.
        full = {key: _expand(key, prefixes) for key in body if not key.startswith("@")}
        for key, iri in full.items():
            name = DATASET_KEYS.get(iri)
            if name is None:
                continue
            value = body[key]
            if name == "publisher" and not isinstance(value, str):
                continue
            top[name] = (value.get("@id", value) if isinstance(value, dict) else value, where + json_pointer([key]))
        types = body.get("@type") if isinstance(body.get("@type"), list) else [body.get("@type")]
        if {"schema:Dataset", SCHEMA + "Dataset"} & {t for t in types if isinstance(t, str)}:
            top["datasetType"] = ("dataset", f"{where}/@type")  # the JSON-LD form of the native datasetType "dataset"
        subject_iri = body.get("@id") if isinstance(body.get("@id"), str) else None
        values = _jsonld_fields({k: v for k, v in body.items() if full.get(k) not in DATASET_KEYS},
                                _JsonLdNames(mappings), prefixes, where, None, unknown)
        unknown = [u for u in unknown if not _expand(u[1], prefixes).startswith(NOT_FIELDS)]
        fields_pointer = where  # "" (RFC 6901): the whole document
    lifter = _Lifter(mapping, language, unknown, by_block)
    dataset = _iri(subject_iri) if subject_iri else ox.BlankNode("dataset")
    if isinstance(dataset, ox.Literal):
        dataset = ox.BlankNode("dataset")
    lifter.out.dataset = _key(dataset)
    lifter.out.fields_pointer = fields_pointer
    lifter.out.triples.append(ox.Triple(dataset, RDF_TYPE, DCAT_DATASET))
    for name, entry in mapping.dataset.items():
        if name not in top and "default" in entry:
            top[name] = (entry["default"], "")  # declared default (e.g. datasetType "dataset"): no place in the JSON
    for name, (value, where) in top.items():
        entry = mapping.dataset[name]
        if isinstance(value, dict):
            value = value.get(entry.get("key", "@id"))
        if not isinstance(value, (str, int)) or value == "":
            continue
        source = {"block": None, "field": name, "title": {"en": entry.get("title", name)}, "pointer": where, "value": str(value)}
        if entry["value"] == "name":
            node = ox.BlankNode()
            lifter.add(dataset, entry["property"], node, source)
            lifter.add(node, FOAF_NAME.value, ox.Literal(str(value)), source)
        else:
            lifter.add(dataset, entry["property"], _object(entry["value"], str(value), entry, language), source)
    # Exported blocks' fields, whatever their order in the JSON: the objects of the dataset first, then
    # the flattened compounds that hang from them, then the compounds describing those same objects.
    planned_values = []
    for fv in values:
        if fv.block != mapping.block:
            other = by_block.get(fv.block)
            if other is not None and other.planned is not None:
                pf = other.planned.get(fv.name)
                planned_values.append(((bool(pf and pf.joins), len(pf.chain) if pf else 0), other, fv))
            else:
                unknown.append((fv.pointer, f"{fv.block}.{fv.name}"))
            continue
        if fv.name not in mapping.fields:
            unknown.append((fv.pointer, fv.name))
            continue
        lifter.field(dataset, fv)
    for _order, other, fv in sorted(planned_values, key=lambda item: item[0]):
        lifter.planned(other, dataset, fv)
    out = lifter.out
    for where, block, name, problem, value in problems:
        out.warnings.append(_field_result("Violation", where, block, name, problem, value, mapping))
    for where, key in unknown:
        out.warnings.append(_field_result("Warning", where, mapping.block, key, "unknown-field", None, mapping))
    block_pointers = {m.block: (f"{prefix}/metadataBlocks/{json_pointer([m.block])[1:]}/fields"
                                if kind == "dataverse_json" else fields_pointer) for m in mappings}
    notes = RecordNotes(kind=kind, warnings=out.warnings, locate=_locator(out, mapping, by_block, block_pointers),
                        recognised=kind,
                        top_keys=list(document)[:100])
    return out.triples, notes


_PROBLEMS = {
    "typeClass": ("the field's typeClass is {v!r}; Dataverse knows primitive, controlledVocabulary and compound",
                  "le typeClass du champ est {v!r} ; Dataverse connaît primitive, controlledVocabulary et compound"),
    "typeClass-mismatch": ("the block declares this field with another typeClass than {v!r}",
                           "le bloc déclare ce champ avec un autre typeClass que {v!r}"),
    "multiple-mismatch": ("the block declares this field's multiplicity otherwise (multiple: {v})",
                          "le bloc déclare autrement la multiplicité de ce champ (multiple: {v})"),
    "multiple-not-list": ("the field says multiple: true but its value is not a list",
                          "le champ indique multiple: true mais sa valeur n'est pas une liste"),
    "single-is-list": ("the field says multiple: false but its value is a list",
                       "le champ indique multiple: false mais sa valeur est une liste"),
    "compound-not-object": ("a compound field's value must be an object of sub-fields",
                            "la valeur d'un champ composé doit être un objet de sous-champs"),
    "primitive-not-text": ("the value must be text", "la valeur doit être du texte"),
    "no-typeName": ("an entry of 'fields' has no typeName", "une entrée de « fields » n'a pas de typeName"),
    "fields-not-a-list": ("the block's 'fields' must be a list", "les « fields » du bloc doivent être une liste"),
    "unknown-field": ("the field is not part of the block the profile maps ({b}): its value was not checked",
                      "le champ ne fait pas partie du bloc associé au profil ({b}) : sa valeur n'a pas été vérifiée"),
}


def _field_result(severity, where, block, name, problem, value, mapping) -> dict[str, Any]:
    en, fr = _PROBLEMS[problem]
    v = value if not isinstance(value, (dict, list)) else type(value).__name__
    label = name or "?"
    messages = {"en": f"{label}: " + en.format(v=v, b=mapping.block), "fr": f"{label} : " + fr.format(v=v, b=mapping.block)}
    return {
        "focus_node": None, "path": None, "value": None if value is None else str(v), "value_is_literal": True,
        "severity": severity, "constraint_component": FIELD_COMPONENT, "source_shape": FIELD_SHAPE, "names": {},
        "messages": messages, "custom_message": False, "default_messages": messages, "pointer": where,
        "source": {"block": block, "field": name, "title": {"en": mapping.fields.get(name or "", {}).get("title", name)},
                   "pointer": where, "problem": problem},
    }


def _locator(out: Lifted, mapping: Mapping, by_block: dict[str, Mapping] | None = None,
             block_pointers: dict[str, str] | None = None):
    """A result → where it is in the submitted JSON: the triple it is about (focus, path, value),
    else the first value of (focus, path), else the field the path maps (a missing value: the
    block's field list)."""
    by_block = by_block or {mapping.block: mapping}
    planned_top: dict[str, tuple[Mapping, str]] = {}  # a dataset-level property of an exported block
    for m in by_block.values():
        for name, pf in (m.planned or {}).items():
            if not pf.parent and len(pf.chain) == 1:
                planned_top.setdefault(pf.chain[0], (m, name))

    def titles_of(m: Mapping, name: str) -> dict[str, str]:
        info = m.fields.get(name) or {}
        return {"en": info.get("title", name), **info.get("titles", {})}

    def planned_missing(focus, path) -> dict[str, Any] | None:
        compound = out.nodes.get(focus) if focus else None
        if compound is not None:
            m = by_block.get(compound.get("block") or "")
            for name, pf in ((m.planned or {}) if m is not None else {}).items():
                if pf.parent == compound["field"] and pf.chain and pf.chain[-1] == path:
                    return {"block": m.block, "field": name, "title": titles_of(m, name), "parent": compound["field"],
                            "parent_title": compound["title"], "pointer": compound["pointer"], "missing": True}
        if focus == out.dataset and path in planned_top:
            m, name = planned_top[path]
            return {"block": m.block, "field": name, "title": titles_of(m, name),
                    "pointer": (block_pointers or {}).get(m.block, out.fields_pointer), "missing": True}
        return None

    by_property = {}
    for name, entry in mapping.lift.items():
        if entry.get("property"):
            by_property.setdefault(entry["property"], name)
    for name, entry in mapping.dataset.items():
        by_property.setdefault(entry["property"], name)

    def by_path_of(found: dict[str, Any]) -> str | None:
        name = found.get("field")
        entry = mapping.lift.get(name) or mapping.dataset.get(name) or {}
        return entry.get("property")

    def locate(result: dict[str, Any]) -> dict[str, Any] | None:
        if result.get("source"):
            return result["source"]
        focus, path, value = result.get("focus_node"), result.get("path"), result.get("value")
        if focus and path:
            found = out.origin.get((focus, path, value)) or out.by_path.get((focus, path))
            if found:
                found = _facts(found)
                found = dict(found, title=dict(found["title"]))
                names = result.get("names") or {}
                if names.get("fr") and found.get("field") in by_property.values() and by_path_of(found) == path:
                    found["title"].setdefault("fr", names["fr"])  # the profile's own French name of the field
                return found
        missing = planned_missing(focus, path)
        if missing is not None:
            return missing
        if focus in out.nodes and path in by_property:  # a sub-field missing from a compound value
            compound = out.nodes[focus]
            name = by_property[path]
            info = mapping.fields.get(name) or {}
            titles = {"en": info.get("title", name), **info.get("titles", {})}
            return {"block": compound["block"], "field": name, "title": titles, "parent": compound["field"],
                    "parent_title": compound["title"], "pointer": compound["pointer"], "missing": True}
        if path in by_property:
            name = by_property[path]
            info = mapping.fields.get(name) or {}
            title = info.get("title") or mapping.dataset.get(name, {}).get("title", name)
            titles = {"en": title}
            if (result.get("names") or {}).get("fr"):
                titles["fr"] = result["names"]["fr"]
            return {"block": mapping.block if name in mapping.fields else None, "field": name, "title": titles,
                    "pointer": out.fields_pointer, "missing": True}
        if focus == out.dataset:
            return {"block": mapping.block, "pointer": out.fields_pointer}
        return None

    return locate


# --- a block imported as a profile brings its own mapping -----------------------------------------

DVB = "https://w3id.org/profile-registry/dataverse#"  # registry.dataverse.annotations (issue 13)


def mapping_from_shapes(graph, resolve: Callable[[str, str], str | None] | None = None) -> Mapping | None:
    """The mapping of a profile made from a metadata block (`registry dataverse import-block`):
    its property shapes carry `dvb:fieldName` (and the other `dvb:` annotations), their `sh:path`
    is the field's property (termURI, else blockURI + name), a compound field's `sh:node` holds its
    children, a controlled field's `sh:node` requires `skos:inScheme` its scheme. Controlled values
    are found in that scheme by label, notation or alternate (`resolve`). None for a profile with
    no `dvb:fieldName`."""
    import rdflib
    from rdflib.namespace import SH, SKOS

    def value(subject, name):
        return graph.value(subject, rdflib.URIRef(DVB + name))

    shapes = {shape: str(name) for shape, name in graph.subject_objects(rdflib.URIRef(DVB + "fieldName"))}
    if not shapes:
        return None
    block = next((str(o) for o in graph.objects(None, rdflib.URIRef(DVB + "blockName"))), "block")
    block_uri = next((str(o) for o in graph.objects(None, rdflib.URIRef(DVB + "blockURI"))), "")
    parent: dict[str, str] = {}
    for shape, name in shapes.items():
        for node in graph.objects(shape, SH.node):
            for child in graph.objects(node, SH.property):
                if child in shapes:
                    parent[shapes[child]] = name
    fields: dict[str, dict[str, Any]] = {}
    lift_entries: dict[str, dict[str, Any]] = {}
    for shape, name in shapes.items():
        path = graph.value(shape, SH.path)
        field_type = str(value(shape, "fieldType") or "text").lower()
        titles = {(lit.language or "en"): str(lit) for lit in graph.objects(shape, SH.name)}
        controlled = str(value(shape, "allowControlledVocabulary") or "false").lower() == "true"
        fields[name] = {"parent": parent.get(name, ""), "term": str(path) if path is not None else "",
                        "type": field_type, "multiple": str(value(shape, "allowMultiples") or "false").lower() == "true",
                        "compound": field_type == "none", "controlled": controlled,
                        "title": titles.get("en", name), "titles": titles}
        entry: dict[str, Any] = {"property": str(path)} if path is not None else {}
        if field_type == "none":
            entry["value"] = "node"
        elif controlled:
            scheme = None
            for node in graph.objects(shape, SH.node):
                for prop in graph.objects(node, SH.property):
                    if graph.value(prop, SH.path) == SKOS.inScheme:
                        scheme = graph.value(prop, SH.hasValue)
            if scheme is not None:
                entry.update(value="concept-label", scheme=str(scheme))
        elif field_type == "url":
            entry["value"] = "iri"
        lift_entries[name] = entry
    return Mapping(block, block_uri, "", fields, lift_entries, {}, resolve)
