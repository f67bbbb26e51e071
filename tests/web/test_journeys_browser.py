"""Issue 15 acceptance: the five journeys of the issue, end to end in chromium against a real server
(each its own browser context, as a new visitor):

1. a French-speaking researcher reads a profile: from the home page to the profile's fields,
   required first, with an anchor per field;
2. the researcher validates a record from the profile's page and reads the report in French, with
   correct plurals;
3. a data steward checks a draft in the community area, opens it, validates a record against it,
   publishes it, and finds it on the public pages;
4. a catalog engineer runs the SPARQL page's latest-versions example;
5. a newcomer goes from the home page to the API documentation and the walk-through's files.

The numbered items have their own tests; these follow one person through the pages."""

from __future__ import annotations

import re

import httpx
import pytest

from registry.web.i18n import Translator
from tests.web.conftest import DATA, REPO, community_sign_in, start_live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own: the steward's journey publishes a version."""
    yield from start_live_server(tmp_path_factory.mktemp("live-journeys"))


def _context(browser, lang):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    return context


def test_researcher_reads_a_profile_in_french(server, browser):
    context = _context(browser, "fr")
    try:
        page = context.new_page()
        page.goto(server.url + "/?lang=fr")
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Profils").click()
        page.get_by_role("link", name="Microscopie électronique").first.click()
        assert "Microscopie électronique" in page.get_by_role("heading", level=1).inner_text()
        rows = page.locator("table.fields tbody tr[data-requirement]")
        assert rows.count() >= 1
        # required fields come first in each table, and each field has an anchor
        for table in page.locator("table.fields").all():
            levels = table.locator("tbody tr[data-requirement]").evaluate_all("rs => rs.map(r => r.dataset.requirement)")
            order = {"required": 0, "recommended": 1, "optional": 2}
            assert [order.get(x, 3) for x in levels] == sorted(order.get(x, 3) for x in levels), levels
        first = rows.first.get_attribute("id")
        assert first and page.locator(f"a[href='#{first}']").count() >= 1
    finally:
        context.close()


def test_researcher_validates_a_record_in_french(server, browser):
    t = Translator("fr")
    context = _context(browser, "fr")
    try:
        page = context.new_page()
        page.goto(server.url + "/ui/profiles/em?lang=fr")
        page.get_by_role("link", name=t("profile.validate_with")).first.click()
        assert page.locator("#v-profile").input_value().startswith("em")
        page.locator("#v-record").fill((DATA / "invalid-record.ttl").read_text())
        page.locator("#validate-form button[type=submit]").first.click()
        verdict = page.locator("p.verdict")
        verdict.wait_for()
        text = verdict.inner_text()
        assert "n'est pas conforme" in text
        report = httpx.post(server.url + "/validate", params={"profile": "em", "lang": "fr"},
                            content=(DATA / "invalid-record.ttl").read_bytes(),
                            headers={"Content-Type": "text/turtle"}, timeout=120).json()
        for kind in ("violation", "warning", "info"):
            assert t.n(f"count.{kind}", report["counts"].get(kind, 0)) in text, (kind, text)
        assert not re.search(r"\b1 (violations|avertissements|remarques)\b", text)
    finally:
        context.close()


def test_data_steward_manages_a_draft(server, browser):
    page, context, t = community_sign_in(browser, server, "en")
    try:
        page.locator("input[type=radio][name=kind][value=profile]").check()
        page.locator("#u-id").fill("steward")
        page.locator("#u-version").fill("1.0.0")
        page.locator("#u-title-en").fill("Steward's dataset")
        page.locator("#u-file").set_input_files(str(DATA / "core.ttl"))
        page.get_by_role("button", name=t["community.check"], exact=True).click()
        page.locator("#confirm").wait_for()
        # the draft is in the list; its page shows the fields; a record is validated against it
        page.goto(server.url + "/ui/community")
        page.locator("tr[data-version='steward@1.0.0'] th a").click()
        assert page.locator("table.fields").count() >= 1
        page.locator("#owner-actions").get_by_role("link", name=t["community.validate_draft"]).click()
        page.locator("#v-record").fill((DATA / "invalid-record.ttl").read_text())
        page.locator("#validate-form button[type=submit]").first.click()
        page.locator("p.verdict").wait_for()
        assert "Steward's dataset 1.0.0" in page.locator("p.verdict").inner_text()
        # publish it from its page; the public pages show it
        page.goto(server.url + "/ui/community/profiles/steward/1.0.0")
        page.locator("#owner-actions").get_by_role("button", name=t["community.confirm"]).click()
        page.locator("#outcome").wait_for()
        page.goto(server.url + "/ui/profiles")
        assert page.get_by_role("link", name="Steward's dataset").count() == 1
    finally:
        context.close()


def test_catalog_engineer_queries_the_latest_versions(server, browser):
    context = _context(browser, "en")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Query").click()
        page.get_by_role("button", name=Translator("en")("q.latest"), exact=True).click()
        page.locator("#yasgui[data-ready=true] .CodeMirror").wait_for()
        with page.expect_response(lambda r: r.url.endswith("/sparql") and r.request.method == "POST") as answer:
            page.locator("#yasgui .yasqe_queryButton").click()
        bindings = answer.value.json()["results"]["bindings"]
        concepts = [b["concept"]["value"] for b in bindings if "technique" in b["concept"]["value"]]
        assert len(concepts) == len(set(concepts)) == 4, bindings
        page.locator("#yasgui .yasr table tbody tr").first.wait_for()
    finally:
        context.close()


def test_newcomer_finds_the_api_and_the_walkthrough(server, browser):
    context = _context(browser, "en")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.locator("footer").get_by_role("link", name="API").click()
        page.locator(".opblock").first.wait_for()  # Swagger UI lists the operations
        assert page.locator(".opblock").count() >= 10
        # the README's walk-through uses files that ship with the repository
        readme = (REPO / "README.md").read_text()
        for name in re.findall(r"@(docs/walkthrough/[\w.-]+)", readme):
            assert (REPO / name).is_file(), name
    finally:
        context.close()
