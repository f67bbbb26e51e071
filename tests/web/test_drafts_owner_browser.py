"""Issue 15 item 9: a draft checked from the community area does not vanish. Its owner sees it in
the community area's list ("Your profiles and vocabularies") and, with the community's token, in the
API (`GET /profiles/{id}/versions/{v}`, `/versions`, `/shapes`); anonymous readers get 404 and the
public list does not show it. From the community area the owner views the draft's field tables,
validates a record against it and deletes it; anonymous visitors and another community get 404 on
all of it. Driven in Debian's chromium against a real server, English and French."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import DATA, community_sign_in, start_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: these tests store drafts the session's server must not see."""
    yield from start_live_server(tmp_path_factory.mktemp("live-drafts"),
                                 other_communities={"other": "https://w3id.org/other/"})


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


def _validate_api(server, sid: str, version: str, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "text/turtle", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.url + "/validate", params={"profile": sid, "version": version},
                      content=(DATA / "invalid-record.ttl").read_bytes(), headers=headers, timeout=120)


@pytest.mark.parametrize("lang,sid", [("fr", "vue-fr"), ("en", "view-en")])
def test_owner_views_validates_and_deletes_the_draft(live_server, browser, lang, sid):
    page, context, t = _check_a_draft(browser, live_server, lang, sid, "0.1.0")
    title = "Jeu de données brouillon" if lang == "fr" else "Draft dataset"
    try:
        # the draft's page, from the community area's list: its field tables and the owner's actions
        page.goto(f"{live_server.url}/ui/community?lang={lang}")
        page.locator(f"tr[data-version='{sid}@0.1.0'] th a").click()
        assert page.url.endswith(f"/ui/community/profiles/{sid}/0.1.0")
        assert title in page.get_by_role("heading", level=1).inner_text()
        assert t["status.draft"] in page.get_by_role("heading", level=1).inner_text()
        tables = page.locator("table.fields")
        assert tables.count() >= 1 and tables.first.locator("tbody tr").count() >= 1
        owner = page.locator("#owner-actions")
        assert t["profile.draft_note"] in owner.inner_text()
        draft_page = page.url

        # validate a record against it: the validation page offers the draft to its owner only
        owner.get_by_role("link", name=t["community.validate_draft"]).click()
        assert page.locator("#v-profile").input_value() == f"{sid}@0.1.0"
        page.locator("#v-record").fill((DATA / "invalid-record.ttl").read_text())
        page.locator("#validate-form button[type=submit]").first.click()
        verdict = page.locator("p.verdict")
        verdict.wait_for()
        assert f"{title} 0.1.0" in verdict.inner_text()
        api = _validate_api(live_server, sid, "0.1.0", live_server.token)
        assert api.status_code == 200 and api.json()["profile"]["version"] == "0.1.0", api.text
        assert api.json()["profile"]["status"] == "draft"

        # nobody else: anonymous and another community get 404 on the page, the API and the form
        assert _validate_api(live_server, sid, "0.1.0", None).status_code == 404
        assert _validate_api(live_server, sid, "0.1.0", live_server.tokens["other"]).status_code == 404
        assert _api(live_server, f"/profiles/{sid}/versions/0.1.0", live_server.tokens["other"]).status_code == 404
        anonymous = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB")
        try:
            public = anonymous.new_page()
            answer = public.goto(draft_page)
            assert answer.status == 404 and title not in public.locator("main").inner_text()
            public.goto(f"{live_server.url}/ui/validate?lang={lang}")
            assert public.locator(f"#v-profile option[value='{sid}@0.1.0']").count() == 0
        finally:
            anonymous.close()
        other = httpx.Client(base_url=live_server.url, timeout=60)
        try:
            assert other.delete(f"/profiles/{sid}/versions/0.1.0",
                                headers={"Authorization": f"Bearer {live_server.tokens['other']}"}).status_code == 404
        finally:
            other.close()

        # delete it from its page: gone from the list and from the API
        page.goto(draft_page)
        page.locator("#owner-actions").get_by_role("button", name=t["community.delete_label"].format(id=sid, v="0.1.0")).click()
        page.locator("#outcome").wait_for()
        assert sid in page.locator("#outcome").inner_text()
        assert page.locator(f"tr[data-version='{sid}@0.1.0']").count() == 0
        assert _api(live_server, f"/profiles/{sid}/versions/0.1.0", live_server.token).status_code == 404
        assert page.goto(draft_page).status == 404
    finally:
        context.close()


def test_api_deletes_drafts_only(live_server):
    auth = {"Authorization": f"Bearer {live_server.token}"}
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        r = http.put("/profiles/api-draft/versions/0.1.0", params={"status": "draft"}, headers={**auth, "Content-Type": "text/turtle"},
                     content=(DATA / "core.ttl").read_bytes())
        assert r.status_code in (200, 201), r.text
        # a published version is immutable
        refused = http.delete("/profiles/core/versions/1.0.0", headers=auth)
        assert refused.status_code == 409 and refused.json()["code"] == "immutable"
        assert http.get("/profiles/core/versions/1.0.0").status_code == 200
        assert http.delete("/profiles/api-draft/versions/0.1.0").status_code == 401
        assert http.delete("/profiles/api-draft/versions/0.1.0", headers=auth).status_code == 204
        assert http.get("/profiles/api-draft/versions/0.1.0", headers=auth).status_code == 404
        # the draft-only series is gone with it, and the same version can be checked again afresh
        assert http.get("/profiles/api-draft/versions", headers=auth).status_code == 404
        again = http.put("/profiles/api-draft/versions/0.1.0", params={"status": "draft"},
                         headers={**auth, "Content-Type": "text/turtle"}, content=(DATA / "core.ttl").read_bytes())
        assert again.status_code == 201 and again.json()["created"] is True, again.text
