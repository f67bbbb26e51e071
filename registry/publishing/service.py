"""Publishing profile and vocabulary versions: checks, immutability, ordering, all-or-nothing.

The flow of one publication (under the store's writer lock):

1. ids, version and ownership are checked (a series belongs to the community that created it;
   every IRI subject of the artifact must be in one of that community's namespaces);
2. the artifact is parsed (shapes, small, in memory) or bulk-loaded into its own graph
   (vocabularies, possibly millions of triples) that nothing references yet;
3. the publish-time checks run (`registry.publishing`); any error drops the new graphs and
   raises `CheckFailed` — the store is exactly as before;
4. one SPARQL update writes the version's metadata graph and the catalog changes, so the
   version appears whole or not at all. A crash before that leaves only unreferenced graphs,
   which `recover()` drops at start-up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry import publishing
from registry.auth import require_owner
from registry.catalog import Catalog, Community, VersionInfo, now_literal, resource_descriptor, version_description
from registry.errors import CheckFailed, Conflict, InvalidInput, NotFound, RdfSyntaxError, StoreUnavailable
from registry.ids import SemVer, check_id
from registry.namespaces import (
    ADMS, DCAT, DCTERMS, FOAF, PROF, RDF, REG, ROLE, STATUS_IRIS, SYSTEM_GRAPH, VOID, XSD, IriScheme, node as _n,
)
from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, check_rdf_nesting
from registry.publishing import Finding
from registry.publishing.iri_scan import IriScan, scan_iris
from registry.publishing.pieces import PIECE_BYTES, ntriples_pieces
from registry.publishing.skos_facts import SCHEME as SCHEME_FLAG
from registry.rdf import (
    _syntax_error, content_hash, format_for_filename, parse_triples, prepare_input, refuse_unsafe_iri, to_rdflib_graph,
)
from registry.store.base import RegistryStore

log = logging.getLogger("registry.publishing.service")

TURTLE_MEDIA = "https://www.iana.org/assignments/media-types/text/turtle"
JSONLD_MEDIA = "https://www.iana.org/assignments/media-types/application/ld+json"
JSONLD_SPEC = "https://www.w3.org/TR/json-ld11/"
SHACL_SPEC = "https://www.w3.org/TR/shacl/"
#: The Dataverse metadata block of a profile version (issue 13), made on request by
#: `registry.dataverse.routes`: the role, and the guide its files conform to.
DATAVERSE_BLOCK_ROLE = "https://w3id.org/profile-registry/dataverse#block"
DATAVERSE_GUIDE = "https://guides.dataverse.org/en/latest/admin/metadatacustomization.html"
DATAVERSE_FILES = (
    ("dataverse-block", "block.tsv", "https://www.iana.org/assignments/media-types/text/tab-separated-values"),
    ("dataverse-properties", "block.properties", None),
    ("dataverse-properties-fr", "block_fr.properties", None),
    ("dataverse-cvoc", "cvoc.json", "https://www.iana.org/assignments/media-types/application/json"),
    ("dataverse-report", "report.txt", "https://www.iana.org/assignments/media-types/text/plain"),
)
SKOS_SPEC = "https://www.w3.org/TR/skos-reference/"
#: concept schemes one vocabulary version may hold (PhySH: 19)
MAX_SCHEMES = 1000
# what a submitted file says of itself: its title and description (issue 15 item 10)
LABELLED_TYPES = ("http://www.w3.org/2004/02/skos/core#ConceptScheme", "http://www.w3.org/2002/07/owl#Ontology",
                  "http://www.w3.org/ns/dx/prof/Profile")
FILE_LABELS_QUERY = (
    "SELECT ?p ?o WHERE { ?s a ?type ; ?p ?o "
    "FILTER(?type IN (" + ", ".join(f"<{t}>" for t in LABELLED_TYPES) + ")) "
    "FILTER(?p IN (<http://purl.org/dc/terms/title>, <http://purl.org/dc/terms/description>) && isLiteral(?o)) } "
    "ORDER BY ?s ?p ?o LIMIT 200"
)



@dataclass
class VocabularySubmission:
    id: str
    version: str
    source: bytes | Path
    format: ox.RdfFormat
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    status: str = "published"
    name: str = "the vocabulary"
    #: weight of the SKOS integrity conditions: "warn" or "strict" (`skos_checks.POLICIES`);
    #: None: the community's setting (`Community.skos_integrity`, default "warn")
    skos_integrity: str | None = None
    #: accept a version number lower than the changes since the previous version require
    accept_version_number: bool = False


#: example records one profile version may carry (`ProfileSubmission.example_records`)
MAX_EXAMPLES = 200
#: the files of a folder of example records (plain JSON needs a context: not an example record)
EXAMPLE_SUFFIXES = (".ttl", ".nt", ".rdf", ".jsonld")


@dataclass
class ExampleRecord:
    """An example record published with a profile version (issue 17, item 5): stored as the
    graph `{version IRI}/examples/{name}`, described by a PROF resource descriptor with the role
    `role:example`, and validated against the next version when it is published."""

    name: str  # like an id: [a-z0-9-], from the file name without its extension
    data: bytes
    format: ox.RdfFormat

    @classmethod
    def from_file(cls, filename: str, data: bytes, fmt: ox.RdfFormat | None = None) -> "ExampleRecord":
        name = Path(filename).name
        stem = name[: -len(Path(name).suffix)] if Path(name).suffix else name
        try:
            check_id(stem, "example record name")
        except InvalidInput:
            raise InvalidInput(f"example record {filename!r}: its name (the file name without extension) must be "
                               "lower-case letters, digits and hyphens", code="invalid-example-name") from None
        return cls(stem, data, fmt or format_for_filename(name))


def examples_in_folder(folder: Path) -> list[ExampleRecord]:
    """The example records of a folder (`examples/<profile>/<X.Y.Z>/`): its .ttl, .nt, .rdf and
    .jsonld files (plain-JSON twins and `*.expected.json` are not records)."""
    if not folder.is_dir():
        return []
    return [ExampleRecord.from_file(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in EXAMPLE_SUFFIXES]


@dataclass
class ProfileSubmission:
    id: str
    version: str
    shapes: bytes
    format: ox.RdfFormat
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    is_profile_of: str | None = None  # "id" (latest published) or "id@X.Y.Z"
    status: str = "published"
    context: dict | None = None  # a JSON-LD context document ({"@context": ...})
    guidance: list[str] = field(default_factory=list)  # IRIs of guidance documents
    examples: list[str] = field(default_factory=list)  # IRIs of example records kept elsewhere
    #: example records stored with the version (not part of its content hash: the shapes and the
    #: context are what a version is; examples sent again with a published version are ignored)
    example_records: list[ExampleRecord] = field(default_factory=list)
    vocabularies: list[VocabularySubmission] = field(default_factory=list)  # published together
    #: the owner accepts a version number lower than the changes since the previous version
    #: require (semantic versioning, registry.evolution); recorded in the version's metadata
    accept_version_number: bool = False


@dataclass
class ProfileCheck:
    """What a check of a new profile version against the previous ones sees (`profile_checks`)."""

    submission: ProfileSubmission
    iri: str
    triples: list[ox.Triple]
    base: VersionInfo | None
    pins: dict[str, str]  # concept scheme → vocabulary version IRI the new version pins
    staged_graphs: dict[str, str]  # vocabulary version IRI → its concepts graph, for this publication's


@dataclass
class VocabularyCheck:
    """What a check of a new vocabulary version sees (`vocabulary_checks`): the submission and
    the graph its concepts are loaded in (not referenced by the catalog yet)."""

    submission: VocabularySubmission
    iri: str
    graph: str
    scheme: str | None


@dataclass
class IndexPrebuild:
    """What a search index made beside the bulk load needs (`PublicationService.index_prebuilders`):
    the version, its final concepts graph, the digest of its document, and what the parse of that
    document collected (`registry.publishing.skos_facts.SkosFacts`; the hook may clear them)."""

    version_iri: str
    graph: str
    content_hash: str
    facts: Any
    #: set once the bulk load ended (or failed): a hook may wait for it before using much memory
    loaded: threading.Event = field(default_factory=threading.Event)


@dataclass
class PublishResult:
    kind: str
    id: str
    version: str
    iri: str
    status: str
    created: bool  # False when the same content was already there (a no-op)
    findings: list[Finding] = field(default_factory=list)
    vocabularies: list["PublishResult"] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # what profile checks add to the answer
    #: what the parse of a new vocabulary version collected (`registry.publishing.skos_facts`),
    #: handed to the publication observers so that the search index is built without reading the
    #: graph back (`IndexBuilder.from_facts`); not part of the answer, dropped once used
    facts: Any = field(default=None, repr=False, compare=False)
    #: what was made from the parse beside the bulk load before the commit (a search index file
    #: written under a temporary name: `PublicationService.index_prebuilders`); the observers make
    #: it live after the commit, and `_notify` discards whatever is left (`discard()`)
    prebuilt: list[Any] = field(default_factory=list, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "id": self.id,
            "version": self.version,
            "iri": self.iri,
            "status": self.status,
            "created": self.created,
            "warnings": [f.to_json() for f in self.findings if f.severity != "error"],
        }
        if self.vocabularies:
            out["vocabularies"] = [v.to_json() for v in self.vocabularies]
        out.update(self.extra)
        return out


def _check_status(status: str) -> str:
    if status not in ("draft", "published"):
        raise InvalidInput(f"status {status!r}: a new version is 'draft' or 'published'", code="invalid-status")
    return status


def _check_languages(values: dict[str, str], what: str) -> None:
    for lang, text in values.items():
        if len(lang) > 20 or len(text) > 5000:
            raise InvalidInput(f"{what} in {lang!r} is too long", code="invalid-metadata")
        try:
            ox.Literal(text, language=lang) if lang else ox.Literal(text)
        except ValueError:
            raise InvalidInput(f"{what}: {lang!r} is not a language tag", code="invalid-metadata") from None


@dataclass
class _Staged:
    """What one submission will write once every check has passed."""

    kind: str
    sid: str
    version: str
    iri: str
    status: str
    graphs_loaded: list[str]
    metadata: list[ox.Quad]
    catalog_insert: list[ox.Quad]
    catalog_delete: list[ox.Quad]
    drop_graphs: list[str]
    result: PublishResult
    scheme: str | None = None
    schemes: list[str] = field(default_factory=list)
    noop: bool = False


class PublicationService:
    def __init__(self, store: RegistryStore, iris: IriScheme, max_depth: int = DEFAULT_MAX_NESTING_DEPTH):
        self.store = store
        self.iris = iris
        #: `Settings.max_nesting_depth`: uploads nesting deeper are refused before any parser runs
        self.max_depth = max_depth
        self.catalog = Catalog(store, iris)
        #: Called with each new or changed version after its commit, outside the writer lock
        #: (e.g. the vocabulary service warms its search index). Failures are logged, not raised.
        self.observers: list[Callable[[PublishResult], None]] = []
        #: Called with a `ProfileCheck` for each new profile version, before anything is written
        #: (e.g. semantic versioning, `registry.evolution.publishing`). Returns (metadata triples
        #: for the version's graph, entries for the answer), or raises to refuse the publication.
        self.profile_checks: list[Callable[[ProfileCheck], tuple[list[tuple], dict[str, Any]]]] = []
        #: The same for each new vocabulary version, called with a `VocabularyCheck`.
        self.vocabulary_checks: list[Callable[[VocabularyCheck], tuple[list[tuple], dict[str, Any]]]] = []
        #: Called in the parse thread, beside the bulk load, with an `IndexPrebuild` for each new
        #: published vocabulary version whose SKOS, namespace and IRI checks passed (issue 16: the
        #: search index file is written while the store loads). Returns an object with `discard()`
        #: (kept in `PublishResult.prebuilt`: made live by an observer after the commit, discarded
        #: when the publication fails or once the observers ran) or None.
        self.index_prebuilders: list[Callable[[IndexPrebuild], Any]] = []
        #: the size of the pieces a large N-Triples document is bulk-loaded in on the embedded store
        #: (`registry.publishing.pieces`)
        self.load_piece_bytes = PIECE_BYTES

    def _notify(self, results: list[PublishResult]) -> None:
        for result in results:
            if result.created:
                for observer in list(self.observers):
                    try:
                        observer(result)
                    except Exception:  # noqa: BLE001 - an observer must not fail a committed publication
                        log.exception("publication observer failed for %s %s", result.id, result.version)
            _discard_prebuilt([result])  # what no observer made live (a no-op publication, a draft)

    # --- public operations ---------------------------------------------------------------------

    def publish_vocabulary(self, community: Community, sub: VocabularySubmission) -> PublishResult:
        with self.store.writing():
            staged = []
            try:
                staged.append(self._stage_vocabulary(community, sub, {}))
                self._commit(staged)
            except BaseException:
                self._discard(staged)
                _discard_prebuilt([item.result for item in staged])
                raise
        self._notify([staged[0].result])
        return staged[0].result

    def publish_profile(self, community: Community, sub: ProfileSubmission) -> PublishResult:
        with self.store.writing():
            staged: list[_Staged] = []
            try:
                in_publication: dict[str, _Staged] = {}
                for vocab in sub.vocabularies:
                    item = self._stage_vocabulary(community, vocab, in_publication)
                    staged.append(item)
                    for scheme in item.schemes:  # every scheme of the vocabulary (PhySH: 19)
                        in_publication[scheme] = item
                profile = self._stage_profile(community, sub, in_publication)
                staged.append(profile)
                self._commit(staged)
            except BaseException:
                self._discard(staged)
                _discard_prebuilt([item.result for item in staged])
                raise
        result = profile.result
        result.vocabularies = [s.result for s in staged[:-1]]
        self._notify([s.result for s in staged])
        return result

    def set_status(self, community: Community, kind: str, sid: str, version: str, status: str, *,
                   accept_version_number: bool = False, answer: dict[str, Any] | None = None) -> VersionInfo:
        """draft → published, published ⇄ deprecated. A published version never goes back to draft.
        A draft confirmed as published goes through the same version checks as a publication, and
        the same observers after it; what they add to a publication's answer (e.g.
        `examples_impact`) goes into `answer`."""
        if status not in STATUS_IRIS:
            raise InvalidInput(f"unknown status {status!r}; use draft, published or deprecated", code="invalid-status")
        with self.store.writing():
            info = self.catalog.version(kind, sid, version)
            require_owner(community, self.catalog.series_community(kind, sid), f"{kind} {sid!r}")
            if info.status == status:
                return info
            if status == "draft":
                raise Conflict(f"{kind} {sid} {version} is {info.status}; it cannot become a draft again", code="immutable")
            v = _n(info.iri)
            quads_del = [ox.Quad(v, _n(ADMS.status), _n(STATUS_IRIS[info.status]), v)]
            quads_ins = [
                ox.Quad(v, _n(ADMS.status), _n(STATUS_IRIS[status]), v),
                ox.Quad(v, _n(DCTERMS.modified), now_literal(), v),
            ]
            cat_del, cat_ins = self.catalog.current_version_change(kind, sid, override={info.iri: status})
            if info.status == "draft" and status == "published":
                quads_ins += [ox.Quad(s, _n(p), _coerce(o), v) for s, p, o in
                              self._check_confirmed_draft(info, accept_version_number)]
            if status == "published":  # a confirmed draft now speaks for its series
                base = self.catalog.version_by_iri(info.is_profile_of) if info.is_profile_of else None
                ins, dele = self.catalog.series_changes(
                    kind, sid, community, info.title, info.description, True,
                    base_series=base.series_iri if base is not None else None,
                )
                cat_ins, cat_del = cat_ins + ins, cat_del + dele
            self.store.commit(delete=quads_del + cat_del, insert=quads_ins + cat_ins)
        if info.status == "draft" and status == "published":
            # a draft confirmed is a publication: the same observers run (issue 17 item 5: the
            # previous version's example records are checked against it; search index warmed)
            confirmed = PublishResult(kind, sid, version, info.iri, "published", created=True)
            self._notify([confirmed])
            if answer is not None:
                answer.update(confirmed.extra)
        return self.catalog.version(kind, sid, version)

    def delete_draft(self, community: Community, kind: str, sid: str, version: str) -> VersionInfo:
        """Remove a draft version (issue 15 item 9): its metadata graph and its artifact graphs
        (shapes or concepts, JSON-LD context), in one update. Only a draft (published and deprecated
        versions are immutable), only by the owning community, and not while another version names
        it (as its base profile, a vocabulary it uses, or its previous version): 409."""
        with self.store.writing():
            owner = self.catalog.series_community(kind, sid)
            info = self.catalog.version(kind, sid, version, include_drafts=owner == community.iri)
            require_owner(community, owner, f"{kind} {sid!r}")  # another community's draft: 404 above
            if info.status != "draft":
                raise Conflict(f"{kind} {sid} {version} is {info.status}; only a draft can be deleted", code="immutable")
            rows = self.store.select(
                """SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x ?p $v
                     FILTER(?p IN (<http://www.w3.org/ns/dx/prof/hasArtifact>, <http://www.w3.org/ns/dx/prof/isProfileOf>,
                                   <http://www.w3.org/ns/dcat#previousVersion>)) } }""",
                bindings={"v": _n(info.iri)},
            )
            users = sorted(row["g"].value for row in rows if row["g"].value != info.iri)
            if users:
                raise Conflict(f"{kind} {sid} {version} is used by {', '.join(users)}; delete or change those first",
                               code="draft-in-use")
            graphs = [info.iri] + [g for g in (info.graph, info.context_graph) if g]
            if kind == "profile":
                graphs += self._example_graphs(info.iri)  # its example records (issue 17)
            self.store.commit(drop_graphs=graphs)
            self.store.flush()
        return info

    def _check_confirmed_draft(self, info: VersionInfo, accept_version_number: bool) -> list[tuple]:
        """`profile_checks` / `vocabulary_checks` on a draft about to be published, from the store."""
        added: list[tuple] = []
        if info.kind == "profile":
            sub = ProfileSubmission(id=info.id, version=info.version, shapes=b"", format=ox.RdfFormat.TURTLE,
                                    accept_version_number=accept_version_number)
            base = self.catalog.version_by_iri(info.is_profile_of) if info.is_profile_of else None
            rows = self.store.select(
                "SELECT ?voc ?scheme WHERE { ?voc <http://xmlns.com/foaf/0.1/primaryTopic> ?scheme }",
                default_graph=[info.iri],
            )
            pins = {row["scheme"].value: row["voc"].value for row in rows if row["voc"].value in info.vocabularies}
            check = ProfileCheck(sub, info.iri, list(self.store.triples(info.graph)) if info.graph else [], base, pins, {})
            for profile_check in self.profile_checks:
                added += profile_check(check)[0]
        else:
            sub = VocabularySubmission(id=info.id, version=info.version, source=b"", format=ox.RdfFormat.TURTLE,
                                       accept_version_number=accept_version_number)
            for vocabulary_check in self.vocabulary_checks:
                added += vocabulary_check(VocabularyCheck(sub, info.iri, info.graph or "", info.scheme))[0]
        return added

    def recover(self) -> list[str]:
        """Drop graphs no catalog entry references (left by a crash between load and commit).

        Only graphs below the registry's own base IRI are candidates: a shared store holds other
        applications' graphs too (Virtuoso keeps its own system graphs beside ours), and the
        registry never touches a graph it did not mint."""
        with self.store.writing():
            referenced = self.catalog.referenced_graphs() | {SYSTEM_GRAPH}
            orphans = [
                g for g in self.store.graph_names() if g.startswith(self.iris.base) and g not in referenced
            ]
            for graph in orphans:
                self.store.drop_graph(graph)
        return orphans

    def _parse_examples(self, sub: ProfileSubmission) -> dict[str, list[ox.Triple]]:
        """The example records of a submission, parsed: name → triples (400 on a bad one, naming it)."""
        if len(sub.example_records) > MAX_EXAMPLES:
            raise InvalidInput(f"at most {MAX_EXAMPLES} example records per version", code="too-many-examples")
        out: dict[str, list[ox.Triple]] = {}
        for record in sub.example_records:
            check_id(record.name, "example record name")
            if record.name in out:
                raise InvalidInput(f"two example records are named {record.name!r}", code="duplicate-example")
            triples = parse_triples(record.data, record.format, what=f"example record {record.name!r}",
                                    max_depth=self.max_depth)
            if not triples:
                raise InvalidInput(f"example record {record.name!r} is empty", code="empty-example")
            out[record.name] = triples
        return out

    def _example_graphs(self, version_iri: str) -> list[str]:
        """The graphs of the example records a (draft) version holds."""
        rows = self.store.select("SELECT ?g WHERE { $v <" + str(REG.exampleGraph) + "> ?g }",
                                 bindings={"v": _n(version_iri)}, default_graph=[version_iri])
        return [row["g"].value for row in rows]

    def _load_vocabulary(self, graph: str, data: bytes | Path, fmt: ox.RdfFormat, scanning) -> None:
        """Bulk-load a vocabulary document into `graph`; a large N-Triples file on the embedded
        store in pieces of whole lines (`registry.publishing.pieces`: pyoxigraph's loader holds a
        whole batch of quads in this process). `scanning`: the parse of the whole document
        beside the load, whose syntax error is the one reported (its line numbers count from the
        start of the document, those of a piece's load from the start of the piece)."""
        raw = getattr(self.store, "raw", None)
        ranges = (ntriples_pieces(data, self.load_piece_bytes) if isinstance(data, Path) and fmt == ox.RdfFormat.N_TRIPLES
                  and isinstance(raw, ox.Store) else [])
        if len(ranges) < 2:
            self.store.load_graph(graph, data, fmt)
            return
        target = ox.NamedNode(graph)
        with data.open("rb") as f:
            for start, end in ranges:
                f.seek(start)
                piece: bytes | None = f.read(end - start)
                try:
                    raw.bulk_load(piece, format=fmt, to_graph=target)
                except SyntaxError:
                    scanning.result()  # raises the same error, placed in the whole document
                    raise
                piece = None  # freed before the next one is read

    def _prepare_input(self, data: bytes, sub: VocabularySubmission) -> bytes:
        return prepare_input(data, sub.format, max_depth=self.max_depth, what=sub.name)

    # --- staging -------------------------------------------------------------------------------

    def _prepare(self, community: Community, kind: str, sid: str, version: str, status: str):
        check_id(sid, f"{kind} id")
        semver = SemVer(version)
        _check_status(status)
        owner = self.catalog.series_community(kind, sid)
        require_owner(community, owner, f"{kind} {sid!r}")
        versions = self.catalog.versions(kind, sid)
        existing = next((v for v in versions if v.version == version), None)
        if existing is None and versions:
            newest = max(versions, key=lambda v: SemVer(v.version))
            if SemVer(newest.version) > semver:
                raise Conflict(
                    f"{kind} {sid} already has version {newest.version}; a new version must be greater",
                    code="version-not-newer",
                )
        previous = None
        older = [v for v in versions if SemVer(v.version) < semver]
        if older:
            previous = max(older, key=lambda v: SemVer(v.version))
        return owner, existing, previous

    def _stage_vocabulary(self, community: Community, sub: VocabularySubmission, _in_publication) -> _Staged:
        graphs: list[str] = []
        prebuilt: list[Any] = []
        try:
            return self._stage_vocabulary_into(community, sub, graphs, prebuilt)
        except BaseException:
            for graph in graphs:  # checks failed after the load: leave the store as it was
                self.store.drop_graph(graph)
            for made in prebuilt:  # an index written beside the load never goes live
                made.discard()
            raise

    def _stage_vocabulary_into(self, community: Community, sub: VocabularySubmission, loaded: list[str],
                               prebuilt: list[Any]) -> _Staged:
        _check_languages(sub.title, "title")
        _check_languages(sub.description, "description")
        owner, existing, previous = self._prepare(community, "vocabulary", sub.id, sub.version, sub.status)
        version_iri = self.iris.vocabulary_version(sub.id, sub.version)
        final_graph = self.iris.concepts_graph(version_iri)
        # A new version loads straight into its final graph (nothing references it yet); replacing
        # a draft loads beside it first, so the old draft stays whole until the switch.
        # the digest of a new version's document is taken in the parse thread, beside the load
        digest = _source_digest(sub.source) if existing is not None else None
        if existing is not None and existing.content_hash == digest and existing.status == sub.status:
            # the very same document again (e.g. `registry load` run twice): nothing to load
            result = PublishResult("vocabulary", sub.id, sub.version, version_iri, existing.status, False)
            return _Staged(
                kind="vocabulary", sid=sub.id, version=sub.version, iri=version_iri, status=existing.status,
                graphs_loaded=[], metadata=[], catalog_insert=[], catalog_delete=[], drop_graphs=[],
                result=result, scheme=existing.scheme, schemes=list(existing.schemes), noop=True,
            )
        graph = final_graph if existing is None else f"urn:registry:staging:{uuid.uuid4()}"
        self.store.drop_graph(graph)  # an orphan left by a crash
        loaded.append(graph)
        source = sub.source
        policy = sub.skos_integrity or community.skos_integrity
        if policy not in publishing.SKOS_POLICIES:
            raise InvalidInput(f"SKOS integrity policy {policy!r}: use one of {', '.join(publishing.SKOS_POLICIES)}",
                               code="invalid-skos-integrity")
        prebuild = (IndexPrebuild(version_iri, final_graph, digest or "", None)
                    if sub.status == "published" and self.index_prebuilders else None)

        def beside_load(data: bytes | Path) -> tuple[IriScan, list[Finding] | None, str]:
            """The digest and parse of the document, its checks and (when they pass) the search
            index file, all in a thread beside the bulk load (issue 16: pyoxigraph releases the GIL
            while it loads, `tests/publishing/test_beside_load.py`); None: the checks need the
            loaded graph."""
            source_digest = digest if digest is not None else _source_digest(sub.source)
            if prebuild is not None:
                prebuild.content_hash = source_digest
            scan = scan_iris(data, sub.format, community.namespaces, skos=True)
            facts = scan.facts
            if scan.unsafe is not None or facts is None or next(facts.with_flag(SCHEME_FLAG), None) is None:
                return scan, None, source_digest  # refused after the load, or the no-scheme message asks the store
            found = publishing.check_vocabulary_facts(facts, _no_query, policy=policy)
            found += publishing.check_namespace(scan.outside, community.namespaces)
            found += publishing.check_iri_schemes(scan.unusual)
            if prebuild is not None and not publishing.has_errors(found):
                prebuild.facts = facts
                for hook in list(self.index_prebuilders):
                    try:
                        made = hook(prebuild)
                    except Exception:  # noqa: BLE001 - the index is then built after the commit
                        log.exception("could not prebuild the index of %s", version_iri)
                        continue
                    if made is not None:
                        prebuilt.append(made)  # discarded by `_stage_vocabulary` if anything fails
                log.debug("%s: index prebuilt beside the load at %.3f", version_iri, time.monotonic())
            return scan, found, source_digest

        # The IRI and SKOS checks read the document with pyoxigraph's parser in a thread beside
        # the bulk load (both release the GIL while parsing): one pass instead of scans of the
        # loaded graph (`registry.publishing.iri_scan`, `registry.publishing.skos_facts`); the
        # checks and the new search index file follow in the same thread.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iri-scan")
        try:
            data: bytes | Path
            if isinstance(source, bytes):
                data = self._prepare_input(source, sub)
            elif sub.format == ox.RdfFormat.RDF_XML:
                data = self._prepare_input(source.read_bytes(), sub)
            else:
                check_rdf_nesting(source, sub.format, max_depth=self.max_depth, what=sub.name)
                data = source
            scanning = pool.submit(beside_load, data)
            try:
                self._load_vocabulary(graph, data, sub.format, scanning)
            except StoreUnavailable:
                # A document the checks refuse without the store gets their answer (4xx, as on
                # every store), not the store's failure to load it: Virtuoso refuses an N-Triples
                # upload whose first IRI is over ~10 KB (docs/deployment.md, quirk table).
                _refuse_without_store(scanning, community, sub)
                raise
            finally:
                if prebuild is not None:
                    prebuild.loaded.set()
            log.debug("%s: bulk load done at %.3f", version_iri, time.monotonic())
            iri_scan, early, digest = scanning.result()
        except SyntaxError as exc:
            self.store.drop_graph(graph)
            raise _syntax_error(exc, sub.name) from None
        except MemoryError:
            self.store.drop_graph(graph)
            raise RdfSyntaxError(f"{sub.name} contains a token too large to parse", code="rdf-token-too-large") from None
        except RdfSyntaxError:
            self.store.drop_graph(graph)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        staged = _Staged(
            kind="vocabulary", sid=sub.id, version=sub.version, iri=version_iri, status=sub.status,
            graphs_loaded=list(loaded), metadata=[], catalog_insert=[], catalog_delete=[], drop_graphs=[],
            result=PublishResult("vocabulary", sub.id, sub.version, version_iri, sub.status, True),
        )
        # Security (issue 7): bidi/invisible characters in IRIs are a property of the document (400),
        # refused before the checks so that a check failure cannot hide them.
        if iri_scan.unsafe is not None:
            refuse_unsafe_iri(iri_scan.unsafe, sub.name)
        findings: list[Finding] = []
        scheme_rows = self.store.select(
            "SELECT DISTINCT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#ConceptScheme> "
            f"FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT {MAX_SCHEMES + 1}",
            default_graph=[graph],
        )
        if len(scheme_rows) > MAX_SCHEMES:
            findings.append(Finding("error", "vocabulary-too-many-schemes",
                                    f"the vocabulary has more than {MAX_SCHEMES} concept schemes",
                                    message_fr=f"le vocabulaire a plus de {MAX_SCHEMES} schémas de concepts"))
        if early is not None:  # made beside the load
            findings += early
        else:
            # the SKOS checks, over what the same parse collected (`registry.publishing.skos_facts`):
            # the findings of the SPARQL checks without reading the loaded graph back
            assert iri_scan.facts is not None
            findings += publishing.check_vocabulary_facts(
                iri_scan.facts, lambda q: self.store.query(q, default_graph=[graph]), policy=policy)
            # the namespace and IRI-scheme checks, over what the parse beside the load collected
            findings += publishing.check_namespace(iri_scan.outside, community.namespaces)
            findings += publishing.check_iri_schemes(iri_scan.unusual)
        if publishing.has_errors(findings):
            raise CheckFailed(
                f"vocabulary {sub.id} {sub.version} did not pass the checks",
                findings=[f.to_json() for f in findings],
            )
        # issue 12: a blank-node scheme is refused by the checks above (skos-blank-node)
        schemes = [row["s"].value for row in scheme_rows if isinstance(row["s"], ox.NamedNode)]
        scheme = schemes[0] if len(schemes) == 1 else None
        staged.scheme = scheme
        staged.schemes = schemes
        # the facts go to the observers unless an index was already made from them (which frees them)
        result = PublishResult("vocabulary", sub.id, sub.version, version_iri, sub.status, True, findings,
                               facts=None if prebuilt else iri_scan.facts, prebuilt=prebuilt)
        staged.result = result
        if existing is not None:
            # Another document than last time; it may still hold the same graph (another syntax,
            # another order): compare the graphs themselves before calling it a change.
            if _unchanged(staged, existing, lambda: self._graph_hash(graph) == self._graph_hash(existing.graph)):
                return staged
            staged.drop_graphs = [final_graph]
            # the staging graph's content becomes the final graph in the commit's update
        triples = self.store.count(graph)
        v = _n(version_iri)
        checked: list[tuple] = []
        for vocabulary_check in self.vocabulary_checks:
            triples_added, answer = vocabulary_check(VocabularyCheck(sub, version_iri, graph, scheme))
            checked += triples_added
            result.extra.update(answer)
        title, description = self._inherited_labels(
            sub, previous, self.store.select(FILE_LABELS_QUERY, default_graph=[graph]))
        meta = version_description(
            v, _n(self.iris.vocabulary(sub.id)), DCAT.Dataset, sub.id, sub.version, sub.status, community,
            digest, final_graph, previous, title, description,
        ) + [
            (v, VOID.triples, ox.Literal(str(triples), datatype=_n(XSD.integer))),
            (v, DCAT.distribution, _n(final_graph)),
            (_n(final_graph), RDF.type, DCAT.Distribution),
            (_n(final_graph), DCAT.mediaType, _n(TURTLE_MEDIA)),
            (_n(final_graph), DCTERMS.conformsTo, _n(SKOS_SPEC)),
        ]
        if scheme:
            meta.append((v, FOAF.primaryTopic, _n(scheme)))
        # every scheme of the version (PhySH has 19); foaf:primaryTopic only names a single one
        meta += [(v, REG.conceptScheme, _n(s)) for s in schemes] + checked
        meta.append((v, REG.skosIntegrity, ox.Literal(policy)))
        warnings = [f.to_json() for f in findings if f.severity != "error"]
        if warnings:  # shown on the vocabulary page (`findings_of`), in French and English
            meta.append((v, REG.findings, ox.Literal(json.dumps(warnings, ensure_ascii=False),
                                                     datatype=_n(str(RDF) + "JSON"))))
        staged.metadata = [ox.Quad(s, _n(p), _coerce(o), v) for s, p, o in meta]
        staged.catalog_insert, staged.catalog_delete = self.catalog.series_changes(
            "vocabulary", sub.id, community, title, description, sub.status == "published"
        )
        if existing is not None:
            # replace the draft's metadata graph too
            staged.drop_graphs.append(version_iri)
        return staged

    def _stage_profile(self, community: Community, sub: ProfileSubmission, in_publication: dict[str, _Staged]) -> _Staged:
        _check_languages(sub.title, "title")
        _check_languages(sub.description, "description")
        owner, existing, previous = self._prepare(community, "profile", sub.id, sub.version, sub.status)
        version_iri = self.iris.profile_version(sub.id, sub.version)
        triples = parse_triples(sub.shapes, sub.format, what="the shapes graph", max_depth=self.max_depth)
        shapes = to_rdflib_graph(triples)
        findings: list[Finding] = []
        if len(shapes) == 0:  # e.g. JSON-LD whose every @id was invalid: nothing would be validated
            findings.append(Finding("error", "empty-shapes", "the shapes graph is empty: nothing would be validated"))
        findings += publishing.lint_shapes(shapes)
        findings += publishing.check_shapes(shapes)
        subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
        findings += publishing.check_namespace(subjects, community.namespaces)
        findings += publishing.check_iri_schemes(
            term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)
        )
        published = self.catalog.published_schemes()
        known = set(published) | set(in_publication)
        findings += publishing.check_vocabulary_references(shapes, known)
        base = None
        if sub.is_profile_of:
            base_id, _, base_version = sub.is_profile_of.partition("@")
            try:
                base = self.catalog.version("profile", base_id, base_version or None, include_drafts=False)
            except NotFound as exc:
                raise InvalidInput(f"is_profile_of {sub.is_profile_of!r}: {exc.detail}", code="unknown-base-profile") from None
            if base.id == sub.id:
                raise InvalidInput("a profile cannot be a profile of itself", code="unknown-base-profile")
        if sub.context is not None:
            if not isinstance(sub.context, dict) or "@context" not in sub.context:
                findings.append(Finding("error", "invalid-context", "the JSON-LD context must be a JSON object with an @context member"))
            else:
                findings += _lint_context(sub.context)
        if publishing.has_errors(findings):
            raise CheckFailed(
                f"profile {sub.id} {sub.version} did not pass the checks", findings=[f.to_json() for f in findings]
            )
        examples = self._parse_examples(sub)
        digest = content_hash(triples)
        if sub.context is not None:
            digest = digest + "+ctx:" + hashlib.sha256(json.dumps(sub.context, sort_keys=True).encode()).hexdigest()[:16]
        result = PublishResult("profile", sub.id, sub.version, version_iri, sub.status, True, findings)
        shapes_graph = self.iris.shapes_graph(version_iri)
        context_graph = self.iris.context_graph(version_iri)
        staged = _Staged(
            kind="profile", sid=sub.id, version=sub.version, iri=version_iri, status=sub.status,
            graphs_loaded=[], metadata=[], catalog_insert=[], catalog_delete=[], drop_graphs=[], result=result,
        )
        if existing is not None:
            if _unchanged(staged, existing, lambda: existing.content_hash == digest and (
                base is None or existing.is_profile_of == base.iri
            )):
                return staged
            staged.drop_graphs = [shapes_graph, context_graph, version_iri] + self._example_graphs(version_iri)
        # shapes are small: they go into the store inside the commit's update
        staged.graphs_loaded = []
        v = _n(version_iri)
        pins = {scheme: (in_publication[scheme].iri if scheme in in_publication else published[scheme].iri)
                for scheme in sorted(publishing.referenced_schemes(shapes))}
        checked: list[tuple] = []
        check = ProfileCheck(sub, version_iri, triples, base, pins, {
            s.iri: (s.graphs_loaded[0] if s.graphs_loaded else self.iris.concepts_graph(s.iri)) for s in in_publication.values()
        })
        for profile_check in self.profile_checks:
            triples_added, answer = profile_check(check)
            checked += triples_added
            result.extra.update(answer)
        labelled = {t.subject for t in triples
                    if t.predicate.value == str(RDF.type) and t.object.value in LABELLED_TYPES}
        title, description = self._inherited_labels(sub, previous, sorted(
            ({"p": t.predicate, "o": t.object} for t in triples
             if t.subject in labelled and isinstance(t.object, ox.Literal)
             and t.predicate.value in (str(DCTERMS.title), str(DCTERMS.description))),
            key=lambda row: (row["p"].value, row["o"].value)))
        meta = version_description(
            v, _n(self.iris.profile(sub.id)), PROF.Profile, sub.id, sub.version, sub.status, community,
            digest, shapes_graph, previous, title, description,
        )
        if base is not None:
            meta.append((v, PROF.isProfileOf, _n(base.iri)))
        meta += resource_descriptor(version_iri, "validation", ROLE.validation, shapes_graph, TURTLE_MEDIA, SHACL_SPEC)
        from registry.dataverse.export import has_own_block  # the bridge reads publishing: imported late

        if has_own_block(shapes, sub.id):
            files = f"{self.iris.base}profiles/{sub.id}/versions/{sub.version}/dataverse/"
            for name, generic, media in DATAVERSE_FILES:
                meta += resource_descriptor(version_iri, name, _n(DATAVERSE_BLOCK_ROLE), files + generic, media,
                                            None if generic == "report.txt" else DATAVERSE_GUIDE)
        meta += checked
        for scheme, vocab_iri in pins.items():
            name = "vocabulary-" + hashlib.sha256(scheme.encode()).hexdigest()[:10]
            meta += resource_descriptor(version_iri, name, ROLE.vocabulary, vocab_iri, TURTLE_MEDIA, SKOS_SPEC)
            meta.append((_n(vocab_iri), FOAF.primaryTopic, _n(scheme)))
        if sub.context is not None:
            meta.append((v, REG.contextGraph, _n(context_graph)))
            meta += resource_descriptor(version_iri, "context", ROLE.schema, context_graph, JSONLD_MEDIA, JSONLD_SPEC)
        for i, iri in enumerate(sub.examples):
            meta += resource_descriptor(version_iri, f"example-{i + 1}", ROLE.example, iri, TURTLE_MEDIA, None)
        for name in examples:
            graph = self.iris.example_graph(version_iri, name)
            meta += resource_descriptor(version_iri, f"example-{name}", ROLE.example, graph, TURTLE_MEDIA, None)
            meta.append((v, REG.exampleGraph, _n(graph)))
        for i, iri in enumerate(sub.guidance):
            meta += resource_descriptor(version_iri, f"guidance-{i + 1}", ROLE.guidance, iri, None, None)
        staged.metadata = [ox.Quad(s, _n(p), _coerce(o), v) for s, p, o in meta]
        g_shapes = _n(shapes_graph)
        staged.metadata += [ox.Quad(t.subject, t.predicate, t.object, g_shapes) for t in triples]
        for name, record in examples.items():
            g_example = _n(self.iris.example_graph(version_iri, name))
            staged.metadata += [ox.Quad(t.subject, t.predicate, t.object, g_example) for t in record]
        if sub.context is not None:
            staged.metadata.append(
                ox.Quad(
                    _n(context_graph),
                    _n(REG.jsonld),
                    ox.Literal(json.dumps(sub.context, ensure_ascii=False), datatype=_n(str(RDF) + "JSON")),
                    _n(context_graph),
                )
            )
        staged.catalog_insert, staged.catalog_delete = self.catalog.series_changes(
            "profile", sub.id, community, title, description, sub.status == "published",
            base_series=self.iris.profile(base.id) if base is not None else None,
        )
        return staged

    # --- commit and helpers --------------------------------------------------------------------

    def _commit(self, staged: list[_Staged]) -> None:
        inserts: list[ox.Quad] = []
        deletes: list[ox.Quad] = []
        drops: list[str] = []
        renames: list[tuple[str, str]] = []
        for item in staged:
            if item.noop:
                continue
            inserts += item.metadata + item.catalog_insert
            deletes += item.catalog_delete
            drops += item.drop_graphs
            for graph in item.graphs_loaded:
                if graph.startswith("urn:registry:staging:"):
                    renames.append((graph, self.iris.concepts_graph(item.iri)))
        changed = [s for s in staged if not s.noop]
        if not changed:
            self._discard(staged)
            return
        # The current-version pointers depend on every staged status: compute them last.
        override = {s.iri: s.status for s in changed}
        for kind, sid in {(s.kind, s.sid) for s in changed}:
            d, i = self.catalog.current_version_change(kind, sid, override=override, extra={s.iri: s for s in changed if s.kind == kind and s.sid == sid})
            deletes += d
            inserts += i
        self.store.commit(delete=deletes, drop_graphs=drops, move_graphs=renames, insert=inserts)
        for item in changed:
            item.graphs_loaded = []  # now owned by the catalog
        self._discard(staged)  # what no-op items loaded
        self.store.flush()

    def _discard(self, staged: list[_Staged]) -> None:
        for item in staged:
            for graph in item.graphs_loaded:
                self.store.drop_graph(graph)
            item.graphs_loaded = []

    @staticmethod
    def _inherited_labels(sub, previous, file_rows) -> tuple[dict[str, str], dict[str, str]]:
        """The title and description of a new version (issue 15 item 10): those submitted, else the
        file's own `dct:title`/`dct:description` (on its skos:ConceptScheme, owl:Ontology or
        prof:Profile), else the previous version's, so that a series never loses its title."""
        from_file: dict[str, dict[str, str]] = {"title": {}, "description": {}}
        for row in file_rows:
            key = "title" if row["p"].value == str(DCTERMS.title) else "description"
            literal = row["o"]
            from_file[key].setdefault(getattr(literal, "language", None) or "", literal.value)
        previous_title = previous.title if previous is not None else {}
        previous_description = previous.description if previous is not None else {}
        title = dict(sub.title) or from_file["title"] or dict(previous_title)
        description = dict(sub.description) or from_file["description"] or dict(previous_description)
        return title, description

    def _graph_hash(self, graph: str) -> str:
        """Order-independent hash of a (possibly large) graph, computed in one streaming pass.

        Sum of per-triple SHA-256 modulo 2^256 (a multiset hash), so no sort of a million
        triples is needed. Blank-node labels count as the store keeps them. Only used when a
        version is submitted again with another document than the one it was published from.
        """
        total = 0
        for triple in self.store.triples(graph):
            total = (total + int.from_bytes(hashlib.sha256(str(triple).encode()).digest(), "big")) % (1 << 256)
        return f"msh256:{total:064x}"


def _unchanged(staged: _Staged, existing: VersionInfo, same_content: Callable[[], bool]) -> bool:
    """A version submitted again: True when nothing changes (same status, and `same_content()`,
    asked only then: it may hash a large graph); the staged item is then a no-op. Otherwise the
    existing version must be a draft: a published or deprecated one is immutable (409)."""
    result = staged.result
    if existing.status == result.status and same_content():
        staged.noop = True
        result.created = False
        return True
    if existing.status != "draft":
        raise Conflict(
            f"{existing.kind} {existing.id} {existing.version} is {existing.status} and immutable; "
            "publish a new version instead",
            code="immutable",
        )
    return False


def _no_query(_query: str):
    raise AssertionError("the checks beside the load run only when the document has a concept scheme")


def _refuse_without_store(scanning, community: Community, sub: VocabularySubmission) -> None:
    """After the store failed to load a vocabulary: raise what the checks that need no store
    (unsafe IRIs, namespaces, IRI schemes, the SKOS checks made beside the load) say against the
    document, if anything; return when they find nothing (the store's failure is then the answer)."""
    try:
        iri_scan, early, _ = scanning.result()
    except Exception:  # noqa: BLE001 - the parse failed as well: the store's failure stands
        return
    if iri_scan.unsafe is not None:
        refuse_unsafe_iri(iri_scan.unsafe, sub.name)
    findings = early if early is not None else (
        publishing.check_namespace(iri_scan.outside, community.namespaces) + publishing.check_iri_schemes(iri_scan.unusual)
    )
    if publishing.has_errors(findings):
        raise CheckFailed(f"vocabulary {sub.id} {sub.version} did not pass the checks",
                          findings=[f.to_json() for f in findings])


def _discard_prebuilt(results: list[PublishResult]) -> None:
    for result in results:
        for made in result.prebuilt:
            try:
                made.discard()
            except Exception:  # noqa: BLE001 - a temporary file left is removed at a later start
                log.exception("could not discard what was prebuilt for %s %s", result.id, result.version)
        result.prebuilt = []


def _source_digest(source: bytes | Path) -> str:
    """SHA-256 of the submitted document, streamed for files (cheap next to loading it)."""
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
    else:
        with source.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return "sha256-source:" + digest.hexdigest()


def _coerce(o):
    if isinstance(o, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return o
    return _n(o)


def _lint_context(document: dict) -> list[Finding]:
    """A stored JSON-LD context must be self-contained: no remote `@context` or `@import`."""
    findings = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@import",) or (key == "@context" and isinstance(value, str)):
                    findings.append(Finding("error", "context-remote", f"remote JSON-LD {key} at {path} is refused", value=str(value)[:200]))
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str) and path.endswith("@context"):
                    findings.append(Finding("error", "context-remote", f"remote JSON-LD context at {path}[{i}] is refused", value=value[:200]))
                walk(value, f"{path}[{i}]")

    walk(document, "")
    return findings
