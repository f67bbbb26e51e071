"""One content negotiation (issue 18, item 3): the JSON API routes, the linked-data routes and
the SPARQL service description answer the same request the same way. Each case below used to
differ: `_mediatype=ttl` gave the JSON view (then a 406) on the API; q-values were ignored by the
API's JSON-or-RDF choice; TriG became N-Triples on the API but stayed TriG on linked-data routes;
three `NotAcceptable` classes."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest

from registry.conneg import GRAPH_OUTPUT_FORMATS, MEDIATYPE_TOKENS
from tests.problems import assert_problem

DATA = Path(__file__).resolve().parent / "data"
PACKAGE = Path(__file__).resolve().parents[2] / "registry"

API_VERSION = "/profiles/test-profile/versions/1.0.0"
API_SHAPES = "/profiles/test-profile/versions/1.0.0/shapes"
LD_VERSION = "/profiles/test-profile/1.0.0"
LD_SHAPES = "/profiles/test-profile/1.0.0/shapes"
RDF_ROUTES = [API_VERSION, API_SHAPES, LD_VERSION, LD_SHAPES, "/sparql"]


@pytest.fixture
def published(client):
    headers = {"Content-Type": "text/turtle", **client.actors.test}
    vocab = (DATA / "techniques-1.0.0.ttl").read_bytes()
    assert client.put("/vocabularies/techniques/versions/1.0.0", content=vocab, headers=headers).status_code == 201
    shapes = (DATA / "shapes-1.0.0.ttl").read_bytes()
    assert client.put("/profiles/test-profile/versions/1.0.0", content=shapes, headers=headers).status_code == 201
    return client


def triples(response) -> set[ox.Triple]:
    media = response.headers["content-type"].split(";")[0]
    quads = ox.parse(response.content, format=GRAPH_OUTPUT_FORMATS[media], base_iri="http://testserver/")
    return {q.triple for q in quads}


@pytest.mark.parametrize("token", ["ttl", "nt", "jsonld", "rdf", "trig"])
@pytest.mark.parametrize("route", RDF_ROUTES)
def test_a_mediatype_token_means_the_same_on_every_route(published, route, token):
    response = published.get(route, params={"_mediatype": token})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].split(";")[0] == MEDIATYPE_TOKENS[token]
    assert triples(response)


def test_q_values_choose_between_the_json_view_and_rdf(published):
    rdf = published.get(API_VERSION, headers={"Accept": "application/json;q=0.5, text/turtle"})
    assert rdf.headers["content-type"].startswith("text/turtle")
    assert triples(rdf)
    view = published.get(API_VERSION, headers={"Accept": "text/turtle;q=0.5, application/json"})
    assert view.headers["content-type"].startswith("application/json")
    assert view.json()["version"] == "1.0.0"


@pytest.mark.parametrize("media", ["application/trig", "application/n-quads"])
def test_a_graph_asked_for_as_a_dataset_is_that_dataset_on_every_route(published, media):
    api = published.get(API_SHAPES, headers={"Accept": media})
    linked = published.get(LD_SHAPES, headers={"Accept": media})
    for response in (api, linked):
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media
    assert triples(api) == triples(linked)
    assert triples(api) == triples(published.get(API_SHAPES, headers={"Accept": "text/turtle"}))


@pytest.mark.parametrize("route", RDF_ROUTES[1:])
def test_nothing_acceptable_is_the_same_problem_everywhere(published, route):
    body = assert_problem(published.get(route, headers={"Accept": "image/png"}), 406, "not-acceptable")
    assert body["title"] == "Not acceptable"


def test_one_not_acceptable_class_and_one_media_type_table():
    """Only registry/errors.py defines NotAcceptable; only registry/conneg.py spells the RDF media
    types out as a table."""
    defined, tables = [], []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "NotAcceptable":
                defined.append(path.relative_to(PACKAGE).as_posix())
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                if {"text/turtle", "application/n-triples"} <= keys or {"turtle", "ntriples", "rdfxml"} <= keys:
                    tables.append(path.relative_to(PACKAGE).as_posix())
    assert defined == ["errors.py"]
    assert tables == [], f"RDF media types spelled out again in {tables}"
