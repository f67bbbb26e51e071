"""Unit tests of the query worker's answer (`registry.sparql.worker.execute`, in-process): SELECT
results written in the requested format at once (`finish_solutions`, direct) and through TSV give
the same rows in every format, and both refuse a result over the row or byte cap with the same
problem, including an answer long enough to leave the direct path for the exact TSV count."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from registry.sparql.worker import MIN_ROW_BYTES, QueryJob, execute

G = ox.NamedNode("https://example.org/g")
P = ox.NamedNode("https://example.org/p")
ROWS = "SELECT ?s ?o WHERE { ?s <https://example.org/p> ?o } ORDER BY ?o"
FORMATS = ("json", "xml", "csv", "tsv")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal(i), G) for i in range(40))
    return store


def answer(store: ox.Store, query: str, fmt: str, *, direct: bool, max_rows: int = 1000, max_bytes: int = 1 << 20):
    job = QueryJob("unused", query, None, None, "results", fmt, max_rows, max_bytes, False, direct)
    return execute(store, {G.value}, job)


def rows(body: bytes, fmt: str) -> list[tuple[str, str]]:
    """The (?s, ?o) values of each row, read back with a parser of the format (CSV with Python's)."""
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(body.decode())))
        assert table[0] == ["s", "o"]
        return [(s, o) for s, o in table[1:]]
    parsed = ox.parse_query_results(
        body, {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}[fmt]
    )
    return [(solution["s"].value, solution["o"].value) for solution in parsed]


@pytest.mark.parametrize("fmt", FORMATS)
def test_direct_and_tsv_answers_hold_the_same_rows(store, fmt):
    direct = answer(store, ROWS, fmt, direct=True)
    through_tsv = answer(store, ROWS, fmt, direct=False)
    assert direct.code is None and through_tsv.code is None
    expected = [(f"https://example.org/s{i}", str(i)) for i in sorted(range(40), key=lambda i: ox.Literal(i).value)]
    assert sorted(rows(direct.body, fmt)) == sorted(rows(through_tsv.body, fmt)) == sorted(expected)
    assert len(rows(direct.body, fmt)) == 40


def test_direct_json_answer_is_one_serialization(store):
    """The direct answer is what pyoxigraph's JSON serializer writes for the query (no TSV step:
    a TSV round trip would drop nothing here either, but the bytes are the serializer's own)."""
    expected = store.query(ROWS, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    assert answer(store, ROWS, "json", direct=True).body == expected
    assert json.loads(expected)["head"]["vars"] == ["s", "o"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("direct", [True, False])
def test_row_cap_at_and_over_the_cap(store, fmt, direct):
    """40 rows: a cap of 40 answers all of them, 39 refuses. With the cap this low, the answer is
    longer than 40 of the format's smallest rows, so the direct path hands over to the TSV count."""
    assert len(answer(store, ROWS, "json", direct=True).body) > MIN_ROW_BYTES["json"] * 41
    at_cap = answer(store, ROWS, fmt, direct=direct, max_rows=40)
    assert at_cap.code is None and len(rows(at_cap.body, fmt)) == 40
    over = answer(store, ROWS, fmt, direct=direct, max_rows=39)
    assert (over.code, over.body) == ("result-too-large", None)
    assert "more than 39 rows" in over.message


@pytest.mark.parametrize("fmt", ("json", "xml", "csv"))
def test_byte_cap_refuses_on_both_paths(store, fmt):
    for direct in (True, False):
        reply = answer(store, ROWS, fmt, direct=direct, max_rows=1000, max_bytes=200)
        assert (reply.code, reply.body) == ("result-too-large", None), (fmt, direct)
        assert "larger than 200 bytes" in reply.message


def test_errors_are_the_same_on_both_paths(store):
    for direct in (True, False):
        assert answer(store, "SELECT WHERE {", "json", direct=direct).code == "query-syntax"
        ask = answer(store, "ASK { ?s ?p ?o }", "json", direct=direct)
        assert json.loads(ask.body)["boolean"] is True
