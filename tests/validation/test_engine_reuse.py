"""The validation engine's speed-ups change no result (issue 14, item 6).

* Compiled shapes are reused for every record of a worker (`CompiledShapes`, with the shapes
  graph's lookups kept once compiled: `ShapesLookupGraph`): a reused compiled shapes graph gives
  the results of a fresh one, record after record, and a new profile version (a new key) is
  compiled anew, never answered from the previous version's shapes.
* pyshacl's generic message is not written for a component the registry has its own message for
  (`engine.ALL_GENERIC_MESSAGES`): what a report shows (`report.result_view`, in both languages)
  is the same, and the RDF report still carries every message.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH
from pyshacl.rdfutil.stringify import stringify_blank_node

from registry.rdf import parse_triples
from registry.validation import engine
from registry.validation.report import result_view
from registry.validation.service import InProcessExecutor

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
ex:Dataset a sh:NodeShape ; sh:targetClass ex:Dataset ;
  sh:property ex:title, ex:creator, ex:year, ex:code, ex:kind .
ex:title sh:path ex:title ; sh:minCount 1 ; sh:datatype xsd:string ; sh:name "Title"@en, "Titre"@fr .
ex:creator sh:path ex:creator ; sh:minCount 1 ; sh:node ex:Agent .
ex:Agent a sh:NodeShape ; sh:property [ sh:path foaf:name ; sh:minCount 1 ] .
ex:year sh:path ex:year ; sh:datatype xsd:gYear ; sh:maxCount 1 .
ex:code sh:path ex:code ; sh:pattern "^[A-Z]{3}$" ; sh:message "Three capitals"@en, "Trois majuscules"@fr .
ex:kind sh:path ex:kind ; sh:in ( ex:a ex:b ) .
ex:NoSelfLink a sh:ConstraintComponent ;
  sh:parameter [ sh:path ex:forbidden ] ;
  sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER NOT EXISTS { $this $forbidden ?x } }" ] .
ex:Custom a sh:NodeShape ; sh:targetClass ex:Dataset ; ex:forbidden ex:selfLink .
"""

# blank focus nodes (as a lifted Dataverse record has): pyshacl's generic message spells them out
RECORDS = [
    """@prefix ex: <https://example.org/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    [] a ex:Dataset ; ex:creator [ foaf:mbox <mailto:a@example.org> ] ; ex:year "20x" ; ex:code "ab" ;
       ex:kind ex:c ; ex:selfLink <https://example.org/x> .""",
    """@prefix ex: <https://example.org/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
    <https://example.org/d/2> a ex:Dataset ; ex:title "Two" ; ex:creator [ foaf:name "B" ] ; ex:code "ABC" ; ex:kind ex:a .""",
    """@prefix ex: <https://example.org/ns#> .
    [] a ex:Dataset ; ex:title "Three", 3 ; ex:year "2001"^^<http://www.w3.org/2001/XMLSchema#gYear>, "2002"^^<http://www.w3.org/2001/XMLSchema#gYear> .""",
]

SH_MIN_COUNT = str(SH.MinCountConstraintComponent)


def _tuples(turtle: str) -> list[tuple]:
    return engine.encode_triples_ox(parse_triples(turtle.encode(), ox.RdfFormat.TURTLE))


def _fresh(shapes: str = SHAPES) -> engine.CompiledShapes:
    """Shapes compiled the plain way: an ordinary rdflib graph, nothing kept between lookups."""
    return engine.CompiledShapes(engine.graph_from_tuples(_tuples(shapes), rdflib.Graph()))


_PARSED: dict[str, list[tuple]] = {}


def _validate(compiled, record: str, **kwargs):
    """Each record parsed once, so its blank nodes keep their ids from one run to the next."""
    data = _PARSED.setdefault(record, _tuples(record))
    return engine.validate(compiled, engine.graph_from_tuples(data), **kwargs)


def _views(result) -> list:
    return [result_view(r, lang) for r in result["results"] for lang in ("en", "fr")]


def _report_messages(result) -> list[str]:
    return sorted(o[1] for _s, p, o in result["report"] if p == ("I", str(SH.resultMessage)))


def test_a_reused_compiled_shapes_graph_gives_the_results_of_a_fresh_one():
    reused = engine.CompiledShapes.from_tuples(_tuples(SHAPES))
    assert isinstance(reused.graph, engine.ShapesLookupGraph)
    for record in RECORDS + RECORDS[::-1]:  # every record twice, in both orders, on the same compiled shapes
        fresh = _validate(_fresh(), record)
        again = _validate(reused, record)
        assert again == fresh
        assert again["results"] or record is RECORDS[1]
    first = _validate(reused, RECORDS[0])
    components = {r["constraint_component"].rsplit("#", 1)[-1] for r in first["results"]}
    assert {"MinCountConstraintComponent", "NodeConstraintComponent", "DatatypeConstraintComponent",
            "PatternConstraintComponent", "InConstraintComponent", "NoSelfLink"} <= components
    assert _validate(reused, RECORDS[1]) == {"conforms": True, "results": [], "report": None}
    assert reused.graph._memo  # the reused graph answered from its kept lookups


def test_a_frozen_shapes_lookup_graph_sees_every_change():
    graph = engine.graph_from_tuples(_tuples(SHAPES), engine.ShapesLookupGraph())
    graph.freeze()
    shape = rdflib.URIRef("https://example.org/ns#title")
    assert list(graph.objects(shape, SH.minCount)) == [rdflib.Literal(1)]
    assert list(graph.objects(shape, SH.maxCount)) == [] and graph.value(shape, SH.minLength) is None  # now kept
    graph.add((shape, SH.maxCount, rdflib.Literal(2)))
    assert list(graph.objects(shape, SH.maxCount)) == [rdflib.Literal(2)]
    graph.remove((shape, SH.minCount, None))
    assert list(graph.objects(shape, SH.minCount)) == []
    assert (shape, SH.maxCount, rdflib.Literal(2)) in graph
    graph.addN([(shape, SH.minLength, rdflib.Literal(4), graph)])
    assert graph.value(shape, SH.minLength) == rdflib.Literal(4)


def test_what_a_report_shows_is_the_same_without_pyshacl_generic_messages():
    compiled = engine.CompiledShapes.from_tuples(_tuples(SHAPES))
    try:
        engine.ALL_GENERIC_MESSAGES = True
        every = [_validate(compiled, r) for r in RECORDS]
    finally:
        engine.ALL_GENERIC_MESSAGES = False
    lean = [_validate(compiled, r) for r in RECORDS]
    assert [_views(r) for r in lean] == [_views(r) for r in every]
    assert [r["conforms"] for r in lean] == [False, True, False]
    missing_title = next(r for r in lean[0]["results"] if r["constraint_component"] == SH_MIN_COUNT and (r["path"] or "").endswith("title"))
    # pyshacl's text ("Less than 1 values on [ a ex:Dataset ; ex:creator [ ... ] ... ]") is not
    # made; the registry's own message is the one shown, as before
    assert missing_title["messages"] == {}
    assert result_view(missing_title, "fr")["message"] == "Au moins 1 valeur(s) requise(s)."
    before = next(r for r in every[0]["results"] if r["source_shape"] == missing_title["source_shape"])
    assert before["messages"][""].startswith("Less than 1 values on [")
    # shapes' own messages, and components the registry has no message for, keep theirs
    code = next(r for r in lean[0]["results"] if (r["path"] or "").endswith("code"))
    assert code["messages"] == {"en": "Three capitals", "fr": "Trois majuscules"}
    custom = next(r for r in lean[0]["results"] if r["constraint_component"].endswith("NoSelfLink"))
    assert custom["messages"] and custom["messages"] == next(
        r for r in every[0]["results"] if r["constraint_component"].endswith("NoSelfLink"))["messages"]
    assert result_view(custom, "en")["message"] == next(iter(custom["messages"].values()))


def test_the_rdf_report_keeps_every_message_and_pyshacl_keeps_no_stringified_node():
    reused = engine.CompiledShapes.from_tuples(_tuples(SHAPES))
    with_rdf = _validate(reused, RECORDS[0], want_rdf=True)
    messages = _report_messages(with_rdf)
    assert any(m.startswith("Less than 1 values on [") for m in messages)
    assert "Three capitals" in messages
    assert messages == _report_messages(_validate(_fresh(), RECORDS[0], want_rdf=True))
    assert with_rdf["results"] == _validate(_fresh(), RECORDS[0], want_rdf=True)["results"]
    # pyshacl's process-wide cache of stringified blank nodes (keyed by id(graph)) is emptied
    # after every run: it no longer grows with each record
    assert stringify_blank_node.dict_cache == {}


def test_a_new_profile_version_is_compiled_anew_and_the_old_one_still_answers():
    stricter = SHAPES.replace('sh:pattern "^[A-Z]{3}$"', 'sh:pattern "^[A-Z]{4}$"')
    executor = InProcessExecutor()
    old_key, new_key = "https://example.org/profiles/p/1.0.0", "https://example.org/profiles/p/1.1.0"
    record = _PARSED.setdefault(RECORDS[1], _tuples(RECORDS[1]))
    assert executor.run(old_key, _tuples(SHAPES), record, timeout=5)["conforms"] is True
    newer = executor.run(new_key, _tuples(stricter), record, timeout=5)
    assert [r["path"] for r in newer["results"]] == ["https://example.org/ns#code"]
    assert newer == _validate(_fresh(stricter), RECORDS[1])
    # the first version's compiled shapes are still the first version's
    assert executor.run(old_key, _tuples(SHAPES), record, timeout=5)["conforms"] is True
