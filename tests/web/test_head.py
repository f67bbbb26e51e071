"""HEAD wherever GET is (registry/web/head.py; RFC 9110 sections 9.1 and 9.3.2): the same status
and headers as GET, no content. Before, every FastAPI GET route answered HEAD with 405 (the home
page, the catalog, vocabularies, profile versions, block files), which link checkers and catalogs
that probe an IRI with HEAD read as "not readable"."""

from __future__ import annotations

import pytest

ASK = "/sparql?query=ASK%20%7B%7D"
READS = [
    ("/", {}),
    ("/vocabularies", {}),
    ("/vocabularies/technique", {}),
    ("/vocabularies/technique/search?q=sc", {}),
    ("/profiles/electron-microscopy/versions/1.0.0", {"Accept": "text/turtle"}),
    ("/profiles/electron-microscopy/versions/1.0.0/dataverse/block.tsv", {}),
    ("/rest/v1/vocabularies?lang=en", {}),
    ("/ui/profiles/electron-microscopy/2.0.0", {}),
    (ASK, {"Accept": "application/sparql-results+json"}),
]
MISSING = ["/nothing-here", "/profiles/electron-microscopy/versions/9.9.9/dataverse/block.tsv"]
SAME_HEADERS = ("content-type", "content-length", "content-encoding", "link", "vary", "access-control-allow-origin",
                "x-content-type-options", "content-security-policy")


@pytest.mark.parametrize(("path", "headers"), READS)
def test_head_answers_what_get_answers_without_content(bundled_client, path, headers):
    get = bundled_client.get(path, headers=headers, follow_redirects=False)
    head = bundled_client.head(path, headers=headers, follow_redirects=False)
    assert get.status_code == 200, (path, get.status_code, get.text[:300])
    assert head.status_code == 200, (path, head.status_code, head.text[:300])
    assert head.content == b""
    for name in SAME_HEADERS:
        assert head.headers.get(name) == get.headers.get(name), (path, name)
    assert get.content  # GET has content (the length above is of its encoded form, e.g. gzip)


@pytest.mark.parametrize("path", MISSING)
def test_head_of_what_is_not_there_is_the_same_404(bundled_client, path):
    get = bundled_client.get(path)
    head = bundled_client.head(path)
    assert get.status_code == head.status_code == 404
    assert get.json()["status"] == 404  # GET says why (problem+json) ...
    assert head.headers["content-type"] == get.headers["content-type"] == "application/problem+json"
    assert head.content == b""  # ... HEAD only that it is not there


def test_head_of_a_post_only_route_is_refused_like_get(bundled_client):
    get = bundled_client.get("/validate")
    head = bundled_client.head("/validate")
    assert get.status_code == head.status_code == 405
    assert head.headers.get("allow") == get.headers.get("allow")
    assert head.content == b""


def test_no_content_reaches_the_server_for_head(bundled_client):
    """At the ASGI level (what uvicorn or granian is handed): the answer's body messages carry no
    bytes, for a plain answer and a streamed one (SPARQL results). The app is the running one of
    `bundled_client`, called in its event loop."""
    app = bundled_client.app

    async def messages_of(path: str, query: str) -> list[dict]:
        sent: list[dict] = []
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "HEAD",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": [(b"host", b"testserver"), (b"accept", b"application/sparql-results+json")],
                 "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {}}
        requests = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive() -> dict:
            return next(requests, {"type": "http.disconnect"})

        async def send(message: dict) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    answers = [bundled_client.portal.call(messages_of, "/vocabularies", ""),
               bundled_client.portal.call(messages_of, "/sparql", "query=ASK%20%7B%7D")]
    for sent in answers:
        start = [m for m in sent if m["type"] == "http.response.start"]
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        assert [m["status"] for m in start] == [200]
        assert bodies and all(m.get("body", b"") == b"" for m in bodies)
        assert bodies[-1].get("more_body", False) is False
