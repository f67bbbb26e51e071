"""Content checks for the flagship profiles, vocabularies and examples (issue 3).

Self-contained: plain pyshacl (advanced=False, inference='none') on
record + shapes of the profile and all its ancestors + ALL shipped vocabularies,
compared exactly with examples/<profile>/<name>.expected.json.
JSON-LD is parsed with pyoxigraph (no remote contexts); rdflib graphs are built from its triples.
"""
from __future__ import annotations

import collections
import glob
import json
import os
import re
import tomllib

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}


def _profiles() -> dict[str, dict]:
    out = {}
    for f in sorted(glob.glob(f"{ROOT}/shapes/*/profile.toml")):
        with open(f, "rb") as fh:
            out[os.path.basename(os.path.dirname(f))] = tomllib.load(fh)
    return out


PROFILES = _profiles()


def _chain(pid: str) -> list[str]:
    chain = []
    while pid:
        assert pid not in chain, f"profile inheritance cycle at {pid}"
        chain.insert(0, pid)
        pid = PROFILES[pid].get("is_profile_of")
    return chain


def _versions(pid: str) -> list[str]:
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(f"{ROOT}/shapes/{pid}/*/shapes.ttl"))


def _term(t):
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    if t.datatype.value == XSD_STRING:  # RDF 1.1: simple literal == xsd:string
        return Literal(t.value)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def _graph_from_ox(data: bytes, fmt) -> Graph:
    g = Graph()
    for q in ox.parse(data, format=fmt):
        g.add((_term(q.subject), _term(q.predicate), _term(q.object)))
    return g


def _context(pid: str) -> dict:
    v = _versions(pid)[-1]
    with open(f"{ROOT}/shapes/{pid}/{v}/context.jsonld", encoding="utf-8") as fh:
        return json.load(fh)


def _load_record(path: str) -> Graph:
    with open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".ttl"):
        return _graph_from_ox(data, ox.RdfFormat.TURTLE)
    return _graph_from_ox(data, ox.RdfFormat.JSON_LD)


_cache: dict = {}


def _vocab_graph() -> Graph:
    if "vocab" not in _cache:
        g = Graph()
        for f in sorted(glob.glob(f"{ROOT}/vocabularies/*/*.ttl")):
            g.parse(f, format="turtle")
        _cache["vocab"] = g
    return _cache["vocab"]


def _shapes_graph(pid: str) -> Graph:
    key = ("shapes", pid)
    if key not in _cache:
        g = Graph()
        for p in _chain(pid):
            g.parse(f"{ROOT}/shapes/{p}/{_versions(p)[-1]}/shapes.ttl", format="turtle")
        _cache[key] = g
    return _cache[key]


def _validate(record: Graph, pid: str):
    data = Graph()
    for t in record:
        data.add(t)
    for t in _vocab_graph():
        data.add(t)
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=_shapes_graph(pid), advanced=False, inference="none",
        allow_warnings=True, allow_infos=True)
    results = []
    for r in report.objects(None, SH.result):
        def one(p):
            v = report.value(r, p)
            return str(v) if isinstance(v, URIRef) else None
        results.append((one(SH.focusNode), one(SH.resultPath), one(SH.sourceConstraintComponent),
                        one(SH.resultSeverity), one(SH.sourceShape)))
    return bool(conforms), results


def _examples():
    out = []
    for f in sorted(glob.glob(f"{ROOT}/examples/*/*.expected.json")):
        pid = os.path.basename(os.path.dirname(f))
        stem = f[: -len(".expected.json")]
        for ext in (".ttl", ".jsonld"):
            if os.path.exists(stem + ext):
                out.append(pytest.param(pid, stem + ext, f, id=f"{pid}/{os.path.basename(stem)}{ext}"))
    return out


EXAMPLES = _examples()


# --------------------------------------------------------------------------- layout
def test_layout_and_metadata():
    assert set(PROFILES) >= {"research-dataset", "electron-microscopy", "atom-probe"}
    namespaces = {}
    for pid, meta in PROFILES.items():
        assert meta["id"] == pid and ID_RE.match(pid)
        assert meta["title"]["en"] and meta["title"]["fr"]
        assert meta["description"]["en"] and meta["description"]["fr"]
        c = meta["community"]
        assert namespaces.setdefault(c["id"], c["namespace"]) == c["namespace"]
        for v in _versions(pid):
            assert re.match(r"^\d+\.\d+\.\d+$", v)
            ctx = _context(pid)
            assert isinstance(ctx.get("@context"), dict)
        if "is_profile_of" in meta:
            assert meta["is_profile_of"] in PROFILES
        assert os.path.exists(f"{ROOT}/docs/profiles/{pid}.md")
    for f in glob.glob(f"{ROOT}/vocabularies/*/vocabulary.toml"):
        with open(f, "rb") as fh:
            meta = tomllib.load(fh)
        vid = os.path.basename(os.path.dirname(f))
        assert meta["id"] == vid and ID_RE.match(vid)
        c = meta["community"]
        assert namespaces.setdefault(c["id"], c["namespace"]) == c["namespace"]
    ns = sorted(namespaces.values())
    for a in ns:
        for b in ns:
            assert a == b or not b.startswith(a), f"overlapping community namespaces {a} {b}"


def _community_ns(pid=None, vid=None) -> str:
    if pid:
        return PROFILES[pid]["community"]["namespace"]
    with open(f"{ROOT}/vocabularies/{vid}/vocabulary.toml", "rb") as fh:
        return tomllib.load(fh)["community"]["namespace"]


# --------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("pid", sorted(PROFILES))
def test_shape_quality(pid):
    ns = _community_ns(pid=pid)
    for v in _versions(pid):
        g = Graph().parse(f"{ROOT}/shapes/{pid}/{v}/shapes.ttl", format="turtle")
        for s in set(g.subjects()):
            if isinstance(s, URIRef):
                assert str(s).startswith(ns), f"subject {s} outside community namespace {ns}"
        forbidden = [SH.rule, SH.target, SH.js, SH.jsFunctionName]
        for p in forbidden:
            assert not list(g.subject_objects(p)), f"{p} not allowed"
        assert not list(g.subject_objects(rdflib.OWL.imports))
        for _, q in g.subject_objects(SH.select):
            assert "SERVICE" not in str(q).upper()
        props = set(g.subjects(SH.path, None))
        assert props, "no property shapes"
        for ps in props:
            assert isinstance(ps, URIRef), f"property shape without IRI (path {g.value(ps, SH.path)})"
            for p in (SH.name, SH.description, SH.message):
                langs = {o.language for o in g.objects(ps, p)}
                assert {"en", "fr"} <= langs, f"{ps} lacks {p} in en+fr"
            sev = list(g.objects(ps, SH.severity))
            assert len(sev) == 1 and sev[0] in SEVERITIES, f"{ps} severity {sev}"
            desc = str(g.value(ps, SH.description)) if False else " ".join(str(o) for o in g.objects(ps, SH.description) if o.language == "en")
            wording = {SH.Violation: "must", SH.Warning: "should", SH.Info: "may"}[sev[0]]
            if sev[0] != SH.Violation:
                assert wording in desc, f"{ps}: severity {sev[0]} but description lacks '{wording}'"
        for ns_shape in set(g.subjects(RDF.type, SH.NodeShape)):
            assert isinstance(ns_shape, URIRef)
            if g.value(ns_shape, SH["or"]) is not None:
                assert g.value(ns_shape, SH.severity) in SEVERITIES
                assert {o.language for o in g.objects(ns_shape, SH.message)} >= {"en", "fr"}
        # every scheme referenced with sh:hasValue on skos:inScheme is shipped
        shipped = set(_vocab_graph().subjects(RDF.type, SKOS.ConceptScheme))
        for ps in props:
            if g.value(ps, SH.path) == SKOS.inScheme:
                assert g.value(ps, SH.hasValue) in shipped


def test_profile_shapes_do_not_copy_ancestors():
    for pid in PROFILES:
        mine = {s for s in _shapes_graph(pid).subjects() if isinstance(s, URIRef)}
        parent = PROFILES[pid].get("is_profile_of")
        if parent:
            g = Graph().parse(f"{ROOT}/shapes/{pid}/{_versions(pid)[-1]}/shapes.ttl", format="turtle")
            own = {s for s in g.subjects() if isinstance(s, URIRef)}
            anc = {s for s in _shapes_graph(parent).subjects() if isinstance(s, URIRef)}
            assert not own & anc
        assert mine


# --------------------------------------------------------------------------- vocabularies
VOCABS = sorted(glob.glob(f"{ROOT}/vocabularies/*/*.ttl"))


@pytest.mark.parametrize("path", VOCABS, ids=[os.path.relpath(p, ROOT) for p in VOCABS])
def test_vocabulary_quality(path):
    vid = os.path.basename(os.path.dirname(path))
    ns = _community_ns(vid=vid)
    g = Graph().parse(path, format="turtle")
    schemes = list(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    scheme = schemes[0]
    for s in set(g.subjects()):
        assert isinstance(s, URIRef) and str(s).startswith(ns), s
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for c in concepts:
        assert (c, SKOS.inScheme, scheme) in g
        for p in (SKOS.prefLabel, SKOS.definition):
            langs = [o.language for o in g.objects(c, p)]
            assert sorted(langs) == ["en", "fr"], f"{c} {p} {langs}"
        prefs = set(g.objects(c, SKOS.prefLabel))
        assert not prefs & set(g.objects(c, SKOS.altLabel)), f"{c}: same label as prefLabel and altLabel (SKOS S13)"
        for b in g.objects(c, SKOS.broader):
            assert b in concepts, f"{c} broader {b} not in scheme"


# --------------------------------------------------------------------------- examples
def test_enough_examples():
    for pid in PROFILES:
        exs = [e for e in EXAMPLES if e.values[0] == pid]
        assert len(exs) >= 12, pid
        fmts = {os.path.splitext(e.values[1])[1] for e in exs}
        assert fmts == {".ttl", ".jsonld"}
        kinds = set()
        for e in exs:
            with open(e.values[2]) as fh:
                exp = json.load(fh)
            kinds.add(any(r["resultSeverity"].endswith("Violation") for r in exp["results"]))
        assert kinds == {True, False}, f"{pid} needs valid and invalid examples"


@pytest.mark.parametrize("pid,record,expected", EXAMPLES)
def test_example_results(pid, record, expected):
    with open(expected) as fh:
        exp = json.load(fh)
    conforms, got = _validate(_load_record(record), pid)
    want = [(r["focusNode"], r["resultPath"], r["sourceConstraintComponent"], r["resultSeverity"], r["sourceShape"])
            for r in exp["results"]]
    assert collections.Counter(got) == collections.Counter(want)
    assert conforms == exp["conforms"]
    assert conforms == (not any(r[3].endswith("#Violation") for r in want))


def _isomorphic(a: Graph, b: Graph) -> bool:
    from rdflib.compare import to_isomorphic
    return to_isomorphic(a) == to_isomorphic(b)


PLAIN = sorted(glob.glob(f"{ROOT}/examples/*/*.json"))
PLAIN = [p for p in PLAIN if not p.endswith(".expected.json")]


@pytest.mark.parametrize("path", PLAIN, ids=[os.path.relpath(p, ROOT) for p in PLAIN])
def test_plain_json_twin(path):
    pid = os.path.basename(os.path.dirname(path))
    with open(path, encoding="utf-8") as fh:
        rec = json.load(fh)
    assert "@context" not in rec
    doc = dict(_context(pid))
    doc.update(rec)
    g = _graph_from_ox(json.dumps(doc).encode(), ox.RdfFormat.JSON_LD)
    stem = path[: -len(".json")]
    twins = [stem + e for e in (".ttl", ".jsonld") if os.path.exists(stem + e)]
    assert twins, f"{path} has no .ttl or .jsonld twin"
    for t in twins:
        assert _isomorphic(g, _load_record(t)), f"{path} != {t}"


JSONLD = sorted(glob.glob(f"{ROOT}/examples/*/*.jsonld"))


@pytest.mark.parametrize("path", JSONLD, ids=[os.path.relpath(p, ROOT) for p in JSONLD])
def test_jsonld_inline_context(path):
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert isinstance(doc["@context"], dict), "context must be inline, not a URL"
    assert len(_load_record(path)) > 10


def test_remote_context_refused():
    doc = json.dumps({"@context": "https://example.org/ctx.jsonld", "@id": "https://example.org/x", "https://example.org/p": 1})
    with pytest.raises(Exception):
        _graph_from_ox(doc.encode(), ox.RdfFormat.JSON_LD)


def test_kit_beam_current_error_is_caught():
    exp_path = f"{ROOT}/examples/electron-microscopy/invalid-kit-sem-femoox-json-beam-current.expected.json"
    with open(exp_path) as fh:
        exp = json.load(fh)
    assert exp["conforms"] is False
    assert [r["sourceShape"].rsplit("/", 1)[1] for r in exp["results"]] == ["Acquisition-beamCurrent"]
    with open(f"{ROOT}/../shared/data/records/KIT_SEM_SEM_JSON_example.json") as fh:
        src = json.load(fh)
    assert src["entry"]["instrument"]["eBeamSource"]["beamCurrent"] == {"value": 2.29, "unit": "A"}


def test_shapes_can_fail():
    """A record missing everything must violate the base profile's mandatory shapes."""
    g = Graph()
    g.add((URIRef("https://example.org/empty#dataset"), RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    conforms, res = _validate(g, "research-dataset")
    assert not conforms
    shapes = {r[4].rsplit("/", 1)[1] for r in res}
    assert {"Dataset-title", "Dataset-creator", "Dataset-license", "Dataset-accessRights"} <= shapes
