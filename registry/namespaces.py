"""Namespaces used by the registry, and the IRI scheme it mints under the configured base."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROF, RDF, RDFS, SH, SKOS, VOID, XSD

#: DCAT 3 (rdflib ships DCAT 2, which lacks the versioning terms hasVersion, version, hasCurrentVersion).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
ADMS_STATUS = Namespace("http://purl.org/adms/status/")
ROLE = Namespace("http://www.w3.org/ns/dx/prof/role/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
#: The registry's own small vocabulary (terms no standard has: namespaces owned, content hash, tokens).
REG = Namespace("https://w3id.org/profile-registry/ns#")

def node(iri) -> ox.NamedNode:
    """A term of the namespaces above (or an IRI string) as the pyoxigraph node the store takes."""
    return ox.NamedNode(str(iri))


#: Graph that holds tokens (hashed). Never exposed through SPARQL, linked data or export by default.
SYSTEM_GRAPH = "urn:registry:system"

STATUS_IRIS = {
    "draft": str(ADMS_STATUS.UnderDevelopment),
    "published": str(ADMS_STATUS.Completed),
    "deprecated": str(ADMS_STATUS.Deprecated),
}
STATUS_NAMES = {iri: name for name, iri in STATUS_IRIS.items()}

PREFIXES = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "sh": str(SH),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "prof": str(PROF),
    "role": str(ROLE),
    "foaf": str(FOAF),
    "void": str(VOID),
    "adms": str(ADMS),
    "reg": str(REG),
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

__all__ = [
    "ADMS", "ADMS_STATUS", "DCAT", "DCTERMS", "FOAF", "OWL", "PROF", "QUDT", "RDF", "RDFS", "REG",
    "ROLE", "SH", "SKOS", "UNIT", "VOID", "XSD", "IriScheme", "PREFIXES", "SPARQL_PREFIXES",
    "STATUS_IRIS", "STATUS_NAMES", "SYSTEM_GRAPH",
]


@dataclass(frozen=True)
class IriScheme:
    """The IRIs the registry mints. A deployment changes one setting (the base) to move them all.

    A version IRI is stable forever once published; the artifact graphs hang below it.
    """

    base: str

    @property
    def catalog(self) -> str:
        return self.base + "catalog"

    @property
    def sparql(self) -> str:
        return self.base + "sparql"

    def community(self, cid: str) -> str:
        return f"{self.base}communities/{cid}"

    def profile(self, pid: str) -> str:
        return f"{self.base}profiles/{pid}"

    def profile_version(self, pid: str, version: str) -> str:
        return f"{self.base}profiles/{pid}/{version}"

    def vocabulary(self, vid: str) -> str:
        return f"{self.base}vocabularies/{vid}"

    def vocabulary_version(self, vid: str, version: str) -> str:
        return f"{self.base}vocabularies/{vid}/{version}"

    @staticmethod
    def shapes_graph(version_iri: str) -> str:
        return version_iri + "/shapes"

    @staticmethod
    def concepts_graph(version_iri: str) -> str:
        return version_iri + "/concepts"

    @staticmethod
    def context_graph(version_iri: str) -> str:
        return version_iri + "/context"

    @staticmethod
    def example_graph(version_iri: str, name: str) -> str:
        """An example record stored with a profile version (issue 17, item 5)."""
        return f"{version_iri}/examples/{name}"

    @staticmethod
    def resource(version_iri: str, name: str) -> str:
        return f"{version_iri}/resources/{name}"

    def token(self, token_id: str) -> str:
        return f"urn:registry:token:{token_id}"
