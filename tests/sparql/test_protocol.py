"""SPARQL 1.1 Protocol against a running registry, with real clients: SPARQLWrapper (every query
form, GET / POST form / POST direct, every return format), rdflib's SPARQLStore, and raw HTTP
for the edge cases. Every answer is parsed."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from tests.conftest import BACKEND
from tests.problems import assert_problem

TECH = "https://w3id.org/test/technique/"

SKOS = "http://www.w3.org/2004/02/skos/core#"
SELECT_LABELS = f"""PREFIX skos: <{SKOS}>
SELECT ?c ?label WHERE {{ ?c skos:inScheme <{TECH}> ; skos:prefLabel ?label FILTER(LANG(?label) = "en") }} ORDER BY ?c"""
ASK_TEM = f"ASK {{ <{TECH}tem> a <{SKOS}Concept> }}"
CONSTRUCT_BROADER = f"PREFIX skos: <{SKOS}> CONSTRUCT {{ ?c skos:broader ?b }} WHERE {{ ?c skos:broader ?b }}"
DESCRIBE_TEM = f"DESCRIBE <{TECH}tem>"
EXPECTED_LABELS = {
    (TECH + "hrstem", "High-resolution STEM"),
    (TECH + "stem", "Scanning transmission electron microscopy"),
    (TECH + "tem", "Transmission electron microscopy"),
}
EXPECTED_BROADER = {(TECH + "stem", SKOS + "broader", TECH + "tem"), (TECH + "hrstem", SKOS + "broader", TECH + "stem")}


def wrapper(server, method: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.sparql)
    if method == "POST":
        sparql.setMethod(POST)
    elif method == "POSTDIRECTLY":
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    return sparql


METHODS = ["GET", "POST", "POSTDIRECTLY"]


# --- SPARQLWrapper -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_every_format_and_method(registry_server, method, fmt):
    sparql = wrapper(registry_server, method)
    sparql.setQuery(SELECT_LABELS)
    sparql.setReturnFormat(fmt)
    result = sparql.query()
    converted = result.convert()
    if fmt == JSON:
        assert result.info()["content-type"].startswith("application/sparql-results+json")
        rows = {(b["c"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]}
    elif fmt == XML:
        assert result.info()["content-type"].startswith("application/sparql-results+xml")
        rows = set()
        for res in converted.getElementsByTagName("result"):
            values = {}
            for binding in res.getElementsByTagName("binding"):
                values[binding.getAttribute("name")] = binding.firstChild.firstChild.data
            rows.add((values["c"], values["label"]))
    elif fmt == CSV:
        reader = csv.DictReader(io.StringIO(converted.decode("utf-8")))
        rows = {(r["c"], r["label"]) for r in reader}
    else:
        assert converted.decode("utf-8").split("\n")[0].split("\t") == ["?c", "?label"]
        table = ox.parse_query_results(converted, ox.QueryResultsFormat.TSV)
        rows = {(s["c"].value, s["label"].value) for s in table}
    assert rows == EXPECTED_LABELS


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_every_format_and_method(registry_server, method, fmt):
    sparql = wrapper(registry_server, method)
    sparql.setQuery(ASK_TEM)
    sparql.setReturnFormat(fmt)
    converted = sparql.query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    else:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    sparql.setQuery(f"ASK {{ <{TECH}nothing> ?p ?o }}")
    converted = sparql.query().convert()
    assert (converted["boolean"] if fmt == JSON else converted.getElementsByTagName("boolean")[0].firstChild.data) in (
        False,
        "false",
    )


def _triples(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for s, p, o in graph}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_construct_every_format_and_method(registry_server, method, fmt):
    sparql = wrapper(registry_server, method)
    sparql.setQuery(CONSTRUCT_BROADER)
    sparql.setReturnFormat(fmt)
    result = sparql.query()
    graph = result.convert()
    if isinstance(graph, bytes):  # SPARQLWrapper returns Turtle/N3 as bytes
        graph = rdflib.Graph().parse(data=graph, format="turtle")
    assert _triples(graph) == EXPECTED_BROADER


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_describe_every_format_and_method(registry_server, method, fmt):
    sparql = wrapper(registry_server, method)
    sparql.setQuery(DESCRIBE_TEM)
    sparql.setReturnFormat(fmt)
    graph = sparql.query().convert()
    if isinstance(graph, bytes):
        graph = rdflib.Graph().parse(data=graph, format="turtle")
    triples = _triples(graph)
    assert (TECH + "tem", SKOS + "prefLabel", "Transmission electron microscopy") in triples
    if BACKEND == "virtuoso":
        # what DESCRIBE gives is the store's choice (SPARQL 1.1 §16.4): Virtuoso also gives the
        # triples that point at the resource (docs/deployment.md, quirk table)
        assert all(TECH + "tem" in (s, o) for s, _, o in triples), triples
        assert any(o == TECH + "tem" for _, _, o in triples), triples
    else:
        assert all(s == TECH + "tem" for s, _, _ in triples), triples


def test_ntriples_by_accept(registry_server):
    r = httpx.get(registry_server.sparql, params={"query": CONSTRUCT_BROADER}, headers={"Accept": "application/n-triples"})
    assert r.headers["content-type"].startswith("application/n-triples")
    parsed = {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)}
    assert parsed == EXPECTED_BROADER


# --- rdflib's SPARQLStore ----------------------------------------------------------------------


def test_rdflib_sparqlstore(registry_server):
    store = SPARQLStore(registry_server.sparql)  # GET, Accept: SPARQL XML results or RDF/XML
    graph = rdflib.Graph(store=store)
    rows = {(str(r.c), str(r.label)) for r in graph.query(SELECT_LABELS)}
    assert rows == EXPECTED_LABELS
    assert graph.query(ASK_TEM).askAnswer is True
    constructed = graph.query(CONSTRUCT_BROADER).graph
    assert _triples(constructed) == EXPECTED_BROADER
    # triple patterns become queries too
    labels = {str(o) for o in graph.objects(rdflib.URIRef(TECH + "stem"), rdflib.URIRef(SKOS + "altLabel"))}
    assert labels == {"STEM"}
    store.close()
    json_store = SPARQLStore(registry_server.sparql, returnFormat="json")
    rows = {(str(r.c), str(r.label)) for r in rdflib.Graph(store=json_store).query(SELECT_LABELS)}
    assert rows == EXPECTED_LABELS


def test_rdflib_sparqlstore_post_xml(registry_server):
    store = SPARQLStore(registry_server.sparql, method="POST", returnFormat="xml")
    rows = {(str(r.c), str(r.label)) for r in rdflib.Graph(store=store).query(SELECT_LABELS)}
    assert rows == EXPECTED_LABELS


# --- the dataset: union of public graphs, never drafts, never the system graph -----------------


def _select(server, query: str, **params) -> list[dict]:
    r = httpx.get(server.sparql, params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_default_graph_is_union_of_public_graphs(registry_server):
    base = registry_server.base
    graphs = {row["g"] for row in _select(registry_server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {
        base + "catalog",
        base + "profiles/test-profile/1.0.0",
        base + "profiles/test-profile/1.0.0/shapes",
        base + "vocabularies/techniques/1.0.0",
        base + "vocabularies/techniques/1.0.0/concepts",
    }
    # the default graph holds what every public graph holds
    rows = _select(registry_server, f"SELECT ?v WHERE {{ <{base}profiles/test-profile> <http://www.w3.org/ns/dcat#hasVersion> ?v }}")
    assert {r["v"] for r in rows} == {base + "profiles/test-profile/1.0.0"}
    assert _select(registry_server, SELECT_LABELS)


def test_drafts_and_tokens_are_never_visible(registry_server):
    base = registry_server.base
    draft = base + "profiles/draft-profile/0.1.0"
    queries = [
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), 'draft-profile') || CONTAINS(STR(?o), 'Secret')) }",
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{draft}> {{ ?s ?p ?o }} }}",
        f"SELECT ?s ?p ?o FROM <{draft}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?s ?p ?o FROM NAMED <{draft}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT ?s ?p ?o WHERE { GRAPH <urn:registry:system> { ?s ?p ?o } }",
        "SELECT ?s ?p ?o FROM <urn:registry:system> WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { ?s a <https://w3id.org/profile-registry/ns#Token> }",
    ]
    for query in queries:
        assert _select(registry_server, query) == [], query
    # asking for the draft graph by protocol parameter gives an empty dataset, not the draft
    assert _select(registry_server, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": draft}) == []
    assert _select(registry_server, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": draft}) == []


def test_default_and_named_graph_uri(registry_server):
    base = registry_server.base
    concepts = base + "vocabularies/techniques/1.0.0/concepts"
    # the query's own FROM restricts the dataset to public graphs it names
    rows = _select(registry_server, f"SELECT DISTINCT ?t FROM <{concepts}> WHERE {{ ?s a ?t }}")
    assert {r["t"] for r in rows} == {SKOS + "Concept", SKOS + "ConceptScheme"}
    rows = _select(registry_server, f"SELECT DISTINCT ?g FROM NAMED <{concepts}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert {r["g"] for r in rows} == {concepts}
    rows = _select(registry_server, "SELECT DISTINCT ?t WHERE { ?s a ?t }", **{"default-graph-uri": concepts})
    assert {r["t"] for r in rows} == {SKOS + "Concept", SKOS + "ConceptScheme"}
    rows = _select(
        registry_server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": [concepts, base + "catalog"]}
    )
    assert {r["g"] for r in rows} == {concepts, base + "catalog"}
    # POST form with the same parameters
    r = httpx.post(
        registry_server.sparql,
        data={"query": "SELECT DISTINCT ?t WHERE { ?s a ?t }", "default-graph-uri": concepts},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert {b["t"]["value"] for b in r.json()["results"]["bindings"]} == {SKOS + "Concept", SKOS + "ConceptScheme"}
    # POST direct: dataset parameters in the URL
    r = httpx.post(
        registry_server.sparql + "?default-graph-uri=" + quote(concepts, safe=""),
        content="SELECT DISTINCT ?t WHERE { ?s a ?t }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert {b["t"]["value"] for b in r.json()["results"]["bindings"]} == {SKOS + "Concept", SKOS + "ConceptScheme"}


# --- protocol edge cases -----------------------------------------------------------------------


_problem = assert_problem


def test_form_post_with_charset_parameter(registry_server):
    """YASGUI sends `application/x-www-form-urlencoded; charset=UTF-8`."""
    query = 'SELECT ?x WHERE { BIND("électron" AS ?x) }'
    r = httpx.post(
        registry_server.sparql,
        content=("query=" + quote(query)).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "électron"
    r = httpx.post(
        registry_server.sparql,
        content="SELECT ?x WHERE { BIND(\"électron\" AS ?x) }".encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": "application/sparql-results+json"},
    )
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "électron"


@pytest.mark.parametrize("how", ["GET", "POST"])
def test_percent_encoded_literal(registry_server, how):
    raw = 'query=SELECT%20%3Fx%20WHERE%20%7B%20BIND(%2250%25%22%20AS%20%3Fx)%20%7D'  # BIND("50%" AS ?x)
    if how == "GET":
        r = httpx.get(registry_server.sparql + "?" + raw, headers={"Accept": "application/sparql-results+json"})
    else:
        r = httpx.post(
            registry_server.sparql, content=raw.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
        )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "50%"
    # `+` is a space in a form body
    r = httpx.post(
        registry_server.sparql, content=b"query=ASK+%7B+FILTER(%22a+b%22+%3D+%22a+b%22)+%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
    )
    assert r.json()["boolean"] is True


def test_missing_query(registry_server):
    _problem(httpx.post(registry_server.sparql, data={"default-graph-uri": "urn:x"}), 400, "query-missing")
    _problem(httpx.get(registry_server.sparql, params={"default-graph-uri": "urn:x"}), 400, "query-missing")
    _problem(httpx.post(registry_server.sparql, data={"query": "   "}), 400, "query-missing")
    _problem(
        httpx.post(registry_server.sparql, content=b"", headers={"Content-Type": "application/sparql-query"}), 400, "query-missing"
    )


def test_query_and_update_together(registry_server):
    _problem(
        httpx.post(registry_server.sparql, data={"query": "ASK {}", "update": "INSERT DATA { <a:a> <a:b> <a:c> }"}),
        400,
        "query-and-update",
    )
    _problem(httpx.get(registry_server.sparql, params={"query": "ASK {}", "update": "CLEAR ALL"}), 400, "query-and-update")


def test_updates_are_refused(registry_server):
    _problem(httpx.post(registry_server.sparql, data={"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}), 403, "update-refused")
    _problem(
        httpx.post(registry_server.sparql, content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
        403,
        "update-refused",
    )
    _problem(httpx.post(registry_server.sparql, data={"query": "DROP ALL"}), 403, "update-refused")
    _problem(httpx.post(registry_server.sparql, data={"query": "LOAD <http://127.0.0.1:1/x.ttl>"}), 403, "update-refused")
    assert _select(registry_server, "SELECT * WHERE { <a:a> ?p ?o }") == []


def test_wrong_method(registry_server):
    for method in ("PUT", "DELETE", "PATCH"):
        r = httpx.request(method, registry_server.sparql, content=b"ASK {}")
        _problem(r, 405, "method-not-allowed")
        assert "POST" in r.headers["allow"]


def test_unknown_accept_and_content_type(registry_server):
    body = _problem(httpx.get(registry_server.sparql, params={"query": SELECT_LABELS}, headers={"Accept": "image/png"}), 406)
    assert "application/sparql-results+json" in body["detail"]
    _problem(httpx.get(registry_server.sparql, params={"query": CONSTRUCT_BROADER}, headers={"Accept": "text/csv"}), 406)
    _problem(httpx.post(registry_server.sparql, content=b"query=ASK{}", headers={"Content-Type": "text/plain"}), 415)


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_accept_negotiation_for_results(registry_server, accept, expected):
    headers = {"Accept": accept} if accept else {}
    r = httpx.get(registry_server.sparql, params={"query": ASK_TEM}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(expected)
    assert "true" in r.text


def test_default_rdf_format_is_turtle(registry_server):
    r = httpx.get(registry_server.sparql, params={"query": CONSTRUCT_BROADER})
    assert r.headers["content-type"].startswith("text/turtle")
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(r.content, ox.RdfFormat.TURTLE)}
    assert triples == EXPECTED_BROADER


def test_syntax_error_gives_the_parser_message(registry_server):
    body = _problem(httpx.get(registry_server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}), 400, "query-syntax")
    assert "1:" in body["detail"] and "expected" in body["detail"]


def test_invalid_utf8(registry_server):
    _problem(httpx.get(registry_server.sparql + "?query=ASK%7B%7D%FF"), 400, "bad-encoding")
    _problem(
        httpx.post(registry_server.sparql, content=b"ASK {} \xff", headers={"Content-Type": "application/sparql-query"}),
        400,
        "bad-encoding",
    )


def test_cors(registry_server):
    r = httpx.get(registry_server.sparql, params={"query": ASK_TEM}, headers={"Origin": "https://elsewhere.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    r = httpx.options(
        registry_server.sparql,
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )
    assert r.status_code == 204
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-origin"] == "*"
    # errors are readable cross-origin too
    r = httpx.get(registry_server.sparql, params={"query": "SELECT"})
    assert r.headers["access-control-allow-origin"] == "*"


# --- service description and query page -------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("accept, fmt", [(None, ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
                                         ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_service_description(registry_server, accept, fmt):
    r = httpx.get(registry_server.sparql, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in (q.triple for q in ox.parse(r.content, fmt))}
    endpoint = registry_server.sparql
    assert (endpoint, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SD + "Service") in triples
    assert (endpoint, SD + "endpoint", endpoint) in triples
    assert (endpoint, SD + "supportedLanguage", SD + "SPARQL11Query") in triples
    formats = {o for s, p, o in triples if p == SD + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    names = {o for s, p, o in triples if p == SD + "name"}
    assert registry_server.base + "catalog" in names
    assert not any("draft-profile" in n for n in names)


def test_query_page_for_browsers(registry_server):
    r = httpx.get(registry_server.sparql, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "/static/yasgui/yasgui.min.js" in html and "/static/yasgui/yasgui.min.css" in html
    assert "Profiles and their resources" in html
    # nothing from a CDN: every script and stylesheet is local
    import re

    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    js = httpx.get(registry_server.base + "static/yasgui/yasgui.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 100_000
    assert httpx.get(registry_server.base + "static/yasgui/yasgui.min.css").status_code == 200
    assert httpx.get(registry_server.base + "static/yasgui/..%2Fpage.py").status_code == 404


def test_example_queries_run(registry_server):
    from registry.sparql.description import EXAMPLE_QUERIES

    for name, query in EXAMPLE_QUERIES:
        r = httpx.post(registry_server.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (name, r.text)
        json.loads(r.content)
    rows = _select(registry_server, EXAMPLE_QUERIES[0][1])
    assert {r["artifact"] for r in rows} >= {registry_server.base + "profiles/test-profile/1.0.0/shapes"}


# --- protocol edge cases real clients hit (issue 12, item 12) ------------------------------------


def test_relative_iris_resolve_against_the_endpoint(registry_server):
    """The base IRI of a query is the endpoint's URL (as Fuseki and Oxigraph server do):
    `<catalog>` is `{base}catalog`. On the in-process fast path (one triple pattern), in a worker,
    with the query's own relative BASE, and for a CONSTRUCT."""
    base = registry_server.base
    profile = base + "profiles/test-profile"
    fast = _select(registry_server, "SELECT ?v WHERE { <profiles/test-profile> <http://www.w3.org/ns/dcat#hasVersion> ?v }")
    assert fast == [{"v": profile + "/1.0.0"}]
    bound = _select(registry_server, "SELECT ?x WHERE { BIND(<catalog> AS ?x) }")
    assert bound == [{"x": base + "catalog"}]
    own_base = _select(registry_server, "BASE <profiles/> SELECT ?v WHERE { <test-profile> <http://www.w3.org/ns/dcat#hasVersion> ?v "
                                        "FILTER(STRSTARTS(STR(?v), STR(<test-profile>))) }")
    assert own_base == [{"v": profile + "/1.0.0"}]
    r = httpx.post(registry_server.sparql, content="CONSTRUCT { <x> <y> ?v } WHERE { <profiles/test-profile> "
                   "<http://www.w3.org/ns/dcat#hasVersion> ?v }".encode(),
                   headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}
    assert triples == {(base + "x", base + "y", profile + "/1.0.0")}
    # syntax errors still point at the line the client wrote
    body = _problem(httpx.get(registry_server.sparql, params={"query": "SELECT *\nWHERE { ?s ?p }"}), 400, "query-syntax")
    assert "2:" in body["detail"] and "3:" not in body["detail"], body["detail"]


def test_non_utf8_bodies_are_refused(registry_server):
    query = "ASK { ?s ?p ?o }"
    for content, content_type, status, code in [
        (query.encode("utf-16"), "application/sparql-query; charset=utf-16", 415, "unsupported-charset"),
        (query.encode("utf-16"), "application/sparql-query", 400, "bad-encoding"),  # BOM: not UTF-8
        (query.encode("utf-16-le"), "application/sparql-query", 400, "bad-encoding"),  # no BOM: NUL bytes
        (query.encode("utf-32"), "application/sparql-query; charset=utf-32", 415, "unsupported-charset"),
        (("query=" + quote(query)).encode("utf-16-le"), "application/x-www-form-urlencoded", 400, "bad-encoding"),
        (("query=" + quote(query)).encode("utf-16"), "application/x-www-form-urlencoded; charset=utf-16", 415,
         "unsupported-charset"),
    ]:
        r = httpx.post(registry_server.sparql, content=content,
                       headers={"Content-Type": content_type, "Accept": "application/sparql-results+json"})
        _problem(r, status, code)
    # what is allowed still works: UTF-8 declared or not, an ASCII-compatible charset for a form
    for content_type in ("application/sparql-query", "application/sparql-query; charset=UTF-8"):
        r = httpx.post(registry_server.sparql, content=query.encode(), headers={"Content-Type": content_type,
                                                                                "Accept": "application/sparql-results+json"})
        assert r.json()["boolean"] is True
    r = httpx.post(registry_server.sparql, content=("query=" + quote(query)).encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded; charset=iso-8859-1",
                            "Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is True


def test_rdflib_sparqlstore_json_construct_gets_a_graph(registry_server):
    """rdflib's SPARQLStore(returnFormat="json") sends only `Accept: application/sparql-results+json`,
    for every query form: a CONSTRUCT gets a graph in the default RDF syntax (Turtle), not 406."""
    for method in ("GET", "POST"):
        store = SPARQLStore(registry_server.sparql, returnFormat="json", method=method)
        constructed = rdflib.Graph(store=store).query(CONSTRUCT_BROADER).graph
        assert _triples(constructed) == EXPECTED_BROADER
        described = rdflib.Graph(store=store).query(DESCRIBE_TEM).graph
        assert (rdflib.URIRef(TECH + "tem"), rdflib.RDF.type, rdflib.URIRef(SKOS + "Concept")) in described
        store.close()
    r = httpx.get(registry_server.sparql, params={"query": CONSTRUCT_BROADER}, headers={"Accept": "application/sparql-results+json"})
    assert r.headers["content-type"].startswith("text/turtle")
    # an Accept that names neither results nor RDF is still 406
    _problem(httpx.get(registry_server.sparql, params={"query": CONSTRUCT_BROADER}, headers={"Accept": "image/png"}), 406, "not-acceptable")
