"""CORS on public reads (issue 13, item 5): the Skosmos API, the search and concept routes, /sparql
(GET and POST) and the linked-data reads answer any origin, never with credentials; writes and the
community area never answer cross-origin (no CORS header, preflight refused)."""

from __future__ import annotations

import pytest

ORIGIN = {"Origin": "https://dataverse.example.org"}
CONCEPT = "https://w3id.org/metsa/vocab/technique/sem"


def assert_cors(response):
    assert response.headers.get("access-control-allow-origin") == "*", (response.status_code, dict(response.headers))
    assert "access-control-allow-credentials" not in response.headers


def assert_no_cors(response):
    assert "access-control-allow-origin" not in response.headers, dict(response.headers)
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("path", [
    "/rest/v1/vocabularies",
    "/rest/v1/search?query=sca*&vocab=technique&lang=en",
    f"/rest/v1/data?uri={CONCEPT}",
    f"/rest/v1/technique/label?uri={CONCEPT}",
    "/search?q=scanning",
    "/vocabularies/technique/search?q=scanning",
    f"/vocab/concept?iri={CONCEPT}",
    "/sparql?query=ASK%20%7B%7D",
    "/profiles/electron-microscopy/versions/1.0.0",
    "/profiles/electron-microscopy/1.0.0",
    "/vocabularies/technique",
    "/profiles/electron-microscopy/versions/1.0.0/dataverse/cvoc.json",
])
def test_public_reads_answer_any_origin(bundled_client, path):
    response = bundled_client.get(path, headers=ORIGIN)
    assert response.status_code == 200, response.text[:300]
    assert_cors(response)


def test_the_skosmos_answer_is_real_json_with_the_header(bundled_client):
    response = bundled_client.get(f"/rest/v1/data?uri={CONCEPT}", headers={**ORIGIN, "Accept": "application/json"})
    assert_cors(response)
    graph = response.json()["graph"]
    assert any(node.get("uri") == CONCEPT for node in graph)


def test_errors_of_public_reads_also_carry_the_header(bundled_client):
    response = bundled_client.get("/rest/v1/data?uri=https://w3id.org/metsa/vocab/technique/nope", headers=ORIGIN)
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert_cors(response)


def test_sparql_post_is_a_read(bundled_client):
    form = bundled_client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"},
                               headers={**ORIGIN, "Accept": "application/sparql-results+json"})
    assert form.status_code == 200 and form.json()["boolean"] is True
    assert_cors(form)
    direct = bundled_client.post("/sparql", content=b"ASK { ?s ?p ?o }",
                                 headers={**ORIGIN, "Content-Type": "application/sparql-query",
                                          "Accept": "application/sparql-results+json"})
    assert direct.json()["boolean"] is True
    assert_cors(direct)


def test_reconciliation_queries_by_post_are_reads(bundled_client):
    response = bundled_client.post("/reconcile/technique", data={"queries": '{"q0": {"query": "scanning"}}'},
                                   headers=ORIGIN)
    assert response.status_code == 200 and response.json()["q0"]["result"]
    assert_cors(response)


@pytest.mark.parametrize("path,method", [("/rest/v1/search", "GET"), ("/sparql", "POST"), ("/sparql/latest", "POST"),
                                         ("/profiles/electron-microscopy/versions/1.0.0", "GET")])
def test_preflight_of_public_reads(bundled_client, path, method):
    response = bundled_client.options(path, headers={**ORIGIN, "Access-Control-Request-Method": method,
                                                     "Access-Control-Request-Headers": "content-type, authorization"})
    assert response.status_code == 204
    assert_cors(response)
    assert method in response.headers["access-control-allow-methods"]
    allowed = [h.strip() for h in response.headers["access-control-allow-headers"].split(",")]
    assert allowed == ["content-type"]  # never Authorization: no credentials cross-origin
    assert int(response.headers["access-control-max-age"]) > 0


@pytest.mark.parametrize("method,path", [
    ("PUT", "/profiles/electron-microscopy/versions/9.0.0"),
    ("PUT", "/vocabularies/technique/versions/9.0.0"),
    ("PATCH", "/profiles/electron-microscopy/versions/1.0.0"),
    ("POST", "/validate"),
    ("POST", "/ui/community/sign-in"),
])
def test_writes_never_answer_cross_origin(bundled_client, method, path):
    preflight = bundled_client.options(path, headers={**ORIGIN, "Access-Control-Request-Method": method})
    assert preflight.status_code != 204
    assert_no_cors(preflight)
    response = bundled_client.request(method, path, headers=ORIGIN)
    assert response.status_code >= 400  # refused (no token, no CSRF token)
    assert_no_cors(response)


def test_the_community_area_never_answers_cross_origin(bundled_client):
    response = bundled_client.get("/ui/community", headers=ORIGIN)
    assert response.status_code == 200
    assert_no_cors(response)
    preflight = bundled_client.options("/ui/community", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert_no_cors(preflight)


def test_no_origin_no_difference_for_same_origin_reads(bundled_client):
    # The header is static ("*"): a cache can share the answer between origins.
    plain = bundled_client.get("/rest/v1/vocabularies")
    assert plain.headers["access-control-allow-origin"] == "*"
