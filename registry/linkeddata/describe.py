"""What the registry says about each IRI it mints, built from public graphs only; VoID and the
DCAT catalog. Every function returns pyoxigraph quads whose graph name is the named graph the
triple is stored in, or the default graph for what is computed here (`rdfout`), so N-Quads and
TriG answers name the graphs (blocking: call from a thread)."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from registry.errors import InvalidInput, NotFound
from registry.linkeddata.rdfout import in_graph
from registry.namespaces import DCAT, DCTERMS, FOAF, RDF, SPARQL_PREFIXES, VOID, XSD

SD = "http://www.w3.org/ns/sparql-service-description#"


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _public_version(registry, kind: str, sid: str, version: str):
    return registry.catalog.version(kind, sid, version, include_drafts=False)


def series(registry, kind: str, sid: str) -> list[ox.Quad]:
    versions = [v for v in registry.catalog.versions(kind, sid) if v.public]
    if not versions:
        raise NotFound(f"no {kind} {sid!r}", code=f"{kind}-not-found")
    iri = versions[0].series_iri
    catalog = registry.iris.catalog
    out = in_graph((t for t in registry.store.triples(catalog) if t.subject.value == iri), catalog)
    latest = registry.catalog.latest(versions)
    for v in versions:  # stored in the version's own graph (docs/architecture.md)
        out += in_graph([ox.Triple(_n(iri), _n(DCAT.hasVersion), _n(v.iri))], v.iri)
    current = ox.Triple(_n(iri), _n(DCAT.hasCurrentVersion), _n(latest.iri)) if latest is not None else None
    if current is not None and all(q.triple != current for q in out):
        out += in_graph([current], None)
    return out


def version(registry, kind: str, sid: str, ver: str) -> list[ox.Quad]:
    iri = _public_version(registry, kind, sid, ver).iri
    return in_graph(registry.store.triples(iri), iri)


def artifact(registry, kind: str, sid: str, ver: str) -> list[ox.Quad]:
    info = _public_version(registry, kind, sid, ver)
    return in_graph(registry.store.triples(info.graph), info.graph)


def example(registry, sid: str, ver: str, name: str) -> list[ox.Quad]:
    """An example record stored with a public profile version (issue 17, item 5)."""
    from registry.evolution.records import example_graphs

    info = _public_version(registry, "profile", sid, ver)
    graph = example_graphs(registry.store, info.iri).get(name) if info.public else None  # a draft's: not public
    if graph is None:
        raise NotFound(f"profile {sid} {ver} has no example record {name!r}", code="example-not-found")
    return in_graph(registry.store.triples(graph), graph)


def context_json(registry, sid: str, ver: str) -> str:
    info = _public_version(registry, "profile", sid, ver)
    if info.context_graph:
        for t in registry.store.triples(info.context_graph):
            if isinstance(t.object, ox.Literal):
                return t.object.value
    raise NotFound(f"profile {sid} {ver} has no JSON-LD context", code="context-not-found")


def community(registry, cid: str) -> list[ox.Quad]:
    c = registry.catalog.community(cid)
    catalog = registry.iris.catalog
    return in_graph((t for t in registry.store.triples(catalog) if t.subject.value == c.iri), catalog)


def resource(registry, iri: str) -> list[ox.Quad]:
    """Every triple about `iri` in the public graphs (concepts, shapes, anything published), in
    the graph that holds it."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise InvalidInput(f"not an IRI: {iri!r}", code="invalid-iri") from None
    public = set(registry.catalog.public_graphs())
    rows = registry.store.select("SELECT ?g ?p ?o WHERE { GRAPH ?g { $s ?p ?o } }", bindings={"s": node})
    quads = [ox.Quad(node, row["p"], row["o"], row["g"]) for row in rows if row["g"].value in public]
    if not quads:
        raise NotFound(f"nothing public is said about <{iri}>", code="resource-not-found")
    return quads


def _service(registry) -> list[ox.Triple]:
    s, base = _n(registry.iris.sparql), registry.iris.base
    return [
        ox.Triple(s, _n(RDF.type), _n(DCAT.DataService)),
        ox.Triple(s, _n(DCTERMS.title), ox.Literal("SPARQL endpoint of the profile registry", language="en")),
        ox.Triple(s, _n(DCAT.endpointURL), s),
        ox.Triple(s, _n(DCAT.endpointDescription), s),
        ox.Triple(s, _n(DCTERMS.conformsTo), _n("https://www.w3.org/TR/sparql11-protocol/")),
        ox.Triple(s, _n(DCAT.servesDataset), _n(base + "catalog")),
    ]


IANA_MEDIA = "https://www.iana.org/assignments/media-types/"  # IANA media type registry (RFC 6838)


def _distribution(version_iri: str, artifact: str, media: str, spec: str, what: str, download: str) -> list[ox.Triple]:
    """A `dcat:Distribution` of a version: the artifact graph, where to get it and in which syntax
    (DCAT 3 §6.8; DCAT-AP 3 Distribution: `dcat:accessURL` mandatory, `dcat:downloadURL`,
    `dcat:mediaType` an IANA media type IRI, `dct:format`, `dct:description` recommended)."""
    dist, media_iri = _n(artifact), _n(IANA_MEDIA + media)
    return [
        ox.Triple(_n(version_iri), _n(DCAT.distribution), dist),
        ox.Triple(dist, _n(RDF.type), _n(DCAT.Distribution)),
        ox.Triple(dist, _n(DCAT.accessURL), dist),
        ox.Triple(dist, _n(DCAT.downloadURL), _n(download)),
        ox.Triple(dist, _n(DCAT.mediaType), media_iri),
        ox.Triple(dist, _n(DCTERMS.format), media_iri),
        ox.Triple(media_iri, _n(RDF.type), _n(DCTERMS.MediaType)),
        ox.Triple(media_iri, _n(RDF.type), _n(DCTERMS.MediaTypeOrExtent)),
        ox.Triple(dist, _n(DCTERMS.conformsTo), _n(spec)),
        ox.Triple(_n(spec), _n(RDF.type), _n(DCTERMS.Standard)),
        ox.Triple(dist, _n(DCTERMS.title), ox.Literal(what, language="en")),
        ox.Triple(dist, _n(DCTERMS.description), ox.Literal(f"{what} of {version_iri}", language="en")),
    ]


def distributions(info) -> list[ox.Triple]:
    """The downloadable artifacts of a public version: the shapes graph (Turtle) and the JSON-LD
    context of a profile version, the concept scheme (Turtle) of a vocabulary version. The download
    URL names its syntax (`?_mediatype=`), so no content negotiation is needed to get it."""
    from urllib.parse import urlencode

    from registry.publishing.service import JSONLD_SPEC, SHACL_SPEC, SKOS_SPEC

    turtle = "?" + urlencode({"_mediatype": "text/turtle"})
    out: list[ox.Triple] = []
    if info.graph:
        if info.kind == "profile":
            out += _distribution(info.iri, info.graph, "text/turtle", SHACL_SPEC, "SHACL shapes graph (Turtle)", info.graph + turtle)
        else:
            out += _distribution(info.iri, info.graph, "text/turtle", SKOS_SPEC, "SKOS concept scheme (Turtle)", info.graph + turtle)
    if info.context_graph:  # served as application/ld+json, always
        out += _distribution(info.iri, info.context_graph, "application/ld+json", JSONLD_SPEC, "JSON-LD context",
                             info.context_graph)
    return out


def _as_dataset(registry, iri: str, kind: str, label: str, stored: list) -> list[ox.Triple]:
    """What makes a series or version a DCAT-AP 3 Dataset in the catalog: `dcat:Dataset` (a profile
    is a `prof:Profile`, and DCAT-AP harvesters only follow `dcat:dataset`), and, when its
    publisher gave none, a title and a description saying what it is (both are mandatory)."""
    node = _n(iri)
    have = {q.predicate.value for q in stored if q.subject == node}
    out = [ox.Triple(node, _n(RDF.type), _n(DCAT.Dataset))]
    if str(DCTERMS.title) not in have:
        out.append(ox.Triple(node, _n(DCTERMS.title), ox.Literal(label)))
    if str(DCTERMS.description) not in have:
        out.append(ox.Triple(node, _n(DCTERMS.description), ox.Literal(
            f"{'Profile' if kind == 'profile' else 'Vocabulary'} {label}, published in the registry {registry.iris.base}",
            language="en")))
    return out


def dcat_catalog(registry) -> list[ox.Quad | ox.Triple]:
    """A DCAT 3 catalog of everything published, for harvesters (DCAT-AP 3, checked in
    tests/linkeddata/test_dcat_ap.py): every series and public version is a `dcat:Dataset` the
    catalog lists with `dcat:dataset`; every version has its distributions (download URL, IANA
    media type); the SPARQL endpoint is the `dcat:DataService`. What is stored keeps its graph;
    what is computed here is a triple (the default graph)."""
    cat = _n(registry.iris.catalog)
    catalog_graph = registry.iris.catalog
    publisher = _n(registry.iris.catalog + "#publisher")
    out: list[ox.Quad | ox.Triple] = [
        ox.Triple(cat, _n(RDF.type), _n(DCAT.Catalog)),
        ox.Triple(cat, _n(RDF.type), _n(DCAT.Dataset)),  # DCAT 3 §6.2: dcat:Catalog ⊑ dcat:Dataset
        ox.Triple(cat, _n(DCTERMS.title), ox.Literal("Research metadata profile registry", language="en")),
        ox.Triple(cat, _n(DCTERMS.description), ox.Literal(
            "The metadata profiles (SHACL shapes, PROF) and SKOS vocabularies published in this registry, "
            "every version with its downloadable artifacts", language="en")),
        ox.Triple(cat, _n(DCTERMS.publisher), publisher),
        ox.Triple(publisher, _n(RDF.type), _n(FOAF.Agent)),
        ox.Triple(publisher, _n(FOAF.name), ox.Literal(f"The operator of the registry at {registry.iris.base}", language="en")),
        ox.Triple(cat, _n(DCAT.service), _n(registry.iris.sparql)),
    ]
    out += _service(registry)
    for kind in ("profile", "vocabulary"):
        for sid in registry.catalog.series_ids(kind):
            try:
                quads = series(registry, kind, sid)
            except NotFound:
                continue  # no public version: not in the public catalog
            series_iri = registry.iris.profile(sid) if kind == "profile" else registry.iris.vocabulary(sid)
            out.append(ox.Triple(cat, _n(DCAT.resource), _n(series_iri)))
            out.append(ox.Triple(cat, _n(DCAT.dataset), _n(series_iri)))
            out += quads
            out += _as_dataset(registry, series_iri, kind, sid, quads)
            for info in registry.catalog.versions(kind, sid):
                if not info.public:
                    continue
                stored = in_graph(registry.store.triples(info.iri), info.iri)
                out.append(ox.Triple(cat, _n(DCAT.resource), _n(info.iri)))
                out.append(ox.Triple(cat, _n(DCAT.dataset), _n(info.iri)))
                out += stored
                out += _as_dataset(registry, info.iri, kind, f"{sid} {info.version}", stored)
                out += distributions(info)
    for c in registry.catalog.communities():
        out += in_graph((t for t in registry.store.triples(catalog_graph) if t.subject.value == c.iri), catalog_graph)
        out.append(ox.Triple(_n(c.iri), _n(RDF.type), _n(FOAF.Agent)))  # a foaf:Organization is a foaf:Agent
    return list(dict.fromkeys(out))


def void(registry) -> list[ox.Triple]:
    """VoID description (https://www.w3.org/TR/void/): the registry as a dataset of subsets."""
    base = registry.iris.base
    ds = _n(base + ".well-known/void#registry")
    out = [
        ox.Triple(ds, _n(RDF.type), _n(VOID.Dataset)),
        ox.Triple(ds, _n(DCTERMS.title), ox.Literal("Research metadata profile registry", language="en")),
        ox.Triple(ds, _n(VOID.sparqlEndpoint), _n(registry.iris.sparql)),
        ox.Triple(ds, _n(VOID.uriSpace), ox.Literal(base)),
        ox.Triple(ds, _n(VOID.rootResource), _n(registry.iris.catalog)),
        ox.Triple(ds, _n(FOAF.homepage), _n(base)),
    ]
    for graph in registry.catalog.public_graphs():
        sub = _n(graph)
        out += [
            ox.Triple(ds, _n(VOID.subset), sub),
            ox.Triple(sub, _n(RDF.type), _n(VOID.Dataset)),
            ox.Triple(sub, _n(VOID.dataDump), _n(f"{base}graphs?graph={quote(graph, safe='')}")),
        ]
    rows = registry.store.select(
        SPARQL_PREFIXES + "SELECT ?g ?n WHERE { ?v reg:graph ?g ; void:triples ?n }",
        default_graph=registry.catalog.public_graphs(),
    )
    for row in rows:
        out.append(ox.Triple(_n(row["g"].value), _n(VOID.triples), ox.Literal(row["n"].value, datatype=_n(XSD.integer))))
    return out
