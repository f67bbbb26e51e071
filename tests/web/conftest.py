"""Fixtures of the web page tests.

* `web_client`: the real app (TestClient) on a store whose content was published through the API
  by `publish_test_content` (a vocabulary, a base profile and a profile that extends it).
* `live_server`: a REAL server — `uvicorn registry.web.app:create_app --factory` in a child
  process on 127.0.0.1 and a free port, on its own store, with the same content published through
  its HTTP API. Stopped (by its pid) at the end of the session.
* `browser` / `page`: Debian's chromium driven headless by Playwright (installed by
  `.ci/install-browser`; a Playwright browser download does not work here). Screenshots go to
  `test-artifacts/screenshots/` (gitignored).
* `crawled`: the pages of `live_server` walked by chromium from the home page
  (tests/web/crawl.py) once per language and window width for the whole run, with what the page
  tests of issue 15 check on each page (sideways scrolling, weight on the wire) measured during
  that one walk.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("REGISTRY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NAMESPACE = "https://w3id.org/test/"


def _metadata(**values) -> str:
    return json.dumps(values)


def publish_test_content(http, token: str) -> None:
    """Publish the test vocabulary and profiles through the API (any httpx-style client)."""
    auth = {"Authorization": f"Bearer {token}"}
    r = http.put(
        "/vocabularies/technique-test/versions/1.0.0",
        files={"vocabulary": ("technique.ttl", (DATA / "technique.ttl").read_bytes(), "text/turtle")},
        data={"metadata": _metadata(title={"en": "Test techniques", "fr": "Techniques de test"},
                                    description={"en": "Microscopy techniques for the tests.",
                                                 "fr": "Techniques de microscopie pour les tests."})},
        headers=auth,
    )
    assert r.status_code in (200, 201), r.text
    r = http.put(
        "/profiles/core/versions/1.0.0",
        files={"shapes": ("core.ttl", (DATA / "core.ttl").read_bytes(), "text/turtle")},
        data={"metadata": _metadata(title={"en": "Core dataset", "fr": "Jeu de données de base"},
                                    description={"en": "The fields every dataset has.",
                                                 "fr": "Les champs de tout jeu de données."})},
        headers=auth,
    )
    assert r.status_code in (200, 201), r.text
    r = http.put(
        "/profiles/em/versions/1.0.0",
        files={"shapes": ("em.ttl", (DATA / "em.ttl").read_bytes(), "text/turtle")},
        data={"metadata": _metadata(title={"en": "Electron microscopy", "fr": "Microscopie électronique"},
                                    description={"en": "Datasets from electron microscopes.",
                                                 "fr": "Jeux de données issus de microscopes électroniques."},
                                    is_profile_of="core@1.0.0")},
        headers=auth,
    )
    assert r.status_code in (200, 201), r.text


def _prepare_store(path: Path | str, base_iri: str = "http://testserver/", others: dict[str, str] | None = None) -> str:
    """A store with the test community; returns its token. `others`: more communities to create
    (id → namespace); their tokens are written into the dict in place of the namespaces."""
    settings = Settings(store=str(path), base_iri=base_iri, load_bundled=False)
    registry = Registry.build(settings)
    try:
        registry.communities.create("test", "Test community", [NAMESPACE])
        for cid, namespace in list((others or {}).items()):
            registry.communities.create(cid, f"Community {cid}", [namespace])
            others[cid] = registry.communities.create_token(cid).token  # type: ignore[index]
        return registry.communities.create_token("test").token
    finally:
        registry.close()


@pytest.fixture(scope="session")
def web_client(tmp_path_factory):
    store = tmp_path_factory.mktemp("web") / "store"
    token = _prepare_store(store)
    settings = Settings(store=str(store), base_iri="http://testserver/", load_bundled=False)
    with TestClient(create_app(settings)) as client:
        publish_test_content(client, token)
        client.token = token
        yield client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path):
        self.tokens: dict[str, str] = {}  # other communities' tokens (start_live_server(other_communities=))
        self.url = url
        self.token = token
        self.process = process
        self.log = log


def start_live_server(root: Path, *, bundled: bool = False, store: str | None = None, timeout: float = 60,
                      other_communities: dict[str, str] | None = None):
    """A real uvicorn server (child process) on its own store in `root`: with the test content
    published through its HTTP API, or with the bundled profiles and vocabularies (`bundled`).
    `store`: the registry's store (a remote store's URL), instead of an embedded store in `root`; the
    caller that passes one follows the test backend (tests/conftest.py, pytest_collection_modifyitems).
    `other_communities` (id → namespace): more communities, their tokens in `LiveServer.tokens`.
    A generator: yields the `LiveServer`, stops the process (by its pid) when resumed."""
    if store is None:
        store = str(root / "store")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    others = dict(other_communities or {})
    token = _prepare_store(store, url + "/", others)
    env = dict(os.environ, REGISTRY_STORE=str(store), REGISTRY_BASE_IRI=url + "/",
               REGISTRY_LOAD_BUNDLED="true" if bundled else "false",
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "registry.web.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=str(REPO), env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited:\n" + log.read_text(errors="replace")[-4000:])
            try:
                if httpx.get(url + "/", headers={"Accept": "application/json"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + log.read_text(errors="replace")[-4000:])
            time.sleep(0.2)
        if not bundled:
            with httpx.Client(base_url=url, timeout=60) as http:
                publish_test_content(http, token)
        server = LiveServer(url, token, process, log)
        server.tokens = others
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    yield from start_live_server(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def bundled_live_server(tmp_path_factory):
    """A real server with the bundled profiles and vocabularies (research-dataset, electron-microscopy...)."""
    # publishing the bundled content (5 profile versions, each checked against SHACL-SHACL, and 32
    # vocabulary versions) takes about 10 s of CPU: generous on a loaded 2-core machine
    yield from start_live_server(tmp_path_factory.mktemp("live-bundled"), bundled=True, timeout=240)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed: run .ci/install-browser (the README's test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) per test, English by default."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shot():
    """shot(page, name): a full-page screenshot in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def community_sign_in(browser, server, lang: str):
    """A fresh browser context signed in to the community area with the server's token, in `lang`.
    Returns (page, context, t) where t maps i18n keys to that language's texts; the caller closes it."""
    from registry.web.i18n import MESSAGES

    t = {key: entry[lang] for key, entry in MESSAGES.items() if lang in entry}
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{server.url}/ui/community?lang={lang}")
    page.locator("#c-token").fill(server.token)
    page.get_by_role("button", name=t["community.sign_in"], exact=True).click()
    page.locator("#u-id").wait_for()
    return page, context, t


# -- The page crawls of issue 15 (tests/web/crawl.py), one per language and window width ----------
#
# Two tests walk every page of `live_server` reachable from the home page: no sideways scrolling
# (French and English, 390 and 1280 px) and the weight on the wire (English, 1280 px). A walk
# costs a page load per page (dozens of pages), so each language and width is walked once for the
# run, measuring on each page what both tests ask, and the tests assert on the pages recorded
# (`crawled(lang, width)`). (The French test walks a server with more content of its own.)

#: (language, width) of the walk that also weighs each page (the browser cache off)
WEIGHED_CRAWL = ("en", 1280)


@dataclass
class CrawledPage:
    url: str
    scroll_width: int  #: document.documentElement.scrollWidth
    too_wide: list[str]  #: when wider than the window: up to 3 elements of <main> past its right edge
    weight: int | None  #: bytes on the wire, the cache off (the WEIGHED_CRAWL only)


_PAST_THE_EDGE = """width => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : ''))
    .slice(0, 3)"""


def crawl_pages(browser, server, lang: str, width: int) -> list[CrawledPage]:
    """One walk of the server's pages in `lang` at `width` px (a phone below 600 px), measuring on
    each page what the page tests check."""
    from tests.web.crawl import crawl
    from tests.web.weight import WireWeight

    context = browser.new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": width, "height": 900}, is_mobile=width < 600
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    wire = WireWeight(context, page) if (lang, width) == WEIGHED_CRAWL else None
    pages = []
    try:
        for url, _ in crawl(page, server.url, lang, before_each=wire.reset if wire is not None else None):
            weight = wire.total() if wire is not None else None
            scroll = page.evaluate("document.documentElement.scrollWidth")
            too_wide = page.evaluate(_PAST_THE_EDGE, width) if scroll > width else []
            pages.append(CrawledPage(url, scroll, too_wide, weight))
    finally:
        context.close()
    return pages


@pytest.fixture(scope="session")
def crawled(browser, live_server):
    """`crawled(lang, width)`: the pages of `live_server` walked in `lang` at `width` px, walked
    once for the run (the first test that asks pays for the walk)."""
    walks: dict[tuple[str, int], list[CrawledPage]] = {}

    def pages(lang: str, width: int) -> list[CrawledPage]:
        if (lang, width) not in walks:
            walks[lang, width] = crawl_pages(browser, live_server, lang, width)
        return walks[lang, width]

    return pages
