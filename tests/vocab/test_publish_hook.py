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
