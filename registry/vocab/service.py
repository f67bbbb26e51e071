"""`VocabService`: the reads behind the vocabulary API and the Skosmos-compatible API.

Versions are discovered through the catalog on every request (one SELECT over the version
metadata graphs), so a version published by another process or API worker is seen at once;
everything derived from a version (label index, counts) is cached by version IRI, which never
needs invalidating because a published version's concepts graph is immutable.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.catalog import PUBLIC_STATUSES, VersionInfo
from registry.errors import InvalidInput, NotFound
from registry.features import Feature
from registry.lru import Lru
from registry.ids import SemVer, check_id
from registry.namespaces import REG, SPARQL_PREFIXES, STATUS_IRIS
from registry.vocab.index import (
    DEPRECATION_PREDICATES, KIND_NAMES, RANK_NAMES, REPLACEMENT_PREDICATES, SKOS, Hit, IndexBuilder, VersionIndex,
)
from registry.vocab.normalize import fold, has_control_characters
from registry.vocab.persist import IndexFiles, index_dir

log = logging.getLogger("registry.vocab")

MAX_QUERY_LENGTH = 200
MAX_IRI_LENGTH = 2000
MAX_LIMIT = 100
INDEX_CACHE_SIZE = 16

NOTE_PROPERTIES = ("definition", "scopeNote", "note", "example", "historyNote", "editorialNote", "changeNote")
MAPPING_PROPERTIES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def check_query(q: str | None, *, required: bool = True) -> str:
    """A search string: at most MAX_QUERY_LENGTH characters, no control characters."""
    if q is None or not q.strip():
        if required:
            raise InvalidInput("the search string is empty", code="query-missing")
        return ""
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"the search string is {len(q)} characters long; the limit is {MAX_QUERY_LENGTH}", code="query-too-long"
        )
    if has_control_characters(q):
        raise InvalidInput("the search string contains control characters", code="query-control-characters")
    return q.strip()


def check_iri(value: str, what: str = "iri") -> str:
    if len(value) > MAX_IRI_LENGTH:
        raise InvalidInput(f"{what} is longer than {MAX_IRI_LENGTH} characters", code="invalid-iri")
    if has_control_characters(value) or ":" not in value:
        raise InvalidInput(f"{what} {value[:100]!r} is not an absolute IRI", code="invalid-iri")
    try:
        ox.NamedNode(value)
    except ValueError:
        raise InvalidInput(f"{what} {value[:100]!r} is not an IRI", code="invalid-iri") from None
    return value


def check_lang(lang: str | None) -> str | None:
    if not lang:
        return None
    try:
        ox.Literal("x", language=lang)
    except ValueError:
        raise InvalidInput(f"{lang[:40]!r} is not a language tag", code="invalid-lang") from None
    return lang.lower()


def service_of(registry) -> "VocabService":
    """The per-process vocabulary service of a registry (the feature "vocab"), created on first use."""
    return registry.feature("vocab", VocabService)


class VocabService(Feature):
    """The vocabulary services of one process: versions, search indexes, concepts. A feature
    (`registry.features.Feature`) made at start-up by the app (`install`): `start` loads the
    indexes, `published` builds a new version's."""

    def __init__(self, registry):
        self.registry = registry
        self.store = registry.store
        self.iris = registry.iris
        self._indexes: Lru[str, VersionIndex] = Lru(INDEX_CACHE_SIZE)
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._counts: dict[str, dict[str, Any]] = {}
        #: (store generation, all_versions()) of the last catalog read
        self._versions: tuple[int, dict[str, list[VersionInfo]]] | None = None
        #: (store generation, value) of what other modules derive from the catalog (skosmos)
        self.extensions_cache: dict[str, tuple[int, Any]] = {}
        directory = index_dir(registry.settings)
        #: persisted indexes (registry.vocab.persist); None: built in memory only
        self.files = IndexFiles(directory) if directory is not None else None
        #: version IRI → "file", "built" or "prebuilt" (written beside its publication's bulk load):
        #: where its index came from in this process
        self.index_source: dict[str, str] = {}
        #: write a new version's index file during its bulk load, not after it (`prebuild`)
        self.index_beside_load = False

    # --- versions ------------------------------------------------------------------------------

    def all_versions(self) -> dict[str, list[VersionInfo]]:
        """vocabulary id → its public versions, oldest first (two queries over the catalog).

        Kept while the store's `generation` stays the same (it moves with every write, by any
        process for a remote store): a search does not pay for the catalog queries each time."""
        generation = self.store.generation
        cached = self._versions
        if cached is not None and cached[0] == generation:
            return dict(cached[1])
        found = self._read_versions()
        self._versions = (generation, found)
        return dict(found)

    def _read_versions(self) -> dict[str, list[VersionInfo]]:
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?id ?v ?version ?status ?g ?scheme ?publisher ?hash WHERE { GRAPH ?v {
                   ?series dcat:hasVersion ?v . ?v dcat:version ?version ; adms:status ?status ;
                      reg:graph ?g ; dct:publisher ?publisher .
                   OPTIONAL { ?v foaf:primaryTopic ?scheme }
                   OPTIONAL { ?v reg:contentHash ?hash }
                   FILTER(?status IN ($published, $deprecated) && STRSTARTS(STR(?series), $prefix)) }
                 GRAPH $catalog { ?series a dcat:Dataset ; dct:identifier ?id } }""",
            bindings={
                "published": ox.NamedNode(STATUS_IRIS["published"]),
                "deprecated": ox.NamedNode(STATUS_IRIS["deprecated"]),
                "prefix": ox.Literal(self.iris.vocabulary("")),
                "catalog": ox.NamedNode(self.iris.catalog),
            },
            union_default_graph=True,
        )
        out: dict[str, list[VersionInfo]] = {}
        status_names = {v: k for k, v in STATUS_IRIS.items()}
        community_ids = {c.iri: c.id for c in self.registry.catalog.communities()} if rows else {}
        for row in rows:
            vid = row["id"].value
            out.setdefault(vid, []).append(
                VersionInfo(
                    kind="vocabulary",
                    id=vid,
                    version=row["version"].value,
                    iri=row["v"].value,
                    series_iri=self.iris.vocabulary(vid),
                    graph=row["g"].value,
                    scheme=row["scheme"].value if "scheme" in row else None,
                    status=status_names.get(row["status"].value, "published"),
                    community=community_ids.get(row["publisher"].value, row["publisher"].value),
                    content_hash=row["hash"].value if "hash" in row else None,
                )
            )
        schemes: dict[str, list[str]] = {}
        for row in self.store.select(
            "SELECT ?v ?s WHERE { GRAPH ?v { ?v $p ?s } }",
            bindings={"p": ox.NamedNode(str(REG.conceptScheme))},
            union_default_graph=True,
        ):
            schemes.setdefault(row["v"].value, []).append(row["s"].value)
        for vid, versions in out.items():
            versions.sort(key=lambda v: SemVer(v.version))
            out[vid] = [
                replace(v, schemes=list(sorted(schemes.get(v.iri) or ([v.scheme] if v.scheme else []))))
                for v in versions
            ]
        return dict(sorted(out.items()))

    def check_scheme(self, v: VersionInfo, scheme: str | None) -> str | None:
        """`scheme` if it is one of the version's concept schemes (404 otherwise)."""
        if scheme is None:
            return None
        check_iri(scheme, "scheme")
        if scheme not in v.schemes:
            raise NotFound(f"{v.id} {v.version} has no concept scheme {scheme}", code="scheme-not-found")
        return scheme

    def schemes(self, vid: str, version: str | None, lang: str | None) -> dict[str, Any]:
        """The concept schemes of a version, with their labels and sizes (members: `VersionIndex.members`)."""
        lang = check_lang(lang)
        v = self.resolve(vid, version)
        return {"vocabulary": vid, "version": v.version, "results": self.scheme_items(v, lang)}

    def scheme_items(self, v: VersionInfo, lang: str | None) -> list[dict[str, Any]]:
        """`schemes`' results for one version (a draft too: `version_of`), sorted by label."""
        index = self.index(v)
        labels: dict[str, dict[str, str]] = {}
        for row in self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?s ?l WHERE { ?s a skos:ConceptScheme .
                   ?s skos:prefLabel|rdfs:label|dct:title ?l FILTER(isLiteral(?l)) }""",
            default_graph=[v.graph],
        ):
            labels.setdefault(row["s"].value, {}).setdefault(row["l"].language or "", row["l"].value)
        items = []
        for scheme in v.schemes:
            label, label_lang = _pick(labels.get(scheme, {}), lang)
            items.append({
                "iri": scheme, "label": label, "lang": label_lang, "prefLabel": labels.get(scheme, {}),
                "top_concepts": len(index.top_of(scheme)), "concepts": len(index.members(scheme)),
            })
        items.sort(key=lambda x: (fold(x["label"] or ""), x["iri"]))
        return items

    def versions(self, vid: str) -> list[VersionInfo]:
        check_id(vid, "vocabulary id")
        versions = self.all_versions().get(vid)
        if not versions:
            raise NotFound(f"no vocabulary {vid!r}", code="vocabulary-not-found")
        return versions

    @staticmethod
    def latest(versions: list[VersionInfo]) -> VersionInfo:
        published = [v for v in versions if v.status == "published"]
        return (published or versions)[-1]

    def resolve(self, vid: str, version: str | None = None, *, versions: list[VersionInfo] | None = None) -> VersionInfo:
        """A version of `vid`: the given one, or the latest published (then deprecated) one."""
        versions = versions if versions is not None else self.versions(vid)
        if version is None:
            return self.latest(versions)
        SemVer(version)
        for v in versions:
            if v.version == version:
                return v
        raise NotFound(f"vocabulary {vid!r} has no version {version!r}", code="version-not-found")

    # --- indexes -------------------------------------------------------------------------------

    def version_of(self, info: VersionInfo) -> VersionInfo:
        """A catalog version as this service reads it: a public one as `resolve` lists it (with its
        concept schemes and content hash); a draft (the owning community's pages show it) as given."""
        return self.resolve(info.id, info.version) if info.public else info

    def index(self, v: VersionInfo, facts=None, prebuilt: "PrebuiltIndex | None" = None) -> VersionIndex:
        """The label index of a version: built on first use, then cached by version IRI. A
        draft's (not public) is built afresh every time and never kept, since a draft's concepts
        can still be replaced under the same version IRI. `facts`: what the parse of the version's
        document collected at its publication (`registry.publishing.skos_facts`), to build the
        index from instead of reading the graph back. `prebuilt`: the index its publication wrote
        beside the bulk load (`prebuild`), made live here when it is this very version's."""
        if v.status not in PUBLIC_STATUSES:
            return VersionIndex.build(self.store, v.iri, v.graph)
        index = self._indexes.get(v.iri)
        if index is not None:
            return index
        with self._lock:
            building = self._building.setdefault(v.iri, threading.Lock())
        with building:  # one build per version, concurrent first requests wait for it
            index = self._indexes.get(v.iri)
            if index is None:
                index = self.files.load(v.iri, v.graph, v.content_hash) if self.files is not None else None
                source = "file"
                if index is None and prebuilt is not None and prebuilt.is_of(v):
                    index = prebuilt.activate()
                    source = "prebuilt"
                if index is None:
                    if facts is not None:
                        builder = IndexBuilder.from_facts(v.iri, v.graph, facts)
                        facts.clear()  # the builder holds what the index needs: free the rest first
                    else:
                        builder = IndexBuilder.read(self.store, v.iri, v.graph)
                    source = "built"
                    if self.files is not None:
                        try:
                            index = self.files.save(v.iri, v.graph, v.content_hash, builder)
                        except OSError as exc:  # a full disk must not fail the search
                            log.warning("could not persist the index of %s: %s", v.iri, exc)
                    if index is None:
                        index = builder.to_index()
                    del builder
                self.index_source[v.iri] = source
                self._indexes.put(v.iri, index)
                with self._lock:
                    self._building.pop(v.iri, None)
        return index

    def has_index(self, iri: str) -> bool:
        """Whether the index of the version `iri` is built and cached (starts no build)."""
        return iri in self._indexes

    def cached_index(self, v: VersionInfo) -> VersionIndex | None:
        """The index of `v` if it is open in this process; None otherwise (starts no build)."""
        return self._indexes.get(v.iri)

    def warm(self, vid: str, version: str | None = None, facts=None) -> VersionIndex:
        """Build (or fetch) the index of a version now; a publish hook calls this (with what the
        publication's parse collected, `facts`)."""
        return self.index(self.resolve(vid, version), facts)

    def open_saved(self) -> list[str]:
        """Open the persisted index of every public vocabulary version that has one, now (issue
        16, item 7: the first search after a restart as fast as any other): the latest version of
        each vocabulary first, then the older ones (searched with `version=`), as many as the
        cache holds (`INDEX_CACHE_SIZE`). `start` does it before the app serves instead of
        leaving it to a thread the first search could overtake, and maps each file's pages at
        once (`IndexFiles.load`, populate: tens of milliseconds for the 68 MB index of a
        1M-triple vocabulary, paid once at start-up instead of by the first searches). Returns
        the version IRIs whose index is open."""
        if self.files is None:
            return []
        series = list(self.all_versions().values())
        latest = [self.latest(versions) for versions in series]
        older = [v for versions, last in zip(series, latest) for v in reversed(versions) if v is not last]
        opened: list[str] = []
        for v in latest + older:
            if len(opened) == INDEX_CACHE_SIZE:
                break
            if v.iri not in self._indexes:
                index = self.files.load(v.iri, v.graph, v.content_hash, populate=True)
                if index is None:
                    continue  # no file (yet) or an unreadable one: `warm_all` builds the latest's
                self.index_source[v.iri] = "file"
                self._indexes.put(v.iri, index)
            opened.append(v.iri)
        return opened

    def warm_all(self) -> None:
        """Load (or build) the index of every vocabulary's latest version, in the background at
        start-up, so that the first search after a restart is as fast as any other."""

        def load() -> None:
            try:
                for versions in self.all_versions().values():
                    self.index(self.latest(versions))
            except Exception:  # noqa: BLE001 - searches build what is missing
                log.exception("warming the vocabulary indexes failed")

        threading.Thread(target=load, name="vocab-index-warm", daemon=True).start()

    def start(self) -> None:
        self.open_saved()  # persisted indexes open before the app serves (issue 16, item 7)
        self.warm_all()  # those without a file are built in the background
        self.registry.publication.index_prebuilders.append(self.prebuild)

    def close(self) -> None:
        hooks = self.registry.publication.index_prebuilders
        if self.prebuild in hooks:
            hooks.remove(self.prebuild)

    def prebuild(self, request) -> "PrebuiltIndex":
        """Publication hook (`PublicationService.index_prebuilders`), called in the parse thread
        once the checks passed (issue 16, "Speed and size"): build the new version's index from the
        parse's facts and write its file under a temporary name, in a thread of its own;
        `published` makes it live after the commit (waiting for the file if needed).

        With `index_beside_load` the file is written while the store bulk-loads, so that only the
        commit remains after the load; by default the build waits for the end of the load and
        runs beside the commit, because both at once exceed the 1 GB budget at 1M triples
        (1,106 MB peak against 1,020 MB, benchmarks/results/vocab-publish.txt)."""
        made = PrebuiltIndex(self, request.version_iri, request.graph, request.content_hash)
        facts = request.facts

        def build() -> None:
            if not self.index_beside_load:
                request.loaded.wait()
            if made.cancelled:
                return
            builder = IndexBuilder.from_facts(request.version_iri, request.graph, facts)
            facts.clear()  # the builder holds what the index needs: free the rest first
            if self.files is not None:
                try:
                    made.tmp = self.files.write_temporary(request.version_iri, request.graph, request.content_hash, builder)
                    return
                except OSError as exc:  # a full disk must not fail the publication: kept in memory
                    log.warning("could not persist the index of %s: %s", request.version_iri, exc)
            made.held = builder.to_index()

        made.thread = threading.Thread(target=build, name=f"index-{request.version_iri}", daemon=True)
        made.thread.start()
        return made

    def published(self, result) -> None:
        """Publication observer (`Feature.published`): make live the index written beside the
        load (`prebuild`), or build a new published vocabulary version's index in the
        background, so the first search does not pay for it."""
        if result.kind != "vocabulary" or result.status != "published":
            return
        mine = [made for made in result.prebuilt if isinstance(made, PrebuiltIndex) and made.service is self]
        if mine:
            try:
                self.index(self.resolve(result.id, result.version), prebuilt=mine[0])
            except Exception:  # noqa: BLE001 - the first search will build it instead
                log.exception("could not make the index of %s %s live", result.id, result.version)
            return  # `PublicationService._notify` discards what is left

        facts, result.facts = result.facts, None  # the build below is the last one to need them

        def build() -> None:
            try:
                self.warm(result.id, result.version, facts)
            except Exception:  # noqa: BLE001 - the first search will build it instead
                pass

        threading.Thread(target=build, name=f"index-{result.id}-{result.version}", daemon=True).start()

    # --- listing -------------------------------------------------------------------------------

    def counts(self, v: VersionInfo) -> dict[str, Any]:
        cached = self._counts.get(v.iri)
        if cached is not None:
            return cached
        q = lambda s: self.store.select(SPARQL_PREFIXES + s, default_graph=[v.graph])  # noqa: E731
        concepts = int(q("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a skos:Concept }")[0]["n"].value)
        values = " ".join(f"<{p}>" for p in DEPRECATION_PREDICATES)
        deprecated = int(
            q(
                f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a skos:Concept . VALUES ?p {{ {values} }}
                     ?s ?p ?d FILTER(LCASE(STR(?d)) IN ("true", "1")) }}"""
            )[0]["n"].value
        )
        langs = {
            row["lang"].value: int(row["n"].value)
            for row in q(
                """SELECT ?lang (COUNT(*) AS ?n) WHERE { ?s a skos:Concept ; skos:prefLabel ?l
                     BIND(LANG(?l) AS ?lang) } GROUP BY ?lang ORDER BY ?lang"""
            )
        }
        top = int(
            q(
                """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { { ?c skos:topConceptOf ?s } UNION { ?s skos:hasTopConcept ?c } }"""
            )[0]["n"].value
        )
        out = {"concepts": concepts, "deprecated": deprecated, "top_concepts": top, "pref_labels_by_language": langs}
        self._counts[v.iri] = out
        return out

    def list_vocabularies(self) -> list[dict[str, Any]]:
        summaries = {s["id"]: s for s in self.registry.catalog.summaries("vocabulary")}
        out = []
        for vid, versions in self.all_versions().items():
            latest = self.latest(versions)
            summary = summaries.get(vid, {})
            counts = self.counts(latest)
            out.append(
                {
                    "id": vid,
                    "title": summary.get("title", {}),
                    "community": summary.get("community"),
                    "concept_scheme": latest.scheme,
                    "schemes": list(latest.schemes),
                    "latest_version": latest.version,
                    "versions": [{"version": v.version, "status": v.status, "iri": v.iri} for v in versions],
                    "languages": sorted(k for k in counts["pref_labels_by_language"] if k),
                    **counts,
                }
            )
        return out

    # --- finding a concept ---------------------------------------------------------------------

    def _has(self, v: VersionInfo, iri: str) -> bool:
        return self.store.ask("ASK { $c ?p ?o }", bindings={"c": ox.NamedNode(iri)}, default_graph=[v.graph])

    def locate(self, iri: str, vid: str | None = None, version: str | None = None) -> tuple[VersionInfo, str | None]:
        """The version that describes concept `iri`, and the version that removed it (or None).

        With an explicit `version`, only that version. Otherwise the latest version of each
        candidate vocabulary; failing that, the newest older version that had it (the concept was
        removed later), reported with the first version that no longer has it.
        """
        check_iri(iri)
        everything = self.all_versions()
        if vid is not None:
            check_id(vid, "vocabulary id")
            if vid not in everything:
                raise NotFound(f"no vocabulary {vid!r}", code="vocabulary-not-found")
            candidates = {vid: everything[vid]}
        else:
            candidates = everything
        if version is not None:
            if vid is None:
                raise InvalidInput("give the vocabulary together with a version", code="version-without-vocabulary")
            v = self.resolve(vid, version, versions=candidates[vid])
            if self._has(v, iri):
                return v, None
            raise NotFound(f"no concept {iri} in {vid} {version}", code="concept-not-found")
        latest = {k: self.latest(vs) for k, vs in candidates.items()}
        for v in latest.values():
            if self._has(v, iri):
                return v, None
        for k, versions in candidates.items():
            # newest first: the first older version that has it is the last one that had it
            for i in range(len(versions) - 1, -1, -1):
                v = versions[i]
                if v is latest[k]:
                    continue
                if self._has(v, iri):
                    following = versions[i + 1] if i + 1 < len(versions) else latest[k]
                    return v, following.version
        raise NotFound(f"no concept {iri} in any vocabulary", code="concept-not-found")

    # --- one concept ---------------------------------------------------------------------------

    def concept(self, iri: str, *, vid: str | None = None, version: str | None = None, lang: str | None = None) -> dict[str, Any]:
        lang = check_lang(lang)
        v, removed_in = self.locate(iri, vid, version)
        c = ox.NamedNode(iri)
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?p ?o ?ol WHERE {
                   { $c ?p ?o OPTIONAL { ?o skos:prefLabel ?ol } }
                   UNION { ?o skos:broader $c BIND(skos:narrower AS ?p) OPTIONAL { ?o skos:prefLabel ?ol } }
                   UNION { ?o skos:narrower $c BIND(skos:broader AS ?p) OPTIONAL { ?o skos:prefLabel ?ol } }
                   UNION { ?o skos:related $c BIND(skos:related AS ?p) OPTIONAL { ?o skos:prefLabel ?ol } }
                 }""",
            bindings={"c": c},
            default_graph=[v.graph],
        )
        literals: dict[str, dict[str, list[str]]] = {}
        links: dict[str, dict[str, dict[str, str]]] = {}
        types: list[str] = []
        other: dict[str, list[Any]] = {}
        for row in rows:
            p, o = row["p"].value, row["o"]
            if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
                if o.value not in types:
                    types.append(o.value)
                continue
            if isinstance(o, ox.Literal):
                values = literals.setdefault(p, {}).setdefault(o.language or "", [])
                if o.value not in values:
                    values.append(o.value)
            elif isinstance(o, ox.NamedNode):
                labels = links.setdefault(p, {}).setdefault(o.value, {})
                ol = row.get("ol")
                if isinstance(ol, ox.Literal):
                    labels.setdefault(ol.language or "", ol.value)
            else:
                other.setdefault(p, []).append(str(o))

        def lit(local: str) -> dict[str, list[str]]:
            return literals.get(SKOS + local, {})

        def linked(pred: str) -> list[dict[str, Any]]:
            items = [_link(iri_, labels, lang) for iri_, labels in links.get(pred, {}).items()]
            return sorted(items, key=lambda x: (fold(x.get("label") or ""), x["iri"]))

        deprecated = any(
            v_.strip().lower() in ("true", "1") for p in DEPRECATION_PREDICATES for vs in literals.get(p, {}).values() for v_ in vs
        )
        replaced_by = [item for p in REPLACEMENT_PREDICATES for item in linked(p)]
        pref = {k: vs[0] for k, vs in lit("prefLabel").items()}
        label, label_lang = _pick(pref, lang)
        in_scheme = [item["iri"] for item in linked(SKOS + "inScheme")]
        if not in_scheme:  # no skos:inScheme stated: the schemes whose subtree holds it (PhySH)
            index = self.index(v)
            cid = index.ids.get(iri)
            in_scheme = [s for s in v.schemes if cid is not None and cid in index.members(s)] or (
                [v.scheme] if v.scheme else [])
        out: dict[str, Any] = {
            "iri": iri,
            "vocabulary": v.id,
            "version": v.version,
            "version_iri": v.iri,
            "latest_version": self.latest(self.versions(v.id)).version,
            "removed_in": removed_in,
            "types": types,
            "label": label,
            "label_lang": label_lang,
            "prefLabel": pref,
            "altLabel": lit("altLabel"),
            "hiddenLabel": lit("hiddenLabel"),
            "notation": [x for vs in lit("notation").values() for x in vs],
            "definition": lit("definition"),
            "notes": {k: lit(k) for k in NOTE_PROPERTIES[1:] if lit(k)},
            "scheme": in_scheme,
            "top_concept_of": [item["iri"] for item in linked(SKOS + "topConceptOf")],
            "broader": linked(SKOS + "broader"),
            "narrower": linked(SKOS + "narrower"),
            "related": linked(SKOS + "related"),
            "mappings": {k: linked(SKOS + k) for k in MAPPING_PROPERTIES if links.get(SKOS + k)},
            "deprecated": deprecated,
            "replaced_by": replaced_by,
            "paths": self.paths(v, iri, lang),
            "groups": self.groups_of(v, iri, lang),
        }
        if not types and not literals and not links:
            raise NotFound(f"no concept {iri}", code="concept-not-found")
        return out

    def concept_history(self, vid: str, iri: str, lang: str | None = None) -> dict[str, Any]:
        """Which public versions of `vid` have the concept, and what happened to it in each:
        `added` (first seen, or back after a removal), `relabelled` (its prefLabels changed),
        `deprecated` / `undeprecated`, `removed` (a version without it after one with it).
        Read from the versions' label indexes (persisted, so cheap after the first time)."""
        lang = check_lang(lang)
        check_iri(iri)
        versions = self.versions(vid)
        rows: list[dict[str, Any]] = []
        previous: dict[str, Any] | None = None
        for v in versions:
            index = self.index(v)
            cid = index.ids.get(iri)
            present = cid is not None and cid in index.is_concept
            row: dict[str, Any] = {"version": v.version, "status": v.status, "present": present, "changes": []}
            if present:
                label, label_lang = index.best_label(cid, lang)
                row.update(label=label, lang=label_lang, prefLabel=dict(index.pref[cid]), deprecated=cid in index.deprecated)
            if present and (previous is None or not previous["present"]):
                row["changes"].append("added")
            elif present and previous is not None:
                if row["prefLabel"] != previous["prefLabel"]:
                    row["changes"].append("relabelled")
                if row["deprecated"] and not previous["deprecated"]:
                    row["changes"].append("deprecated")
                if previous["deprecated"] and not row["deprecated"]:
                    row["changes"].append("undeprecated")
            elif not present and previous is not None and previous["present"]:
                row["changes"].append("removed")
            rows.append(row)
            previous = row
        if not any(r["present"] for r in rows):
            raise NotFound(f"no concept {iri} in any version of {vid}", code="concept-not-found")
        return {"vocabulary": vid, "iri": iri, "versions": rows}

    def groups_of(self, v: VersionInfo, iri: str, lang: str | None) -> list[dict[str, Any]]:
        """The collections (Skosmos groups) the concept is a skos:member of: {iri, label, lang}."""
        index = self.index(v)
        cid = index.ids.get(iri)
        out = []
        for g in index.member_of.get(cid, ()) if cid is not None else ():
            label, label_lang = index.best_label(g, lang)
            out.append({"iri": index.iris[g], "label": label, "lang": label_lang, "prefLabel": dict(index.pref[g])})
        return sorted(out, key=lambda x: (fold(x["label"] or ""), x["iri"]))

    def paths(self, v: VersionInfo, iri: str, lang: str | None, max_paths: int = 20) -> list[list[dict[str, Any]]]:
        """Hierarchy paths from a top of the hierarchy down to the concept, both included
        (polyhierarchy: several; a top concept: one path of itself)."""
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?x ?b ?bl WHERE { $c (skos:broader|^skos:narrower)* ?x .
                   ?x skos:broader|^skos:narrower ?b OPTIONAL { ?b skos:prefLabel ?bl } }""",
            bindings={"c": ox.NamedNode(iri)},
            default_graph=[v.graph],
        )
        parents: dict[str, list[str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for row in rows:
            x, b = row["x"].value, row["b"].value
            if x == b:
                continue
            ps = parents.setdefault(x, [])
            if b not in ps:
                ps.append(b)
            bl = row.get("bl")
            if isinstance(bl, ox.Literal):
                labels.setdefault(b, {}).setdefault(bl.language or "", bl.value)
        out: list[list[str]] = []

        def walk(node: str, below: list[str]) -> None:
            if len(out) >= max_paths:
                return
            ups = [p for p in parents.get(node, []) if p not in below]
            if not ups:
                out.append(list(reversed(below)))
                return
            for p in sorted(ups):
                walk(p, below + [p])

        walk(iri, [])
        own = self.store.select(
            SPARQL_PREFIXES + "SELECT ?l WHERE { $c skos:prefLabel ?l }", bindings={"c": ox.NamedNode(iri)}, default_graph=[v.graph]
        )
        labels[iri] = {row["l"].language or "": row["l"].value for row in own if isinstance(row.get("l"), ox.Literal)}
        return [[_link(n, labels.get(n, {}), lang) for n in path + [iri]] for path in out]

    # --- tree ----------------------------------------------------------------------------------

    def _item(self, index: VersionIndex, cid: int, lang: str | None) -> dict[str, Any]:
        label, label_lang = index.best_label(cid, lang)
        item = {
            "iri": index.iris[cid],
            "label": label,
            "lang": label_lang,
            "prefLabel": dict(index.pref[cid]),
            "has_children": bool(index.children.get(cid)),
            "deprecated": cid in index.deprecated,
        }
        if cid in index.notation:
            item["notation"] = index.notation[cid]
        return item

    def by_label(self, index: VersionIndex, cids: list[int], lang: str | None) -> list[int]:
        """`cids` in the order of their folded prefLabel in `lang` (`VersionIndex.best_label`), then IRI:
        the one order of concept lists, in the API and on the pages."""
        return sorted(cids, key=lambda c: (fold(index.best_label(c, lang)[0] or ""), index.iris[c]))

    def top(self, vid: str, version: str | None, lang: str | None, offset: int, limit: int,
            scheme: str | None = None) -> dict[str, Any]:
        """Top concepts of the version (every scheme's), or of one of its schemes."""
        lang = check_lang(lang)
        v = self.resolve(vid, version)
        scheme = self.check_scheme(v, scheme)
        index = self.index(v)
        roots = index.top_of(scheme)
        cids = roots if lang is None else self.by_label(index, roots, lang)
        page = cids[offset: offset + limit]
        return {
            "vocabulary": vid, "version": v.version, "scheme": scheme or v.scheme, "offset": offset, "limit": limit,
            "total": len(cids), "results": [self._item(index, c, lang) for c in page],
        }

    def children(self, vid: str, iri: str, version: str | None, lang: str | None, offset: int, limit: int) -> dict[str, Any]:
        lang = check_lang(lang)
        check_iri(iri)
        v = self.resolve(vid, version)
        index = self.index(v)
        cid = index.ids.get(iri)
        if cid is None:
            if not self._has(v, iri):
                raise NotFound(f"no concept {iri} in {vid} {v.version}", code="concept-not-found")
            cids: list[int] = []
        else:
            cids = self.by_label(index, index.children_of(cid), lang)
        return {
            "vocabulary": vid, "version": v.version, "iri": iri, "offset": offset, "limit": limit,
            "total": len(cids), "results": [self._item(index, c, lang) for c in cids[offset: offset + limit]],
        }

    # --- search --------------------------------------------------------------------------------

    def search(
        self,
        q: str,
        *,
        vids: list[str] | None = None,
        version: str | None = None,
        lang: str | None = None,
        parent: str | None = None,
        include_deprecated: bool = False,
        mode: str = "prefix",
        offset: int = 0,
        limit: int = 20,
        unique: bool = True,
        kinds: tuple[int, ...] | None = None,
        scheme: str | None = None,
        group: str | None = None,
        types: frozenset[str] | None = None,
    ) -> tuple[list[tuple[VersionInfo, VersionIndex, Hit]], bool]:
        """One page of ranked hits over one or several vocabularies, and whether more follow.
        `scheme`: only the members of that concept scheme, in the vocabularies that hold it;
        `group`: only the members of that collection; `types`: only concepts of those types."""
        folded = fold(q)
        if parent is not None:
            check_iri(parent, "parent")
        lang = check_lang(lang)
        everything = self.all_versions()
        if vids:
            for vid in vids:
                check_id(vid, "vocabulary id")
                if vid not in everything:
                    raise NotFound(f"no vocabulary {vid!r}", code="vocabulary-not-found")
        else:
            vids = list(everything)
        if version is not None and len(vids) != 1:
            raise InvalidInput("a version can only be given when searching one vocabulary", code="version-without-vocabulary")
        chosen = [self.resolve(vid, version, versions=everything[vid]) for vid in vids]
        if scheme is not None:
            check_iri(scheme, "scheme")
            chosen = [v for v in chosen if scheme in v.schemes]
            if not chosen:
                raise NotFound(f"no vocabulary searched holds the concept scheme {scheme}", code="scheme-not-found")
        if not folded:
            return [], False
        streams = []
        for v in chosen:
            index = self.index(v)
            kw = {} if kinds is None else {"kinds": kinds}
            hits = index.search(
                folded, mode=mode, lang=lang, parent=parent, include_deprecated=include_deprecated, unique=unique,
                scheme=scheme, group=group, types=types, **kw
            )
            streams.append(_keyed(hits, len(streams), v, index))
        if len(streams) == 1:
            merged = streams[0]
        else:
            import heapq

            merged = heapq.merge(*streams, key=lambda t: (t[0], t[1]))
        page = list(islice(merged, offset, offset + limit + 1))
        return [(v, index, h) for _, _, v, index, h in page[:limit]], len(page) > limit

    def below(self, parent: str, *, vids: list[str] | None, version: str | None, lang: str | None,
              offset: int, limit: int) -> list[tuple[VersionInfo, VersionIndex, int]]:
        """The (non-deprecated) concepts below `parent` in the vocabularies that have it, sorted by
        label in `lang`: one page."""
        everything = self.all_versions()
        for vid in vids or []:
            check_id(vid, "vocabulary id")
            if vid not in everything:
                raise NotFound(f"no vocabulary {vid!r}", code="vocabulary-not-found")
        found: list[tuple[VersionInfo, VersionIndex, int]] = []
        for vid in vids or list(everything):
            v = self.resolve(vid, version, versions=everything[vid])
            index = self.index(v)
            pid = index.ids.get(parent)
            if pid is None:
                continue
            below = [c for c in index.descendants(pid) if c in index.is_concept and c not in index.deprecated]
            found += [(v, index, c) for c in self.by_label(index, below, lang)]
        return found[offset: offset + limit]

    def hit_json(self, v: VersionInfo, index: VersionIndex, hit: Hit, lang: str | None) -> dict[str, Any]:
        e = hit.entry
        cid = index.e_cid[e]
        label, label_lang = index.best_label(cid, lang, index.e_lang[e] or None)
        out = {
            "iri": index.iris[cid],
            "vocabulary": v.id,
            "version": v.version,
            "label": label,
            "lang": label_lang,
            "matched": {"label": index.e_text[e], "kind": KIND_NAMES[index.e_kind[e]], "lang": index.e_lang[e] or None},
            "rank": RANK_NAMES[hit.rank],
            "prefLabel": dict(index.pref[cid]),
            "deprecated": cid in index.deprecated,
        }
        if cid in index.notation:
            out["notation"] = index.notation[cid]
        if cid in index.deprecated and cid in index.replaced_by:
            out["replaced_by"] = index.replaced_by[cid]
        return out


def _keyed(hits, i, v, index):
    for h in hits:
        yield h.sort_key, i, v, index, h


def _pick(labels: dict[str, str], lang: str | None) -> tuple[str | None, str | None]:
    if not labels:
        return None, None
    for wanted in (lang, "en", ""):
        if wanted is not None and wanted in labels:
            return labels[wanted], wanted
    if lang:
        for tag, text in labels.items():
            if tag.lower().startswith(lang + "-"):
                return text, tag
    tag = min(labels)
    return labels[tag], tag


def _link(iri: str, labels: dict[str, str], lang: str | None) -> dict[str, Any]:
    label, label_lang = _pick(labels, lang)
    return {"iri": iri, "label": label, "lang": label_lang, "prefLabel": labels}


class PrebuiltIndex:
    """A version's index made before its publication's commit (`VocabService.prebuild`): a file
    under a temporary name (`IndexFiles.write_temporary`), or the index in memory without an index
    directory. Nothing reads it until `activate`, called after the commit; a kill -9 before
    leaves only the temporary file, which no `load` reads (removed at a later start)."""

    def __init__(self, service: VocabService, version_iri: str, graph: str, content_hash: str):
        self.service = service
        self.version_iri, self.graph, self.content_hash = version_iri, graph, content_hash
        self.tmp: Path | None = None
        self.held: VersionIndex | None = None
        self.thread: threading.Thread | None = None
        self.cancelled = False

    def is_of(self, v: VersionInfo) -> bool:
        """Whether this is the index of the committed version `v` (same IRI, graph and content)."""
        if self.thread is not None:
            self.thread.join()  # the file is being written (beside the commit)
        return (v.iri, v.graph, v.content_hash) == (self.version_iri, self.graph, self.content_hash) and (
            self.tmp is not None or self.held is not None)

    def activate(self) -> VersionIndex:
        files = self.service.files
        if self.tmp is not None and files is not None:
            tmp, self.tmp = self.tmp, None
            return files.activate(tmp, self.version_iri, self.graph, self.content_hash)
        assert self.held is not None
        index, self.held = self.held, None
        return index

    def discard(self) -> None:
        self.cancelled = True
        if self.thread is not None:
            self.thread.join()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None
        self.held = None
