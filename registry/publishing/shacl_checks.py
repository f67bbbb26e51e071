"""Well-formedness of a profile's shapes graph, checked with SHACL-for-SHACL.

The shapes graph is validated as *data* against the W3C "SHACL for SHACL" shapes graph
(SHACL Recommendation, Appendix C, https://www.w3.org/TR/shacl/#shacl-shacl), shipped in
``shapes/shacl-shacl.ttl``. The publisher's shapes are never executed here: only the shsh shapes run,
with no inference, no SHACL-AF (``advanced=False``) and ``owl:imports`` never followed.
Features the registry refuses (sh:js, SHACL-AF, SERVICE...) are the business of :mod:`.lint`.
"""

from __future__ import annotations

from functools import lru_cache

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH

from .findings import Finding, error
from .resources import SHACL_SHACL, shapes_dir

CODE = "shacl-ill-formed"


@lru_cache(maxsize=1)
def _shacl_shacl_text() -> str:
    return (shapes_dir() / SHACL_SHACL).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def shacl_shacl_graph() -> rdflib.Graph:
    """The parsed SHACL-for-SHACL graph, parsed once per process. Treat it as read-only."""
    return rdflib.Graph().parse(data=_shacl_shacl_text(), format="turtle")


def _term_id(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def check_shapes(shapes: rdflib.Graph) -> list[Finding]:
    """Validate ``shapes`` against SHACL-for-SHACL; one ``shacl-ill-formed`` error per violation.

    Syntax rules covered are those of the shsh graph (SHACL §C): e.g. ``sh:minCount`` must be one
    ``xsd:integer``, ``sh:path`` must be a well-formed property path, a shape cannot be both a node
    shape and a property shape, ``sh:in`` must be a well-formed list.
    """
    try:
        conforms, report, _text = pyshacl.validate(
            shapes,
            shacl_graph=shacl_shacl_graph(),
            inference="none",
            advanced=False,
            do_owl_imports=False,
            allow_warnings=False,
            meta_shacl=False,
        )
    except Exception as exc:  # pyshacl reports malformed input by raising
        return [error(CODE, f"The shapes graph could not be checked against SHACL-for-SHACL: {exc}")]
    if conforms:
        return []
    findings: list[Finding] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        msg = report.value(result, SH.resultMessage)
        source = report.value(result, SH.sourceShape)
        where = _term_id(focus)
        text = f"Ill-formed SHACL at {where}"
        if path is not None:
            text += f", property {_term_id(path)}"
        text += f": {msg}" if msg is not None else " (violates a SHACL syntax rule)"
        if isinstance(source, rdflib.URIRef):
            text += f" [{source.n3(shacl_shacl_graph().namespace_manager)}]"
        findings.append(
            error(CODE, text, focus=where, path=_term_id(path), value=_term_id(value) if value is not None else None)
        )
    if not findings:  # not conforming but no result node: still an error
        findings.append(error(CODE, "The shapes graph does not conform to SHACL-for-SHACL."))
    findings.sort(key=lambda f: (f.focus or "", f.path or "", f.message))
    return findings
