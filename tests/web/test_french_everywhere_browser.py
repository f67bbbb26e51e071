"""Issue 15 item 4: every page in French, with no English sentence in it.

Chromium walks every page reachable from the home page (same-site links, a few pages per route;
tests/web/crawl.py) on a server with the test content, a profile of contact points
(sh:targetObjectsOf) and a vocabulary the publication checks warn about, in French, plus the
error pages: a 404, a validation upload that is not RDF and one with a syntax error, a SPARQL
syntax error, and the community area's upload checks (findings). A small English detector
(tests/web/english.py) reads the visible text of every element whose language is French,
leaving out code, IRIs, the user's own text, and data values (the store's literals, in whatever
language they were published)."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import DATA, start_live_server
from tests.web.crawl import crawl
from tests.web.english import english_sentences, reads_english, typography_faults


def _data_values(server) -> list[str]:
    """Every literal of the public graphs (titles, labels, field names, messages of shapes):
    data, shown in the language it has. JSON literals (findings, contexts) are not data values."""
    query = """SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && DATATYPE(?o) != <http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>
               && STRLEN(STR(?o)) > 2 && STRLEN(STR(?o)) < 2000) }"""
    r = httpx.post(server.url + "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=120)
    assert r.status_code == 200, r.text
    values = {b["o"]["value"].strip() for b in r.json()["results"]["bindings"]}
    return sorted((v for v in values if v), key=len, reverse=True)


def test_detector_catches_what_the_issue_saw():
    assert reads_english("S'applique à objects of dcat:contactPoint")
    assert reads_english("The record is not valid Turtle.")
    assert reads_english("1 violations")
    assert not reads_english("S'applique aux valeurs de dcat:contactPoint")
    assert not reads_english("La fiche n'est pas conforme à Jeu de données de base 1.0.0.")
    assert not reads_english("Version 1.0.0 — publiée le 2026-12-06")
    from tests.web.english import PLAIN_SPACE_BEFORE
    assert PLAIN_SPACE_BEFORE.search("Point d'accès : /sparql")
    assert not PLAIN_SPACE_BEFORE.search("Point d'accès\u202f: /sparql") and not PLAIN_SPACE_BEFORE.search("dcat:contactPoint")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    for server in start_live_server(tmp_path_factory.mktemp("live-french")):
        auth = {"Authorization": f"Bearer {server.token}", "Content-Type": "text/turtle"}
        r = httpx.put(server.url + "/profiles/contact/versions/1.0.0", params={"title": "Contact points", "is_profile_of": "core"},
                      content=(DATA / "contact.ttl").read_bytes(), headers=auth, timeout=120)
        assert r.status_code in (200, 201), r.text
        r = httpx.put(server.url + "/vocabularies/quality/versions/1.0.0", params={"title": "Quality"},
                      content=(DATA / "quality.ttl").read_bytes(), headers=auth, timeout=120)
        assert r.status_code in (200, 201) and r.json()["warnings"], r.text
        yield server


@pytest.fixture(scope="module")
def values(server):
    return _data_values(server)


@pytest.fixture
def fr_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def test_every_page_reachable_from_home_reads_french(server, fr_page, values):
    english = {}
    pages = 0
    for url, _ in crawl(fr_page, server.url, "fr"):
        pages += 1
        assert fr_page.locator("html").get_attribute("lang") == "fr", url
        found = english_sentences(fr_page, values) + typography_faults(fr_page, values)
        if found:
            english[url] = found
    assert pages >= 15, pages  # the crawl reached the profile, vocabulary, concept, validate... pages
    assert not english, "English on French pages:\n" + "\n".join(f"{u}\n    " + "\n    ".join(s) for u, s in english.items())


def test_error_pages_read_french(server, fr_page, values):
    base = server.url
    english = {}

    def judge(what):
        found = english_sentences(fr_page, values)
        if found:
            english[what] = found

    fr_page.goto(base + "/?lang=fr")
    for path in ("/ui/profiles/no-such-profile", "/ui/profiles/core/9.9.9", "/ui/vocabularies/nope",
                 "/ui/concept?iri=https://example.org/nothing", "/ui/no-such-page"):
        response = fr_page.goto(base + path)
        assert response.status == 404, path
        assert "text/html" in response.headers["content-type"] and fr_page.locator("html").get_attribute("lang") == "fr", path
        assert fr_page.locator("h1").inner_text().startswith("Introuvable"), path
        judge(path)
    # validation: a record that is not RDF, and Turtle with a syntax error
    for name, record in (("yaml", "title: Jeu de données\ncreator: Marie\n"),
                         ("turtle", "@prefix dct: <http://purl.org/dc/terms/> .\n<https://example.org/r> dct:title \"x\" ;\n")):
        fr_page.goto(base + "/ui/validate?profile=em")
        fr_page.locator("#v-record").fill(record)
        fr_page.locator("#validate-form button[type=submit]").first.click()
        fr_page.locator("[role=alert]").first.wait_for()
        judge(f"validate {name}")
    # SPARQL: a syntax error, shown by the query page's editor
    fr_page.goto(base + "/ui/query")
    fr_page.locator("#yasgui[data-ready=true] .CodeMirror").wait_for()
    fr_page.evaluate("document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue('SELECT * WHERE { ?s ?p }')")
    fr_page.locator("#yasgui .yasqe_queryButton").click()
    problem = fr_page.locator("#yasgui .yasr .query-problem")
    problem.wait_for()
    assert "erreur de syntaxe" in problem.inner_text() and "Ligne 1, colonne 25" in problem.inner_text()
    judge("SPARQL syntax error")
    assert not english, "English on French pages:\n" + "\n".join(f"{u}\n    " + "\n    ".join(s) for u, s in english.items())


def test_publication_check_findings_read_french(server, browser, values, tmp_path):
    """The community area's upload checks: the warnings of an accepted vocabulary, the errors of a
    refused profile (bad shapes) and of a file that is not RDF, all in French."""
    from tests.web.conftest import community_sign_in

    broken_shapes = tmp_path / "broken.ttl"
    broken_shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                             "<https://w3id.org/test/BadShape> a sh:NodeShape ; sh:targetClass <https://w3id.org/test/X> ;\n"
                             "  sh:property [ sh:path <https://w3id.org/test/p> ; sh:minCount \"one\" ] .\n")
    not_rdf = tmp_path / "notes.ttl"
    not_rdf.write_text("title: my vocabulary\nconcepts:\n  - alpha\n")
    page, context, t = community_sign_in(browser, server, "fr")
    english = {}
    try:
        for kind, sid, path in (("vocabulary", "quality-copy", DATA / "quality.ttl"), ("profile", "broken", broken_shapes),
                                ("vocabulary", "not-rdf", not_rdf)):
            page.goto(f"{server.url}/ui/community")
            page.locator(f"input[type=radio][name=kind][value={kind}]").check()
            page.locator("#u-id").fill(sid)
            page.locator("#u-version").fill("1.0.0")
            page.locator("#u-file").set_input_files(str(path))
            page.get_by_role("button", name=t["community.check"], exact=True).click()
            try:
                page.locator("#checks, p.problem").first.wait_for()
            except Exception:
                page.screenshot(path=f"/tmp/fail-{sid}.png", full_page=True)
                raise
            findings = page.locator("#checks li.finding")
            if sid != "not-rdf":
                assert findings.count() >= 1, page.locator("main").inner_text()
            found = english_sentences(page, values)
            if found:
                english[sid] = found
    finally:
        context.close()
    assert not english, "English on French pages:\n" + "\n".join(f"{u}\n    " + "\n    ".join(s) for u, s in english.items())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_concept_titled_by_its_iri_does_not_widen_the_page(server, browser, lang):
    """A concept without a label is titled by its IRI (quality.ttl's :c), an unbreakable word in
    the page's largest font: at 390 px the page was 477 px wide (the h1's text overflowed it). The
    heading now breaks the IRI where it must; the whole IRI is still shown."""
    iri = "https://w3id.org/test/vocab/quality/c"
    context = browser.new_context(locale=lang, viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/ui/concept?iri={iri}&vocabulary=quality&lang={lang}")
        assert page.locator("h1").inner_text().replace("\n", "") == iri
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate("(() => { const h = document.querySelector('h1'); return h.scrollWidth <= h.clientWidth; })()")
    finally:
        context.close()
