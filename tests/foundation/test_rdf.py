import time

import pyoxigraph as ox
import pytest

from registry.errors import RdfSyntaxError, UnsupportedFormat
from registry.conneg import negotiate_rdf
from registry.rdf import content_hash, format_for_media_type, parse_triples


def test_syntax_error_names_line_and_column():
    with pytest.raises(RdfSyntaxError) as info:
        parse_triples(b"@prefix x: <http://x/> .\nx:a x:b x:c .\nx:d x:e \"open .\n", ox.RdfFormat.TURTLE)
    assert info.value.line == 3
    assert info.value.column is not None
    assert "line 3" in info.value.detail


def test_media_type_parameters_are_ignored_and_unknown_types_refused():
    assert format_for_media_type("text/turtle; charset=UTF-8") == ox.RdfFormat.TURTLE
    assert format_for_media_type("application/ld+json") == ox.RdfFormat.JSON_LD
    with pytest.raises(UnsupportedFormat):
        format_for_media_type("application/x-yaml")


def test_accept_negotiation_honours_q_values_and_aliases():
    assert negotiate_rdf("application/rdf+xml;q=0.5, text/turtle")[0] == "text/turtle"
    assert negotiate_rdf("application/xml")[0] == "application/rdf+xml"
    assert negotiate_rdf("*/*")[0] == "text/turtle"
    assert negotiate_rdf("image/png") is None


def test_jsonld_remote_context_is_not_fetched():
    doc = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://a", "http://p": "x"}'
    with pytest.raises(RdfSyntaxError):
        parse_triples(doc, ox.RdfFormat.JSON_LD)


def test_rdf_xml_external_entity_is_refused():
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>
</rdf:RDF>"""
    with pytest.raises(RdfSyntaxError) as info:
        parse_triples(doc, ox.RdfFormat.RDF_XML)
    assert info.value.code == "rdf-external-entity"


def test_rdf_xml_billion_laughs_is_refused_fast():
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    doc = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ {entities} ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&a9;</ex:p></rdf:Description>
</rdf:RDF>""".encode()
    started = time.monotonic()
    with pytest.raises(RdfSyntaxError):
        parse_triples(doc, ox.RdfFormat.RDF_XML)
    assert time.monotonic() - started < 5


def test_rdf_xml_ordinary_internal_entities_still_work():
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://example.org/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="&ex;a"><ex:p>v</ex:p></rdf:Description>
</rdf:RDF>"""
    triples = parse_triples(doc, ox.RdfFormat.RDF_XML)
    assert [t.subject.value for t in triples] == ["http://example.org/a"]


def test_content_hash_ignores_order_and_blank_node_labels():
    a = parse_triples(b'<http://a> <http://p> _:x . _:x <http://q> "1" .', ox.RdfFormat.TURTLE)
    b = parse_triples(b'_:y <http://q> "1" . <http://a> <http://p> _:y .', ox.RdfFormat.TURTLE)
    c = parse_triples(b'_:y <http://q> "2" . <http://a> <http://p> _:y .', ox.RdfFormat.TURTLE)
    assert content_hash(a) == content_hash(b) != content_hash(c)


def test_json_results_read_whole_tells_a_token_pyoxigraph_refuses():
    """registry.rdf.json_results_read_whole: remote stores' SELECT answers are read as SPARQL JSON
    (pyoxigraph's XML results parser trims literals' outer white space), and asked for again as
    XML only when pyoxigraph's JSON parser would refuse a token (8 MiB or more: a 10 MB IRI).
    A large answer of ordinary rows is read whole; one with a 10 MB IRI is not, and the parser
    does refuse it, so the check is about the parser, not a size rule."""
    import json

    import pyoxigraph as ox

    from registry.rdf import JSON_RESULTS_TOKEN_CAP, json_results_read_whole

    def results(values: list[dict]) -> bytes:
        return json.dumps({"head": {"vars": ["v"]}, "results": {"bindings": [{"v": v} for v in values]}}).encode()

    small = results([{"type": "literal", "value": "Computer Vision "}])
    assert json_results_read_whole(small)
    many = results([{"type": "literal", "value": f" label {i} " * 3, "xml:lang": "en"} for i in range(300_000)])
    assert len(many) > JSON_RESULTS_TOKEN_CAP and json_results_read_whole(many)
    huge = results([{"type": "uri", "value": "https://example.org/" + "x" * (10 * 1024 * 1024)}])
    assert not json_results_read_whole(huge)
    with pytest.raises(MemoryError):
        list(ox.parse_query_results(huge, format=ox.QueryResultsFormat.JSON))
    boolean = json.dumps({"head": {}, "boolean": True}).encode()
    assert json_results_read_whole(boolean)


def test_readable_results_reads_a_json_token_over_the_cap_whole():
    """registry.rdf.readable_results: a JSON answer pyoxigraph reads whole is kept as it is; one
    with a token over its cap is written as SPARQL XML from Python's JSON parser, with every term
    as it was: white space at the ends and inside (XML's line-end rule and the XML parser's
    trimming would change it), markup characters, language tags, datatypes, blank nodes, triple
    terms, unbound variables."""
    import json

    import pyoxigraph as ox

    from registry.rdf import readable_results

    def results(rows: list[dict]) -> bytes:
        return json.dumps({"head": {"vars": ["v", "w"]}, "results": {"bindings": rows}}).encode()

    small = results([{"v": {"type": "literal", "value": "Computer Vision "}}])
    assert readable_results(small, ox.QueryResultsFormat.JSON) == (small, ox.QueryResultsFormat.JSON)
    long_value = " \r\n<x> & \"y\"\t" + "z" * (9 * 1024 * 1024) + "\u00a0 "
    rows = [
        {"v": {"type": "literal", "value": long_value, "xml:lang": "fr"}},
        {"v": {"type": "uri", "value": "https://example.org/a?b=1&c=2"},
         "w": {"type": "typed-literal", "value": "007", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
        {"w": {"type": "bnode", "value": "b0"}},
        {"v": {"type": "triple", "value": {"subject": {"type": "uri", "value": "https://example.org/s"},
                                           "predicate": {"type": "uri", "value": "https://example.org/p"},
                                           "object": {"type": "literal", "value": "  o  "}}}},
    ]
    body, fmt = readable_results(results(rows), ox.QueryResultsFormat.JSON)
    assert fmt == ox.QueryResultsFormat.XML
    solutions = ox.parse_query_results(body, format=fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    assert [str(v) for v in solutions.variables] == ["?v", "?w"]
    read = list(solutions)
    assert len(read) == 4
    assert read[0]["v"] == ox.Literal(long_value, language="fr") and read[0]["w"] is None
    assert read[1]["v"] == ox.NamedNode("https://example.org/a?b=1&c=2")
    assert read[1]["w"] == ox.Literal("007", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert isinstance(read[2]["w"], ox.BlankNode) and read[2]["v"] is None
    assert read[3]["v"] == ox.Triple(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"),
                                     ox.Literal("  o  "))
    # an unknown term type is a SyntaxError, whichever parser meets it first
    unknown = results([{"v": {"type": "literal", "value": "x" * (12 * 1024 * 1024)}}, {"v": {"type": "graph", "value": "g"}}])
    with pytest.raises(SyntaxError, match="term type.*'graph'"):
        readable_results(unknown, ox.QueryResultsFormat.JSON)
