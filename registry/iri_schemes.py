"""IRI schemes: which IRIs the UI turns into links, which a publication refuses (issue 12, item 3).

RFC 3986 §3.1: a scheme is ``ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`` followed by ``:``, and
is case-insensitive (``JavaScript:`` is ``javascript:``). A browser runs ``javascript:`` and
``vbscript:`` URLs and renders ``data:text/html`` documents, so an IRI taken from a published
graph becomes an ``href`` only when it is an http(s) URL: an allow-list, so that no spelling of a
dangerous scheme can slip through.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)

#: Schemes that make a browser run script or render a document from the IRI itself: refused in
#: published vocabularies and shapes (no metadata standard needs them).
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})
#: Schemes a metadata graph normally uses; any other one (mailto:, file:, tag:...) is a warning.
USUAL_SCHEMES = frozenset({"http", "https", "urn"})
#: The same, as a SPARQL regex over `STR(?x)` (a constant: no user text in the query).
USUAL_SCHEME_SPARQL_REGEX = "^(https?|urn):"


def iri_scheme(iri: str) -> str | None:
    """The lower-cased scheme of an IRI, None when it has none (RFC 3986 §3.1)."""
    match = _SCHEME.match(iri)
    return match.group(1).lower() if match else None


def is_web_link(iri: object) -> bool:
    """True when `iri` is an http(s) URL, the only IRIs the UI writes into an ``href``."""
    return isinstance(iri, str) and bool(_WEB_LINK.match(iri))
