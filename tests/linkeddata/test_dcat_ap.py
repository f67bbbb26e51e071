"""The DCAT catalog a harvester reads (issue 12, item 11): DCAT-AP 3 conformant, every version a
`dcat:Dataset` with distributions that can be downloaded.

The catalog is fetched from a running registry and validated with pyshacl against
`data/dcat-ap-3-shapes.ttl` (DCAT-AP 3.0's constraints on Catalogue, Dataset, Distribution and
Data Service, see its header for the source); then every `dcat:downloadURL` is followed and parsed
as the distribution's `dcat:mediaType`.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import DCAT, RDF

SHAPES = Path(__file__).parent / "data" / "dcat-ap-3-shapes.ttl"
IANA = "https://www.iana.org/assignments/media-types/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def catalog(server) -> rdflib.Graph:
    r = httpx.get(server.base + "catalog", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200, r.text
    return rdflib.Graph().parse(data=r.text, format="turtle")


def test_catalog_conforms_to_dcat_ap_3(registry_server):
    g = catalog(registry_server)
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, report, text = pyshacl.validate(g, shacl_graph=shapes, inference="none", advanced=False,
                                              allow_warnings=False)
    results = list(report.objects(None, SH.result))
    assert conforms and not results, text
    # and the shapes did check something: the catalog, its datasets and their distributions
    base = registry_server.base
    datasets = set(g.objects(rdflib.URIRef(base + "catalog"), DCAT.dataset))
    assert {rdflib.URIRef(base + p) for p in ("profiles/test-profile", "profiles/test-profile/1.0.0",
                                              "vocabularies/techniques", "vocabularies/techniques/1.0.0")} <= datasets
    assert all((d, RDF.type, DCAT.Dataset) in g for d in datasets)
    assert len(set(g.subjects(RDF.type, DCAT.Distribution))) >= 2


def test_the_shapes_catch_what_harvesters_need(registry_server):
    """A distribution without a download URL or media type, a dataset without a description: the
    shapes report them (they are not a test that cannot fail)."""
    g = catalog(registry_server)
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    version = rdflib.URIRef(registry_server.base + "profiles/test-profile/1.0.0")
    dist = next(g.objects(version, DCAT.distribution))
    g.remove((dist, DCAT.downloadURL, None))
    g.remove((dist, DCAT.mediaType, None))
    g.remove((version, rdflib.DCTERMS.description, None))
    conforms, report, _ = pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=False)
    assert not conforms
    paths = {str(report.value(r, SH.resultPath)) for r in report.objects(None, SH.result)}
    assert {str(DCAT.downloadURL), str(DCAT.mediaType), str(rdflib.DCTERMS.description)} <= paths


def test_every_version_has_downloadable_distributions(registry_server):
    g = catalog(registry_server)
    base = registry_server.base
    versions = [rdflib.URIRef(base + "profiles/test-profile/1.0.0"), rdflib.URIRef(base + "vocabularies/techniques/1.0.0")]
    followed = 0
    for version in versions:
        dists = list(g.objects(version, DCAT.distribution))
        assert dists, version
        for dist in dists:
            (media,) = list(g.objects(dist, DCAT.mediaType))
            assert str(media).startswith(IANA)
            media_type = str(media)[len(IANA):]
            for url in g.objects(dist, DCAT.downloadURL):
                r = httpx.get(str(url), timeout=30)  # no Accept: the URL alone says the syntax
                assert r.status_code == 200, (url, r.text[:200])
                assert r.headers["content-type"].split(";")[0] == media_type, url
                if media_type == "application/ld+json" and str(dist).endswith("/context"):
                    assert "@context" in json.loads(r.content), url  # a JSON-LD context document
                else:
                    quads = list(ox.parse(r.content, format=ox.RdfFormat.from_media_type(media_type), base_iri=str(url)))
                    assert len(quads) > 5, url
                followed += 1
    assert followed >= 2
