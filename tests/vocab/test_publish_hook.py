"""A newly published vocabulary version gets its search index built in the background."""

from __future__ import annotations

import time
from pathlib import Path

VOCAB = (Path(__file__).resolve().parents[1] / "foundation" / "data" / "techniques-1.0.0.ttl").read_bytes()


def test_new_version_index_is_built_after_publication(client):
    headers = {"Content-Type": "text/turtle", **client.actors.test}
    service = client.app.state.registry.features["vocab"]  # created at start-up
    assert client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers=headers).status_code == 201
    first_iri = "http://testserver/vocabularies/techniques/1.0.0"
    deadline = time.monotonic() + 30
    while not service.has_index(first_iri):  # no search has run: the publication built it
        assert time.monotonic() < deadline, "the index of the first version was not built"
        time.sleep(0.05)
    changed = VOCAB.replace(b'"TEM"@en', b'"TEM"@en, "CTEM"@en')
    assert client.put("/vocabularies/techniques/versions/1.1.0", content=changed, headers=headers).status_code == 201
    new_iri = "http://testserver/vocabularies/techniques/1.1.0"
    deadline = time.monotonic() + 30
    while not service.has_index(new_iri):
        assert time.monotonic() < deadline, "the index of the new version was not built"
        time.sleep(0.05)
    hits = client.get("/search", params={"q": "ctem"}).json()
    assert [r["iri"] for r in hits["results"]] == ["https://w3id.org/test/technique/tem"]


def test_publication_reads_nothing_back_for_its_checks_and_index(client, monkeypatch):
    """Issue 16 (speed): a publication's SKOS checks and its new index come from the parse of the
    document (`registry.publishing.skos_facts`), not from SPARQL over the loaded graph."""
    from registry.publishing import skos_checks
    from registry.vocab.index import IndexBuilder

    def refuse(*_args, **_kwargs):
        raise AssertionError("the publication read the loaded graph back with SPARQL")

    monkeypatch.setattr(skos_checks, "_run_check", refuse)
    monkeypatch.setattr(IndexBuilder, "read", classmethod(refuse))
    headers = {"Content-Type": "text/turtle", **client.actors.test}
    service = client.app.state.registry.features["vocab"]
    # a warning the checks must find from the parse: an altLabel with a trailing space
    changed = VOCAB.replace(b'"TEM"@en', b'"TEM"@en, "TEM "@en')
    answer = client.put("/vocabularies/techniques/versions/1.0.0", content=changed, headers=headers)
    assert answer.status_code == 201, answer.text
    assert "qskos-label-whitespace" in {w["code"] for w in answer.json()["warnings"]}
    iri = "http://testserver/vocabularies/techniques/1.0.0"
    deadline = time.monotonic() + 30
    while not service.has_index(iri):
        assert time.monotonic() < deadline, "the index was not built from the parse"
        time.sleep(0.05)
    assert service.index_source[iri] == "prebuilt"  # written beside the bulk load (test_index_beside_load.py)
    hits = client.get("/search", params={"q": "tem"}).json()
    assert "https://w3id.org/test/technique/tem" in [r["iri"] for r in hits["results"]]
