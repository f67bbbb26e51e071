"""Import a Dataverse metadata block as a profile (`registry dataverse import-block`): a folder in the
`registry load` layout (docs/layout.md) with

* `shapes/<id>/profile.toml` and `shapes/<id>/<version>/shapes.ttl`: one node shape for the dataset
  (`sh:targetClass dcat:Dataset`), one property shape per field (bilingual `sh:name` /
  `sh:description` from the TSV and the `.properties` files, `sh:path` = the field's property IRI:
  `termURI`, else `blockURI` + name), compound fields as `sh:node` to a node shape of their children;
* `vocabularies/<id>-<field>/vocabulary.toml` and `<version>.nt`: one SKOS concept scheme per
  controlled-vocabulary field (labels in every language the bundles give, the identifier as
  `skos:notation`);
* every column with no SHACL meaning kept as a `dvb:` annotation (`registry.dataverse.annotations`),
  so that import → load → export gives back an equivalent TSV.

Nothing is written outside the output directory: every path below it is built from validated
registry ids, never from the block's text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROF, RDF, SH, SKOS, XSD

from registry.dataverse import annotations as dvb
from registry.dataverse.block import BlockText, property_iri
from registry.dataverse.check import require_valid
from registry.errors import InvalidInput
from registry.ids import SemVer, check_id
from registry.rdf import serialize

DCAT_DATASET = rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")
# fieldType → SHACL (guide, "FieldType definitions"). Dataverse dates are YYYY, YYYY-MM or YYYY-MM-DD.
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
FIELD_DATATYPES = {"text": XSD.string, "textbox": XSD.string, "string": XSD.string, "int": XSD.integer,
                   "float": XSD.double, "email": XSD.string, "date": XSD.string}
MAX_ID = 64


def profile_id_of(block_name: str) -> str:
    """`codeMeta20` → `code-meta20`, `custom_hbgdki` → `custom-hbgdki` (registry ids: lower case,
    digits, inner hyphens, at most 64)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", block_name)
    text = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-") or "block"
    return _fit(text)


def _fit(text: str, limit: int = MAX_ID) -> str:
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return text[:limit - 9].rstrip("-") + "-" + digest


@dataclass
class ImportResult:
    profile_id: str
    version: str
    directory: Path
    vocabularies: list[str]
    warnings: list

    def to_json(self) -> dict:
        return {"profile": self.profile_id, "version": self.version, "directory": str(self.directory),
                "vocabularies": self.vocabularies, "warnings": [w.as_dict() for w in self.warnings]}


def import_block(text: BlockText, *, community: str, namespace: str, version: str = "1.0.0",
                 status: str = "published", community_name: str | None = None) -> dict[str, bytes]:
    """The files of the `registry load` folder, relative path → bytes (nothing written here)."""
    block = text.block
    check_id(community, "community id")
    SemVer(version)
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+[/#]", namespace):
        raise InvalidInput(f"--namespace {namespace!r}: an http(s) IRI ending in / or #", code="invalid-namespace")
    require_valid(block)
    pid = profile_id_of(block.name)
    shapes_base = f"{namespace}shapes/{pid}/"
    fallback = f"{namespace}dataverse/{block.name}/"
    g = rdflib.Graph()
    for prefix, ns in (("sh", SH), ("dvb", dvb.DVB), ("dct", DCTERMS), ("prof", PROF), ("skos", SKOS),
                       ("xsd", XSD), ("owl", OWL)):
        g.bind(prefix, ns)
    g.bind("shape", rdflib.Namespace(shapes_base))
    profile = rdflib.URIRef(shapes_base)
    g.add((profile, RDF.type, PROF.Profile))
    g.add((profile, RDF.type, OWL.Ontology))
    g.add((profile, OWL.versionInfo, rdflib.Literal(version)))
    g.add((profile, dvb.BLOCK_NAME, rdflib.Literal(block.name)))
    if block.dataverse_alias:
        g.add((profile, dvb.DATAVERSE_ALIAS, rdflib.Literal(block.dataverse_alias)))
    if block.block_uri:
        g.add((profile, dvb.BLOCK_URI, rdflib.Literal(block.block_uri)))
    titles = {lang: text.display_name(lang) for lang in ["en", *text.languages]}
    titles["en"] = block.display_name or titles.get("en") or block.name
    for lang, title in titles.items():
        g.add((profile, DCTERMS.title, rdflib.Literal(title, lang=lang)))
        g.add((profile, dvb.DISPLAY_NAME, rdflib.Literal(title, lang=lang)))
    for lang in text.languages:
        if text.has("metadatablock.displayFacet", lang):
            g.add((profile, dvb.DISPLAY_FACET, rdflib.Literal(text.display_facet(lang), lang=lang)))

    dataset = rdflib.URIRef(shapes_base + "Dataset")
    g.add((dataset, RDF.type, SH.NodeShape))
    g.add((dataset, SH.targetClass, DCAT_DATASET))
    for lang, title in titles.items():
        g.add((dataset, rdflib.RDFS.label, rdflib.Literal(title, lang=lang)))

    files: dict[str, bytes] = {}
    vocabularies: list[str] = []
    languages = ["en", *[lang for lang in text.languages if lang != "en"]]
    for position, f in enumerate(block.fields):
        shape = rdflib.URIRef(shapes_base + quote(f.name, safe=""))
        path = property_iri(block, f, fallback_namespace=fallback)
        owner = dataset if not f.parent else rdflib.URIRef(shapes_base + quote(f.parent, safe="") + "-node")
        g.add((owner, SH.property, shape))
        g.add((shape, RDF.type, SH.PropertyShape))
        g.add((shape, SH.path, rdflib.URIRef(path)))
        g.add((shape, SH.order, rdflib.Literal(position)))
        for lang in languages:
            for predicate, value in ((SH.name, text.title(f.name, lang) if lang != "en" else f.title),
                                     (SH.description, text.description(f.name, lang) if lang != "en" else f.description),
                                     (dvb.WATERMARK, text.watermark(f.name, lang) if lang != "en" else f.watermark)):
                if value and (lang == "en" or text.has(_key(predicate, f.name), lang)):
                    g.add((shape, predicate, rdflib.Literal(value, lang=lang)))
        annotations: tuple[tuple[rdflib.URIRef, object], ...] = ((dvb.FIELD_NAME, f.name), (dvb.FIELD_TYPE, f.field_type),
                       (dvb.DISPLAY_ORDER, f.display_order), (dvb.DISPLAY_FORMAT, f.display_format),
                       (dvb.ADVANCED_SEARCH, f.advanced_search_field), (dvb.FACETABLE, f.facetable),
                       (dvb.DISPLAY_ON_CREATE, f.display_on_create),
                       (dvb.ALLOW_CONTROLLED, f.allow_controlled_vocabulary),
                       (dvb.ALLOW_MULTIPLES, f.allow_multiples), (dvb.REQUIRED, f.required),
                       (dvb.TERM_URI, f.term_uri))
        for predicate, annotation in annotations:
            g.add((shape, predicate, rdflib.Literal(annotation)))
        if not f.allow_multiples:
            g.add((shape, SH.maxCount, rdflib.Literal(1)))
        if f.required:
            g.add((shape, SH.minCount, rdflib.Literal(1)))
        kind = f.field_type.lower()
        values = block.values_of(f.name)
        if f.is_compound:
            node = rdflib.URIRef(shapes_base + quote(f.name, safe="") + "-node")
            g.add((node, RDF.type, SH.NodeShape))
            g.add((node, rdflib.RDFS.label, rdflib.Literal(f.title, lang="en")))
            g.add((shape, SH.node, node))
        elif f.allow_controlled_vocabulary and values:
            vid = _fit(f"{pid}-{profile_id_of(f.name)}")
            scheme = rdflib.URIRef(f"{namespace}vocab/{pid}/{quote(f.name, safe='')}")
            concept_shape = rdflib.URIRef(shapes_base + quote(f.name, safe="") + "-concept")
            in_scheme = rdflib.URIRef(shapes_base + quote(f.name, safe="") + "-inScheme")
            g.add((concept_shape, RDF.type, SH.NodeShape))
            g.add((concept_shape, SH["class"], SKOS.Concept))
            g.add((concept_shape, SH.property, in_scheme))
            g.add((in_scheme, RDF.type, SH.PropertyShape))
            g.add((in_scheme, SH.path, SKOS.inScheme))
            g.add((in_scheme, SH.hasValue, scheme))
            g.add((shape, SH.node, concept_shape))
            files[f"vocabularies/{vid}/vocabulary.toml"] = _toml(
                vid, {lang: f"{titles.get(lang, titles['en'])}: {text.title(f.name, lang)}" for lang in titles},
                community, community_name, namespace, status).encode("utf-8")
            files[f"vocabularies/{vid}/{version}.nt"] = _vocabulary(scheme, f.name, values, text, languages, titles)
            vocabularies.append(vid)
        elif kind == "url":
            g.add((shape, SH.nodeKind, SH.IRI))
        elif kind in FIELD_DATATYPES:
            g.add((shape, SH.datatype, FIELD_DATATYPES[kind]))
            if kind == "date":
                g.add((shape, SH.pattern, rdflib.Literal(DATE_PATTERN)))
            elif kind == "email":
                g.add((shape, SH.pattern, rdflib.Literal(EMAIL_PATTERN)))
    files[f"shapes/{pid}/{version}/shapes.ttl"] = g.serialize(format="turtle").encode("utf-8")
    files[f"shapes/{pid}/profile.toml"] = _toml(pid, titles, community, community_name, namespace, status).encode("utf-8")
    return files


def _key(predicate, name: str) -> str:
    suffix = {SH.name: "title", SH.description: "description", dvb.WATERMARK: "watermark"}[predicate]
    return f"datasetfieldtype.{name}.{suffix}"


def _vocabulary(scheme, field_name: str, values, text: BlockText, languages: list[str], titles) -> bytes:
    """The concept scheme of a controlled field, as N-Triples (pyoxigraph's serializer: a block can
    hold thousands of values, citation's `language` alone 7900)."""
    n, lit = ox.NamedNode, ox.Literal
    skos = str(SKOS)
    s = n(str(scheme))
    triples = [ox.Triple(s, n(str(RDF.type)), n(skos + "ConceptScheme"))]
    for lang in languages:
        triples.append(ox.Triple(s, n(skos + "prefLabel"), lit(f"{titles.get(lang, titles['en'])}: "
                                                             f"{text.title(field_name, lang)}", language=lang)))
    used: set[str] = set()
    for v in values:
        slug = quote(v.code, safe="") or "value"
        candidate, k = slug, 2
        while candidate in used:
            candidate, k = f"{slug}-{k}", k + 1
        used.add(candidate)
        c = n(f"{scheme}/{candidate}")
        triples += [ox.Triple(c, n(str(RDF.type)), n(skos + "Concept")),
                    ox.Triple(c, n(skos + "inScheme"), s), ox.Triple(c, n(skos + "topConceptOf"), s),
                    ox.Triple(s, n(skos + "hasTopConcept"), c),
                    ox.Triple(c, n(skos + "prefLabel"), lit(v.value, language="en"))]
        for lang in languages:
            if lang != "en" and text.has(v.properties_key, lang):
                triples.append(ox.Triple(c, n(skos + "prefLabel"), lit(text.value_label(v, lang), language=lang)))
        if v.identifier:
            triples.append(ox.Triple(c, n(skos + "notation"), lit(v.identifier)))
        triples.append(ox.Triple(c, n(str(dvb.IDENTIFIER)), lit(v.identifier)))
        triples.append(ox.Triple(c, n(str(dvb.DISPLAY_ORDER)), lit(str(v.display_order), datatype=n(str(XSD.integer)))))
        if v.alternates:
            # One literal, tab-separated (a TSV cell never holds a tab): RDF keeps no order.
            triples.append(ox.Triple(c, n(str(dvb.ALTERNATE)), lit("\t".join(v.alternates))))
            triples += [ox.Triple(c, n(skos + "hiddenLabel"), lit(a)) for a in v.alternates]
    return serialize(triples, ox.RdfFormat.N_TRIPLES)


def _toml(sid: str, titles: dict[str, str], community: str, community_name: str | None, namespace: str,
          status: str) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    title = ", ".join(f"{lang} = {quoted(t)}" for lang, t in titles.items())
    return (f"id = {quoted(sid)}\ntitle = {{ {title} }}\nstatus = {quoted(status)}\n\n[community]\n"
            f"id = {quoted(community)}\nname = {quoted(community_name or community)}\nnamespace = {quoted(namespace)}\n")


def write_import(files: dict[str, bytes], directory: Path) -> list[Path]:
    """Write the files below `directory` (and only there)."""
    root = directory.resolve()
    written = []
    for relative, content in files.items():
        target = (root / relative).resolve()
        if root not in target.parents:
            raise InvalidInput(f"refusing to write {relative!r} outside {directory}", code="path-outside-output")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written
