"""The community area accepts a Dataverse block (+ its .properties) and shows the resulting draft
profile; a broken block is refused with its line and column and changes nothing; field names
another profile already uses are refused."""

from __future__ import annotations

import lxml.html

from .conftest import BLOCKS, PROPERTIES, require_dataverse_data

POST_HTML = {"Accept": "text/html", "Origin": "http://testserver"}


def _csrf(client) -> str:
    doc = lxml.html.fromstring(client.get("/ui/community", headers={"Accept": "text/html"}).text)
    return doc.xpath("//input[@name='csrf']")[0].get("value")


def _sign_in(client) -> None:
    token = client.actors.test_token
    r = client.post("/ui/community/sign-in", data={"csrf": _csrf(client), "token": token}, headers=POST_HTML,
                    follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("registry_token", token, path="/ui")


def _upload(client, tsv_name: str, tsv: bytes, bundles=()):
    files = [("tsv", (tsv_name, tsv, "text/tab-separated-values"))]
    files += [("properties", (name, data, "text/plain")) for name, data in bundles]
    return client.post("/ui/community/dataverse-block", data={"csrf": _csrf(client), "version": "1.0.0"},
                       files=files, headers=POST_HTML)


def test_a_block_becomes_a_draft_profile_shown_in_the_community_area(client):
    require_dataverse_data()
    _sign_in(client)
    bundles = [("journal.properties", (PROPERTIES / "en" / "journal.properties").read_bytes()),
               ("journal_fr.properties", (PROPERTIES / "fr_CA" / "journal_fr.properties").read_bytes())]
    r = _upload(client, "journals.tsv", (BLOCKS / "journals.tsv").read_bytes(), bundles)
    assert r.status_code == 200, r.text[:2000]
    doc = lxml.html.fromstring(r.text)
    outcome = doc.xpath("//*[@id='outcome']")[0].text_content()
    assert "Dataverse block journal imported as the draft profile journal 1.0.0: 5 fields, 1 vocabularies" in outcome
    # The draft is shown with the button that publishes it.
    assert doc.xpath("//form[contains(@action, 'community/status')]//input[@name='id'][@value='journal']")
    registry = client.app.state.registry
    profile = registry.catalog.version("profile", "journal", "1.0.0")
    assert profile.status == "draft" and profile.title == {"en": "Journal Metadata", "fr": "Métadonnées liées à la revue"}
    vocabulary = registry.catalog.version("vocabulary", "journal-journal-article-type", "1.0.0")
    assert vocabulary.status == "draft"
    # Drafts stay invisible to the public.
    assert client.get("/profiles/journal/versions/1.0.0").status_code == 404


def test_a_broken_block_is_refused_with_line_and_column_and_nothing_stored(client, snapshot):
    _sign_in(client)
    before = snapshot(client)
    tsv = (b"#metadataBlock\tname\tdataverseAlias\tdisplayName\n\tdemo\t\tDemo\n#datasetField\tname\n"
           b"\ta\tA\t\t\ttext\tfirst\t\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\t\tdemo\n")
    r = _upload(client, "demo.tsv", tsv)
    assert r.status_code == 422
    findings = [li.text_content() for li in lxml.html.fromstring(r.text).xpath("//li[contains(@class, 'finding')]")]
    assert any("demo.tsv:4:7 (displayOrder)" in f and "integer" in f for f in findings), findings
    assert snapshot(client) == before


def test_field_names_used_by_another_profile_are_refused(client, snapshot):
    require_dataverse_data()
    _sign_in(client)
    assert _upload(client, "journals.tsv", (BLOCKS / "journals.tsv").read_bytes()).status_code == 200
    before = snapshot(client)
    clash = (b"#metadataBlock\tname\tdataverseAlias\tdisplayName\n\tother\t\tOther\n#datasetField\tname\n"
             b"\tjournalVolumeIssue\tVolume\t\t\ttext\t0\t\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\t\tother\n")
    r = _upload(client, "other.tsv", clash)
    assert r.status_code == 409
    assert "journalVolumeIssue" in lxml.html.fromstring(r.text).xpath("//*[@role='alert']")[0].text_content()
    assert snapshot(client) == before
