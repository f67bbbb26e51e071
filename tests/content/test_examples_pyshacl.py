"""Content checks for the flagship profiles, vocabularies and examples (issue 3).

Self-contained: plain pyshacl (advanced=False, inference='none') on
record + shapes of the profile version and all its ancestors + the latest version of every shipped
vocabulary, compared exactly with examples/<profile>/<version>/<name>.expected.json.
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


def _base(pid: str, version: str) -> tuple[str, str] | None:
    """(base id, base version) of one profile version: profile.toml's `[versions."X.Y.Z"]` table
    overrides its top-level `is_profile_of` ("id" = latest version, "id@X.Y.Z" = that one)."""
    meta = PROFILES[pid]
    ref = (meta.get("versions", {}).get(version) or {}).get("is_profile_of", meta.get("is_profile_of"))
    if not ref:
        return None
    bid, _, bversion = ref.partition("@")
    return bid, bversion or _versions(bid)[-1]


def _chain(pid: str, version: str | None = None) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    link = (pid, version or _versions(pid)[-1])
    while link:
        assert link not in chain, f"profile inheritance cycle at {link}"
        chain.insert(0, link)
        link = _base(*link)
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


def _context(pid: str, version: str | None = None) -> dict:
    v = version or _versions(pid)[-1]
    with open(f"{ROOT}/shapes/{pid}/{v}/context.jsonld", encoding="utf-8") as fh:
        return json.load(fh)


def _load_record(path: str) -> Graph:
    with open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".ttl"):
        return _graph_from_ox(data, ox.RdfFormat.TURTLE)
    return _graph_from_ox(data, ox.RdfFormat.JSON_LD)


_cache: dict = {}


def _latest_vocabularies() -> list[str]:
    """The newest version file of each vocabulary: what a profile published on a fresh registry pins."""
    out = []
    for d in sorted(glob.glob(f"{ROOT}/vocabularies/*/")):
        files = glob.glob(f"{d}*.ttl")
        out.append(max(files, key=lambda f: tuple(int(x) for x in os.path.basename(f)[:-4].split("."))))
    return out


def _vocab_graph() -> Graph:
    if "vocab" not in _cache:
        g = Graph()
        for f in _latest_vocabularies():
            g.parse(f, format="turtle")
        _cache["vocab"] = g
    return _cache["vocab"]


def _shapes_graph(pid: str, version: str | None = None) -> Graph:
    key = ("shapes", pid, version)
    if key not in _cache:
        g = Graph()
        for p, v in _chain(pid, version):
            g.parse(f"{ROOT}/shapes/{p}/{v}/shapes.ttl", format="turtle")
        _cache[key] = g
    return _cache[key]


def _validate(record: Graph, pid: str, version: str | None = None):
    data = Graph()
    for t in record:
        data.add(t)
    for t in _vocab_graph():
        data.add(t)
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=_shapes_graph(pid, version), advanced=False, inference="none",
        allow_warnings=True, allow_infos=True)
    results = []
    for r in report.objects(None, SH.result):
        def one(p, r=r):
            v = report.value(r, p)
            return str(v) if isinstance(v, URIRef) else None
        results.append((one(SH.focusNode), one(SH.resultPath), one(SH.sourceConstraintComponent),
                        one(SH.resultSeverity), one(SH.sourceShape)))
    return bool(conforms), results


def _examples():
    out = []
    for f in sorted(glob.glob(f"{ROOT}/examples/*/*/*.expected.json")):
        version = os.path.basename(os.path.dirname(f))
        pid = os.path.basename(os.path.dirname(os.path.dirname(f)))
        stem = f[: -len(".expected.json")]
        for ext in (".ttl", ".jsonld"):
            if os.path.exists(stem + ext):
                out.append(pytest.param(pid, version, stem + ext, f, id=f"{pid}/{version}/{os.path.basename(stem)}{ext}"))
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
            ctx = _context(pid, v)
            assert isinstance(ctx.get("@context"), dict)
        for v in _versions(pid):
            base = _base(pid, v)
            assert base is None or base[1] in _versions(base[0]), f"{pid} {v}: unknown base {base}"
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
        for v in _versions(pid):
            mine = {s for s in _shapes_graph(pid, v).subjects() if isinstance(s, URIRef)}
            assert mine
            base = _base(pid, v)
            if base:
                g = Graph().parse(f"{ROOT}/shapes/{pid}/{v}/shapes.ttl", format="turtle")
                own = {s for s in g.subjects() if isinstance(s, URIRef)}
                anc = {s for s in _shapes_graph(*base).subjects() if isinstance(s, URIRef)}
                assert not own & anc, f"{pid} {v} copies shapes of {base}"


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
        fmts = {os.path.splitext(e.values[2])[1] for e in exs}
        assert fmts == {".ttl", ".jsonld"}
        for v in _versions(pid):
            assert [e for e in exs if e.values[1] == v], f"{pid} {v} has no examples"
        kinds = set()
        for e in exs:
            with open(e.values[3]) as fh:
                exp = json.load(fh)
            kinds.add(any(r["resultSeverity"].endswith("Violation") for r in exp["results"]))
        assert kinds == {True, False}, f"{pid} needs valid and invalid examples"


@pytest.mark.parametrize("pid,version,record,expected", EXAMPLES)
def test_example_results(pid, version, record, expected):
    with open(expected) as fh:
        exp = json.load(fh)
    conforms, got = _validate(_load_record(record), pid, version)
    want = [(r["focusNode"], r["resultPath"], r["sourceConstraintComponent"], r["resultSeverity"], r["sourceShape"])
            for r in exp["results"]]
    assert collections.Counter(got) == collections.Counter(want)
    assert conforms == exp["conforms"]
    assert conforms == (not any(r[3].endswith("#Violation") for r in want))


def _isomorphic(a: Graph, b: Graph) -> bool:
    from rdflib.compare import to_isomorphic
    return to_isomorphic(a) == to_isomorphic(b)


PLAIN = sorted(glob.glob(f"{ROOT}/examples/*/*/*.json"))
PLAIN = [p for p in PLAIN if not p.endswith(".expected.json")]


@pytest.mark.parametrize("path", PLAIN, ids=[os.path.relpath(p, ROOT) for p in PLAIN])
def test_plain_json_twin(path):
    version = os.path.basename(os.path.dirname(path))
    pid = os.path.basename(os.path.dirname(os.path.dirname(path)))
    with open(path, encoding="utf-8") as fh:
        rec = json.load(fh)
    assert "@context" not in rec
    doc = dict(_context(pid, version))
    doc.update(rec)
    g = _graph_from_ox(json.dumps(doc).encode(), ox.RdfFormat.JSON_LD)
    stem = path[: -len(".json")]
    twins = [stem + e for e in (".ttl", ".jsonld") if os.path.exists(stem + e)]
    assert twins, f"{path} has no .ttl or .jsonld twin"
    for t in twins:
        assert _isomorphic(g, _load_record(t)), f"{path} != {t}"


JSONLD = sorted(glob.glob(f"{ROOT}/examples/*/*/*.jsonld"))


@pytest.mark.parametrize("path", JSONLD, ids=[os.path.relpath(p, ROOT) for p in JSONLD])
def test_jsonld_inline_context(path):
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert isinstance(doc["@context"], dict), "context must be inline, not a URL"
    assert len(_load_record(path)) > 10


def test_remote_context_refused():
    doc = json.dumps({"@context": "https://example.org/ctx.jsonld", "@id": "https://example.org/x", "https://example.org/p": 1})
    # pyoxigraph has no loader for remote contexts: a SyntaxError, "No LoadDocumentCallback has been set"
    with pytest.raises(SyntaxError, match="remote context"):
        _graph_from_ox(doc.encode(), ox.RdfFormat.JSON_LD)


def test_kit_beam_current_error_is_caught():
    exp_path = f"{ROOT}/examples/electron-microscopy/1.0.0/invalid-kit-sem-femoox-json-beam-current.expected.json"
    with open(exp_path) as fh:
        exp = json.load(fh)
    assert exp["conforms"] is False
    assert [r["sourceShape"].rsplit("/", 1)[1] for r in exp["results"]] == ["Acquisition-beamCurrent"]
    from tests.conftest import SHARED_DATA, require_shared

    with open(require_shared(SHARED_DATA / "records" / "KIT_SEM_SEM_JSON_example.json")) as fh:
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
