"""What changed between two versions of a vocabulary (issue 17, item 2), each change classified.

A vocabulary version may hold a million triples, so the comparison runs in the store: two SPARQL
queries stream the statements of one concepts graph that the other lacks (`FILTER NOT EXISTS`
over the other graph, an index lookup per statement). Only those — typically a few percent —
reach Python, where they are grouped by concept and read as SKOS changes (SKOS Reference,
https://www.w3.org/TR/skos-reference/):

* concepts added / removed (`rdf:type skos:Concept`, or `skos:inScheme` of the scheme gained or
  lost: leaving the scheme is what a profile's vocabulary check sees);
* deprecated (`owl:deprecated true`, OWL 2 section 5.5; `dct:isReplacedBy`), or no longer;
* relabelled: `skos:prefLabel`, `altLabel`, `hiddenLabel`, per language (section 5);
* moved: `skos:broader` / `narrower` / `topConceptOf` / `hasTopConcept` (sections 4, 8);
* notation (section 6) and mapping (`exactMatch`, `closeMatch`, `broadMatch`, `narrowMatch`,
  `relatedMatch`, section 10) changes;
* anything else said of a concept (definitions, notes...) as documentation.

Statements with blank nodes are left out (their labels differ between two loads of the same
document) and counted in `blank_node_statements`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from registry.evolution.classify import Change

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
DCT_REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"
LABELS = {SKOS + "prefLabel": "prefLabel", SKOS + "altLabel": "altLabel", SKOS + "hiddenLabel": "hiddenLabel"}
HIERARCHY = {SKOS + "broader", SKOS + "narrower", SKOS + "topConceptOf", SKOS + "hasTopConcept"}
MAPPINGS = {SKOS + m: m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}

#: Statements of `$a` that `$b` lacks. One pass over `$a`, one index lookup per statement in `$b`.
ONLY_IN = """SELECT ?s ?p ?o WHERE {
  GRAPH $a { ?s ?p ?o }
  FILTER (!isBlank(?s) && !isBlank(?o))
  FILTER NOT EXISTS { GRAPH $b { ?s ?p ?o } }
}"""
BLANKS_ONLY_IN = """SELECT (COUNT(*) AS ?n) WHERE {
  GRAPH $a { ?s ?p ?o } FILTER (isBlank(?s) || isBlank(?o))
}"""


@dataclass
class _Statements:
    """subject → predicate → set of objects, for one side of the difference."""

    by_subject: dict

    @classmethod
    def from_rows(cls, rows: Iterable) -> "_Statements":
        out: dict = {}
        for row in rows:
            out.setdefault(row["s"].value, {}).setdefault(row["p"].value, set()).add(row["o"])
        return cls(out)

    def get(self, s: str, p: str) -> set:
        return self.by_subject.get(s, {}).get(p, set())


def _text(term) -> str:
    if isinstance(term, ox.Literal):
        return term.value
    return term.value


def _texts(terms: set) -> list[str] | str | None:
    values = sorted({_text(t) for t in terms})
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _true(terms: set) -> bool:
    return any(isinstance(t, ox.Literal) and t.value in ("true", "1") for t in terms)


def _per_language(removed: set, added: set) -> list[tuple[str | None, object, object]]:
    """(language or None, removed texts, added texts) for each language tag among the values."""
    before: dict[str, set] = {}
    after: dict[str, set] = {}
    for t in removed:
        before.setdefault(getattr(t, "language", None) or "", set()).add(t)
    for t in added:
        after.setdefault(getattr(t, "language", None) or "", set()).add(t)
    return [(lang or None, _texts(before.get(lang, set())), _texts(after.get(lang, set())))
            for lang in sorted(set(before) | set(after))]


def diff_statements(removed: _Statements, added: _Statements, scheme: str | None) -> list[Change]:
    """Read the statements only in the old version (`removed`) and only in the new (`added`) as
    SKOS changes of the concepts of `scheme`."""
    changes: list[Change] = []
    concept = ox.NamedNode(SKOS + "Concept")
    subjects = sorted(set(removed.by_subject) | set(added.by_subject))
    for s in subjects:
        typed_added = concept in added.get(s, RDF_TYPE)
        typed_removed = concept in removed.get(s, RDF_TYPE)
        scheme_node = ox.NamedNode(scheme) if scheme else None
        left_scheme = scheme_node is not None and scheme_node in removed.get(s, SKOS + "inScheme")
        joined_scheme = scheme_node is not None and scheme_node in added.get(s, SKOS + "inScheme")
        label_new = _texts({t for t in added.get(s, SKOS + "prefLabel")})
        label_old = _texts({t for t in removed.get(s, SKOS + "prefLabel")})
        if typed_added or joined_scheme:
            changes.append(Change(kind="concept-added", rule="concept-added", subject=s, after=label_new,
                                  detail={"joined_scheme": bool(joined_scheme and not typed_added)}))
            continue
        if typed_removed or left_scheme:
            changes.append(Change(kind="concept-removed", rule="concept-removed", subject=s, before=label_old,
                                  detail={"left_scheme": bool(left_scheme and not typed_removed)}))
            continue
        old_p, new_p = removed.by_subject.get(s, {}), added.by_subject.get(s, {})
        # deprecation
        dep_before, dep_after = _true(removed.get(s, OWL_DEPRECATED)), _true(added.get(s, OWL_DEPRECATED))
        replaced = added.get(s, DCT_REPLACED_BY)
        if dep_after or (replaced and not dep_before):
            changes.append(Change(kind="concept-deprecated", rule="concept-deprecated", subject=s, aspect="owl:deprecated",
                                  before=None, after=True,
                                  detail={"replaced_by": sorted(t.value for t in replaced)}))
        elif dep_before:
            changes.append(Change(kind="concept-undeprecated", rule="concept-undeprecated", subject=s,
                                  aspect="owl:deprecated", before=True, after=None))
        # labels, per language
        for predicate, name in LABELS.items():
            for lang, before, after in _per_language(old_p.get(predicate, set()), new_p.get(predicate, set())):
                changes.append(Change(kind="concept-relabelled", rule="concept-relabelled", subject=s,
                                      aspect="skos:" + name, language=lang, before=before, after=after))
        # hierarchy: a concept's own place (broader, topConceptOf), and the inverse lists
        for predicate in sorted(HIERARCHY):
            if predicate in old_p or predicate in new_p:
                own = predicate in (SKOS + "broader", SKOS + "topConceptOf")
                changes.append(Change(kind="concept-moved" if own else "hierarchy-changed",
                                      rule="concept-moved" if own else "hierarchy-changed", subject=s,
                                      aspect="skos:" + predicate[len(SKOS):],
                                      before=_texts(old_p.get(predicate, set())),
                                      after=_texts(new_p.get(predicate, set()))))
        # notation
        if SKOS + "notation" in old_p or SKOS + "notation" in new_p:
            changes.append(Change(kind="concept-notation-changed", rule="concept-notation-changed", subject=s,
                                  aspect="skos:notation", before=_texts(old_p.get(SKOS + "notation", set())),
                                  after=_texts(new_p.get(SKOS + "notation", set()))))
        # mappings
        for predicate, name in MAPPINGS.items():
            if predicate in old_p or predicate in new_p:
                changes.append(Change(kind="concept-mapping-changed", rule="concept-mapping-changed", subject=s,
                                      aspect="skos:" + name, before=_texts(old_p.get(predicate, set())),
                                      after=_texts(new_p.get(predicate, set()))))
        # the rest: documentation (definitions, notes, scheme metadata...)
        known = set(LABELS) | HIERARCHY | set(MAPPINGS) | {SKOS + "notation", OWL_DEPRECATED, DCT_REPLACED_BY,
                                                          RDF_TYPE, SKOS + "inScheme"}
        for predicate in sorted((set(old_p) | set(new_p)) - known):
            for lang, before, after in _per_language(old_p.get(predicate, set()), new_p.get(predicate, set())):
                changes.append(Change(kind="documentation-changed", rule="documentation-changed", subject=s,
                                      aspect=_short(predicate), language=lang, before=before, after=after))
    return changes


_SHORT = {SKOS: "skos:", "http://purl.org/dc/terms/": "dct:", "http://www.w3.org/2002/07/owl#": "owl:",
          "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:"}


def _short(iri: str) -> str:
    for ns, prefix in _SHORT.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


def diff_graphs(store, old_graph: str, new_graph: str, scheme: str | None) -> tuple[list[Change], int]:
    """The changes from the concepts graph `old_graph` to `new_graph`, computed in `store`.
    Returns (changes, statements with blank nodes left out)."""
    a, b = ox.NamedNode(old_graph), ox.NamedNode(new_graph)
    removed = _Statements.from_rows(store.select(ONLY_IN, bindings={"a": a, "b": b}, union_default_graph=True))
    added = _Statements.from_rows(store.select(ONLY_IN, bindings={"a": b, "b": a}, union_default_graph=True))
    blanks = 0
    for g in (a, b):
        rows = store.select(BLANKS_ONLY_IN, bindings={"a": g}, union_default_graph=True)
        blanks += int(rows[0]["n"].value) if rows and "n" in rows[0] else 0
    return diff_statements(removed, added, scheme), blanks
