"""The bundled content is true to its sources (issue 20).

* Every IRI of the PhySH, QUDT, COAR and EU file-type namespaces used by the current version of
  each profile (shapes and JSON-LD context) and vocabulary exists in the third-party copy in
  `../shared/data/vocabularies` and is not deprecated there. This replaces the old claim that some
  IRIs were written "from memory": nothing is taken on trust, the test reads the sources.
* The lists derived from those sources match them: Dataverse subjects (citation block), COAR
  access rights, COAR resource types of the resource-type mappings.
* A vocabulary derived from a source that is not in the shared data (DataCite, NeXus, EM
  Glossary, KIT, OSC-EM) names it and its version (`prov:wasDerivedFrom`, `dct:source`).
* Ranges given in several units are the same physical interval in every unit (QUDT conversion
  multipliers and offsets): 1.0.0 had different minima in K and °C, in Torr and Pa.
* The network's name is METSA's own; the 1.0.0 expansion is gone from the current content.

Each check is also run on the 1.0.0 content it was written against, to show it catches the defect.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import re
from functools import cache

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS

from tests.conftest import SHARED_DATA, require_shared
from tests.content.test_examples_pyshacl import PROFILES, ROOT, _latest_vocabularies, _versions

SHARED = os.path.join(ROOT, "..", "shared", "data")
VOCABS = os.path.join(SHARED, "vocabularies")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
QUDT = rdflib.Namespace("http://qudt.org/schema/qudt/")
PHYSH_CORE = rdflib.Namespace("https://physh.org/rdf/2018/01/01/core#")
EU_AT = "http://publications.europa.eu/ontology/authority/"

PHYSH = "https://doi.org/10.29172/"
QUDT_UNIT = "http://qudt.org/vocab/unit/"
QUDT_SCHEMA = "http://qudt.org/schema/qudt/"
COAR = "http://purl.org/coar/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
NAMESPACES = (PHYSH, QUDT_UNIT, QUDT_SCHEMA, COAR, EU_FILE_TYPE)
#: qudt:unit is still read by the 2.0.0 profiles so that records written for 1.0.0 validate, and
#: flagged by this shape with a deprecation warning; nowhere else may it be used.
QUDT_UNIT_PROPERTY = URIRef(QUDT_SCHEMA + "unit")
DEPRECATED_UNIT_SHAPE = URIRef("https://w3id.org/metsa/shapes/electron-microscopy/Quantity-deprecatedUnit")

METSA_NAME = "Microscopie Électronique en Transmission et Sonde Atomique"
WRONG_NAME = "Réseau national de microscopie électronique et sonde atomique"


@pytest.fixture(scope="module", autouse=True)
def _shared_data():
    """The sources are third-party files in ../shared/data (skip outside CI, fail in CI)."""
    require_shared(SHARED_DATA / "vocabularies")
    require_shared(SHARED_DATA / "records")
    require_shared(SHARED_DATA / "dataverse" / "metadatablocks" / "citation.tsv")


@cache
def _source(name: str, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(os.path.join(VOCABS, name), format=fmt)


@cache
def _eu_file_types() -> tuple[set[str], set[str]]:
    """(all concept IRIs, deprecated ones): the file's `at:deprecated` attribute is read from the XML,
    since rdflib drops unknown attributes on `rdf:about` elements."""
    text = open(os.path.join(VOCABS, "eu_filetypes-skos.rdf"), encoding="utf-8").read()
    everything, deprecated = set(), set()
    for iri, attrs in re.findall(r'<skos:Concept rdf:about="([^"]+)"([^>]*)>', text):
        everything.add(iri)
        if 'deprecated="true"' in attrs:
            deprecated.add(iri)
    return everything, deprecated


def _exists_and_current(iri: str) -> str | None:
    """None if the IRI exists in its source and is not deprecated there, else what is wrong."""
    node = URIRef(iri)
    if iri.startswith(PHYSH):
        g = _source("physh_skos_compat.ttl", "turtle")
        if (node, SKOS.prefLabel, None) not in g:
            return "not in PhySH"
        if any(str(o).lower() == "true" for o in g.objects(node, PHYSH_CORE.deprecated)):
            return "deprecated in PhySH"
    elif iri.startswith(QUDT_UNIT):
        g = _source("qudt_units.ttl", "turtle")
        if (node, RDF.type, QUDT.Unit) not in g:
            return "not a QUDT unit"
        if any(str(o).lower() == "true" for o in g.objects(node, QUDT.deprecated)) or (node, DCTERMS.isReplacedBy, None) in g:
            return "deprecated in QUDT units"
    elif iri.startswith(QUDT_SCHEMA):
        g = _source("qudt_schema.ttl", "turtle")
        if (node, None, None) not in g:
            return "not in the QUDT schema (removed)"
        if any(str(o).lower() == "true" for o in g.objects(node, QUDT.deprecated)) or (node, DCTERMS.isReplacedBy, None) in g:
            return "deprecated in the QUDT schema"
    elif iri.startswith(COAR):
        found = False
        for name in ("coar_access_rights.nt", "coar_resource_types.nt", "coar_version_types.nt"):
            g = _source(name, "nt")
            if (node, SKOS.prefLabel, None) in g or (node, RDF.type, SKOS.ConceptScheme) in g:
                found = True
                notes = " ".join(str(o) for o in g.objects(node, SKOS.editorialNote)).lower()
                if "deprecated" in notes or (node, OWL.deprecated, Literal(True)) in g:
                    return "deprecated in COAR"
        if not found:
            return "not in COAR"
    elif iri.startswith(EU_FILE_TYPE):
        everything, deprecated = _eu_file_types()
        if iri not in everything:
            return "not in the EU file types"
        if iri in deprecated:
            return "deprecated in the EU file types"
    return None


def _iris(graph: rdflib.Graph) -> set[str]:
    return {str(t) for triple in graph for t in triple if isinstance(t, URIRef) and str(t).startswith(NAMESPACES)}


def _context_iris(path: str) -> set[str]:
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as fh:
        ctx = json.load(fh)["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str)}
    out = set()
    for value in ctx.values():
        iri = value.get("@id") if isinstance(value, dict) else None
        if isinstance(iri, str) and ":" in iri:
            prefix, _, local = iri.partition(":")
            full = prefixes.get(prefix, prefix + ":") + local
            if full.startswith(NAMESPACES):
                out.add(full)
    return out


def _shapes_path(pid: str, version: str) -> str:
    return f"{ROOT}/shapes/{pid}/{version}/shapes.ttl"


def _problems(graph: rdflib.Graph, context: str | None = None) -> list[str]:
    iris = _iris(graph) | (_context_iris(context) if context else set())
    allowed = set()
    if QUDT_UNIT_PROPERTY in {URIRef(i) for i in iris}:
        allowed = _allowed_qudt_unit_uses(graph)
    out = []
    for iri in sorted(iris):
        if URIRef(iri) == QUDT_UNIT_PROPERTY and allowed:
            continue
        problem = _exists_and_current(iri)
        if problem:
            out.append(f"{iri}: {problem}")
    return out


def _allowed_qudt_unit_uses(graph: rdflib.Graph) -> set:
    """qudt:unit is allowed only as the second member of `sh:alternativePath (qudt:hasUnit qudt:unit)`,
    and as the path and target of the deprecation warning; returns the shapes using it so, or an
    empty set if any other use exists."""
    uses = set()
    for s, p, _o in graph.triples((None, None, QUDT_UNIT_PROPERTY)):
        if p == SH.path and s == DEPRECATED_UNIT_SHAPE:
            uses.add(s)
        elif p == SH.targetSubjectsOf and (s, SH.property, DEPRECATED_UNIT_SHAPE) in graph:
            uses.add(s)
        elif p == RDF.first:
            lists = [n for n in graph.subjects(RDF.rest, s)]
            heads = lists or [s]
            alt = [x for h in heads for x in graph.subjects(SH.alternativePath, h)]
            members = list(Collection(graph, heads[0])) if heads else []
            if alt and members == [URIRef(QUDT_SCHEMA + "hasUnit"), QUDT_UNIT_PROPERTY]:
                uses.add(s)
            else:
                return set()
        else:
            return set()
    return uses


CURRENT = [(pid, _versions(pid)[-1]) for pid in sorted(PROFILES)]


@pytest.mark.parametrize("pid,version", CURRENT, ids=[f"{p}@{v}" for p, v in CURRENT])
def test_profile_iris_exist_in_their_sources(pid, version):
    graph = rdflib.Graph().parse(_shapes_path(pid, version), format="turtle")
    context = f"{ROOT}/shapes/{pid}/{version}/context.jsonld"
    assert _problems(graph, context) == []
    if "electron-microscopy" in (pid, PROFILES[pid].get("is_profile_of", "").partition("@")[0]):
        assert QUDT_SCHEMA + "hasUnit" in _context_iris(context)


@pytest.mark.parametrize("path", _latest_vocabularies(), ids=lambda p: os.path.relpath(p, ROOT))
def test_vocabulary_iris_exist_in_their_sources(path):
    assert _problems(rdflib.Graph().parse(path, format="turtle")) == []


def test_the_source_check_catches_qudt_unit_in_1_0_0():
    """1.0.0 used qudt:unit (removed from the QUDT schema) in shapes and contexts."""
    for pid in ("electron-microscopy", "atom-probe"):
        graph = rdflib.Graph().parse(_shapes_path(pid, "1.0.0"), format="turtle")
        problems = _problems(graph, f"{ROOT}/shapes/{pid}/1.0.0/context.jsonld")
        assert problems == [f"{QUDT_UNIT_PROPERTY}: not in the QUDT schema (removed)"]
        assert _context_iris(f"{ROOT}/shapes/{pid}/1.0.0/context.jsonld") >= {str(QUDT_UNIT_PROPERTY)}
        assert str(QUDT_UNIT_PROPERTY) not in _context_iris(f"{ROOT}/shapes/{pid}/{_versions(pid)[-1]}/context.jsonld")


def test_the_source_check_catches_unknown_and_deprecated_iris():
    assert _exists_and_current(PHYSH + "00000000-0000-0000-0000-000000000000") == "not in PhySH"
    assert _exists_and_current(QUDT_UNIT + "KiloVOLT") == "not a QUDT unit"
    assert _exists_and_current(EU_FILE_TYPE + "FMX2") == "deprecated in the EU file types"
    assert _exists_and_current(COAR + "resource_type/c_18co") == "deprecated in COAR"
    deprecated_unit = next(iter(_source("qudt_units.ttl", "turtle").subjects(QUDT.deprecated, Literal(True))))
    assert _exists_and_current(str(deprecated_unit)) == "deprecated in QUDT units"


# --------------------------------------------------------------------------- mappings (item 4)
def _scheme_file(vid: str) -> str:
    return next(p for p in _latest_vocabularies() if os.path.basename(os.path.dirname(p)) == vid)


def _vocab(vid: str) -> rdflib.Graph:
    return rdflib.Graph().parse(_scheme_file(vid), format="turtle")


def _physh_label(iri: str) -> str:
    return str(_source("physh_skos_compat.ttl", "turtle").value(URIRef(iri), SKOS.prefLabel))


#: (vocabulary, notation) → every PhySH mapping the concept has: (property, PhySH prefLabel). Issue 20
#: item 4, and the review of 2.0.0's vocabularies (technique 1.2.0, preparation-method 1.2.0): PhySH's
#: Focused ion beam is a sample-preparation concept, its Holography is optical holography.
PHYSH_MAPPINGS = {
    ("technique", "hrtem"): [(SKOS.exactMatch, "High-resolution transmission electron microscopy")],
    ("technique", "fim"): [(SKOS.broadMatch, "Field emission & field-ion microscopy")],
    ("technique", "fib-sem"): [(SKOS.relatedMatch, "Focused ion beam")],
    ("technique", "electron-holography"): [(SKOS.relatedMatch, "Holography")],
    ("electron-gun-type", "thermionic"): [(SKOS.relatedMatch, "Thermionic emission")],
    ("electron-gun-type", "field-emission"): [(SKOS.relatedMatch, "Field emission")],
    ("specimen-form", "thin-film"): [(SKOS.closeMatch, "Thin films")],
    ("specimen-form", "nanoparticles"): [(SKOS.closeMatch, "Nanoparticles")],
    ("preparation-method", "fib-lift-out"): [(SKOS.broadMatch, "Focused ion beam")],
    ("preparation-method", "fib-annular-milling"): [(SKOS.broadMatch, "Focused ion beam")],
    ("preparation-method", "ion-milling"): [(SKOS.broadMatch, "Sputtering")],
}
MAPPING_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


def mapping_problems(file_of) -> list[str]:
    """The concepts of PHYSH_MAPPINGS whose PhySH mappings differ, in the vocabulary files `file_of(vid)`."""
    out = []
    for (vid, notation), expected in PHYSH_MAPPINGS.items():
        g = rdflib.Graph().parse(file_of(vid), format="turtle")
        [concept] = g.subjects(SKOS.notation, Literal(notation))
        found = sorted((p, _physh_label(o)) for p in MAPPING_PROPERTIES for o in g.objects(concept, p) if str(o).startswith(PHYSH))
        if found != sorted(expected):
            out.append(f"{vid}/{notation}: {[(p.split('#')[1], label) for p, label in found]}")
    return out


def test_physh_mappings_say_what_the_concepts_are():
    assert mapping_problems(_scheme_file) == []
    g = _vocab("preparation-method")
    method = rdflib.Namespace("https://w3id.org/metsa/vocab/preparation-method/")
    assert not list(g.objects(method["fib-annular-milling"], SKOS.broader)), "annular milling follows a lift-out; it is no kind of lift-out"


def test_the_mapping_check_catches_the_earlier_versions():
    first = mapping_problems(lambda vid: f"{ROOT}/vocabularies/{vid}/1.0.0.ttl")
    assert len(first) == len(PHYSH_MAPPINGS), first  # every one of them was wrong or missing in 1.0.0
    before_review = mapping_problems(lambda vid: f"{ROOT}/vocabularies/{vid}/1.1.0.ttl"
                                     if vid in ("technique", "preparation-method") else _scheme_file(vid))
    assert [p.split(":")[0] for p in before_review] == [
        "technique/fib-sem", "technique/electron-holography", "preparation-method/fib-lift-out",
        "preparation-method/fib-annular-milling", "preparation-method/ion-milling"]


def test_preparation_methods_include_osc_em_freezing_methods():
    def notations(path: str) -> set[str]:
        return {str(o) for o in rdflib.Graph().parse(path, format="turtle").objects(None, SKOS.notation)}
    assert {"plunge-freezing", "high-pressure-freezing"} <= notations(_scheme_file("preparation-method"))  # OSC-EM FreezingMethodEnum
    assert "high-pressure-freezing" not in notations(f"{ROOT}/vocabularies/preparation-method/1.0.0.ttl")


def test_nexus_paths_cited_are_current():
    """Paths checked against FAIRmat-NFDI/nexus_definitions @ 0cbc766 (NXapm, NXem, NXebeam_column)."""
    stale = ("pulser/laser_beam", "nominal_flight_path", "stage/base_temperature", "NXsource emitter_type")
    for pid, version in CURRENT:
        text = open(_shapes_path(pid, version), encoding="utf-8").read()
        assert not [s for s in stale if s in text], pid
    for path in _latest_vocabularies():
        text = open(path, encoding="utf-8").read()
        assert not [s for s in stale if s in text], path
    old = open(_shapes_path("atom-probe", "1.0.0"), encoding="utf-8").read()
    assert "pulser/laser_beam/pulse_energy" in old and "instrument/nominal_flight_path" in old


# --------------------------------------------------------------------------- derived lists
def _dataverse_subjects() -> list[str]:
    with open(os.path.join(SHARED, "dataverse", "metadatablocks", "citation.tsv"), encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "#controlledVocabulary")
    out = []
    for r in rows[start + 1:]:
        if r and r[0].startswith("#"):
            break
        if len(r) > 2 and r[1] == "subject":
            out.append(r[2])
    return out


def test_subjects_are_the_dataverse_citation_subjects():
    g = _vocab("subject")
    labels = sorted(str(o) for c in g.subjects(RDF.type, SKOS.Concept) for o in g.objects(c, SKOS.prefLabel) if o.language == "en")
    assert labels == sorted(_dataverse_subjects())
    assert len(labels) == 14


def test_access_rights_are_coar_access_rights_one_to_one():
    coar = _source("coar_access_rights.nt", "nt")
    coar_concepts = {s for s in coar.subjects(SKOS.prefLabel, None)}
    g = _vocab("access-rights")
    mapped = {}
    for c in g.subjects(RDF.type, SKOS.Concept):
        [m] = list(g.objects(c, SKOS.exactMatch))
        mapped[c] = m
        coar_en = {str(o).lower() for o in coar.objects(m, SKOS.prefLabel) if o.language == "en"}
        assert str(g.value(c, SKOS.prefLabel)).lower() in coar_en or any(
            str(o).lower() in coar_en for o in g.objects(c, SKOS.prefLabel) if o.language == "en")
    assert set(mapped.values()) == coar_concepts


def test_resource_types_map_to_coar_resource_types():
    coar = _source("coar_resource_types.nt", "nt")
    g = _vocab("resource-type")
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert concepts
    unmapped = set()
    for c in concepts:
        matches = [o for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
                   for o in g.objects(c, p) if str(o).startswith(COAR)]
        if not matches:
            unmapped.add(str(g.value(c, SKOS.notation)))
        for m in g.objects(c, SKOS.exactMatch):
            en = {str(o).lower() for o in coar.objects(m, SKOS.prefLabel) if o.language == "en"}
            mine = {str(o).lower() for o in g.objects(c, SKOS.prefLabel) if o.language == "en"}
            assert en & mine, f"{c} exactMatch {m}: labels {mine} vs COAR {en}"
    assert unmapped == {"Model"}, "only Model lacks a COAR equivalent, and the scheme says so"
    definition = " ".join(str(o) for o in g.objects(None, SKOS.definition) if getattr(o, "language", None) == "en")
    assert "where COAR has an equivalent" in definition


#: Vocabularies whose values come (partly) from a source not in ../shared/data.
OTHER_SOURCES = {
    "contributor-role": "DataCite", "relation-type": "DataCite", "resource-type": "DataCite",
    "apt-pulse-mode": "NXapm", "electron-gun-type": "NXebeam_column", "detector-type": "NXdetector",
    "imaging-mode": "NXem", "specimen-form": "KIT", "operator-role": "KIT", "preparation-method": "OSC-EM",
    "technique": "EM Glossary", "platform": "METSA",
}
VERSION_RE = re.compile(r"\b\d+\.\d+\b|@ [0-9a-f]{7}|\b20\d\d\b")


@pytest.mark.parametrize("vid", sorted(OTHER_SOURCES))
def test_lists_from_other_sources_name_source_and_version(vid):
    g = _vocab(vid)
    [scheme] = g.subjects(RDF.type, SKOS.ConceptScheme)
    derived = list(g.objects(scheme, PROV.wasDerivedFrom))
    sources = [str(o) for o in g.objects(scheme, DCTERMS.source)]
    assert derived and all(isinstance(d, URIRef) for d in derived)
    assert len(sources) == 1 and OTHER_SOURCES[vid] in sources[0]
    assert VERSION_RE.search(sources[0]), f"{vid}: source without version: {sources[0]}"


# --------------------------------------------------------------------------- ranges in several units
@cache
def _conversion(unit: URIRef) -> tuple[float, float]:
    g = _source("qudt_units.ttl", "turtle")
    m = g.value(unit, QUDT.conversionMultiplier)
    o = g.value(unit, QUDT.conversionOffset)
    return float(m), float(o) if o is not None else 0.0


def range_mismatches(graph: rdflib.Graph) -> list[str]:
    """Quantity shapes whose `sh:or` alternatives give different physical intervals per unit."""
    out = []
    for owner, head in graph.subject_objects(SH["or"]):
        alternatives = list(Collection(graph, head))
        intervals = {}
        for node in alternatives:
            unit, lo, hi = None, None, None
            for ps in graph.objects(node, SH.property):
                unit = graph.value(ps, SH.hasValue) or unit
                lo = graph.value(ps, SH.minInclusive) if graph.value(ps, SH.minInclusive) is not None else lo
                hi = graph.value(ps, SH.maxInclusive) if graph.value(ps, SH.maxInclusive) is not None else hi
            if unit is None or not str(unit).startswith(QUDT_UNIT) or lo is None or hi is None:
                break
            m, o = _conversion(unit)
            intervals[str(unit).rsplit("/", 1)[1]] = ((float(lo) + o) * m, (float(hi) + o) * m)
        else:
            if len(intervals) < 2:
                continue
            los = [v[0] for v in intervals.values()]
            his = [v[1] for v in intervals.values()]
            for values in (los, his):
                ref = values[0]
                if any(abs(v - ref) > 1e-4 * max(abs(ref), abs(v)) + 1e-300 for v in values):
                    out.append(f"{str(owner).rsplit('/', 1)[1]}: {intervals}")
                    break
    return sorted(out)


@pytest.mark.parametrize("pid,version", CURRENT, ids=[f"{p}@{v}" for p, v in CURRENT])
def test_ranges_are_the_same_interval_in_every_unit(pid, version):
    assert range_mismatches(rdflib.Graph().parse(_shapes_path(pid, version), format="turtle")) == []


def test_range_check_catches_the_1_0_0_minima():
    mismatches = range_mismatches(rdflib.Graph().parse(_shapes_path("electron-microscopy", "1.0.0"), format="turtle"))
    names = [m.split(":")[0] for m in mismatches]
    assert {"Acquisition-specimenTemperature", "Acquisition-chamberPressure"} <= set(names)


# --------------------------------------------------------------------------- names (item 1) and French (item 5)
def _current_files() -> list[str]:
    files = [_shapes_path(p, v) for p, v in CURRENT] + _latest_vocabularies()
    files += glob.glob(f"{ROOT}/shapes/*/profile.toml") + glob.glob(f"{ROOT}/vocabularies/*/vocabulary.toml")
    return files


def test_the_network_has_its_own_name():
    for path in _current_files():
        text = open(path, encoding="utf-8").read()
        assert WRONG_NAME not in text, path
        if "METSA —" in text:
            assert METSA_NAME in text, path
    assert WRONG_NAME in open(_shapes_path("electron-microscopy", "1.0.0"), encoding="utf-8").read()


def test_profiles_say_they_are_metsa_style():
    for pid in ("electron-microscopy", "atom-probe"):
        g = rdflib.Graph().parse(_shapes_path(pid, _versions(pid)[-1]), format="turtle")
        [profile] = g.subjects(RDF.type, URIRef("http://www.w3.org/ns/dx/prof/Profile"))
        en = " ".join(str(o) for o in g.objects(profile, DCTERMS.description) if o.language == "en")
        assert "METSA-style" in en and "not an official METSA standard" in en
        assert "METSA-style" in PROFILES[pid]["title"]["en"]
    scheme = _vocab("technique")
    definition = " ".join(str(o) for o in scheme.objects(None, SKOS.definition) if getattr(o, "language", None) == "en")
    assert "in general" in definition and "not an official METSA standard" in definition
    # what 1.0.0 said instead: no "METSA-style", and techniques "practised on METSA platforms"
    old = rdflib.Graph().parse(_shapes_path("electron-microscopy", "1.0.0"), format="turtle")
    assert "METSA-style" not in " ".join(str(o) for o in old.objects(None, DCTERMS.description))
    old_scheme = rdflib.Graph().parse(f"{ROOT}/vocabularies/technique/1.0.0.ttl", format="turtle")
    assert "practised on METSA platforms" in " ".join(str(o) for o in old_scheme.objects(None, SKOS.definition))


def test_grenoble_is_no_longer_offered_as_a_facility():
    g = _vocab("platform")
    grenoble = URIRef("https://w3id.org/metsa/vocab/platform/grenoble")
    assert (grenoble, OWL.deprecated, Literal(True)) in g
    first = rdflib.Graph().parse(f"{ROOT}/vocabularies/platform/1.0.0.ttl", format="turtle")
    assert (grenoble, SKOS.prefLabel, None) in first and (grenoble, OWL.deprecated, Literal(True)) not in first
    live = {c for c in g.subjects(RDF.type, SKOS.Concept) if (c, OWL.deprecated, Literal(True)) not in g}
    for c in live:
        label = str(g.value(c, SKOS.prefLabel))
        assert label == "External facility" or "," in label or c.endswith("external"), f"{c} names no facility: {label}"


#: (wrong French, where it was in 1.0.0) — issue 20, item 5.
WRONG_FRENCH = ["Fichier de rangement", "Unité de Énergie", "Unité de Angle", "Parrain", '"Data paper"@fr',
                '"PEELS"@fr', "Temps de pose par pixel", "Section transverse", "Unité de Tension"]


def test_french_terms():
    for path in _current_files():
        text = open(path, encoding="utf-8").read()
        assert not [w for w in WRONG_FRENCH if w in text], path
    old = "".join(open(p, encoding="utf-8").read() for p in glob.glob(f"{ROOT}/shapes/*/1.0.0/shapes.ttl") + glob.glob(f"{ROOT}/vocabularies/*/1.0.0.ttl"))
    assert all(w in old for w in WRONG_FRENCH), "the list names what 1.0.0 got wrong"
    assert '"Commanditaire"@fr' in open(_scheme_file("contributor-role"), encoding="utf-8").read()
    assert '"Article de données"@fr' in open(_scheme_file("resource-type"), encoding="utf-8").read()


# --------------------------------------------------------------------------- examples do not invent (item 6)
SUPPLEMENTED = URIRef("https://w3id.org/rdp/term/supplemented")
DCAT_DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")
SOURCE_RE = re.compile(r"\.\./shared/data/records/([\w.-]*\w)")


def _derived_examples() -> list[str]:
    """Examples converted from a real record (their comment says from which), of every profile version."""
    from tests.content.test_examples_pyshacl import EXAMPLES, _load_record
    out = []
    for param in EXAMPLES:
        pid, version, record, _ = param.values
        comment = " ".join(str(o) for o in _load_record(record).objects(None, rdflib.RDFS.comment))
        if SOURCE_RE.search(comment):
            out.append(record)
    return out


def _all_words_in(value: str, text: str) -> bool:
    """A value rearranged from the source's words (e.g. "Lancey, Claudia" from lastName/firstName)."""
    words = re.findall(r"\w+", value)
    return bool(words) and all(w in text for w in words)


@cache
def _vocabulary_terms() -> dict[URIRef, set[str]]:
    """Concept → its notation and labels (any language), lower-cased, over the shipped vocabularies."""
    out: dict[URIRef, set[str]] = {}
    for path in _latest_vocabularies():
        g = rdflib.Graph().parse(path, format="turtle")
        for c in g.subjects(RDF.type, SKOS.Concept):
            out[c] = {str(o).lower() for p in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel) for o in g.objects(c, p)}
    return out


def source_values(path: str) -> set[str]:
    """The values a source record states (JSON leaves, XML element texts and attributes, YAML
    scalars), lower-cased: a concept is in the source only if one of its names *is* one of them.
    A concept inferred from a word inside a longer value ('Zeiss' from the instrument name 'Zeiss
    Auriga', 'cryo-EM' from a title) is an interpretation and must be declared."""
    text = open(path, encoding="utf-8").read()
    values: set[str] = set()
    if path.endswith(".json"):
        def walk(node) -> None:
            if isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
            else:
                values.add(str(node))
        walk(json.loads(text))
    elif path.endswith(".xml"):
        import xml.etree.ElementTree as ET
        for element in ET.fromstring(text).iter():
            if element.text and element.text.strip():
                values.add(element.text)
            values.update(element.attrib.values())
    else:  # YAML (OSC-EM): the scalars of `key: value` and `- value` lines
        for line in text.splitlines():
            m = re.match(r"\s*(?:-\s+)?(?:[\w.]+:)?\s*(.*?)\s*(?:#.*)?$", line)
            if m and m.group(1) and not line.strip().startswith("#"):
                values.add(m.group(1).strip('"\''))
    return {v.strip().lower() for v in values if v.strip()}


def _concept_is_a_source_value(concept: URIRef, values: set[str]) -> bool:
    names = _vocabulary_terms().get(concept)
    return bool(names and names & values)


def undeclared_values(record_path: str, graph: rdflib.Graph | None = None) -> list[tuple[str, str]]:
    """Values of a converted record that are neither in its source record nor under a property the
    record declares supplemented (`rdpt:supplemented`, see examples/README.md). QUDT unit IRIs are
    conversions of the source's unit strings; IRIs of the registry's own vocabularies and the
    example's own node IRIs are structure, not values."""
    from tests.content.test_examples_pyshacl import _load_record
    g = graph if graph is not None else _load_record(record_path)
    comment = " ".join(str(o) for o in g.objects(None, rdflib.RDFS.comment))
    source_path = os.path.join(SHARED, "records", SOURCE_RE.search(comment).group(1))
    source = open(source_path, encoding="utf-8").read()
    text = source.lower()
    numbers = {float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", source)}
    values = source_values(source_path)
    [root] = g.subjects(RDF.type, DCAT_DATASET)
    declared = set(g.objects(root, SUPPLEMENTED))
    chains = {root: []}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for p, o in g.predicate_objects(node):
            if not isinstance(o, Literal) and o not in chains:
                chains[o] = chains[node] + [p]
                frontier.append(o)
    skip = {rdflib.RDFS.comment, RDF.type, SUPPLEMENTED, PROV.wasDerivedFrom}
    out = []
    for s, p, o in g:
        if s not in chains or p in skip or any(c in declared for c in chains[s] + [p]):
            continue
        if isinstance(o, URIRef):
            if str(o).startswith(("https://example.org/records/", QUDT_UNIT)) or (o, None, None) in g:
                continue  # a unit, or one of the record's own nodes
            if o in _vocabulary_terms():
                if _concept_is_a_source_value(o, values):
                    continue  # a concept whose code or label is a value of the source (e.g. 'SEM' → technique sem)
                out.append((" / ".join(re.split(r"[/#]", str(c))[-1] for c in chains[s] + [p]), str(o)))
                continue  # a concept is never accepted for a word of the source inside its IRI
            tail = re.split(r"[/#:]", str(o).rstrip("/"))[-1].lower()
            if str(o).lower() in text or (len(tail) >= 6 and tail in text):  # e.g. an ORCID iD given bare
                continue
        elif isinstance(o, Literal):
            value = o.toPython()
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if any(abs(float(value) - n) <= 1e-9 * max(1.0, abs(n)) for n in numbers):
                    continue
            elif str(o).lower() in text or _all_words_in(str(o).lower(), text):
                continue
        else:
            continue
        out.append((" / ".join(re.split(r"[/#]", str(c))[-1] for c in chains[s] + [p]), str(o)))
    return sorted(out)


def test_there_are_converted_examples_for_the_current_versions():
    assert _derived_examples(), "no example of the current profile versions is converted from a real record"


@pytest.mark.parametrize("path", _derived_examples(), ids=lambda p: os.path.relpath(p, ROOT))
def test_converted_examples_declare_what_they_supplement(path):
    from tests.content.test_examples_pyshacl import _load_record
    g = _load_record(path)
    [root] = g.subjects(RDF.type, DCAT_DATASET)
    assert list(g.objects(root, SUPPLEMENTED)), "a converted record lists what was supplemented (rdpt:supplemented)"
    comment = " ".join(str(o) for o in g.objects(root, rdflib.RDFS.comment))
    assert "upplemented" in comment, "the comment says in words what was supplemented"

    assert list(g.objects(root, PROV.wasDerivedFrom)), "a converted record names its source (prov:wasDerivedFrom)"
    assert undeclared_values(path) == []


def test_the_invention_check_catches_the_1_0_0_kit_record():
    """As first published, kit-sem-sceo5 had the other KIT record's user as creator and its keywords,
    with no machine-readable declaration: rebuilt here, the check names exactly those values."""
    from tests.content.test_examples_pyshacl import _load_record
    path = f"{ROOT}/examples/electron-microscopy/1.0.0/kit-sem-sceo5.ttl"
    g = _load_record(path)
    [root] = g.subjects(RDF.type, DCAT_DATASET)
    declared = set(g.objects(root, SUPPLEMENTED))
    g.remove((root, SUPPLEMENTED, None))
    for p in declared - {DCTERMS.creator}:  # declarations other than the creator stay
        g.add((root, SUPPLEMENTED, p))
    [creator] = g.objects(root, DCTERMS.creator)
    foaf_name = URIRef("http://xmlns.com/foaf/0.1/name")
    g.set((creator, foaf_name, Literal("Neidiger, Charlotte")))
    for keyword in ("FeMoOx", "cross section"):
        g.add((root, URIRef("http://www.w3.org/ns/dcat#keyword"), Literal(keyword, lang="en")))
    assert undeclared_values(path, g) == [("creator / name", "Neidiger, Charlotte"), ("keyword", "FeMoOx"), ("keyword", "cross section")]
    assert undeclared_values(path) == []


# --------------------------------------------------------------------------- profile pages
def test_profile_pages_are_generated_from_the_content():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, f"{ROOT}/docs/profiles/generate.py", "--check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for pid in PROFILES:
        text = open(f"{ROOT}/docs/profiles/{pid}.md", encoding="utf-8").read()
        assert "**What this profile is.**" in text and "Provisional" in text, pid
        if PROFILES[pid]["community"]["id"] == "metsa":
            assert "not METSA's official standard" in text or "not METSA's\nofficial standard" in text, pid
            assert METSA_NAME.replace(" en ", " en\n") in text or METSA_NAME in text or "*Microscopie Électronique" in text


def test_the_invention_check_catches_inferred_concepts():
    """A concept inferred from a word inside a longer source value is not in the source: before they
    were declared (this change), the check named them; the IRI's tail appearing somewhere in the
    source ('cryo-em' in a title, 'external' in 'externalReferences') no longer excuses a concept."""
    from tests.content.test_examples_pyshacl import _load_record
    metsa = "https://w3id.org/metsa/term/"
    vocab = "https://w3id.org/metsa/vocab/"
    cases = [
        ("electron-microscopy/2.0.0/kit-sem-sceo5.ttl", "http://schema.org/manufacturer",
         ("wasGeneratedBy / instrument / manufacturer", vocab + "instrument-manufacturer/zeiss")),
        ("electron-microscopy/1.0.0/empiar-10934.ttl", metsa + "technique", ("wasGeneratedBy / technique", vocab + "technique/cryo-em")),
        ("electron-microscopy/1.0.0/empiar-10934.ttl", metsa + "platform", ("platform", vocab + "platform/external")),
        ("electron-microscopy/1.0.0/empiar-10934.ttl", metsa + "imagingMode", ("wasGeneratedBy / imagingMode", vocab + "imaging-mode/movie")),
        ("electron-microscopy/1.0.0/kit-sem-femoox-xml.jsonld", metsa + "imagingMode", ("wasGeneratedBy / imagingMode", vocab + "imaging-mode/se")),
    ]
    for name, prop, finding in cases:
        path = f"{ROOT}/examples/{name}"
        g = _load_record(path)
        [root] = g.subjects(RDF.type, DCAT_DATASET)
        assert (root, SUPPLEMENTED, URIRef(prop)) in g, f"{name} declares {prop}"
        g.remove((root, SUPPLEMENTED, URIRef(prop)))
        assert undeclared_values(path, g) == [finding], name
    # a concept whose code is a whole value of the source needs no declaration: 'SEM' is the KIT record's technique
    assert "sem" in source_values(os.path.join(SHARED, "records", "KIT_SEM_SCEO5_00.json"))


def test_the_docs_say_where_each_vocabulary_comes_from():
    """docs/vocabularies.md has one row per bundled vocabulary: its latest version and the source its
    scheme names (`dct:source`), word for word; a vocabulary without `dct:source` (instrument-manufacturer,
    a list of company names) says so in the row."""
    text = open(f"{ROOT}/docs/vocabularies.md", encoding="utf-8").read()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+\.\d+\.\d+ \| .*) \|$", text, re.M))
    for path in _latest_vocabularies():
        vid, version = os.path.basename(os.path.dirname(path)), os.path.basename(path)[:-4]
        g = rdflib.Graph().parse(path, format="turtle")
        [scheme] = g.subjects(RDF.type, SKOS.ConceptScheme)
        source = g.value(scheme, DCTERMS.source)
        row_version, _, row_source = rows[vid].partition(" | ")
        assert row_version == version, vid
        assert row_source == str(source) if source is not None else "no external source" in row_source, vid
    assert set(rows) == {os.path.basename(os.path.dirname(p)) for p in _latest_vocabularies()}


# --------------------------------------------------------------------------- ranges and fields (item 3) on 1.0.0
#: Examples of the 2.0.0 profiles for issue 20 item 3, and what the 1.0.0 profiles (which read the unit
#: with qudt:unit) said of the same record: each line is a defect of 1.0.0 the example exposes.
#: (severity initial, source shape) of the results, as in tests/content/test_examples_pyshacl.py.
ITEM_3_ON_1_0_0 = {
    "electron-microscopy/2.0.0/synthetic-uhvtem-3mv.ttl": [("V", "Acquisition-acceleratingVoltage")],  # 3 MV TEM refused
    "electron-microscopy/2.0.0/synthetic-sem-beam-deceleration-50v.jsonld": [("V", "Acquisition-acceleratingVoltage")],  # 50 V refused
    "electron-microscopy/2.0.0/warning-sem-300kv.jsonld": [],  # a 300 kV SEM passed silently
    "electron-microscopy/2.0.0/warning-tem-5kv.jsonld": [],  # a 5 kV TEM passed silently
    "electron-microscopy/2.0.0/invalid-beam-current-80ua.jsonld": [],  # an 80 µA "beam current" (an emission current) accepted
    "electron-microscopy/2.0.0/invalid-emission-current-out-of-range.jsonld": [],  # no emission current field
    "electron-microscopy/2.0.0/synthetic-stem-eels.ttl": [("V", "Acquisition-dwellTime")],  # a long spectrum-imaging dwell refused
    "electron-microscopy/2.0.0/synthetic-pressure-torr-near-minimum.jsonld": [("V", "Acquisition-chamberPressure")],  # Torr minimum ≠ Pa minimum
    "electron-microscopy/2.0.0/invalid-temperature-below-absolute-zero.jsonld": [],  # °C minimum below 0 K
    "atom-probe/2.0.0/info-no-reflectron.jsonld": [("V", "Acquisition-reflectron")],  # reflectron required, optional in NXapm
    "atom-probe/2.0.0/invalid-laser-wavelength-out-of-range.ttl": [],  # no laser wavelength field
    "atom-probe/2.0.0/warning-laser-without-wavelength.jsonld": [],  # pulse energy without wavelength unremarked
}


@pytest.mark.parametrize("name", sorted(ITEM_3_ON_1_0_0))
def test_item_3_examples_expose_the_1_0_0_profiles(name):
    """Each example validates as its .expected.json says against 2.0.0 (test_examples_pyshacl), and
    against 1.0.0 shows the defect the issue names."""
    from tests.content.test_examples_pyshacl import _load_record, _validate
    pid = name.split("/")[0]
    record = _load_record(f"{ROOT}/examples/{name}")
    for s, p, o in list(record.triples((None, URIRef(QUDT_SCHEMA + "hasUnit"), None))):
        record.remove((s, p, o))
        record.add((s, QUDT_UNIT_PROPERTY, o))  # as a record written for 1.0.0
    _conforms, results = _validate(record, pid, "1.0.0")
    assert sorted({(r[3].rsplit("#")[1][0], r[4].rsplit("/", 1)[1]) for r in results}) == ITEM_3_ON_1_0_0[name]
    with open(f"{ROOT}/examples/{name.rsplit('.', 1)[0]}.expected.json", encoding="utf-8") as fh:
        on_2_0_0 = sorted({(r["resultSeverity"].rsplit("#")[1][0], r["sourceShape"].rsplit("/", 1)[1]) for r in json.load(fh)["results"]})
    assert on_2_0_0 != ITEM_3_ON_1_0_0[name]


# --------------------------------------------------------------------------- qudt:unit still read by 2.0.0 (item 2)
def _valid_1_0_0_examples() -> list[str]:
    out = []
    for pid in ("electron-microscopy", "atom-probe"):
        for expected in sorted(glob.glob(f"{ROOT}/examples/{pid}/1.0.0/*.expected.json")):
            with open(expected, encoding="utf-8") as fh:
                if not json.load(fh)["conforms"]:
                    continue
            stem = expected[: -len(".expected.json")]
            out += [stem + ext for ext in (".ttl", ".jsonld") if os.path.exists(stem + ext)][:1]
    return out


#: the one record written for 1.0.0 that 2.0.0 refuses on purpose (item 3: an 80 µA "beam current")
REFUSED_ON_PURPOSE = {"electron-microscopy/1.0.0/kit-sem-sceo5.ttl": ["Acquisition-beamCurrent"]}


@pytest.mark.parametrize("path", _valid_1_0_0_examples(), ids=lambda p: os.path.relpath(p, f"{ROOT}/examples"))
def test_records_written_for_1_0_0_validate_against_2_0_0_with_a_deprecation_warning(path):
    """Every valid 1.0.0 example (units given with qudt:unit) is read by the 2.0.0 profile of its kind:
    each quantity gets one deprecation Warning (emsh:Quantity-deprecatedUnit), no unit is refused."""
    from tests.content.test_examples_pyshacl import _load_record, _validate
    name = os.path.relpath(path, f"{ROOT}/examples")
    pid = name.split("/")[0]
    record = _load_record(path)
    quantities = set(record.subjects(QUDT_UNIT_PROPERTY, None))
    assert quantities and not list(record.subjects(URIRef(QUDT_SCHEMA + "hasUnit"), None))
    _conforms, results = _validate(record, pid, "2.0.0")
    warned = [r for r in results if r[4] == str(DEPRECATED_UNIT_SHAPE)]
    assert len(warned) == len(quantities) and {r[3] for r in warned} == {str(SH.Warning)}
    violations = sorted(r[4].rsplit("/", 1)[1] for r in results if r[3] == str(SH.Violation))
    assert violations == REFUSED_ON_PURPOSE.get(name, [])


def test_field_ion_microscopy_needs_no_accelerating_voltage_from_2_1_0():
    """Found reviewing 2.0.0: field ion microscopy (in the technique list) uses no electron beam, yet
    2.0.0 required an accelerating voltage of every technique but atom probe tomography. 2.1.0
    exempts it; the same record is refused by 2.0.0."""
    from tests.content.test_examples_pyshacl import _load_record, _validate
    record = _load_record(f"{ROOT}/examples/electron-microscopy/2.1.0/synthetic-fim-tungsten-tip.ttl")
    assert _validate(record, "electron-microscopy", "2.1.0") == (True, [])
    conforms, results = _validate(record, "electron-microscopy", "2.0.0")
    assert not conforms and [r[4].rsplit("/", 1)[1] for r in results] == ["AcceleratingVoltageRequirement"]
