"""The app factory (registry/web/app.py) and its route index (registry/web/route_index.py): the
route the index picks is the one the router's whole walk picks, for every route and its
neighbours; included routers keep their routes and their order; the warm-up answers a search
before the server accepts connections (issue 16: the first search after a restart as fast as any
other)."""

from __future__ import annotations

import gc
import inspect
import re
from urllib.parse import unquote

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse
from starlette.routing import Mount

from registry import serving
from registry.publishing.service import VocabularySubmission
from registry.services import Registry
from registry.vocab.routes import WARM_UP_ROUNDS
from registry.vocab.service import service_of
from registry.web.app import WARM_UP_404, RegistryAPI, create_app
from registry.web.route_index import RouteIndex
from tests.vocab.conftest import VERSIONED_1

PARAMETER = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


def _requests(app) -> list[tuple[str, str]]:
    """(method, path): every route's path with its parameters filled in, with GET, POST and
    DELETE; its neighbours (trailing slash added or dropped, one more segment, the first segment
    alone) and paths no route serves, with GET."""
    paths = {"/", "//", "/nothing-here", "/nothing-here/", "/static", "/static/", "/rest", "/rest/v1", "/rest/v1/",
             "/ui", "/ui/", "/vocabularies", "/vocabularies/", "/sparql/", WARM_UP_404}
    routes = set()
    for route in app.routes:
        path = getattr(route, "path", None)
        if not path:
            continue
        if isinstance(route, Mount):
            path += "/{path:path}"
        filled = PARAMETER.sub(lambda m: "a/b.css" if m.group(2) == ":path" else "x1", path)
        first = "/" + filled[1:].split("/", 1)[0]
        routes.add(filled)
        paths.update({filled.rstrip("/") or "/", filled + "/", filled + "/more", first, first + "/"})
    return ([(method, path) for path in sorted(routes) for method in ("GET", "POST", "DELETE")]
            + [("GET", path) for path in sorted(paths - routes)])


async def _route_of(app, method: str, path: str) -> tuple:
    """(endpoint the router picked, status, Location) of one request through the whole app."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"accept", b"application/json")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {}}
    answer: dict = {}
    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> dict:  # the empty body, then the client gone (a streamed answer stops there)
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["location"] = dict(message.get("headers", [])).get(b"location")

    await app(scope, receive, send)
    endpoint = scope.get("endpoint")
    return getattr(endpoint, "__qualname__", repr(endpoint)), answer.get("status"), answer.get("location")


def test_the_route_index_picks_the_route_the_whole_walk_picks(client):
    app = client.app
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    requests = _requests(app)
    assert len(requests) > 300
    indexed = [client.portal.call(_route_of, app, method, path) for method, path in requests]
    app.router.middleware_stack = app.router.app  # the router's own walk over every route
    try:
        walked = [client.portal.call(_route_of, app, method, path) for method, path in requests]
    finally:
        app.router.middleware_stack = index
    differences = [(request, a, b) for request, a, b in zip(requests, indexed, walked) if a != b]
    assert not differences
    statuses = {status for _, status, _ in walked}
    assert {200, 404, 405} <= statuses and any(location for _, _, location in walked)  # the cases the walk has


def test_the_route_index_sees_routes_added_later(client):
    assert client.get("/late-route/1").status_code == 404  # the index is built by now

    async def late(request):
        return PlainTextResponse(f"late {request.path_params['x']}")

    client.app.router.add_route("/late-route/{x}", late, methods=["GET"])
    response = client.get("/late-route/1")
    assert response.status_code == 200 and response.text == "late 1"


def test_included_routers_keep_their_routes_and_order():
    """`RegistryAPI.include_router` puts the routes in the app's list, in order; what a plain
    FastAPI app would answer (status, body, OpenAPI operations) is unchanged."""
    router = APIRouter(tags=["t"])

    @router.get("/items/{item}")
    def item(item: int) -> dict:
        return {"item": item}

    @router.get("/items/special")  # after /items/{item}: never reached, in both apps
    def special() -> dict:
        return {"special": True}

    ours, plain = RegistryAPI(), FastAPI()
    ours.include_router(router)
    plain.include_router(router)
    assert [r.path for r in ours.router.routes[-2:]] == ["/items/{item}", "/items/special"]
    with TestClient(ours) as a, TestClient(plain) as b:
        for path in ("/items/3", "/items/special", "/items/x", "/items"):
            assert (a.get(path).status_code, a.get(path).json()) == (b.get(path).status_code, b.get(path).json())
    assert ours.openapi()["paths"] == plain.openapi()["paths"]


def test_the_app_searches_before_serving(settings, tmp_path):
    """Issue 16 item 7: when the server starts accepting connections, the persisted index of the
    vocabulary is open and its searches have been answered in the process through both search
    APIs, `WARM_UP_ROUNDS` times each (FastAPI's per-route set-up, the threadpool, the catalog
    read are done, and the code they run is specialized), so the first search of a client finds
    everything ready."""
    settings = settings.model_copy(update={"vocab_index_dir": str(tmp_path / "indexes")})
    registry = Registry.build(settings)
    try:
        registry.communities.create("test", "Test community", ["https://w3id.org/test/"])
        registry.publication.publish_vocabulary(
            registry.catalog.community("test"),
            VocabularySubmission(id="techniques", version="1.0.0", source=VERSIONED_1.encode(), format=ox.RdfFormat.TURTLE),
        )
        service_of(registry).warm("techniques")  # its index file, as after a publication through the API
        iri = service_of(registry).resolve("techniques").iri
    finally:
        registry.close()
    app = create_app(settings)
    with TestClient(app):
        service = service_of(app.state.registry)
        assert service.has_index(iri) and service.index_source[iri] == "file"
        warmed = app.state.warmed_up
        assert warmed[0] == (WARM_UP_404, 404)
        searches = warmed[1:]
        assert all(status == 200 for _, status in searches), searches
        native = {path for path, _ in searches if path.startswith("/vocabularies/techniques/search?q=")}
        skosmos = {path for path, _ in searches if path.startswith("/rest/v1/search?vocab=techniques&query=")}
        assert len(native) == len(skosmos) == 3 and len(native | skosmos) == len(set(path for path, _ in searches))
        assert len(searches) == 6 * WARM_UP_ROUNDS and WARM_UP_ROUNDS >= 8
        # the warm-up searched for starts of labels the vocabulary has: it found and encoded hits
        for path in native:
            q = unquote(path.split("q=", 1)[1].split("&")[0])
            hits, _ = service.search(q, vids=["techniques"])
            assert hits, q


def test_an_app_without_vocabularies_warms_up_its_routes_only(client):
    assert client.app.state.warmed_up == [(WARM_UP_404, 404)]


def test_the_servers_collect_the_start_up_garbage_before_serving(settings):
    """`registry serve` builds the app with `settle_garbage` (registry/serving.py): one full
    collection of the cyclic garbage collector after the warm-up, before the server accepts
    connections, so that the first requests after a restart do not pay for the start-up's
    garbage. A gen-2 collection is seen once the warm-up is done, and the app still serves."""
    app = create_app(settings, settle_garbage=True)
    after_warm_up: list[bool] = []

    def watch(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            after_warm_up.append(hasattr(app.state, "warmed_up"))

    gc.callbacks.append(watch)
    try:
        with TestClient(app) as client:
            seen = list(after_warm_up)
            answer = client.get("/vocabularies")
    finally:
        gc.callbacks.remove(watch)
    assert True in seen
    assert answer.status_code == 200 and answer.json() == []


def test_the_servers_build_the_app_that_settles_its_garbage(monkeypatch):
    """Both servers of `registry serve` ask for it (uvicorn in `run`, granian through
    `served_app`), and so does `served_app`, the factory docs/deployment.md gives other servers."""
    made = []
    monkeypatch.setattr("registry.web.app.create_app", lambda *args, **options: made.append(options) or "app")
    assert serving.served_app() == "app"
    assert made == [{"settle_garbage": True}]
    assert "served_app()" in inspect.getsource(serving.granian_app)
    assert "create_app(settings, settle_garbage=True)" in inspect.getsource(serving.run)
    source = inspect.getsource(serving)
    assert "create_app(settings)" not in source and "create_app(Settings())" not in source


def test_a_warm_up_source_that_fails_never_stops_the_start_up(settings):
    """The start-up warm-up reads the store for its paths (the vocabularies); a store error there
    (CI, 7 December 2026: Virtuoso answered a SELECT "SR172: Transaction deadlocked") stopped the
    server's start-up. The warm-up is an optimisation: the app starts without those paths."""
    from registry.errors import StoreUnavailable

    def failing(registry):
        raise StoreUnavailable("the remote store failed: HTTP 500: SR172: Transaction deadlocked", code="store-error")

    app = create_app(settings)
    app.state.warm_up.insert(0, failing)
    with TestClient(app) as client:
        assert client.app.state.warmed_up[0] == (WARM_UP_404, 404)
        answer = client.get("/vocabularies")
        assert answer.status_code == 200 and isinstance(answer.json(), (list, dict))
