"""A check of every page's HTML: labels, alt texts, names of links and buttons, landmarks, headings,
language, unique ids, table headers. (The Playwright tests cover keyboard use and phone width.)"""

from __future__ import annotations

import lxml.html
import pytest

from tests.web.test_pages import TEM

PAGES = [
    "/", "/ui/search?q=micro", "/ui/profiles", "/ui/profiles/em", "/ui/profiles/core/1.0.0", "/ui/vocabularies",
    "/ui/vocabularies/technique-test", f"/ui/concept?iri={TEM}", "/ui/validate", "/ui/query", "/ui/community",
    "/ui/communities", "/ui/communities/test",
    "/ui/profiles/missing",
]
LANGS = ["en", "fr"]


def problems(html: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    out = []
    if doc.get("lang") not in ("en", "fr"):
        out.append("<html> has no lang")
    if not doc.xpath("//title") or not doc.xpath("//title")[0].text_content().strip():
        out.append("no <title>")
    if len(doc.xpath("//main")) != 1:
        out.append("not exactly one <main>")
    if len(doc.xpath("//h1")) != 1:
        out.append("not exactly one <h1>")
    for nav in doc.xpath("//nav"):
        if not (nav.get("aria-label") or nav.get("aria-labelledby")):
            out.append("a <nav> without a name")
    ids = doc.xpath("//@id")
    for dup in {i for i in ids if ids.count(i) > 1}:
        out.append(f"duplicate id {dup!r}")
    labelled = set(doc.xpath("//label/@for"))
    for field in doc.xpath("//input|//select|//textarea"):
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        name = field.get("name") or field.get("id")
        if field.get("id") in labelled or field.get("aria-label") or field.get("aria-labelledby"):
            continue
        if field.xpath("ancestor::label"):
            continue
        out.append(f"form field {name!r} has no label")
    for label in doc.xpath("//label[@for]"):
        if not doc.xpath("//*[@id=$i]", i=label.get("for")):
            out.append(f"label for missing id {label.get('for')!r}")
    for img in doc.xpath("//img|//input[@type='image']|//area"):
        if img.get("alt") is None:
            out.append(f"image without alt: {img.get('src')}")
    for svg in doc.xpath("//svg"):
        if not (svg.get("aria-hidden") == "true" or svg.get("aria-label") or svg.xpath("./title")):
            out.append("svg without a text alternative")
    for a in doc.xpath("//a[@href]"):
        if not (a.text_content().strip() or a.get("aria-label") or a.xpath(".//img[@alt!='']")):
            out.append(f"link without text: {a.get('href')}")
    for b in doc.xpath("//button"):
        if not (b.text_content().strip() or b.get("aria-label")):
            out.append("button without text")
    for table in doc.xpath("//table[not(@hidden)]"):  # a hidden table is filled by the script first
        if not table.xpath(".//th"):
            out.append("table without header cells")
        if not table.xpath("./caption") and not table.get("aria-label"):
            out.append("table without a caption")
    for el in doc.xpath("//*[@aria-controls]"):
        for target in el.get("aria-controls").split():
            if not doc.xpath("//*[@id=$i]", i=target):
                out.append(f"aria-controls points at missing id {target!r}")
    for el in doc.xpath("//*[@aria-labelledby]|//*[@aria-describedby]"):
        for target in (el.get("aria-labelledby") or el.get("aria-describedby")).split():
            if not doc.xpath("//*[@id=$i]", i=target):
                out.append(f"aria reference to missing id {target!r}")
    levels = [int(h.tag[1]) for h in doc.xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            out.append(f"heading level jumps from h{before} to h{after}")
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("url", PAGES)
def test_page_html_is_accessible(web_client, url, lang):
    r = web_client.get(url, headers={"Accept": "text/html", "Accept-Language": lang})
    assert lxml.html.fromstring(r.text).get("lang") == lang
    assert r.headers["content-type"].startswith("text/html")
    assert problems(r.text) == [], url


def test_validation_report_page_is_accessible(web_client):
    from tests.web.conftest import DATA

    doc = lxml.html.fromstring(web_client.get("/ui/validate").text)
    csrf = doc.xpath("//input[@name='csrf']")[0].get("value")
    r = web_client.post("/ui/validate", data={"csrf": csrf, "profile": "em", "record": (DATA / "invalid-record.ttl").read_text()},
                        headers={"Accept": "text/html", "Origin": "http://testserver"})
    assert problems(r.text) == []


def test_signed_in_community_page_is_accessible(web_client):
    web_client.cookies.set("registry_token", web_client.token, path="/ui")
    try:
        r = web_client.get("/ui/community", headers={"Accept": "text/html"})
        assert "Test community" in r.text
        assert problems(r.text) == []
    finally:
        web_client.cookies.delete("registry_token", path="/ui")


def test_the_checker_finds_problems():
    bad = """<html><head><title>x</title></head><body><main><h1>a</h1><h3>b</h3>
      <input name="q"><img src="x.png"><a href="/y"></a><button></button><table><tr><td>1</td></tr></table></main></body></html>"""
    found = " | ".join(problems(bad))
    for expected in ("no lang", "'q' has no label", "image without alt", "link without text", "button without text",
                     "table without header", "h1 to h3"):
        assert expected in found
