"""Unit tests of the SHACL engine (`registry.validation.engine`): a tiny shapes graph and records,
validated in-process, and the results read entry by entry (focus, path, value, severity,
component, names, messages), the conformance rule, path rendering and the RDF report. No store,
no worker process."""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, SH

from registry.validation.engine import CompiledShapes, decode_term, encode_ox, encode_rdflib, graph_from_tuples, validate

EX = "https://example.org/ns#"
SHAPES = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <{EX}> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property ex:nameShape, ex:ageShape, ex:cityShape .
ex:nameShape sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ; sh:name "Name"@en, "Nom"@fr .
ex:ageShape sh:path ex:age ; sh:maxInclusive 150 ; sh:severity sh:Warning ;
    sh:message "Older than anyone recorded"@en, "Plus âgé que quiconque"@fr .
ex:cityShape sh:path ( ex:address ex:city ) ; sh:class ex:City ; sh:severity sh:Info .
"""


def compiled() -> CompiledShapes:
    return CompiledShapes(rdflib.Graph().parse(data=SHAPES, format="turtle"))


def data(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=f"@prefix ex: <{EX}> .\n" + turtle, format="turtle")


def summary(results: list[dict]) -> list[tuple]:
    return [(r["focus_node"], r["path"], r["value"], r["severity"], r["constraint_component"].rsplit("#", 1)[1])
            for r in results]


def test_a_conforming_record_has_no_results():
    out = validate(compiled(), data('ex:b a ex:Person ; ex:name "Bea" ; ex:age 40 .'))
    assert out == {"conforms": True, "results": [], "report": None}


def test_results_name_focus_path_value_severity_and_component():
    out = validate(compiled(), data(
        'ex:a a ex:Person ; ex:age 200 ; ex:address ex:home . ex:home ex:city ex:Nowhere .'
        'ex:c a ex:Person ; ex:name 42 .'
    ))
    assert out["conforms"] is False
    assert summary(out["results"]) == [
        (EX + "a", f"<{EX}address>/<{EX}city>", EX + "Nowhere", "Info", "ClassConstraintComponent"),
        (EX + "a", EX + "age", "200", "Warning", "MaxInclusiveConstraintComponent"),
        (EX + "a", EX + "name", None, "Violation", "MinCountConstraintComponent"),
        (EX + "c", EX + "name", "42", "Violation", "DatatypeConstraintComponent"),
    ]
    by_path = {(r["focus_node"], r["path"]): r for r in out["results"]}
    age = by_path[(EX + "a", EX + "age")]
    assert age["value_is_literal"] is True
    assert age["messages"] == {"en": "Older than anyone recorded", "fr": "Plus âgé que quiconque"}
    assert age["custom_message"] is True
    assert age["source_shape"] == EX + "ageShape"
    name = by_path[(EX + "a", EX + "name")]
    assert name["names"] == {"en": "Name", "fr": "Nom"}
    # no sh:message: the registry's own message in both languages is the one shown; pyshacl's
    # untagged sentence is written only into the RDF report (engine.py, speed-up 4; issue 14)
    assert name["custom_message"] is False and name["messages"] == {}
    assert set(name["default_messages"]) >= {"en", "fr"} and all(name["default_messages"].values())


def test_only_warnings_and_infos_conform():
    out = validate(compiled(), data('ex:d a ex:Person ; ex:name "Dee" ; ex:age 151 .'))
    assert out["conforms"] is True
    assert summary(out["results"]) == [(EX + "d", EX + "age", "151", "Warning", "MaxInclusiveConstraintComponent")]


def test_nodes_of_other_classes_are_not_targets():
    out = validate(compiled(), data("ex:e a ex:Robot ; ex:age 999 ."))
    assert out["conforms"] is True and out["results"] == []


def test_the_rdf_report_when_asked_for():
    out = validate(compiled(), data("ex:a a ex:Person ."), want_rdf=True)
    report = graph_from_tuples(out["report"])
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert report.value(reports[0], SH.conforms) == rdflib.Literal(False)
    results = list(report.objects(reports[0], SH.result))
    assert len(results) == 1
    assert report.value(results[0], SH.focusNode) == rdflib.URIRef(EX + "a")
    assert report.value(results[0], SH.resultPath) == rdflib.URIRef(EX + "name")
    assert report.value(results[0], SH.sourceConstraintComponent) == SH.MinCountConstraintComponent
    assert str(report.value(results[0], SH.resultMessage)).startswith("Less than 1 values on")


def test_compiled_shapes_are_reused_across_records():
    shapes = compiled()
    first = validate(shapes, data("ex:a a ex:Person ."))
    validate(shapes, data('ex:b a ex:Person ; ex:name "Bea" .'))
    again = validate(shapes, data("ex:a a ex:Person ."))
    assert again["results"] == first["results"] and len(first["results"]) == 1


def test_terms_travel_as_tuples_and_back():
    import pyoxigraph as ox

    literal = ox.Literal("chat", language="fr")
    typed = ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert encode_ox(literal) == ("L", "chat", None, "fr")
    assert encode_ox(ox.Literal("plain")) == ("L", "plain", None, None)
    assert decode_term(encode_ox(typed)) == rdflib.Literal("5", datatype=rdflib.XSD.integer)
    assert decode_term(encode_ox(ox.NamedNode(EX + "x"))) == rdflib.URIRef(EX + "x")
    assert encode_rdflib(decode_term(encode_ox(literal))) == encode_ox(literal)
