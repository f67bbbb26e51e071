"""One streaming pass over a vocabulary document's IRIs (issue 16, "Speed and size").

Three publish-time checks look at every IRI of a vocabulary: unsafe characters (issue 7), subjects
outside the community's namespaces or with dot segments (issue 12), and unusual or script IRI
schemes (issue 12). As SPARQL scans of the loaded graph they cost about 2x the bulk load of a
1M-triple vocabulary (each row's IRI is read back from the store's dictionary: ~15 s of CPU per
scan against 16 s for `bulk_load`, benchmarks/vocab.py). pyoxigraph's parser streams the same
document into Python in ~3 s, and each distinct IRI is looked at once.

The pass only collects what the checks need (the first offenders, in document order); the
checks' findings are made by `registry.publishing.references` as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from registry.iri_schemes import USUAL_SCHEME_SPARQL_REGEX
from registry.rdf import UNSAFE_IRI_CHARS

from .references import DOT_SEGMENT_HINTS
from .skos_facts import PREDICATE_CODES, SUBJECT, SkosFacts

#: what `check_namespace` gets at most (the first 20 are listed, one more says "and more")
NAMESPACE_ROWS = 21
#: what `check_iri_schemes` gets at most
SCHEME_ROWS = 41
_USUAL = re.compile(USUAL_SCHEME_SPARQL_REGEX, re.IGNORECASE)


@dataclass
class IriScan:
    """What one pass over a document found: each list distinct, in document order."""

    #: the first IRI with a bidi-control or invisible character (`registry.rdf.UNSAFE_IRI_CHARS`)
    unsafe: str | None = None
    #: subject IRIs outside the namespaces, or that may hold a dot segment (exact test: `check_namespace`)
    outside: list[str] = field(default_factory=list)
    #: IRIs (subject, predicate or object) whose scheme is not http(s) or urn
    unusual: list[str] = field(default_factory=list)
    triples: int = 0
    #: what the SKOS checks and the search index need (`registry.publishing.skos_facts`), when asked for
    facts: SkosFacts | None = None


def scan_iris(source: bytes | Path, fmt: ox.RdfFormat, namespaces: list[str], *, skos: bool = False) -> IriScan:
    """Parse `source` once (as `Store.bulk_load` does: same parser, same options) and collect
    what the IRI checks need, and with `skos` what the SKOS checks and the search index need
    (`IriScan.facts`). Raises the parser's `SyntaxError` on a bad document."""
    prefixes = tuple(ns for ns in namespaces if ns)
    scan = IriScan()
    outside, unusual = scan.outside, scan.unusual
    # every IRI is interned once (its id says it was looked at); SUBJECT flags the subjects
    facts = SkosFacts()
    ids, intern, flags = facts.ids, facts.intern, facts.flags
    codes = PREDICATE_CODES if skos else {}
    named, blank = ox.NamedNode, ox.BlankNode
    kwargs = {"path": str(source)} if isinstance(source, Path) else {"input": source}
    count = 0

    def look(iri: str) -> int:
        if scan.unsafe is None and UNSAFE_IRI_CHARS.search(iri):
            scan.unsafe = iri
        if len(unusual) < SCHEME_ROWS and not _USUAL.match(iri):
            unusual.append(iri)
        return intern(iri)

    for triple in ox.parse(format=fmt, **kwargs):
        count += 1
        s = triple.subject
        if type(s) is named:
            v = s.value
            sid = ids.get(v)
            if sid is None:
                sid = look(v)
            if not flags[sid] & SUBJECT:
                flags[sid] |= SUBJECT
                if len(outside) < NAMESPACE_ROWS and (
                    not (prefixes and v.startswith(prefixes)) or any(h in v.lower() for h in DOT_SEGMENT_HINTS)
                ):
                    outside.append(v)
        elif type(s) is blank:
            sid = facts.term_id(s) if skos else -1
        else:
            sid = -1
        p = triple.predicate.value
        if p not in ids:
            look(p)
        o = triple.object
        oid = None
        if type(o) is named:
            v = o.value
            oid = ids.get(v)
            if oid is None:
                oid = look(v)
        code = codes.get(p)
        if code is not None and sid >= 0:
            facts.add(code, p, sid, o, oid)
    scan.triples = count
    if skos:
        facts.finish()
        facts.triples = count
        scan.facts = facts
    return scan
