"""The pages, read as HTML: what they say and where they link (real app, content published through the API)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import lxml.html

HTML = {"Accept": "text/html"}
FR = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
SAME_ORIGIN = {"Origin": "http://testserver"}  # what a browser sends with a form POST (issue 12: checked)
POST_HTML = {**HTML, **SAME_ORIGIN}
TEM = "https://w3id.org/test/vocab/technique/tem"


def get(client, url, headers=HTML, status=200):
    r = client.get(url, headers=headers)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return r, lxml.html.fromstring(r.text)


def text(node) -> str:
    return " ".join(node.text_content().split())


def test_home_counts_search_and_links(web_client):
    r, doc = get(web_client, "/")
    assert r.headers["content-type"].startswith("text/html")
    assert doc.get("lang") == "en"
    counts = {n.get("data-count"): int(n.text) for n in doc.xpath("//*[@data-count]")}
    assert counts == {"communities": 1, "profiles": 2, "vocabularies": 1, "concepts": 4}
    form = doc.xpath("//form[@role='search']")[0]
    assert form.get("action") == "/ui/search"
    hrefs = {a.get("href") for a in doc.xpath("//main//a")}
    assert {"/ui/validate", "/ui/query"} <= hrefs


def test_home_json_for_json_clients(web_client):
    r = web_client.get("/", headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["counts"]["concepts"] == 4
    assert body["links"]["profiles"] == "/profiles"


def test_language_follows_accept_language_and_switch(web_client):
    _, doc = get(web_client, "/", headers=FR)
    assert doc.get("lang") == "fr"
    assert "Ce que contient le registre" in text(doc)
    switch = doc.xpath("//a[contains(@class, 'lang-switch')]")[0]
    assert switch.get("hreflang") == "en" and "lang=en" in switch.get("href")
    # ?lang= wins over Accept-Language and sets a cookie that later pages follow
    r = web_client.get("/ui/profiles?lang=en", headers=FR)
    assert lxml.html.fromstring(r.text).get("lang") == "en"
    assert "lang=en" in r.headers.get("set-cookie", "")
    web_client.cookies.set("lang", "fr")
    try:
        _, doc = get(web_client, "/ui/profiles", headers=HTML)
        assert doc.get("lang") == "fr"
        assert doc.xpath("//h1")[0].text_content().strip() == "Profils"
    finally:
        web_client.cookies.delete("lang")


def test_profile_list(web_client):
    _, doc = get(web_client, "/ui/profiles")
    links = {text(a): a.get("href") for a in doc.xpath("//table//a")}
    assert links["Electron microscopy"] == "/ui/profiles/em"
    assert links["Core dataset"] == "/ui/profiles/core"
    assert links["core 1.0.0"] == "/ui/profiles/core/1.0.0"


def _field_rows(doc):
    rows = {}
    for tr in doc.xpath("//table[contains(@class, 'fields')]/tbody/tr"):
        name = text(tr.xpath(".//*[contains(@class, 'field-name')]")[0])
        rows[name] = tr
    return rows


def test_profile_page_fields_from_shacl(web_client):
    _, doc = get(web_client, "/ui/profiles/em/1.0.0")
    assert "Electron microscopy" in text(doc.xpath("//h1")[0])
    rows = _field_rows(doc)
    assert {"Title", "Description", "Licence", "Technique", "Accelerating voltage"} <= set(rows)
    title = rows["Title"]
    # columns: field (name, property, help, origin) | obligation and how many | values | unit and range
    cells = [text(td) for td in title.xpath("./td")]
    head = text(title.xpath("./th")[0])
    assert "dct:title" in head
    assert cells[0] == "required 1 or more"
    assert title.xpath("./td[1]/*[@data-cardinality]")[0].get("data-cardinality") == "1..*"
    assert cells[1] == "a text"  # xsd:string, in words
    assert title.xpath(".//*[@title='xsd:string']")
    # inherited fields say where they come from; own fields do not
    assert "inherited from core 1.0.0" in head
    assert "inherited" in title.get("class")
    assert "this profile" in text(rows["Technique"].xpath("./th")[0])
    assert text(rows["Description"].xpath("./td")[0]).startswith("recommended")
    assert text(rows["Licence"].xpath("./td")[0]).startswith("optional")
    # the allowed vocabulary, with a link to it
    vocab = rows["Technique"].xpath("./td[2]//a")[0]
    assert vocab.get("href") == "/ui/vocabularies/technique-test/1.0.0"
    assert "Test techniques" in text(vocab)
    # unit and range, as people write them
    unit_cell = rows["Accelerating voltage"].xpath("./td[3]")[0]
    assert text(unit_cell) == "kV 0 – 1 MV"  # 1000 kV, with the prefix people use
    assert "1\u00a0MV" in unit_cell.text_content()  # never broken between number and unit
    assert unit_cell.xpath(".//*[@title='unit:KiloV']")


def test_profile_page_history_downloads_and_context(web_client):
    _, doc = get(web_client, "/ui/profiles/em")
    history = doc.xpath("//section[@aria-labelledby='history']//tbody/tr")
    assert len(history) == 1 and "published" in text(history[0])
    links = [a.get("href") for a in doc.xpath("//section[@aria-labelledby='downloads']//a")]
    shapes = [h for h in links if "/shapes?" in h]
    assert len(shapes) == 4
    for href in shapes + [h for h in links if h.endswith("?_mediatype=text%2Fturtle")]:
        r = web_client.get(href)
        assert r.status_code == 200, href
        media = parse_qs(urlparse(href).query)["_mediatype"][0]
        assert r.headers["content-type"].startswith(media)
    # the profile extends core: the chain is shown with links
    assert doc.xpath("//dl[@class='facts']//a[@href='/ui/profiles/core/1.0.0']")


def test_profile_page_in_french(web_client):
    _, doc = get(web_client, "/ui/profiles/em/1.0.0", headers=FR)
    rows = _field_rows(doc)
    assert "Titre" in rows and "Tension d'accélération" in rows
    assert "hérité de core 1.0.0" in text(rows["Titre"])
    assert "obligatoire" in text(rows["Titre"])


def test_unknown_profile_is_an_html_404(web_client):
    r, doc = get(web_client, "/ui/profiles/nope", status=404)
    assert r.headers["content-type"].startswith("text/html")
    assert doc.xpath("//*[@role='alert']")


def test_vocabulary_list_and_tree(web_client):
    _, doc = get(web_client, "/ui/vocabularies")
    row = doc.xpath("//table//tbody/tr")[0]
    assert "Test techniques" in text(row) and text(row.xpath("./td")[-1]) == "4"
    _, doc = get(web_client, "/ui/vocabularies/technique-test")
    tree = doc.xpath("//ul[@id='tree']")[0]
    top = [text(li.xpath("./details/summary|./span")[0]) for li in tree.xpath("./li")]
    assert top == ["Atom probe tomography", "Scanning electron microscopy", "Transmission electron microscopy"]
    tem = tree.xpath(".//details[@data-node=$iri]", iri=TEM)[0]
    assert text(tem.xpath("./ul/li")[0]) == "Scanning transmission electron microscopy"


def test_vocabulary_children_fragment(web_client):
    r = web_client.get("/ui/vocabularies/technique-test/1.0.0/children", params={"concept": TEM})
    assert r.status_code == 200
    frag = lxml.html.fragment_fromstring(r.text, create_parent="ul")
    assert [text(a) for a in frag.xpath(".//a")] == ["Scanning transmission electron microscopy"]


def test_concept_page(web_client):
    _, doc = get(web_client, f"/ui/concept?iri={TEM}", headers=FR)
    assert text(doc.xpath("//h1")[0]) == "Microscopie électronique en transmission"
    body = text(doc)
    assert "MET" in body and "TEM" in body
    narrower = doc.xpath("//dt[.='Plus spécifiques']/following-sibling::dd[1]//a")[0]
    assert text(narrower) == "Microscopie électronique en transmission à balayage"
    assert doc.xpath("//nav[contains(@class,'crumbs')]//a[@href='/ui/vocabularies/technique-test/1.0.0']")


def test_search_french_prefix_finds_concepts_and_profiles(web_client):
    _, doc = get(web_client, "/ui/search?q=micro", headers=FR)
    concepts = [text(a) for a in doc.xpath("//section[@aria-labelledby='r-concepts']//a")]
    assert "Microscopie électronique en transmission" in concepts
    assert "Sonde atomique tomographique" not in concepts
    profiles = [text(a) for a in doc.xpath("//section[@aria-labelledby='r-profiles']//a")]
    assert profiles == ["Microscopie électronique"]
    # accents do not matter, word prefixes match
    _, doc = get(web_client, "/ui/search?q=electronique", headers=FR)
    assert "Microscopie électronique à balayage" in text(doc)


def test_suggest_json(web_client):
    r = web_client.get("/ui/suggest", params={"q": "sonde"}, headers={"Accept-Language": "fr"})
    items = r.json()
    assert items[0]["label"] == "Sonde atomique tomographique"
    assert items[0]["href"].startswith("/ui/concept?iri=")
    assert web_client.get("/ui/suggest", params={"q": "s"}).json() == []
    r = web_client.get("/ui/suggest", params={"q": "micro", "vocabulary": "technique-test"})
    assert all("concept" in item["href"] for item in r.json())


def test_query_page_examples(web_client):
    _, doc = get(web_client, "/ui/query")
    examples = doc.xpath("//button[contains(@class,'example')]")
    assert len(examples) >= 4
    assert doc.xpath("//textarea[@id='q-text']")[0].text.strip().startswith("PREFIX")


def test_example_queries_run_on_the_endpoint(web_client):
    from registry.web.pages.browse import EXAMPLES

    r = web_client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    for key, query in EXAMPLES:
        r = web_client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (key, r.text[:300])
        assert r.json()["results"]["bindings"], key


def test_validate_page_reports_by_field_in_french(web_client):
    _, form = get(web_client, "/ui/validate?profile=em&version=1.0.0", headers=FR)
    assert form.xpath("//option[@value='em@1.0.0'][@selected]")
    csrf = form.xpath("//input[@name='csrf']")[0].get("value")
    from tests.web.conftest import DATA

    record = (DATA / "invalid-record.ttl").read_text()
    r = web_client.post("/ui/validate", data={"csrf": csrf, "profile": "em@1.0.0", "format": "text/turtle", "record": record},
                        headers={**FR, **SAME_ORIGIN})
    assert r.status_code == 200, r.text[:1000]
    doc = lxml.html.fromstring(r.text)
    verdict = text(doc.xpath("//p[contains(@class,'verdict')]")[0])
    assert "n'est pas conforme" in verdict
    groups = {text(g.xpath(".//h3/*[contains(@class,'field-name')]")[0]): g for g in doc.xpath("//section[contains(@class,'result-group')]")}
    assert "Titre" in groups and "Technique" in groups
    assert "violation" in text(groups["Titre"])
    values = [text(v) for v in doc.xpath("//code[@class='value']")]
    assert any("not-a-concept" in v for v in values)
    download = doc.xpath("//a[@download='validation-report.json']")[0]
    assert download.get("href").startswith("data:application/json")


def test_forms_refuse_a_missing_csrf_token(web_client):
    """Refused with a page that says why, and nothing done: no validation report, no session."""
    expired = "The form has expired; reload the page and try again."
    r = web_client.post("/ui/validate", data={"profile": "em", "record": "x"}, headers=POST_HTML)
    assert r.status_code == 403
    doc = lxml.html.fromstring(r.text)
    assert expired in " ".join(doc.text_content().split())
    assert not doc.xpath("//*[contains(@class, 'verdict')]")  # no validation ran
    r = web_client.post("/ui/community/sign-in", data={"token": "x"}, headers=POST_HTML)
    assert r.status_code == 403
    assert expired in " ".join(lxml.html.fromstring(r.text).text_content().split())
    assert "registry_token" not in r.headers.get("set-cookie", "")


def _csrf(client, url="/ui/community"):
    _, doc = get(client, url)
    return doc.xpath("//input[@name='csrf']")[0].get("value")


def test_community_sign_in_check_confirm_deprecate(web_client):
    csrf = _csrf(web_client)
    r = web_client.post("/ui/community/sign-in", data={"csrf": csrf, "token": "0123456789abcdef.nope"}, headers=POST_HTML)
    assert r.status_code == 401 and "not valid" in r.text
    r = web_client.post("/ui/community/sign-in", data={"csrf": csrf, "token": web_client.token}, headers=POST_HTML,
                        follow_redirects=False)
    assert r.status_code == 303
    assert "registry_token" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    web_client.cookies.set("registry_token", web_client.token, path="/ui")
    try:
        _, doc = get(web_client, "/ui/community")
        assert "Signed in as Test community" in text(doc)
        # the session has its own CSRF token (bound to it, issue 12): the pre-sign-in one is refused
        assert _csrf(web_client) != csrf
        r = web_client.post("/ui/community/status", data={"csrf": csrf, "kind": "profile", "id": "em", "version": "1.0.0",
                                                          "status": "deprecated"}, headers=POST_HTML)
        assert r.status_code == 403
        assert web_client.get("/profiles/em/versions/1.0.0").json()["status"] == "published"
        csrf = _csrf(web_client)
        # a shapes file that fails the checks: refused, with the errors listed, nothing stored
        bad = b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n<https://example.org/x> a sh:NodeShape ; sh:targetClass <https://example.org/C> ."
        r = web_client.post("/ui/community/upload", data={"csrf": csrf, "kind": "profile", "id": "bad", "version": "1.0.0"},
                            files={"file": ("shapes.ttl", bad, "text/turtle")}, headers=POST_HTML)
        assert r.status_code == 422
        doc = lxml.html.fromstring(r.text)
        assert doc.xpath("//li[contains(@class,'finding') and contains(@class,'error')]")
        assert web_client.get("/profiles/bad").status_code == 404
        # a good one: a draft, invisible to the public, until confirmed
        shapes = (__import__("tests.web.conftest", fromlist=["DATA"]).DATA / "em.ttl").read_bytes()
        r = web_client.post("/ui/community/upload",
                            data={"csrf": csrf, "kind": "profile", "id": "em", "version": "1.1.0", "title_en": "Electron microscopy",
                                  "title_fr": "Microscopie électronique", "is_profile_of": "core"},
                            files={"file": ("em.ttl", shapes, "text/turtle")}, headers=POST_HTML)
        assert r.status_code == 200, r.text[:2000]
        doc = lxml.html.fromstring(r.text)
        assert "draft" in text(doc.xpath("//*[@id='outcome']")[0])
        assert web_client.get("/profiles/em/versions/1.1.0").status_code == 404
        confirm = doc.xpath("//form[contains(@class,'confirm')]")[0]
        fields = {i.get("name"): i.get("value") for i in confirm.xpath(".//input")}
        r = web_client.post("/ui/community/status", data=fields, headers=POST_HTML)
        assert r.status_code == 200
        assert web_client.get("/profiles/em/versions/1.1.0").json()["status"] == "published"
        _, doc = get(web_client, "/ui/profiles/em")
        assert "1.1.0" in text(doc.xpath("//h1")[0])
        # deprecate it again
        r = web_client.post("/ui/community/status", data={"csrf": csrf, "kind": "profile", "id": "em", "version": "1.1.0",
                                                          "status": "deprecated"}, headers=POST_HTML)
        assert r.status_code == 200 and "deprecated" in r.text
        assert web_client.get("/profiles/em/versions/1.1.0").json()["status"] == "deprecated"
        _, doc = get(web_client, "/ui/profiles/em")
        assert "1.0.0" in text(doc.xpath("//h1")[0])
    finally:
        web_client.cookies.delete("registry_token", path="/ui")


def test_render_resource_page_for_linked_data(web_client):
    from starlette.requests import Request

    from registry.web.pages import render_resource_page

    app = web_client.app
    scope = {"type": "http", "method": "GET", "path": "/profiles/em/1.0.0", "query_string": b"", "headers": [(b"accept", b"text/html")],
             "app": app, "scheme": "http", "server": ("testserver", 80)}
    request = Request(scope)
    response = render_resource_page(request, "profile", id="em", version="1.0.0")
    assert response.status_code == 200 and b"Accelerating voltage" in response.body
    response = render_resource_page(request, "concept", iri=TEM)
    assert b"Transmission electron microscopy" in response.body
    response = render_resource_page(request, "vocabulary", id="nope")
    assert response.status_code == 404 and response.media_type == "text/html"


def test_static_assets_are_local(web_client):
    for name in ("css/site.css", "js/site.js"):
        assert web_client.get(f"/static/{name}").status_code == 200
    _, doc = get(web_client, "/ui/query")
    for node in doc.xpath("//script[@src]|//link[@href]"):
        url = node.get("src") or node.get("href")
        assert not re.match(r"^(https?:)?//", url), url


def test_validate_report_download_as_turtle(web_client):
    from tests.web.conftest import DATA

    _, doc = get(web_client, "/ui/validate")
    csrf = doc.xpath("//input[@name='csrf']")[0].get("value")
    r = web_client.post("/ui/validate", data={"csrf": csrf, "profile": "em", "download": "ttl",
                                              "record": (DATA / "invalid-record.ttl").read_text()},
                        headers=SAME_ORIGIN)
    assert r.headers["content-type"].startswith("text/turtle")
    assert 'filename="validation-report.ttl"' in r.headers["content-disposition"]
    assert "ValidationReport" in r.text


def test_communities_page_and_home_link(web_client):
    """Issue 15 item 13: the home page's community count leads to the communities page, which lists
    each community's profiles and vocabularies; `/communities` is that page for browsers, JSON otherwise."""
    _, home = get(web_client, "/")
    count = home.xpath("//*[@data-count='communities']")[0]
    assert count.getparent().get("href") == "/ui/communities"
    _, doc = get(web_client, "/ui/communities")
    section = doc.xpath("//section[@id='c-test']")[0]
    assert [a.get("href") for a in section.xpath(".//ul[@class='community-profiles']//a")] == ["/ui/profiles/core", "/ui/profiles/em"]
    assert [a.get("href") for a in section.xpath(".//ul[@class='community-vocabularies']//a")] == ["/ui/vocabularies/technique-test"]
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    r, page = get(web_client, "/communities", headers=browser)
    assert page.xpath("//section[@id='c-test']") and "Accept" in r.headers["vary"]
    r = web_client.get("/communities")
    assert [c["id"] for c in r.json()] == ["test"]
    _, one = get(web_client, "/communities/test", headers=browser)
    assert text(one.xpath("//h1")[0]) == "Test community"
    get(web_client, "/ui/communities/nobody", status=404)


def test_concept_page_lists_the_profile_fields_using_its_vocabulary(web_client):
    _, doc = get(web_client, "/ui/concept?iri=" + TEM)
    links = {a.get("href"): text(a) for a in doc.xpath("//section[@aria-labelledby='used-by-h']//a")}
    assert links == {"/ui/profiles/em/1.0.0#f-Dataset-technique": "Technique"}
    _, profile = get(web_client, "/ui/profiles/em/1.0.0")
    assert profile.xpath("//tr[@id='f-Dataset-technique']")
