"""registry/sparql/routes.py: a GET query on /sparql is answered by `SparqlFrontLane` before the
middleware stack (`RegistryAPI.front_lanes`). Its answer must be, byte for byte and header for
header, what the whole stack answers for the same request (the endpoint's headers plus the CORS and
security headers of the middleware): each request here is sent once to the lane and once to the
stack behind it (`FastAPI.__call__`, which the lanes are in front of), and the two are compared."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi import FastAPI

from registry.sparql.routes import SparqlFrontLane

SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMES = f"SELECT ?s WHERE {{ ?s a <{SKOS}ConceptScheme> }}"  # one pattern: run in-process (cheap)
SCHEMES_ORDERED = f"SELECT ?s ?l WHERE {{ ?s a <{SKOS}ConceptScheme> ; <{SKOS}prefLabel> ?l }} ORDER BY ?l"  # a worker
JSON = "application/sparql-results+json"


def _scope(query_string: bytes, accept: str | None) -> dict:
    headers = [(b"host", b"testserver")] + ([(b"accept", accept.encode())] if accept else [])
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "query_string": query_string,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


def _answers(client, query_string: bytes, accept: str | None) -> tuple[bool, list[dict], list[dict]]:
    """(answered by the lane, the lane's messages, the stack's messages) for one GET."""
    app = client.app
    lane = next(lane for lane in app.front_lanes if isinstance(lane, SparqlFrontLane))

    async def run(call) -> tuple[object, list[dict]]:
        messages: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            messages.append(message)

        return await call(_scope(query_string, accept), receive, send), messages

    answered, by_lane = client.portal.call(run, lane)
    _, by_stack = client.portal.call(run, lambda *args: FastAPI.__call__(app, *args))
    return bool(answered), by_lane, by_stack


def _response(messages: list[dict]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], sorted((bytes(k).lower(), bytes(v)) for k, v in start["headers"]), body


@pytest.mark.parametrize(
    ("query_string", "accept", "status"),
    [
        (b"query=" + quote(SCHEMES, safe="").encode(), JSON, 200),
        (b"query=" + quote(SCHEMES, safe="").encode(), "text/csv", 200),
        (b"query=" + quote(SCHEMES, safe="").encode(), None, 200),
        (b"query=" + quote(SCHEMES_ORDERED, safe="").encode(), JSON, 200),
        (b"query=" + quote(SCHEMES, safe="").replace("%20", "+").encode(), JSON, 200),  # '+' for a space
        (b"query=" + quote(SCHEMES, safe="").encode() + b"&format=json", JSON, 200),  # parse_qsl's path
        (b"query=" + quote("SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }", safe="").encode(), JSON, 400),
        (b"query=" + quote("SELECT * WHERE { ?s ?p }", safe="").encode(), JSON, 400),  # the engine's syntax error
        (b"query=" + quote(SCHEMES, safe="").encode(), "text/turtle", 406),
        (b"query=ASK%7B%7D%FF", JSON, 400),  # not UTF-8
        (b"query=ASK%7B%7D&query=ASK%7B%7D", JSON, 400),  # two queries
        (b"update=" + quote("CLEAR ALL", safe="").encode(), JSON, 403),
    ],
)
def test_get_query_answered_in_front_as_behind_the_middleware(bundled_client, query_string, accept, status):
    bundled_client.get("/sparql", params={"query": "ASK {}"})  # the first query makes the service
    answered, by_lane, by_stack = _answers(bundled_client, query_string, accept)
    assert answered
    lane_status, lane_headers, lane_body = _response(by_lane)
    assert lane_status == status, lane_body[:300]
    assert (lane_status, lane_headers, lane_body) == _response(by_stack)
    headers = dict(lane_headers)
    assert headers[b"access-control-allow-origin"] == b"*"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"same-origin"
    if status == 200 and accept == JSON:
        rows = json.loads(lane_body)["results"]["bindings"]
        assert rows and all(row["s"]["type"] == "uri" for row in rows)
    elif status != 200:
        assert headers[b"content-type"] == b"application/problem+json"
        assert json.loads(lane_body)["status"] == status


@pytest.mark.parametrize("query_string", [b"", b"_mediatype=text/turtle"])
def test_service_description_is_left_to_the_stack(bundled_client, query_string):
    bundled_client.get("/sparql", params={"query": "ASK {}"})
    answered, by_lane, by_stack = _answers(bundled_client, query_string, "text/turtle")
    assert not answered and by_lane == []
    status, headers, body = _response(by_stack)
    assert status == 200 and dict(headers)[b"content-type"].startswith(b"text/turtle") and body
