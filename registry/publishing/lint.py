"""Features of SHACL the registry refuses, and risky constructs in a profile's shapes.

The registry validates records with SHACL Core and SHACL-SPARQL constraints (SHACL §5-6) run by
pySHACL with ``advanced=False`` and no imports. It refuses at publish time:

* SHACL-JS (W3C Note "SHACL JavaScript Extensions"): any ``sh:js*`` / ``sh:JS*`` term;
* SHACL Advanced Features (W3C Note "SHACL-AF"): rules (§8, ``sh:rule``, ``sh:TripleRule``,
  ``sh:SPARQLRule``), custom and SPARQL-based targets (§5, ``sh:target``, ``sh:SPARQLTarget``,
  ``sh:SPARQLTargetType``), SHACL functions (§3, ``sh:SPARQLFunction``);
* SPARQL text that uses ``SERVICE`` (federation, SPARQL 1.1 Federated Query) or SPARQL Update
  (``sh:update``, ``LOAD``, ``INSERT``, ``DELETE``...), however written (see :mod:`.sparql_text`);
* ``sh:pattern`` regexes that Python ``re`` rejects or that can backtrack catastrophically
  (see :mod:`.regex_safety`).

``owl:imports`` is reported as a warning: the registry never follows it (OWL 2 §3.4 imports are
not part of SHACL validation and would fetch arbitrary URLs).
"""

from __future__ import annotations

import re

import rdflib
from rdflib.namespace import OWL, SH

from .findings import Finding, error, warning
from .references import check_iri_schemes, check_namespace, check_vocabulary_references, referenced_schemes
from .regex_safety import MAX_PATTERN_LENGTH, catastrophic_reason, python_flags
from .sparql_text import mentions_service, update_keywords, valid_namespace, valid_prefix

__all__ = ["lint_shapes", "check_vocabulary_references", "referenced_schemes", "check_namespace", "check_iri_schemes"]

_SH = str(SH)
RULE_TERMS = {SH.rule, SH.Rule, SH.TripleRule, SH.SPARQLRule}
TARGET_TERMS = {SH.target, SH.Target, SH.TargetType, SH.SPARQLTarget, SH.SPARQLTargetType}
FUNCTION_TERMS = {SH.Function, SH.SPARQLFunction}
SPARQL_TEXT = {SH.select, SH.ask, SH.construct, SH.update}


def _id(node: rdflib.term.Node) -> str:
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def _is_js(term: rdflib.term.Node) -> bool:
    if not isinstance(term, rdflib.URIRef) or not term.startswith(_SH):
        return False
    return term[len(_SH):].lower().startswith("js")


def _refusal(shapes: rdflib.Graph, p: rdflib.term.Node, o: rdflib.term.Node, term: rdflib.term.Node) -> tuple[str, str] | None:
    """(finding code, the rest of the sentence after "<shape> uses <term>") when `term`, the
    predicate `p` or the object `o` of a triple, is a SHACL feature the registry does not run."""
    if _is_js(term):
        return "forbidden-sh-js", ": SHACL-JS is not supported by the registry."
    if term in RULE_TERMS:
        return "forbidden-rule", ": SHACL-AF rules are not run by the registry."
    if term in TARGET_TERMS:
        sparql = p == SH.target and ((o, SH.select, None) in shapes or (o, SH.ask, None) in shapes)
        what = "a SPARQL-based target" if sparql or "SPARQL" in term else "a SHACL-AF custom target"
        return "forbidden-sparql-target", f" ({what}): only SHACL Core targets are allowed."
    if term in FUNCTION_TERMS:
        return "forbidden-sparql-function", ": SHACL-AF functions are not supported."
    return None


def _forbidden_terms(shapes: rdflib.Graph) -> list[Finding]:
    out: list[Finding] = []
    for s, p, o in shapes:
        for term in (p, o):
            if refusal := _refusal(shapes, p, o, term):
                code, why = refusal
                out.append(error(code, f"{_id(s)} uses {term}{why}", focus=_id(s), path=str(p), value=_id(o)))
        if p == SH.update:
            out.append(error("forbidden-update",
                             f"{_id(s)} has sh:update: SPARQL Update is never run by the registry.",
                             focus=_id(s), path=str(p)))
    return out


def _sparql_text(shapes: rdflib.Graph) -> list[Finding]:
    out: list[Finding] = []
    for p in sorted(SPARQL_TEXT | {SH.prefix, SH.namespace}):
        for s, o in shapes.subject_objects(p):
            text = str(o)
            if mentions_service(text):
                out.append(error("forbidden-service",
                                 f"The SPARQL text of {p} on {_id(s)} "
                                 "uses SERVICE (federated query), which the registry refuses.",
                                 focus=_id(s), path=str(p), value=text[:200]))
            if p in SPARQL_TEXT:
                words = update_keywords(text)
                if words:
                    out.append(error("forbidden-update",
                                     f"The SPARQL text of {p} on {_id(s)} uses SPARQL Update keywords "
                                     f"({', '.join(sorted(words))}).",
                                     focus=_id(s), path=str(p), value=text[:200]))
            elif p == SH.prefix and not valid_prefix(text):
                out.append(error("invalid-prefix-declaration",
                                 f"sh:prefix {text[:80]!r} on {_id(s)} is not a SPARQL prefix name.",
                                 focus=_id(s), path=str(p), value=text[:200]))
            elif p == SH.namespace and not valid_namespace(text):
                out.append(error("invalid-prefix-declaration",
                                 f"sh:namespace {text[:80]!r} on {_id(s)} is not an IRI that can be "
                                 "written between < and >.",
                                 focus=_id(s), path=str(p), value=text[:200]))
    return out


def _patterns(shapes: rdflib.Graph) -> list[Finding]:
    out: list[Finding] = []
    for s, o in shapes.subject_objects(SH.pattern):
        pattern = str(o)
        flags_lit = shapes.value(s, SH.flags)
        kw = dict(focus=_id(s), path=str(SH.pattern), value=pattern[:200])
        if len(pattern) > MAX_PATTERN_LENGTH:
            out.append(error("regex-too-long",
                             f"sh:pattern on {_id(s)} is longer than {MAX_PATTERN_LENGTH} characters.", **kw))
            continue
        flags = python_flags(str(flags_lit) if flags_lit is not None else None)
        try:
            re.compile(pattern, flags)
            why = catastrophic_reason(pattern, flags)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            out.append(error("regex-invalid",
                             f"sh:pattern {pattern[:80]!r} on {_id(s)} is not a valid regular expression: {exc}",
                             **kw))
            continue
        if why:
            out.append(error("regex-catastrophic",
                             f"sh:pattern {pattern[:80]!r} on {_id(s)} can backtrack catastrophically: {why}. "
                             "Rewrite it without nested or overlapping repetition.", **kw))
    return out


def _imports(shapes: rdflib.Graph) -> list[Finding]:
    return [
        warning("owl-imports-ignored",
                f"{_id(s)} owl:imports <{o}>: imports are never followed; publish or reference the "
                "imported shapes explicitly.",
                focus=_id(s), path=str(OWL.imports), value=_id(o))
        for s, o in shapes.subject_objects(OWL.imports)
    ]


def lint_shapes(shapes: rdflib.Graph) -> list[Finding]:
    """Refused features (errors) and ignored ``owl:imports`` (warnings) in a shapes graph."""
    findings = _forbidden_terms(shapes) + _sparql_text(shapes) + _patterns(shapes) + _imports(shapes)
    unique = dict.fromkeys(findings)  # frozen dataclass: hashable, keeps first-seen order
    return sorted(unique, key=lambda f: (f.severity != "error", f.code, f.focus or "", f.path or "", f.message))
