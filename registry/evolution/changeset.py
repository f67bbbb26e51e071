"""A diff as RDF: a change set in the registry's change vocabulary (docs/evolution.md).

    <{newer}>   prov:wasRevisionOf <{older}> ; dct:replaces <{older}> ; chg:changeSet <{set}> .
    <{set}>     a chg:ChangeSet, prov:Entity ; chg:fromVersion <{older}> ; chg:toVersion <{newer}> ;
                chg:requiredIncrement "major" ; chg:actualIncrement "minor" ;
                chg:versionNumberHonest false ; chg:breakingChanges 2 ; … ; chg:change <{set}#1>, … .
    <{set}#1>   a chg:Change ; chg:kind "field-added" ; chg:classification chg:Breaking ;
                chg:rule chg:rule-field-added-required ; chg:subject <shape> ; chg:owner <node shape> ;
                chg:path <p> ; chg:aspect "cardinality" ; chg:constraint "sh:minCount" ;
                chg:before "1" ; chg:after "2" ; chg:language "fr" ; chg:definedIn "research-dataset" .
    chg:rule-field-added-required a chg:Rule ; chg:classification chg:Breaking ; rdfs:comment "why" .

PROV-O (https://www.w3.org/TR/prov-o/) `prov:wasRevisionOf`; DCMI Terms `dct:replaces`.
Values that are lists (sh:in members, several datatypes) are one `chg:before`/`chg:after` each;
structured values (a field's summary) are JSON text (`rdf:JSON`).
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from registry.evolution.classify import RULES
from registry.evolution.service import Diff

CHG = "https://w3id.org/profile-registry/changes#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {"chg": CHG, "prov": PROV}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def classification_iri(classification: str) -> ox.NamedNode:
    return _n(CHG + classification.capitalize())


def _values(value: Any) -> list[ox.Literal]:
    if value is None:
        return []
    if isinstance(value, bool):
        return [ox.Literal("true" if value else "false", datatype=_n(XSD + "boolean"))]
    if isinstance(value, (dict,)):
        return [ox.Literal(json.dumps(value, ensure_ascii=False, sort_keys=True), datatype=_n(RDF + "JSON"))]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return [ox.Literal(str(value))]


def change_set_iri(diff: Diff, base: str) -> str:
    """The change set's IRI: the diff route's URL (it dereferences to the change set)."""
    plural = "profiles" if diff.kind == "profile" else "vocabularies"
    return f"{base}{plural}/{diff.id}/diff?from={diff.older.version}&to={diff.newer.version}"


def version_links(newer: str, older: str, change_set: str | None) -> list[tuple[str, str, Any]]:
    """What a newer version says of the older one (also written into its metadata at publication)."""
    out = [(newer, PROV + "wasRevisionOf", _n(older)), (newer, DCT + "replaces", _n(older))]
    if change_set:
        out.append((newer, CHG + "changeSet", _n(change_set)))
    return out


def change_set_triples(diff: Diff, iri: str) -> list[ox.Triple]:
    s = _n(iri)
    out: list[ox.Triple] = [ox.Triple(_n(a), _n(p), o) for a, p, o in version_links(diff.newer.iri, diff.older.iri, iri)]
    counts = {c: 0 for c in ("breaking", "compatible", "editorial")}
    for change in diff.changes:
        counts[change.classification] += 1
    out += [
        ox.Triple(s, _n(RDF + "type"), _n(CHG + "ChangeSet")),
        ox.Triple(s, _n(RDF + "type"), _n(PROV + "Entity")),
        ox.Triple(s, _n(CHG + "fromVersion"), _n(diff.older.iri)),
        ox.Triple(s, _n(CHG + "toVersion"), _n(diff.newer.iri)),
        ox.Triple(s, _n(CHG + "requiredIncrement"), ox.Literal(diff.required_increment or "none")),
        ox.Triple(s, _n(CHG + "actualIncrement"), ox.Literal(diff.actual_increment or "none")),
        ox.Triple(s, _n(CHG + "versionNumberHonest"), _values(diff.honest)[0]),
    ]
    for name, count in counts.items():
        out.append(ox.Triple(s, _n(CHG + f"{name}Changes"), ox.Literal(str(count), datatype=_n(XSD + "integer"))))
    rules_used = set()
    for i, change in enumerate(diff.changes, start=1):
        c = _n(f"{iri}#{i}")
        rules_used.add(change.rule)
        out += [
            ox.Triple(s, _n(CHG + "change"), c),
            ox.Triple(c, _n(RDF + "type"), _n(CHG + "Change")),
            ox.Triple(c, _n(CHG + "kind"), ox.Literal(change.kind)),
            ox.Triple(c, _n(CHG + "classification"), classification_iri(change.classification)),
            ox.Triple(c, _n(CHG + "rule"), _n(CHG + "rule-" + change.rule)),
        ]
        for key, predicate in (("subject", "subject"), ("owner", "owner")):
            value = getattr(change, key)
            if value:
                out.append(ox.Triple(c, _n(CHG + predicate), _iri_or_literal(value)))
        if change.path:
            out.append(ox.Triple(c, _n(CHG + "path"), _iri_or_literal(change.path)))
        for key, predicate in (("aspect", "aspect"), ("constraint", "constraint"), ("language", "language"),
                               ("source", "definedIn")):
            value = getattr(change, key)
            if value:
                out.append(ox.Triple(c, _n(CHG + predicate), ox.Literal(str(value))))
        for value in _values(change.before):
            out.append(ox.Triple(c, _n(CHG + "before"), value))
        for value in _values(change.after):
            out.append(ox.Triple(c, _n(CHG + "after"), value))
    for rule_id in sorted(rules_used):
        rule = RULES[rule_id]
        r = _n(CHG + "rule-" + rule_id)
        out += [
            ox.Triple(r, _n(RDF + "type"), _n(CHG + "Rule")),
            ox.Triple(r, _n(CHG + "classification"), classification_iri(rule.classification)),
            ox.Triple(r, _n(RDFS + "comment"), ox.Literal(rule.reason, language="en")),
        ]
    return out


def _iri_or_literal(value: str):
    if "://" in value and " " not in value and not value.startswith(("^", "(", "<")):
        try:
            return _n(value)
        except ValueError:
            pass
    return ox.Literal(value)
