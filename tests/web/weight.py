"""What a page weighs on the wire in chromium: the document and every subresource (headers and
body, Playwright's `request.sizes()`), the browser cache off so each page counts as a first visit.
Shared by the page-weight tests of issue 15."""

from __future__ import annotations


class WireWeight:
    def __init__(self, context, page):
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.page = page
        self.requests: list = []
        page.on("requestfinished", lambda request: self.requests.append(request))

    def reset(self, *_args) -> None:
        self.requests.clear()

    def total(self) -> int:
        """Bytes since the last `reset`, once the page's network is idle."""
        self.page.wait_for_load_state("networkidle")
        return sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in list(self.requests))
