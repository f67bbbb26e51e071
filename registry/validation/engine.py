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
from typing import Any

import rdflib
import rdflib.plugins.sparql
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

# Never let a SPARQL constraint's FROM / FROM NAMED load a graph from a URL or a file.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

from pyshacl.graph_abstraction import DataGraph  # noqa: E402
from pyshacl.shapes_graph import ShapesGraph  # noqa: E402
from pyshacl.validator import Validator  # noqa: E402

from registry.validation.messages import default_messages  # noqa: E402

_LOG = logging.getLogger("registry.validation.pyshacl")
_LOG.setLevel(logging.ERROR)
_XSD_STRING = str(XSD.string)
SEVERITIES = {str(SH.Violation): "Violation", str(SH.Warning): "Warning", str(SH.Info): "Info"}

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


def graph_from_tuples(triples: list[tuple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    graph = graph if graph is not None else rdflib.Graph()
    add = graph.add
    cache: dict[tuple, Any] = {}
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


class CompiledShapes:
    """A shapes graph (SHACL §3) parsed once, with pyshacl's `ShapesGraph` built once."""

    def __init__(self, graph: rdflib.Graph):
        self.graph = graph
        self.shapes_graph = ShapesGraph(graph, False, _LOG)
        _ = self.shapes_graph.shapes  # harvest the shapes now (SHACL §2.1), not on the first record

    @classmethod
    def from_tuples(cls, triples: list[tuple]) -> "CompiledShapes":
        return cls(graph_from_tuples(triples))

    def labels(self, shape) -> dict[str, str]:
        """`sh:name` of a property shape (SHACL §2.3.3, non-validating property) by language."""
        out: dict[str, str] = {}
        for name in self.graph.objects(shape, SH.name):
            if isinstance(name, Literal):
                out.setdefault(name.language or "", str(name))
        return out


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


# --- validation ----------------------------------------------------------------------------------


def validate(compiled: CompiledShapes, data: rdflib.Graph, *, want_rdf: bool = False) -> dict[str, Any]:
    """Validate `data` against `compiled` (SHACL §3.4 validation of a data graph).

    Returns {"conforms": no sh:Violation, "results": [...], "report": [triples as tuples] | None}.
    """
    conforms, report, _text = _Run(DataGraph.from_rdflib(data), compiled.shapes_graph).run()
    # top-level results only (SHACL §3.6.1 sh:result); nested ones hang below them as sh:detail
    results = [
        _result_json(compiled, report, r)
        for node in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(node, SH.result)
    ]
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


def _result_json(compiled: CompiledShapes, report: rdflib.Graph, r) -> dict[str, Any]:
    focus = report.value(r, SH.focusNode)
    path = report.value(r, SH.resultPath)
    value = report.value(r, SH.value)
    severity = report.value(r, SH.resultSeverity)
    component = report.value(r, SH.sourceConstraintComponent)
    shape = report.value(r, SH.sourceShape)
    messages: dict[str, str] = {}
    for m in sorted(report.objects(r, SH.resultMessage), key=str):
        if isinstance(m, Literal):
            messages.setdefault(m.language or "", str(m))
    custom = any(True for _ in compiled.graph.objects(shape, SH.message)) if shape is not None else False
    item = {
        "focus_node": node_id(focus) if focus is not None else None,
        "path": render_path(report, path) if path is not None else None,
        "value": node_id(value) if value is not None else None,
        "value_is_literal": isinstance(value, Literal),
        "severity": SEVERITIES.get(str(severity), str(severity)),
        "constraint_component": str(component) if component is not None else None,
        "source_shape": node_id(shape) if shape is not None else None,
        "names": compiled.labels(shape) if shape is not None else {},
        "messages": messages,
        "custom_message": custom,
        "default_messages": default_messages(compiled.graph, shape, component, value) if shape is not None else {},
    }
    if item["path"] and item["path"].startswith("<") and item["path"].endswith(">") and item["path"].count("<") == 1:
        item["path"] = item["path"][1:-1]
    return item
