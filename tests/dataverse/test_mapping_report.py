"""Nothing a profile says is dropped silently by the block export (issue 13, item 1): every SHACL
constraint Dataverse has no column for is a line of report.txt, including the ones the mapping has
no special wording for (a catch-all names the SHACL predicate), counts Dataverse cannot say
(`sh:minCount 2`, `sh:maxCount 3`), closed node shapes and node shapes no field reaches."""

from __future__ import annotations

import rdflib

from registry.dataverse.mapping import plan_block

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/demo/> .
@prefix prof: <http://www.w3.org/ns/dx/prof/> .

ex:profile a prof:Profile .

ex:DatasetShape a sh:NodeShape ;
    sh:targetClass ex:Dataset ;
    sh:closed true ; sh:ignoredProperties ( ex:ignored ) ;
    sh:property ex:title, ex:keyword, ex:code, ex:size, ex:mood, ex:size2 .

ex:title sh:path ex:title ; sh:name "Title"@en ; sh:datatype xsd:string ; sh:minCount 1 ; sh:maxCount 1 .
ex:keyword sh:path ex:keyword ; sh:name "Keyword"@en ; sh:datatype xsd:string ; sh:minCount 2 ; sh:maxCount 5 .
ex:code sh:path ex:code ; sh:name "Code"@en ; sh:datatype xsd:string ; sh:pattern "^[A-Z]+$" ; sh:maxLength 8 .
ex:size sh:path ex:size ; sh:name "Size"@en ; sh:datatype xsd:integer ; sh:minInclusive 0 ; sh:lessThan ex:size2 .
# A constraint component with no wording of its own in the mapping: the catch-all names it.
ex:mood sh:path ex:mood ; sh:name "Mood"@en ; sh:datatype xsd:string ; sh:qualifiedMinCount 1 .
ex:size2 sh:path ex:size2 ; sh:name "Upper size"@en ; sh:datatype xsd:integer .

ex:Orphan a sh:NodeShape ; sh:targetNode ex:something ; sh:property [ sh:path ex:x ; sh:minCount 1 ] .
"""


def _plan():
    graph = rdflib.Graph().parse(data=SHAPES, format="turtle")
    return plan_block(graph, "demo")


def test_every_constraint_dataverse_cannot_say_is_in_the_report():
    plan = _plan()
    # Field names carry the profile's prefix ("demo"): the short names read better below.
    notes = {(n.field.removeprefix("demo")[:1].lower() + n.field.removeprefix("demo")[1:] if n.field.startswith("demo")
              else n.field, n.message.split(" (")[0]) for n in plan.notes if n.kind == "not-expressible"}
    fields = {f.name[4].lower() + f.name[5:]: f for f in plan.fields}
    assert set(fields) == {"title", "keyword", "code", "size", "mood", "size2"}
    # What the columns do say: no note.
    assert (fields["title"].required, fields["title"].allow_multiples) == (True, False)
    assert not [n for n in notes if n[0] in ("title", "size2")]
    # Counts beyond Dataverse's required (one) and allowmultiples (any).
    assert (fields["keyword"].required, fields["keyword"].allow_multiples) == (True, True)
    assert ("keyword", "at least 2 values: Dataverse's required means one") in notes
    assert ("keyword", "at most 5 values: Dataverse's allowmultiples has no limit") in notes
    # A pattern, a length, a range, a cross-field rule.
    assert {("code", "a pattern"), ("code", "a maximum length"), ("size", "a minimum"),
            ("size", "a comparison with another field")} <= notes
    # The catch-all: a SHACL predicate the mapping has no wording for is named, not dropped.
    assert ("mood", "a constraint sh:qualifiedMinCount that Dataverse has no column for") in notes
    # Node-level: a closed shape, and a shape no field reaches.
    closed = [n for n in plan.notes if n.field == "(dataset)" and "closed node shape" in n.message]
    assert [n.shape for n in closed] == ["https://example.org/demo/DatasetShape"]
    orphan = [n for n in plan.notes if n.shape == "https://example.org/demo/Orphan"]
    assert len(orphan) == 1 and "not a field of the block" in orphan[0].message
    # sh:ignoredProperties belongs to sh:closed: not a second note.
    assert not [n for n in plan.notes if "ignoredProperties" in n.message]


def test_nothing_but_the_mapped_predicates_goes_unreported():
    """Every sh: triple on a shape of the synthetic profile is either read by the mapping (a column)
    or named by a note of its shape: the report accounts for all of them."""
    plan = _plan()
    graph = rdflib.Graph().parse(data=SHAPES, format="turtle")
    sh = str(rdflib.namespace.SH)
    columns = {"path", "name", "datatype", "minCount", "maxCount", "property", "targetClass", "targetNode",
               "ignoredProperties"}
    reported_shapes = {n.shape for n in plan.notes}
    for subject, predicate, _ in graph:
        local = str(predicate).removeprefix(sh)
        if not str(predicate).startswith(sh) or local in columns:
            continue
        assert str(subject) in reported_shapes, (str(subject), local)
