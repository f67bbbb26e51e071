"""Search / autocomplete over real vocabularies: known terms in French and English, accents,
ranking, filters, paging and bad input."""

from __future__ import annotations

import pytest

UNESCO = "http://vocabularies.unesco.org/thesaurus/"
PHYSH = "https://doi.org/10.29172/"
GEMET = "http://www.eionet.europa.eu/gemet/concept/"
RANKS = ["exact-prefLabel", "prefLabel-prefix", "exact-label", "label-prefix", "word-in-prefLabel", "word-in-label"]


def search(client, path="/search", **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_accent_insensitive_french_and_english(vclient):
    body = search(vclient, "/vocabularies/unesco/search", q="electron")
    first = body["results"][0]
    # "electron" is, folded, exactly the French prefLabel "Électron" of concept9543
    assert first["iri"] == UNESCO + "concept9543"
    assert first["rank"] == "exact-prefLabel"
    # (Spanish "Electrón" folds to the same key: either label may be the one reported)
    assert first["matched"]["label"] in ("Électron", "Electrón") and first["matched"]["kind"] == "prefLabel"
    assert first["prefLabel"]["en"] == "Electrons"
    fr = search(vclient, "/vocabularies/unesco/search", q="electron", lang="fr")["results"][0]
    assert fr["matched"] == {"label": "Électron", "kind": "prefLabel", "lang": "fr"}
    # the English prefix matches follow
    labels = [r["matched"]["label"] for r in body["results"]]
    assert "Electronic mail" in labels and "Electromagnetism" not in labels
    iris = [r["iri"] for r in body["results"]]
    assert len(iris) == len(set(iris))  # one hit per concept
    # the accented query finds the same concept
    accented = search(vclient, "/vocabularies/unesco/search", q="ÉLECTRON")
    assert accented["results"][0]["iri"] == UNESCO + "concept9543"


def test_language_filter_and_display_label(vclient):
    fr = search(vclient, "/vocabularies/unesco/search", q="educ", lang="fr", limit=50)
    assert fr["results"], fr
    assert all(r["matched"]["lang"] == "fr" for r in fr["results"])
    assert fr["results"][0]["label"] == "Éducation" and fr["results"][0]["lang"] == "fr"
    en = search(vclient, "/vocabularies/unesco/search", q="educ", lang="en", limit=50)
    assert en["results"][0]["label"] == "Education" and en["results"][0]["iri"] == UNESCO + "concept2"
    assert all(r["matched"]["lang"] == "en" for r in en["results"])


def test_altlabel_and_acronyms(vclient):
    body = search(vclient, "/vocabularies/physh/search", q="EELS")
    first = body["results"][0]
    assert first["iri"] == PHYSH + "8d9a5500-7204-4ae4-8a93-388da8f8d432"
    assert first["label"] == "Electron energy loss spectroscopy"
    assert first["matched"]["kind"] == "altLabel" and first["rank"] == "exact-label"
    # lower case, and the other concept whose altLabel merely starts with the query comes later
    body = search(vclient, "/vocabularies/physh/search", q="eels")
    assert body["results"][0]["iri"] == first["iri"]
    tvet = search(vclient, "/vocabularies/unesco/search", q="tvet", lang="en")["results"][0]
    assert tvet["iri"] == UNESCO + "concept9927" and tvet["matched"]["label"] == "TVET"
    assert tvet["label"] == "Technical and vocational education" and tvet["lang"] == "en"


def test_hidden_labels_are_searchable(vclient):
    body = search(vclient, "/vocabularies/physh/search", q="Moessbauer spectroscopy")
    first = body["results"][0]
    assert first["label"] == "Mössbauer spectroscopy"
    assert first["matched"] == {"label": "Moessbauer spectroscopy", "kind": "hiddenLabel", "lang": "en"}
    # without the hidden label, folding alone finds it as the exact prefLabel
    body = search(vclient, "/vocabularies/physh/search", q="mossbauer spectroscopy")
    assert body["results"][0]["rank"] == "exact-prefLabel" and body["results"][0]["label"] == "Mössbauer spectroscopy"


def test_ranking_order(vclient):
    body = search(vclient, "/vocabularies/physh/search", q="electron microscopy", limit=50)
    results = body["results"]
    ranks = [RANKS.index(r["rank"]) for r in results]
    assert ranks == sorted(ranks), ranks
    assert results[0]["label"] == "Electron microscopy" and results[0]["rank"] == "exact-prefLabel"
    words = [r["label"] for r in results if r["rank"] == "word-in-prefLabel"]
    assert "Scanning electron microscopy" in words and "Transmission electron microscopy" in words
    # inside a rank: shorter labels first
    lengths = [len(r["matched"]["label"]) for r in results if r["rank"] == "word-in-prefLabel"]
    assert lengths == sorted(lengths)
    # exact prefLabel > prefLabel prefix > exact altLabel
    body = search(vclient, "/vocabularies/eu-file-types/search", q="pdf")
    assert body["results"][0]["iri"].endswith("/file-type/PDF")
    assert body["results"][0]["rank"] == "exact-prefLabel"
    body = search(vclient, "/vocabularies/eu-file-types/search", q="portable document")
    assert body["results"][0]["iri"].endswith("/file-type/PDF")
    assert body["results"][0]["rank"] == "label-prefix"


def test_word_match_inside_labels_in_french(vclient):
    body = search(vclient, "/vocabularies/gemet/search", q="pollution de l", limit=50)
    labels = [r["label"] for r in body["results"]]
    assert "pollution de l'eau" in labels
    body = search(vclient, "/vocabularies/gemet/search", q="ecologie", limit=50)
    labels = [r["label"] for r in body["results"]]
    assert labels[0] == "écologie" or all(label.startswith("écologie") for label in labels[:5])
    assert "écologie marine" in labels
    body = search(vclient, "/vocabularies/gemet/search", q="marine", limit=100)
    assert any(r["label"] == "écologie marine" and r["rank"] == "word-in-prefLabel" for r in body["results"])


def test_parent_filter(vclient):
    electron_techniques = PHYSH + "b6850136-0dff-41c9-85da-b6bcf1518811"
    body = search(vclient, "/vocabularies/physh/search", q="microscopy", parent=electron_techniques, limit=100)
    labels = {r["label"] for r in body["results"]}
    assert "Scanning electron microscopy" in labels
    assert "Transmission electron microscopy" in labels
    assert "Optical microscopy" not in labels  # not an electron technique
    for r in body["results"]:
        concept = vclient.get("/vocab/concept", params={"iri": r["iri"]}).json()
        assert any(electron_techniques in [step["iri"] for step in path] for path in concept["paths"])


def test_cross_vocabulary_search_and_vocab_filter(vclient):
    body = search(vclient, q="microscopy", limit=100)
    vocabs = {r["vocabulary"] for r in body["results"]}
    assert {"physh", "techniques"} <= vocabs
    ranks = [RANKS.index(r["rank"]) for r in body["results"]]
    assert ranks == sorted(ranks)
    body = search(vclient, q="microscopy", vocab="techniques", limit=100)
    assert {r["vocabulary"] for r in body["results"]} == {"techniques"}


def test_paging(vclient):
    first = search(vclient, "/vocabularies/unesco/search", q="ed", limit=5)
    second = search(vclient, "/vocabularies/unesco/search", q="ed", limit=5, offset=5)
    both = search(vclient, "/vocabularies/unesco/search", q="ed", limit=10)
    assert [r["iri"] for r in first["results"] + second["results"]] == [r["iri"] for r in both["results"]]
    assert first["has_more"] is True
    beyond = search(vclient, "/vocabularies/unesco/search", q="ed", limit=5, offset=100000)
    assert beyond["results"] == [] and beyond["has_more"] is False


@pytest.mark.parametrize(
    "params, status, code",
    [
        ({"q": "x" * 201}, 422, "query-too-long"),
        ({"q": "elec\x00tron"}, 422, "query-control-characters"),
        ({"q": "elec\ttron"}, 422, "query-control-characters"),
        ({"q": "   "}, 422, "query-missing"),
        ({"q": "a", "limit": 1000}, 422, "invalid-request"),
        ({"q": "a", "offset": -1}, 422, "invalid-request"),
        ({"q": "a", "lang": "not a tag"}, 422, "invalid-lang"),
        ({"q": "a", "parent": "not an iri"}, 422, "invalid-iri"),
    ],
)
def test_bad_input(vclient, params, status, code):
    response = vclient.get("/vocabularies/unesco/search", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_unknown_vocabulary_is_404(vclient):
    for path, params in (("/vocabularies/nope/search", {"q": "a"}), ("/search", {"q": "a", "vocab": "nope"})):
        response = vclient.get(path, params=params)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "vocabulary-not-found"


def test_unknown_parent_matches_nothing(vclient):
    body = search(vclient, "/vocabularies/unesco/search", q="edu", parent="http://example.org/nothing")
    assert body["results"] == []
