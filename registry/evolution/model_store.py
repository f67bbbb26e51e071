"""Normalised profile models kept in the store, so that the first diff after a start is fast.

Building the `ProfileModel` of a version (reading its shapes graph and those of its chain,
normalising every shape) is most of a cold diff: ~200 ms for the electron-microscopy chain,
against ~5 ms to compare two built models. A published version never changes (nor does its
chain, nor what it pins), so its model is computed once, when it is published, and kept as a
JSON literal:

    GRAPH <urn:registry:evolution> { <version IRI> reg:profileModel "…"^^rdf:JSON }

The graph is the registry's own derived data: not below the base IRI (start-up recovery leaves
it alone), not referenced by the catalog, so never public (SPARQL serves public graphs only).
The JSON names the format it was written with (a digest of `profile_diff.py`, the code that
builds models): a model written by other code is ignored and the model built from the shapes
graphs again. Works the same on every backend (it is only a literal in the store).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.evolution import profile_diff
from registry.evolution.profile_diff import FieldRef, ProfileModel, Shape, Source
from registry.namespaces import REG

log = logging.getLogger("registry.evolution")

MODELS_GRAPH = "urn:registry:evolution"
PREDICATE = str(REG) + "profileModel"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
#: What built the model: another `profile_diff.py` may normalise differently.
FORMAT = "profile-model/" + hashlib.sha256(Path(profile_diff.__file__).read_bytes()).hexdigest()[:16]

MODEL_QUERY = "SELECT ?m WHERE { $v <" + PREDICATE + "> ?m } LIMIT 1"


def _source(source: Source | None) -> list[str] | None:
    return [source.id, source.version, source.iri] if source is not None else None


def _literal(term: ox.Literal) -> dict[str, str]:
    out = {"v": term.value}
    if term.language:
        out["l"] = term.language
    else:
        out["d"] = term.datatype.value
    return out


def _constraint(value: Any) -> Any:
    if isinstance(value, ox.Literal):  # a value range bound (profile_diff.RANGE)
        return {"literal": _literal(value)}
    return value


def to_json(model: ProfileModel) -> dict[str, Any]:
    """The model as JSON; what is empty or the default is left out (smaller to read back)."""
    chain = list(model.chain)
    if model.top not in chain:
        chain.insert(0, model.top)
    where = {id(s): i for i, s in enumerate(chain)}
    shapes = {}
    for key, shape in model.shapes.items():
        item: dict[str, Any] = {
            "source": where.get(id(shape.source)) if shape.source is not None else None,
            "path": shape.path,
            "severity": None if shape.severity == "Violation" else shape.severity,
            "targets": sorted([list(t) for t in shape.targets]),
            "constraints": {p: _constraint(v) for p, v in shape.constraints.items()},
            "texts": shape.texts, "editorial": shape.editorial, "properties": shape.properties,
            "nested": shape.nested, "vocabulary": list(shape.vocabulary), "concept": shape.is_concept_shape,
        }
        if shape.source is not None and item["source"] is None:  # a source outside the chain
            item["source"] = _source(shape.source)
        shapes[key] = {k: v for k, v in item.items() if v or v == 0 and k == "source"}
    return {
        "format": FORMAT, "chain": [_source(s) for s in chain], "top": where[id(model.top)],
        "in_chain": [where[id(s)] for s in model.chain],
        "shapes": shapes, "fields": [[f.owner, f.path, f.shape] for f in model.fields],
        "pins": model.pins, "owners": model.owners,
        # only where it differs from the shape's own severity (`ProfileModel.effective_severity`)
        "effective": {k: v for k, v in model.effective.items()
                      if k not in model.shapes or model.shapes[k].severity != v},
    }


def from_json(data: dict[str, Any]) -> ProfileModel | None:
    """The model, or None when it was written by other code (another `FORMAT`)."""
    if data.get("format") != FORMAT:
        return None
    chain = [Source(*s) for s in data["chain"]]

    def constraint(value):
        if isinstance(value, dict) and "literal" in value:
            lit = value["literal"]
            if "l" in lit:
                return ox.Literal(lit["v"], language=lit["l"])
            return ox.Literal(lit["v"], datatype=ox.NamedNode(lit["d"]))
        return value

    shapes = {}
    effective = dict(data["effective"])
    for key, s in data["shapes"].items():
        source = s.get("source")
        shape = shapes[key] = Shape(
            key=key, term=None,
            source=chain[source] if isinstance(source, int) else Source(*source) if source else None,
            path=s.get("path"), severity=s.get("severity") or "Violation",
            targets={tuple(t) for t in s.get("targets", ())},
            constraints={p: constraint(v) for p, v in s.get("constraints", {}).items()},
            texts=s.get("texts", {}), editorial=s.get("editorial", {}), properties=s.get("properties", []),
            nested=s.get("nested", {}), vocabulary=tuple(s.get("vocabulary", ())),
            is_concept_shape=s.get("concept", False),
        )
        effective.setdefault(key, shape.severity)
    return ProfileModel(
        top=chain[data["top"]], chain=[chain[i] for i in data["in_chain"]], shapes=shapes,
        fields=[FieldRef(*f) for f in data["fields"]], pins=data["pins"], effective=effective,
        owners=data["owners"],
    )


def load(store, version_iri: str) -> ProfileModel | None:
    """The kept model of a version, None when there is none (or one of another format)."""
    rows = store.select(MODEL_QUERY, bindings={"v": ox.NamedNode(version_iri)}, default_graph=[MODELS_GRAPH])
    if not rows:
        return None
    try:
        return from_json(json.loads(rows[0]["m"].value))
    except (ValueError, KeyError, TypeError):
        log.warning("the kept profile model of %s cannot be read; building it again", version_iri)
        return None


def save(store, version_iri: str, model: ProfileModel) -> None:
    """Keep the model of a published version (replacing one of another format)."""
    subject, predicate, graph = ox.NamedNode(version_iri), ox.NamedNode(PREDICATE), ox.NamedNode(MODELS_GRAPH)
    text = json.dumps(to_json(model), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with store.writing():
        old = store.select("SELECT ?m WHERE { $v $p ?m }", bindings={"v": subject, "p": predicate},
                           default_graph=[MODELS_GRAPH])
        store.commit(delete=[ox.Quad(subject, predicate, row["m"], graph) for row in old],
                     insert=[ox.Quad(subject, predicate, ox.Literal(text, datatype=ox.NamedNode(RDF_JSON)), graph)])
