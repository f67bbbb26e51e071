"""Real vocabularies from ../shared/data/vocabularies, published unedited once per session into a
real store (embedded on disk, or a real `oxigraph serve` with REGISTRY_TEST_BACKEND=remote), and
the real app over it.

The files are published exactly as their publishers distribute them: UNESCO breaks SKOS S13 and
GEMET and PhySH break S27, which the default SKOS integrity policy reports as warnings
(docs/vocabularies.md); PhySH's 19 concept schemes are one vocabulary version. Each vocabulary is
published by a community that owns its namespaces (publishing checks that every IRI subject is in
one of them).

COAR resource types is published through the HTTP API with a bearer token; the others through
`PublicationService.publish_vocabulary` (set-up speed).
"""

from __future__ import annotations


import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.publishing.service import VocabularySubmission
from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import SHARED_DATA, require_shared, session_store

DATA = SHARED_DATA / "vocabularies"
BASE = "http://testserver/"

# id, file, community, community namespaces (the publisher's own IRI spaces)
REAL = {
    "unesco": ("unesco-thesaurus.ttl", "unesco", ["http://vocabularies.unesco.org/"]),
    "gemet": ("gemet-fr.rdf", "eea", ["http://www.eionet.europa.eu/gemet/", "http://geonetwork-opensource.org/"]),
    "physh": ("physh_skos_compat.ttl", "aps", ["https://doi.org/10.29172/", "https://physh.org/rdf/"]),
    "eu-file-types": ("eu_filetypes-skos.rdf", "op", ["http://publications.europa.eu/resource/authority/"]),
    "coar-access-rights": ("coar_access_rights.nt", "coar", ["http://purl.org/coar/"]),
    "coar-version-types": ("coar_version_types.nt", "coar", ["http://purl.org/coar/"]),
}
#: published through HTTP by the `vclient` fixture
HTTP_PUBLISHED = {"coar-resource-types": ("coar_resource_types.nt", "coar", ["http://purl.org/coar/"])}
FORMATS = {"ttl": ox.RdfFormat.TURTLE, "rdf": ox.RdfFormat.RDF_XML, "nt": ox.RdfFormat.N_TRIPLES}

TEST_NS = "https://w3id.org/test/"
VERSIONED_1 = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix t: <https://w3id.org/test/voc/> .
t:scheme a skos:ConceptScheme ; skos:prefLabel "Techniques"@en, "Techniques"@fr ; skos:hasTopConcept t:microscopy .
t:microscopy a skos:Concept ; skos:inScheme t:scheme ; skos:topConceptOf t:scheme ;
  skos:prefLabel "Microscopy"@en, "Microscopie"@fr ; skos:definition "Imaging small things."@en .
t:sem a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Scanning electron microscopy"@en, "Microscopie électronique à balayage"@fr ;
  skos:altLabel "SEM"@en, "MEB"@fr ; skos:notation "T-SEM" ; skos:exactMatch <http://example.org/other/sem> .
t:tem a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Transmission electron microscopy"@en, "Microscopie électronique en transmission"@fr ;
  skos:altLabel "TEM"@en ; skos:hiddenLabel "transmision electron microscopy"@en .
t:light a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Light microscopy"@en, "Microscopie optique"@fr .
"""
VERSIONED_2 = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix t: <https://w3id.org/test/voc/> .
t:scheme a skos:ConceptScheme ; skos:prefLabel "Techniques"@en, "Techniques"@fr ; skos:hasTopConcept t:microscopy .
t:microscopy a skos:Concept ; skos:inScheme t:scheme ; skos:topConceptOf t:scheme ;
  skos:prefLabel "Microscopy"@en, "Microscopie"@fr ; skos:definition "Imaging small things."@en .
t:sem a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Scanning electron microscopy"@en, "Microscopie électronique à balayage"@fr ;
  skos:altLabel "SEM"@en, "MEB"@fr ; skos:notation "T-SEM" .
t:tem a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Transmission electron microscopy (old)"@en ; owl:deprecated true ; dct:isReplacedBy t:ctem .
t:ctem a skos:Concept ; skos:inScheme t:scheme ; skos:broader t:microscopy ;
  skos:prefLabel "Conventional transmission electron microscopy"@en ; skos:altLabel "CTEM"@en .
"""


@pytest.fixture(scope="session")
def vocab_settings(tmp_path_factory):
    with session_store(tmp_path_factory, "vocab") as location:
        yield Settings(store=location, base_iri=BASE, load_bundled=False)


@pytest.fixture(scope="session")
def vocab_publications(vocab_settings) -> dict:
    """Communities owning the real vocabularies' namespaces, their tokens, and the real
    vocabularies published unedited (id → the publication answer)."""
    require_shared(DATA)
    registry = Registry.build(vocab_settings)
    tokens: dict[str, str] = {}
    results: dict[str, dict] = {}
    try:
        for vid, (name, cid, namespaces) in {**REAL, **HTTP_PUBLISHED}.items():
            if cid not in tokens:
                registry.communities.create(cid, cid.upper(), namespaces)
                tokens[cid] = registry.communities.create_token(cid).token
            if vid in HTTP_PUBLISHED:
                continue
            community = registry.catalog.community(cid)
            path = DATA / name
            result = registry.publication.publish_vocabulary(
                community,
                VocabularySubmission(
                    id=vid, version="1.0.0", source=path, format=FORMATS[path.suffix[1:]],
                    title={"en": vid.upper()}, name=name,
                ),
            )
            results[vid] = result.to_json()
        registry.communities.create("test", "Test community", [TEST_NS])
        tokens["test"] = registry.communities.create_token("test").token
    finally:
        registry.close()
    return {"tokens": tokens, "results": results}


@pytest.fixture(scope="session")
def vocab_tokens(vocab_publications) -> dict[str, str]:
    return vocab_publications["tokens"]


@pytest.fixture(scope="session")
def vclient(vocab_settings, vocab_tokens):
    """The real app on the store with the real vocabularies; COAR and the versioned test
    vocabulary are published through HTTP here."""
    with TestClient(create_app(vocab_settings)) as client:
        auth = {"Authorization": f"Bearer {vocab_tokens['coar']}"}
        response = client.put(
            "/vocabularies/coar-resource-types/versions/3.2.0", content=(DATA / "coar_resource_types.nt").read_bytes(),
            headers={**auth, "Content-Type": "application/n-triples"}, params={"title": "COAR Resource Types"},
        )
        assert response.status_code == 201, response.text
        auth = {"Authorization": f"Bearer {vocab_tokens['test']}"}
        for version, body in (("1.0.0", VERSIONED_1), ("2.0.0", VERSIONED_2)):
            response = client.put(
                f"/vocabularies/techniques/versions/{version}", content=body.encode(),
                headers={**auth, "Content-Type": "text/turtle"}, params={"title": "Techniques"},
            )
            assert response.status_code == 201, response.text
        yield client
