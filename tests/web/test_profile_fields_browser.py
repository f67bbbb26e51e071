"""The profile page as a researcher reads it (issue 15, items 1-3), in chromium, on the bundled
profiles: required fields first with a filter and an anchor per field; values in words, not RDF
terms; ranges as people write them; no table scrolling sideways."""

from __future__ import annotations

import re

import pytest

from registry.web.i18n import MESSAGES
from tests.web.weight import WireWeight

EM = "/ui/profiles/electron-microscopy/2.0.0"
BUNDLED = ["research-dataset/1.0.0", "electron-microscopy/1.0.0", "electron-microscopy/2.0.0",
           "atom-probe/1.0.0", "atom-probe/2.0.0"]
RANK = {"required": 0, "recommended": 1, "optional": 2}
NBSP, NNBSP = "\u00a0", "\u202f"

ROWS = """() => [...document.querySelectorAll('table.fields tbody tr')].map(tr => ({
  id: tr.id, requirement: tr.dataset.requirement, visible: tr.offsetParent !== null,
  group: tr.closest('section.group').dataset.group,
  link: tr.querySelector('a.field-name').getAttribute('href')}))"""


def _t(key: str, lang: str, **values) -> str:
    return MESSAGES[key][lang].format(**values)


@pytest.fixture
def tab(browser):
    contexts = []

    def open_tab(lang: str, width: int = 1280, javascript: bool = True):
        context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", java_script_enabled=javascript,
                                      viewport={"width": width, "height": 900})
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_required_first_filter_and_an_anchor_per_field(bundled_live_server, tab, lang):
    page = tab(lang)
    page.goto(f"{bundled_live_server.url}{EM}?lang={lang}")
    rows = page.evaluate(ROWS)
    assert len(rows) > 60
    # per kind of object: required, then recommended, then optional
    groups: dict[str, list[int]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(RANK[row["requirement"]])
    assert len(groups) > 5
    for group, ranks in groups.items():
        assert ranks == sorted(ranks), group
    # one stable, linkable id per field row
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"f-[A-Za-z0-9-]+", i) for i in ids)
    assert all(row["link"] == "#" + row["id"] for row in rows)
    assert {"f-Dataset-title", "f-contactPoint-hasEmail", "f-wasGeneratedBy-beamCurrent"} <= set(ids)
    required = sum(1 for r in rows if r["requirement"] == "required")
    recommended = sum(1 for r in rows if r["requirement"] == "recommended")
    assert required and recommended and required + recommended < len(rows)

    # the filter (a static script; no inline script under the CSP)
    filter_box = page.get_by_role("group", name=_t("fields.filter", lang))
    filter_box.get_by_role("radio", name=_t("fields.filter.required", lang, n=required)).check()
    shown = [r for r in page.evaluate(ROWS) if r["visible"]]
    assert len(shown) == required and {r["requirement"] for r in shown} == {"required"}
    assert "fields=required" in page.url
    hidden_groups = page.locator("section.group[hidden]").count()
    assert hidden_groups == len(groups) - len({r["group"] for r in shown})
    filter_box.get_by_role("radio", name=_t("fields.filter.recommended", lang, n=required + recommended)).check()
    shown = [r for r in page.evaluate(ROWS) if r["visible"]]
    assert {r["requirement"] for r in shown} == {"required", "recommended"} and len(shown) == required + recommended
    filter_box.get_by_role("radio", name=_t("fields.filter.all", lang, n=len(rows))).check()
    assert all(r["visible"] for r in page.evaluate(ROWS))

    # a link to an optional field shows it even when the filter hides optional fields
    page.goto(f"{bundled_live_server.url}{EM}?lang={lang}&fields=required#f-wasGeneratedBy-beamCurrent")
    row = page.locator("#f-wasGeneratedBy-beamCurrent")
    assert row.is_visible()
    assert row.evaluate("r => r.getBoundingClientRect().top < window.innerHeight")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_filter_works_without_javascript(bundled_live_server, tab, lang):
    page = tab(lang, javascript=False)
    page.goto(f"{bundled_live_server.url}{EM}?lang={lang}")
    assert page.get_by_role("button", name=_t("fields.filter.apply", lang)).is_visible()
    page.locator("input[name=fields][value=required]").check()
    page.get_by_role("button", name=_t("fields.filter.apply", lang)).click()
    page.wait_for_url(re.compile(r"fields=required"))
    shown = [r for r in page.evaluate(ROWS) if r["visible"]]
    assert shown and {r["requirement"] for r in shown} == {"required"}
    assert page.locator("input[name=fields][value=required]").is_checked()


JARGON = ["sh:BlankNodeOrIRI", "sh:IRI", "sh:Literal", "rdf:langString", "xsd:gYear", "xsd:dateTime", "xsd:date",
          "xsd:string", "≤ x ≤", "1e-15", "^mailto:", "^https://orcid"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_values_in_words_and_numbers_as_people_write_them(bundled_live_server, tab, lang):
    page = tab(lang)
    page.goto(f"{bundled_live_server.url}{EM}?lang={lang}")
    # what the table cells show (not the field descriptions, which the profile's authors wrote)
    shown = "\n".join(page.locator("table.fields td").all_inner_texts())
    for term in JARGON:
        assert term not in shown, term
    email = page.locator("#f-contactPoint-hasEmail td").nth(1).inner_text()
    assert email.splitlines()[0].strip() == {"fr": "une adresse e-mail, p. ex. mailto:jane@lab.fr",
                             "en": "an e-mail address, e.g. mailto:jane@lab.fr"}[lang]
    year = page.locator("#f-Dataset-issued td").nth(1).inner_text()
    assert year.strip() == {"fr": "une année, p. ex. 2024", "en": "a year, e.g. 2024"}[lang]
    # the regular expression stays available behind "technical form"
    technical = page.locator("#f-contactPoint-hasEmail details.technical")
    assert technical.locator("summary").inner_text() == _t("field.technical", lang)
    technical.locator("summary").click()
    assert technical.locator("code").inner_text().startswith("^mailto:")
    # units: symbols and a range with SI prefixes
    current = page.locator("#f-wasGeneratedBy-beamCurrent td").nth(2).inner_text()
    assert "µA" in current and "fA" in current
    assert f"1{NBSP}fA – 2{NBSP}µA" in current
    magnification = page.locator("#f-wasGeneratedBy-magnification td").nth(2).inner_text()
    assert magnification.strip() == {"fr": f"1 – 100{NNBSP}000{NNBSP}000", "en": "1 – 100,000,000"}[lang]
    tilt = page.locator("#f-wasGeneratedBy-stageTilt td").nth(2).inner_text()
    assert "−90° – 90°" in tilt
    assert {"fr": f"−1,570796327 – 1,570796327{NBSP}rad", "en": f"−1.570796327 – 1.570796327{NBSP}rad"}[lang] in tilt
    # the property IRI is there, and wraps inside its cell, not one letter per line
    prop = page.locator("#f-wasGeneratedBy-beamCurrent .prop a")
    assert prop.inner_text() == "metsa:beamCurrent"
    assert prop.get_attribute("href") == "https://w3id.org/metsa/term/beamCurrent"
    widths = page.evaluate("() => [...document.querySelectorAll('table.fields .prop')].map(p => p.getBoundingClientRect().width)")
    assert min(widths) > 150


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("profile", BUNDLED)
def test_no_table_scrolls_sideways(bundled_live_server, tab, lang, profile):
    wide = tab(lang, 1280)
    wide.goto(f"{bundled_live_server.url}/ui/profiles/{profile}?lang={lang}")
    overflowing = wide.evaluate("""() => [...document.querySelectorAll('table')].flatMap(t => {
        const wrap = t.parentElement;
        return (t.scrollWidth > t.clientWidth + 1 || wrap.scrollWidth > wrap.clientWidth + 1)
          ? [[t.querySelector('caption') ? t.querySelector('caption').textContent : '', t.scrollWidth, wrap.clientWidth]] : [];
      })""")
    assert wide.locator("table.fields").count() > 0
    assert overflowing == []
    assert wide.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    phone = tab(lang, 390)
    phone.goto(f"{bundled_live_server.url}/ui/profiles/{profile}?lang={lang}")
    assert phone.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_bundled_profile_pages_weigh_under_100_kb(bundled_live_server, browser, lang):
    """The heaviest pages of the registry are the bundled profiles' field tables (the crawl of
    test_layout_weight_browser.py runs on the small test content): each, with every subresource,
    under 100 kB transferred, cache off, as a first visit."""
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)
    page = context.new_page()
    wire = WireWeight(context, page)
    weights = {}
    try:
        for profile in BUNDLED:
            wire.reset()
            page.goto(f"{bundled_live_server.url}/ui/profiles/{profile}?lang={lang}")
            assert page.locator("table.fields").count() > 0, profile
            weights[profile] = wire.total()
    finally:
        context.close()
    assert all(w > 10_000 for w in weights.values()), weights  # the field tables were counted
    assert all(w < 100_000 for w in weights.values()), weights
