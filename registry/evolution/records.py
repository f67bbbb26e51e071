"""Impact of a new profile version on real records (issue 17, item 5).

A record is validated against the older and the newer version; its change status is
`unchanged`, `stops conforming` (with the newer version's violations) or `now conforms`.
`registry diff profile ID A B --records DIR` does it for a folder of files; at publication the
example records of the previous version (`ExampleRecord`, stored as graphs) are checked against
the new version the same way (`impact_entry`), and the result is recorded in the new version's
metadata (`reg:exampleImpact`, JSON) for its page.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from registry.namespaces import REG

IMPACT = str(REG) + "exampleImpact"
EXAMPLE_GRAPH = str(REG) + "exampleGraph"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
RESULT_KEYS = ("severity", "path", "field", "focus_node", "message")


def impact_entry(views: list[tuple[dict | None, str | None]]) -> dict[str, Any]:
    """From the validation of one record against the older and the newer version (each a JSON view
    of `registry.validation.report.json_view`, or the error that prevented it): its change status,
    and the newer version's violations when the status changed."""
    errors = [error for _, error in views if error]
    if errors:
        return {"error": errors[0]}
    before, after = (bool(view["conforms"]) for view, _ in views if view is not None)
    item: dict[str, Any] = {"before": before, "after": after,
                            "status": "unchanged" if before == after else "stops conforming" if before else "now conforms"}
    if before != after:
        newer = views[1][0] or {}
        item["results"] = [{k: r.get(k) for k in RESULT_KEYS} for r in newer.get("results", [])
                           if r["severity"] == "Violation"]
    return item


def example_graphs(store, version_iri: str) -> dict[str, str]:
    """name → graph of the example records stored with a profile version."""
    rows = store.select("SELECT ?g WHERE { $v <" + EXAMPLE_GRAPH + "> ?g }",
                        bindings={"v": ox.NamedNode(version_iri)}, default_graph=[version_iri])
    graphs = sorted(row["g"].value for row in rows)
    return {g.rsplit("/", 1)[-1]: g for g in graphs}


def stored_examples_impact(registry, pid: str, older, newer) -> dict[str, Any] | None:
    """The example records of `older` (a public `VersionInfo`) validated against it and against
    `newer`; None when `older` has none."""
    from registry.validation.report import json_view
    from registry.validation.service import get_service

    examples = example_graphs(registry.store, older.iri)
    if not examples:
        return None
    service = get_service(registry)
    bundles = [service.profile_bundle(pid, older.version), service.profile_bundle(pid, newer.version)]
    names = list(examples)
    triples = [list(registry.store.triples(examples[name])) for name in names]
    # one batch per version (`validate_many`: chunks of records per worker message)
    views: list[list[tuple[dict | None, str | None]]] = [[] for _ in names]
    for bundle in bundles:
        for i, outcome in enumerate(service.validate_many(bundle, triples)):
            if isinstance(outcome, Exception):  # a RegistryError: nothing to validate, time limit...
                views[i].append((None, getattr(outcome, "detail", None) or str(outcome)))
            else:
                views[i].append((json_view(outcome, "en"), None))
    records = []
    for name, record_views in zip(names, views):
        entry = impact_entry(record_views)
        entry.setdefault("status", "error")  # could not be validated (`error` says why)
        records.append({"name": name, "example": examples[name], **entry})
    summary: dict[str, int] = {}
    for r in records:
        key = r["status"]
        summary[key] = summary.get(key, 0) + 1
    return {"previous_version": older.version, "previous_iri": older.iri, "summary": summary, "records": records}


def record_impact(registry, version_iri: str, impact: dict[str, Any]) -> None:
    """Keep the impact in the version's metadata graph (shown on its page)."""
    v = ox.NamedNode(version_iri)
    literal = ox.Literal(json.dumps(impact, ensure_ascii=False, sort_keys=True), datatype=ox.NamedNode(RDF_JSON))
    with registry.store.writing():
        registry.store.commit(insert=[ox.Quad(v, ox.NamedNode(IMPACT), literal, v)])


def recorded_impact(store, version_iri: str) -> dict[str, Any] | None:
    """What `record_impact` kept for a version (None: nothing checked at its publication)."""
    rows = store.select("SELECT ?i WHERE { $v <" + IMPACT + "> ?i } LIMIT 1",
                        bindings={"v": ox.NamedNode(version_iri)}, default_graph=[version_iri])
    if not rows:
        return None
    try:
        return json.loads(rows[0]["i"].value)
    except ValueError:
        return None
