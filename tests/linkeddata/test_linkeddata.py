"""Dereferencing the IRIs the registry mints, content negotiation by media type and by profile,
the Graph Store Protocol (read), VoID and the DCAT catalog, on a running registry. RDF answers
are parsed and asserted on."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
PROF = "http://www.w3.org/ns/dx/prof/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
ALTR = "http://www.w3.org/ns/dx/conneg/altr#"
TECH = "https://w3id.org/test/technique/"


def graph(r: httpx.Response) -> set[tuple[str, str, str]]:
    assert r.status_code == 200, r.text
    fmt = ox.RdfFormat.from_media_type(r.headers["content-type"].split(";")[0])
    return {(t.subject.value, t.predicate.value, t.object.value) for t in (q.triple for q in ox.parse(r.content, fmt))}


def get(server, path: str, **kw) -> httpx.Response:
    return httpx.get(server.base + path.lstrip("/"), timeout=30, **kw)


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"])
def test_profile_version_by_accept(registry_server, accept):
    v = registry_server.base + "profiles/test-profile/1.0.0"
    r = get(registry_server, "/profiles/test-profile/1.0.0", headers={"Accept": accept})
    assert r.headers["content-type"].startswith(accept)
    triples = graph(r)
    assert (v, RDF_TYPE, PROF + "Profile") in triples
    assert (v, DCAT + "version", "1.0.0") in triples
    assert r.headers["link"].startswith(f'<{PROF}>; rel="profile"')


def test_every_minted_iri_dereferences(registry_server):
    base = registry_server.base
    cases = {
        "profiles/test-profile": (base + "profiles/test-profile", DCAT + "hasVersion", base + "profiles/test-profile/1.0.0"),
        "profiles/test-profile/1.0.0/shapes": ("https://w3id.org/test/shapes/DatasetShape", RDF_TYPE, SH + "NodeShape"),
        "vocabularies/techniques": (base + "vocabularies/techniques", DCAT + "hasCurrentVersion", base + "vocabularies/techniques/1.0.0"),
        "vocabularies/techniques/1.0.0": (base + "vocabularies/techniques/1.0.0", RDF_TYPE, DCAT + "Dataset"),
        "vocabularies/techniques/1.0.0/concepts": (TECH + "stem", SKOS + "broader", TECH + "tem"),
        "communities/test": (base + "communities/test", RDF_TYPE, "http://xmlns.com/foaf/0.1/Organization"),
        "catalog": (base + "catalog", RDF_TYPE, DCAT + "Catalog"),
    }
    for path, triple in cases.items():
        assert triple in graph(get(registry_server, path, headers={"Accept": "text/turtle"})), path
        r = get(registry_server, path, params={"_mediatype": "application/n-triples"})
        assert r.headers["content-type"].startswith("application/n-triples")
        assert triple in graph(r), path
        html = get(registry_server, path, headers={"Accept": "text/html,*/*;q=0.8"})
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html"), path


def test_json_api_is_unchanged_on_shared_iris(registry_server):
    r = get(registry_server, "/profiles/test-profile")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["id"] == "test-profile"
    r = get(registry_server, "/profiles/test-profile/versions/1.0.0", headers={"Accept": "application/json"})
    assert r.json()["version"] == "1.0.0"


def test_context_dereferences(registry_server):
    r = get(registry_server, "/profiles/test-profile/1.0.0/context")
    assert r.status_code in (200, 404)
    if r.status_code == 404:
        assert r.headers["content-type"].startswith("application/problem+json")


def test_drafts_do_not_dereference(registry_server):
    for path in ("profiles/draft-profile/0.1.0", "profiles/draft-profile/0.1.0/shapes"):
        r = get(registry_server, path, headers={"Accept": "text/turtle"})
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")
    r = get(registry_server, "profiles/draft-profile", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    catalog = graph(get(registry_server, "catalog", headers={"Accept": "text/turtle"}))
    assert not any("draft-profile" in s or "draft-profile" in o for s, _, o in catalog)


def test_conneg_by_profile(registry_server):
    v = registry_server.base + "profiles/test-profile/1.0.0"
    # ?_profile=shacl: the shapes graph
    r = get(registry_server, "/profiles/test-profile/1.0.0", params={"_profile": "shacl"}, headers={"Accept": "text/turtle"})
    assert ("https://w3id.org/test/shapes/DatasetShape", RDF_TYPE, SH + "NodeShape") in graph(r)
    assert r.headers["content-profile"] == f"<{SH}>"
    assert f'<{SH}>; rel="profile"' in r.headers["link"]
    # Accept-Profile by IRI, with q-values
    r = get(registry_server, "/profiles/test-profile/1.0.0",
            headers={"Accept": "text/turtle", "Accept-Profile": f"<urn:unknown>, <{SH}>;q=0.9, <{PROF}>;q=0.5"})
    assert ("https://w3id.org/test/shapes/DatasetShape", RDF_TYPE, SH + "NodeShape") in graph(r)
    r = get(registry_server, "/profiles/test-profile/1.0.0", headers={"Accept": "text/turtle", "Accept-Profile": f"<{PROF}>"})
    assert (v, RDF_TYPE, PROF + "Profile") in graph(r)
    # vocabulary version: skos profile gives the concepts
    r = get(registry_server, "/vocabularies/techniques/1.0.0", params={"_profile": "skos", "_mediatype": "text/turtle"})
    assert (TECH + "stem", SKOS + "broader", TECH + "tem") in graph(r)
    # unknown profile asked for by parameter: 406 problem
    r = get(registry_server, "/profiles/test-profile/1.0.0", params={"_profile": "nope"})
    assert r.status_code == 406 and r.headers["content-type"].startswith("application/problem+json")


def test_alternate_profiles(registry_server):
    url = registry_server.base + "profiles/test-profile/1.0.0"
    r = get(registry_server, "/profiles/test-profile/1.0.0", params={"_profile": "alt"}, headers={"Accept": "text/turtle"})
    triples = graph(r)
    reps = {o for s, p, o in triples if s == url and p == ALTR + "hasRepresentation"}
    conforms = {o for s, p, o in triples if s in reps and p == "http://purl.org/dc/terms/conformsTo"}
    assert conforms == {PROF, DCAT, SH}
    formats = {o for s, p, o in triples if s in reps and p == "http://purl.org/dc/terms/format"}
    assert {"text/turtle", "application/ld+json", "text/html"} <= formats
    html = get(registry_server, "/profiles/test-profile/1.0.0", params={"_profile": "alt"}, headers={"Accept": "text/html"})
    assert "shacl" in html.text


def test_concept_resource(registry_server):
    r = get(registry_server, "/resource", params={"iri": TECH + "tem"}, headers={"Accept": "text/turtle"})
    triples = graph(r)
    assert (TECH + "tem", SKOS + "prefLabel", "Transmission electron microscopy") in triples
    r = get(registry_server, "/concept", params={"iri": TECH + "stem", "_mediatype": "application/ld+json"})
    assert (TECH + "stem", SKOS + "broader", TECH + "tem") in graph(r)
    assert get(registry_server, "/resource", params={"iri": "https://w3id.org/test/nothing"}).status_code == 404
    assert get(registry_server, "/resource", params={"iri": "not an iri"}).status_code == 422
    assert get(registry_server, "/resource").status_code == 422


def test_graph_store_protocol_read(registry_server):
    concepts = registry_server.base + "vocabularies/techniques/1.0.0/concepts"
    r = get(registry_server, "/graphs", params={"graph": concepts}, headers={"Accept": "application/n-triples"})
    triples = graph(r)
    assert (TECH + "stem", SKOS + "broader", TECH + "tem") in triples
    assert len(list(ox.parse(r.content, ox.RdfFormat.N_TRIPLES))) == 24
    assert get(registry_server, "/graphs", params={"graph": "urn:registry:system"}).status_code == 404
    assert get(registry_server, "/graphs", params={"graph": registry_server.base + "profiles/draft-profile/0.1.0"}).status_code == 404


def test_void(registry_server):
    base = registry_server.base
    triples = graph(get(registry_server, "/.well-known/void", headers={"Accept": "text/turtle"}))
    ds = base + ".well-known/void#registry"
    assert (ds, RDF_TYPE, VOID + "Dataset") in triples
    assert (ds, VOID + "sparqlEndpoint", base + "sparql") in triples
    subsets = {o for s, p, o in triples if s == ds and p == VOID + "subset"}
    assert base + "vocabularies/techniques/1.0.0/concepts" in subsets
    assert not any("draft-profile" in s for s in subsets)
    concepts = base + "vocabularies/techniques/1.0.0/concepts"
    assert (concepts, VOID + "triples", "24") in triples
    dump = next(o for s, p, o in triples if s == concepts and p == VOID + "dataDump")
    assert dump == base + "graphs?graph=" + quote(concepts, safe="")
    dumped = httpx.get(dump, headers={"Accept": "text/turtle"})
    assert len(list(ox.parse(dumped.content, ox.RdfFormat.TURTLE))) == 24


def test_dcat_catalog_for_harvesters(registry_server):
    base = registry_server.base
    triples = graph(get(registry_server, "/catalog", headers={"Accept": "application/ld+json"}))
    cat = base + "catalog"
    assert (cat, RDF_TYPE, DCAT + "Catalog") in triples
    resources = {o for s, p, o in triples if s == cat and p == DCAT + "resource"}
    assert {base + "profiles/test-profile", base + "profiles/test-profile/1.0.0",
            base + "vocabularies/techniques", base + "vocabularies/techniques/1.0.0"} <= resources
    service = next(o for s, p, o in triples if s == cat and p == DCAT + "service")
    assert (service, RDF_TYPE, DCAT + "DataService") in triples
    assert (service, DCAT + "endpointURL", base + "sparql") in triples
    assert (base + "profiles/test-profile", DCAT + "hasVersion", base + "profiles/test-profile/1.0.0") in triples
    assert (base + "profiles/test-profile/1.0.0", DCAT + "version", "1.0.0") in triples
    # harvest it the way a catalog would: with rdflib, from the wire
    import rdflib

    g = rdflib.Graph().parse(data=get(registry_server, "/catalog", headers={"Accept": "text/turtle"}).text, format="turtle")
    assert (rdflib.URIRef(cat), rdflib.RDF.type, rdflib.URIRef(DCAT + "Catalog")) in g


def test_cors_on_linked_data(registry_server):
    r = get(registry_server, "/catalog", headers={"Accept": "text/turtle", "Origin": "https://x.example"})
    assert r.headers["access-control-allow-origin"] == "*"
