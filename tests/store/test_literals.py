"""Literals of a remote store's answers in the embedded store's form (`registry/store/literals.py`):
the forms Virtuoso 7.2 writes (docs/deployment.md, quirk table), in each answer syntax."""

from __future__ import annotations

import pyoxigraph as ox

from registry.store.literals import canonical_results, canonical_triple

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_sparql_json_results_in_either_key_order():
    virtuoso = (b'{ "head": { "vars": ["b", "d", "s"] }, "results": { "bindings": [ {'
                b' "b": { "type": "typed-literal", "datatype": "' + XSD.encode() + b'boolean", "value": "1" },'
                b' "d": { "type": "literal", "value": "1e+09", "datatype": "' + XSD.encode() + b'double" },'
                b' "s": { "type": "literal", "value": "1" } } ] } }')
    rows = list(ox.parse_query_results(canonical_results(virtuoso), ox.QueryResultsFormat.JSON))
    assert rows[0]["b"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    assert rows[0]["d"] == ox.Literal("1000000000", datatype=ox.NamedNode(XSD + "double"))
    assert rows[0]["s"] == ox.Literal("1")  # a plain string "1" is not a boolean


def test_sparql_xml_results_and_n_triples():
    xml = (b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/></head><results>'
           b'<result><binding name="x"><literal datatype="' + XSD.encode() + b'boolean">0</literal></binding></result>'
           b'<result><binding name="x"><literal datatype="' + XSD.encode() + b'decimal">1.50</literal></binding></result>'
           b'</results></sparql>')
    values = [row["x"].value for row in ox.parse_query_results(canonical_results(xml), ox.QueryResultsFormat.XML)]
    assert values == ["false", "1.5"]
    nt = (b'<http://e/s> <http://e/p> "1.0"^^<' + XSD.encode() + b'double> .\n'
          b'<http://e/s> <http://e/p> "1.0"^^<' + XSD.encode() + b'doubleX> .\n'
          b'<http://e/s> <http://e/p> "say \\"1\\"^^<' + XSD.encode() + b'integer>" .\n')
    objects = [t.object for t in ox.parse(canonical_results(nt), format=ox.RdfFormat.N_TRIPLES)]
    assert objects == [ox.Literal("1", datatype=ox.NamedNode(XSD + "double")),
                       ox.Literal("1.0", datatype=ox.NamedNode(XSD + "doubleX")),
                       ox.Literal('say "1"^^<' + XSD + 'integer>')]


def test_a_triple_keeps_what_is_not_a_valid_form():
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    odd = ox.Triple(s, p, ox.Literal("not a number", datatype=ox.NamedNode(XSD + "double")))
    assert canonical_triple(odd) == odd
    assert canonical_triple(ox.Triple(s, p, ox.Literal("007", datatype=ox.NamedNode(XSD + "integer")))).object.value == "7"
