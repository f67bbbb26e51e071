from .helpers import shapes

from registry.publishing import check_namespace, check_vocabulary_references, referenced_schemes

PROFILE = """
ex:DatasetShape a sh:NodeShape ; sh:targetClass ex:Dataset ;
  sh:property [ sh:path ex:accessRights ;
                sh:node [ sh:property [ sh:path skos:inScheme ; sh:hasValue <http://purl.org/coar/access_right/scheme> ] ] ] ;
  sh:property [ sh:path ex:technique ;
                sh:node [ sh:property [ sh:path skos:inScheme ;
                                        sh:in ( <https://example.org/vocab/techniques> <https://example.org/vocab/other> ) ] ] ] .
"""


def test_referenced_schemes():
    assert referenced_schemes(shapes(PROFILE)) == {
        "http://purl.org/coar/access_right/scheme",
        "https://example.org/vocab/techniques",
        "https://example.org/vocab/other",
    }


def test_all_known_passes_and_unknown_is_an_error():
    g = shapes(PROFILE)
    known = referenced_schemes(g)
    assert check_vocabulary_references(g, known) == []
    f = check_vocabulary_references(g, known - {"https://example.org/vocab/other"})
    assert [(x.severity, x.code, x.value) for x in f] == [
        ("error", "unknown-vocabulary", "https://example.org/vocab/other")]


def test_cyclic_list_does_not_hang():
    g = shapes("ex:P sh:path skos:inScheme ; sh:in ex:l . ex:l <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:v ; "
               "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> ex:l .")
    assert referenced_schemes(g) == {"https://example.org/ns/v"}


def test_namespace():
    ns = ["https://w3id.org/em/", "https://example.org/em#"]
    assert check_namespace(["https://w3id.org/em/Shape", "https://example.org/em#x", "_:b0"], ns) == []
    f = check_namespace(["https://w3id.org/em/Shape", "https://evil.example/Shape"], ns)
    assert [(x.code, x.focus) for x in f] == [("namespace-outside-community", "https://evil.example/Shape")]
    many = check_namespace([f"https://other.example/{i}" for i in range(25)], ns)
    assert len(many) == 21 and "5 more" in many[-1].message
