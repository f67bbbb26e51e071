"""Ids in paths and queries, ownership of namespaces, tokens (extends tests/foundation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import assert_problem, finding_codes

DATA = Path(__file__).resolve().parents[1] / "foundation" / "data"
VOCAB = (DATA / "techniques-1.0.0.ttl").read_bytes()
SHAPES = (DATA / "shapes-1.0.0.ttl").read_bytes()
TTL = {"Content-Type": "text/turtle"}

BAD_IDS = ["..", "%2e%2e", "%2E%2E", ".%2e", "a%00b", "%00", "x" * 10_000, "a%2Fb", "a%5Cb", "A", "a%E2%80%AEb", "a%E2%80%8Bb", "-a", "a b"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=lambda v: v[:20])
@pytest.mark.parametrize("kind", ["profiles", "vocabularies"])
def test_unsafe_ids_on_writes(client, snapshot, kind, bad):
    before = snapshot(client)
    body = SHAPES if kind == "profiles" else VOCAB
    response = client.put(f"/{kind}/{bad}/versions/1.0.0", content=body, headers={**TTL, **client.actors.test})
    assert_problem(response, response.status_code, {"invalid-request", "not-found", "invalid-id"})
    assert response.status_code in (404, 422)
    patch = client.patch(f"/{kind}/{bad}/versions/1.0.0", json={"status": "deprecated"}, headers=client.actors.test)
    assert patch.status_code in (404, 422) and patch.headers["content-type"] == "application/problem+json"
    assert snapshot(client) == before


@pytest.mark.parametrize("bad", BAD_IDS, ids=lambda v: v[:20])
def test_unsafe_ids_on_reads_and_queries(client, snapshot, bad):
    before = snapshot(client)
    for path in (
        f"/profiles/{bad}", f"/profiles/{bad}/versions", f"/vocabularies/{bad}/versions/1.0.0/concepts",
        f"/profiles/x/versions/{bad}", f"/communities/{bad}", f"/vocabularies/{bad}/search?q=a",
    ):
        response = client.get(path)
        if bad == ".." and ".." not in response.request.url.raw_path.decode():
            continue  # the HTTP client itself removed the `..` segment (RFC 3986 5.2.4): not our case
        assert response.status_code in (404, 422), (path, response.status_code)
        assert response.headers["content-type"] == "application/problem+json", path
    response = client.post(f"/validate?profile={bad}", content=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "application/n-triples"})
    assert response.status_code in (404, 422) and response.headers["content-type"] == "application/problem+json"
    assert snapshot(client) == before


def test_traversal_never_reaches_files(client):
    for path in ("/static/yasgui/..%2F..%2F..%2Fconfig.py", "/static/yasgui/%2e%2e/%2e%2e/rdf.py", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert "root:" not in response.text and "BaseSettings" not in response.text


def test_a_profile_claiming_another_communitys_namespace(client, snapshot):
    before = snapshot(client)
    other = SHAPES.replace(b"https://w3id.org/test/shapes/", b"https://w3id.org/other/shapes/")
    response = client.put("/profiles/claim/versions/1.0.0", content=other, headers={**TTL, **client.actors.test})
    assert_problem(response, 422, "checks-failed")
    assert "namespace-outside-community" in finding_codes(response)
    # a prefix of the namespace, an http/https swap, a look-alike
    for fake in (b"https://w3id.org/othe", b"http://w3id.org/other/", b"https://w3id.org/other%2F"):
        body = SHAPES.replace(b"https://w3id.org/test/shapes/", fake + b"shapes/")
        response = client.put("/profiles/claim/versions/1.0.0", content=body, headers={**TTL, **client.actors.test})
        assert response.status_code in (400, 422), response.text[:300]
    assert snapshot(client) == before


@pytest.mark.parametrize(
    "header,code",
    [
        (None, "token-missing"),
        ("Bearer", "token-missing"),
        ("Basic dGVzdDp0ZXN0", "token-missing"),
        ("Bearer " + "a" * 10_000, "token-invalid"),
        ("Bearer 0123456789abcdef." + "x" * 101, "token-invalid"),
        ("Bearer 0123456789ABCDEF.secret", "token-invalid"),
        ("Bearer ../../etc.passwd", "token-invalid"),
        ("Bearer 0123456789abcdef.\u00e9", "token-invalid"),
    ],
)
def test_missing_and_wrong_tokens(client, snapshot, header, code):
    before = snapshot(client)
    headers = {**TTL} | ({"Authorization": header} if header is not None else {})
    # header values go out as raw bytes, so a non-latin-1 token really reaches the server
    raw = {k: v.encode("utf-8") for k, v in headers.items()}
    response = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers=raw)
    assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(client) == before


def test_token_of_the_right_format_but_another_communitys_secret(client, snapshot):
    registry = client.app.state.registry
    mine = registry.communities.create_token("test")
    theirs = client.actors.other_token
    forged = mine.id + "." + theirs.split(".", 1)[1]
    before = snapshot(client)
    response = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**TTL, "Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "token-invalid")
    assert snapshot(client) == before


def test_revoked_token_on_every_write(client, snapshot):
    registry = client.app.state.registry
    assert client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**TTL, **client.actors.test}).status_code == 201
    issued = registry.communities.create_token("test")
    registry.communities.revoke_token(issued.id)
    auth = {"Authorization": f"Bearer {issued.token}"}
    before = snapshot(client)
    for response in (
        client.put("/vocabularies/techniques/versions/1.1.0", content=VOCAB, headers={**TTL, **auth}),
        client.put("/profiles/p/versions/1.0.0", content=SHAPES, headers={**TTL, **auth}),
        client.patch("/vocabularies/techniques/versions/1.0.0", json={"status": "deprecated"}, headers=auth),
    ):
        assert_problem(response, 401, "token-revoked")
    assert snapshot(client) == before


def test_repeated_failed_tokens_are_rate_limited_even_for_good_tokens(client, snapshot):
    before = snapshot(client)
    for _ in range(10):
        assert_problem(client.put("/vocabularies/t/versions/1.0.0", content=VOCAB, headers={**TTL, "Authorization": "Bearer 0123456789abcdef.guess"}), 401, "token-invalid")
    limited = client.put("/vocabularies/t/versions/1.0.0", content=VOCAB, headers={**TTL, "Authorization": "Bearer 0123456789abcdef.guess"})
    problem = assert_problem(limited, 429, "auth-rate-limited")
    assert int(limited.headers["retry-after"]) > 0 and problem["detail"]
    # while limited, a correct token from the same client is refused too (no oracle for guesses)
    assert_problem(client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**TTL, **client.actors.test}), 429, "auth-rate-limited")
    assert snapshot(client) == before
    # reads are not affected
    assert client.get("/profiles").status_code == 200
