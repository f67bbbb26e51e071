"""Real vocabularies from ../shared/data/vocabularies, published once per session into a real
on-disk store, and the real app over it.

Three of the real files do not pass the registry's publish-time checks as they are, so each
goes through one documented repair before publishing (the checks themselves are not weakened):

* UNESCO Thesaurus: some Arabic labels are both prefLabel and altLabel of one concept (SKOS S13):
  those altLabels are dropped.
* GEMET fr and PhySH: some concepts are skos:related to one of their broader/narrower concepts
  (SKOS S27): those skos:related links are dropped.
* PhySH has 19 concept schemes (one per discipline plus the "APS Taxonomy" of facets); the
  registry holds one scheme per vocabulary, so the test keeps the APS Taxonomy scheme and removes
  the 18 discipline schemes' scheme typing and top-concept links ("scheme splitting": their
  concepts and hierarchy stay).

COAR resource types is published through the HTTP API with a bearer token; the others through
`PublicationService.publish_vocabulary` (set-up speed).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.publication import VocabularySubmission
from registry.services import Registry
from registry.web.app import create_app

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "vocabularies"
BASE = "http://testserver/"
SKOS_PREFIX = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
PHYSH_APS_TAXONOMY = "https://doi.org/10.29172/7b910510-8488-42c8-ac66-4a0afdc726c9"

S13_REPAIR = SKOS_PREFIX + "DELETE { ?s skos:altLabel ?l } WHERE { ?s skos:altLabel ?l . ?s skos:prefLabel ?l }"
S27_REPAIR = SKOS_PREFIX + """DELETE { ?a skos:related ?b } WHERE { ?a skos:related ?b .
  { ?a (skos:broader|^skos:narrower)+ ?b } UNION { ?b (skos:broader|^skos:narrower)+ ?a } }"""
PHYSH_SPLIT = SKOS_PREFIX + f"""DELETE {{ ?s a skos:ConceptScheme . ?s skos:hasTopConcept ?t . ?t skos:topConceptOf ?s }}
WHERE {{ ?s a skos:ConceptScheme FILTER(?s != <{PHYSH_APS_TAXONOMY}>)
  OPTIONAL {{ {{ ?s skos:hasTopConcept ?t }} UNION {{ ?t skos:topConceptOf ?s }} }} }}"""

# id, file, community namespaces, repairs
REAL = {
    "unesco": ("unesco-thesaurus.ttl", ["http://vocabularies.unesco.org/"], [S13_REPAIR]),
    "gemet": ("gemet-fr.rdf", ["http://www.eionet.europa.eu/gemet/", "http://geonetwork-opensource.org/"], [S27_REPAIR]),
    "physh": ("physh_skos_compat.ttl", ["https://doi.org/10.29172/", "https://physh.org/rdf/"], [PHYSH_SPLIT, S27_REPAIR]),
    "eu-file-types": ("eu_filetypes-skos.rdf", ["http://publications.europa.eu/resource/authority/"], []),
}
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


def repaired(name: str, repairs: list[str]) -> bytes:
    """The vocabulary file as N-Triples after its documented repairs."""
    store = ox.Store()
    path = DATA / name
    store.bulk_load(path=str(path), format=FORMATS[path.suffix[1:]])
    for update in repairs:
        store.update(update)
    return ox.serialize(store, format=ox.RdfFormat.N_QUADS)


@pytest.fixture(scope="session")
def vocab_settings(tmp_path_factory) -> Settings:
    return Settings(store=str(tmp_path_factory.mktemp("vocab") / "store"), base_iri=BASE, load_bundled=False)


@pytest.fixture(scope="session")
def vocab_tokens(vocab_settings) -> dict[str, str]:
    """Communities owning the real vocabularies' namespaces; the real vocabularies published."""
    registry = Registry.build(vocab_settings)
    tokens = {}
    try:
        for vid, (name, namespaces, repairs) in REAL.items():
            community = registry.communities.create(vid, vid.upper(), namespaces)
            registry.publication.publish_vocabulary(
                community,
                VocabularySubmission(
                    id=vid, version="1.0.0", source=repaired(name, repairs), format=ox.RdfFormat.N_TRIPLES,
                    title={"en": vid.upper()}, name=name,
                ),
            )
        registry.communities.create("coar", "COAR", ["http://purl.org/coar/"])
        tokens["coar"] = registry.communities.create_token("coar").token
        registry.communities.create("test", "Test community", [TEST_NS])
        tokens["test"] = registry.communities.create_token("test").token
    finally:
        registry.close()
    return tokens


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
