"""Export a published profile version as a Dataverse metadata block (`registry dataverse export-block`,
`GET /profiles/{id}/versions/{v}/dataverse/{file}`).

Files (guide, "Loading TSV files", "To create a new ResourceBundle"; `:CVocConf`):

* `<block>.tsv`            the block, checked by `registry.dataverse.check` before anything is written
* `<block>.properties`     English strings; `<block>_fr.properties` French strings
* `cvoc.json`              the `:CVocConf` entries of the fields whose values come from a registry
                           vocabulary served through its Skosmos API (valid against CVocConf.schema.json)
* `report.txt`             what Dataverse cannot express (stays enforced by the registry), what was
                           flattened or mapped, the ancestors' blocks, the four admin API calls

Vocabularies: `sh:in` lists and the units of quantities become `#controlledVocabulary` rows; a
SKOS vocabulary becomes rows only when it is small and flat (`max_controlled_values` concepts, no
`skos:broader`), else a CVoc field: its concepts are then never read, only counted (streamed by the
store), so a 1M-concept vocabulary costs one COUNT.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from registry.dataverse.block import (
    BlockText, ControlledValue, DatasetField, MetadataBlock, Properties, properties_entries,
    write_block, write_properties,
)
from registry.dataverse.annotations import DVB_IRI
from registry.dataverse.check import require_valid
from registry.dataverse.mapping import BlockPlan, FieldPlan, Note, plan_block
from registry.errors import InvalidInput, NotFound

SKOSMOS_JS = "https://gdcc.github.io/dataverse-external-vocab-support/scripts/skosmos.js"
MAX_CONTROLLED_VALUES = 10
LANGUAGES = ("en", "fr")
SKOS = "http://www.w3.org/2004/02/skos/core#"
FILES = ("block.tsv", "block.properties", "block_fr.properties", "cvoc.json", "report.txt")


@dataclass
class VocabularyFacts:
    """What the export needs of one vocabulary: counted and probed, never loaded whole."""

    vid: str
    version: str
    scheme: str
    graph: str
    title: dict[str, str]
    concepts: int
    hierarchical: bool
    uri_space: str
    languages: list[str]


@dataclass
class Concept:
    iri: str
    notation: str | None
    labels: dict[str, str]
    identifier: str | None = None  # dvb:identifier of an imported block's value
    display_order: int | None = None  # dvb:displayOrder
    alternates: tuple[str, ...] = ()  # dvb:alternate


@dataclass
class BlockExport:
    """The exported files, in memory (their text), and the objects they were made from."""

    block: MetadataBlock
    plan: BlockPlan
    text: BlockText
    cvoc: list[dict]
    report: str
    warnings: list = field(default_factory=list)

    @property
    def files(self) -> dict[str, str]:
        name = self.block.name
        return {
            f"{name}.tsv": write_block(self.block),
            f"{name}.properties": write_properties(properties_entries(self.block, self.text, "en")),
            f"{name}_fr.properties": write_properties(properties_entries(self.block, self.text, "fr")),
            "cvoc.json": json.dumps(self.cvoc, indent=2, ensure_ascii=False) + "\n",
            "report.txt": self.report,
        }

    def file(self, generic: str) -> tuple[str, str]:
        """(file name, text) by the generic names of the HTTP routes (`block.tsv`, ...)."""
        name = self.block.name
        mapping = {"block.tsv": f"{name}.tsv", "block.properties": f"{name}.properties",
                   "block_fr.properties": f"{name}_fr.properties", "cvoc.json": "cvoc.json",
                   "report.txt": "report.txt"}
        if generic not in mapping:
            raise NotFound(f"no Dataverse file {generic!r} (one of {', '.join(FILES)})", code="dataverse-file-not-found")
        return mapping[generic], self.files[mapping[generic]]

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            path = directory / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


class StoreVocabularies:
    """Vocabulary facts and small concept lists from the registry's store (bound SPARQL, no user text)."""

    def __init__(self, registry):
        self.registry = registry

    def facts(self, scheme: str, pinned: list[str]) -> VocabularyFacts | None:
        catalog = self.registry.catalog
        info = None
        for iri in pinned:
            candidate = catalog.version_by_iri(iri)
            if candidate is not None and candidate.scheme == scheme:
                info = candidate
                break
        if info is None:
            info = catalog.published_schemes().get(scheme)
        if info is None or not info.graph:
            return None
        store, graph, s = self.registry.store, [info.graph], ox.NamedNode(scheme)
        count = store.select(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c <{SKOS}inScheme> $s }}",
                             bindings={"s": s}, default_graph=graph)
        hierarchical = store.ask(f"ASK {{ ?c <{SKOS}inScheme> $s ; <{SKOS}broader> ?b }}",
                                 bindings={"s": s}, default_graph=graph)
        bounds = store.select(f"SELECT (MIN(STR(?c)) AS ?lo) (MAX(STR(?c)) AS ?hi) WHERE {{ ?c <{SKOS}inScheme> $s }}",
                              bindings={"s": s}, default_graph=graph)
        languages = store.select(f"SELECT DISTINCT (LANG(?l) AS ?lang) WHERE {{ ?c <{SKOS}prefLabel> ?l }}",
                                 default_graph=graph)
        lo = bounds[0].get("lo").value if bounds and bounds[0].get("lo") else scheme
        hi = bounds[0].get("hi").value if bounds and bounds[0].get("hi") else scheme
        return VocabularyFacts(
            vid=info.id, version=info.version, scheme=scheme, graph=info.graph, title=info.title,
            concepts=int(count[0]["n"].value) if count else 0, hierarchical=hierarchical,
            uri_space=_uri_space(lo, hi, scheme),
            languages=sorted({r["lang"].value for r in languages if r.get("lang") and r["lang"].value}),
        )

    def concepts(self, facts: VocabularyFacts, limit: int | None) -> list[Concept]:
        """The concepts of a small vocabulary (at most `limit`; None: all, for an imported block's
        controlled values), ordered by dvb:displayOrder, else notation, else English label."""
        bound = f"LIMIT {int(limit) + 1}" if limit is not None else ""
        rows = self.registry.store.select(
            f"""SELECT ?c ?n ?l ?i ?o ?a WHERE {{ {{ SELECT DISTINCT ?c WHERE {{ ?c <{SKOS}inScheme> $s }} {bound} }}
                OPTIONAL {{ ?c <{SKOS}notation> ?n }} OPTIONAL {{ ?c <{SKOS}prefLabel> ?l }}
                OPTIONAL {{ ?c <{DVB_IRI}identifier> ?i }} OPTIONAL {{ ?c <{DVB_IRI}displayOrder> ?o }}
                OPTIONAL {{ ?c <{DVB_IRI}alternate> ?a }} }}""",
            bindings={"s": ox.NamedNode(facts.scheme)}, default_graph=[facts.graph])
        by_iri: dict[str, Concept] = {}
        for row in rows:
            iri = row["c"].value
            concept = by_iri.setdefault(iri, Concept(iri, None, {}))
            if row.get("n") is not None and concept.notation is None:
                concept.notation = row["n"].value
            label = row.get("l")
            if label is not None:
                concept.labels.setdefault(label.language or "", label.value)
            if row.get("i") is not None:
                concept.identifier = row["i"].value
            if row.get("o") is not None:
                concept.display_order = int(row["o"].value)
            if row.get("a") is not None:
                concept.alternates = tuple(row["a"].value.split("\t"))
        return sorted(by_iri.values(), key=lambda c: (
            c.display_order is None, c.display_order or 0, c.notation is None, c.notation or "",
            c.labels.get("en", c.iri), c.iri))


def _uri_space(lo: str, hi: str, scheme: str) -> str:
    """The longest common prefix of every concept IRI (that of the smallest and the largest),
    cut after its last '/' or '#': Skosmos' and CVoc's uriSpace."""
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    prefix = lo[:n]
    cut = max(prefix.rfind("/"), prefix.rfind("#"))
    return prefix[:cut + 1] if cut > len("https://") else scheme.rstrip("/#") + "/"


def existing_block(registry, pid: str, graph_declaration: str | None) -> str | None:
    """The Dataverse block a profile *is* (e.g. research-dataset → citation): `dvb:dataverseBlock`
    in its shapes, or `shapes/<id>/dataverse.toml` of the bundled content (for versions published
    before the declaration existed, whose shapes are immutable)."""
    return graph_declaration or declared_block(pid, getattr(getattr(registry, "settings", None), "bundled_dir", None))


def declared_block(pid: str, root=None) -> str | None:
    """`block` of `shapes/<id>/dataverse.toml` in the bundled content (default: the package's)."""
    from registry.bundled import bundled_dir

    path = Path(root or bundled_dir()) / "shapes" / pid / "dataverse.toml"
    if path.is_file():
        return tomllib.loads(path.read_text(encoding="utf-8")).get("block")
    return None


def has_own_block(shapes, pid: str) -> bool:
    """Whether a profile version exports a Dataverse block of its own, so that its version gets the
    PROF resource descriptors of the block's files (issue 13 item 1): not when it *is* an existing
    Dataverse block (research-dataset → citation), nor when no field would be in it; the routes
    refuse those (422), and a descriptor must not name a file that is never served."""
    plan = plan_block(shapes, pid)
    return bool(plan.fields) and not (plan.existing_block or declared_block(pid))


def export_block(registry, pid: str, version: str | None = None, *,
                 max_controlled_values: int = MAX_CONTROLLED_VALUES, js_url: str = SKOSMOS_JS) -> BlockExport:
    """Compile a published profile version into a checked Dataverse block."""
    from registry.rdf import to_rdflib_graph

    info = registry.catalog.version("profile", pid, version, include_drafts=False)
    graph = to_rdflib_graph(registry.store.triples(info.graph))
    plan = plan_block(graph, pid, titles=info.title)
    existing = existing_block(registry, pid, plan.existing_block)
    if existing:
        raise InvalidInput(
            f"profile {pid} {info.version} is Dataverse's own {existing!r} block (declared in the bundled "
            f"content): install the {existing} block shipped with Dataverse rather than a second one",
            code="dataverse-existing-block", block=existing)
    if not plan.fields:
        raise InvalidInput(f"profile {pid} {info.version} has no property shape on a targeted node: "
                           "nothing to put in a Dataverse block", code="dataverse-empty-block")
    base = registry.settings.base_iri
    vocabularies = StoreVocabularies(registry)
    text = BlockText(MetadataBlock(plan.name))
    block = text.block
    block.display_name = plan.display_names.get("en") or info.title.get("en") or pid
    block.dataverse_alias = plan.dataverse_alias
    block.block_uri = plan.block_uri
    bundles = {lang: Properties(source=f"{plan.name}{'' if lang == 'en' else '_' + lang}.properties")
               for lang in LANGUAGES}
    text.bundles = bundles
    for lang in LANGUAGES:
        name = plan.display_names.get(lang) or info.title.get(lang) or block.display_name
        bundles[lang].entries["metadatablock.displayName"] = name
        bundles[lang].entries["metadatablock.displayFacet"] = plan.display_facets.get(lang) or name
    cvoc: list[dict] = []
    facts_cache: dict[str, VocabularyFacts | None] = {}
    for order, f in enumerate(plan.fields):
        dataset_field = _dataset_field(f, plan, order)
        block.fields.append(dataset_field)
        for lang in LANGUAGES:
            entries = bundles[lang].entries
            entries[f"datasetfieldtype.{f.name}.title"] = _lang(f.titles, lang) or f.name
            entries[f"datasetfieldtype.{f.name}.description"] = _lang(f.descriptions, lang)
            entries[f"datasetfieldtype.{f.name}.watermark"] = _lang(f.watermarks, lang)
        values: list[tuple[str, str, dict[str, str], int | None, tuple[str, ...]]] = []
        forced = f.overrides.get("allow_controlled_vocabulary") is True  # an imported block's values
        if f.kind in ("enum", "quantity-unit"):
            values = [(v, ident, {}, None, ()) for v, ident in f.enum_values]
        elif f.kind == "concept":
            if f.scheme not in facts_cache:
                facts_cache[f.scheme] = vocabularies.facts(f.scheme, info.vocabularies)
            facts = facts_cache[f.scheme]
            if facts is None:
                plan.notes.append(Note("not-expressible", f.name, f"values from <{f.scheme}>, which this registry "
                                       "does not hold: a free-text field; the registry checks the values"))
            elif forced or (facts.concepts <= max_controlled_values and not facts.hierarchical):
                for concept in vocabularies.concepts(facts, None if forced else max_controlled_values):
                    label = concept.labels.get("en") or next(iter(concept.labels.values()), concept.iri)
                    identifier = concept.identifier if concept.identifier is not None else (concept.notation or concept.iri)
                    values.append((label, identifier, concept.labels, concept.display_order, concept.alternates))
                plan.notes.append(Note("mapping", f.name, f"{facts.concepts} concepts of vocabulary {facts.vid} "
                                       f"{facts.version}: controlled values (identifier: the notation, else the IRI)"))
            else:
                cvoc.append(cvoc_entry(f.name, facts, base, js_url))
                why = "hierarchical" if facts.hierarchical else f"{facts.concepts} concepts"
                plan.notes.append(Note("mapping", f.name, f"vocabulary {facts.vid} {facts.version} ({why}): "
                                       f"external vocabulary (cvoc.json), served by {base}rest/v1/"))
        if values:
            dataset_field.allow_controlled_vocabulary = True
            dataset_field.facetable = bool(f.overrides.get("facetable", True))
            seen_values: set[str] = set()
            for index, (value, identifier, labels, order, alternates) in enumerate(values):
                if order is None:  # ours: one display string per value (the loader matches on it)
                    value = _unique_value(_cell(value), identifier, seen_values)
                cv = ControlledValue(f.name, value, identifier, index if order is None else order, alternates)
                block.values.append(cv)
                for lang in LANGUAGES:
                    bundles[lang].entries[cv.properties_key] = labels.get(lang) or labels.get("en") or value
    warnings = require_valid(block)
    report = _report(registry, pid, info, plan, block, cvoc, base)
    return BlockExport(block, plan, text, cvoc, report, warnings)


def _cell(text: str) -> str:
    """Shape text in one TSV cell: line breaks (and the indentation around them) become a space."""
    return re.sub(r"[ \t]*[\t\r\n][ \t\r\n]*", " ", text)


def _lang(texts: dict[str, str], lang: str) -> str:
    return _cell(texts.get(lang) or texts.get("en") or next(iter(texts.values()), ""))


def _unique_value(value: str, identifier: str, seen: set[str]) -> str:
    """Dataverse matches controlled values by their display string: two equal labels get the
    identifier appended."""
    if value in seen:
        value = f"{value} ({identifier})"
    seen.add(value)
    return value


def _dataset_field(f: FieldPlan, plan: BlockPlan, order: int) -> DatasetField:
    o = f.overrides
    is_compound = f.kind == "compound"
    out = DatasetField(
        name=f.name, title=_lang(f.titles, "en") or f.name, description=_lang(f.descriptions, "en"),
        watermark=_lang(f.watermarks, "en"), field_type=str(o.get("field_type", f.field_type)),
        display_order=int(o.get("display_order", order)),
        display_format=str(o.get("display_format", "" if is_compound or not f.parent else "#VALUE")),
        advanced_search_field=bool(o.get("advanced_search_field", not is_compound)),
        allow_controlled_vocabulary=bool(o.get("allow_controlled_vocabulary", False)),
        allow_multiples=bool(o.get("allow_multiples", f.allow_multiples)),
        facetable=bool(o.get("facetable", False)),
        display_on_create=bool(o.get("display_on_create", f.required)),
        required=bool(o.get("required", f.required)),
        parent=f.parent, metadatablock_id=plan.name, term_uri=f.term_uri if f.term_uri is not None else f.path,
    )
    return out


def cvoc_entry(field_name: str, facts: VocabularyFacts, base: str, js_url: str = SKOSMOS_JS) -> dict:
    """One `:CVocConf` entry (gdcc/dataverse-external-vocab-support, CVocConf.schema.json): a single
    field storing the concept IRI (`term-uri-field` = `field-name`), searched and displayed through
    this registry's Skosmos API. Every URL is under the registry's configured base IRI, except the
    script, which Dataverse documents as hosted by gdcc (or a copy the admin hosts: `js_url`)."""
    languages = [lang for lang in facts.languages if lang] or ["en"]
    return {
        "field-name": field_name,
        "term-uri-field": field_name,
        "cvoc-url": base,
        "js-url": js_url,
        "protocol": "skosmos",
        "retrieval-uri": base + "rest/v1/data?uri={0}",
        "term-parent-uri": "",
        "allow-free-text": False,
        "languages": ", ".join(languages),
        "vocabs": {facts.vid: {"vocabularyUri": facts.scheme, "uriSpace": facts.uri_space}},
        "managed-fields": {},
        "retrieval-filtering": {
            "@context": {
                "termName": "https://schema.org/name",
                "vocabularyName": "https://dataverse.org/schema/vocabularyName",
                "vocabularyUri": "https://dataverse.org/schema/vocabularyUri",
                "lang": "@language",
                "value": "@value",
            },
            "@id": {"pattern": "{0}", "params": ["@id"]},
            "termName": {"pattern": "{0}", "params": ["/graph/uri=@id/prefLabel"]},
            "vocabularyName": {"pattern": "{0}", "params": ["/graph/type=skos:ConceptScheme/prefLabel"]},
            "vocabularyUri": {"pattern": "{0}", "params": ["/graph/type=skos:ConceptScheme/uri"]},
        },
    }


ADMIN_CALLS = (
    ("Load the block", 'curl http://localhost:8080/api/admin/datasetfield/load -H "Content-type: '
                       'text/tab-separated-values" -X POST --upload-file {block}.tsv'),
    ("Enable it on a collection", 'curl -H "X-Dataverse-key:$API_TOKEN" -X POST -H "Content-type:application/json" '
                                  '-d "[\\"citation\\",\\"{block}\\"]" http://localhost:8080/api/dataverses/:root/metadatablocks'),
    ("Update the Solr schema", 'curl "http://localhost:8080/api/admin/index/solr/schema" | update-fields.sh '
                               '/usr/local/solr/server/solr/collection1/conf/schema.xml && curl '
                               '"http://localhost:8983/solr/admin/cores?action=RELOAD&core=collection1"'),
    ("Configure the external vocabularies", 'curl -X PUT --upload-file cvoc.json '
                                            'http://localhost:8080/api/admin/settings/:CVocConf'),
)


def admin_calls(block: str) -> list[tuple[str, str]]:
    """The four admin API calls (guide, "Loading TSV files", "Enabling a Metadata Block", "Updating
    the Solr Schema"; installation guide, :CVocConf). The .properties files go to the directory of
    the `dataverse.lang.directory` JVM option."""
    return [(what, call.replace("{block}", block)) for what, call in ADMIN_CALLS]


def _report(registry, pid: str, info, plan: BlockPlan, block: MetadataBlock, cvoc: list[dict], base: str) -> str:
    lines = [f"Dataverse block {block.name!r} from profile {pid} {info.version} ({info.iri})",
             f"{len(block.fields)} fields ({sum(1 for f in block.fields if f.is_compound)} compound), "
             f"{len(block.values)} controlled values, {len(cvoc)} external-vocabulary fields (cvoc.json).", ""]
    chain = registry.catalog.profile_chain(pid, info.version)[1:]
    if chain:
        lines.append("Ancestors (their fields are not in this block):")
        for ancestor in chain:
            declared = existing_block(registry, ancestor.id, None)
            if declared:
                lines.append(f"  - {ancestor.id} {ancestor.version}: Dataverse's own {declared!r} block")
            else:
                lines.append(f"  - {ancestor.id} {ancestor.version}: export it as its own block "
                             f"({base}profiles/{ancestor.id}/versions/{ancestor.version}/dataverse/block.tsv)")
        lines.append("")
    sections = (("not-expressible", "Not expressible in a Dataverse block (still enforced by the registry's validation):"),
                ("recommended", "Recommended fields (Dataverse has no such level; the registry warns):"),
                ("flattened", "Flattened (Dataverse shows one level of compound fields):"),
                ("mapping", "How values are mapped:"))
    for kind, title in sections:
        notes = [n for n in plan.notes if n.kind == kind]
        if notes:
            lines.append(title)
            lines.extend(f"  - {n.field}: {n.message}" for n in notes)
            lines.append("")
    lines.append("Install in Dataverse (admin API; the .properties files go to the dataverse.lang.directory):")
    for what, call in admin_calls(block.name):
        lines.append(f"  {what}:")
        lines.append(f"    {call}")
    return "\n".join(lines) + "\n"
