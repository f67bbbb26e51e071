"""Every link the server emits works when followed (issue 12, item 10).

From each kind of resource (catalog, series, profile version, shapes, vocabulary version,
concepts, community, a concept through `/resource`, VoID), the test collects the links the server
itself writes: the `Link: …; rel="alternate"` header, the `_profile=alt` view in RDF (`altr:`
representations and their `dct:format`) and in HTML (the hrefs of the page). Each one is followed
as a client would (its query decoded by the standard form rules, where a raw `+` is a space) and
must answer 200 with the advertised media type, and parse as that syntax. The dataset syntaxes
(N-Quads, TriG) must be real datasets: the stored triples come in their named graphs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import httpx
import pyoxigraph as ox

ALTR = "http://www.w3.org/ns/dx/conneg/altr#"
DCT_FORMAT = "http://purl.org/dc/terms/format"
TECH = "https://w3id.org/test/technique/"
DATASET_TYPES = {"application/n-quads", "application/trig"}
LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[a-zA-Z-]+="[^"]*")*)')
PARAM = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def start_paths() -> list[str]:
    return [
        "catalog",
        "profiles/test-profile",
        "profiles/test-profile/1.0.0",
        "profiles/test-profile/1.0.0/shapes",
        "vocabularies/techniques",
        "vocabularies/techniques/1.0.0",
        "vocabularies/techniques/1.0.0/concepts",
        "communities/test",
        "resource?iri=" + quote(TECH + "tem", safe=""),
        ".well-known/void",
    ]


def header_links(response: httpx.Response) -> list[tuple[str, str]]:
    """(url, type) of every rel="alternate" in the Link header(s)."""
    out = []
    for value in response.headers.get_list("link"):
        for url, params in LINK.findall(value):
            attrs = dict(PARAM.findall(params))
            if attrs.get("rel") == "alternate":
                out.append((url, attrs["type"]))
    return out


def alt_links(response: httpx.Response, url: str) -> list[tuple[str, str]]:
    """(representation, dct:format) of the `_profile=alt` view in Turtle."""
    quads = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE, base_iri=url))
    reps = {q.object.value for q in quads if q.predicate.value == ALTR + "hasRepresentation"}
    defaults = {q.object.value for q in quads if q.predicate.value == ALTR + "hasDefaultRepresentation"}
    formats = {q.subject.value: q.object.value for q in quads if q.predicate.value == DCT_FORMAT}
    assert reps and defaults and defaults <= reps, "the alt view lists the representations and the default one"
    return [(rep, formats[rep]) for rep in sorted(reps)]


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def html_links(response: httpx.Response, base: str) -> list[tuple[str, str]]:
    """The page's links to other representations of the resource (`_profile` in the query)."""
    parser = _Hrefs()
    parser.feed(response.text)
    out = []
    for href in parser.hrefs:
        absolute = urljoin(str(response.url), href)
        if absolute.startswith(base) and "_profile" in parse_qs(urlsplit(absolute).query):
            media = parse_qs(urlsplit(absolute).query).get("_mediatype", ["text/html"])[0]
            out.append((absolute, media))
    return out


def follow(url: str, media: str, server_base: str) -> None:
    response = httpx.get(url, headers={"Accept": "text/html"} if media == "text/html" else {}, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert response.headers["content-type"].split(";")[0] == media, (url, response.headers["content-type"])
    if media == "text/html":
        assert "<html" in response.text.lower(), url
        return
    query = parse_qs(urlsplit(url).query)
    if "_mediatype" in query:  # what a standard client reads back from the link is the type advertised
        assert query["_mediatype"] == [media], (url, query["_mediatype"])
    quads = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media), base_iri=url))
    assert quads, url
    if media in DATASET_TYPES and "_profile=alt" not in url and ".well-known/void" not in url:
        graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert graphs, f"{url}: a dataset syntax names the graphs the triples are stored in"
        assert all(g.startswith(server_base) for g in graphs), graphs


def test_every_link_the_server_emits_works(registry_server):
    base = registry_server.base
    followed: dict[tuple[str, str], str] = {}
    kinds_seen = set()
    for path in start_paths():
        url = base + path
        plain = httpx.get(url, headers={"Accept": "text/turtle"}, timeout=30)
        assert plain.status_code == 200, (url, plain.text[:300])
        links = header_links(plain)
        assert links, f"{url}: no alternate links"
        alt = httpx.get(url + ("&" if "?" in url else "?") + "_profile=alt", headers={"Accept": "text/turtle"}, timeout=30)
        assert alt.status_code == 200, (url, alt.text[:300])
        links += header_links(alt) + alt_links(alt, url)
        alt_html = httpx.get(alt.url, headers={"Accept": "text/html"}, timeout=30)
        assert alt_html.status_code == 200 and alt_html.headers["content-type"].startswith("text/html")
        page_links = html_links(alt_html, base)
        assert page_links, f"{url}: the HTML alt view links to the representations"
        links += page_links
        for link, media in links:
            kinds_seen.add(media)
            if (link, media) not in followed:
                follow(link, media, base)
                followed[(link, media)] = path
    assert {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
            "application/n-quads", "application/trig", "text/html"} <= kinds_seen
    assert len(followed) > 100, len(followed)


def test_a_raw_plus_in_mediatype_is_still_understood(registry_server):
    """Links written before the fix (a raw `+`, read back as a space) still work."""
    r = httpx.get(registry_server.base + "catalog?_profile=dcat&_mediatype=application/ld+json", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert list(ox.parse(r.content, format=ox.RdfFormat.JSON_LD))


def test_nquads_and_trig_keep_graph_names(registry_server):
    base = registry_server.base
    version = base + "profiles/test-profile/1.0.0"
    for media, fmt in (("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG)):
        r = httpx.get(version, params={"_profile": "shacl"}, headers={"Accept": media}, timeout=30)
        assert r.headers["content-type"].startswith(media)
        quads = list(ox.parse(r.content, format=fmt))
        assert {q.graph_name.value for q in quads} == {version + "/shapes"}
        r = httpx.get(version, headers={"Accept": media}, timeout=30)
        quads = list(ox.parse(r.content, format=fmt))
        assert {q.graph_name.value for q in quads} == {version}
        # the catalog: each stored triple in its graph, what is computed in the default graph
        r = httpx.get(base + "catalog", headers={"Accept": media}, timeout=30)
        quads = list(ox.parse(r.content, format=fmt))
        named = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert {base + "catalog", version, base + "vocabularies/techniques/1.0.0"} <= named
        assert any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
