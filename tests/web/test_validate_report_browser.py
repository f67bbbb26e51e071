"""Issue 15, items 6-8: the validation report points into the record, filters and prints like the EU
ITB validator's, downloads as PDF and CSV in the page's language, defaults to the most general
profile and accepts draft shapes. Driven in Debian's chromium against a real server."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.web.conftest import DATA

REPO = Path(__file__).resolve().parents[2]
BEAM = REPO / "examples" / "electron-microscopy" / "1.0.0" / "invalid-kit-sem-femoox-json-beam-current.ttl"

TEXTS = {
    "fr": {"submit": "Valider", "verdict": "n'est pas conforme", "licence": "Licence", "voltage": "Tension d'accélération",
           "report": "Rapport de validation", "line": "ligne 8", "warnings": "avertissements", "severity": "Gravité",
           "field": "Champ", "see_field": "Ce champ dans le profil", "violation": "violation"},
    "en": {"submit": "Validate", "verdict": "does not conform", "licence": "Licence", "voltage": "Accelerating voltage",
           "report": "Validation report", "line": "line 8", "warnings": "warnings", "severity": "Severity",
           "field": "Field", "see_field": "This field in the profile", "violation": "violation"},
}

# a whole-object rule (no sh:path) on the voltage's blank node, in draft shapes that extend "em"
DRAFT_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix ex: <https://w3id.org/test/ns/> .
<https://w3id.org/test/shapes/draft/VoltageIsQuantity> a sh:NodeShape ;
    sh:targetObjectsOf ex:acceleratingVoltage ;
    sh:class qudt:QuantityValue .
"""

JSONLD_RECORD = json.dumps({
    "@context": {"dct": "http://purl.org/dc/terms/", "ex": "https://w3id.org/test/ns/", "qudt": "http://qudt.org/schema/qudt/",
                 "dcat": "http://www.w3.org/ns/dcat#"},
    "@id": "https://example.org/records/1", "@type": "dcat:Dataset", "dct:title": "A dataset", "dct:license": "not an IRI",
    "ex:technique": {"@id": "https://w3id.org/test/vocab/technique/sem"},
}, indent=2)


def _context(browser, lang, **options):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB", accept_downloads=True, **options)
    context.set_default_timeout(60_000)
    return context


def _validate(page, server, lang, record, *, profile="em@1.0.0", media="text/turtle", shapes=None, shapes_as_file=False):
    page.goto(f"{server.url}/ui/validate?lang={lang}")
    page.locator("#v-profile").select_option(profile)
    page.locator("#v-format").select_option(media)
    page.locator("#v-record").fill(record)
    if shapes is not None:
        page.locator("details.draft-shapes > summary").click()
        if shapes_as_file:
            page.locator("#v-shapes-file").set_input_files(
                files=[{"name": "draft.ttl", "mimeType": "text/turtle", "buffer": shapes.encode()}])
        else:
            page.locator("#v-shapes").fill(shapes)
    page.get_by_role("button", name=TEXTS[lang]["submit"], exact=True).click()
    page.locator("#report").wait_for()


def _group(page, label):
    return page.locator("section.result-group").filter(has=page.locator("h3 .field-name", has_text=label))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_point_to_the_lines_of_the_record_and_to_the_profile_fields(live_server, browser, lang, shot):
    context = _context(browser, lang)
    page = context.new_page()
    try:
        _validate(page, live_server, lang, (DATA / "invalid-record.ttl").read_text())
        assert TEXTS[lang]["verdict"] in page.locator(".verdict").inner_text()
        report_text = page.locator("#report").inner_text()
        assert not re.search(r"_:[0-9a-f]{8}|\b[0-9a-f]{32}\b", report_text), report_text  # no blank-node label
        licence = _group(page, TEXTS[lang]["licence"])
        link = licence.locator("a.line-link").first
        assert link.inner_text() == TEXTS[lang]["line"]
        assert link.get_attribute("href") == "#L8"
        line = page.locator("#L8")
        assert "hit" in line.get_attribute("class") and "sev-Violation" in line.get_attribute("class")
        assert 'dct:license "not an IRI"' in line.inner_text()
        link.click()
        assert page.evaluate("location.hash") == "#L8"
        assert page.locator(".record-lines li:target").inner_text() == line.inner_text()
        # the voltage's blank node is shown as written in the record, never by its label
        voltage = _group(page, TEXTS[lang]["voltage"])
        assert voltage.locator("code.value").first.inner_text() == "[ qudt:unit unit:KiloV ; qudt:numericValue 5000.0 ]"
        assert "[ qudt:unit unit:KiloV ; qudt:numericValue 5000.0 ]" in voltage.locator(".message").first.inner_text()
        assert voltage.locator("a.line-link").first.get_attribute("href") == "#L10"
        # each group links to the field's row on the profile page
        field_link = licence.locator("a.field-link")
        assert field_link.inner_text() == TEXTS[lang]["see_field"]
        href = field_link.get_attribute("href")
        assert href.endswith("/ui/profiles/em/1.0.0#f-Dataset-license"), href
        shot(page, f"validate-report-lines-{lang}")
        field_link.click()
        page.wait_for_url(re.compile(r".*#f-Dataset-license$"))
        row = page.locator("tr#f-Dataset-license")
        assert "license" in row.locator("th .prop").inner_text()
        assert row.locator("th .field-name").inner_text() == TEXTS[lang]["licence"]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_jsonld_results_carry_json_pointers_and_their_lines(live_server, browser, lang):
    context = _context(browser, lang)
    page = context.new_page()
    try:
        _validate(page, live_server, lang, JSONLD_RECORD, media="application/ld+json")
        licence = _group(page, TEXTS[lang]["licence"])
        assert licence.locator("code.pointer").inner_text() == "/dct:license"
        number = next(i for i, text in enumerate(JSONLD_RECORD.splitlines(), start=1) if '"dct:license"' in text)
        assert licence.locator("a.line-link").get_attribute("href") == f"#L{number}"
        assert '"dct:license": "not an IRI"' in page.locator(f"#L{number}").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_draft_shapes_and_whole_object_rules_are_filed_under_their_field(live_server, browser, lang):
    context = _context(browser, lang)
    page = context.new_page()
    try:
        # French: shapes pasted; English: shapes uploaded as a file
        _validate(page, live_server, lang, (DATA / "invalid-record.ttl").read_text(), shapes=DRAFT_SHAPES,
                  shapes_as_file=lang == "en")
        voltage = _group(page, TEXTS[lang]["voltage"])
        components = voltage.locator("li.result")
        assert components.count() == 2, voltage.inner_text()  # the em node rule and the draft sh:class rule
        other = "Autres résultats" if lang == "fr" else "Other results"
        assert page.locator("h3 .field-name", has_text=other).count() == 0
        within = voltage.locator("dd.focus").first.inner_text()
        assert "https://example.org/records/1" in within and "acceleratingVoltage" in within
        assert "+" in page.locator(".verdict").inner_text()  # "em 1.0.0 + draft shapes"
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_filter_by_severity_print_and_downloads(live_server, browser, lang, tmp_path):
    from pypdf import PdfReader

    context = _context(browser, lang)
    page = context.new_page()
    try:
        _validate(page, live_server, lang, (DATA / "invalid-record.ttl").read_text())
        description = _group(page, "Description")  # a Warning (sh:severity sh:Warning)
        assert description.is_visible()
        page.get_by_label(TEXTS[lang]["warnings"], exact=True).uncheck()
        assert not description.is_visible()
        assert _group(page, TEXTS[lang]["licence"]).is_visible()
        page.get_by_label(TEXTS[lang]["warnings"], exact=True).check()
        assert description.is_visible()
        # print: the report only, no form, no navigation, nothing wider than the paper
        page.emulate_media(media="print")
        assert page.locator("#report").is_visible()
        assert not page.locator("#v-record").is_visible() and not page.locator("header.site-header").is_visible()
        assert not page.locator(".severity-filter").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.emulate_media(media="screen")
        # PDF in the page's language
        with page.expect_download() as download:
            page.get_by_role("button", name="PDF", exact=True).click()
        assert download.value.suggested_filename == "validation-report.pdf"
        pdf_path = tmp_path / "report.pdf"
        download.value.save_as(pdf_path)
        text = " ".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages)
        text = " ".join(text.split())
        assert TEXTS[lang]["report"] in text and TEXTS[lang]["verdict"] in text, text
        assert TEXTS[lang]["licence"] in text and "not an IRI" in text, text
        assert TEXTS[lang]["line"].capitalize() in text, text
        # CSV: one row per result, headers in the page's language
        with page.expect_download() as download:
            page.get_by_role("button", name="CSV", exact=True).click()
        assert download.value.suggested_filename == "validation-report.csv"
        csv_path = tmp_path / "report.csv"
        download.value.save_as(csv_path)
        rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
        assert rows[0][0] == TEXTS[lang]["severity"] and rows[0][1] == TEXTS[lang]["field"]
        assert len(rows) == 1 + 5
        licence = next(r for r in rows if r[1] == TEXTS[lang]["licence"])
        assert licence[0] == TEXTS[lang]["violation"] and licence[4] == "not an IRI"
        assert TEXTS[lang]["line"].capitalize() in licence[2]
        voltage = next(r for r in rows if r[1] == TEXTS[lang]["voltage"])
        assert voltage[4] == "[ qudt:unit unit:KiloV ; qudt:numericValue 5000.0 ]"
    finally:
        context.close()


def test_without_javascript_every_result_is_shown(live_server, browser):
    context = _context(browser, "en", java_script_enabled=False)
    page = context.new_page()
    try:
        _validate(page, live_server, "en", (DATA / "invalid-record.ttl").read_text())
        assert not page.locator(".severity-filter").is_visible()
        assert page.locator("li.result:visible").count() == 5
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_report_page_fits_the_screen_and_weighs_under_100_kb(live_server, browser, width):
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.request.method == "POST" or "/static/" in r.url else None)
    try:
        _validate(page, live_server, "en", BEAM.read_text())
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert sum(sizes) < 100_000, sizes
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_beam_current_in_amperes_is_shown_as_written(bundled_live_server, browser, lang):
    """The real KIT SEM record: beam current 2.29 A (a unit error) is shown as the record writes it."""
    context = _context(browser, lang)
    page = context.new_page()
    try:
        _validate(page, bundled_live_server, lang, BEAM.read_text(), profile="electron-microscopy@1.0.0")
        values = [v for v in page.locator("#report code.value").all_inner_texts() if "2.29" in v]
        assert values == ["[ qudt:numericValue 2.29e+00 ; qudt:unit unit:A ]"], page.locator("#report").inner_text()
        line = next(i for i, text in enumerate(BEAM.read_text().splitlines(), start=1) if "metsa:beamCurrent" in text)
        assert page.locator(f"#L{line}.hit").count() == 1
        assert "_:" not in page.locator("#report section.result-group").first.inner_text()
    finally:
        context.close()


def test_the_page_defaults_to_the_most_general_profile_or_the_one_the_user_came_from(bundled_live_server, browser):
    context = _context(browser, "en")
    page = context.new_page()
    try:
        page.goto(f"{bundled_live_server.url}/ui/validate")
        # atom-probe comes first alphabetically; research-dataset is the profile the others are profiles of
        assert page.locator("#v-profile").input_value() == "research-dataset"
        page.goto(f"{bundled_live_server.url}/ui/profiles/atom-probe/2.0.0")
        page.locator("a.button[href*='/ui/validate']").click()
        page.wait_for_url(re.compile(r".*/ui/validate\?.*"))
        assert page.locator("#v-profile").input_value() == "atom-probe@2.0.0"
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_draft_shapes_alone(live_server, browser, lang):
    context = _context(browser, lang)
    page = context.new_page()
    try:
        _validate(page, live_server, lang, (DATA / "invalid-record.ttl").read_text(), profile="", shapes=DRAFT_SHAPES)
        verdict = page.locator(".verdict").inner_text()
        assert ("les formes brouillon" if lang == "fr" else "draft shapes") in verdict, verdict
        results = page.locator("li.result")
        assert results.count() == 1, page.locator("#report").inner_text()  # only the draft's sh:class rule
        assert "qudt:unit unit:KiloV" in results.first.locator("code.value").inner_text()
        assert page.locator("a.field-link").count() == 0  # no published profile to link to
    finally:
        context.close()
