"""HEAD answered wherever GET is (RFC 9110, section 9.3.2: "The HEAD method is identical to GET
except that the server MUST NOT send content in the response"; section 9.1: every general-purpose
server MUST support GET and HEAD).

FastAPI's GET routes do not answer HEAD (an `APIRoute` serves exactly the methods it is declared
with: 405), so link checkers, crawlers and catalogs that test an IRI with HEAD before fetching it
were told the page, the vocabulary or the concept does not allow reading. One outermost ASGI
middleware runs a HEAD request as the GET it stands for and sends the answer's status and headers
(`Content-Type`, `Content-Length`, `Link`, `Vary`, CORS and security headers: all what GET would
send) without its content. The routes never see HEAD, so no route needs to declare it.
"""

from __future__ import annotations


class HeadAsGetMiddleware:
    """Pure ASGI: the body messages of the GET answer are dropped, the last one sent empty."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_without_content(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed answer: its chunks are not sent
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        return await self.app({**scope, "method": "GET"}, receive, send_without_content)
