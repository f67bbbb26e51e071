"""The IRI checks of a vocabulary publication read the document once (`registry.publishing.iri_scan`)
instead of scanning the loaded graph three times (issue 16, speed). The findings must be those the
store scans gave: the SPARQL scans they replace are kept here as the reference."""

from __future__ import annotations

import pyoxigraph as ox

from registry.iri_schemes import USUAL_SCHEME_SPARQL_REGEX
from registry.publishing import DOT_SEGMENT_HINTS, check_iri_schemes, check_namespace
from registry.publishing.iri_scan import scan_iris
from registry.publishing.skos_checks import NOT_IN_SCHEME, UNDOCUMENTED, _rows
from registry.rdf import UNSAFE_IRI_CHARS

from .helpers import PREFIXES, STAGING, vocab_store

NAMESPACES = ["https://example.org/ns/"]

DOC = """
ex:scheme a skos:ConceptScheme ; skos:prefLabel "S"@en .
ex:a a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "a"@en ; skos:exactMatch <mailto:x@example.org> .
<https://elsewhere.example/b> a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "b"@en .
<https://example.org/ns/./c> a skos:Concept ; skos:prefLabel "c"@en .
<https://example.org/ns/%2E%2E/d> a skos:Concept ; skos:prefLabel "d"@en ; skos:related <javascript:alert(1)> .
<tag:example.org,2024:e> a skos:Concept ; skos:prefLabel "e"@en ; skos:broader ex:a .
ex:f a skos:Concept ; skos:prefLabel "f"@en ; skos:scopeNote "n"@en ; <urn:x:p> <data:text/html,hi> .
_:g a skos:Concept ; skos:prefLabel "g"@en .
"""


def _sparql_namespace_findings(store, namespaces):
    """The store scan `PublicationService._namespace_findings` ran before issue 16's speed work."""
    condition = " && ".join(f"!STRSTARTS(STR(?s), {ox.Literal(ns)})" for ns in namespaces) or "true"
    hints = " || ".join(f"CONTAINS(LCASE(STR(?s)), {ox.Literal(h)})" for h in DOT_SEGMENT_HINTS)
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && (({condition}) || {hints})) }} LIMIT 21",
                       default_graph=[STAGING])
    return check_namespace([row["s"].value for row in rows], namespaces)


def _sparql_scheme_findings(store):
    rows = store.query(
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?x ?o } UNION { ?s ?p ?x } "
        f"FILTER(isIRI(?x) && !REGEX(STR(?x), {ox.Literal(USUAL_SCHEME_SPARQL_REGEX)}, \"i\")) }} LIMIT 41",
        default_graph=[STAGING])
    return check_iri_schemes(row["x"].value for row in rows)


def _key(findings):
    return sorted((f.severity, f.code, f.message, f.focus or "", f.value or "") for f in findings)


def test_namespace_and_scheme_findings_are_those_of_the_store_scans():
    store, _query = vocab_store(DOC)
    scan = scan_iris((PREFIXES + DOC).encode(), ox.RdfFormat.TURTLE, NAMESPACES)
    namespace = check_namespace(scan.outside, NAMESPACES)
    schemes = check_iri_schemes(scan.unusual)
    assert _key(namespace) == _key(_sparql_namespace_findings(store, NAMESPACES))
    assert _key(schemes) == _key(_sparql_scheme_findings(store))
    # and they are the expected ones, not two empty lists
    assert {(f.code, f.focus) for f in namespace} == {
        ("namespace-outside-community", "https://elsewhere.example/b"),
        ("namespace-outside-community", "tag:example.org,2024:e"),
        ("iri-dot-segment", "https://example.org/ns/./c"),
        ("iri-dot-segment", "https://example.org/ns/%2E%2E/d"),
    }
    assert {(f.code, f.value) for f in schemes} == {
        ("script-iri", "javascript:alert(1)"), ("script-iri", "data:text/html,hi"),
        ("unusual-iri-scheme", "mailto:x@example.org"), ("unusual-iri-scheme", "tag:example.org,2024:e"),
    }
    assert scan.unsafe is None
    assert scan.triples == len(list(ox.parse((PREFIXES + DOC).encode(), ox.RdfFormat.TURTLE)))


def test_scan_caps_what_the_checks_read_and_keeps_document_order(tmp_path):
    lines = [f"<https://other.example/{i}> <https://example.org/ns/p> <https://example.org/ns/o> ." for i in range(50)]
    lines += [f"<https://example.org/ns/s> <https://example.org/ns/p> <mailto:m{i}@x.org> ." for i in range(60)]
    path = tmp_path / "many.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scan = scan_iris(path, ox.RdfFormat.N_TRIPLES, NAMESPACES)
    assert scan.outside == [f"https://other.example/{i}" for i in range(21)]
    assert scan.unusual == [f"mailto:m{i}@x.org" for i in range(41)]
    findings = check_namespace(scan.outside, NAMESPACES)
    assert len(findings) == 21 and "more" in findings[-1].message  # 20 listed, then the count
    assert scan.triples == 110


def test_unsafe_iri_is_found_in_any_position(tmp_path):
    bidi = "https://example.org/ns/x\u202eevil"
    assert UNSAFE_IRI_CHARS.search(bidi)
    for triple in (f"<{bidi}> <https://example.org/ns/p> \"v\" .",
                   f"<https://example.org/ns/s> <{bidi}> \"v\" .",
                   f"<https://example.org/ns/s> <https://example.org/ns/p> <{bidi}> ."):
        scan = scan_iris(triple.encode(), ox.RdfFormat.N_TRIPLES, NAMESPACES)
        assert scan.unsafe == bidi


_OLD_UNDOCUMENTED = """SELECT ?s WHERE { ?s a skos:Concept
  FILTER NOT EXISTS { ?s skos:definition ?d1 }
  FILTER NOT EXISTS { ?s skos:note|skos:scopeNote|skos:example|skos:historyNote|skos:editorialNote|skos:changeNote ?d2 } }"""
_OLD_NOT_IN_SCHEME = """SELECT ?s WHERE { ?s a skos:Concept
  FILTER NOT EXISTS { ?s skos:inScheme ?x }
  FILTER NOT EXISTS { ?s skos:topConceptOf|^skos:hasTopConcept ?y } }"""


def test_rewritten_skos_queries_find_the_same_concepts_in_the_same_order():
    doc = DOC + """
ex:h a skos:Concept ; skos:topConceptOf ex:scheme ; skos:prefLabel "h"@en ; skos:definition "d"@en .
ex:scheme skos:hasTopConcept ex:i . ex:i a skos:Concept ; skos:prefLabel "i"@en ; skos:example "x"@en .
ex:j a skos:Concept ; skos:inScheme ex:scheme ; skos:changeNote "c"@en .
"""
    _store, query = vocab_store(doc)
    for old, new in ((_OLD_UNDOCUMENTED, UNDOCUMENTED.sparql), (_OLD_NOT_IN_SCHEME, NOT_IN_SCHEME.sparql)):
        before = list(_rows(query, old, 100))
        after = list(_rows(query, new, 100))
        assert after == before
        assert len(before) >= 3  # the vocabulary has offenders for both checks
