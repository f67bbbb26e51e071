"""The router's walk, narrowed to the routes that can match the request's first path segment.

Starlette (and FastAPI) find a request's route by trying every route in order: ~100 regular
expressions for a path no route serves, twice over (the second walk looks for the same path with
or without a trailing slash), and a few dozen before the vocabulary routes. A route whose path
starts with a literal segment (`/vocabularies/{vid}/search`, the `/static` mount) can only match
paths with that first segment, so each first segment gets its own, shorter list: the routes that
start with it and those whose first segment is not literal (a parameter, a host route, anything
else), in their order in the app. The router's own walk (`APIRouter.app`: full match, else
the first partial match, else the trailing-slash redirect, else 404) runs unchanged over that
list, so the answer is the one the whole list would give.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.routing import Mount, Route, WebSocketRoute

#: the key of routes that can match any first segment
ANY = None


def first_segment(route: Any) -> str | None:
    """The literal first segment every path the route matches starts with, or `ANY`."""
    if not isinstance(route, (Route, WebSocketRoute, Mount)):
        return ANY
    path = route.path
    if not path.startswith("/"):
        return ANY
    segment = path[1:].split("/", 1)[0]
    if "{" in segment or (isinstance(route, Mount) and not segment):
        return ANY
    return segment


class RouteIndex:
    """ASGI app in the router's place (`router.middleware_stack`): the router's walk over the
    routes of the request's first segment (see the module docstring)."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self._built_for: tuple[int, int, int] | None = None
        self._by_segment: dict[str, Any] = {}
        self._others: Any = router

    def _key(self) -> tuple[int, int, int]:
        routes = self.router.routes
        return id(routes), len(routes), id(routes[-1]) if routes else 0

    def _build(self) -> None:
        """One copy of the router per literal first segment, holding that segment's routes and
        every route that matches any segment (rebuilt when the routes change)."""
        routes = self.router.routes
        keys = [first_segment(route) for route in routes]

        def narrowed(segment: str | None):
            view = copy.copy(self.router)
            view.routes = [route for route, key in zip(routes, keys) if key is ANY or key == segment]
            return view

        self._by_segment = {segment: narrowed(segment) for segment in set(keys) if segment is not ANY}
        self._others = narrowed(ANY)
        self._built_for = self._key()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.router.app(scope, receive, send)  # lifespan, websockets, a mounted app: the whole walk
            return
        if self._built_for != self._key():
            self._build()
        path = scope["path"]
        view = self._by_segment.get(path[1:].split("/", 1)[0], self._others)
        scope.setdefault("router", self.router)  # url_for and the like see every route
        await view.app(scope, receive, send)
