"""Request body limits, enforced before the body is read whole.

Starlette (and so FastAPI) reads a request body of any size by default: `max_body_size` defaults to
None (measured with Starlette 1.10, uvicorn 0.54). This ASGI middleware answers 413 at once when
Content-Length is over the limit, and stops a chunked body as soon as it goes over. Vocabulary
uploads get their own, larger limit.
"""

from __future__ import annotations

import json

from registry.web.errors import PROBLEM_JSON


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app, *, default_limit: int, large_limit: int, large_prefixes: tuple[str, ...] = ("/vocabularies/",)):
        self.app = app
        self.default_limit = default_limit
        self.large_limit = large_limit
        self.large_prefixes = large_prefixes

    def _limit_for(self, scope) -> int:
        path = scope.get("path", "")
        if scope.get("method") in ("PUT", "POST") and path.startswith(self.large_prefixes) and "/versions/" in path:
            return self.large_limit
        return self.default_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit_for(scope)
        headers = dict(scope.get("headers") or [])
        # Security (issue 7): request bodies are never decoded. A compressed body would either be
        # parsed as garbage or, if decoded, be a "gzip bomb" the size limit cannot see (1 MB of
        # gzip → 1 GB). Refuse any Content-Encoding other than identity before reading anything.
        encoding = headers.get(b"content-encoding", b"").strip().lower()
        if encoding not in (b"", b"identity"):
            return await _send_problem(
                send, 415, "unsupported-content-encoding",
                "request bodies must not be compressed (Content-Encoding is not supported); send them as they are",
            )
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0:
                return await _send_problem(send, 400, "invalid-content-length", "Content-Length is not a number")
            if declared > limit:
                return await _send_problem(
                    send, 413, "payload-too-large", f"the request body ({declared} bytes) is over the limit of {limit} bytes"
                )
        received = 0
        response_started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await _send_problem(send, 413, "payload-too-large", f"the request body is over the limit of {limit} bytes")


_TITLES = {413: "Payload too large", 415: "Unsupported media type"}


async def _send_problem(send, status: int, code: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": f"https://w3id.org/profile-registry/problems/{code}",
            "title": _TITLES.get(status, "Bad request"),
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
