"""The validation service of one process: bundles, vocabulary subsets, the worker pool.

`ValidationService.validate(bundle, triples)` is SHACL validation (https://www.w3.org/TR/shacl/
§3.4) of the record plus the vocabulary subset it reaches (see `gather`) against the bundle's
shapes (the profile version and its `prof:isProfileOf` ancestors), followed by the registry's
deprecated-concept warnings (see `report`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from registry.errors import CheckFailed, NotFound, RegistryError
from registry.fairness import ClientLimiter
from registry.features import Feature
from registry.rdf import parse_triples, to_rdflib_graph
from registry.validation import engine
from registry.validation.coverage import RecordNotes, focus_nodes, nothing_to_validate, unmapped_warnings
from registry.validation.gather import (
    BundleCache,
    ProfileBundle,
    SubsetCache,
    build_bundle,
    deprecated_concepts,
    draft_key,
    labels_of,
    vocabulary_subset,
    vocabulary_subsets,
)
from registry.validation.messages import deprecated_messages
from registry.validation.report import DEPRECATED_COMPONENT, DEPRECATED_SHAPE

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    bundle: ProfileBundle
    conforms: bool
    results: list[dict[str, Any]]
    report: list | None
    record_triples: int
    subset_triples: int
    extra_results: list[dict[str, Any]] = field(default_factory=list)


class InProcessExecutor:
    """Runs pyshacl in this process (CLI local mode, benchmarks): no time limit."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, engine.CompiledShapes] = OrderedDict()
        self._lock = threading.Lock()

    def run(self, key: str, shapes: list, data: list, *, timeout: float, want_rdf: bool = False,
            client: str = "local") -> dict[str, Any]:
        with self._lock:  # pyshacl's shape objects are not meant to be shared between threads
            compiled = self._cache.get(key)
            if compiled is None:
                compiled = self._cache[key] = engine.CompiledShapes.from_tuples(shapes)
                while len(self._cache) > 16:
                    self._cache.popitem(last=False)
            return engine.validate(compiled, engine.graph_from_tuples(data), want_rdf=want_rdf)

    def start_many(self, key: str, shapes: list, datas: list, *, timeout: float, want_rdf: bool = False,
                   client: str = "local"):
        return _InProcessJob(self, key, shapes, datas, timeout, want_rdf)

    def run_many(self, key: str, shapes: list, datas: list, *, timeout: float, want_rdf: bool = False,
                 client: str = "local") -> list:
        return self.start_many(key, shapes, datas, timeout=timeout, want_rdf=want_rdf).results()

    def close(self) -> None:
        self._cache.clear()


class _InProcessJob:
    def __init__(self, executor, key, shapes, datas, timeout, want_rdf):
        self.args = (executor, key, shapes, datas, timeout, want_rdf)

    def results(self) -> list:
        executor, key, shapes, datas, timeout, want_rdf = self.args
        out: list = []
        for data in datas:
            try:
                out.append(executor.run(key, shapes, data, timeout=timeout, want_rdf=want_rdf))
            except RegistryError as exc:
                out.append(exc)
        return out


class ValidationService(Feature):
    """Record validation of one process; a feature (`registry.features.Feature`) whose `close`
    stops the worker pool."""

    def __init__(self, registry, *, executor=None, pool_size: int | None = None):
        self.registry = registry
        self.store = registry.store
        self.catalog = registry.catalog
        self.settings = registry.settings
        self.bundles = BundleCache()
        self.subsets = SubsetCache()
        self._resolved: dict[tuple, str] = {}
        self._lock = threading.Lock()
        self._executor = executor
        self._pool_size = pool_size
        self._dataverse: dict[str, Any] = {}
        # per-client cap on validations in flight (the same mechanism as SPARQL's, issue 12)
        self.limiter = ClientLimiter(
            self.settings.validation_max_concurrency_per_client, what="validations", code="validation-concurrency"
        )

    @property
    def executor(self):
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    from registry.validation.pool import ValidationPool

                    self._executor = ValidationPool(
                        self._pool_size or self.settings.validation_worker_count,
                        extra=self.settings.validation_extra_workers,
                    )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    # --- bundles ---------------------------------------------------------------------------------

    def profile_bundle(self, pid: str, version: str | None = None, reader=None) -> ProfileBundle:
        """The bundle of a published (or deprecated) profile version; latest published if None.

        Drafts are not public: asking for one is a 404 like an unknown version, except for the
        community that owns it (`reader`, from its bearer token; issue 15 item 9)."""
        if reader is not None and version is not None:
            owned = self._owned_draft_bundle(pid, version, reader)
            if owned is not None:
                return owned
        generation = self.store.generation
        rkey = (pid, version, generation if version is None else None)
        key = self._resolved.get(rkey)
        if key is not None:
            bundle = self.bundles.get(key)
            if bundle is not None:
                return bundle
        info = self.catalog.version("profile", pid, version, include_drafts=False)
        if not info.public:
            raise NotFound(f"profile {pid!r} has no version {version!r}", code="version-not-found")
        bundle = self.bundles.get(info.iri)
        if bundle is None:
            chain = self.catalog.profile_chain(pid, info.version)
            bundle = self.bundles.put(build_bundle(self.store, self.catalog, info.iri, chain))
        if len(self._resolved) > 10_000:
            self._resolved.clear()
        self._resolved[rkey] = bundle.key
        return bundle

    def _owned_draft_bundle(self, pid: str, version: str, reader) -> ProfileBundle | None:
        """The bundle of a draft version for its owner, else None. A draft can be replaced, so its
        bundle is cached under its content hash, not its IRI alone."""
        if self.catalog.series_community("profile", pid) != reader.iri:
            return None
        info = self.catalog.version("profile", pid, version)
        if info.public:
            return None
        key = f"{info.iri}#draft-{info.content_hash or info.modified or ''}"
        bundle = self.bundles.get(key)
        if bundle is None:
            chain = self.catalog.profile_chain(pid, info.version)
            bundle = self.bundles.put(build_bundle(self.store, self.catalog, key, chain))
        return bundle

    def draft_bundle(self, shapes: bytes, fmt: ox.RdfFormat, base: ProfileBundle | None = None) -> ProfileBundle:
        """Draft shapes sent with the request, checked like a publication's
        (`registry.publishing.lint_shapes` + SHACL-for-SHACL), optionally extending a published
        profile version (`base`, then its ancestors)."""
        from registry import publishing

        key = draft_key(shapes + b"\0" + fmt.media_type.encode(), base.key if base else None)
        bundle = self.bundles.get(key)
        if bundle is not None:
            return bundle
        triples = parse_triples(shapes, fmt, what="the draft shapes", max_triples=self.settings.max_triples_per_record,
                                max_depth=self.settings.max_nesting_depth)
        graph = to_rdflib_graph(triples)
        findings = publishing.lint_shapes(graph) + publishing.check_shapes(graph)
        if publishing.has_errors(findings):
            raise CheckFailed(
                "the draft shapes did not pass the registry's checks",
                code="draft-shapes-rejected",
                findings=[f.to_json() for f in findings if f.severity == "error"],
            )
        chain = self.catalog.profile_chain(base.profile["id"], base.profile["version"]) if base else []
        schemes = publishing.referenced_schemes(graph)
        bundle = build_bundle(self.store, self.catalog, key, chain, draft_triples=triples, draft_schemes=schemes)
        return self.bundles.put(bundle)

    def dataverse_mapping(self, bundle: ProfileBundle):
        """How Dataverse records are lifted for this bundle (`registry.dataverse.records`): the
        bundle's own mapping when its shapes come from a metadata block (dvb: annotations), else
        the declared citation mapping. Cached per bundle (immutable versions)."""
        from registry.dataverse.records import load_mapping, mapping_from_shapes

        with self._lock:
            cached = self._dataverse.get(bundle.key)
        if cached is not None:
            return cached
        resolve = _concept_resolver(self.store, bundle)
        mapping = [mapping_from_shapes(bundle.shapes_graph, resolve) or load_mapping(),
                   *self._exported_blocks(bundle, resolve)]
        with self._lock:
            if len(self._dataverse) > 64:
                self._dataverse.clear()
            self._dataverse[bundle.key] = mapping
        return mapping

    def _exported_blocks(self, bundle: ProfileBundle, resolve) -> list:
        """The blocks `registry dataverse export-block` makes from the profiles of the bundle's
        chain, as lifting mappings (`registry.dataverse.planned`): the fields of a block the
        registry exported lift back through the same plan. Profiles that are an existing Dataverse
        block (research-dataset is `citation`) or that came from a block (dvb: annotations) have
        their own mapping already; a profile with no field makes no block."""
        from registry.dataverse.export import export_block
        from registry.dataverse.planned import mapping_from_export
        from registry.rdf import to_rdflib_graph

        out = []
        for entry in bundle.chain:
            if not entry.get("id") or entry.get("status") == "draft":
                continue
            triples = list(self.store.triples(self.catalog.version("profile", entry["id"], entry["version"]).graph))
            if any(t.predicate.value == DVB_FIELD_NAME for t in triples):
                continue  # imported from a block: mapping_from_shapes lifts it
            try:
                export = export_block(self.registry, entry["id"], entry["version"])
            except RegistryError:  # dataverse-existing-block, dataverse-empty-block, not checkable
                continue
            except Exception:  # noqa: BLE001 - no block can be made: its fields stay "unknown field" warnings, not a 500
                log.exception("no Dataverse block mapping for profile %s %s", entry["id"], entry["version"])
                continue
            out.append(mapping_from_export(export, to_rdflib_graph(triples), resolve))
        return out

    # --- validation ------------------------------------------------------------------------------

    def validate(
        self, bundle: ProfileBundle, triples: list[ox.Triple], *, want_rdf: bool = False, notes: RecordNotes | None = None,
        client: str = "local",
    ) -> Outcome:
        """Validate one record. Raises `NothingToValidate` when no target of the shapes selects a
        node of the record (`coverage`): nothing checked is never "conforms". `client`: whose turn
        it is in the worker pool's fair queue (`registry.fairness`)."""
        subset = vocabulary_subset(self.store, bundle, triples, self.subsets)
        if not focus_nodes(bundle.targets, triples, subset):
            raise nothing_to_validate(bundle, bundle.targets, triples, notes)
        data = engine.encode_triples_ox(triples)
        data += engine.encode_triples_ox(subset)
        result = self.executor.run(
            bundle.key, bundle.shapes_triples, data, timeout=self.settings.validation_timeout_s, want_rdf=want_rdf,
            client=client,
        )
        return self._outcome(bundle, triples, subset, result, notes)

    def validate_many(
        self, bundle: ProfileBundle, records: list[list[ox.Triple]], *, chunk: int = 16,
        notes: list[RecordNotes | None] | None = None, client: str = "local",
    ) -> Iterator[Outcome | RegistryError]:
        """Validate records in order, `chunk` at a time: one vocabulary walk for the chunk
        (`vocabulary_subsets`), one message to a worker for the chunk, each record still with its
        own time limit. While a worker validates a chunk, the next one is walked and encoded here.
        Yields an `Outcome`, or the `RegistryError` of a record that hit the time limit / failed /
        had nothing to validate (the records after it are still validated). Each chunk borrows a
        worker anew, in `client`'s turn of the pool's fair queue: a batch yields to other clients'
        records between chunks."""
        timeout = self.settings.validation_timeout_s
        step = max(1, chunk)
        notes = notes if notes is not None else [None] * len(records)
        chunks = [(records[i:i + step], notes[i:i + step]) for i in range(0, len(records), step)]

        def prepare(part):
            triples_list, notes_list = part
            subsets = vocabulary_subsets(self.store, bundle, triples_list, self.subsets)
            errors: list[RegistryError | None] = []
            datas = []
            for t, sub, note in zip(triples_list, subsets, notes_list):
                if focus_nodes(bundle.targets, t, sub):
                    errors.append(None)
                    datas.append(engine.encode_triples_ox(t) + engine.encode_triples_ox(sub))
                else:
                    errors.append(nothing_to_validate(bundle, bundle.targets, t, note))
            return triples_list, subsets, notes_list, errors, datas

        def start(prepared):
            if not prepared[4]:
                return None
            return self.executor.start_many(bundle.key, bundle.shapes_triples, prepared[4], timeout=timeout,
                                            client=client)

        if not chunks:
            return
        current = prepare(chunks[0])
        job = start(current)
        try:
            for k in range(len(chunks)):
                following = prepare(chunks[k + 1]) if k + 1 < len(chunks) else None
                results = iter(job.results() if job is not None else [])
                job = None
                if following is not None:
                    job = start(following)
                for triples, subset, note, error in zip(*current[:4]):
                    if error is not None:
                        yield error
                        continue
                    result = next(results)
                    if isinstance(result, Exception):
                        yield result
                    else:
                        yield self._outcome(bundle, triples, subset, result, note)
                current = following
        finally:
            if job is not None:  # abandoned (or failed) midway: collect, so the worker goes back to the pool
                job.results()

    def _outcome(self, bundle: ProfileBundle, triples, subset, result: dict[str, Any], notes: RecordNotes | None = None) -> Outcome:
        outcome = Outcome(
            bundle=bundle,
            conforms=result["conforms"],
            results=result["results"],
            report=result["report"],
            record_triples=len(triples),
            subset_triples=len(subset),
        )
        self._deprecations(outcome, triples, subset)
        if notes is not None:
            _add_notes(outcome, notes)
        return outcome

    def _deprecations(self, outcome: Outcome, triples: list[ox.Triple], subset: list[ox.Triple]) -> None:
        deprecated = deprecated_concepts(subset)
        if not deprecated:
            return
        uses = [t for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value in deprecated]
        if not uses:
            return
        replacements = sorted({r for t in uses for r in deprecated[t.object.value]})
        labels = labels_of(self.store, outcome.bundle, replacements)
        for t in uses:
            concept = t.object.value
            messages = deprecated_messages(concept, [(r, labels.get(r, {})) for r in deprecated[concept]])
            shape = outcome.bundle.property_shapes.get(t.predicate.value, DEPRECATED_SHAPE)
            extra = {
                "focus_node": f"_:{t.subject.value}" if isinstance(t.subject, ox.BlankNode) else t.subject.value,
                "path": t.predicate.value,
                "value": concept,
                "value_is_literal": False,
                "severity": "Warning",
                "constraint_component": DEPRECATED_COMPONENT,
                "source_shape": shape,
                "names": _names(outcome.bundle, shape),
                "messages": messages,
                "custom_message": False,
                "default_messages": messages,
                "replaced_by": deprecated[concept],
            }
            outcome.extra_results.append(extra)
            outcome.results.append(extra)


def _add_notes(outcome: Outcome, notes: RecordNotes) -> None:
    """Warnings from reading the record (unmapped JSON keys, unknown Dataverse fields) become
    results of every report; `notes.locate` adds where each result comes from in the source."""
    extra = unmapped_warnings(notes.unmapped) + list(notes.warnings)
    outcome.extra_results.extend(extra)
    outcome.results.extend(extra)
    if notes.locate is not None:
        for result in outcome.results:
            where = notes.locate(result)
            if where:
                result["source"] = where
                via = where.get("via")
                if via and not result.get("path") and via in outcome.bundle.property_shapes:
                    # a whole-object rule (sh:node, SPARQL) is about the field its focus node is the value of
                    result["field_names"] = _names(outcome.bundle, outcome.bundle.property_shapes[via])


_CONCEPT_BY_LABEL = (
    "SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#inScheme> $scheme . "
    "{ ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } UNION { ?c <http://www.w3.org/2004/02/skos/core#notation> ?l } "
    "UNION { ?c <http://www.w3.org/2004/02/skos/core#hiddenLabel> ?l } FILTER(STR(?l) = $text) } ORDER BY ?c LIMIT 1"
)


DVB_FIELD_NAME = "https://w3id.org/profile-registry/dataverse#fieldName"  # registry.dataverse.annotations


def _concept_resolver(store, bundle: ProfileBundle):
    """(scheme, stored value) → concept IRI, read in the bundle's pinned vocabularies (values bound
    as terms, never spliced into the query); small LRU-free cache per bundle."""
    cache: dict[tuple[str, str], str | None] = {}

    def resolve(scheme: str, text: str) -> str | None:
        key = (scheme, text)
        if key not in cache:
            rows = store.select(_CONCEPT_BY_LABEL, bindings={"scheme": ox.NamedNode(scheme), "text": ox.Literal(text)},
                                default_graph=bundle.concept_graphs) if bundle.concept_graphs else []
            if len(cache) > 10_000:
                cache.clear()
            cache[key] = rows[0]["c"].value if rows else None
        return cache[key]

    return resolve


def _names(bundle: ProfileBundle, shape: str) -> dict[str, str]:
    import rdflib
    from rdflib.namespace import SH

    node = rdflib.BNode(shape[2:]) if shape.startswith("_:") else rdflib.URIRef(shape)
    out: dict[str, str] = {}
    for name in bundle.shapes_graph.objects(node, SH.name):
        out.setdefault(getattr(name, "language", None) or "", str(name))
    return out


def get_service(registry) -> ValidationService:
    """The process's validation service (the feature "validation"), created on first use."""
    return registry.feature("validation", ValidationService)
