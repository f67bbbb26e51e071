"""A registry of research metadata profiles: SHACL shapes + SKOS vocabularies, described with
W3C PROF and DCAT, stored in Oxigraph, validated with pySHACL, queried with SPARQL 1.1."""

__version__ = "0.1.0"
