"""Issue 15 acceptance: no page scrolls sideways at 390 px (a phone) or 1280 px (a laptop), in
French and English, and every page but the SPARQL page weighs under 100 kB transferred.

Chromium walks every page reachable from the home page (tests/web/crawl.py) on a real server with
the test content (`live_server`; one walk per language and width for the run, shared by the two
tests: `crawled`, tests/web/conftest.py). Sideways scrolling: the document is no wider than
the window (`documentElement.scrollWidth`). Weight: the bytes the page's document and every
subresource took on the wire (headers and body, Playwright's `request.sizes()`), the browser cache
off so each page is counted as a first visit. The SPARQL page (/ui/query) fetches YASGUI (~1 MB)
after its first paint and is left out of the weight, as the issue says."""

from __future__ import annotations

import pytest

from tests.web.conftest import WEIGHED_CRAWL

MAX_BYTES = 100_000
SPARQL_PAGE = "/ui/query"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_page_scrolls_sideways(crawled, lang, width):
    pages = crawled(lang, width)
    too_wide = {page.url: (page.scroll_width, page.too_wide) for page in pages if page.scroll_width > width}
    assert len(pages) >= 15, len(pages)
    assert not too_wide, f"pages wider than {width} px: {too_wide}"


def test_every_page_but_the_sparql_page_under_100_kb(crawled):
    weights = {page.url: page.weight for page in crawled(*WEIGHED_CRAWL)}
    assert len(weights) >= 15, weights
    assert all(w is not None for w in weights.values()), weights  # the walk weighed every page
    pages = {u: w for u, w in weights.items() if not u.split("?")[0].endswith(SPARQL_PAGE)}
    assert all(w > 1000 for w in pages.values()), pages  # counted something: the document at least
    heavy = {u: w for u, w in pages.items() if w >= MAX_BYTES}
    assert not heavy, f"pages of {MAX_BYTES} bytes or more: {heavy}"
    sparql = [w for u, w in weights.items() if u.split("?")[0].endswith(SPARQL_PAGE)]
    assert sparql and sparql[0] > MAX_BYTES  # YASGUI is counted where it is loaded: the measure sees it
