"""Publishing through the HTTP API: the data model, immutability, ordering, ownership, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.web.app import create_app

DATA = Path(__file__).parent / "data"
VOCAB = (DATA / "techniques-1.0.0.ttl").read_bytes()
SHAPES = (DATA / "shapes-1.0.0.ttl").read_bytes()
TTL = {"Content-Type": "text/turtle"}
BASE = "http://testserver/"
DCAT = "http://www.w3.org/ns/dcat#"
PROF = "http://www.w3.org/ns/dx/prof/"
DCT = "http://purl.org/dc/terms/"


def publish_vocab(client, version="1.0.0", body=VOCAB, headers=None, **params):
    return client.put(
        f"/vocabularies/techniques/versions/{version}",
        content=body,
        headers={**TTL, **(headers or client.actors.test)},
        params={"title": "Techniques", **params},
    )


def publish_profile(client, pid="test-profile", version="1.0.0", body=SHAPES, headers=None, **params):
    return client.put(
        f"/profiles/{pid}/versions/{version}",
        content=body,
        headers={**TTL, **(headers or client.actors.test)},
        params={"title": "Test profile", **params},
    )


def graph_of(response) -> set[tuple[str, str, str]]:
    fmt = ox.RdfFormat.from_media_type(response.headers["content-type"])
    return {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in (q.triple for q in ox.parse(response.content, format=fmt))
    }


@pytest.fixture
def published(client):
    assert publish_vocab(client).status_code == 201
    assert publish_profile(client).status_code == 201
    return client


def test_publish_describes_the_version_with_prof_and_dcat(published):
    client = published
    version = f"{BASE}profiles/test-profile/1.0.0"
    response = client.get("/profiles/test-profile/versions/1.0.0", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    triples = graph_of(response)
    assert (version, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", PROF + "Profile") in triples
    assert (version, DCAT + "version", "1.0.0") in triples
    assert (f"{BASE}profiles/test-profile", DCAT + "hasVersion", version) in triples
    assert (version, "http://www.w3.org/ns/adms#status", "http://purl.org/adms/status/Completed") in triples
    roles = {o for s, p, o in triples if p == PROF + "hasRole"}
    # validation, vocabulary, and the Dataverse block made from the version (issue 13)
    assert roles == {PROF + "role/validation", PROF + "role/vocabulary", "https://w3id.org/profile-registry/dataverse#block"}
    artifacts = {o for s, p, o in triples if p == PROF + "hasArtifact"}
    assert f"{version}/shapes" in artifacts
    assert f"{BASE}vocabularies/techniques/1.0.0" in artifacts  # the vocabulary version pinned

    shapes = client.get("/profiles/test-profile/versions/1.0.0/shapes", headers={"Accept": "application/n-triples"})
    assert ("https://w3id.org/test/shapes/DatasetShape", "http://www.w3.org/ns/shacl#targetClass", DCAT + "Dataset") in graph_of(shapes)

    listing = client.get("/profiles").json()
    assert [(p["id"], p["latest_version"], p["community"]) for p in listing] == [("test-profile", "1.0.0", "test")]
    vocab = client.get("/vocabularies/techniques/versions/1.0.0").json()
    assert vocab["concept_scheme"] == "https://w3id.org/test/technique/"
    assert vocab["triples"] == len(list(ox.parse(VOCAB, format=ox.RdfFormat.TURTLE)))


@pytest.mark.parametrize(
    "media,fmt", [("text/turtle", "Turtle"), ("application/n-triples", "N-Triples"), ("application/rdf+xml", "RDF/XML"), ("application/ld+json", "JSON-LD")]
)
def test_artifacts_come_back_in_every_rdf_syntax(published, media, fmt):
    response = published.get("/vocabularies/techniques/versions/1.0.0/concepts", headers={"Accept": media})
    assert response.headers["content-type"].startswith(media)
    assert graph_of(response) == {
        (t.subject.value, t.predicate.value, t.object.value) for t in (q.triple for q in ox.parse(VOCAB, format=ox.RdfFormat.TURTLE))
    }


@pytest.mark.parametrize("media", ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"])
def test_publish_accepts_every_rdf_syntax(client, media):
    triples = [q.triple for q in ox.parse(VOCAB, format=ox.RdfFormat.TURTLE)]
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media))
    response = client.put("/vocabularies/techniques/versions/1.0.0", content=body, headers={"Content-Type": media, **client.actors.test})
    assert response.status_code == 201, response.text
    back = client.get("/vocabularies/techniques/versions/1.0.0/concepts", headers={"Accept": "application/n-triples"})
    fmt = ox.RdfFormat.N_TRIPLES
    assert {str(q.triple) for q in ox.parse(back.content, format=fmt)} == {str(t) for t in triples}


def test_state_survives_a_restart(settings, app_with_actors):
    app, actors = app_with_actors
    with TestClient(app) as client:
        client.actors = actors
        assert publish_vocab(client).status_code == 201
        assert publish_profile(client).status_code == 201
        before = client.get("/profiles/test-profile/versions/1.0.0").json()
    with TestClient(create_app(settings)) as again:
        assert again.get("/profiles/test-profile/versions/1.0.0").json() == before
        assert [v["version"] for v in again.get("/vocabularies/techniques/versions").json()] == ["1.0.0"]


def test_identical_republication_is_a_noop(published, snapshot):
    before = snapshot(published)
    response = publish_profile(published)
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert publish_vocab(published).status_code == 200
    assert snapshot(published) == before


def test_published_version_is_immutable(published, snapshot):
    before = snapshot(published)
    changed = SHAPES.replace(b"sh:minCount 1", b"sh:minCount 2")
    response = publish_profile(published, body=changed)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "immutable"
    assert snapshot(published) == before


def test_versions_must_increase(published, snapshot):
    # 1.1.0 loosens the title's minimum (compatible: a minor release is enough, docs/evolution.md)
    assert publish_profile(published, version="1.1.0", body=SHAPES.replace(b"minCount 1", b"minCount 0")).status_code == 201
    before = snapshot(published)
    response = publish_profile(published, version="1.0.5", body=SHAPES.replace(b"minCount 1", b"minCount 3"))
    assert response.status_code == 409
    assert response.json()["code"] == "version-not-newer"
    assert snapshot(published) == before
    versions = published.get("/profiles/test-profile/versions").json()
    assert [v["version"] for v in versions] == ["1.0.0", "1.1.0"]
    assert versions[1]["previous_version"] == f"{BASE}profiles/test-profile/1.0.0"
    assert published.get("/profiles/test-profile").json()["latest_version"] == "1.1.0"


def test_drafts_are_replaceable_invisible_then_published(published):
    draft = publish_profile(published, version="2.0.0", status="draft")
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    assert published.get("/profiles/test-profile/versions/2.0.0").status_code == 404
    assert published.get("/profiles/test-profile").json()["latest_version"] == "1.0.0"
    replaced = publish_profile(published, version="2.0.0", status="draft", body=SHAPES.replace(b"minCount 1", b"minCount 4"))
    assert replaced.status_code == 201
    confirm = published.patch("/profiles/test-profile/versions/2.0.0", json={"status": "published"}, headers=published.actors.test)
    assert confirm.status_code == 200 and confirm.json()["status"] == "published"
    shapes = published.get("/profiles/test-profile/versions/2.0.0/shapes", headers={"Accept": "application/n-triples"})
    assert ("https://w3id.org/test/shapes/DatasetShape-title", "http://www.w3.org/ns/shacl#minCount", "4") in graph_of(shapes)
    assert published.get("/profiles/test-profile").json()["latest_version"] == "2.0.0"


def test_deprecation(published):
    response = published.patch("/vocabularies/techniques/versions/1.0.0", json={"status": "deprecated"}, headers=published.actors.test)
    assert response.status_code == 200
    assert published.get("/vocabularies/techniques/versions/1.0.0").json()["status"] == "deprecated"
    back = published.patch("/vocabularies/techniques/versions/1.0.0", json={"status": "draft"}, headers=published.actors.test)
    assert back.status_code == 409


def test_multipart_publication_with_vocabulary_and_context(client):
    metadata = {
        "title": {"en": "Test profile", "fr": "Profil de test"},
        "vocabularies": [{"id": "techniques", "version": "1.0.0", "file": "techniques"}],
    }
    context = {"@context": {"title": {"@id": DCT + "title", "@language": "en"}}}
    response = client.put(
        "/profiles/test-profile/versions/1.0.0",
        files={
            "shapes": ("shapes.ttl", SHAPES, "text/turtle"),
            "techniques": ("techniques.ttl", VOCAB, "text/turtle"),
            "context": ("context.jsonld", json.dumps(context).encode(), "application/ld+json"),
        },
        data={"metadata": json.dumps(metadata)},
        headers=client.actors.test,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [v["id"] for v in body["vocabularies"]] == ["techniques"]
    assert client.get("/profiles/test-profile/versions/1.0.0/context").json() == context
    assert client.get("/profiles/test-profile/versions/1.0.0").json()["title"] == metadata["title"]


# --- checks ---------------------------------------------------------------------------------------


def test_unknown_vocabulary_reference_is_refused(client, snapshot):
    before = snapshot(client)
    response = publish_profile(client)  # the techniques vocabulary is not published
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "checks-failed"
    assert "unknown-vocabulary" in {f["code"] for f in problem["findings"]}
    assert snapshot(client) == before


def test_forbidden_features_are_refused(published, snapshot):
    before = snapshot(published)
    hostile = SHAPES + b"""
ts:Js a sh:NodeShape ; sh:targetNode ts:x ; sh:js [ sh:jsFunctionName "f" ; sh:jsLibrary [ sh:jsLibraryURL "http://127.0.0.1:1/x.js" ] ] .
ts:Sparql a sh:NodeShape ; sh:targetNode ts:x ; sh:sparql [ sh:select "SELECT $this WHERE { SERV\\\\u0049CE <http://127.0.0.1:1/> { ?s ?p ?o } }" ] .
"""
    response = publish_profile(published, version="1.1.0", body=hostile)
    assert response.status_code == 422
    codes = {f["code"] for f in response.json()["findings"]}
    assert {"forbidden-sh-js", "forbidden-service"} <= codes
    assert snapshot(published) == before


def test_skos_integrity_errors_refuse_a_vocabulary_in_strict_mode_and_warnings_come_back(client, snapshot):
    before = snapshot(client)
    bad = VOCAB + b'\nt:tem skos:prefLabel "Another label"@en .\n'
    response = publish_vocab(client, body=bad, skos_integrity="strict")
    assert response.status_code == 422
    assert "skos-S14" in {f["code"] for f in response.json()["findings"]}
    assert snapshot(client) == before
    # by default an integrity condition is a warning (docs/vocabularies.md): published, reported
    lenient = publish_vocab(client, version="0.9.0", body=bad)
    assert lenient.status_code == 201, lenient.text
    assert "skos-S14" in {f["code"] for f in lenient.json()["warnings"]}
    warned = VOCAB + b'\nt:orphan a skos:Concept ; skos:inScheme t: ; skos:prefLabel " spaced "@en .\n'
    ok = publish_vocab(client, body=warned)
    assert ok.status_code == 201
    assert ok.json()["warnings"], "quality warnings are returned with the result"


# --- ownership and tokens -------------------------------------------------------------------------


def test_namespace_of_another_community_is_refused(client, snapshot):
    before = snapshot(client)
    response = publish_vocab(client, headers=client.actors.other)  # 'other' publishing test's IRIs
    assert response.status_code == 422
    assert "namespace-outside-community" in {f["code"] for f in response.json()["findings"]}
    assert snapshot(client) == before


def test_a_series_belongs_to_its_community(published, snapshot):
    before = snapshot(published)
    body = SHAPES.replace(b"https://w3id.org/test/shapes/", b"https://w3id.org/other/shapes/")
    response = publish_profile(published, version="1.1.0", body=body, headers=published.actors.other)
    assert response.status_code == 403
    assert response.json()["code"] == "not-owner"
    deprecate = published.patch("/profiles/test-profile/versions/1.0.0", json={"status": "deprecated"}, headers=published.actors.other)
    assert deprecate.status_code == 403
    assert snapshot(published) == before


@pytest.mark.parametrize(
    "headers,code",
    [({}, "token-missing"), ({"Authorization": "Bearer nope"}, "token-invalid"), ({"Authorization": "Bearer 0123456789abcdef.wrong"}, "token-invalid")],
)
def test_writes_need_a_valid_token(client, snapshot, headers, code):
    before = snapshot(client)
    response = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**TTL, **headers})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(client) == before


def test_revoked_token_is_refused(client, snapshot):
    registry = client.app.state.registry
    issued = registry.communities.create_token("test")
    registry.communities.revoke_token(issued.id)
    before = snapshot(client)
    response = publish_vocab(client, headers={"Authorization": f"Bearer {issued.token}"})
    assert response.status_code == 401 and response.json()["code"] == "token-revoked"
    assert snapshot(client) == before


def test_repeated_failed_tokens_are_rate_limited(client):
    codes = [
        client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB, headers={**TTL, "Authorization": "Bearer bad"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429


# --- bad input ------------------------------------------------------------------------------------


def test_malformed_rdf_names_line_and_column(client, snapshot):
    before = snapshot(client)
    body = b"@prefix t: <https://w3id.org/test/> .\nt:a t:b t:c .\nt:d t:e \n"
    response = publish_vocab(client, body=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "rdf-syntax" and problem["line"] in (3, 4) and problem["column"] is not None
    response = publish_profile(client, body=body)
    assert response.status_code == 400 and response.json()["line"] in (3, 4)
    assert snapshot(client) == before


def test_unsupported_media_type(client, snapshot):
    before = snapshot(client)
    response = client.put("/vocabularies/techniques/versions/1.0.0", content=b"a: b", headers={"Content-Type": "application/yaml", **client.actors.test})
    assert response.status_code == 415 and response.json()["code"] == "unsupported-media-type"
    assert snapshot(client) == before


def test_oversized_body_is_refused_before_reading(client, snapshot):
    before = snapshot(client)
    limit = client.app.state.settings.max_body_bytes
    response = client.put("/profiles/test-profile/versions/1.0.0", content=b"#" * (limit + 1), headers={**TTL, **client.actors.test})
    assert response.status_code == 413 and response.json()["code"] == "payload-too-large"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(limit // 65536 + 2):
            yield b"#" * 65536

    response = client.put("/profiles/test-profile/versions/1.0.0", content=chunks(), headers={**TTL, **client.actors.test})
    assert response.status_code == 413
    assert snapshot(client) == before


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "latest", "1.0.0.0"])
def test_non_semver_is_refused(client, snapshot, version):
    before = snapshot(client)
    response = publish_vocab(client, version=version)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert snapshot(client) == before


@pytest.mark.parametrize("bad_id", ["..", "%2e%2e", "a%00b", "x" * 10_000, "A", "a%E2%80%AEb"])
def test_unsafe_ids_are_refused(client, snapshot, bad_id):
    before = snapshot(client)
    response = client.put(f"/vocabularies/{bad_id}/versions/1.0.0", content=VOCAB, headers={**TTL, **client.actors.test})
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert snapshot(client) == before
    if bad_id != "..":  # clients resolve a literal ".." segment before sending
        assert client.get(f"/vocabularies/{bad_id}").status_code in (404, 422)


def test_unknown_ids_are_404(client):
    for path in ("/profiles/nothing", "/profiles/nothing/versions/1.0.0", "/vocabularies/nothing/versions", "/communities/nobody"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/profiles/{pid}/versions/{version}" in spec["paths"]
    assert "put" in spec["paths"]["/vocabularies/{vid}/versions/{version}"]
    assert client.get("/docs").status_code == 200


def test_same_vocabulary_in_another_syntax_is_a_noop_and_other_content_a_conflict(published, snapshot):
    before = snapshot(published)
    triples = [q.triple for q in ox.parse(VOCAB, format=ox.RdfFormat.TURTLE)]
    as_ntriples = ox.serialize(reversed(triples), format=ox.RdfFormat.N_TRIPLES)
    response = published.put(
        "/vocabularies/techniques/versions/1.0.0", content=as_ntriples,
        headers={"Content-Type": "application/n-triples", **published.actors.test},
    )
    assert response.status_code == 200 and response.json()["created"] is False
    assert snapshot(published) == before
    changed = as_ntriples.replace(b'"TEM"@en', b'"TEM (changed)"@en')
    response = published.put(
        "/vocabularies/techniques/versions/1.0.0", content=changed,
        headers={"Content-Type": "application/n-triples", **published.actors.test},
    )
    assert response.status_code == 409 and response.json()["code"] == "immutable"
    assert snapshot(published) == before


def test_drafts_never_change_what_the_public_catalog_graph_says(published):
    catalog = f"{BASE}catalog"
    store = published.app.state.registry.store

    def catalog_titles(series: str) -> set[str]:
        rows = store.select(
            "SELECT ?t WHERE { $s <http://purl.org/dc/terms/title> ?t }",
            bindings={"s": ox.NamedNode(series)}, default_graph=[catalog],
        )
        return {r["t"].value for r in rows}

    assert publish_profile(published, version="2.0.0", status="draft", title="Secret draft title").status_code == 201
    assert catalog_titles(f"{BASE}profiles/test-profile") == {"Test profile"}
    assert publish_profile(published, pid="draft-only", status="draft", title="Hidden").status_code == 201
    assert catalog_titles(f"{BASE}profiles/draft-only") == set()
    mentioned = store.ask("ASK { $s ?p ?o }", bindings={"s": ox.NamedNode(f"{BASE}profiles/draft-only")}, default_graph=[catalog])
    assert not mentioned, "a draft-only series must not appear in the public catalog graph"
    # ...yet it is owned: another community cannot take the id
    other = SHAPES.replace(b"https://w3id.org/test/shapes/", b"https://w3id.org/other/shapes/")
    taken = publish_profile(published, pid="draft-only", version="1.1.0", body=other, headers=published.actors.other)
    assert taken.status_code == 403
    listed_in_catalog = store.ask(
        "ASK { $c <http://www.w3.org/ns/dcat#resource> $s }",
        bindings={"c": ox.NamedNode(catalog), "s": ox.NamedNode(f"{BASE}profiles/draft-only")}, default_graph=[catalog],
    )
    assert not listed_in_catalog
    assert published.get("/profiles/draft-only").status_code == 404
    # confirming the draft makes its title the series' title
    confirm = published.patch("/profiles/test-profile/versions/2.0.0", json={"status": "published"}, headers=published.actors.test)
    assert confirm.status_code == 200
    assert catalog_titles(f"{BASE}profiles/test-profile") == {"Secret draft title"}


def test_a_draft_only_series_appears_once_confirmed(published):
    assert publish_profile(published, pid="later", status="draft", title="Later").status_code == 201
    assert published.get("/profiles/later").status_code == 404
    assert "later" not in [p["id"] for p in published.get("/profiles").json()]
    confirm = published.patch("/profiles/later/versions/1.0.0", json={"status": "published"}, headers=published.actors.test)
    assert confirm.status_code == 200
    summary = published.get("/profiles/later").json()
    assert (summary["latest_version"], summary["title"], summary["community"]) == ("1.0.0", {"en": "Later"}, "test")


def test_an_empty_shapes_graph_is_refused(published, snapshot):
    before = snapshot(published)
    empty_jsonld = b'{"@id": "not an iri", "http://purl.org/dc/terms/title": "x"}'  # parses to no triple
    response = published.put(
        "/profiles/empty/versions/1.0.0", content=empty_jsonld,
        headers={"Content-Type": "application/ld+json", **published.actors.test},
    )
    assert response.status_code == 422
    assert [f["code"] for f in response.json()["findings"]] == ["empty-shapes"]
    assert snapshot(published) == before
