"""A browser following a minted IRI gets the web interface's page of that resource; the
RDF table view stays reachable with an explicit profile."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "foundation" / "data"
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.h1 = [], []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h1:
            self.h1.append(data.strip())


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_minted_profile_iri_opens_the_profile_page(client):
    headers = {"Content-Type": "text/turtle", **client.actors.test}
    assert client.put("/vocabularies/techniques/versions/1.0.0", content=(DATA / "techniques-1.0.0.ttl").read_bytes(), headers=headers).status_code == 201
    assert client.put("/profiles/test-profile/versions/1.0.0", content=(DATA / "shapes-1.0.0.ttl").read_bytes(),
                      headers=headers, params={"title": "Test profile"}).status_code == 201
    page = client.get("/profiles/test-profile/1.0.0", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parsed = _parse(page.text)
    assert any("Test profile" in h for h in parsed.h1)
    text = " ".join(parsed.text)
    assert "titre" in text or "title" in text  # the field table generated from the shapes
    table = client.get("/profiles/test-profile/1.0.0", params={"_profile": "prof"}, headers=HTML)
    assert table.status_code == 200
    assert "http://www.w3.org/ns/dx/prof/hasResource" in table.text  # the RDF view of the same IRI
    rdf = client.get("/profiles/test-profile/1.0.0", headers={"Accept": "text/turtle"})
    assert rdf.headers["content-type"].startswith("text/turtle")
