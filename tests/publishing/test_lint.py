import re
from pathlib import Path

import pytest
from .helpers import shapes

from registry.publishing import has_errors, lint_shapes
from registry.publishing.regex_safety import catastrophic_reason
from registry.publishing.sparql_text import mentions_service, update_keywords

SPARQL_CONSTRAINT = """
ex:S a sh:NodeShape ; sh:targetClass ex:D ;
  sh:sparql [ a sh:SPARQLConstraint ; sh:select {q} ] .
"""


def codes(findings, severity="error"):
    return {f.code for f in findings if f.severity == severity}


def test_plain_core_shapes_and_safe_sparql_pass():
    g = shapes(SPARQL_CONSTRAINT.format(q='"""SELECT $this WHERE { $this ex:p ?o . '
                                          '# a comment about the service desk\n'
                                          'FILTER(?o != "service") }"""')
               + 'ex:S sh:property [ sh:path ex:id ; sh:pattern "^[A-Z]{2}(-[0-9]+)*$" ] .')
    assert lint_shapes(g) == []


@pytest.mark.parametrize("ttl, code", [
    ('ex:S a sh:NodeShape ; sh:js [ a sh:JSConstraint ; sh:jsFunctionName "f" ; '
     'sh:jsLibrary [ sh:jsLibraryURL "http://x/l.js" ] ] .', "forbidden-sh-js"),
    ("ex:S a sh:NodeShape ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ; "
     "sh:object ex:o ] .", "forbidden-rule"),
    ('ex:S a sh:NodeShape ; sh:rule [ a sh:SPARQLRule ; sh:construct "CONSTRUCT { $this ex:p 1 } WHERE {}" ] .',
     "forbidden-rule"),
    ('ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this a ex:D }" ] .',
     "forbidden-sparql-target"),
    ('ex:S a sh:NodeShape ; sh:target [ sh:select "SELECT ?this WHERE { ?this a ex:D }" ] .',
     "forbidden-sparql-target"),
    ('ex:T a sh:SPARQLTargetType ; sh:select "SELECT ?this WHERE { ?this a $type }" .',
     "forbidden-sparql-target"),
    ('ex:f a sh:SPARQLFunction ; sh:select "SELECT (1 AS ?r) WHERE {}" .', "forbidden-sparql-function"),
    ('ex:S a sh:NodeShape ; sh:update "INSERT DATA { ex:a ex:b ex:c }" .', "forbidden-update"),
])
def test_refused_features(ttl, code):
    findings = lint_shapes(shapes(ttl))
    assert code in codes(findings)
    assert has_errors(findings)


def test_service_plain_and_lowercase():
    for q in ('"SELECT $this WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }"',
              '"select $this where { service silent <http://e/> { ?s ?p ?o } }"'):
        f = lint_shapes(shapes(SPARQL_CONSTRAINT.format(q=q)))
        assert codes(f) == {"forbidden-service"}
        assert f[0].focus.startswith("_:") and f[0].path == "http://www.w3.org/ns/shacl#select"


def test_u_escaped_service_in_turtle_file(tmp_path: Path):
    # The Turtle file holds the characters  SERV\\u0049CE : the literal's value keeps a backslash-u
    # escape, which a SPARQL engine decodes before parsing (SPARQL 1.1 §19.2).
    ttl = SPARQL_CONSTRAINT.format(q='"SELECT $this WHERE { SERV\\\\u0049CE <http://evil.example/> { ?s ?p ?o } }"')
    f = tmp_path / "shapes.ttl"
    f.write_text(ttl)
    assert "SERV\\\\u0049CE" in f.read_text()
    g = shapes(f.read_text())
    assert any("\\u0049" in str(o) for o in g.objects())  # rdflib kept the escape in the value
    assert "forbidden-service" in codes(lint_shapes(g))


def test_turtle_decoded_escape_and_other_escape_forms():
    # rdflib decodes \\u escapes of the Turtle string itself: the value is then plain SERVICE
    g = shapes(SPARQL_CONSTRAINT.format(q='"SELECT $this WHERE { SERV\\u0049CE <http://e/> {} }"'))
    assert "forbidden-service" in codes(lint_shapes(g))
    assert mentions_service(r"SELECT * WHERE { \U00000053ERVICE <http://e/> {} }")
    assert mentions_service(r"SELECT * WHERE { s\u0065rvice <http://e/> {} }")
    assert mentions_service(r"SELECT * WHERE { SERV\u005cu0049CE <http://e/> {} }")  # double-encoded


def test_comment_stripping_is_careful():
    # '#' inside an IRI is not a comment: the SERVICE after it is code
    assert mentions_service("SELECT * WHERE { <http://x/#frag> ?p ?o . SERVICE <http://e/> {} }")
    assert mentions_service('SELECT * WHERE { ?s ?p "a # b" . SERVICE <http://e/> {} }')
    # a comment that merely mentions the word is fine; variables and prefixed names are not keywords
    assert not mentions_service("SELECT ?service WHERE { ?service a ex:service } # no service used")
    # but something that reads like a service clause is refused even inside a comment
    assert mentions_service("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://e/> {}")


def test_update_keywords_in_sparql_text():
    f = lint_shapes(shapes(SPARQL_CONSTRAINT.format(q='"SELECT $this WHERE { } ; LOAD <http://e/x>"')))
    assert "forbidden-update" in codes(f)
    assert update_keywords(r"DEL\u0045TE WHERE { ?s ?p ?o }") == {"DELETE"}
    assert update_keywords('SELECT ?insert WHERE { ?insert ex:delete "DELETE" } # INSERT') == set()


def test_prefix_declaration_injection():
    ttl = ('ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://x/> SERVICE <http://evil/" ] .\n'
           'ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:sparql [ sh:prefixes ex: ; sh:select "SELECT $this {}" ] .')
    f = codes(lint_shapes(shapes(ttl)))
    assert "invalid-prefix-declaration" in f


def test_owl_imports_is_a_warning():
    f = lint_shapes(shapes("ex:Shapes owl:imports <http://example.org/other-shapes> ."))
    assert [(x.severity, x.code) for x in f] == [("warning", "owl-imports-ignored")]
    assert f[0].value == "http://example.org/other-shapes"


@pytest.mark.parametrize("pattern", [r"(a+)+", r"(a*)*", r"(a|aa)+", r"(\w+\s?)+$", r"^(\d+)*$", r"(aa?)+"])
def test_catastrophic_regex_refused(pattern):
    ttl = 'ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:pattern "%s" ] .' % pattern.replace("\\", "\\\\")
    f = lint_shapes(shapes(ttl))
    assert codes(f) == {"regex-catastrophic"}
    assert f[0].value == pattern


@pytest.mark.parametrize("pattern", [r"^[A-Z]{2}(-[0-9]+)*$", r"^([a-z]+\.)+[a-z]{2,}$", r"(\w+\s)+$",
                                     r"^\d{4}-\d{2}-\d{2}$", r"^10\.\d{4,9}/\S+$", r"^(ab?)+$"])
def test_safe_regex_accepted(pattern):
    assert catastrophic_reason(pattern) is None
    re.compile(pattern)


def test_invalid_regex_refused():
    f = lint_shapes(shapes('ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:pattern "([a-z" ] .'))
    assert codes(f) == {"regex-invalid"}
