"""Crawl the pages of a live server in chromium, from the home page, following same-site links
(issue 15 acceptance: French everywhere, no sideways scrolling, page weight).

`crawl(page, server_url, lang)` yields `(url, response)` for every HTML page reachable from `/`
whose address is on the server, in breadth-first order, at most `PER_ROUTE` pages per route shape
(a route with its ids replaced: 3 concepts say what every concept page says) and `LIMIT` in all.
Downloads (RDF, JSON, CSV...) are not pages: only `text/html` answers are yielded.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urlencode, urlsplit

PER_ROUTE = 3
LIMIT = 120
#: Not the registry's own pages: Swagger UI (the API's reference, a vendored tool in English) and
#: the SPARQL endpoint's YASGUI page for clients (the people's SPARQL page is /ui/query).
SKIPPED = ("/docs", "/redoc", "/openapi.json", "/static/", "/sparql")


def route_shape(url: str) -> str:
    """The route a URL is an instance of: ids and versions replaced, query keys kept (not values),
    except the language."""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if re.fullmatch(r"\d+\.\d+\.\d+.*", segment):
            segments.append("{version}")
        else:
            segments.append(segment)
    path = "/".join(segments)
    # /ui/profiles/x and /ui/profiles/y are one route; /ui/profiles itself another
    if re.match(r"^/ui/(profiles|vocabularies|community/profiles|community/vocabularies)/[^/]+", path):
        head = path.split("/")
        path = "/".join(head[:3] + ["{id}"] + head[4:])
    if re.match(r"^/(profiles|vocabularies)/[^/]+", path):
        head = path.split("/")
        path = "/".join(head[:2] + ["{id}"] + head[3:])
    keys = sorted(k for k, _ in parse_qsl(parts.query) if k not in ("lang",))
    return path + ("?" + "&".join(keys) if keys else "")


def normalise(url: str, base: str) -> str | None:
    """The crawlable form of a link (fragment and lang dropped), or None when it is not a page of
    the server."""
    if not url.startswith(base):
        return None
    parts = urlsplit(url)
    if any(parts.path == s or parts.path.startswith(s.rstrip("/") + "/") for s in SKIPPED):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    if any(k == "_mediatype" and not v.startswith("text/html") for k, v in query):
        return None  # a download in another format
    return base + parts.path + ("?" + urlencode(query) if query else "")


def crawl(page, base: str, lang: str, *, start: str = "/", limit: int = LIMIT, per_route: int = PER_ROUTE,
          before_each=None):
    """Breadth-first over the server's HTML pages in `lang` (the `lang` cookie is set by the first
    page's `?lang=`); yields (url, response) after each page has loaded. `before_each(url)` is called
    before each navigation (e.g. to start counting its network requests)."""
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    queue = deque([base + start])
    first = True
    visited = 0
    while queue and visited < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = route_shape(url)
        if per_shape.get(shape, 0) >= per_route:
            continue
        target = url + ("&" if "?" in url else "?") + f"lang={lang}" if first else url
        first = False
        if before_each is not None:
            before_each(url)
        try:
            response = page.goto(target, wait_until="load")
        except Exception as exc:  # noqa: BLE001 - a download is not a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        per_shape[shape] = per_shape.get(shape, 0) + 1
        visited += 1
        yield url, response
        links = page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.filter(e => !e.type || e.type.startsWith('text/html')).map(e => e.href)")
        for href in links:
            link = normalise(href, base)
            if link and link not in seen:
                queue.append(link)
