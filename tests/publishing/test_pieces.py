"""Issue 16 ("Speed and size", peak memory <= 1 GB): a large N-Triples upload is bulk-loaded in
pieces of whole lines on the embedded store (`registry.publishing.pieces`). The pieces make the
same graph as one load; a bad line in a later piece is refused (400, its line counted from the
start of the document) with the store unchanged; a document that may hold blank nodes loads whole.

Through the API: the upload is spooled to a file as a large one is (`MEMORY_LIMIT` lowered), and
the pieces are made small (`PublicationService.load_piece_bytes`), so that a few hundred concepts
make several pieces. On a remote store the document loads in one request: the same answers."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.publishing.pieces import ntriples_pieces
from registry.web.routes import publish as publish_routes
from tests.conftest import TEST_NAMESPACE
from tests.problems import assert_problem

SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SCHEME = f"{TEST_NAMESPACE}pieces/scheme"
PIECE = 4096
NT = {"Content-Type": "application/n-triples"}


def vocabulary(concepts: int = 300) -> list[str]:
    """The lines of an N-Triples SKOS vocabulary: a scheme and `concepts` concepts under it."""
    lines = [f"<{SCHEME}> <{TYPE}> <{SKOS}ConceptScheme> .", f'<{SCHEME}> <{SKOS}prefLabel> "Pieces"@en .']
    for i in range(concepts):
        c = f"<{TEST_NAMESPACE}pieces/c{i}>"
        lines += [
            f"{c} <{TYPE}> <{SKOS}Concept> .",
            f"{c} <{SKOS}inScheme> <{SCHEME}> .",
            f'{c} <{SKOS}prefLabel> "Concept number {i}"@en .',
            f"{c} <{SKOS}topConceptOf> <{SCHEME}> ." if i < 3 else f"{c} <{SKOS}broader> <{TEST_NAMESPACE}pieces/c{i % 3}> .",
        ]
    return lines


def document(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def pieced(client, monkeypatch):
    """The client, with uploads over 1 KiB spooled to a file and files loaded in 4 KiB pieces."""
    monkeypatch.setattr(publish_routes, "MEMORY_LIMIT", 1024)
    client.app.state.registry.publication.load_piece_bytes = PIECE
    return client


def stored(client, graph: str) -> set[str]:
    return {str(t) + " ." for t in client.app.state.registry.store.triples(graph)}


def test_a_document_loaded_in_pieces_is_the_same_graph(pieced, tmp_path):
    lines = vocabulary()
    source = tmp_path / "v.nt"
    source.write_bytes(document(lines))
    assert len(ntriples_pieces(source, PIECE)) > 3  # what the publication below loads in pieces
    r = pieced.put("/vocabularies/pieces/versions/1.0.0", content=source.read_bytes(), headers={**NT, **pieced.actors.test})
    assert r.status_code == 201, r.text
    assert stored(pieced, r.json()["iri"] + "/concepts") == set(lines)
    # the last piece's concepts are searchable like the first's
    hits = pieced.get("/vocabularies/pieces/search", params={"q": "Concept number 299"}).json()["results"]
    assert hits[0]["iri"] == f"{TEST_NAMESPACE}pieces/c299"


def test_a_bad_line_in_a_later_piece_is_refused_at_its_line_with_the_store_unchanged(pieced, snapshot, tmp_path):
    lines = vocabulary()
    bad = len(lines) * 2 // 3  # 1-based line number of the line made bad, in a later piece
    lines[bad - 1] = lines[bad - 1].removesuffix(" .")  # a triple without its final dot
    source = tmp_path / "bad.nt"
    source.write_bytes(document(lines))
    ranges = ntriples_pieces(source, PIECE)
    assert len(ranges) > 3 and source.read_bytes()[: ranges[1][0]].count(b"\n") < bad - 1  # not in the first
    before = snapshot(pieced)
    r = pieced.put("/vocabularies/pieces/versions/1.0.0", content=source.read_bytes(), headers={**NT, **pieced.actors.test})
    body = assert_problem(r, 400, "rdf-syntax")
    assert body["line"] in (bad, bad + 1), body  # the end of the bad line: its line or the next one's start
    assert f"at line {body['line']}," in body["detail"]
    assert snapshot(pieced) == before


def test_a_failed_check_after_a_load_in_pieces_leaves_the_store_unchanged(pieced, snapshot):
    lines = vocabulary()
    lines.append(f'<https://w3id.org/elsewhere/c> <{SKOS}prefLabel> "Not ours"@en .')  # outside the namespace
    before = snapshot(pieced)
    r = pieced.put("/vocabularies/pieces/versions/1.0.0", content=document(lines), headers={**NT, **pieced.actors.test})
    body = assert_problem(r, 422)
    assert any(f["code"] == "namespace-outside-community" for f in body["findings"]), body
    assert snapshot(pieced) == before


def test_a_blank_node_used_in_two_pieces_stays_one_node(pieced, tmp_path):
    lines = vocabulary()
    note = f"{TEST_NAMESPACE}pieces/note"
    lines.insert(2, f'_:note <{note}> "first piece" .')
    lines.append(f'_:note <{note}> "last piece" .')
    source = tmp_path / "blank.nt"
    source.write_bytes(document(lines))
    assert ntriples_pieces(source, PIECE) == [(0, source.stat().st_size)]  # loaded whole
    r = pieced.put("/vocabularies/pieces/versions/1.0.0", content=source.read_bytes(), headers={**NT, **pieced.actors.test})
    assert r.status_code == 201, r.text
    store = pieced.app.state.registry.store
    subjects = {t.subject for t in store.triples(r.json()["iri"] + "/concepts") if t.predicate == ox.NamedNode(note)}
    assert len(subjects) == 1 and isinstance(next(iter(subjects)), ox.BlankNode)


@pytest.mark.parametrize("size", [100, 4095, 4096, 4097, 20_000])
def test_pieces_are_whole_lines_covering_the_document(tmp_path, size):
    lines = [f'<https://example.org/s{i}> <https://example.org/p> "{"x" * (i % 50)}" .' for i in range(10_000)]
    data = document(lines)[:size]
    data = data[: data.rfind(b"\n") + 1] or data
    source = tmp_path / "d.nt"
    source.write_bytes(data)
    ranges = ntriples_pieces(source, 4096)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all(data[end - 1 : end] == b"\n" for _, end in ranges)
    assert all(end - start >= 4096 for start, end in ranges[:-1])
    assert all(end - start < 4096 + 200 for start, end in ranges)  # a piece ends at the first line end after its size
    assert (len(ranges) > 1) == (len(data) > 4096)


def test_a_line_longer_than_a_piece_stays_whole(tmp_path):
    long_line = f'<https://example.org/s> <https://example.org/p> "{"y" * 10_000}" .\n'.encode()
    data = b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n" + long_line + long_line
    source = tmp_path / "long.nt"
    source.write_bytes(data)
    ranges = ntriples_pieces(source, 4096)
    assert [data[start:end].count(b"\n") for start, end in ranges] == [2, 1]


def test_a_document_that_may_hold_a_blank_node_is_one_piece(tmp_path):
    source = tmp_path / "b.nt"
    lines = [f'<https://example.org/s{i}> <https://example.org/p> "{i}" .' for i in range(2000)]
    lines[1500] = '<https://example.org/s> <https://example.org/p> "a literal with _: in it" .'
    source.write_bytes(document(lines))
    assert ntriples_pieces(source, 4096) == [(0, source.stat().st_size)]
