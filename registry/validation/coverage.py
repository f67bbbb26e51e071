"""What a validation checked: the focus nodes the profile's targets select in the record, and the
parts of a plain-JSON record that never became RDF.

SHACL (https://www.w3.org/TR/shacl/ §3.4) says a data graph conforms when no focus node has a
result: a record in which no target (§2.1.3: `sh:targetNode`, `sh:targetClass`, implicit class
targets, `sh:targetSubjectsOf`, `sh:targetObjectsOf`) selects anything "conforms" vacuously.
The registry never reports that as conforming: `check_coverage` raises `NothingToValidate` (422
`nothing-to-validate`) saying, in English and French, what the profile looks for and what the
record holds. Focus nodes count only when they are nodes of the record itself (not the vocabulary
triples added for validation), so a record naming a concept is not "checked" through the concept.

Plain JSON read with a profile's JSON-LD context (JSON-LD 1.1 §3.1) silently drops every key the
context does not define (JSON-LD 1.1 Processing Algorithms §4.3, "Expansion": a key that expands
to no IRI is ignored). `unmapped_keys` lists them, with their JSON Pointer (RFC 6901), so each
report can warn about them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from registry.errors import InvalidInput
from registry.namespaces import REG

RDF_TYPE = str(RDF.type)
SUBCLASS = str(RDFS.subClassOf)
UNMAPPED_COMPONENT = str(REG) + "UnmappedKeyConstraintComponent"
UNMAPPED_SHAPE = str(REG) + "JsonContextCheck"
MAX_LISTED = 12


# --- what the profile looks for -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One target declaration of a shape (SHACL §2.1.3)."""

    kind: str  # "class", "node", "subjectsOf", "objectsOf"
    iri: str
    shape: str
    labels: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "iri": self.iri, "shape": self.shape, "labels": self.labels}


_KINDS = ((SH.targetClass, "class"), (SH.targetNode, "node"), (SH.targetSubjectsOf, "subjectsOf"),
          (SH.targetObjectsOf, "objectsOf"))


def _labels(graph: rdflib.Graph, node) -> dict[str, str]:
    out: dict[str, str] = {}
    for predicate in (RDFS.label, SH.name):
        for label in graph.objects(node, predicate):
            if isinstance(label, rdflib.Literal):
                out.setdefault(label.language or "", str(label))
    return out


def targets_of(graph: rdflib.Graph) -> list[Target]:
    """Every target of every active shape of a shapes graph (deactivated shapes, §2.1.5, select
    nothing). Implicit class targets (§2.1.3.3): a shape that is also an `rdfs:Class`."""
    out: list[Target] = []
    deactivated = {s for s, o in graph.subject_objects(SH.deactivated) if str(o).lower() in ("true", "1")}
    for predicate, kind in _KINDS:
        for shape, value in graph.subject_objects(predicate):
            if shape in deactivated or not isinstance(value, rdflib.URIRef):
                continue
            labels = _labels(graph, shape) or _labels(graph, value)
            out.append(Target(kind, str(value), _node_text(shape), labels))
    shape_types = {SH.NodeShape, SH.PropertyShape}
    for cls in set(graph.subjects(RDF.type, RDFS.Class)) | set(graph.subjects(RDF.type, rdflib.OWL.Class)):
        if cls in deactivated or not isinstance(cls, rdflib.URIRef):
            continue
        if any((cls, RDF.type, t) in graph for t in shape_types):
            out.append(Target("class", str(cls), str(cls), _labels(graph, cls)))
    out.sort(key=lambda t: (t.kind, t.iri, t.shape))
    return out


def _node_text(node) -> str:
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


# --- what the record holds ------------------------------------------------------------------------


def focus_nodes(targets: list[Target], record: list[ox.Triple], subset: list[ox.Triple]) -> set[str]:
    """The record's nodes that at least one target selects (SHACL §2.1.3, with `rdf:type /
    rdfs:subClassOf*` read in record + vocabulary subset as §2.1.3.2 says)."""
    if not targets:
        return set()
    nodes: set[str] = set()
    for t in record:
        nodes.add(_term_key(t.subject))
        if not isinstance(t.object, ox.Literal):
            nodes.add(_term_key(t.object))
    by_kind: dict[str, set[str]] = {}
    for target in targets:
        by_kind.setdefault(target.kind, set()).add(target.iri)
    found: set[str] = set()
    for iri in by_kind.get("node", ()):
        if iri in nodes:
            found.add(iri)
    subjects_of, objects_of = by_kind.get("subjectsOf", set()), by_kind.get("objectsOf", set())
    for t in record:
        if t.predicate.value in subjects_of:
            found.add(_term_key(t.subject))
        if t.predicate.value in objects_of:
            found.add(_term_key(t.object))
    classes = by_kind.get("class")
    if classes:
        parents: dict[str, set[str]] = {}
        types: list[tuple[str, str]] = []
        for t in (*record, *subset):
            if t.predicate.value == SUBCLASS and isinstance(t.object, ox.NamedNode):
                parents.setdefault(_term_key(t.subject), set()).add(t.object.value)
            elif t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
                types.append((_term_key(t.subject), t.object.value))
        closure: dict[str, bool] = {}
        for node, cls in types:
            if node in nodes and node not in found and _reaches(cls, classes, parents, closure):
                found.add(node)
    return found


def _reaches(cls: str, goals: set[str], parents: dict[str, set[str]], memo: dict[str, bool]) -> bool:
    if cls in memo:
        return memo[cls]
    seen, stack = {cls}, [cls]
    while stack:
        current = stack.pop()
        if current in goals:
            memo[cls] = True
            return True
        for parent in parents.get(current, ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    memo[cls] = False
    return False


def _term_key(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def record_types(record: list[ox.Triple]) -> list[str]:
    return sorted({t.object.value for t in record if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)})


# --- notes from reading a record ------------------------------------------------------------------


@dataclass
class RecordNotes:
    """What reading a record learnt beside its triples.

    `kind`: "rdf", "json" (plain JSON + the profile's context) or a recognised shape such as
    "dataverse_json"; `unmapped`: (JSON Pointer, key) of plain-JSON keys that became no RDF;
    `top_keys`: the top-level keys of a JSON record; `warnings`: extra results in the engine's
    result form; `locate`: adds where-in-the-source facts to an engine result (e.g. the Dataverse
    block, field and JSON Pointer of a lifted value); `recognised`: what the content was taken for."""

    kind: str = "rdf"
    unmapped: list[tuple[str, str]] = field(default_factory=list)
    top_keys: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    locate: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    recognised: str | None = None


def json_pointer(parts) -> str:
    """RFC 6901 §3: '~' → '~0', '/' → '~1'."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def context_terms(context: Any) -> tuple[dict[str, dict], set[str], bool]:
    """(term → its definition, prefixes, has a top-level @vocab) of a JSON-LD context, with every
    scoped context's terms (JSON-LD 1.1 §4.1.8) merged in: a key is taken as mapped if any context
    level defines it. A definition is a dict (`{"@id": iri}` for a simple term)."""
    terms: dict[str, dict] = {}
    prefixes: set[str] = set()
    vocab = False

    def walk(ctx, depth=0, scoped=False):
        nonlocal vocab
        if depth > 20:
            return
        if isinstance(ctx, list):
            for item in ctx:
                walk(item, depth + 1, scoped)
            return
        if not isinstance(ctx, dict):
            return
        if "@context" in ctx and depth == 0:
            walk(ctx["@context"], depth + 1, scoped)
            return
        for key, value in ctx.items():
            if key == "@vocab" and value is not None:
                vocab = vocab or not scoped  # a scoped @vocab maps the keys below one property only
                continue
            if key.startswith("@"):
                continue
            if value is None or (isinstance(value, dict) and "@id" in value and value["@id"] is None):
                continue  # explicitly unmapped (JSON-LD 1.1 §4.1.1)
            definition = value if isinstance(value, dict) else {"@id": value}
            terms.setdefault(key, definition)
            iri = definition.get("@id")
            if isinstance(iri, str) and iri.endswith(("/", "#", ":")):
                prefixes.add(key)
            if isinstance(value, dict) and "@context" in value:
                walk(value["@context"], depth + 1, True)

    walk(context)
    return terms, prefixes, vocab


def _container(definition: dict | None) -> set[str]:
    if not definition:
        return set()
    container = definition.get("@container")
    return set(container) if isinstance(container, list) else {container} if isinstance(container, str) else set()


def unmapped_keys(document: Any, context: Any, *, limit: int = 200) -> list[tuple[str, str]]:
    """(JSON Pointer, key) of the keys of a plain-JSON document that the context does not map.
    A key inside an unmapped one is not listed (the whole member is dropped); the keys of a
    language, index, id or type map (JSON-LD 1.1 §4.6) are values, not terms, and `@json` values
    are literals."""
    own = document.get("@context") if isinstance(document, dict) else None
    terms, prefixes, vocab = context_terms([context, own] if own is not None else context)
    if vocab:
        return []
    out: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple]] = [(document, ())]
    while stack and len(out) < limit:
        value, where = stack.pop()
        if isinstance(value, list):
            for i in range(len(value) - 1, -1, -1):
                stack.append((value[i], (*where, i)))
        elif isinstance(value, dict):
            for key in reversed(list(value)):
                if key == "@context" or key in ("@value", "@language", "@id", "@type", "@index"):
                    continue
                if not _mapped(key, terms, prefixes):
                    out.append((json_pointer((*where, key)), key))
                    continue
                definition = terms.get(key)
                member = value[key]
                if not isinstance(member, (dict, list)) or (definition or {}).get("@type") == "@json":
                    continue
                containers = _container(definition)
                if "@language" in containers:
                    continue
                if containers & {"@index", "@id", "@type"} and isinstance(member, dict):
                    for k in reversed(list(member)):
                        stack.append((member[k], (*where, key, k)))
                    continue
                stack.append((member, (*where, key)))
    out.sort()
    return out


def _mapped(key: str, terms: dict[str, dict], prefixes: set[str]) -> bool:
    if key.startswith("@") or key in terms:
        return True
    if ":" in key:
        prefix = key.split(":", 1)[0]
        return prefix in prefixes or "//" in key or prefix in ("http", "https", "urn")
    return False


def unmapped_warnings(unmapped: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One `sh:Warning` result per unmapped key (a registry-defined component, SHACL §3.6.2.3)."""
    out = []
    for pointer, key in unmapped:
        messages = {
            "en": f"The key '{key}' (at {pointer}) is not defined by the profile's JSON-LD context: its value was not checked.",
            "fr": f"La clé « {key} » (en {pointer}) n'est pas définie par le contexte JSON-LD du profil : sa valeur n'a pas été vérifiée.",
        }
        out.append({
            "focus_node": None, "path": None, "value": key, "value_is_literal": True, "severity": "Warning",
            "constraint_component": UNMAPPED_COMPONENT, "source_shape": UNMAPPED_SHAPE, "names": {},
            "messages": messages, "custom_message": False, "default_messages": messages, "pointer": pointer,
        })
    return out


# --- the problem -----------------------------------------------------------------------------------


class NothingToValidate(InvalidInput):
    """422: no shape of the profile chain selects any node of the record."""

    code = "nothing-to-validate"
    title = "Nothing in the record was validated"


def _short(iri: str) -> str:
    from registry.profile_fields import curie

    return curie(iri)


def grouped_targets(targets: list[Target]) -> list[dict[str, Any]]:
    """One entry per (kind, IRI), with the shapes that declare it; labels of the first shape."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for t in targets:
        item = out.get((t.kind, t.iri))
        if item is None:
            item = out[(t.kind, t.iri)] = {"kind": t.kind, "iri": t.iri, "labels": dict(t.labels), "shapes": []}
        item["shapes"].append(t.shape)
    return list(out.values())


def _describe_targets(targets: list[Target], lang: str) -> str:
    words = {
        "en": {"class": "nodes of class {x}", "node": "the node {x}", "subjectsOf": "subjects of {x}", "objectsOf": "objects of {x}"},
        "fr": {"class": "des nœuds de classe {x}", "node": "le nœud {x}", "subjectsOf": "des sujets de {x}", "objectsOf": "des objets de {x}"},
    }[lang]
    seen: dict[tuple[str, str], str] = {}
    for t in targets:
        key = (t.kind, t.iri)
        if key in seen:
            continue
        label = t.labels.get(lang) or t.labels.get("en") or t.labels.get("")
        seen[key] = words[t.kind].format(x=_short(t.iri)) + (f" ({label})" if label else "")
    items = list(seen.values())
    more = len(items) - MAX_LISTED
    text = ", ".join(items[:MAX_LISTED])
    if more > 0:
        text += f" (+{more})" if lang == "en" else f" (+{more})"
    return text


def _describe_record(record: list[ox.Triple], notes: RecordNotes | None, lang: str) -> str:
    types = record_types(record)
    recognised = notes.recognised if notes else None
    if not record:
        if notes is not None and notes.kind == "dataverse_schemaorg":
            if lang == "fr":
                return ("l'enregistrement est l'export schema.org de Dataverse, qui ne contient pas les champs des blocs "
                        "de métadonnées : envoyez l'export dataverse_json ou OAI-ORE du jeu de données")
            return ("the record is Dataverse's schema.org export, which does not hold the metadata block fields: send "
                    "the dataset's dataverse_json or OAI-ORE export")
        if notes is not None and notes.kind != "rdf":
            keys = [k for _p, k in notes.unmapped if _p.count("/") == 1] or notes.top_keys
            listed = ", ".join(keys[:MAX_LISTED]) + (" …" if len(keys) > MAX_LISTED else "")
            if lang == "fr":
                what = f" (reconnu : {recognised})" if recognised else ""
                return (f"l'enregistrement ne donne aucun RDF{what} : ses clés JSON {listed} ne sont pas associées par le "
                        "contexte JSON-LD du profil" if listed else f"l'enregistrement ne donne aucun RDF{what}")
            what = f" (recognised: {recognised})" if recognised else ""
            return (f"the record gives no RDF{what}: its plain JSON keys {listed} are not mapped by the profile's "
                    "JSON-LD context" if listed else f"the record gives no RDF{what}")
        return "l'enregistrement est vide (aucun triplet)" if lang == "fr" else "the record is empty (no triples)"
    n = len(record)
    if types:
        listed = ", ".join(_short(t) for t in types[:MAX_LISTED]) + (" …" if len(types) > MAX_LISTED else "")
        if lang == "fr":
            return f"l'enregistrement contient {n} triplet(s) dont les nœuds sont de type {listed}"
        return f"the record holds {n} triple(s) whose nodes are typed {listed}"
    if lang == "fr":
        return f"l'enregistrement contient {n} triplet(s) mais aucun rdf:type"
    return f"the record holds {n} triple(s) but no rdf:type"


def nothing_to_validate(bundle, targets: list[Target], record: list[ox.Triple], notes: RecordNotes | None,
                        lang: str = "en") -> NothingToValidate:
    profile = bundle.profile
    name = f"{profile['id']} {profile['version']}" if profile.get("id") else "draft shapes"
    messages = {}
    for language in ("en", "fr"):
        looks = _describe_targets(targets, language)
        holds = _describe_record(record, notes, language)
        if language == "fr":
            looks = looks or "aucune cible (aucune forme n'a de sh:target…)"
            messages["fr"] = (f"Rien n'a été vérifié : le profil {name if profile.get('id') else 'brouillon'} cherche "
                              f"{looks} ; {holds}.")
        else:
            looks = looks or "no target at all (no shape has a sh:target…)"
            messages["en"] = f"Nothing was checked: the profile {name} looks for {looks}; {holds}."
    contains: dict[str, Any] = {"triples": len(record), "types": record_types(record)}
    if notes is not None and notes.kind != "rdf":
        contains["format"] = notes.kind
        if notes.recognised:
            contains["recognised"] = notes.recognised
        if notes.unmapped:
            contains["unmapped_keys"] = [{"pointer": p, "key": k} for p, k in notes.unmapped[:50]]
        if notes.top_keys:
            contains["json_keys"] = notes.top_keys[:50]
    return NothingToValidate(
        messages.get(lang, messages["en"]),
        messages=messages,
        profile=profile,
        looks_for=grouped_targets(targets)[:50],
        record_contains=contains,
    )


def in_language(exc, lang: str):
    """A problem that carries its detail in several languages (`messages`), told in `lang`."""
    messages = getattr(exc, "extra", {}).get("messages")
    if isinstance(messages, dict) and messages.get(lang):
        exc.detail = messages[lang]
    return exc
