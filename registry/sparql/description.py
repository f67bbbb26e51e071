"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/),
and the example queries shown on the query page."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from registry.namespaces import DCTERMS, RDF, RDFS, VOID

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "RDF_XML", "JSON-LD",
)


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def service_description(endpoint: str, public_graphs: list[str], options) -> list[ox.Triple]:
    s = _n(endpoint)
    dataset = _n(endpoint + "#dataset")
    default = _n(endpoint + "#default-graph")
    t = [
        ox.Triple(s, _n(RDF.type), _n(SD + "Service")),
        ox.Triple(s, _n(SD + "endpoint"), s),
        ox.Triple(s, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(s, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(s, _n(SD + "defaultDataset"), dataset),
        ox.Triple(s, _n(DCTERMS.title), ox.Literal("SPARQL endpoint of the profile registry", language="en")),
        ox.Triple(
            s,
            _n(RDFS.comment),
            ox.Literal(
                "Read-only. The default graph is the union of every published graph (drafts are never "
                f"visible). Limits: {options.timeout_s:g} s per query, {options.max_rows} result rows, "
                f"{options.per_client} concurrent queries per client. SERVICE and updates are refused.",
                language="en",
            ),
        ),
        ox.Triple(dataset, _n(RDF.type), _n(SD + "Dataset")),
        ox.Triple(dataset, _n(SD + "defaultGraph"), default),
        ox.Triple(default, _n(RDF.type), _n(SD + "Graph")),
        ox.Triple(default, _n(RDF.type), _n(VOID.Dataset)),
    ]
    for name in RESULT_FORMAT_IRIS:
        t.append(ox.Triple(s, _n(SD + "resultFormat"), _n(FORMATS + name)))
    for graph in public_graphs:
        node = _n(f"{endpoint}#graph-{hashlib.sha256(graph.encode()).hexdigest()[:16]}")
        t += [
            ox.Triple(dataset, _n(SD + "namedGraph"), node),
            ox.Triple(node, _n(RDF.type), _n(SD + "NamedGraph")),
            ox.Triple(node, _n(SD + "name"), _n(graph)),
        ]
    return t


EXAMPLE_QUERIES: list[tuple[str, str]] = [
    (
        "Profiles and their resources",
        """PREFIX prof: <http://www.w3.org/ns/dx/prof/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?profile ?version ?title ?role ?artifact WHERE {
  ?profile a prof:Profile ; dcat:version ?version ; dct:title ?title ;
           prof:hasResource ?r .
  ?r prof:hasRole ?role ; prof:hasArtifact ?artifact .
} ORDER BY ?profile ?role LIMIT 100""",
    ),
    (
        "Concept schemes",
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheme ?title (COUNT(?c) AS ?concepts) WHERE {
  ?scheme a skos:ConceptScheme .
  OPTIONAL { ?scheme skos:prefLabel|<http://purl.org/dc/terms/title> ?title }
  OPTIONAL { ?c skos:inScheme ?scheme }
} GROUP BY ?scheme ?title LIMIT 100""",
    ),
    (
        "Label search",
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?label WHERE {
  ?concept skos:prefLabel|skos:altLabel ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "microscop"))
} LIMIT 20""",
    ),
    (
        "Broader concepts (hierarchy)",
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
# skos:broader+ as one step then any number: a store may refuse a transitive path with both ends
# unbound (Virtuoso does: docs/deployment.md)
SELECT DISTINCT ?concept ?ancestor ?label WHERE {
  ?concept skos:broader ?parent .
  ?parent skos:broader* ?ancestor .
  OPTIONAL { ?ancestor skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
} LIMIT 50""",
    ),
    (
        "Named graphs",
        "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    ),
]
