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


def _upload(client, tsv_name: str, tsv: bytes, bundles=(), language: str = "en"):
    files = [("tsv", (tsv_name, tsv, "text/tab-separated-values"))]
    files += [("properties", (name, data, "text/plain")) for name, data in bundles]
    return client.post("/ui/community/dataverse-block", data={"csrf": _csrf(client), "version": "1.0.0"},
                       files=files, headers={**POST_HTML, "Accept-Language": language})


BROKEN_ORDER = (b"#metadataBlock\tname\tdataverseAlias\tdisplayName\n\tdemo\t\tDemo\n#datasetField\tname\n"
                b"\ta\tA\t\t\ttext\tfirst\t\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\tFALSE\t\tdemo\n")
GOOD = BROKEN_ORDER.replace(b"\tfirst\t", b"\t0\t")


def _findings(response) -> list:
    return lxml.html.fromstring(response.text).xpath("//li[contains(@class, 'finding')]")


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
    # Drafts stay invisible to the public, and so does their Dataverse block (published versions only).
    assert client.get("/profiles/journal/versions/1.0.0").status_code == 404
    hidden = client.get("/profiles/journal/versions/1.0.0/dataverse/block.tsv")
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
    assert "text/tab-separated-values" not in hidden.headers["content-type"]


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


def test_a_malformed_properties_file_is_refused_with_line_column_and_rule(client, snapshot):
    _sign_in(client)
    before = snapshot(client)
    r = _upload(client, "demo.tsv", GOOD, [("demo.properties", b"metadatablock.name=demo\nx=\\u12\n")])
    assert r.status_code == 422
    findings = [(li.xpath("string(code)"), li.text_content()) for li in _findings(r)]
    assert [(code, "demo.properties:2:3" in text) for code, text in findings] == [("properties-escape", True)], findings
    assert snapshot(client) == before


def test_a_broken_block_is_refused_in_the_page_language(client, snapshot):
    """On a French page, where and which rule are said in French; the checker's English message
    (naming the bad value) is kept, marked as English."""
    _sign_in(client)
    before = snapshot(client)
    r = _upload(client, "demo.tsv", BROKEN_ORDER, language="fr")
    assert r.status_code == 422
    [finding] = _findings(r)
    assert finding.xpath("string(code)") == "integer"
    said = finding.xpath("string(.//span[@class='finding-message'])")
    # French typography: a narrow no-break space before the colon.
    assert said == "demo.tsv, ligne 4, colonne 7 (displayOrder)\u202f: la cellule doit être un entier", said
    original = finding.xpath(".//span[@lang='en']")
    assert original and "displayOrder must be an integer, not 'first'" in original[0].text_content()
    assert snapshot(client) == before


def test_a_name_collision_is_a_clear_error_in_the_page_language(client, snapshot):
    require_dataverse_data()
    _sign_in(client)
    assert _upload(client, "journals.tsv", (BLOCKS / "journals.tsv").read_bytes()).status_code == 200
    before = snapshot(client)
    clash = GOOD.replace(b"\ta\tA\t", b"\tjournalVolumeIssue\tVolume\t")
    r = _upload(client, "demo.tsv", clash, language="fr")
    assert r.status_code == 409
    alert = lxml.html.fromstring(r.text).xpath("//*[@role='alert']")[0]
    assert alert.text_content().startswith("Des noms de champs de ce bloc sont déjà utilisés par un autre profil")
    assert "journalVolumeIssue" in alert.xpath("string(.//span[@lang='en'])")
    assert snapshot(client) == before


def test_a_client_asking_for_json_gets_a_problem_with_line_column_and_rule(client, snapshot):
    """The same upload from a client that asks for JSON: application/problem+json, each problem
    with its file, line, column (and its name) and rule; a malformed .properties file too."""
    _sign_in(client)
    before = snapshot(client)
    files = [("tsv", ("demo.tsv", BROKEN_ORDER, "text/tab-separated-values"))]
    r = client.post("/ui/community/dataverse-block", data={"csrf": _csrf(client), "version": "1.0.0"}, files=files,
                    headers={**POST_HTML, "Accept": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert (problem["code"], problem["line"], problem["column"], problem["rule"]) == ("dataverse-block-invalid", 4, 7, "integer")
    assert [(p["source"], p["line"], p["column"], p["column_name"], p["rule"]) for p in problem["problems"]] == [
        ("demo.tsv", 4, 7, "displayOrder", "integer")]
    files = [("tsv", ("demo.tsv", GOOD, "text/tab-separated-values")),
             ("properties", ("demo_fr.properties", b"ok=1\nx=\\u12\n", "text/plain"))]
    r = client.post("/ui/community/dataverse-block", data={"csrf": _csrf(client), "version": "1.0.0"}, files=files,
                    headers={**POST_HTML, "Accept": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert [(p["source"], p["line"], p["column"], p["rule"]) for p in r.json()["problems"]] == [
        ("demo_fr.properties", 2, 3, "properties-escape")]
    assert snapshot(client) == before
