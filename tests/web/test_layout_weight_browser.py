"""Issue 15 acceptance: no page scrolls sideways at 390 px (a phone) or 1280 px (a laptop), in
French and English, and every page but the SPARQL page weighs under 100 kB transferred.

Chromium walks every page reachable from the home page (tests/web/crawl.py) on a real server with
the test content. Sideways scrolling: the document is no wider than the window
(`documentElement.scrollWidth`). Weight: the bytes the page's document and every subresource took
on the wire (headers and body, Playwright's `request.sizes()`), the browser cache off so each
page is counted as a first visit. The SPARQL page (/ui/query) fetches YASGUI (~1 MB) after its
first paint and is left out of the weight, as the issue says."""

from __future__ import annotations

import pytest

from tests.web.crawl import crawl
from tests.web.weight import WireWeight

MAX_BYTES = 100_000
SPARQL_PAGE = "/ui/query"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_page_scrolls_sideways(live_server, browser, lang, width):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": width, "height": 800},
                                  is_mobile=width < 600)
    context.set_default_timeout(60_000)
    page = context.new_page()
    too_wide = {}
    visited = 0
    try:
        for url, _ in crawl(page, live_server.url, lang):
            visited += 1
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                culprit = page.evaluate(f"""() => [...document.querySelectorAll('main *')]
                    .filter(e => e.getBoundingClientRect().right > {width} + 1)
                    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : ''))
                    .slice(0, 3)""")
                too_wide[url] = (scroll, culprit)
    finally:
        context.close()
    assert visited >= 15, visited
    assert not too_wide, f"pages wider than {width} px: {too_wide}"


def test_every_page_but_the_sparql_page_under_100_kb(live_server, browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    wire = WireWeight(context, page)
    weights = {}
    try:
        for url, _ in crawl(page, live_server.url, "en", before_each=wire.reset):
            weights[url] = wire.total()
    finally:
        context.close()
    assert len(weights) >= 15, weights
    pages = {u: w for u, w in weights.items() if not u.split("?")[0].endswith(SPARQL_PAGE)}
    assert all(w > 1000 for w in pages.values()), pages  # counted something: the document at least
    heavy = {u: w for u, w in pages.items() if w >= MAX_BYTES}
    assert not heavy, f"pages of {MAX_BYTES} bytes or more: {heavy}"
    sparql = [w for u, w in weights.items() if u.split("?")[0].endswith(SPARQL_PAGE)]
    assert sparql and sparql[0] > MAX_BYTES  # YASGUI is counted where it is loaded: the measure sees it
