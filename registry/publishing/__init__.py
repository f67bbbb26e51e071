"""Publish-time checks of profiles (SHACL shapes) and vocabularies (SKOS).

Every check returns a list of :class:`Finding`; a publication with any error is rejected.
"""

from .findings import Finding, has_errors
from .lint import check_iri_schemes, check_namespace, check_vocabulary_references, lint_shapes, referenced_schemes
from .references import DOT_SEGMENT_HINTS, has_dot_segment
from .resources import shapes_dir
from .shacl_checks import check_shapes
from .skos_checks import POLICIES as SKOS_POLICIES, check_scheme_count, check_vocabulary, check_vocabulary_facts

__all__ = [
    "Finding",
    "has_errors",
    "check_shapes",
    "lint_shapes",
    "check_vocabulary_references",
    "referenced_schemes",
    "check_namespace",
    "check_iri_schemes",
    "has_dot_segment",
    "DOT_SEGMENT_HINTS",
    "check_vocabulary",
    "check_vocabulary_facts",
    "check_scheme_count",
    "SKOS_POLICIES",
    "shapes_dir",
]
