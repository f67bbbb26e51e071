"""The validate page never shows a record that nothing checked as conforming (issue 14, item 1):
chromium uploads the real KIT SEM JSON against the bundled electron-microscopy profile, in
English and in French, and sees an error naming what the profile looks for and the JSON keys it
does not know — never the green verdict."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA, require_shared

KIT_SEM = SHARED_DATA / "records" / "KIT_SEM_SCEO5_00.json"


@pytest.fixture
def kit_sem_json():
    return require_shared(KIT_SEM)


@pytest.mark.parametrize("locale, lang, profile_label, submit, nothing, looks_for", [
    ("en-GB", "en", "Profile and version", "Validate", "Nothing in this record was checked", "The profile looks for"),
    ("fr-FR", "fr", "Profil et version", "Valider", "Rien dans cette fiche n'a été vérifié", "Le profil cherche"),
])
def test_kit_sem_json_upload_is_an_error_not_a_conforming_report(
    bundled_live_server, browser, shot, kit_sem_json, locale, lang, profile_label, submit, nothing, looks_for
):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(bundled_live_server.url + f"/ui/validate?lang={lang}")
        page.get_by_label(profile_label).select_option("electron-microscopy")
        page.locator("#v-file").set_input_files(str(kit_sem_json))
        page.get_by_role("button", name=submit, exact=True).click()
        problem = page.locator("section.problem")
        problem.wait_for()
        text = problem.inner_text()
        assert nothing in text
        assert looks_for in text and "dcat:Dataset" in page.locator("ul.looks-for").inner_text()
        assert page.locator("ul.unmapped-keys li").all_inner_texts() == ["/entry"]
        if lang == "fr":
            assert "Rien n'a été vérifié" in text and "ne sont pas associées par le contexte JSON-LD du profil" in text
        else:
            assert "Nothing was checked" in text and "are not mapped by the profile's JSON-LD context" in text
        # never green: no report, no conforming verdict anywhere on the page
        assert page.locator("#report").count() == 0
        assert page.locator(".verdict.ok").count() == 0
        shot(page, f"validate-nothing-checked-{lang}")
    finally:
        context.close()


def test_dataverse_native_json_upload_is_not_conforming_with_fields_and_pointers(bundled_live_server, browser, shot):
    record = require_shared(SHARED_DATA / "dataverse" / "records" / "cars.datasetJson.json")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(bundled_live_server.url + "/ui/validate?lang=en")
        page.get_by_label("Profile and version").select_option("research-dataset")
        page.locator("#v-file").set_input_files(str(record))
        page.get_by_role("button", name="Validate", exact=True).click()
        page.locator("#report").wait_for()
        assert "ko" in page.locator(".verdict").get_attribute("class")
        assert page.locator(".verdict.ok").count() == 0
        pointers = page.locator("code.pointer").all_inner_texts()
        assert "/datasetVersion/metadataBlocks/citation/fields/0/value" in pointers
        assert "/datasetVersion/metadataBlocks/citation/fields/3/value/0/dsDescriptionValue/value" in pointers
        assert "Text (Description)" in page.locator("dd.source-field").all_inner_texts()
        shot(page, "validate-dataverse-native-en")
    finally:
        context.close()
