"""Issue 15 item 10: a new version published from the community form with the optional title and
description fields left blank keeps a title: the one its file gives (`dct:title` on the
skos:ConceptScheme), else the series' own; the public pages and the API never fall back to a bare id.
Driven in Debian's chromium against a real server, in English and in French."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import DATA, community_sign_in, start_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: these tests publish new versions, which the session's server must not see."""
    yield from start_live_server(tmp_path_factory.mktemp("live-titles"))


def _publish_blank_titles(browser, server, lang: str, kind: str, sid: str, version: str, name: str, content: bytes):
    page, context, t = community_sign_in(browser, server, lang)
    page.locator(f"input[type=radio][name=kind][value={kind}]").check()
    page.locator("#u-id").fill(sid)
    page.locator("#u-version").fill(version)
    for field in ("#u-title-en", "#u-title-fr", "#u-desc-en", "#u-desc-fr"):
        assert page.locator(field).input_value() == ""  # the optional fields stay blank
    page.locator("#u-file").set_input_files(files=[{"name": name, "mimeType": "text/turtle", "buffer": content}])
    page.get_by_role("button", name=t["community.check"], exact=True).click()
    page.locator("#confirm").click()
    page.locator("#outcome").wait_for()
    return page, context


def test_vocabulary_version_takes_the_title_of_its_file(live_server, browser):
    revised = (DATA / "technique.ttl").read_text().replace('"Test techniques"@en', '"Test techniques, revised"@en')
    assert "revised" in revised
    page, context = _publish_blank_titles(browser, live_server, "en", "vocabulary", "technique-test", "1.1.0",
                                          "technique.ttl", revised.encode())
    try:
        answer = httpx.get(live_server.url + "/vocabularies/technique-test", headers={"Accept": "application/json"}, timeout=60)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["title"] == {"en": "Test techniques, revised", "fr": "Techniques de test"}, body
        # the file has no dct:description: the series keeps its own
        assert body["description"]["en"] == "Microscopy techniques for the tests.", body
        version = httpx.get(live_server.url + "/vocabularies/technique-test/versions/1.1.0",
                            headers={"Accept": "application/json"}, timeout=60).json()
        assert version["title"]["en"] == "Test techniques, revised", version
        page.goto(live_server.url + "/ui/vocabularies/technique-test?lang=en")
        assert "Test techniques, revised" in page.get_by_role("heading", level=1).inner_text()
        assert "Microscopy techniques for the tests." in page.locator("main").inner_text()
    finally:
        context.close()


def test_profile_version_keeps_the_series_title_in_french(live_server, browser):
    # core.ttl says nothing of itself (no dct:title): the series' title and description stay
    page, context = _publish_blank_titles(browser, live_server, "fr", "profile", "core", "1.1.0",
                                          "core.ttl", (DATA / "core.ttl").read_bytes())
    try:
        body = httpx.get(live_server.url + "/profiles/core", headers={"Accept": "application/json"}, timeout=60).json()
        assert body["title"] == {"en": "Core dataset", "fr": "Jeu de données de base"}, body
        assert body["description"]["fr"] == "Les champs de tout jeu de données.", body
        version = httpx.get(live_server.url + "/profiles/core/versions/1.1.0",
                            headers={"Accept": "application/json"}, timeout=60).json()
        assert version["status"] == "published" and version["title"]["fr"] == "Jeu de données de base", version
        page.goto(live_server.url + "/ui/profiles/core?lang=fr")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert "Jeu de données de base" in heading and "1.1.0" in heading, heading
        assert "Les champs de tout jeu de données." in page.locator("main").inner_text()
        page.goto(live_server.url + "/ui/profiles?lang=fr")
        assert page.get_by_role("link", name="Jeu de données de base").count() >= 1
    finally:
        context.close()
