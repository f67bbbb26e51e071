"""Batches, draft shapes, bad input, limits and the time limit, through HTTP."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile

import pyoxigraph as ox

from tests.validation.conftest import TIMEOUT_S, read
from tests.problems import assert_problem

T = "https://w3id.org/test/"
SH = "http://www.w3.org/ns/shacl#"


def lines(response) -> list[dict]:
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def _graph(ttl: bytes, name: str) -> bytes:
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name)) for t in
             (q.triple for q in ox.parse(ttl, format=ox.RdfFormat.TURTLE))]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def _good(i: int) -> bytes:
    return read("good.ttl").replace(b"records/1", f"records/g{i}".encode())


def check_batch(items: list[dict], bad_index: int, n: int) -> None:
    *records, last = items
    assert len(records) == n and [r["index"] for r in records] == list(range(n))
    for r in records:
        assert r["conforms"] is (r["index"] != bad_index), r
        assert r["shacl_conforms"] is (r["index"] != bad_index), r  # the good records have no result at all
    bad = records[bad_index]
    assert bad["counts"] == {"violation": 2, "warning": 1, "info": 0}
    summary = last["summary"]
    assert summary["records"] == n and summary["conforming"] == n - 1 and summary["not_conforming"] == 1
    assert summary["counts"] == {"violation": 2, "warning": 1, "info": 0}
    assert summary["conforms"] is False and summary["shacl_conforms"] is False
    assert summary["profile"]["iri"] == "http://testserver/profiles/leaf/1.1.0"
    assert {v["id"] for v in summary["vocabularies"]} == {"colours", "sizes"}


def test_batch_nquads_one_bad_record_among_good_ones(vclient):
    body = b"".join(_graph(_good(i), f"{T}batch/{i}") for i in range(5))
    body += _graph(read("bad.ttl"), f"{T}batch/bad")
    body += b"".join(_graph(_good(i), f"{T}batch/{i}") for i in range(5, 8))
    r = vclient.post("/validate", params={"profile": "leaf"}, content=body, headers={"Content-Type": "application/n-quads"})
    assert r.status_code == 200
    items = lines(r)
    check_batch(items, 5, 9)
    assert items[5]["record"] == f"{T}batch/bad"


def test_batch_trig(vclient):
    body = ox.serialize(
        list(ox.parse(_graph(_good(0), f"{T}b/0") + _graph(read("bad.ttl"), f"{T}b/1"), format=ox.RdfFormat.N_QUADS)),
        format=ox.RdfFormat.TRIG,
    )
    r = vclient.post("/validate", params={"profile": "leaf", "format": "trig"}, content=body)
    check_batch(lines(r), 1, 2)


def test_batch_ndjson_of_plain_json_records(vclient):
    good = json.loads(read("good.json"))
    body = "\n".join(json.dumps({**good, "id": f"{T}records/n{i}"}) for i in range(3))
    body += "\n" + json.dumps(json.loads(read("bad.json"))) + "\n"
    r = vclient.post("/validate", params={"profile": "leaf"}, content=body.encode(),
                     headers={"Content-Type": "application/x-ndjson"})
    items = lines(r)
    check_batch(items, 3, 4)
    assert items[3]["record"] == "line 4"


def test_batch_zip_of_files(vclient):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.ttl", _good(1))
        archive.writestr("b.json", read("bad.json"))
        archive.writestr("c.nt", ox.serialize(ox.parse(_good(2), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES))
    r = vclient.post("/validate", params={"profile": "leaf"}, content=buffer.getvalue(),
                     headers={"Content-Type": "application/zip"})
    items = lines(r)
    check_batch(items, 1, 3)
    assert [i["record"] for i in items[:3]] == ["a.ttl", "b.json", "c.nt"]


DRAFT = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix t: <https://w3id.org/test/ns#> .
<https://w3id.org/test/shapes/draft#Item> a sh:NodeShape ; sh:targetClass t:Item ;
  sh:property [ sh:path t:note ; sh:minCount 1 ; sh:name "Note"@en, "Remarque"@fr ] .
"""


def test_draft_shapes_alone(vclient):
    r = vclient.post("/validate", params={"lang": "fr"},
                     files={"record": ("r.ttl", read("good.ttl"), "text/turtle"), "shapes": ("s.ttl", DRAFT, "text/turtle")})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["profile"]["draft"] is True and view["profile_chain"] == []
    assert [(x["path"], x["field"], x["constraint_component"]) for x in view["results"]] == [
        (T + "ns#note", "Remarque", SH + "MinCountConstraintComponent")]
    assert view["results"][0]["message"] == "Au moins 1 valeur(s) requise(s)."


def test_draft_shapes_extending_a_published_profile(vclient):
    r = vclient.post("/validate", params={"profile": "leaf", "version": "1.0.0"},
                     files={"record": ("r.ttl", read("bad.ttl"), "text/turtle"), "shapes": ("s.ttl", DRAFT, "text/turtle")})
    view = r.json()
    paths = {x["path"] for x in view["results"]}
    assert {T + "ns#note", "http://purl.org/dc/terms/title", T + "ns#colour"} <= paths
    assert [p["id"] for p in view["profile_chain"]] == ["leaf", "middle", "base"]


def test_draft_shapes_are_checked_like_a_publication(vclient):
    evil = DRAFT.replace(b"sh:minCount 1 ;", b'sh:pattern "^(a+)+$" ;')
    r = vclient.post("/validate", files={"record": ("r.ttl", read("good.ttl"), "text/turtle"), "shapes": ("s.ttl", evil, "text/turtle")})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "draft-shapes-rejected"
    assert [f["code"] for f in r.json()["findings"]] == ["regex-catastrophic"]
    service = DRAFT.replace(b"sh:minCount 1 ;", b"""sh:sparql [ sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }" ] ;""")
    r = vclient.post("/validate", files={"record": ("r.ttl", read("good.ttl"), "text/turtle"), "shapes": ("s.ttl", service, "text/turtle")})
    assert r.status_code == 422 and "forbidden-service" in {f["code"] for f in r.json()["findings"]}


def test_owl_imports_in_draft_shapes_is_never_followed(vclient):
    shapes = DRAFT + b"<https://w3id.org/test/shapes/draft> <http://www.w3.org/2002/07/owl#imports> <http://127.0.0.1:9/nothing.ttl> .\n"
    r = vclient.post("/validate", files={"record": ("r.ttl", read("good.ttl"), "text/turtle"), "shapes": ("s.ttl", shapes, "text/turtle")})
    assert r.status_code == 200 and [x["path"] for x in r.json()["results"]] == [T + "ns#note"]


# --- bad input ---------------------------------------------------------------------------------


problem = assert_problem


def test_malformed_turtle_names_line_and_column(vclient):
    body = read("good.ttl").replace(b"t:size <https", b"t:size <<https")
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=body, headers={"Content-Type": "text/turtle"}), 400, "rdf-syntax")
    assert p["line"] == 6 and p["column"] is not None and "line 6" in p["detail"]


def test_malformed_json_names_line_and_column(vclient):
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=b'{"id": "x",\n "title": }',
                             headers={"Content-Type": "application/json"}), 400, "json-syntax")
    assert (p["line"], p["column"]) == (2, 11)


def test_malformed_record_in_a_batch_names_it(vclient):
    body = b'{"id": "https://w3id.org/test/r/1", "type": "Item"}\n{"id": \n'
    p = problem(vclient.post("/validate", params={"profile": "leaf", "format": "ndjson"}, content=body), 400, "json-syntax")
    assert "line 2" in p["detail"] and p["line"] == 2
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=b"<a> <b> <c> <d> <e> .",
                             headers={"Content-Type": "application/n-quads"}), 400, "rdf-syntax")
    assert p["line"] == 1


def test_unknown_profile_or_version_is_404(vclient):
    for params in ({"profile": "nope"}, {"profile": "leaf", "version": "9.9.9"}):
        problem(vclient.post("/validate", params=params, content=read("good.ttl"), headers={"Content-Type": "text/turtle"}), 404)
    problem(vclient.post("/profiles/nope/versions/1.0.0/validate", content=read("good.ttl"), headers={"Content-Type": "text/turtle"}), 404)


def test_missing_profile_and_shapes(vclient):
    problem(vclient.post("/validate", content=read("good.ttl"), headers={"Content-Type": "text/turtle"}), 422, "missing-profile")


def test_unsupported_media_type(vclient):
    problem(vclient.post("/validate", params={"profile": "leaf"}, content=b"x", headers={"Content-Type": "text/csv"}), 415)


def test_plain_json_without_a_context_is_refused(vclient):
    p = problem(vclient.post("/validate", params={"profile": "middle"}, content=read("good.json"),
                             headers={"Content-Type": "application/json"}), 422, "no-json-context")
    assert "context" in p["detail"]


def test_remote_jsonld_context_is_refused(vclient):
    body = json.dumps({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "https://w3id.org/test/r", "title": "x"}).encode()
    problem(vclient.post("/validate", params={"profile": "leaf"}, content=body, headers={"Content-Type": "application/ld+json"}), 400)


def test_xml_external_entity_is_refused(vclient):
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="https://w3id.org/test/r"><dct:title>&x;</dct:title></rdf:Description>
</rdf:RDF>"""
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=body, headers={"Content-Type": "application/rdf+xml"}), 400)
    assert p["code"] == "rdf-external-entity"


def test_size_limits(vclient, vsettings):
    big = b"# " + b"x" * (vsettings.max_body_bytes + 10) + b"\n"
    problem(vclient.post("/validate", params={"profile": "leaf"}, content=big, headers={"Content-Type": "text/turtle"}), 413)
    many = "\n".join(f"<{T}r> <{T}p> <{T}o{i}> ." for i in range(vsettings.max_triples_per_record + 1)).encode()
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=many, headers={"Content-Type": "application/n-triples"}), 413)
    assert p["code"] == "too-many-triples"
    records = b"".join(_graph(_good(i), f"{T}many/{i}") for i in range(vsettings.max_records_per_batch + 1))
    p = problem(vclient.post("/validate", params={"profile": "leaf"}, content=records, headers={"Content-Type": "application/n-quads"}), 413)
    assert p["code"] == "too-many-records"


def test_batch_triples_outside_a_named_graph(vclient):
    problem(vclient.post("/validate", params={"profile": "leaf"}, content=f"<{T}a> <{T}b> <{T}c> .\n".encode(),
                         headers={"Content-Type": "application/n-quads"}), 422, "batch-default-graph")


def test_not_a_zip(vclient):
    problem(vclient.post("/validate", params={"profile": "leaf"}, content=b"PK\x03\x04 broken",
                         headers={"Content-Type": "application/zip"}), 422, "invalid-zip")


# --- the time limit ----------------------------------------------------------------------------

HEAVY = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix t: <https://w3id.org/test/ns#> .
<https://w3id.org/test/shapes/heavy#Item> a sh:NodeShape ; sh:targetClass t:Item ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o .
     FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), STR(?l), STR(?o), "never")) }\"\"\" ] .
"""


def test_time_limit_stops_a_heavy_constraint_without_blocking_others(vclient):
    record = read("good.ttl") + b"".join(
        f"<{T}records/1> <{T}ns#x> <{T}x/{i}> .\n".encode() for i in range(60))
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["response"] = vclient.post(
            "/validate", files={"record": ("r.ttl", record, "text/turtle"), "shapes": ("s.ttl", HEAVY, "text/turtle")})
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    fast = vclient.post("/validate", params={"profile": "leaf"}, content=read("good.ttl"), headers={"Content-Type": "text/turtle"})
    fast_elapsed = time.monotonic() - started
    assert fast.json()["conforms"] is True and fast_elapsed < TIMEOUT_S / 2
    thread.join(60)
    p = problem(outcome["response"], 422, "validation-timeout")
    assert p["timeout_s"] == TIMEOUT_S and TIMEOUT_S <= outcome["elapsed"] < TIMEOUT_S + 10
    # the killed worker was replaced: validation keeps working
    again = vclient.post("/validate", params={"profile": "leaf"}, content=read("bad.ttl"), headers={"Content-Type": "text/turtle"})
    assert again.json()["counts"]["violation"] == 2


def test_a_record_past_the_time_limit_inside_a_batch_does_not_sink_the_others(vclient):
    """Per-record time limit inside one batch: the slow record gets the timeout, its worker is
    replaced, and the records after it are still validated (issue 4, safety)."""
    heavy = read("good.ttl").replace(b"records/1", b"records/heavy") + b"".join(
        f"<{T}records/heavy> a <{T}ns#Item> ; <{T}ns#x> <{T}x/{i}> .\n".encode() for i in range(60))
    body = (_graph(_good(0), f"{T}batch/0") + _graph(heavy, f"{T}batch/heavy")
            + _graph(_good(1), f"{T}batch/1") + _graph(_good(2), f"{T}batch/2"))
    started = time.monotonic()
    r = vclient.post("/validate", files={"record": ("batch.nq", body, "application/n-quads"),
                                         "shapes": ("s.ttl", HEAVY, "text/turtle")})
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    *records, last = lines(r)
    assert [x["index"] for x in records] == [0, 1, 2, 3]
    assert records[1]["record"] == f"{T}batch/heavy"
    assert records[1]["error"]["code"] == "validation-timeout", records[1]
    for x in (records[0], records[2], records[3]):
        assert "error" not in x and x["conforms"] is True, x
    assert last["summary"]["records"] == 4
    assert elapsed < 4 * TIMEOUT_S
