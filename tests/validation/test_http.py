"""Validation through the HTTP API: formats, inheritance, vocabularies, languages, versions,
RDF reports. Results are checked by reading the report, never by status code alone."""

from __future__ import annotations


import pyoxigraph as ox
import pytest

from tests.validation.conftest import read

T = "https://w3id.org/test/"
SH = "http://www.w3.org/ns/shacl#"
REG = "https://w3id.org/profile-registry/ns#"
TITLE = "http://purl.org/dc/terms/title"


def post(client, body: bytes, media: str, **params):
    headers = {"Content-Type": media}
    headers.update(params.pop("headers", {}))
    return client.post("/validate", params={"profile": "leaf", **params}, content=body, headers=headers)


def keyset(view: dict) -> set[tuple]:
    return {(r["focus_node"], r["path"], r["value"], r["severity"], r["constraint_component"].rsplit("#", 1)[-1])
            for r in view["results"]}


BAD_EXPECTED = {
    (T + "records/2", TITLE, None, "Violation", "MinCountConstraintComponent"),
    (T + "records/2", T + "ns#count", "30", "Violation", "MaxInclusiveConstraintComponent"),
    (T + "records/2", T + "ns#colour", T + "colours/scarlet", "Warning", "DeprecatedConceptConstraintComponent"),
}


def _convert(ttl: bytes, fmt: ox.RdfFormat) -> bytes:
    return ox.serialize(ox.parse(ttl, format=ox.RdfFormat.TURTLE), format=fmt)


FORMATS = [
    ("text/turtle", lambda b: b),
    ("application/n-triples", lambda b: _convert(b, ox.RdfFormat.N_TRIPLES)),
    ("application/rdf+xml", lambda b: _convert(b, ox.RdfFormat.RDF_XML)),
    ("application/ld+json", lambda b: _convert(b, ox.RdfFormat.JSON_LD)),
]


@pytest.mark.parametrize("media,convert", FORMATS, ids=[m for m, _ in FORMATS])
def test_each_rdf_syntax_gives_the_same_results(vclient, media, convert):
    good = post(vclient, convert(read("good.ttl")), media)
    assert good.status_code == 200, good.text
    assert good.json()["conforms"] is True and good.json()["results"] == []
    bad = post(vclient, convert(read("bad.ttl")), media)
    assert bad.status_code == 200, bad.text
    view = bad.json()
    assert view["conforms"] is False
    assert view["counts"] == {"violation": 2, "warning": 1, "info": 0}
    assert keyset(view) == BAD_EXPECTED


def test_plain_json_is_read_with_the_profile_context(vclient):
    good = post(vclient, read("good.json"), "application/json")
    assert good.status_code == 200, good.text
    assert good.json()["conforms"] is True
    assert good.json()["record"]["triples"] == 5
    bad = post(vclient, read("bad.json"), "application/json")
    assert keyset(bad.json()) == BAD_EXPECTED


def test_format_parameter_wins_over_content_type(vclient):
    r = post(vclient, read("bad.json"), "application/octet-stream", format="json")
    assert keyset(r.json()) == BAD_EXPECTED
    r = post(vclient, _convert(read("bad.ttl"), ox.RdfFormat.N_TRIPLES), "text/turtle", format="ntriples")
    assert keyset(r.json()) == BAD_EXPECTED


def test_multipart_record_field(vclient):
    r = vclient.post("/validate", params={"profile": "leaf"},
                     files={"record": ("bad.ttl", read("bad.ttl"), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert keyset(r.json()) == BAD_EXPECTED
    # profile and version may be form fields too
    r = vclient.post("/validate", data={"profile": "leaf", "version": "1.0.0"},
                     files={"record": ("bad.json", read("bad.json"), "application/json")})
    assert r.json()["profile"]["version"] == "1.0.0"
    assert keyset(r.json()) == BAD_EXPECTED  # 30 > 10 too


def test_inheritance_over_two_levels(vclient):
    """leaf → middle → base: one record breaks a rule of each level."""
    record = read("good.ttl").replace(b'dct:title "A good item" ;', b"").replace(
        b"colours/crimson", b"sizes/small")
    view = post(vclient, record, "text/turtle").json()
    shapes = {r["source_shape"] for r in view["results"]}
    assert T + "shapes/base#title" in shapes  # grand-parent: title required
    assert T + "shapes/middle#colour" in shapes  # parent: colour from the colours scheme
    assert T + "shapes/leaf#warmth" in shapes  # the profile itself: warm colour family (warning)
    assert [p["id"] for p in view["profile_chain"]] == ["leaf", "middle", "base"]


def _only(view, path):
    return [r for r in view["results"] if r["path"] == path]


def test_concept_of_the_wrong_scheme(vclient):
    record = read("good.ttl").replace(b"colours/crimson", b"sizes/small")
    view = post(vclient, record, "text/turtle").json()
    colour = [r for r in _only(view, T + "ns#colour") if r["severity"] == "Violation"]
    assert [(r["value"], r["constraint_component"]) for r in colour] == [
        (T + "sizes/small", SH + "NodeConstraintComponent")]
    assert colour[0]["field"] == "Colour"


def test_unknown_concept_iri(vclient):
    record = read("good.ttl").replace(b"colours/crimson", b"colours/purple")
    view = post(vclient, record, "text/turtle").json()
    components = {r["constraint_component"] for r in _only(view, T + "ns#colour") if r["severity"] == "Violation"}
    # not a skos:Concept of any stored vocabulary, and not in the scheme
    assert components == {SH + "ClassConstraintComponent", SH + "NodeConstraintComponent"}


def test_deprecated_concept_names_its_replacement(vclient):
    record = read("good.ttl").replace(b"colours/crimson", b"colours/scarlet")
    for lang, label in (("en", '"Crimson"'), ("fr", "« Cramoisi »")):
        view = post(vclient, record, "text/turtle", lang=lang).json()
        assert view["conforms"] is True  # a warning does not make a record fail
        (warning,) = view["results"]
        assert warning["severity"] == "Warning"
        assert warning["constraint_component"] == REG + "DeprecatedConceptConstraintComponent"
        assert warning["value"] == T + "colours/scarlet"
        assert T + "colours/crimson" in warning["message"] and label in warning["message"]
        assert warning["source_shape"] == T + "shapes/middle#colour"


def test_broader_closure_path_reads_the_stored_hierarchy(vclient):
    """crimson → red → warm (skos:broader*) satisfies the warm-family rule; blue → cold does not."""
    ok = post(vclient, read("good.ttl"), "text/turtle").json()
    assert ok["results"] == []
    blue = post(vclient, read("good.ttl").replace(b"colours/crimson", b"colours/blue"), "text/turtle").json()
    (r,) = blue["results"]
    assert r["severity"] == "Warning" and r["constraint_component"] == SH + "QualifiedMinCountConstraintComponent"
    assert r["path"] == f"<{T}ns#colour>/<http://www.w3.org/2004/02/skos/core#broader>*"


def test_messages_in_french_and_english(vclient):
    record = read("bad.ttl")
    fr = post(vclient, record, "text/turtle", lang="fr").json()
    en = post(vclient, record, "text/turtle", headers={"Accept-Language": "en-GB,fr;q=0.5"}).json()
    by_accept = post(vclient, record, "text/turtle", headers={"Accept-Language": "fr-CH, en;q=0.8"}).json()
    fallback = post(vclient, record, "text/turtle", lang="de").json()
    title = lambda v: next(r for r in v["results"] if r["path"] == TITLE)  # noqa: E731
    count = lambda v: next(r for r in v["results"] if r["path"] == T + "ns#count")  # noqa: E731
    assert (fr["lang"], title(fr)["field"], title(fr)["message"]) == ("fr", "Titre", "Un titre est obligatoire.")
    assert (en["lang"], title(en)["field"], title(en)["message"]) == ("en", "Title", "A title is required.")
    assert by_accept["lang"] == "fr" and title(by_accept)["message"] == "Un titre est obligatoire."
    assert fallback["lang"] == "en" and title(fallback)["message"] == "A title is required."
    # no sh:message on the shape: the registry's own message in the language asked for
    assert count(fr)["field"] == "Nombre" and "inférieure ou égale à 5" in count(fr)["message"]
    assert count(en)["field"] == "Count" and "at most 5" in count(en)["message"]


def test_the_version_asked_for_is_the_one_used_and_named(vclient):
    record = read("good.ttl").replace(b"t:count 3", b"t:count 7")
    latest = post(vclient, record, "text/turtle").json()
    pinned = post(vclient, record, "text/turtle", version="1.0.0").json()
    by_path = vclient.post("/profiles/leaf/versions/1.0.0/validate", content=record,
                           headers={"Content-Type": "text/turtle"}).json()
    assert latest["profile"]["iri"] == "http://testserver/profiles/leaf/1.1.0" and latest["conforms"] is False
    assert pinned["profile"]["iri"] == "http://testserver/profiles/leaf/1.0.0" and pinned["conforms"] is True
    assert by_path["profile"] == pinned["profile"] and by_path["conforms"] is True
    assert {v["iri"] for v in pinned["vocabularies"]} == {
        "http://testserver/vocabularies/colours/1.0.0", "http://testserver/vocabularies/sizes/1.0.0"}
    assert [p["iri"] for p in pinned["profile_chain"]] == [
        "http://testserver/profiles/leaf/1.0.0", "http://testserver/profiles/middle/1.0.0",
        "http://testserver/profiles/base/1.0.0"]


RDF_MEDIA = [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
]


@pytest.mark.parametrize("media,fmt", RDF_MEDIA, ids=[m for m, _ in RDF_MEDIA])
def test_shacl_report_as_rdf_by_accept(vclient, media, fmt):
    r = post(vclient, read("bad.ttl"), "text/turtle", version="1.0.0", headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    quads = list(ox.parse(r.content, format=fmt))

    def objects(s, p):
        return [q.object for q in quads if q.subject == s and q.predicate == ox.NamedNode(p)]

    (report,) = [q.subject for q in quads if q.predicate == ox.NamedNode(RDF_TYPE) and q.object == ox.NamedNode(SH + "ValidationReport")]
    assert [c.value for c in objects(report, SH + "conforms")] == ["false"]
    severities = sorted(objects(res, SH + "resultSeverity")[0].value for res in objects(report, SH + "result"))
    assert severities == [SH + "Violation", SH + "Violation", SH + "Warning"]
    used = {o.value for o in objects(report, "http://www.w3.org/ns/prov#used")}
    assert "http://testserver/vocabularies/colours/1.0.0" in used and "http://testserver/profiles/base/1.0.0" in used
    assert {o.value for o in objects(report, "http://purl.org/dc/terms/conformsTo")} == {"http://testserver/profiles/leaf/1.0.0"}


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_vocabulary_subset_is_small(vclient):
    view = post(vclient, read("good.ttl"), "text/turtle").json()
    # the record's concepts and their ancestors only, never whole vocabularies
    assert 0 < view["record"]["vocabulary_triples_used"] < 30


def _report_conforms(r) -> list[str]:
    """The `sh:conforms` values of the `sh:ValidationReport` node of an RDF report (Turtle)."""
    quads = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    (report,) = [q.subject for q in quads
                 if q.predicate == ox.NamedNode(RDF_TYPE) and q.object == ox.NamedNode(SH + "ValidationReport")]
    return [q.object.value for q in quads if q.subject == report and q.predicate == ox.NamedNode(SH + "conforms")]


@pytest.mark.parametrize("replacement", [b"colours/scarlet", b"colours/blue"], ids=["registry-warning", "shape-warning"])
def test_warnings_only_report_does_not_conform_per_shacl(vclient, replacement):
    """SHACL §3.4: a report conforms only when it has no result at all. A record whose only result
    is a warning (the registry's deprecated-concept warning, or a shape's `sh:Warning`) gets
    `sh:conforms false` in the RDF report; the JSON view gives both readings (issue 12, item 9)."""
    record = read("good.ttl").replace(b"colours/crimson", replacement)
    rdf = post(vclient, record, "text/turtle", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 200, rdf.text
    assert _report_conforms(rdf) == ["false"]
    view = post(vclient, record, "text/turtle").json()
    assert [r["severity"] for r in view["results"]] == ["Warning"]
    assert view["conforms"] is True and view["shacl_conforms"] is False
    # a record without any result conforms in both readings
    good = post(vclient, read("good.ttl"), "text/turtle")
    assert good.json()["conforms"] is True and good.json()["shacl_conforms"] is True
    assert _report_conforms(post(vclient, read("good.ttl"), "text/turtle", headers={"Accept": "text/turtle"})) == ["true"]
