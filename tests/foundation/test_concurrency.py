"""Writers are serialised: concurrent publishes never lose or mix data."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox

from registry.publishing.service import ProfileSubmission, VocabularySubmission

DATA = Path(__file__).parent / "data"
VOCAB = (DATA / "techniques-1.0.0.ttl").read_bytes()


def _vocab(n: int) -> bytes:
    """A distinct vocabulary per thread, in the test namespace."""
    return VOCAB.replace(b"https://w3id.org/test/technique/", f"https://w3id.org/test/technique{n}/".encode())


def test_concurrent_publishes_all_land_intact(services):
    services.communities.create("test", "Test", ["https://w3id.org/test/"])
    community = services.catalog.community("test")
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def publish(n: int) -> None:
        try:
            barrier.wait()
            services.publication.publish_vocabulary(
                community, VocabularySubmission(id=f"v{n}", version="1.0.0", source=_vocab(n), format=ox.RdfFormat.TURTLE)
            )
            # and a second version of the same series in a race with the others
            services.publication.publish_vocabulary(
                community,
                VocabularySubmission(id=f"v{n}", version="1.1.0", source=_vocab(n) + b"\n", format=ox.RdfFormat.TURTLE),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    expected = {str(q.triple) for q in ox.parse(VOCAB, format=ox.RdfFormat.TURTLE)}
    for n in range(6):
        versions = services.catalog.versions("vocabulary", f"v{n}")
        assert [v.version for v in versions] == ["1.0.0", "1.1.0"]
        for info in versions:
            got = {str(t).replace(f"technique{n}/", "technique/") for t in services.store.triples(info.graph)}
            assert got == expected, f"v{n} {info.version} holds other data"
        series = services.store.select(
            "SELECT ?c WHERE { $s <http://www.w3.org/ns/dcat#hasCurrentVersion> ?c }",
            bindings={"s": ox.NamedNode(services.iris.vocabulary(f"v{n}"))},
            default_graph=[services.iris.catalog],
        )
        assert [r["c"].value for r in series] == [services.iris.vocabulary_version(f"v{n}", "1.1.0")]


def test_two_racing_publications_of_one_version_give_one_winner(services):
    services.communities.create("test", "Test", ["https://w3id.org/test/"])
    community = services.catalog.community("test")
    shapes = (DATA / "shapes-1.0.0.ttl").read_bytes()
    services.publication.publish_vocabulary(community, VocabularySubmission(id="techniques", version="1.0.0", source=VOCAB, format=ox.RdfFormat.TURTLE))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def publish(body: bytes) -> None:
        barrier.wait()
        try:
            services.publication.publish_profile(community, ProfileSubmission(id="p", version="1.0.0", shapes=body, format=ox.RdfFormat.TURTLE))
            outcomes.append("created")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(getattr(exc, "code", repr(exc)))

    a = threading.Thread(target=publish, args=(shapes,))
    b = threading.Thread(target=publish, args=(shapes.replace(b"sh:minCount 1", b"sh:minCount 2"),))
    a.start(); b.start(); a.join(30); b.join(30)
    assert sorted(outcomes) == ["created", "immutable"]
    assert len(services.catalog.versions("profile", "p")) == 1
