"""The field table generator (registry/profile_fields.py), on shapes graphs parsed from Turtle."""

from __future__ import annotations

import pyoxigraph as ox

from registry.profile_fields import Source, curie, profile_fields
from tests.web.conftest import DATA

CORE = Source("core", "1.0.0", "http://testserver/profiles/core/1.0.0")
EM = Source("em", "1.0.0", "http://testserver/profiles/em/1.0.0")
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix ex: <https://example.org/> .
"""


def triples(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]


def file(name: str) -> list[ox.Triple]:
    return triples((DATA / name).read_text())


def by_path(groups):
    return {f.path: f for g in groups for f in g.fields}


def test_fields_of_a_profile_and_its_base():
    groups = profile_fields([(EM, file("em.ttl")), (CORE, file("core.ttl"))])
    assert [g.key for g in groups] == ["http://www.w3.org/ns/dcat#Dataset"]
    assert groups[0].label("fr") == "Jeu de données"
    fields = groups[0].fields
    assert [f.label("en") for f in fields] == ["Title", "Description", "Licence", "Technique", "Accelerating voltage"]
    f = by_path(groups)
    title = f["http://purl.org/dc/terms/title"]
    assert (title.requirement, title.cardinality, title.inherited, title.source.id) == ("required", "1..*", True, "core")
    assert title.datatypes == ["http://www.w3.org/2001/XMLSchema#string"]
    assert title.label("fr") == "Titre" and title.help("fr") == "Le nom du jeu de données."
    assert f["http://purl.org/dc/terms/description"].requirement == "recommended"
    licence = f["http://purl.org/dc/terms/license"]
    assert (licence.requirement, licence.cardinality, licence.node_kind) == ("optional", "0..1", "sh:IRI")
    technique = f["https://w3id.org/test/ns/technique"]
    assert technique.schemes == ["https://w3id.org/test/vocab/technique"]
    assert not technique.inherited and technique.source.id == "em"
    voltage = f["https://w3id.org/test/ns/acceleratingVoltage"]
    assert voltage.units == ["http://qudt.org/vocab/unit/KiloV"]
    assert voltage.unit_range_texts() == [("http://qudt.org/vocab/unit/KiloV", "0 ≤ x ≤ 1000")]
    assert voltage.datatypes == ["http://www.w3.org/2001/XMLSchema#decimal"]
    assert voltage.to_json()["units"] == [{"unit": "http://qudt.org/vocab/unit/KiloV", "range": {"minInclusive": "0", "maxInclusive": "1000"}}]


def test_shapes_on_one_path_merge_and_refinements_keep_their_origin():
    base = triples(PREFIXES + """
ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property ex:kw-form, ex:kw-presence .
ex:kw-form sh:path dcat:keyword ; sh:datatype xsd:string ; sh:name "Keyword (form)"@en .
ex:kw-presence sh:path dcat:keyword ; sh:minCount 1 ; sh:severity sh:Warning ; sh:name "Keyword"@en ;
    sh:description "Say what the dataset is about."@en .
""")
    child = triples(PREFIXES + """
ex:T a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property [ sh:path dcat:keyword ; sh:minCount 2 ] .
""")
    groups = profile_fields([(EM, child), (CORE, base)])
    (field,) = groups[0].fields
    assert field.label("en") == "Keyword"  # the presence shape names the field
    assert field.requirement == "required"  # the refinement made it required
    assert field.min_count == 2 and field.datatypes == ["http://www.w3.org/2001/XMLSchema#string"]
    assert field.inherited and field.source.id == "core" and [s.id for s in field.refined_by] == ["em"]


def test_units_in_or_alternatives_targets_of_objects_and_conditions():
    shapes = triples(PREFIXES + """
ex:Acq a sh:NodeShape ; sh:targetObjectsOf ex:generatedBy ; sh:name "Acquisition"@en ;
    sh:property ex:v .
ex:v sh:path ex:voltage ; sh:maxCount 1 ; sh:or ( ex:kV ex:V ) .
ex:kV sh:property [ sh:path qudt:unit ; sh:hasValue unit:KiloV ] ,
                  [ sh:path qudt:numericValue ; sh:minInclusive 0.1 ; sh:maxInclusive 1000 ] .
ex:V sh:property [ sh:path qudt:unit ; sh:hasValue unit:V ] ,
                 [ sh:path qudt:numericValue ; sh:minExclusive 100 ] .
ex:Rule a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:or ( ex:CaseA ex:CaseB ) .
ex:CaseA a sh:NodeShape ; sh:property [ sh:path ex:a ; sh:minCount 1 ] .
ex:CaseB a sh:NodeShape ; sh:property [ sh:path ex:b ; sh:minCount 1 ] .
""")
    groups = profile_fields([(EM, shapes)])
    assert [g.key for g in groups] == ["objects of https://example.org/generatedBy"]
    assert groups[0].label("en") == "Acquisition"
    (voltage,) = groups[0].fields
    assert [(curie(u), r) for u, r in voltage.unit_range_texts()] == [("unit:KiloV", "0.1 ≤ x ≤ 1000"), ("unit:V", "x > 100")]


def test_complex_paths_and_curies():
    shapes = triples(PREFIXES + """
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:a [ sh:inversePath ex:b ] ) ; sh:in ( "x" "y" ) ] .
""")
    (field,) = profile_fields([(EM, shapes)])[0].fields
    assert not field.path_is_iri and field.path == "https://example.org/a/(^https://example.org/b)"
    assert field.values == ["x", "y"]
    assert curie("http://purl.org/dc/terms/title") == "dct:title"
    assert curie("https://example.org/x") == "https://example.org/x"
