"""Playwright (Python) drives Debian's chromium headless against a real server (uvicorn child process).

Each test writes screenshots to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import DATA

pytestmark = pytest.mark.usefixtures("live_server")


def test_search_concept_by_french_prefix_and_open_it(live_server, browser, shot):
    context = browser.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        assert page.locator("html").get_attribute("lang") == "fr"
        shot(page, "home-fr")
        box = page.get_by_role("combobox", name="Rechercher")
        box.fill("sonde")  # typing, as a person does: suggestions appear
        option = page.get_by_role("option", name=re.compile("Sonde atomique tomographique"))
        option.wait_for()
        shot(page, "search-autocomplete-fr")
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/ui/concept\?"))
        assert page.get_by_role("heading", level=1).inner_text() == "Sonde atomique tomographique"
        shot(page, "concept-fr")
        # the results page of a prefix search, then a concept from it
        page.goto(live_server.url + "/ui/search?q=micro")
        page.get_by_role("link", name="Microscopie électronique en transmission", exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == "Microscopie électronique en transmission"
        assert page.locator("li[lang=fr]", has_text="MET").first.is_visible()
        shot(page, "concept-tem-fr")
    finally:
        context.close()


def test_open_a_profile_and_find_an_inherited_field(live_server, page, shot):
    page.goto(live_server.url + "/ui/profiles")
    shot(page, "profiles")
    page.get_by_role("link", name="Electron microscopy").click()
    page.wait_for_url(re.compile(r"/ui/profiles/em$"))
    row = page.locator("table.fields tbody tr", has=page.locator(".field-name", has_text="Title"))
    assert row.count() == 1
    assert "inherited from core 1.0.0" in row.inner_text()
    own = page.locator("table.fields tbody tr", has=page.locator(".field-name", has_text="Technique"))
    assert "this profile" in own.inner_text()
    shot(page, "profile-em")
    # the vocabulary link leads to the concept tree, which expands and collapses
    own.get_by_role("link", name=re.compile("Test techniques")).click()
    page.wait_for_url(re.compile(r"/ui/vocabularies/technique-test/1.0.0"))
    stem = page.get_by_role("link", name="Scanning transmission electron microscopy")
    page.get_by_role("button", name="Collapse all").click()
    assert not stem.is_visible()
    page.locator("details[data-node$='/tem'] > summary").click()
    assert stem.is_visible()
    page.get_by_role("button", name="Expand all").click()
    shot(page, "vocabulary-tree")


def test_validate_an_invalid_record_in_french(live_server, browser, shot):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/ui/validate?lang=fr")
        page.get_by_label("Profil et version").select_option("em@1.0.0")
        page.get_by_label("Format de la fiche").select_option("text/turtle")
        page.get_by_label("Fiche (collez-la ici)").fill((DATA / "invalid-record.ttl").read_text())
        shot(page, "validate-form-fr")
        page.get_by_role("button", name="Valider", exact=True).click()
        report = page.locator("#report")
        report.wait_for()
        assert "n'est pas conforme" in page.locator(".verdict").inner_text()
        groups = page.locator("section.result-group")
        titles = [groups.nth(i).locator("h3 .field-name").inner_text() for i in range(groups.count())]
        assert "Titre" in titles and "Technique" in titles
        technique = groups.filter(has=page.locator("h3 .field-name", has_text="Technique"))
        assert "not-a-concept" in technique.locator("code.value").first.inner_text()
        assert technique.locator(".message").first.inner_text().strip()
        with page.expect_download() as download:
            page.get_by_role("link", name="JSON").click()
        assert download.value.suggested_filename == "validation-report.json"
        shot(page, "validate-report-fr")
    finally:
        context.close()


def test_run_an_example_sparql_query_and_see_rows(live_server, page, shot):
    """The SPARQL page's one editor is YASGUI: an example button sets its query, its run button
    shows the rows (issue 15 item 12)."""
    page.goto(live_server.url + "/ui/query")
    page.locator("#yasgui[data-ready=true] .CodeMirror").wait_for(timeout=60_000)
    page.get_by_role("button", name="Concepts whose French label starts with “micro”").click()
    assert "STRSTARTS" in page.evaluate("document.querySelector('#yasgui .CodeMirror').CodeMirror.getValue()")
    page.locator("#yasgui .yasqe_queryButton").click()
    rows = page.locator("#yasgui .yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    assert "Microscopie électronique à balayage" in page.locator("#yasgui .yasr").inner_text()
    shot(page, "query")


def test_publish_a_new_profile_version_with_a_token(live_server, page, shot):
    page.goto(live_server.url + "/ui/community")
    page.get_by_label("Token").fill(live_server.token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Test community").wait_for()
    page.get_by_label("Identifier").fill("em")
    page.get_by_label("Version", exact=True).fill("1.2.0")
    page.get_by_label("Title (English)").fill("Electron microscopy")
    page.get_by_label("Title (French)").fill("Microscopie électronique")
    page.get_by_label("Profile of (optional)").fill("core")
    page.get_by_label("File (Turtle, N-Triples, RDF/XML, JSON-LD)").set_input_files(str(DATA / "em.ttl"))
    shot(page, "community-upload")
    page.get_by_role("button", name="Check").click()
    page.locator("#checks").wait_for()
    assert "passed the checks" in page.locator("#outcome").inner_text()
    shot(page, "community-checks")
    page.get_by_role("button", name="Confirm and publish").click()
    assert "is published" in page.locator("#outcome").inner_text()
    shot(page, "community-published")
    # listed publicly
    page.goto(live_server.url + "/ui/profiles")
    row = page.locator("tbody tr", has=page.get_by_role("link", name="Electron microscopy"))
    assert "1.2.0" in row.inner_text()
    page.goto(live_server.url + "/ui/profiles/em")
    assert "1.2.0" in page.get_by_role("heading", level=1).inner_text()


def test_phone_width_pages(live_server, browser, shot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="en-GB")
    page = context.new_page()
    try:
        for name, path in [("home", "/"), ("profile", "/ui/profiles/em/1.0.0"), ("vocabulary", "/ui/vocabularies/technique-test"),
                           ("validate", "/ui/validate"), ("query", "/ui/query"), ("community", "/ui/community")]:
            page.goto(live_server.url + path)
            # nothing wider than the screen: no sideways scrolling of the page itself
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375 + 1, (path, width)
            shot(page, f"phone-{name}")
    finally:
        context.close()


def test_keyboard_skip_link_and_focus(live_server, page):
    page.goto(live_server.url + "/ui/profiles")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
