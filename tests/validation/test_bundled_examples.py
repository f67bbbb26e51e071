"""Every example record of the bundled profiles: the registry's results equal plain pyshacl's on
the full data (the record + every stored vocabulary in the data graph, the profile's shapes and
its ancestors' as the shapes graph), and the example's `.expected.json`."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import RDF, SH

from registry.rdf import to_rdflib_graph
from registry.validation.records import parse_record
from registry.validation.report import DEPRECATED_COMPONENT
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
FORMATS = {".ttl": ("turtle", "text/turtle"), ".jsonld": ("jsonld", "application/ld+json"),
           ".json": ("json", "application/json"), ".nt": ("ntriples", "application/n-triples"),
           ".rdf": ("rdfxml", "application/rdf+xml")}
MIN_EXAMPLES = 12


def example_files() -> list[Path]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p for p in EXAMPLES.glob("*/*/*") if p.suffix in FORMATS and not p.name.endswith(".expected.json"))


def _id(term) -> str:
    if term is None:
        return None
    return "_:" if isinstance(term, rdflib.BNode) else str(term)


def _key(focus, path, value, severity, component, shape) -> tuple:
    return (focus, path, value, severity, component, shape)


_FULL: dict[tuple, tuple[rdflib.Graph, rdflib.Graph]] = {}


def _full_data(registry, pid: str, version: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(shapes of the chain, every stored vocabulary) parsed once per profile version."""
    key = (id(registry), pid, version)
    if key not in _FULL:
        shapes = rdflib.Graph()
        for info in registry.catalog.profile_chain(pid, version):
            to_rdflib_graph(registry.store.triples(info.graph), shapes)
        vocabularies = rdflib.Graph()
        for vid in registry.catalog.series_ids("vocabulary"):
            latest = registry.catalog.latest(registry.catalog.versions("vocabulary", vid))
            if latest is not None:
                to_rdflib_graph(registry.store.triples(latest.graph), vocabularies)
        _FULL[key] = (shapes, vocabularies)
    return _FULL[key]


def plain_pyshacl(registry, pid: str, version: str, record: list[ox.Triple]) -> tuple[bool, set[tuple]]:
    shapes, vocabularies = _full_data(registry, pid, version)
    data = rdflib.Graph()
    data += vocabularies
    to_rdflib_graph(record, data)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                           do_owl_imports=False, allow_warnings=True, allow_infos=True)
    results = set()
    for node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(node, SH.result):
            path = report.value(r, SH.resultPath)
            results.add(_key(
                _id(report.value(r, SH.focusNode)),
                str(path) if isinstance(path, rdflib.URIRef) else ("_:" if path is not None else None),
                _id(report.value(r, SH.value)),
                str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
                str(report.value(r, SH.sourceConstraintComponent)),
                _id(report.value(r, SH.sourceShape)),
            ))
    return bool(conforms), results


def registry_results(view: dict) -> set[tuple]:
    out = set()
    for r in view["results"]:
        if r["constraint_component"] == DEPRECATED_COMPONENT:
            continue  # the registry's own warning; plain pyshacl has no such check
        path = r["path"]
        out.add(_key(
            "_:" if r["focus_node"].startswith("_:") else r["focus_node"],
            path if path is None or not path.startswith(("<", "(", "^", "_:")) else "_:",
            None if r["value"] is None else ("_:" if r["value"].startswith("_:") else r["value"]),
            r["severity"], r["constraint_component"],
            "_:" if r["source_shape"].startswith("_:") else r["source_shape"],
        ))
    return out


def test_bundled_profiles_have_enough_examples():
    profiles = [p for p in (REPO / "shapes").iterdir() if p.is_dir()] if (REPO / "shapes").is_dir() else []
    assert profiles, "no bundled profiles under shapes/"
    for profile in profiles:
        stems = {p.name[: -len(".expected.json")] for p in (EXAMPLES / profile.name).glob("*/*.expected.json")}
        assert len(stems) >= MIN_EXAMPLES, f"examples/{profile.name}/ has {len(stems)} examples with expected results; need ≥ {MIN_EXAMPLES}"


@pytest.mark.parametrize("path", example_files(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_example_equals_plain_pyshacl_on_full_data(bundled_client, path: Path):
    pid, version = path.parent.parent.name, path.parent.name
    fmt, media = FORMATS[path.suffix]
    response = bundled_client.post("/validate", params={"profile": pid, "version": version}, content=path.read_bytes(),
                                   headers={"Content-Type": media})
    assert response.status_code == 200, response.text
    view = response.json()
    registry = bundled_client.app.state.registry
    bundle = registry.features["validation"].profile_bundle(pid, version)
    record = parse_record(path.read_bytes(), fmt, context=bundle.context, max_triples=100_000)
    conforms, expected = plain_pyshacl(registry, pid, version, record)
    assert registry_results(view) == expected
    assert view["conforms"] == conforms

    expected_file = path.with_name(path.name[: -len(path.suffix)] + ".expected.json")
    if expected_file.is_file():
        documented = json.loads(expected_file.read_text(encoding="utf-8"))
        assert view["conforms"] == documented["conforms"], documented.get("description")
        got = {(None if r["focus_node"].startswith("_:") else r["focus_node"], r["path"], r["constraint_component"], r["severity"], r["source_shape"])
               for r in view["results"] if r["constraint_component"] != DEPRECATED_COMPONENT}
        want = {(r.get("focusNode"), r.get("resultPath"), r.get("sourceConstraintComponent"),
                 r.get("resultSeverity", "").rsplit("#", 1)[-1], r.get("sourceShape")) for r in documented["results"]}
        assert got == want, documented.get("description")
