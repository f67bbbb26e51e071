"""The validation report: SHACL's RDF report (SHACL §3.6) and the registry's JSON view of it.

RDF: pyshacl's `sh:ValidationReport` (§3.6.1) with its `sh:ValidationResult`s (§3.6.2), plus

* the registry's deprecated-concept warnings, as `sh:ValidationResult`s with `sh:resultSeverity
  sh:Warning` and `sh:sourceConstraintComponent reg:DeprecatedConceptConstraintComponent` (a
  registry-defined component: SHACL §3.6.2.3 lets any IRI name the component);
* provenance on the report node: `dct:conformsTo` the profile version validated against,
  `prov:used` each profile version of the `prof:isProfileOf` chain and each vocabulary version read.

The report's `sh:conforms` is SHACL's (§3.4, §3.6.1.1): true only when the report has no
result at all, whatever its severity (the registry's deprecated-concept warnings included).

JSON view (the default): both readings under distinct names (docs/validation.md): `conforms`, the
registry's "no `sh:Violation`" reading (a `sh:Warning`/`sh:Info` does not fail a record; what the
CLI exit code, the web page and batch summaries use) and `shacl_conforms`, the specification's
value (no result at all, the same as the RDF report's `sh:conforms`); counts per severity, and per
result the focus node, path, value, severity, constraint component, source shape, field label
(`sh:name`, §2.3.3) and a message in the language asked for.
"""

from __future__ import annotations

from registry.http import best_language

from typing import Any

import pyoxigraph as ox

from registry.namespaces import REG
from registry.validation.engine import decode_term  # noqa: F401 - kept for symmetry with encode
from registry.validation.messages import LANGUAGES

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEPRECATED_COMPONENT = str(REG) + "DeprecatedConceptConstraintComponent"
DEPRECATED_SHAPE = str(REG) + "DeprecatedConceptCheck"
PROV_USED = "http://www.w3.org/ns/prov#used"
DCT_CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"


def negotiate_language(accept_language: str | None, lang: str | None) -> str:
    """`lang=` wins; else the best of `Accept-Language` (RFC 9110 §12.5.4) among fr and en; else en."""
    if lang:
        primary = lang.strip().lower().split("-")[0]
        return primary if primary in LANGUAGES else "en"
    return best_language(accept_language, tuple(LANGUAGES), "en") or "en"


def pick(values: dict[str, str], lang: str) -> str | None:
    """A value in `lang`, else English, else untagged, else any."""
    for key in (lang, "en", ""):
        if key in values:
            return values[key]
    for key, value in values.items():
        if key.split("-")[0] == lang:
            return value
    return next(iter(values.values()), None)


def pick_message(result: dict[str, Any], lang: str) -> str | None:
    """The shape's own `sh:message` in `lang` > the registry's message in `lang` > the shape's
    message in English / untagged > the registry's English > pyshacl's generic message."""
    messages = result.get("messages") or {}
    defaults = result.get("default_messages") or {}
    if result.get("custom_message"):
        if lang in messages:
            return messages[lang]
        if lang in defaults:
            return defaults[lang]
        return pick(messages, lang) or pick(defaults, lang)
    return defaults.get(lang) or defaults.get("en") or pick(messages, lang)


def _local(iri: str | None) -> str | None:
    if not iri:
        return iri
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if not iri.startswith("_:") else iri


def result_view(result: dict[str, Any], lang: str) -> dict[str, Any]:
    label = pick(result.get("names") or {}, lang)
    view = {
        "focus_node": result["focus_node"],
        "path": result["path"],
        "value": result["value"],
        "severity": result["severity"],
        "constraint_component": result["constraint_component"],
        "source_shape": result["source_shape"],
        "field": label if label is not None else _local(result["path"]) if result["path"] and "<" not in result["path"] else None,
        "message": pick_message(result, lang),
    }
    if result.get("pointer"):
        view["pointer"] = result["pointer"]
    source = result.get("source")
    if source:
        view["source"] = source_view(source, lang)
        if source.get("via") and not result["path"]:
            # a whole-object rule filed under the field whose value its focus node is (sources.py)
            view["field_path"] = source["via"]
            view["field"] = pick(result.get("field_names") or {}, lang) or view["field"] or _local(source["via"])
        written = source.get("value_text")
        if written and view["value"] and view["value"].startswith("_:") and view["message"]:
            # never show an internal blank-node label: the value as the user wrote it instead
            view["message"] = view["message"].replace(view["value"], written).replace(view["value"][2:], written)
    return view


def source_view(source: dict[str, Any], lang: str) -> dict[str, Any]:
    """Where a result comes from in the submitted (non-RDF) record, e.g. a Dataverse field: titles
    given per language become one text in `lang`."""
    return {k: pick(v, lang) if isinstance(v, dict) and k.endswith("title") else v for k, v in source.items()}


def json_view(outcome, lang: str) -> dict[str, Any]:
    results = [result_view(r, lang) for r in outcome.results]
    counts = {"violation": 0, "warning": 0, "info": 0}
    for r in results:
        key = r["severity"].lower()
        counts[key] = counts.get(key, 0) + 1
    return {
        "conforms": counts["violation"] == 0,
        "shacl_conforms": not results,
        "counts": counts,
        "profile": outcome.bundle.profile,
        "profile_chain": outcome.bundle.chain,
        "vocabularies": [v.to_json() for v in outcome.bundle.vocabularies],
        "lang": lang,
        "record": {"triples": outcome.record_triples, "vocabulary_triples_used": outcome.subset_triples},
        "results": results,
    }


# --- RDF ------------------------------------------------------------------------------------------


def _ox(t: tuple):
    if t[0] == "I":
        return ox.NamedNode(t[1])
    if t[0] == "B":
        return ox.BlankNode(t[1])
    if t[3]:
        return ox.Literal(t[1], language=t[3])
    if t[2]:
        return ox.Literal(t[1], datatype=ox.NamedNode(t[2]))
    return ox.Literal(t[1])


def _node(text: str):
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)


def report_triples(outcome) -> list[ox.Triple]:
    """The SHACL validation report graph (see module docstring).

    pyshacl runs with `allow_warnings`/`allow_infos` (the registry's reading), so its own
    `sh:conforms` is replaced by SHACL's: true only when there is no result at all (§3.4)."""
    conforms = ox.NamedNode(SH + "conforms")
    triples = [ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in outcome.report or []]
    report = next(
        (t.subject for t in triples if t.predicate == RDF_TYPE and t.object == ox.NamedNode(SH + "ValidationReport")),
        None,
    )
    if report is None:
        report = ox.BlankNode()
        triples.append(ox.Triple(report, RDF_TYPE, ox.NamedNode(SH + "ValidationReport")))
    triples = [t for t in triples if not (t.subject == report and t.predicate == conforms)]
    triples.append(ox.Triple(report, conforms, ox.Literal(not outcome.results)))
    for extra in outcome.extra_results:
        r = ox.BlankNode()
        add = triples.append
        add(ox.Triple(report, ox.NamedNode(SH + "result"), r))
        add(ox.Triple(r, RDF_TYPE, ox.NamedNode(SH + "ValidationResult")))
        if extra.get("focus_node"):
            add(ox.Triple(r, ox.NamedNode(SH + "focusNode"), _node(extra["focus_node"])))
        if extra.get("path"):
            add(ox.Triple(r, ox.NamedNode(SH + "resultPath"), ox.NamedNode(extra["path"])))
        if extra.get("value") is not None:
            value = ox.Literal(extra["value"]) if extra.get("value_is_literal") else ox.NamedNode(extra["value"])
            add(ox.Triple(r, ox.NamedNode(SH + "value"), value))
        add(ox.Triple(r, ox.NamedNode(SH + "resultSeverity"), ox.NamedNode(SH + extra["severity"])))
        add(ox.Triple(r, ox.NamedNode(SH + "sourceConstraintComponent"), ox.NamedNode(extra["constraint_component"])))
        add(ox.Triple(r, ox.NamedNode(SH + "sourceShape"), _node(extra["source_shape"])))
        for lang, text in extra["messages"].items():
            add(ox.Triple(r, ox.NamedNode(SH + "resultMessage"), ox.Literal(text, language=lang)))
    bundle = outcome.bundle
    if bundle.profile.get("iri"):
        triples.append(ox.Triple(report, ox.NamedNode(DCT_CONFORMS_TO), ox.NamedNode(bundle.profile["iri"])))
    for item in bundle.chain:
        triples.append(ox.Triple(report, ox.NamedNode(PROV_USED), ox.NamedNode(item["iri"])))
    for vocab in bundle.vocabularies:
        triples.append(ox.Triple(report, ox.NamedNode(PROV_USED), ox.NamedNode(vocab.iri)))
    return triples
