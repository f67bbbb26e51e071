"""What a publication may point at: known vocabularies, the community's namespaces, IRI schemes."""

from __future__ import annotations

import re
from collections.abc import Iterable

import rdflib
from rdflib.namespace import RDF, SH, SKOS

from registry.iri_schemes import SCRIPT_SCHEMES, USUAL_SCHEMES, iri_scheme

from .findings import Finding, error, warning

MAX_LIST_LENGTH = 100_000
MAX_LISTED_OFFENDERS = 20

#: Security (issue 12): a "." or ".." path segment, plain or percent-encoded (RFC 3986 §2.3:
#: %2E is the unreserved ".", and §6.2.2.2 normalises it back). Clients remove such segments
#: (§5.2.4, §6.2.2.3), so `https://w3id.org/laba/../labb/x` starts with community A's namespace
#: as a string but names community B's resource once resolved. IRIs in owned positions may not
#: have them (simpler and safer than normalising before the check, and no real IRI needs them).
DOT_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*(?:/[^?#]*)?/(?:\.|%2[eE]){1,2}(?:[/?#]|$)")
#: Cheap store-side pre-filter for the same (SPARQL `CONTAINS`, lower-cased): exact test in Python.
DOT_SEGMENT_HINTS = ("/.", "/%2e")


def has_dot_segment(iri: str) -> bool:
    return DOT_SEGMENT.search(iri) is not None


def _node_id(node: rdflib.term.Node) -> str:
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def rdf_list_items(graph: rdflib.Graph, head: rdflib.term.Node) -> list[rdflib.term.Node]:
    """Members of an RDF list, stopping at a cycle, a fork or ``MAX_LIST_LENGTH`` (never loops)."""
    items: list[rdflib.term.Node] = []
    seen: set[rdflib.term.Node] = set()
    node = head
    while node != RDF.nil and node not in seen and len(items) < MAX_LIST_LENGTH:
        seen.add(node)
        first = graph.value(node, RDF.first)
        if first is None:
            break
        items.append(first)
        node = graph.value(node, RDF.rest) or RDF.nil
    return items


def _scheme_references(shapes: rdflib.Graph) -> dict[str, set[str]]:
    """scheme IRI -> ids of the property shapes that reference it."""
    refs: dict[str, set[str]] = {}
    for shape in set(shapes.subjects(SH.path, SKOS.inScheme)):
        values = list(shapes.objects(shape, SH.hasValue))
        for lst in shapes.objects(shape, SH["in"]):
            values.extend(rdf_list_items(shapes, lst))
        for v in values:
            if isinstance(v, rdflib.URIRef):
                refs.setdefault(str(v), set()).add(_node_id(shape))
    return refs


def referenced_schemes(shapes: rdflib.Graph) -> set[str]:
    """IRIs of the concept schemes a shapes graph references.

    The registry's convention: a property whose values must come from a vocabulary is written
    ``sh:node [ sh:property [ sh:path skos:inScheme ; sh:hasValue <scheme> ] ]`` (or
    ``sh:in ( <scheme> ... )`` on that ``skos:inScheme`` path, for a choice of schemes)."""
    return set(_scheme_references(shapes))


def check_vocabulary_references(shapes: rdflib.Graph, known_schemes: set[str]) -> list[Finding]:
    """``unknown-vocabulary`` error for each referenced scheme that is neither in the registry nor in
    the same publication (``known_schemes`` is the union of both, computed by the caller)."""
    findings = []
    for scheme, shape_ids in sorted(_scheme_references(shapes).items()):
        if scheme in known_schemes:
            continue
        for shape_id in sorted(shape_ids):
            findings.append(
                error(
                    "unknown-vocabulary",
                    f"Shape {shape_id} requires values in concept scheme <{scheme}>, which is neither "
                    "registered nor part of this publication.",
                    focus=shape_id,
                    path=str(SKOS.inScheme),
                    value=scheme,
                )
            )
    return findings


def check_namespace(graph_subject_iris: Iterable[str], namespaces: list[str]) -> list[Finding]:
    """``namespace-outside-community`` error for each subject IRI that starts with none of the
    community's namespaces (blank nodes, given as ``_:id``, are skipped). The first
    ``MAX_LISTED_OFFENDERS`` are listed, then one finding with the count of the others."""
    prefixes = tuple(ns for ns in namespaces if ns)
    findings: list[Finding] = []
    extra = 0
    seen: set[str] = set()
    for iri in graph_subject_iris:
        if iri.startswith("_:") or iri in seen:
            continue
        seen.add(iri)
        if has_dot_segment(iri):
            findings.append(
                error(
                    "iri-dot-segment",
                    f"<{iri}> has a '.' or '..' path segment (plain or percent-encoded): clients remove it "
                    "(RFC 3986 §5.2.4), so the IRI may name another namespace than the one it starts with. "
                    "Write the IRI without dot segments.",
                    focus=iri,
                )
            )
            continue
        if prefixes and iri.startswith(prefixes):
            continue
        if len(findings) < MAX_LISTED_OFFENDERS:
            allowed = ", ".join(f"<{ns}>" for ns in prefixes) or "(the community has no namespace)"
            findings.append(
                error(
                    "namespace-outside-community",
                    f"<{iri}> is outside the community's namespaces: {allowed}.",
                    focus=iri,
                )
            )
        else:
            extra += 1
    if extra:
        findings.append(
            error(
                "namespace-outside-community",
                f"... and {extra} more subject IRIs outside the community's namespaces.",
            )
        )
    return findings


def check_iri_schemes(iris: Iterable[str]) -> list[Finding]:
    """Issue 12 (item 3): an IRI whose scheme lets a browser run script or render a document
    (``javascript:``, ``vbscript:``, ``data:``; see `registry.iri_schemes`) is an error
    ``script-iri``; any scheme other than http, https and urn is a warning ``unusual-iri-scheme``
    (the UI shows such IRIs as text, never as links). The first ``MAX_LISTED_OFFENDERS`` of each
    are listed."""
    errors: list[Finding] = []
    warnings: list[Finding] = []
    for iri in dict.fromkeys(iris):
        scheme = iri_scheme(iri)
        if scheme in SCRIPT_SCHEMES:
            if len(errors) < MAX_LISTED_OFFENDERS:
                errors.append(error(
                    "script-iri",
                    f"<{iri}> has the {scheme}: scheme, which a browser would run or render; "
                    "use an http(s) IRI or a literal.",
                    value=iri,
                ))
        elif scheme not in USUAL_SCHEMES and not iri.startswith("_:"):
            if len(warnings) < MAX_LISTED_OFFENDERS:
                warnings.append(warning(
                    "unusual-iri-scheme",
                    f"<{iri}> is not an http(s) or urn IRI: pages show it as text, not as a link.",
                    value=iri,
                ))
    return errors + warnings
