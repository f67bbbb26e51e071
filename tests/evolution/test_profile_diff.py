"""Profile diffs (issue 17, items 1 and 3): every entry and its classification, checked exactly,
for the bundled electron-microscopy 1.0.0 and the hand-written 1.1.0 and 2.0.0
(tests/evolution/data/electron-microscopy/CHANGES.md); JSON, RDF change set and HTML."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.evolution.changeset import CHG
from tests.conftest import BASE, REPO

EMSH = "https://w3id.org/metsa/shapes/electron-microscopy/"
METSA = "https://w3id.org/metsa/term/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "http://schema.org/"
QUDT = "http://qudt.org/schema/qudt/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def entries(view: dict) -> list[tuple]:
    """(kind, rule, classification, shape, path, aspect, language, before, after) of each change."""
    out = []
    for c in view["changes"]:
        before, after = c.get("before"), c.get("after")
        if c.get("constraint") == "sh:in":  # 118 element symbols: compare what changed
            before, after = ("-", c["removed"]), ("+", c["added"])
        if isinstance(after, dict):
            after = after.get("cardinality")
        if isinstance(before, dict):
            before = before.get("cardinality")
        out.append((c["kind"], c["rule"], c["classification"], c.get("subject", "").replace(EMSH, "emsh:"),
                    c.get("path"), c.get("aspect"), c.get("language"), before, after))
    return out


EXPECTED_1_0_TO_1_1 = [
    ("severity", "severity-changed-below-violation", "compatible", "emsh:Acquisition-startTime-presence",
     PROV + "startedAtTime", "severity", None, "Warning", "Info"),
    ("constraint", "constraint-loosened", "compatible", "emsh:Acquisition-magnification", METSA + "magnification",
     "range", None, "<= 100000000", "<= 1000000000"),  # as the store writes xsd:double
    ("text", "text-changed", "editorial", "emsh:Acquisition-magnification", METSA + "magnification", "message", "en",
     "The magnification must be a single number between 1 and 1e8.",
     "The magnification must be a single number between 1 and 1e9."),
    ("field-added", "field-added-optional", "compatible", "emsh:Acquisition-spotSize", METSA + "spotSize", None, None,
     None, "0..1"),
    ("text", "text-changed", "editorial", "emsh:Instrument-model", SCHEMA + "model", "name", "fr", "Modèle",
     "Modèle de l'instrument"),
    ("constraint", "constraint-loosened", "compatible", "emsh:Operator-role", METSA + "operatorRole", "cardinality",
     None, 1, None),
]

EXPECTED_1_1_TO_2_0 = [
    ("constraint", "constraint-changed", "breaking", "emsh:Acquisition-endTime", PROV + "endedAtTime", "datatype",
     None, XSD + "dateTime", XSD + "date"),
    ("field-added", "field-added-required", "breaking", "emsh:Instrument-location", SCHEMA + "location", None, None,
     None, "1..*"),
    ("severity", "severity-raised", "breaking", "emsh:Instrument-manufacturer-presence", SCHEMA + "manufacturer",
     "severity", None, "Warning", "Violation"),
    ("constraint", "constraint-tightened", "breaking", "emsh:Instrument-model", SCHEMA + "model", "pattern", None,
     None, "\\S"),
    ("constraint", "constraint-tightened", "breaking", "emsh:Specimen-element", METSA + "chemicalElement", "in", None,
     ("-", ["Og", "Ts"]), ("+", [])),
    # qudt:unit -> qudt:hasUnit: a field whose sh:hasValue requires the new property, and the old one gone
    ("field-added", "field-added-required", "breaking", "emsh:acceleratingVoltageRange-KiloV-unit", QUDT + "hasUnit",
     None, None, None, "0..1"),
    ("constraint", "constraint-tightened", "breaking", "emsh:acceleratingVoltageRange-KiloV-value",
     QUDT + "numericValue", "range", None, ">= 0.1", ">= 1"),
    ("field-removed", "field-removed", "compatible", "emsh:acceleratingVoltageRange-KiloV-unit", QUDT + "unit", None,
     None, "0..1", None),
]


def _diff(client, older, newer, **headers):
    return client.get("/profiles/electron-microscopy/diff", params={"from": older, "to": newer}, headers=headers)


def test_compatible_release_every_entry(evolution_client):
    r = _diff(evolution_client, "1.0.0", "1.1.0")
    assert r.status_code == 200, r.text
    view = r.json()
    assert entries(view) == EXPECTED_1_0_TO_1_1
    assert view["summary"] == {"breaking": 0, "compatible": 4, "editorial": 2}
    assert (view["required_increment"], view["actual_increment"], view["version_number_honest"]) == ("minor", "minor", True)
    assert view["from"]["iri"] == BASE + "profiles/electron-microscopy/1.0.0"
    # the owning shape of a field is given
    spot = next(c for c in view["changes"] if c["kind"] == "field-added")
    assert spot["owner"] == EMSH + "AcquisitionShape" and spot["source"] == "electron-microscopy"


def test_breaking_release_every_entry(evolution_client):
    view = _diff(evolution_client, "1.1.0", "2.0.0").json()
    assert entries(view) == EXPECTED_1_1_TO_2_0
    assert view["summary"] == {"breaking": 7, "compatible": 1, "editorial": 0}
    assert (view["required_increment"], view["actual_increment"], view["version_number_honest"]) == ("major", "major", True)


def test_defaults_are_the_latest_and_its_predecessor(evolution_client):
    view = evolution_client.get("/profiles/electron-microscopy/diff").json()
    assert (view["from"]["version"], view["to"]["version"]) == ("1.1.0", "2.0.0")
    assert entries(view) == EXPECTED_1_1_TO_2_0


def test_across_two_releases(evolution_client):
    """1.0.0 -> 2.0.0: the changes of both releases (none cancels another here)."""
    view = _diff(evolution_client, "1.0.0", "2.0.0").json()
    assert sorted(map(repr, entries(view))) == sorted(map(repr, EXPECTED_1_0_TO_1_1 + EXPECTED_1_1_TO_2_0))
    assert view["required_increment"] == "major"


def test_reverse_direction_is_classified_too(evolution_client):
    """2.0.0 -> 1.1.0 (a downgrade): what was tightened is now loosened and the reverse."""
    view = _diff(evolution_client, "2.0.0", "1.1.0").json()
    by_shape = {(c["subject"].replace(EMSH, ""), c.get("aspect"), c["kind"]): c["rule"] for c in view["changes"]}
    assert by_shape[("Instrument-location", None, "field-removed")] == "field-removed"
    assert by_shape[("acceleratingVoltageRange-KiloV-value", "range", "constraint")] == "constraint-loosened"
    assert by_shape[("Instrument-manufacturer-presence", "severity", "severity")] == "severity-lowered"
    assert by_shape[("Specimen-element", "in", "constraint")] == "constraint-loosened"
    assert by_shape[("Acquisition-endTime", "datatype", "constraint")] == "constraint-changed"
    assert view["version_number_honest"] is False and view["actual_increment"] is None


def test_inherited_base_is_compared(evolution_client):
    """atom-probe 1.0.0 against itself is refused; the chain of electron-microscopy includes
    research-dataset shapes, unchanged here: no entry comes from it."""
    view = _diff(evolution_client, "1.0.0", "2.0.0").json()
    assert {c.get("source") for c in view["changes"]} == {"electron-microscopy"}
    r = evolution_client.get("/profiles/atom-probe/diff", params={"from": "1.0.0", "to": "1.0.0"})
    assert r.status_code == 422 and r.json()["code"] == "same-version"


@pytest.mark.parametrize("params, status, code", [
    ({"from": "1.0.0", "to": "9.9.9"}, 404, "version-not-found"),
    ({"from": "0.0.1", "to": "1.1.0"}, 404, "version-not-found"),
    ({"from": "not-a-version"}, 422, "invalid-version"),
])
def test_bad_versions_are_clear_problems(evolution_client, params, status, code):
    r = evolution_client.get("/profiles/electron-microscopy/diff", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


def test_first_version_has_nothing_to_compare(evolution_client):
    r = evolution_client.get("/profiles/atom-probe/diff")
    assert r.status_code == 404 and r.json()["code"] == "no-previous-version"
    r = evolution_client.get("/profiles/no-such-profile/diff")
    assert r.status_code == 404 and r.json()["code"] == "profile-not-found"


def test_change_set_in_rdf(evolution_client):
    view = _diff(evolution_client, "1.1.0", "2.0.0").json()
    r = _diff(evolution_client, "1.1.0", "2.0.0", Accept="text/turtle")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = ox.Store()
    graph.load(r.content, ox.RdfFormat.TURTLE)
    new, old = (ox.NamedNode(BASE + f"profiles/electron-microscopy/{v}") for v in ("2.0.0", "1.1.0"))
    change_set = ox.NamedNode(view["change_set"])
    assert list(graph.quads_for_pattern(new, ox.NamedNode(PROV + "wasRevisionOf"), old))
    assert list(graph.quads_for_pattern(new, ox.NamedNode("http://purl.org/dc/terms/replaces"), old))
    assert list(graph.quads_for_pattern(new, ox.NamedNode(CHG + "changeSet"), change_set))
    rows = list(graph.query(
        f"""SELECT ?c ?kind ?class ?rule ?subject WHERE {{ <{change_set.value}> <{CHG}change> ?c .
            ?c <{CHG}kind> ?kind ; <{CHG}classification> ?class ; <{CHG}rule> ?rule ; <{CHG}subject> ?subject }}"""))
    got = sorted((r["kind"].value, r["class"].value, r["rule"].value, r["subject"].value) for r in rows)
    want = sorted((c["kind"], CHG + c["classification"].capitalize(), CHG + "rule-" + c["rule"], c["subject"])
                  for c in view["changes"])
    assert got == want
    honest = list(graph.quads_for_pattern(change_set, ox.NamedNode(CHG + "requiredIncrement"), None))
    assert [q.object.value for q in honest] == ["major"]
    # every rule used is described, with its reason
    reasons = list(graph.quads_for_pattern(ox.NamedNode(CHG + "rule-severity-raised"),
                                           ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), None))
    assert reasons and "Violation" in reasons[0].object.value


def test_html_page_and_link_from_the_version_list(evolution_client):
    r = _diff(evolution_client, "1.1.0", "2.0.0", Accept="text/html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.count('class="change"') == 8
    assert 'data-rule="field-added-required"' in html and 'id="changes-breaking"' in html
    page = evolution_client.get("/ui/profiles/electron-microscopy/2.0.0")
    assert page.status_code == 200
    assert "/profiles/electron-microscopy/diff?from=1.1.0&amp;to=2.0.0" in page.text
    assert "/profiles/electron-microscopy/diff?from=1.0.0&amp;to=1.1.0" in page.text


def test_rules_are_listed(evolution_client):
    rules = evolution_client.get("/evolution/rules").json()
    ids = {r["id"]: r["classification"] for r in rules}
    assert ids["field-added-required"] == "breaking" and ids["text-changed"] == "editorial"
    assert all(r["reason"] for r in rules)


def test_every_rule_is_documented():
    from registry.evolution.classify import RULES

    doc = (REPO / "docs" / "evolution.md").read_text(encoding="utf-8")
    assert [r for r in RULES if f"| `{r}` | {RULES[r].classification} |" not in doc] == []


def test_blank_node_shapes_are_matched_whatever_the_triple_order():
    """Shapes written as blank nodes (sh:node [ sh:property [...] ]) are keyed by their place,
    so the same shapes read in another order (as a store may return them) show no change."""
    from registry.evolution.profile_diff import Source, build_model, diff_models

    triples = list(ox.parse((REPO / "tests" / "web" / "data" / "em.ttl").read_bytes(), ox.RdfFormat.TURTLE))
    assert any(isinstance(t.subject, ox.BlankNode) for t in triples)
    source = Source("em", "1.0.0", "urn:em")
    forward = build_model([(source, triples)])
    for reordered in (list(reversed(triples)), sorted(triples, key=str)):
        assert diff_models(forward, build_model([(source, reordered)])) == []
    blank_fields = [f for f in forward.fields if " sh:" in f.shape]
    assert blank_fields and all(f.owner for f in blank_fields)


def test_path_widened_to_an_alternative_is_the_same_field():
    """`qudt:unit` → `qudt:hasUnit|qudt:unit` (as bundled electron-microscopy 2.0.0 does): one
    field whose path changed, classified constraint-changed; not one removed and one added."""
    from registry.evolution.profile_diff import Source, build_model, diff_models

    def model(path: str):
        ttl = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
        @prefix ex: <https://w3id.org/test/q/> .
        ex:Q a sh:NodeShape ; sh:targetClass ex:Quantity ; sh:property ex:unit .
        ex:unit a sh:PropertyShape ; sh:path {path} ; sh:hasValue <http://qudt.org/vocab/unit/KiloV> ; sh:maxCount 1 ."""
        return build_model([(Source("q", "1", "urn:q"), list(ox.parse(ttl.encode(), ox.RdfFormat.TURTLE)))])

    changes = diff_models(model("qudt:unit"), model("[ sh:alternativePath ( qudt:hasUnit qudt:unit ) ]"))
    assert [(c.kind, c.aspect, c.rule, c.before, c.after) for c in changes] == [
        ("constraint", "path", "constraint-changed", QUDT + "unit", f"<{QUDT}hasUnit>|<{QUDT}unit>")]


def _or_model(alternatives: str, extra: str = ""):
    from registry.evolution.profile_diff import Source, build_model

    ttl = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <https://w3id.org/test/q/> .
    ex:Q a sh:NodeShape ; sh:targetClass ex:Quantity ; sh:or ( {alternatives} ) .
    ex:inV a sh:NodeShape ; sh:property ex:inV-unit .
    ex:inV-unit a sh:PropertyShape ; sh:path qudt:unit ; sh:hasValue <http://qudt.org/vocab/unit/V> ; sh:minCount 1 .
    ex:inKiloV a sh:NodeShape ; sh:property ex:inKiloV-unit .
    ex:inKiloV-unit a sh:PropertyShape ; sh:path qudt:unit ; sh:hasValue <http://qudt.org/vocab/unit/KiloV> ; sh:minCount 1 .
    {extra}"""
    return build_model([(Source("q", "1", "urn:q"), list(ox.parse(ttl.encode(), ox.RdfFormat.TURTLE)))])


MEGA_V = """ex:inMegaV a sh:NodeShape ; sh:property ex:inMegaV-unit , ex:inMegaV-value .
    ex:inMegaV-unit a sh:PropertyShape ; sh:path qudt:unit ; sh:hasValue <http://qudt.org/vocab/unit/MegaV> ; sh:minCount 1 .
    ex:inMegaV-value a sh:PropertyShape ; sh:path qudt:numericValue ; sh:datatype xsd:double ; sh:minCount 1 ."""


def test_a_new_alternative_of_sh_or_loosens_and_its_fields_require_nothing():
    """Regression (noticed in session 4): adding an alternative to `sh:or` lets more values conform
    (SHACL 4.6.3: a value conforms if it conforms to at least one member), so the fields of the new
    alternative are not new required fields: a record valid before is valid after. The diff used to
    report them field-added-required (breaking)."""
    from registry.evolution.profile_diff import diff_models

    changes = diff_models(_or_model("ex:inV ex:inKiloV", MEGA_V), _or_model("ex:inV ex:inKiloV ex:inMegaV", MEGA_V))
    assert [(c.kind, c.rule) for c in changes if c.kind == "constraint"] == [("constraint", "constraint-loosened")]
    assert {c.rule for c in changes} <= {"constraint-loosened", "field-added-optional", "shape-added"}
    # and the reverse, dropping the alternative, tightens
    back = diff_models(_or_model("ex:inV ex:inKiloV ex:inMegaV", MEGA_V), _or_model("ex:inV ex:inKiloV", MEGA_V))
    assert ("constraint", "constraint-tightened") in [(c.kind, c.rule) for c in back]


def test_a_new_alternative_defined_with_the_change_requires_nothing():
    """The same when the alternative's shapes are new in the version (the usual way to add a unit)."""
    from registry.evolution.profile_diff import diff_models

    changes = diff_models(_or_model("ex:inV ex:inKiloV"), _or_model("ex:inV ex:inKiloV ex:inMegaV", MEGA_V))
    rules = [(c.kind, c.rule, c.path) for c in changes]
    assert ("constraint", "constraint-loosened", None) in [(k, r, None) for k, r, _ in rules if k == "constraint"]
    assert [r for r in rules if r[1] == "field-added-required"] == [], rules
    assert {(k, r, p) for k, r, p in rules if k == "field-added"} == {
        ("field-added", "field-added-optional", "http://qudt.org/schema/qudt/unit"),
        ("field-added", "field-added-optional", "http://qudt.org/schema/qudt/numericValue")}


def test_a_required_field_added_inside_an_existing_alternative_still_breaks():
    """Adding a required field to an alternative that was already there tightens it: a record that
    conformed only through that alternative may no longer conform."""
    from registry.evolution.profile_diff import diff_models

    extra = """ex:inV sh:property ex:inV-value .
    ex:inV-value a sh:PropertyShape ; sh:path qudt:numericValue ; sh:datatype xsd:double ; sh:minCount 1 ."""
    changes = diff_models(_or_model("ex:inV ex:inKiloV"), _or_model("ex:inV ex:inKiloV", extra))
    assert [(c.kind, c.rule) for c in changes] == [("field-added", "field-added-required")]
