"""A registry of research metadata profiles: SHACL shapes + SKOS vocabularies, described with
W3C PROF and DCAT, stored in Oxigraph, validated with pySHACL, queried with SPARQL 1.1."""

from importlib.metadata import PackageNotFoundError, version

try:  # the one copy of the version is pyproject.toml's `version`, read from the installed metadata
    __version__ = version("research-profile-registry")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
