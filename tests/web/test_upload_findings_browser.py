"""Issue 15 item 11: the community area's upload forms show the publication checks' findings in the
chosen language, each with the line of the uploaded file it is about. Driven in Debian's chromium
against a real server, in French and in English."""

from __future__ import annotations

import pytest

from tests.web.conftest import community_sign_in, start_live_server

VOCABULARY = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix : <https://w3id.org/test/vocab/quality/> .

<https://w3id.org/test/vocab/quality> a skos:ConceptScheme ;
    skos:prefLabel "Quality"@en, "Qualité"@fr ;
    skos:hasTopConcept :good, :nolabel .

:good a skos:Concept ; skos:inScheme <https://w3id.org/test/vocab/quality> ;
    skos:topConceptOf <https://w3id.org/test/vocab/quality> ;
    skos:prefLabel "Good"@en, "Bon"@fr ; skos:definition "Good enough."@en, "Assez bon."@fr .

:nolabel a skos:Concept ; skos:inScheme <https://w3id.org/test/vocab/quality> ;
    skos:topConceptOf <https://w3id.org/test/vocab/quality> ;
    skos:definition "A concept someone forgot to name."@en, "Un concept qu'on a oublié de nommer."@fr .
"""
NOLABEL_LINE = 12

PROFILE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix ts: <https://w3id.org/test/shapes/regex/> .

ts:DatasetShape a sh:NodeShape ;
    sh:targetClass dcat:Dataset ;
    sh:property ts:title .

ts:title a sh:PropertyShape ;
    sh:path dct:title ;
    sh:pattern "^(a+)+$" .
"""
PATTERN_LINE = 12

TEXTS = {
    "fr": {"line": "Ligne", "missing": "n'a pas de skos:prefLabel"},
    "en": {"line": "Line", "missing": "has no skos:prefLabel"},
}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: these uploads make drafts, which the session's server must not see."""
    yield from start_live_server(tmp_path_factory.mktemp("live-findings"))


def _upload(browser, server, lang, kind, sid, name, content):
    page, context, t = community_sign_in(browser, server, lang)
    page.locator(f"input[type=radio][name=kind][value={kind}]").check()
    page.locator("#u-id").fill(sid)
    page.locator("#u-version").fill("1.0.0")
    page.locator("#u-file").set_input_files(files=[{"name": name, "mimeType": "text/turtle", "buffer": content.encode()}])
    page.get_by_role("button", name=t["community.check"], exact=True).click()
    page.locator("#checks, main .problem").first.wait_for()
    assert page.locator("#checks").count() == 1, page.locator("main").inner_text()
    return page, context


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_vocabulary_findings_in_the_chosen_language_with_their_line(live_server, browser, lang):
    page, context = _upload(browser, live_server, lang, "vocabulary", f"quality-{lang}", "quality.ttl", VOCABULARY)
    try:
        finding = page.locator("li.finding", has=page.locator("code", has_text="qskos-missing-preflabel"))
        assert finding.count() == 1, page.locator("#checks").inner_text()
        assert TEXTS[lang]["missing"] in finding.locator(".finding-message").inner_text()
        assert finding.locator(".finding-line").inner_text() == f"{TEXTS[lang]['line']} {NOLABEL_LINE}"
        assert ":nolabel a skos:Concept" in VOCABULARY.splitlines()[NOLABEL_LINE - 1]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refused_profile_finding_points_to_the_line_of_the_pattern(live_server, browser, lang):
    page, context = _upload(browser, live_server, lang, "profile", f"regex-{lang}", "regex.ttl", PROFILE)
    try:
        finding = page.locator("li.finding.error", has=page.locator("code", has_text="regex-catastrophic"))
        assert finding.count() == 1, page.locator("#checks").inner_text()
        assert finding.locator(".finding-line").inner_text() == f"{TEXTS[lang]['line']} {PATTERN_LINE}"
        assert "sh:pattern" in PROFILE.splitlines()[PATTERN_LINE - 1]
    finally:
        context.close()
