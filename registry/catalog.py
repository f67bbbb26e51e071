"""The registry's data model, in RDF with standard vocabularies: the reads over it (`Catalog`,
`VersionInfo`, `Community`) and the quads that write it (`version_description`,
`resource_descriptor`, `Catalog.series_changes`, `Catalog.current_version_change`), which
`registry.publishing.service` commits.

* a *community* (`foaf:Organization`) owns IRI namespaces (`reg:namespace`);
* a *profile* series (`prof:Profile`, `dcat:Resource`) has versions (`dcat:hasVersion`,
  `dcat:hasCurrentVersion`); each version (`prof:Profile`, `dcat:version`, `dcat:previousVersion`,
  `adms:status`) has resource descriptors (`prof:hasResource` → `prof:ResourceDescriptor` with
  `prof:hasRole` role:validation / role:vocabulary / role:schema / role:example / role:guidance,
  `dct:format`, `dct:conformsTo`, `prof:hasArtifact`) and `prof:isProfileOf` a base profile version;
* a *vocabulary* series (`dcat:Dataset` whose `foaf:primaryTopic` is a `skos:ConceptScheme`) has
  versions the same way.

W3C PROF (https://www.w3.org/TR/dx-prof/) section 5; DCAT 3 (https://www.w3.org/TR/vocab-dcat-3/)
section 11 (versioning); ADMS status for draft / published / deprecated.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.errors import NotFound
from registry.ids import SemVer, check_id
from registry.namespaces import (
    ADMS, DCAT, DCTERMS, PROF, RDF, REG, SPARQL_PREFIXES, STATUS_IRIS, STATUS_NAMES, XSD, IriScheme, node as _n,
)
from registry.store.base import RegistryStore

PUBLIC_STATUSES = ("published", "deprecated")


def _text(term) -> str | None:
    return term.value if term is not None else None


def lang_map(rows, key: str) -> dict[str, str]:
    """Language tag ('' for none) → text, the first value per language, from SELECT rows."""
    out: dict[str, str] = {}
    for row in rows:
        term = row.get(key)
        if isinstance(term, ox.Literal):
            out.setdefault(term.language or "", term.value)
    return out


@dataclass
class Community:
    id: str
    iri: str
    name: str
    namespaces: list[str]
    #: weight of the SKOS integrity conditions for this community's vocabularies: "warn" (default)
    #: or "strict" (`registry.publishing.skos_checks.POLICIES`); `reg:skosIntegrity` in the catalog
    skos_integrity: str = "warn"

    def owns(self, iri: str) -> bool:
        return any(iri.startswith(ns) for ns in self.namespaces)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "iri": self.iri, "name": self.name, "namespaces": self.namespaces,
                "skos_integrity": self.skos_integrity}


@dataclass
class VersionInfo:
    """One version of a profile or vocabulary, as the catalog describes it."""

    kind: str  # "profile" | "vocabulary"
    id: str
    version: str
    iri: str
    series_iri: str
    status: str
    community: str
    issued: str | None = None
    modified: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    content_hash: str | None = None
    graph: str | None = None  # shapes graph (profile) or concepts graph (vocabulary)
    context_graph: str | None = None
    previous_version: str | None = None
    is_profile_of: str | None = None  # IRI of the base profile version
    scheme: str | None = None  # vocabulary: the skos:ConceptScheme IRI
    schemes: list[str] = field(default_factory=list)  # vocabulary: every concept scheme of the version
    vocabularies: list[str] = field(default_factory=list)  # profile: vocabulary version IRIs used
    triples: int | None = None

    @property
    def public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def to_json(self) -> dict[str, Any]:
        out = {key: getattr(self, key) for key in _JSON_KEYS}
        renamed = _PROFILE_JSON_KEYS if self.kind == "profile" else _VOCABULARY_JSON_KEYS
        out.update({key: getattr(self, attribute) for key, attribute in renamed.items()})
        return out


#: what `VersionInfo.to_json` says of every version (the attributes of the same name), then of a
#: profile or vocabulary version (JSON key → attribute)
_JSON_KEYS = ("id", "version", "iri", "status", "community", "issued", "modified", "title", "description",
              "content_hash", "previous_version")
_PROFILE_JSON_KEYS = {"shapes_graph": "graph", "is_profile_of": "is_profile_of", "vocabularies": "vocabularies",
                      "context": "context_graph"}
_VOCABULARY_JSON_KEYS = {"concept_scheme": "scheme", "concept_schemes": "schemes", "concepts_graph": "graph",
                         "triples": "triples"}


class Catalog:
    """Reads of the catalog. Cheap queries over the catalog and version graphs."""

    def __init__(self, store: RegistryStore, iris: IriScheme):
        self.store = store
        self.iris = iris

    # --- communities ---------------------------------------------------------------------------

    def communities(self) -> list[Community]:
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?c ?id ?name ?ns ?policy WHERE { GRAPH $catalog {
                   ?c a foaf:Organization ; dct:identifier ?id ; foaf:name ?name .
                   OPTIONAL { ?c reg:namespace ?ns }
                   OPTIONAL { ?c reg:skosIntegrity ?policy } } } ORDER BY ?id ?ns""",
            bindings={"catalog": ox.NamedNode(self.iris.catalog)},
            union_default_graph=True,
        )
        by_id: dict[str, Community] = {}
        for row in rows:
            cid = row["id"].value
            community = by_id.setdefault(cid, Community(cid, row["c"].value, row["name"].value, []))
            if "policy" in row:
                community.skos_integrity = row["policy"].value
            if "ns" in row and row["ns"].value not in community.namespaces:
                community.namespaces.append(row["ns"].value)
        return list(by_id.values())

    def community(self, cid: str) -> Community:
        check_id(cid, "community id")
        for community in self.communities():
            if community.id == cid:
                return community
        raise NotFound(f"no community {cid!r}", code="community-not-found")

    def community_of_namespace(self, iri: str) -> Community | None:
        for community in self.communities():
            if community.owns(iri) or any(ns.startswith(iri) for ns in community.namespaces):
                return community
        return None

    # --- versions ------------------------------------------------------------------------------

    def _series_iri(self, kind: str, sid: str) -> str:
        return self.iris.profile(sid) if kind == "profile" else self.iris.vocabulary(sid)

    def versions(self, kind: str, sid: str, *, include_drafts: bool = True) -> list[VersionInfo]:
        """All versions of a series, oldest first (SemVer precedence)."""
        check_id(sid, f"{kind} id")
        series = self._series_iri(kind, sid)
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?v ?version ?status ?publisher ?issued ?modified ?hash ?graph ?ctx ?prev ?base ?scheme ?triples
                 WHERE { GRAPH ?v {
                   $series dcat:hasVersion ?v .
                   ?v dcat:version ?version ; adms:status ?status ; dct:publisher ?publisher .
                   OPTIONAL { ?v dct:issued ?issued }
                   OPTIONAL { ?v dct:modified ?modified }
                   OPTIONAL { ?v reg:contentHash ?hash }
                   OPTIONAL { ?v reg:graph ?graph }
                   OPTIONAL { ?v reg:contextGraph ?ctx }
                   OPTIONAL { ?v dcat:previousVersion ?prev }
                   OPTIONAL { ?v prof:isProfileOf ?base }
                   OPTIONAL { ?v foaf:primaryTopic ?scheme }
                   OPTIONAL { ?v void:triples ?triples }
                 } }""",
            bindings={"series": ox.NamedNode(series)},
            union_default_graph=True,
        )
        if not rows:
            return []
        communities = {c.iri: c.id for c in self.communities()}
        labels = self._labels([row["v"].value for row in rows])
        vocab_links = self._vocabulary_links([row["v"].value for row in rows]) if kind == "profile" else {}
        schemes = self._schemes(series) if kind == "vocabulary" else {}
        out = []
        for row in rows:
            status = STATUS_NAMES.get(row["status"].value, "draft")
            if not include_drafts and status == "draft":
                continue
            v = row["v"].value
            out.append(
                VersionInfo(
                    kind=kind,
                    id=sid,
                    version=row["version"].value,
                    iri=v,
                    series_iri=series,
                    status=status,
                    community=communities.get(row["publisher"].value, row["publisher"].value),
                    issued=_text(row.get("issued")),
                    modified=_text(row.get("modified")),
                    title=labels.get(v, {}).get("title", {}),
                    description=labels.get(v, {}).get("description", {}),
                    content_hash=_text(row.get("hash")),
                    graph=_text(row.get("graph")),
                    context_graph=_text(row.get("ctx")),
                    previous_version=_text(row.get("prev")),
                    is_profile_of=_text(row.get("base")),
                    scheme=_text(row.get("scheme")),
                    schemes=schemes.get(v) or ([_text(row.get("scheme"))] if row.get("scheme") is not None else []),
                    vocabularies=vocab_links.get(v, []),
                    triples=int(row["triples"].value) if row.get("triples") is not None else None,
                )
            )
        out.sort(key=lambda info: SemVer(info.version))
        return out

    def _schemes(self, series: str) -> dict[str, list[str]]:
        """version IRI → every concept scheme of that vocabulary version (`reg:conceptScheme`)."""
        rows = self.store.select(
            SPARQL_PREFIXES + "SELECT ?v ?s WHERE { GRAPH ?v { $series dcat:hasVersion ?v . ?v reg:conceptScheme ?s } }",
            bindings={"series": ox.NamedNode(series)},
            union_default_graph=True,
        )
        out: dict[str, list[str]] = {}
        for row in rows:
            out.setdefault(row["v"].value, []).append(row["s"].value)
        return {v: sorted(s) for v, s in out.items()}

    def _labels(self, version_iris: list[str]) -> dict[str, dict[str, dict[str, str]]]:
        out: dict[str, dict[str, dict[str, str]]] = {}
        for v in version_iris:
            rows = self.store.select(
                SPARQL_PREFIXES
                + "SELECT ?t ?d WHERE { { $v dct:title ?t } UNION { $v dct:description ?d } }",
                bindings={"v": ox.NamedNode(v)},
                default_graph=[v],
            )
            out[v] = {"title": lang_map(rows, "t"), "description": lang_map(rows, "d")}
        return out

    def _vocabulary_links(self, version_iris: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for v in version_iris:
            rows = self.store.select(
                SPARQL_PREFIXES
                + """SELECT DISTINCT ?voc WHERE { $v prof:hasResource ?r . ?r prof:hasRole role:vocabulary ;
                       prof:hasArtifact ?voc } ORDER BY ?voc""",
                bindings={"v": ox.NamedNode(v)},
                default_graph=[v],
            )
            out[v] = [row["voc"].value for row in rows]
        return out

    def version(self, kind: str, sid: str, version: str | None = None, *, include_drafts: bool = True) -> VersionInfo:
        """One version; `None` means the latest published (then deprecated) one."""
        versions = self.versions(kind, sid)
        if not versions:
            raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")
        if version is None:
            latest = self.latest(versions)
            if latest is None:
                raise NotFound(f"{kind} {sid!r} has no published version", code="version-not-found")
            return latest
        SemVer(version)
        for info in versions:
            if info.version == version and (include_drafts or info.public):
                return info
        raise NotFound(f"{kind} {sid!r} has no version {version!r}", code="version-not-found")

    @staticmethod
    def latest(versions: list[VersionInfo]) -> VersionInfo | None:
        published = [v for v in versions if v.status == "published"]
        if published:
            return published[-1]
        deprecated = [v for v in versions if v.status == "deprecated"]
        return deprecated[-1] if deprecated else None

    def version_by_iri(self, iri: str) -> VersionInfo | None:
        for kind, prefix in (("profile", self.iris.base + "profiles/"), ("vocabulary", self.iris.base + "vocabularies/")):
            if iri.startswith(prefix):
                rest = iri[len(prefix):].split("/")
                if len(rest) == 2:
                    try:
                        return self.version(kind, rest[0], rest[1])
                    except Exception:
                        return None
        return None

    # --- series --------------------------------------------------------------------------------

    def series_ids(self, kind: str, *, include_drafts: bool = False) -> list[str]:
        cls = "prof:Profile" if kind == "profile" else "dcat:Dataset"
        prefix = self.iris.profile("") if kind == "profile" else self.iris.vocabulary("")
        rows = self.store.select(
            SPARQL_PREFIXES
            + f"SELECT ?id WHERE {{ GRAPH $catalog {{ ?s a {cls} ; dct:identifier ?id . "
            "FILTER(STRSTARTS(STR(?s), $prefix)) } } ORDER BY ?id",
            bindings={"catalog": ox.NamedNode(self.iris.catalog), "prefix": ox.Literal(prefix)},
            union_default_graph=True,
        )
        ids = [row["id"].value for row in rows]
        if include_drafts:
            # a series with drafts only is not in the catalog graph: its drafts' own graphs name it
            drafts = self.store.select(
                SPARQL_PREFIXES
                + f"SELECT DISTINCT ?s WHERE {{ GRAPH ?v {{ ?s dcat:hasVersion ?v . ?v a {cls} }} "
                "FILTER(STRSTARTS(STR(?s), $prefix)) }",
                bindings={"prefix": ox.Literal(prefix)},
                union_default_graph=True,
            )
            ids = sorted(set(ids) | {row["s"].value[len(prefix):] for row in drafts})
        return ids

    def series_community(self, kind: str, sid: str) -> str | None:
        """The community owning a series: from the catalog graph once a version is published,
        otherwise from its drafts' own graphs."""
        series = ox.NamedNode(self._series_iri(kind, sid))
        rows = self.store.select(
            SPARQL_PREFIXES + "SELECT ?c WHERE { GRAPH $catalog { $s dct:publisher ?c } }",
            bindings={"catalog": ox.NamedNode(self.iris.catalog), "s": series},
            union_default_graph=True,
        ) or self.store.select(
            SPARQL_PREFIXES + "SELECT ?c WHERE { GRAPH ?v { $s dcat:hasVersion ?v . ?v dct:publisher ?c } } LIMIT 1",
            bindings={"s": series},
            union_default_graph=True,
        )
        return rows[0]["c"].value if rows else None

    def summaries(self, kind: str, *, include_drafts: bool = False) -> list[dict[str, Any]]:
        out = []
        for sid in self.series_ids(kind):
            versions = self.versions(kind, sid)
            visible = [v for v in versions if include_drafts or v.public]
            if not visible:
                continue
            latest = self.latest(versions) or visible[-1]
            item = {
                "id": sid,
                "iri": self._series_iri(kind, sid),
                "title": latest.title,
                "description": latest.description,
                "community": latest.community,
                "latest_version": latest.version if latest.public else None,
                "versions": [{"version": v.version, "status": v.status, "iri": v.iri} for v in visible],
            }
            if kind == "profile":
                item["is_profile_of"] = latest.is_profile_of
            else:
                item["concept_scheme"] = latest.scheme
            out.append(item)
        return out

    # --- what validation, SPARQL and linked data need ------------------------------------------

    def profile_chain(self, pid: str, version: str | None = None) -> list[VersionInfo]:
        """The profile version and every profile version it is `prof:isProfileOf`, transitively
        (nearest first). Cycles cannot be published, but are cut here anyway."""
        chain = [self.version("profile", pid, version)]
        seen = {chain[0].iri}
        while chain[-1].is_profile_of:
            base = self.version_by_iri(chain[-1].is_profile_of)
            if base is None or base.iri in seen:
                break
            seen.add(base.iri)
            chain.append(base)
        return chain

    def vocabulary_findings(self, version_iri: str) -> list[dict[str, Any]]:
        """The warnings a vocabulary version was published with (`reg:findings`, an rdf:JSON
        literal in its metadata graph), each with `messages` in French and English."""
        rows = self.store.select(
            "SELECT ?j WHERE { $v $p ?j } LIMIT 1",
            bindings={"v": ox.NamedNode(version_iri), "p": ox.NamedNode(str(REG.findings))},
            default_graph=[version_iri],
        )
        if not rows:
            return []
        try:
            return json.loads(rows[0]["j"].value)
        except ValueError:
            return []

    def published_schemes(self) -> dict[str, VersionInfo]:
        """Concept scheme IRI → latest published version of the vocabulary that holds it (every
        scheme of a multi-scheme vocabulary, e.g. each of PhySH's facets)."""
        out: dict[str, VersionInfo] = {}
        for vid in self.series_ids("vocabulary"):
            latest = self.latest(self.versions("vocabulary", vid))
            if latest is not None:
                for scheme in latest.schemes:
                    out[scheme] = latest
        return out

    def public_graphs(self) -> list[str]:
        """Graphs anyone may read: the catalog, and the metadata and artifact graphs of every
        published or deprecated version. Drafts and the system graph never appear."""
        return sorted(self._version_graphs(public_only=True))

    def referenced_graphs(self) -> set[str]:
        """Every graph the catalog points at (any status); anything else is an orphan."""
        return self._version_graphs(public_only=False)

    def _version_graphs(self, *, public_only: bool) -> set[str]:
        status_filter = "FILTER(?status IN ($published, $deprecated))" if public_only else ""
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?v ?g ?ctx ?ex WHERE { GRAPH ?v { ?series dcat:hasVersion ?v . ?v adms:status ?status .
                   OPTIONAL { ?v reg:graph ?g } OPTIONAL { ?v reg:contextGraph ?ctx }
                   OPTIONAL { ?v reg:exampleGraph ?ex } } """
            + status_filter
            + " }",
            bindings={
                "published": ox.NamedNode(STATUS_IRIS["published"]),
                "deprecated": ox.NamedNode(STATUS_IRIS["deprecated"]),
            },
            union_default_graph=True,
        )
        graphs = {self.iris.catalog}
        for row in rows:
            for key in ("v", "g", "ctx", "ex"):
                if key in row:
                    graphs.add(row[key].value)
        return graphs

    # --- writes: what publication commits (registry.publishing.service) ----------------------

    def current_version_change(self, kind: str, sid: str, *, override: dict[str, str], extra: dict | None = None):
        """Quads to delete/insert so `dcat:hasCurrentVersion` names the latest published version."""
        series_iri = self.iris.profile(sid) if kind == "profile" else self.iris.vocabulary(sid)
        catalog = _n(self.iris.catalog)
        versions = {v.iri: (v.version, override.get(v.iri, v.status)) for v in self.versions(kind, sid)}
        for iri, item in (extra or {}).items():
            versions[iri] = (item.version, override.get(iri, item.status))
        published = [(SemVer(ver), iri) for iri, (ver, status) in versions.items() if status == "published"]
        current = max(published)[1] if published else None
        rows = self.store.select(
            "SELECT ?c WHERE { $s <http://www.w3.org/ns/dcat#hasCurrentVersion> ?c }",
            bindings={"s": _n(series_iri)},
            default_graph=[self.iris.catalog],
        )
        old = [row["c"].value for row in rows]
        delete = [ox.Quad(_n(series_iri), _n(DCAT.hasCurrentVersion), _n(o), catalog) for o in old if o != current]
        insert = [ox.Quad(_n(series_iri), _n(DCAT.hasCurrentVersion), _n(current), catalog)] if current and current not in old else []
        return delete, insert

    def series_changes(self, kind, sid, community, title, description, published, base_series=None):
        """Catalog-graph quads of a series. The series appears in the public catalog graph only
        with a published version (a draft-only series is known from its draft's own graph), and
        what it says (title, description, base profile) changes only with a published version."""
        series = _n(self.iris.profile(sid) if kind == "profile" else self.iris.vocabulary(sid))
        catalog = _n(self.iris.catalog)
        insert: list[ox.Quad] = []
        delete: list[ox.Quad] = []
        if not published:
            return insert, delete
        types = [PROF.Profile, DCAT.Resource] if kind == "profile" else [DCAT.Dataset, DCAT.Resource]
        insert += [ox.Quad(series, _n(RDF.type), _n(t), catalog) for t in types]
        insert += [
            ox.Quad(series, _n(DCTERMS.identifier), ox.Literal(sid), catalog),
            ox.Quad(series, _n(DCTERMS.publisher), _n(community.iri), catalog),
            ox.Quad(_n(self.iris.catalog), _n(DCAT.resource), series, catalog),
        ]
        if title or description:
            # the series shows the latest submission's title and description
            for row in self.store.select(
                "SELECT ?p ?o WHERE { $s ?p ?o FILTER(?p IN (<http://purl.org/dc/terms/title>, <http://purl.org/dc/terms/description>)) }",
                bindings={"s": series},
                default_graph=[self.iris.catalog],
            ):
                delete.append(ox.Quad(series, row["p"], row["o"], catalog))
            insert += [ox.Quad(series, _n(p), o, catalog) for _, p, o in label_triples(series, title, description)]
        if base_series:
            insert.append(ox.Quad(series, _n(PROF.isProfileOf), _n(base_series), catalog))
        # never delete and insert the same quad
        keep = set(insert)
        delete = [q for q in delete if q not in keep]
        return insert, delete



def now_literal() -> ox.Literal:
    """The current time as an `xsd:dateTime` literal (UTC, seconds), for `dct:issued` / `dct:modified`."""
    return ox.Literal(datetime.now(timezone.utc).isoformat(timespec="seconds"), datatype=_n(XSD.dateTime))


def version_description(
v, series, cls, sid, version, status, community, digest, graph, previous, title, description
) -> list[tuple]:
    """What every version says of itself (DCAT 3 versioning, ADMS status, provenance)."""
    meta = [
        (series, DCAT.hasVersion, v),
        (v, RDF.type, cls),
        (v, RDF.type, DCAT.Resource),
        (v, DCTERMS.identifier, ox.Literal(f"{sid}@{version}")),
        (v, DCAT.version, ox.Literal(version)),
        (v, DCTERMS.isVersionOf, series),
        (v, ADMS.status, _n(STATUS_IRIS[status])),
        (v, DCTERMS.publisher, _n(community.iri)),
        (v, DCTERMS.issued, now_literal()),
        (v, REG.contentHash, ox.Literal(digest)),
        (v, REG.graph, _n(graph)),
    ]
    if previous is not None:
        meta.append((v, DCAT.previousVersion, _n(previous.iri)))
    return meta + label_triples(v, title, description)


def label_triples(subject, title: dict[str, str], description: dict[str, str]):
    out = []
    for lang, text in title.items():
        out.append((subject, DCTERMS.title, ox.Literal(text, language=lang) if lang else ox.Literal(text)))
    for lang, text in description.items():
        out.append((subject, DCTERMS.description, ox.Literal(text, language=lang) if lang else ox.Literal(text)))
    return out


def resource_descriptor(version_iri: str, name: str, role, artifact: str, media: str | None, conforms: str | None):
    d = _n(IriScheme.resource(version_iri, name))
    out = [
        (_n(version_iri), PROF.hasResource, d),
        (d, RDF.type, PROF.ResourceDescriptor),
        (d, PROF.hasRole, role),
        (d, PROF.hasArtifact, _n(artifact)),
    ]
    if media:
        out.append((d, DCTERMS.format, _n(media)))
    if conforms:
        out.append((d, DCTERMS.conformsTo, _n(conforms)))
    return out
