"""The SHACL engine of record validation: pyshacl on a small data graph, with reusable shapes.

This module is what runs inside a validation worker process (and in-process for the CLI's local
mode and the benchmark). It only depends on rdflib and pyshacl; it never touches the store.

* Shapes graphs are compiled once (`CompiledShapes`: the rdflib graph plus pyshacl's
  `ShapesGraph`, whose shape harvest is done once) and reused for every record.
* Validation is SHACL Core (https://www.w3.org/TR/shacl/ §4) and SHACL-SPARQL (§5-6) as pyshacl
  implements them, with `inference='none'`, `advanced=False` (no SHACL-AF rules, functions or
  custom targets), no `owl:imports` (never followed), and rdflib's SPARQL `FROM` graph loading
  off, so a shapes graph cannot make the process read files or the network.
* The result of a run is the validation report (§3.6): a list of plain dicts, one per
  `sh:ValidationResult` (§3.6.2), and, when asked for, the report's triples.

Terms travel between processes as small tuples (`encode_term` / `decode_term`):
`("I", iri)`, `("B", id)`, `("L", lexical, datatype-or-None, language-or-None)`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import rdflib
import rdflib.plugins.sparql
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.paths import Path

# Never let a SPARQL constraint's FROM / FROM NAMED load a graph from a URL or a file.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

import pyshacl.shape  # noqa: E402
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP  # noqa: E402
from pyshacl.constraints.constraint_component import ConstraintComponent  # noqa: E402
from pyshacl.graph_abstraction import DataGraph  # noqa: E402
from pyshacl.rdfutil.clone import clone_blank_node  # noqa: E402
from pyshacl.rdfutil.stringify import stringify_blank_node  # noqa: E402
from pyshacl.shapes_graph import ShapesGraph  # noqa: E402
from pyshacl.validator import Validator  # noqa: E402

from registry.validation.messages import default_messages, has_default_message  # noqa: E402

_LOG = logging.getLogger("registry.validation.pyshacl")
_LOG.setLevel(logging.ERROR)
_XSD_STRING = str(XSD.string)
SEVERITIES = {str(SH.Violation): "Violation", str(SH.Warning): "Warning", str(SH.Info): "Info"}


# --- speed-ups of pyshacl that change nothing it computes ------------------------------------------
#
# 1. `Shape.validate` looks up each of a shape's predicates in the list of constraint parameters
#    (`p in list`: ~35 `URIRef.__eq__` calls per predicate, per shape, per record). The same list
#    with a set behind `in` gives the same answers (URIRef equality and hash agree) in O(1).
# 2. `ConstraintComponent.make_v_result_description` writes the text form of each result (prefix
#    bindings, a namespace manager per graph): it only feeds the text report, which the registry
#    never reads. During the registry's own runs (a thread-local flag), it returns "".


class _ParameterList(list):
    def __init__(self, items):
        super().__init__(items)
        self._set = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._set


pyshacl.shape.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)

_QUIET = threading.local()
_describe = ConstraintComponent.make_v_result_description


def _quiet_description(self, *args, **kwargs):
    if getattr(_QUIET, "on", False):
        return ""
    return _describe(self, *args, **kwargs)


if getattr(ConstraintComponent.make_v_result_description, "__name__", "") != "_quiet_description":
    ConstraintComponent.make_v_result_description = _quiet_description

# 3. SPARQL-based constraints (SHACL 5.3): pyshacl hands the query TEXT to `Graph.query` once per
#    focus node, so rdflib parses and algebra-translates the same query again and again (0.1 s
#    each for the bundled ORCID checksum: 1.4 s per record with a dozen agents). The text is the
#    same for every focus node ($this comes in as an initial binding), so the prepared query is
#    cached by (text, namespace bindings): the same query runs, parsed once per worker process.

from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint  # noqa: E402
from rdflib.plugins.sparql import prepareQuery  # noqa: E402

_PREPARED: dict[tuple, object] = {}
_PREPARED_LOCK = threading.Lock()
_validate_sparql_query = SPARQLBasedConstraint._validate_sparql_query


def _prepared_sparql_query(self, query, init_binds, target_graph):
    if isinstance(query, str):
        namespaces = tuple(sorted((p, str(n)) for p, n in target_graph.namespace_manager.namespaces()))
        key = (query, namespaces)
        prepared = _PREPARED.get(key)
        if prepared is None:
            prepared = prepareQuery(query, initNs=dict(namespaces))
            with _PREPARED_LOCK:
                if len(_PREPARED) > 512:
                    _PREPARED.clear()
                _PREPARED[key] = prepared
        query = prepared
    return _validate_sparql_query(self, query, init_binds, target_graph)


if getattr(SPARQLBasedConstraint._validate_sparql_query, "__name__", "") != "_prepared_sparql_query":
    SPARQLBasedConstraint._validate_sparql_query = _prepared_sparql_query

# 4. Generic result messages (`make_generic_messages`, SHACL §3.6.2.4 allows a result without
#    sh:resultMessage): pyshacl writes one for every result of a shape without `sh:message`, and
#    for a blank focus node it spells out the node's whole tree ("Less than 1 values on [ dcat:
#    keyword ... ; dct:creator [ ... ] ]"): half of the validation time of a Dataverse record,
#    whose nodes are blank. The registry shows pyshacl's generic message only when it has no
#    message of its own for the component (`report.pick_message`), so during the registry's runs
#    without an RDF report (the thread-local flag `_QUIET.skip_generic`) it is not written for
#    those components (`messages.has_default_message`). The RDF report keeps every message.
#    `ALL_GENERIC_MESSAGES = True` writes them all again (tests and benchmarks compare the two).
ALL_GENERIC_MESSAGES = False
_make_v_result = ConstraintComponent.make_v_result


def _make_v_result_lean(self, datagraph, focus_node, value_node=None, result_path=None, constraint_component=None,
                        *args, **kwargs):
    skip = getattr(_QUIET, "skip_generic", False) and has_default_message(
        constraint_component or self.shacl_constraint_component)
    _QUIET.generic_unused = skip
    try:
        return _make_v_result(self, datagraph, focus_node, value_node, result_path, constraint_component, *args, **kwargs)
    finally:
        _QUIET.generic_unused = False


def _unless_unused(make_generic_messages):
    def generic_messages(self, datagraph, focus_node, value_node):
        if getattr(_QUIET, "generic_unused", False):
            return []
        return make_generic_messages(self, datagraph, focus_node, value_node)

    generic_messages.registry_wrapped = True  # type: ignore[attr-defined]
    return generic_messages


def _component_classes(cls) -> list:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_component_classes(sub))
    return out


if getattr(ConstraintComponent.make_v_result, "__name__", "") != "_make_v_result_lean":
    ConstraintComponent.make_v_result = _make_v_result_lean
    for _cls in _component_classes(ConstraintComponent):
        _own = _cls.__dict__.get("make_generic_messages")
        if _own is not None and not getattr(_own, "registry_wrapped", False):
            _cls.make_generic_messages = _unless_unused(_own)

# 5. `Shape.__str__` (built for pyshacl's debug log lines, formatted whether logged or not) reads
#    the shapes graph on every call; a shape's text never changes. Kept beside its `ShapesGraph`
#    (shapes have __slots__), so it goes when the compiled shapes go.
_shape_str = pyshacl.shape.Shape.__str__


def _shape_text(self) -> str:
    texts = self.sg.__dict__.setdefault("_registry_shape_texts", {})
    text = texts.get(self)
    if text is None:
        text = texts[self] = _shape_str(self)
    return text


if getattr(pyshacl.shape.Shape.__str__, "__name__", "") != "_shape_text":
    pyshacl.shape.Shape.__str__ = _shape_text  # type: ignore[method-assign]

OPTIONS = {
    "inference": "none",
    "advanced": False,
    "inplace": True,  # the data graph is ours and thrown away: no copy
    "allow_warnings": True,  # conforms = no sh:Violation (sh:Warning / sh:Info do not fail a record)
    "allow_infos": True,
    "abort_on_first": False,
    "use_js": False,
    "sparql_mode": False,
    "iterate_rules": False,
    "debug": False,
    "focus_nodes": None,
    "use_shapes": None,
}


# --- terms ---------------------------------------------------------------------------------------


def encode_ox(term) -> tuple:
    """A pyoxigraph term as a tuple (cheap to pickle)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.BlankNode):
        return ("B", term.value)
    dt = term.datatype.value
    return ("L", term.value, None if dt == _XSD_STRING or term.language else dt, term.language)


def encode_triples_ox(triples) -> list[tuple]:
    return [(encode_ox(t.subject), encode_ox(t.predicate), encode_ox(t.object)) for t in triples]


def decode_term(t: tuple):
    kind = t[0]
    if kind == "I":
        return URIRef(t[1])
    if kind == "B":
        return BNode(t[1])
    if t[3]:
        return Literal(t[1], lang=t[3])
    if t[2]:
        return Literal(t[1], datatype=URIRef(t[2]))
    return Literal(t[1])


def encode_rdflib(term) -> tuple:
    if isinstance(term, URIRef):
        return ("I", str(term))
    if isinstance(term, BNode):
        return ("B", str(term))
    dt = term.datatype
    return ("L", str(term), str(dt) if dt is not None and str(dt) != _XSD_STRING else None, term.language)


#: decoded terms, shared by the records a process validates (vocabulary IRIs and literals come
#: back record after record; rdflib terms are immutable, and a `Literal` costs a lexical parse)
_TERMS: dict[tuple, Any] = {}
_MAX_TERMS = 100_000


def graph_from_tuples(triples: list[tuple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    graph = graph if graph is not None else rdflib.Graph()
    add = graph.add
    cache = _TERMS
    if len(cache) > _MAX_TERMS:
        cache.clear()
    for s, p, o in triples:
        terms = []
        for t in (s, p, o):
            term = cache.get(t)
            if term is None:
                term = cache[t] = decode_term(t)
            terms.append(term)
        add(tuple(terms))
    return graph


def node_id(term) -> str:
    """How a node is written in the JSON view: the IRI, `_:id` for a blank node, the lexical form
    of a literal."""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# --- shapes ----------------------------------------------------------------------------------------


class ShapesLookupGraph(rdflib.Graph):
    """The rdflib graph of compiled shapes: once `freeze()` is called, each triple pattern's
    matches are kept (pyshacl reads the same shape parameters, targets and paths for every
    record: ~500 lookups per record, each a walk of rdflib's context-aware memory store). Any
    change (add, addN, remove) forgets them, so a lookup never answers from a stale graph.
    Property-path patterns (rdflib `Path` predicates) are not kept."""

    _memo: dict | None = None
    MAX_PATTERNS = 100_000

    def freeze(self) -> None:
        self._memo = {}

    def triples(self, triple):  # type: ignore[override]
        memo = self._memo
        if memo is None or isinstance(triple[1], Path):
            return super().triples(triple)
        hit = memo.get(triple)
        if hit is None:
            if len(memo) >= self.MAX_PATTERNS:
                memo.clear()
            hit = memo[triple] = tuple(super().triples(triple))
        return iter(hit)

    def _forget(self) -> None:
        if self._memo is not None:
            self._memo = {}

    def add(self, triple):  # type: ignore[override]
        self._forget()
        return super().add(triple)

    def addN(self, quads):  # type: ignore[override]  # noqa: N802 - rdflib's name
        self._forget()
        return super().addN(quads)

    def remove(self, triple):  # type: ignore[override]
        self._forget()
        return super().remove(triple)



class CompiledShapes:
    """A shapes graph (SHACL §3) parsed once, with pyshacl's `ShapesGraph` built once."""

    def __init__(self, graph: rdflib.Graph):
        self.graph = graph
        self.shapes_graph = ShapesGraph(graph, False, _LOG)
        _ = self.shapes_graph.shapes  # harvest the shapes now (SHACL §2.1), not on the first record
        if isinstance(graph, ShapesLookupGraph):
            graph.freeze()  # from here on the graph is only read
        # per shape / path / (shape, component, value): the shapes graph never changes
        self._labels: dict[Any, dict[str, str]] = {}
        self._custom: dict[Any, bool] = {}
        self._paths: dict[Any, str] = {}
        self._defaults: dict[tuple, dict[str, str]] = {}

    @classmethod
    def from_tuples(cls, triples: list[tuple]) -> "CompiledShapes":
        return cls(graph_from_tuples(triples, ShapesLookupGraph()))

    def labels(self, shape) -> dict[str, str]:
        """`sh:name` of a property shape (SHACL §2.3.3, non-validating property) by language."""
        out = self._labels.get(shape)
        if out is None:
            out = {}
            for name in self.graph.objects(shape, SH.name):
                if isinstance(name, Literal):
                    out.setdefault(name.language or "", str(name))
            if len(self._labels) < 10_000:
                self._labels[shape] = out
        return dict(out)

    def has_message(self, shape) -> bool:
        custom = self._custom.get(shape)
        if custom is None:
            custom = any(True for _ in self.graph.objects(shape, SH.message))
            if len(self._custom) < 10_000:
                self._custom[shape] = custom
        return custom

    def path_text(self, path) -> str:
        """`render_path` of a result path, as the report graph would render it: pyshacl copies a
        blank-node path into the report with `clone_blank_node` (keeping ids), so a path is rendered
        from such a copy (made once per path node)."""
        text = self._paths.get(path)
        if text is None:
            if isinstance(path, BNode):
                copy = rdflib.Graph(bind_namespaces="none")
                clone_blank_node(self.graph, path, copy, keepid=True)
                text = render_path(copy, path)
            else:
                text = render_path(self.graph, path)
            if len(self._paths) < 10_000:
                self._paths[path] = text
        return text

    def default_messages(self, shape, component, value) -> dict[str, str]:
        key = (shape, component, value, type(value))
        out = self._defaults.get(key)
        if out is None:
            out = default_messages(self.graph, shape, component, value)
            if len(self._defaults) < 20_000:
                self._defaults[key] = out
        return dict(out)


class _Run(Validator):
    """pyshacl's Validator with a ready `ShapesGraph` (its constructor would rebuild one)."""

    def __init__(self, data_graph: DataGraph, shapes: ShapesGraph):  # noqa: D401 - deliberately not calling super
        options = dict(OPTIONS, logger=_LOG)
        self._load_default_options(options)
        self.options = options
        self.logger = _LOG
        self.debug = False
        self.pre_inferenced = False
        self.inplace = True
        self.data_graph = data_graph
        self._target_graph = None
        self.ont_graph = None
        self.data_graph_is_multigraph = False
        self.shacl_graph = shapes
        self.want_rdf = False
        self.raw_results: list = []

    def create_validation_report(self, sg, conforms: bool, results: list):  # noqa: D401 - pyshacl's hook
        """Keep pyshacl's results as they are; build its report graph (and text) only when the RDF
        report is asked for."""
        self.raw_results = results
        if self.want_rdf:
            return Validator.create_validation_report(sg, conforms, results)
        return None, ""


# --- validation ----------------------------------------------------------------------------------


def validate(compiled: CompiledShapes, data: rdflib.Graph, *, want_rdf: bool = False) -> dict[str, Any]:
    """Validate `data` against `compiled` (SHACL §3.4 validation of a data graph).

    Returns {"conforms": no sh:Violation, "results": [...], "report": [triples as tuples] | None}.
    The JSON results are read from pyshacl's result list directly (the same values its report
    graph holds, see `_Run.create_validation_report`); the report graph is built only for
    `want_rdf`."""
    run = _Run(DataGraph.from_rdflib(data), compiled.shapes_graph)
    run.want_rdf = want_rdf
    _QUIET.on = True
    _QUIET.skip_generic = not want_rdf and not ALL_GENERIC_MESSAGES  # see 4. above
    try:
        conforms, report, _text = run.run()
    finally:
        _QUIET.on = False
        _QUIET.skip_generic = False
        # pyshacl keeps every stringified blank node in a process-wide dict keyed by (id(graph),
        # node id), never emptied: it grows with every record, and a later record's graph can
        # reuse a freed graph's id (the lifted Dataverse records all have `_:dataset`)
        stringify_blank_node.dict_cache.clear()
    # top-level results only (SHACL §3.6.1 sh:result); nested ones hang below them as sh:detail
    results = [_result_json(compiled, node, r_triples) for _desc, node, r_triples in run.raw_results]
    results.sort(key=lambda r: (r["focus_node"], r["path"] or "", r["source_shape"], r["constraint_component"], r["value"] or ""))
    out: dict[str, Any] = {"conforms": bool(conforms), "results": results, "report": None}
    if want_rdf:
        out["report"] = [(encode_rdflib(s), encode_rdflib(p), encode_rdflib(o)) for s, p, o in report]
    return out


def render_path(graph: rdflib.Graph, path, depth: int = 0) -> str:
    """A SHACL property path (§2.3.1) in SPARQL property path syntax."""
    if depth > 20:
        return "…"
    if isinstance(path, URIRef):
        return f"<{path}>"
    items = list(rdflib.collection.Collection(graph, path)) if (path, RDF.first, None) in graph else None
    if items is not None:
        return "/".join(render_path(graph, i, depth + 1) for i in items)
    for predicate, template in (
        (SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            text = render_path(graph, inner, depth + 1)
            simple = isinstance(inner, URIRef) or text.startswith("(")
            return template.format(text if simple else f"({text})")
    alt = graph.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(render_path(graph, i, depth + 1) for i in rdflib.collection.Collection(graph, alt)) + ")"
    return node_id(path)


_FOCUS, _PATH, _VALUE, _SEVERITY = SH.focusNode, SH.resultPath, SH.value, SH.resultSeverity
_COMPONENT, _SHAPE, _MESSAGE = SH.sourceConstraintComponent, SH.sourceShape, SH.resultMessage
_WANTED = frozenset((_FOCUS, _PATH, _VALUE, _SEVERITY, _COMPONENT, _SHAPE))


def _result_json(compiled: CompiledShapes, node, r_triples) -> dict[str, Any]:
    """One result from pyshacl's (subject, predicate, object) triples of result `node` (they also
    hold nested results, `sh:detail`, under other subjects). An object given as (source graph,
    node) is what the report graph would hold: the node itself (pyshacl copies blank nodes keeping
    their ids, so `_:id` is the same)."""
    first: dict[Any, Any] = {}
    messages_raw = []
    for r, p, o in r_triples:
        if r != node:
            continue
        if isinstance(o, tuple):
            o = o[1]
            if isinstance(o, URIRef):
                o = URIRef(str(o))
        if p == _MESSAGE:
            messages_raw.append(o)
        elif p in _WANTED and p not in first:
            first[p] = o
    focus, path, value = first.get(_FOCUS), first.get(_PATH), first.get(_VALUE)
    severity, component, shape = first.get(_SEVERITY), first.get(_COMPONENT), first.get(_SHAPE)
    messages: dict[str, str] = {}
    for m in sorted(set(messages_raw), key=str):
        if isinstance(m, Literal):
            messages.setdefault(m.language or "", str(m))
    item = {
        "focus_node": node_id(focus) if focus is not None else None,
        "path": compiled.path_text(path) if path is not None else None,
        "value": node_id(value) if value is not None else None,
        "value_is_literal": isinstance(value, Literal),
        "severity": SEVERITIES.get(str(severity), str(severity)),
        "constraint_component": str(component) if component is not None else None,
        "source_shape": node_id(shape) if shape is not None else None,
        "names": compiled.labels(shape) if shape is not None else {},
        "messages": messages,
        "custom_message": compiled.has_message(shape) if shape is not None else False,
        "default_messages": compiled.default_messages(shape, component, value) if shape is not None else {},
    }
    if item["path"] and item["path"].startswith("<") and item["path"].endswith(">") and item["path"].count("<") == 1:
        item["path"] = item["path"][1:-1]
    return item
