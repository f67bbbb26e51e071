"""Communities and concepts in context (issue 15 item 13), in chromium on the bundled content: a
communities page the home page's count links to; concept pages that name the mapping targets the
registry hosts and list the profile fields taking values from the concept's vocabulary."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from registry.web.i18n import MESSAGES

RESEARCH_USER = "https://w3id.org/metsa/vocab/operator-role/research-user"


def _t(key: str, lang: str, **values) -> str:
    return MESSAGES[key][lang].format(**values)


@pytest.fixture
def tab(browser):
    contexts = []

    def open_tab(lang: str):
        context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_home_count_leads_to_the_communities_page(bundled_live_server, tab, lang):
    known = httpx.get(f"{bundled_live_server.url}/communities", timeout=30).json()  # metsa, rdp (+ the tests' own)
    page = tab(lang)
    page.goto(f"{bundled_live_server.url}/?lang={lang}")
    count = page.locator("[data-count=communities]")
    assert count.inner_text() == str(len(known))
    count.click()
    page.wait_for_url(re.compile(r"/ui/communities$"))
    assert page.get_by_role("heading", level=1).inner_text() == _t("communities.title", lang)
    sections = page.locator("section.community")
    assert sections.count() == len(known)
    metsa = page.locator("section#c-metsa")
    assert "METSA" in metsa.get_by_role("heading", level=2).inner_text()
    assert metsa.get_by_role("heading", name=_t("communities.profiles", lang, n=2)).is_visible()
    assert metsa.get_by_role("heading", name=_t("communities.vocabularies", lang, n=10)).is_visible()
    profiles = metsa.locator("ul.community-profiles a")
    assert {a.get_attribute("href") for a in profiles.all()} == {"/ui/profiles/electron-microscopy", "/ui/profiles/atom-probe"}
    rdp_vocabularies = {a.get_attribute("href") for a in page.locator("section#c-rdp ul.community-vocabularies a").all()}
    assert "/ui/vocabularies/contributor-role" in rdp_vocabularies and len(rdp_vocabularies) == 6
    # a profile from there
    metsa.locator("ul.community-profiles a[href='/ui/profiles/electron-microscopy']").click()
    page.wait_for_url(re.compile(r"/ui/profiles/electron-microscopy$"))
    # one community's page, also at its IRI
    page.goto(f"{bundled_live_server.url}/communities/rdp?lang={lang}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("RDP")
    assert page.locator("section.community").count() == 1


def test_communities_is_a_page_for_browsers_and_json_for_programs(bundled_live_server, tab):
    page = tab("fr")
    page.goto(f"{bundled_live_server.url}/communities")
    assert page.get_by_role("heading", level=1).inner_text() == "Communautés"
    r = httpx.get(f"{bundled_live_server.url}/communities", timeout=30)
    assert r.headers["content-type"].startswith("application/json")
    assert {"metsa", "rdp"} <= {c["id"] for c in r.json()}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_concept_names_hosted_mapping_targets_and_the_fields_using_it(bundled_live_server, tab, lang):
    page = tab(lang)
    page.goto(f"{bundled_live_server.url}/ui/concept?iri={quote(RESEARCH_USER, safe='')}&lang={lang}")
    mapping = page.locator("ul.mappings li[data-relation='skos:closeMatch']")
    assert _t("concept.mapping.closeMatch", lang) in mapping.inner_text()
    target = mapping.get_by_role("link", name={"fr": "Chercheur", "en": "Researcher"}[lang], exact=True)
    assert "vocabulary=contributor-role" in target.get_attribute("href")
    # the profile fields that take values from operator-role, each linking to its row
    used = page.locator("section[aria-labelledby=used-by-h]")
    assert used.get_by_role("heading", level=2).inner_text() == _t("concept.used_by", lang)
    links = {a.get_attribute("href"): a.inner_text() for a in used.locator("ul.used-by a").all()}
    assert links == {
        "/ui/profiles/electron-microscopy/2.1.0#f-operator-operatorRole": {"fr": "Rôle de l'opérateur", "en": "Operator role"}[lang],
        "/ui/profiles/atom-probe/2.0.0#f-operator-operatorRole": {"fr": "Rôle de l'opérateur", "en": "Operator role"}[lang],
    }
    used.locator("a[href$='electron-microscopy/2.1.0#f-operator-operatorRole']").click()
    page.wait_for_url(re.compile(r"/ui/profiles/electron-microscopy/2.1.0#f-operator-operatorRole$"))
    row = page.locator("#f-operator-operatorRole")
    assert row.is_visible() and row.evaluate("r => r.getBoundingClientRect().top < window.innerHeight")
    assert "operator-role" in row.locator("td a").first.get_attribute("href")
    # the mapping target's own page
    page.go_back()
    page.locator("ul.mappings li[data-relation='skos:closeMatch'] a").first.click()
    page.wait_for_url(re.compile(r"contributor-role"))
    assert page.get_by_role("heading", level=1).inner_text() == {"fr": "Chercheur", "en": "Researcher"}[lang]
