"""Issue 15 item 5: a record the registry cannot read (RDF/XML with a syntax error, XML that is not
RDF, YAML, plain JSON without a context) is explained inside the validation page, in the chosen
language: which format was found, which ones are accepted, and where a syntax error is — never a
raw HTTP 500. Driven in Debian's chromium against a real server."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA, require_shared

pytestmark = pytest.mark.usefixtures("live_server")

BROKEN_RDF_XML = (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                  b'  <rdf:Description rdf:about="https://example.org/d"\n</rdf:RDF>\n')

TEXTS = {
    "fr": {"submit": "Valider", "accepted": "Formats acceptés : Turtle, N-Triples, RDF/XML, JSON-LD",
           "xml": "Cette fiche est en XML simple", "yaml": "Cette fiche est en YAML",
           "json": "Cette fiche est en JSON simple sans contexte JSON-LD",
           "syntax": "La fiche n'est pas du RDF/XML valide.", "at": "Ligne 4, colonne"},
    "en": {"submit": "Validate", "accepted": "Accepted formats: Turtle, N-Triples, RDF/XML, JSON-LD",
           "xml": "This record is plain XML", "yaml": "This record is YAML",
           "json": "This record is plain JSON without a JSON-LD context",
           "syntax": "The record is not valid RDF/XML.", "at": "Line 4, column"},
}


def _submit(browser, server, lang: str, name: str, content: bytes, mime: str) -> tuple[int, str, object]:
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{server.url}/ui/validate?lang={lang}")
    page.locator("#v-profile").select_option("em@1.0.0")
    page.locator("#v-file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    with page.expect_response(lambda r: r.request.method == "POST" and "/ui/validate" in r.url) as answer:
        page.get_by_role("button", name=TEXTS[lang]["submit"], exact=True).click()
    status = answer.value.status
    page.locator("section.problem").wait_for()
    # French typography puts a narrow no-break space before ':' (issue 15 item 4): compared as a space
    text = page.locator("section.problem").inner_text().replace("\u202f", " ").replace("\xa0", " ")
    return status, text, context


def _check(browser, server, lang, name, content, mime, kind):
    status, text, context = _submit(browser, server, lang, name, content, mime)
    try:
        assert 400 <= status < 500, (status, text)
        assert TEXTS[lang][kind] in text, text
        assert TEXTS[lang]["accepted"] in text, text
        return text
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rdf_xml_syntax_error_is_shown_in_the_page_with_its_line(live_server, browser, lang):
    text = _check(browser, live_server, lang, "broken.rdf", BROKEN_RDF_XML, "application/rdf+xml", "syntax")
    assert TEXTS[lang]["at"] in text, text


@pytest.mark.parametrize("lang,record", [("fr", "EMPIAR-10934.xml"), ("en", "KIT_SEM_SEM_example.xml")])
def test_xml_that_is_not_rdf_is_named_plain_xml(live_server, browser, lang, record):
    path = require_shared(SHARED_DATA / "records" / record)
    text = _check(browser, live_server, lang, record, path.read_bytes(), "application/xml", "xml")
    assert "rdf:RDF" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_yaml_is_named_yaml_not_read_as_turtle(live_server, browser, lang):
    path = require_shared(SHARED_DATA / "records" / "OSCEM_example_valid_general.yaml")
    text = _check(browser, live_server, lang, path.name, path.read_bytes(), "application/yaml", "yaml")
    # the format is named instead of a Turtle syntax position
    assert TEXTS[lang]["at"].split()[0] + " 2" not in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_plain_json_without_context_is_named(live_server, browser, lang):
    # the test profile "em" has no JSON-LD context
    _check(browser, live_server, lang, "record.json", b'{"title": "A dataset", "technique": "sem"}',
           "application/json", "json")
