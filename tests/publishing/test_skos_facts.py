"""The SKOS checks of a publication are answered from the one parse of the document
(`registry.publishing.skos_facts`, issue 16 "Speed and size") instead of SPARQL over the loaded
graph. Their findings must be exactly the SPARQL checks' (`check_vocabulary`, kept as the
reference): same findings, same offenders, same order, same severities under each policy."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from registry.publishing import Finding, check_vocabulary, has_errors
from registry.publishing.iri_scan import scan_iris
from registry.publishing.skos_checks import check_vocabulary_facts

from .helpers import PREFIXES, STAGING, vocab_store
from .test_skos_checks import EXPECTED_INTEGRITY, GOOD, VOCABULARIES

EXTRAS = [
    "",
    "ex:sem a skos:ConceptScheme .",
    'ex:tem skos:hiddenLabel "TEM"@en .',
    'ex:sem skos:hiddenLabel "MEB"@fr . ex:sem skos:altLabel "microscopie électronique à balayage"@fr .',
    'ex:sem skos:prefLabel "SEM microscopy"@en .',
    'ex:sem skos:prefLabel "Microscopie EB"@FR .',
    "ex:sem skos:related ex:microscopy .",
    "ex:microscopy skos:narrower ex:x . ex:x a skos:Concept ; skos:inScheme ex:scheme ; "
    'skos:prefLabel "x"@en ; skos:related ex:microscopy .',
    "ex:coll a skos:Collection, skos:Concept ; skos:member ex:sem .",
    "ex:coll a skos:OrderedCollection, skos:ConceptScheme .",
    "ex:tem skos:broadMatch <https://other.example/tem> .",
    "<https://other.example/tem> skos:relatedMatch ex:tem .",
    '_:b a skos:Concept ; skos:prefLabel "anonymous"@en .',
    'ex:n a skos:Concept ; skos:inScheme ex:scheme ; skos:broader ex:sem ; skos:definition "d"@en .',
    'ex:n a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "n"@en ; skos:definition "d"@en .',
    'ex:a a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "a"@en ; skos:definition "d"@en ; '
    'skos:broader ex:b . ex:b a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "b"@en ; '
    'skos:definition "d"@en ; skos:broader ex:a . ex:c a skos:Concept ; skos:broaderTransitive ex:c .',
    'ex:sem skos:altLabel " SEM imaging"@en, "SEM  imaging"@en, "SEM\u00a0"@en .',
    'ex:tem skos:altLabel "T\u00a0\u00a0E"@en, "T\u2028\u3000M"@fr, "\u3000TEM"@de, "TEM\u1680"@it, "T E M"@es, "Tém\u00e9"@pt .',
    'ex:n a skos:Concept ; skos:broader ex:sem ; skos:prefLabel "n"@en ; skos:definition "d"@en .',
    'ex:sem skos:altLabel "S.E.M." ; skos:scopeNote "no language" ; skos:notation "N1"^^xsd:token .',
    'ex:n a skos:Concept ; skos:inScheme ex:scheme ; skos:broader ex:sem ; skos:prefLabel "n"@en .',
    "ex:tem skos:topConceptOf ex:scheme .",
    "ex:tem owl:deprecated true .",
    # the same triple twice: the store keeps it once, and so must the counts
    'ex:sem skos:prefLabel "SEM microscopy"@en, "SEM microscopy"@en ; skos:broader ex:microscopy .',
    "".join(f'ex:n{i} a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "n{i}"@en, "m{i}"@en .\n'
            for i in range(30)),
    # a chain deeper than the cycle search peels (`_Hierarchy._not_peeled`) below a cycle
    "".join(f"ex:d{i} skos:broader ex:d{i + 1} .\n" for i in range(200))
    + "ex:d200 skos:broader ex:c1 . ex:c1 skos:broader ex:c2 . ex:c2 skos:narrower ex:c1 . ex:c2 skos:broader ex:c1 .",
]


def _masked(findings):
    """Findings with blank-node labels masked: the store names a document's blank nodes anew,
    the parse keeps the document's own labels (`_:b` above)."""
    mask = lambda v: re.sub(r"_:[A-Za-z0-9]+", "_:", v) if isinstance(v, str) else v  # noqa: E731
    return [Finding(**{k: mask(v) for k, v in vars(f).items()}) for f in findings]


def _both(ttl: str, **kw):
    store, query = vocab_store(ttl)
    scan = scan_iris((PREFIXES + ttl).encode(), ox.RdfFormat.TURTLE, [], skos=True)
    return check_vocabulary(query, **kw), check_vocabulary_facts(scan.facts, query, **kw)


@pytest.mark.parametrize("extra", EXTRAS)
@pytest.mark.parametrize("policy", ["warn", "strict"])
def test_findings_from_the_parse_are_the_sparql_findings(extra, policy):
    for kw in ({}, {"limit_per_check": 5, "count_cap": 12}):
        sparql, parsed = _both(GOOD + extra, policy=policy, **kw)
        assert _masked(parsed) == _masked(sparql)
        if "_:" not in extra:
            assert parsed == sparql


def test_no_scheme_from_the_parse():
    sparql, parsed = _both(GOOD.replace("ex:scheme a skos:ConceptScheme ;", "ex:scheme a ex:Thing ;"))
    assert parsed == sparql
    assert [f.code for f in parsed if f.severity == "error"] == ["vocabulary-scheme-count"]


@pytest.mark.parametrize("name", sorted(VOCABULARIES))
def test_real_vocabularies_give_the_same_findings(shared_data, name):
    path = shared_data / "vocabularies" / name
    store = ox.Store()
    store.bulk_load(path=str(path), format=VOCABULARIES[name], to_graph=STAGING)
    query = lambda q: store.query(q, default_graph=[STAGING])  # noqa: E731
    facts = scan_iris(path, VOCABULARIES[name], [], skos=True).facts
    for policy in ("warn", "strict"):
        parsed = check_vocabulary_facts(facts, query, policy=policy)
        assert parsed == check_vocabulary(query, policy=policy)
        assert has_errors(parsed) == (policy == "strict" and bool(EXPECTED_INTEGRITY[name]))
