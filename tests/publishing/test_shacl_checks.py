from pathlib import Path

from .helpers import shapes

from registry.publishing import check_shapes, shapes_dir
from registry.publishing.shacl_checks import shacl_shacl_graph

GOOD = """
ex:DatasetShape a sh:NodeShape ;
  sh:targetClass ex:Dataset ;
  sh:property [ sh:path ex:title ; sh:minCount 1 ; sh:datatype xsd:string ; sh:pattern "^[A-Z]" ] ;
  sh:property [ sh:path ex:kind ; sh:in ( ex:a ex:b ) ; sh:maxCount 1 ] .
"""


def test_shapes_dir_is_the_checkout_shapes_folder():
    d = shapes_dir()
    assert Path(d) == Path(__file__).resolve().parents[2] / "shapes"
    text = (d / "shacl-shacl.ttl").read_text()
    assert "W3C" in text and "copyright-software-and-document" in text
    assert shacl_shacl_graph() is shacl_shacl_graph()  # parsed once
    assert len(shacl_shacl_graph()) > 300


def test_good_shapes_are_well_formed():
    assert check_shapes(shapes(GOOD)) == []


def test_min_count_must_be_an_integer():
    findings = check_shapes(shapes(
        'ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property [ sh:path ex:p ; sh:minCount "one" ] .'))
    assert findings and all(f.code == "shacl-ill-formed" and f.severity == "error" for f in findings)
    assert any(f.path == "http://www.w3.org/ns/shacl#minCount" for f in findings)


def test_property_shape_needs_exactly_one_path():
    findings = check_shapes(shapes(
        "ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:P . ex:P sh:minCount 1 ."))
    assert {f.focus for f in findings if f.code == "shacl-ill-formed"} == {"https://example.org/ns/P"}
    two = check_shapes(shapes("ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:P . "
                              "ex:P sh:path ex:a, ex:b ."))
    assert any(f.focus == "https://example.org/ns/P" for f in two)


def test_ill_formed_list_in_sh_in():
    findings = check_shapes(shapes(
        "ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property [ sh:path ex:p ; sh:in ex:notAList ] ."))
    assert any(f.code == "shacl-ill-formed" for f in findings)


def test_owl_imports_not_followed():
    g = shapes(GOOD + "ex:DatasetShape owl:imports <http://127.0.0.1:9/never-fetched.ttl> .")
    assert check_shapes(g) == []  # would raise or report if it tried to fetch
