"""Deeply nested documents (issue 12, item 1).

5,000 nested JSON-LD `{"@list": [...]}` levels used to kill the server process (pyoxigraph's
parser overflowed its stack: SIGSEGV, for every user). Every syntax that nests is now bounded
before any parser sees it (`registry.nesting`, `Settings.max_nesting_depth`): a 422 problem
`nesting-too-deep` naming the limit and the line / column, the store unchanged. Cases: JSON-LD,
plain JSON (read with the profile's context), Turtle collections, Turtle blank-node property
lists, TriG, RDF/XML element depth, at 5,000, 50,000 and 500,000 levels, on record validation,
profile and vocabulary publication and the web validation form; and with a real server process,
which keeps answering another client during and after the attack.
"""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import lxml.html
import pyoxigraph as ox
import pytest

from registry.config import Settings
from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, NestingTooDeep, check_json_nesting, check_rdf_nesting, loads_json
from registry.rdf import parse_triples
from tests.security.conftest import TEST_NS, assert_problem, make_community
from tests.web.test_pages import SAME_ORIGIN  # what a browser sends with a form POST (checked)
from tests.security.test_hostile_rdf import PROFILE, SHAPES, VALIDATE, VOCAB, VOCABULARY, send, target  # noqa: F401

LEVELS = [5_000, 50_000, 500_000]
LIMIT = DEFAULT_MAX_NESTING_DEPTH
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: a record the test profile checks (a dcat:Dataset with a title): conforms
SMALL = (f"<{TEST_NS}dataset/1> a <http://www.w3.org/ns/dcat#Dataset> ; "
         f"<http://purl.org/dc/terms/title> \"A dataset\"@en .").encode()


def jsonld(n: int) -> bytes:
    return ('{"@id": "' + TEST_NS + 'a", "' + TEST_NS + 'p": ' + '{"@list": [' * n + "1" + "]}" * n + "}").encode()


def plain_json(n: int) -> bytes:
    return ('{"title": ' + "[" * n + '"x"' + "]" * n + "}").encode()


def turtle_collection(n: int) -> bytes:
    return (f"<{TEST_NS}a> <{TEST_NS}p> " + "(" * n + ")" * n + " .").encode()


def turtle_blank_nodes(n: int) -> bytes:
    return (f"@prefix : <{TEST_NS}> .\n:a :p " + "[:p " * n + "1" + " ]" * n + " .").encode()


def trig(n: int) -> bytes:
    return f"<{TEST_NS}g> {{ ".encode() + turtle_collection(n) + b" }"


def rdf_xml(n: int) -> bytes:
    # striped RDF/XML (RDF 1.1 XML Syntax §2.2): property element, node element, and so on
    return (f'<rdf:RDF xmlns:rdf="{RDF}" xmlns="{TEST_NS}"><rdf:Description rdf:about="{TEST_NS}a">'
            + "<p><N>" * n + "</N></p>" * n + "</rdf:Description></rdf:RDF>").encode()


SYNTAXES = {
    "jsonld": ("application/ld+json", jsonld),
    "turtle-collection": ("text/turtle", turtle_collection),
    "turtle-blank-nodes": ("text/turtle", turtle_blank_nodes),
    "rdfxml": ("application/rdf+xml", rdf_xml),
}


def check_refusal(problem: dict, limit: int = LIMIT) -> None:
    """The problem names the limit and where the document went past it."""
    assert problem["limit"] == limit, problem
    assert f"deeper than {limit} levels" in problem["detail"], problem
    assert problem["line"] >= 1, problem
    assert f"line {problem['line']}" in problem["detail"], problem


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
@pytest.mark.parametrize("route", ["validate", "profile", "vocabulary"])
def test_deep_nesting_is_refused_on_every_route(target, snapshot, route, syntax, levels):  # noqa: F811
    media, make = SYNTAXES[syntax]
    path = {"validate": VALIDATE, "profile": PROFILE, "vocabulary": VOCABULARY}[route]
    before = snapshot(target)
    response = send(target, path, make(levels), media)
    problem = assert_problem(response, 422, "nesting-too-deep")
    check_refusal(problem)
    assert snapshot(target) == before, "a refused request changed the store"
    # the server still works for the next request
    ok = send(target, VALIDATE, SMALL, "text/turtle")
    assert ok.status_code == 200, ok.text[:300]
    assert ok.json()["conforms"] is True


@pytest.mark.parametrize("levels", LEVELS)
def test_deep_plain_json_record_is_refused(target, snapshot, levels):  # noqa: F811
    """Dataverse-style plain JSON goes through `json.loads` (RecursionError near 1,000 levels)."""
    before = snapshot(target)
    response = target.post(VALIDATE + "&format=json", content=plain_json(levels),
                            headers={"Content-Type": "application/json", **target.actors.test})
    problem = assert_problem(response, 422, "nesting-too-deep")
    check_refusal(problem)
    assert snapshot(target) == before


def test_deep_ndjson_and_trig_batches_are_refused(target):  # noqa: F811
    headers = {**target.actors.test}
    lines = b"\n" + plain_json(5_000) + b'\n{"title": "fine"}\n'
    problem = assert_problem(
        target.post(VALIDATE, content=lines, headers={**headers, "Content-Type": "application/x-ndjson"}), 422,
        "nesting-too-deep")
    assert "line 2" in problem["detail"], problem
    problem = assert_problem(
        target.post(VALIDATE, content=trig(50_000), headers={**headers, "Content-Type": "application/trig"}), 422,
        "nesting-too-deep")
    check_refusal(problem)


def test_deep_json_metadata_and_context_are_refused(target, snapshot):  # noqa: F811
    before = snapshot(target)
    files = {
        "shapes": ("shapes.ttl", SHAPES, "text/turtle"),
        "context": ("context.jsonld", b'{"@context": ' + b"[" * 5_000 + b"{}" + b"]" * 5_000 + b"}", "application/ld+json"),
    }
    response = target.put(PROFILE, files=files, headers=target.actors.test)
    problem = assert_problem(response, 422, "nesting-too-deep")
    assert "the context" in problem["detail"]
    response = target.put(PROFILE, files={"shapes": files["shapes"]}, data={"metadata": "[" * 50_000 + "]" * 50_000},
                          headers=target.actors.test)
    problem = assert_problem(response, 422, "nesting-too-deep")
    assert "the metadata field" in problem["detail"]
    assert snapshot(target) == before


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("syntax", ["jsonld", "turtle-blank-nodes", "rdfxml"])
def test_web_validation_form_refuses_deep_nesting(target, syntax, levels):  # noqa: F811
    media, make = SYNTAXES[syntax]
    page = target.get("/ui/validate?profile=test-profile&version=1.0.0", headers={"Accept": "text/html"})
    assert page.status_code == 200
    csrf = lxml.html.fromstring(page.text).xpath("//input[@name='csrf']")[0].get("value")
    response = target.post(
        "/ui/validate", data={"csrf": csrf, "profile": "test-profile@1.0.0", "format": media},
        files={"file": ("record", make(levels), media)}, headers={"Accept": "text/html", **SAME_ORIGIN},
    )
    assert response.status_code == 422, response.text[:500]
    shown = " ".join(lxml.html.fromstring(response.text).itertext())
    assert re.search(r"deeper than \d+ levels", shown), shown[:2000]


def test_documents_below_the_limit_still_parse():
    """The limit refuses nothing real: 100 levels (JSON-LD: 200 brackets) parse, 300 do not."""
    for name, (media, make) in SYNTAXES.items():
        fmt = {"application/ld+json": ox.RdfFormat.JSON_LD, "text/turtle": ox.RdfFormat.TURTLE,
               "application/rdf+xml": ox.RdfFormat.RDF_XML}[media]
        assert len(parse_triples(make(100), fmt)) >= 100, name
        with pytest.raises(NestingTooDeep):
            parse_triples(make(300), fmt)


def test_scanner_ignores_brackets_in_strings_iris_and_comments():
    """Brackets in literals, IRIs, comments and escapes are not structure (no false refusal),
    and closing brackets there cannot hide real nesting (no false acceptance)."""
    deep = 300
    noise = (f'<{TEST_NS}a> <{TEST_NS}p> "{")" * 1000}", """x]]]]"""@en, \'((((\' ; '
             f"<{TEST_NS}q> <{TEST_NS}x(((((((> . # ((((((((\n")
    check_rdf_nesting((noise * 300).encode(), ox.RdfFormat.TURTLE, max_depth=LIMIT)
    hiding = f'<{TEST_NS}a> <{TEST_NS}p> "{")" * 1000}" .\n<{TEST_NS}b> <{TEST_NS}p> ' + "(" * deep + ")" * deep + " ."
    with pytest.raises(NestingTooDeep) as refused:
        check_rdf_nesting(hiding.encode(), ox.RdfFormat.TURTLE, max_depth=LIMIT)
    assert refused.value.extra["line"] == 2
    check_json_nesting(json.dumps({"a": "[" * 5000, "b": ["]]]" * 100] * 50}).encode(), max_depth=LIMIT)
    with pytest.raises(NestingTooDeep):
        check_json_nesting(('{"a": "' + "]" * 1000 + '\\"", "b": ' + "[" * deep + "]" * deep + "}").encode(), max_depth=LIMIT)
    # an unterminated string runs to the end: linear, whatever the input
    started = time.monotonic()
    for hostile in (b'"\\' * 1_000_000 + b"[" * 300, b'\'"\\' * 1_000_000 + b"(" * 300):
        try:
            check_rdf_nesting(hostile, ox.RdfFormat.TURTLE, max_depth=LIMIT)
            check_json_nesting(hostile, max_depth=LIMIT)
        except NestingTooDeep:
            pass
    assert time.monotonic() - started < 30


def test_loads_json_and_the_setting():
    assert loads_json(b'{"a": [[1]]}', max_depth=3) == {"a": [[1]]}
    with pytest.raises(NestingTooDeep) as refused:
        loads_json(b'{"a": [[1]]}', max_depth=2)
    assert refused.value.extra["line"] == 1 and refused.value.extra["column"] == 8
    assert Settings(max_nesting_depth=64).max_nesting_depth == 64
    with pytest.raises(ValueError):
        Settings(max_nesting_depth=5_000)  # above the parsers' own stack limits


def test_the_configured_limit_applies(tmp_path):
    from fastapi.testclient import TestClient

    from registry.web.app import create_app
    from tests.conftest import Actors
    from registry.services import Registry

    settings = Settings(store=str(tmp_path / "store"), base_iri="http://testserver/", load_bundled=False, max_nesting_depth=16)
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    with TestClient(create_app(settings)) as client:
        headers = {"Content-Type": "text/turtle", **actors.test}
        assert client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers=headers).status_code == 201
        response = client.put(PROFILE, content=turtle_collection(20), headers=headers)
        problem = assert_problem(response, 422, "nesting-too-deep")
        check_refusal(problem, 16)


@pytest.mark.slow
def test_a_real_server_survives_deep_documents_and_keeps_serving(tmp_path, server_factory):
    """The issue's exact attack on a real server process, while another client keeps validating."""
    store = tmp_path / "store"
    token = make_community(store)
    server = server_factory(store).start()
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.put(f"{server.url}/vocabularies/techniques/versions/1.0.0", content=VOCAB,
                     headers={**headers, "Content-Type": "text/turtle"}, timeout=120).status_code == 201
    assert httpx.put(f"{server.url}/profiles/test-profile/versions/1.0.0", content=SHAPES,
                     headers={**headers, "Content-Type": "text/turtle"}, timeout=120).status_code == 201
    small = SMALL
    stop = threading.Event()
    other: list[tuple[int, float]] = []

    def other_client():
        with httpx.Client(base_url=server.url, timeout=60) as c:
            while not stop.is_set():
                started = time.monotonic()
                r = c.post("/validate?profile=test-profile", content=small, headers={"Content-Type": "text/turtle"})
                other.append((r.status_code, time.monotonic() - started))
                assert r.json()["conforms"] is True

    thread = threading.Thread(target=other_client, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as attacker:
            for levels in LEVELS:
                for name, (media, make) in SYNTAXES.items():
                    r = attacker.post("/validate?profile=test-profile", content=make(levels),
                                      headers={"Content-Type": media})
                    assert_problem(r, 422, "nesting-too-deep")
                    assert server.alive, f"the server died on {name} at {levels} levels"
    finally:
        time.sleep(0.5)
        stop.set()
        thread.join(timeout=60)
    assert server.alive
    assert other and all(status == 200 for status, _ in other), other[:5]
    after = httpx.post(f"{server.url}/validate?profile=test-profile", content=small,
                       headers={"Content-Type": "text/turtle"}, timeout=60)
    assert after.status_code == 200 and after.json()["conforms"] is True
