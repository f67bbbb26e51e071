"""Deleting a draft (issue 15 item 9): `DELETE /{profiles,vocabularies}/{id}/versions/{v}` by the
owning community removes every quad the draft added, and nothing else; published versions are
immutable, another community's draft is a 404, a draft another version names is kept. Runs on the
test backend (embedded, remote `oxigraph serve`, Virtuoso)."""

from __future__ import annotations

from tests.web.conftest import DATA

TURTLE = {"Content-Type": "text/turtle"}


def _put(client, path: str, version: str, status: str, body: bytes, **params):
    r = client.put(f"{path}/versions/{version}", params={"status": status, **params}, content=body,
                   headers={**client.actors.test, **TURTLE})
    assert r.status_code in (200, 201), r.text
    return r


def test_deleting_a_draft_leaves_the_store_as_it_was(client, snapshot):
    _put(client, "/vocabularies/technique-test", "1.0.0", "published", (DATA / "technique.ttl").read_bytes())
    before = snapshot(client)
    _put(client, "/profiles/draft-core", "0.1.0", "draft", (DATA / "core.ttl").read_bytes())
    _put(client, "/vocabularies/technique-test", "1.1.0", "draft", (DATA / "technique.ttl").read_bytes())
    assert snapshot(client) != before
    # another community: as if there were no such version; anonymous: 401
    assert client.delete("/profiles/draft-core/versions/0.1.0", headers=client.actors.other).status_code == 404
    assert client.delete("/profiles/draft-core/versions/0.1.0").status_code == 401
    for path in ("/profiles/draft-core/versions/0.1.0", "/vocabularies/technique-test/versions/1.1.0"):
        r = client.delete(path, headers=client.actors.test)
        assert r.status_code == 204, r.text
        assert client.get(path, headers=client.actors.test).status_code == 404
    assert snapshot(client) == before
    # a published version is immutable
    refused = client.delete("/vocabularies/technique-test/versions/1.0.0", headers=client.actors.test)
    assert refused.status_code == 409 and refused.json()["code"] == "immutable"
    assert snapshot(client) == before


def test_a_draft_another_version_names_is_kept(client, snapshot):
    _put(client, "/profiles/chain", "0.1.0", "draft", (DATA / "core.ttl").read_bytes())
    _put(client, "/profiles/chain", "0.2.0", "published", (DATA / "core.ttl").read_bytes())
    assert client.get("/profiles/chain/versions/0.2.0").json()["previous_version"].endswith("/profiles/chain/0.1.0")
    before = snapshot(client)
    answer = client.delete("/profiles/chain/versions/0.1.0", headers=client.actors.test)
    assert answer.status_code == 409 and answer.json()["code"] == "draft-in-use", answer.text
    assert "/profiles/chain/0.2.0" in answer.json()["detail"]
    assert snapshot(client) == before


def test_owner_validates_a_record_against_its_draft(client):
    _put(client, "/profiles/draft-core", "0.1.0", "draft", (DATA / "core.ttl").read_bytes())
    record = (DATA / "invalid-record.ttl").read_bytes()
    params = {"profile": "draft-core", "version": "0.1.0"}
    owner = client.post("/validate", params=params, content=record, headers={**client.actors.test, **TURTLE})
    assert owner.status_code == 200, owner.text
    assert owner.json()["profile"]["version"] == "0.1.0" and owner.json()["profile"]["status"] == "draft"
    assert owner.json()["counts"]["violation"] >= 1
    for headers in ({}, client.actors.other):
        other = client.post("/validate", params=params, content=record, headers={**headers, **TURTLE})
        assert other.status_code == 404 and other.json()["code"] == "version-not-found", other.text
