"""Issue 18 item 1: the pages read the services the API reads, so they cannot disagree with it.

* No module under `registry/web` calls the app's own HTTP API in-process (httpx / ASGITransport)
  or folds text its own way: one `fold` (`registry.vocab.normalize`), one search.
* A search whose match needs the real fold (œ → oe, punctuation → space, accents) gives the same
  concepts, in the same order, on the search page (French and English) as `GET /search`.
* The vocabulary page's tree and lazily loaded children are the API's `top` and `children`.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.vocab import normalize
from registry.web.app import create_app

WEB = Path(__file__).resolve().parents[2] / "registry" / "web"
NAMESPACE = "https://w3id.org/fold/"
V = "https://w3id.org/fold/vocab/"
EN = {"Accept": "text/html", "Accept-Language": "en"}
FR = {"Accept": "text/html", "Accept-Language": "fr-FR,fr;q=0.9"}

VOCABULARY = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{V}scheme> a skos:ConceptScheme ; skos:prefLabel "Organes et mesures"@fr, "Organs and measures"@en ;
    skos:hasTopConcept <{V}heart>, <{V}xrd>, <{V}oesophagus> .
<{V}heart> a skos:Concept ; skos:topConceptOf <{V}scheme> ;
    skos:prefLabel "Cœur du réacteur"@fr, "Reactor core"@en .
<{V}core-sample> a skos:Concept ; skos:broader <{V}heart> ;
    skos:prefLabel "Échantillon de cœur"@fr, "Core sample"@en .
<{V}xrd> a skos:Concept ; skos:topConceptOf <{V}scheme> ;
    skos:prefLabel "Diffraction des rayons X"@fr, "X-ray diffraction"@en ; skos:altLabel "XRD"@en .
<{V}xrd-powder> a skos:Concept ; skos:broader <{V}xrd> ;
    skos:prefLabel "Diffraction X sur poudre (in-situ)"@fr, "Powder X-ray diffraction (in situ)"@en .
<{V}oesophagus> a skos:Concept ; skos:topConceptOf <{V}scheme> ;
    skos:prefLabel "Œsophage"@fr, "Oesophagus"@en ; skos:altLabel "Esophagus"@en .
"""


# --- one mechanism --------------------------------------------------------------------------------


def _web_modules() -> list[Path]:
    return sorted(WEB.rglob("*.py"))


def test_no_page_calls_the_api_in_process_or_folds_its_own_way():
    offences = []
    for path in _web_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(WEB.parent.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                offences += [f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] == "httpx"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "httpx":
                offences.append(f"{where}: from {node.module} import …")
            elif isinstance(node, ast.Attribute) and node.attr == "ASGITransport":
                offences.append(f"{where}:{node.lineno}: ASGITransport")
            elif isinstance(node, ast.Name) and node.id == "ASGITransport":
                offences.append(f"{where}:{node.lineno}: ASGITransport")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "fold" in node.name.lower():
                offences.append(f"{where}:{node.lineno}: def {node.name} (use registry.vocab.normalize.fold)")
    assert len(_web_modules()) > 10  # the walk saw the package
    assert offences == []


def test_the_pages_fold_is_the_vocabulary_fold():
    from registry.web.pages import browse, data

    assert data.fold is normalize.fold
    assert browse.fold is normalize.fold
    assert normalize.fold("Cœur (in-situ)") == "coeur in situ"


# --- page and API agree ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("fold") / "store"
    settings = Settings(store=str(store), base_iri="http://testserver/", load_bundled=False)
    registry = Registry.build(settings)
    try:
        registry.communities.create("fold", "Fold community", [NAMESPACE])
        token = registry.communities.create_token("fold").token
    finally:
        registry.close()
    with TestClient(create_app(settings)) as http:
        r = http.put(
            "/vocabularies/organs/versions/1.0.0",
            files={"vocabulary": ("organs.ttl", VOCABULARY.encode(), "text/turtle")},
            data={"metadata": json.dumps({"title": {"en": "Organs", "fr": "Organes"}})},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code in (200, 201), r.text
        http.token = token
        yield http


def _api(client, q: str) -> list[str]:
    r = client.get("/search", params={"q": q, "limit": 50}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    return [item["iri"] for item in r.json()["results"]]


def _page(client, q: str, headers: dict) -> list[str]:
    r = client.get("/ui/search", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text[:500]
    doc = lxml.html.fromstring(r.text)
    hrefs = doc.xpath("//section[@aria-labelledby='r-concepts']//ul[@class='results']/li/a/@href")
    return [parse_qs(urlparse(h).query)["iri"][0] for h in hrefs]


def _suggest(client, q: str, headers: dict) -> list[str]:
    r = client.get("/ui/suggest", params={"q": q}, headers={**headers, "Accept": "application/json"})
    assert r.status_code == 200, r.text[:500]
    return [parse_qs(urlparse(item["href"]).query)["iri"][0] for item in r.json() if "iri=" in item["href"]]


@pytest.mark.parametrize(
    ("q", "headers", "expected"),
    [
        ("coeur", FR, [V + "heart", V + "core-sample"]),  # œ spelled oe: "Cœur du réacteur", "… de cœur"
        ("œsophage", FR, [V + "oesophagus"]),  # œ typed: finds "Œsophage"
        ("echantillon de coeur", FR, [V + "core-sample"]),  # accents and œ together
        ("in situ", FR, [V + "xrd-powder"]),  # "(in-situ)": punctuation is a word break
        ("x ray", EN, [V + "xrd", V + "xrd-powder"]),  # "X-ray diffraction"
        ("X-RAY DIFFRACTION", EN, [V + "xrd"]),
        ("œsophagus", EN, [V + "oesophagus"]),  # œ typed, "Oesophagus" labelled
    ],
)
def test_page_and_api_find_the_same_concepts(client, q, headers, expected):
    api = _api(client, q)
    assert set(expected) <= set(api), (q, api)
    assert _page(client, q, headers) == api
    # the search box's suggestions: the same concepts, best first (at most 10)
    assert _suggest(client, q, headers) == api[:10]


def test_the_old_page_fold_would_have_missed_these():
    """Why the test above needs the real fold: NFKD without œ and punctuation folding (the pages'
    former own `fold`) finds none of these labels for these queries."""
    import unicodedata

    def accent_fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    for q, label in [("coeur", "Cœur du réacteur"), ("in situ", "(in-situ)"), ("x ray", "X-ray diffraction")]:
        assert accent_fold(q) not in accent_fold(label)
        assert normalize.fold(q) in normalize.fold(label)


def test_vocabulary_page_tree_is_the_api_tree(client):
    for headers, lang in ((EN, "en"), (FR, "fr")):
        r = client.get("/ui/vocabularies/organs", headers=headers)
        assert r.status_code == 200, r.text[:500]
        doc = lxml.html.fromstring(r.text)
        # the top level of the tree, in the page's order
        top_links = doc.xpath("//ul[@id='tree']/li/details/summary/a/@href | //ul[@id='tree']/li/span/a/@href")
        page_top = [parse_qs(urlparse(h).query)["iri"][0] for h in top_links]
        api_top = client.get("/vocabularies/organs/top", params={"lang": lang}).json()["results"]
        assert page_top == [item["iri"] for item in api_top], (lang, page_top)
        # each top concept's children, nested in the page, are the API's children in the API's order
        for item in api_top:
            node = f"//ul[@id='tree']/li/details[@data-node='{item['iri']}']/ul/li"
            below = doc.xpath(f"{node}/details/summary/a/@href | {node}/span/a/@href")
            api_children = client.get("/vocabularies/organs/children", params={"iri": item["iri"], "lang": lang}).json()
            assert [parse_qs(urlparse(h).query)["iri"][0] for h in below] == [c["iri"] for c in api_children["results"]]
            assert item["has_children"] == bool(below)


def test_a_draft_vocabulary_page_shows_the_draft_tree_to_its_owner(client):
    """The owner's page of a draft reads an index of the draft (the service keeps none for drafts)."""
    draft = VOCABULARY.replace(
        f"<{V}oesophagus> a skos:Concept",
        f'<{V}kidney> a skos:Concept ; skos:topConceptOf <{V}scheme> ; skos:prefLabel "Rein"@fr, "Kidney"@en .\n'
        f"<{V}oesophagus> a skos:Concept",
    )
    r = client.put(
        "/vocabularies/organs/versions/2.0.0",
        files={"vocabulary": ("organs.ttl", draft.encode(), "text/turtle")},
        data={"metadata": json.dumps({"title": {"en": "Organs"}, "status": "draft"})},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert r.status_code in (200, 201), r.text
    assert client.get("/ui/vocabularies/organs/2.0.0", headers=EN).status_code == 404  # not public
    client.cookies.set("registry_token", client.token, path="/ui")
    try:
        r = client.get("/ui/community/vocabularies/organs/2.0.0", headers=FR)
    finally:
        client.cookies.clear()
    assert r.status_code == 200, r.text[:500]
    doc = lxml.html.fromstring(r.text)
    top = [" ".join(a.text_content().split())
           for a in doc.xpath("//ul[@id='tree']/li/details/summary/a | //ul[@id='tree']/li/span/a")]
    # by folded French label: Cœur…, Diffraction…, Œsophage (oe…), Rein
    assert top == ["Cœur du réacteur", "Diffraction des rayons X", "Œsophage", "Rein"]
    # the published version's search does not see the draft's concept
    assert _api(client, "kidney") == []
