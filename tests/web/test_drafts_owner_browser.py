"""Issue 15 item 9: a draft checked from the community area does not vanish. Its owner sees it in
the community area's list ("Your profiles and vocabularies") and, with the community's token, in the
API (`GET /profiles/{id}/versions/{v}`, `/versions`, `/shapes`); anonymous readers get 404 and the
public list does not show it. Driven in Debian's chromium against a real server, English and French."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import DATA, community_sign_in, start_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: these tests store drafts the session's server must not see."""
    yield from start_live_server(tmp_path_factory.mktemp("live-drafts"))


def _check_a_draft(browser, server, lang: str, sid: str, version: str):
    page, context, t = community_sign_in(browser, server, lang)
    page.locator("input[type=radio][name=kind][value=profile]").check()
    page.locator("#u-id").fill(sid)
    page.locator("#u-version").fill(version)
    page.locator("#u-title-en").fill("Draft dataset")
    page.locator("#u-title-fr").fill("Jeu de données brouillon")
    page.locator("#u-file").set_input_files(str(DATA / "core.ttl"))
    page.get_by_role("button", name=t["community.check"], exact=True).click()
    page.locator("#confirm").wait_for()  # checked, stored as a draft, not published
    return page, context, t


def _api(server, path: str, token: str | None = None, accept: str = "application/json") -> httpx.Response:
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(server.url + path, headers=headers, timeout=60)


@pytest.mark.parametrize("lang,sid", [("fr", "brouillon-fr"), ("en", "draft-en")])
def test_owner_sees_the_draft_in_the_community_list_and_the_api(live_server, browser, lang, sid):
    page, context, t = _check_a_draft(browser, live_server, lang, sid, "0.1.0")
    try:
        # the community area lists it, as a draft, under "Your profiles and vocabularies"
        page.goto(f"{live_server.url}/ui/community?lang={lang}")
        yours = page.locator("section[aria-labelledby=yours-h]")
        assert t["community.yours"] in yours.locator("h2").inner_text()
        row = yours.locator(f"tr[data-version='{sid}@0.1.0']")
        assert row.count() == 1, yours.inner_text()
        heading = yours.locator("h3", has_text=sid).inner_text()
        assert ("Jeu de données brouillon" if lang == "fr" else "Draft dataset") in heading
        # the owner reads it through the API with the token
        answer = _api(live_server, f"/profiles/{sid}/versions/0.1.0", live_server.token)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "draft" and answer.json()["version"] == "0.1.0"
        assert "no-store" in answer.headers["cache-control"]
        listed = _api(live_server, f"/profiles/{sid}/versions", live_server.token)
        assert [v["version"] for v in listed.json()] == ["0.1.0"]
        shapes = _api(live_server, f"/profiles/{sid}/versions/0.1.0/shapes", live_server.token, "application/n-triples")
        assert shapes.status_code == 200 and "http://www.w3.org/ns/shacl#NodeShape" in shapes.text
        # nobody else does
        assert _api(live_server, f"/profiles/{sid}/versions/0.1.0").status_code == 404
        assert _api(live_server, f"/profiles/{sid}/versions").status_code == 404
        assert _api(live_server, f"/profiles/{sid}/versions/0.1.0/shapes", accept="text/turtle").status_code == 404
        assert _api(live_server, f"/profiles/{sid}/versions/0.1.0", "not-a-token").status_code == 401
        anonymous = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
        try:
            public = anonymous.new_page()
            public.goto(f"{live_server.url}/ui/profiles?lang={lang}")
            assert sid not in public.locator("main").inner_text()
        finally:
            anonymous.close()
    finally:
        context.close()


def test_owner_publishes_the_draft_from_the_list(live_server, browser):
    page, context, t = _check_a_draft(browser, live_server, "en", "later", "0.2.0")
    try:
        page.goto(f"{live_server.url}/ui/community?lang=en")
        row = page.locator("tr[data-version='later@0.2.0']")
        row.get_by_role("button", name=t["community.publish"]).click()
        page.locator("#outcome").wait_for()
        answer = _api(live_server, "/profiles/later/versions/0.2.0")
        assert answer.status_code == 200 and answer.json()["status"] == "published", answer.text
    finally:
        context.close()
