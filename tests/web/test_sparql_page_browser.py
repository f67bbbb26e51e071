"""Issue 15 item 12: the SPARQL page has one editor, YASGUI, whose ~1 MB script is fetched only on
that page and only after the first paint; an example queries the latest versions only, so a
vocabulary with two published versions gives each concept once (the default graph, the union of
every version, gives it twice). Chromium against a real server of its own (two versions of the
test vocabulary)."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import DATA, start_live_server

YASGUI_JS = "/static/yasgui/yasgui.min.js"


@pytest.fixture(scope="module")
def two_version_server(tmp_path_factory):
    """The test content plus version 1.1.0 of the technique vocabulary (the same concepts)."""
    for server in start_live_server(tmp_path_factory.mktemp("live-sparql-page")):
        r = httpx.put(server.url + "/vocabularies/technique-test/versions/1.1.0",
                      files={"vocabulary": ("technique.ttl", (DATA / "technique.ttl").read_bytes(), "text/turtle")},
                      headers={"Authorization": f"Bearer {server.token}"}, timeout=60)
        assert r.status_code in (200, 201), r.text
        yield server


def _rows(server, query: str) -> list[dict]:
    r = httpx.post(server.url + "/sparql", data={"query": query},
                   headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def _editor_text(page) -> str:
    return page.evaluate("document.querySelector('#yasgui .CodeMirror').CodeMirror.getValue()")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_editor_loaded_after_first_paint(two_version_server, browser, lang):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        scripts = []
        page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
        page.goto(f"{two_version_server.url}/ui/query?lang={lang}")
        page.locator("#yasgui[data-ready=true] .CodeMirror").wait_for()
        # one editor: YASGUI's; the plain form exists only for browsers without JavaScript
        assert page.locator(".CodeMirror").count() == 1
        assert page.locator("#q-text").count() == 0 or not page.locator("#q-text").is_visible()
        others = page.locator("textarea:visible").evaluate_all("els => els.filter(e => !e.closest('.CodeMirror')).length")
        assert others == 0, "a second, visible editor"
        # its script was asked for after the first paint
        timing = page.evaluate(f"""() => {{
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            const js = performance.getEntriesByType('resource').find(e => e.name.endsWith('{YASGUI_JS}'));
            return {{paint: paint ? paint.startTime : null, js: js ? js.startTime : null}};
        }}""")
        assert timing["paint"] is not None and timing["js"] is not None, timing
        assert timing["js"] > timing["paint"], timing
        # the page's language reaches the examples
        from registry.web.i18n import Translator

        t = Translator(lang)
        assert page.get_by_role("button", name=t("q.latest"), exact=True).count() == 1
        # and no other page fetches it
        scripts.clear()
        for path in ("/", "/ui/profiles", "/ui/vocabularies/technique-test", "/ui/validate"):
            page.goto(f"{two_version_server.url}{path}?lang={lang}")
            page.wait_for_load_state("load")
        assert not [u for u in scripts if "yasgui" in u], scripts
    finally:
        context.close()


def test_latest_versions_example_gives_each_concept_once(two_version_server, browser):
    server = two_version_server
    # the naive query over the default graph (the union of both versions) repeats every concept
    naive = _rows(server, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                          "SELECT ?concept WHERE { ?concept skos:inScheme <https://w3id.org/test/vocab/technique> }")
    concepts = {row["concept"]["value"] for row in naive}
    assert len(concepts) == 4 and len(naive) == 2 * len(concepts), naive

    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/ui/query?lang=en")
        button = page.get_by_role("button", name="Concepts of the latest version of each vocabulary", exact=True)
        button.click()  # before YASGUI is ready: kept and applied when it is
        page.locator("#yasgui[data-ready=true] .CodeMirror").wait_for()
        assert "hasCurrentVersion" in _editor_text(page)
        with page.expect_response(lambda r: r.url.endswith("/sparql") and r.request.method == "POST") as answer:
            page.locator("#yasgui .yasqe_queryButton").click()
        bindings = answer.value.json()["results"]["bindings"]
        page.locator("#yasgui .yasr table tbody tr").first.wait_for()
        shown = page.locator("#yasgui .yasr table tbody tr").count()
        ours = [b for b in bindings if b["concept"]["value"] in concepts]
        assert sorted(b["concept"]["value"] for b in ours) == sorted(concepts)  # once each
        assert {b["version"]["value"] for b in ours} == {server.url + "/vocabularies/technique-test/1.1.0"}
        assert shown == len(bindings)
    finally:
        context.close()
