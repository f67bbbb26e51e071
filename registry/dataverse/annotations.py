"""The `dvb:` annotation namespace: what a metadata block says that SHACL has no word for.

`registry dataverse import-block` writes these on the shapes it makes, and `export-block` reads
them (on any profile: a community may add them by hand to choose its Dataverse names), so that a
block survives import → load → export. They are annotations: SHACL validation ignores them
(SHACL §2.1: "SHACL processors ignore triples not defined by this specification"). See
`docs/dataverse.md`, "Annotations".

On the profile resource (the `prof:Profile` / `owl:Ontology` of the shapes graph):
    dvb:blockName, dvb:dataverseAlias, dvb:blockURI, dvb:displayName (langString),
    dvb:displayFacet (langString), dvb:dataverseBlock (this profile *is* that existing block,
    e.g. "citation": export refuses to make a second one)
On a property shape (one per Dataverse field; compound fields carry sh:node to their children):
    dvb:fieldName, dvb:fieldType, dvb:displayOrder, dvb:displayFormat, dvb:watermark (langString),
    dvb:advancedSearchField, dvb:facetable, dvb:displayOnCreate, dvb:allowControlledVocabulary,
    dvb:allowMultiples, dvb:required, dvb:termURI (the block's termURI, when it is not sh:path)
On a concept of an imported vocabulary: dvb:identifier (the TSV identifier, possibly empty),
    dvb:displayOrder, dvb:alternate (the loader's alternates, one tab-separated literal).
"""

from __future__ import annotations

from rdflib import Namespace

DVB_IRI = "https://w3id.org/profile-registry/dataverse#"
DVB = Namespace(DVB_IRI)

BLOCK_NAME = DVB.blockName
DATAVERSE_ALIAS = DVB.dataverseAlias
BLOCK_URI = DVB.blockURI
DISPLAY_NAME = DVB.displayName
DISPLAY_FACET = DVB.displayFacet
DATAVERSE_BLOCK = DVB.dataverseBlock

FIELD_NAME = DVB.fieldName
FIELD_TYPE = DVB.fieldType
DISPLAY_ORDER = DVB.displayOrder
DISPLAY_FORMAT = DVB.displayFormat
WATERMARK = DVB.watermark
ADVANCED_SEARCH = DVB.advancedSearchField
FACETABLE = DVB.facetable
DISPLAY_ON_CREATE = DVB.displayOnCreate
ALLOW_CONTROLLED = DVB.allowControlledVocabulary
ALLOW_MULTIPLES = DVB.allowMultiples
REQUIRED = DVB.required
TERM_URI = DVB.termURI
ALTERNATE = DVB.alternate
IDENTIFIER = DVB.identifier
