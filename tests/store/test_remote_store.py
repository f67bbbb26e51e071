"""The remote store (`RemoteSparqlStore`) against a real `oxigraph serve` on 127.0.0.1.

Every method of the `RegistryStore` interface, both upload paths (Graph Store Protocol and
streamed INSERT DATA), both ways of asking for the union of all graphs, retries of reads across a
server restart, timeouts, and the writer lease shared by several processes.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from registry.config import Settings
from registry.errors import StoreUnavailable
from registry.store import open_store
from registry.store.sparql import COORDINATION_GRAPH, RemoteSparqlStore
from tests.conftest import STORE_SETTINGS_ENV, OxigraphServer, free_port

REPO = Path(__file__).resolve().parents[2]
EX = "https://example.org/"
G1, G2 = EX + "g1", EX + "g2"


def nn(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


@pytest.fixture(autouse=True)
def _only_these_settings(monkeypatch):
    """These tests are about `oxigraph serve`: no store setting of the suite's backend applies."""
    for name in STORE_SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["gsp", "no-gsp"])
def store(request, oxigraph_server):
    """The store over Oxigraph server's three endpoints, and without the Graph Store Protocol."""
    gsp = None if request.param == "gsp" else "none"
    remote = RemoteSparqlStore(f"{oxigraph_server.base}/query", gsp_url=gsp, timeout_s=10)
    yield remote
    remote.close()


def server_graphs(server: OxigraphServer) -> set[str]:
    """What the server itself holds (read with plain HTTP, not through the class under test)."""
    response = httpx.post(
        f"{server.base}/query",
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    return {b["g"]["value"] for b in response.json()["results"]["bindings"]}


# --- configuration ---------------------------------------------------------------------------------


def test_open_store_builds_the_remote_store_from_settings(oxigraph_server):
    settings = Settings(store=oxigraph_server.store_url, store_timeout_s=7.5, store_retries=1)
    remote = open_store(settings)
    try:
        assert isinstance(remote, RemoteSparqlStore)
        assert remote.query_url == f"{oxigraph_server.base}/query"
        assert remote.update_url == f"{oxigraph_server.base}/update"
        assert remote.gsp_url == f"{oxigraph_server.base}/store"
        assert remote.timeout_s == 7.5 and remote.retries == 1
        assert remote.graph_names() == set()
    finally:
        remote.close()


def test_explicit_endpoints_win_over_derived_ones():
    remote = RemoteSparqlStore(
        "http://127.0.0.1:1/ds/sparql", update_url="http://127.0.0.1:1/ds/update", gsp_url="http://127.0.0.1:1/ds/data"
    )
    assert (remote.update_url, remote.gsp_url) == ("http://127.0.0.1:1/ds/update", "http://127.0.0.1:1/ds/data")
    other = RemoteSparqlStore("http://127.0.0.1:1/sparql")
    assert (other.update_url, other.gsp_url) == ("http://127.0.0.1:1/sparql", None)  # no guess
    remote.close()
    other.close()


def test_endpoint_settings_given_as_paths_are_on_the_query_url_s_host():
    settings = Settings(
        store="sparql+http://10.0.0.7:8890/sparql-auth", store_gsp_url="/sparql-graph-crud-auth",
        store_update_url="/sparql-auth",
    )
    remote = RemoteSparqlStore.from_settings(settings)
    try:
        assert remote.gsp_url == "http://10.0.0.7:8890/sparql-graph-crud-auth"
        assert remote.update_url == "http://10.0.0.7:8890/sparql-auth"
    finally:
        remote.close()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        RemoteSparqlStore("http://127.0.0.1:1/query", union_default_graph="everything")
    with pytest.raises(ValueError):
        RemoteSparqlStore.from_settings(Settings(store="sparql+ftp://x/query"))


# --- writing and reading -----------------------------------------------------------------------------


def test_commit_writes_and_query_reads_back_with_pyoxigraph_types(store):
    store.commit(
        insert=[
            ox.Quad(nn("a"), nn("p"), ox.Literal("é \"quoted\"\nline", language="fr"), ox.NamedNode(G1)),
            ox.Quad(nn("a"), nn("q"), ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), ox.NamedNode(G1)),
            ox.Quad(nn("b"), nn("p"), nn("a"), ox.NamedNode(G2)),
        ]
    )
    rows = store.select("SELECT ?o WHERE { $s $p ?o }", bindings={"s": nn("a"), "p": nn("p")}, default_graph=[G1])
    assert rows == [{"o": ox.Literal("é \"quoted\"\nline", language="fr")}]
    result = store.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[G2])
    assert isinstance(result, ox.QuerySolutions)
    assert [v.value for v in result.variables] == ["s"]
    assert store.query("ASK { $s ?p ?o }", bindings={"s": nn("b")}, default_graph=[G2]).__class__ is ox.QueryBoolean
    assert store.ask("ASK { $s ?p ?o }", bindings={"s": nn("b")}, default_graph=[G2])
    assert not store.ask("ASK { $s ?p ?o }", bindings={"s": nn("b")}, default_graph=[G1])
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=[G1])
    assert isinstance(triples, ox.QueryTriples)
    assert len(list(triples)) == 2
    # an empty default-graph list is an empty default graph, as on the embedded store
    assert store.select("SELECT * WHERE { ?s ?p ?o }", default_graph=[]) == []
    # no dataset given: the store's own default graph, empty here
    assert store.select("SELECT * WHERE { ?s ?p ?o }") == []
    assert store.count(G1) == 2 and store.count(G2) == 1


def test_bindings_cannot_change_the_query(store):
    store.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { "')
    assert store.select("SELECT ?s WHERE { ?s ?p ?o FILTER(STR(?o) = $v) }", bindings={"v": hostile}, default_graph=[G1]) == []
    assert store.count(G1) == 1


@pytest.mark.parametrize("mode", ["param", "graphs", "auto"])
def test_union_default_graph_modes(oxigraph_server, mode):
    remote = RemoteSparqlStore(f"{oxigraph_server.base}/query", union_default_graph=mode)
    try:
        remote.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1)), ox.Quad(nn("c"), nn("p"), nn("d"), ox.NamedNode(G2))])
        rows = remote.select("SELECT ?s WHERE { ?s $p ?o } ORDER BY ?s", bindings={"p": nn("p")}, union_default_graph=True)
        assert [r["s"] for r in rows] == [nn("a"), nn("c")]
        # GRAPH patterns see every named graph whatever the mode
        rows = remote.select("SELECT ?g WHERE { GRAPH ?g { ?s $p ?o } } ORDER BY ?g", bindings={"p": nn("p")}, union_default_graph=True)
        assert [r["g"].value for r in rows] == [G1, G2]
        # with an explicit default graph, GRAPH patterns still see the named graphs (as embedded)
        rows = remote.select("SELECT ?g ?s WHERE { ?s ?p ?o . GRAPH ?g { ?x ?p ?y } }", default_graph=[G1])
        assert {(r["g"].value, r["s"].value) for r in rows} == {(G1, EX + "a"), (G2, EX + "a")}
        if mode == "auto":
            assert remote._union_mode() == "param"  # detected from the Server header: Oxigraph
    finally:
        remote.close()


def test_update_syntax_error_is_a_syntax_error_and_changes_nothing(store):
    store.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
    with pytest.raises(SyntaxError):
        store.update(f"DROP GRAPH <{G1}> ; INSERT DATA {{ this is not sparql }}")
    assert store.count(G1) == 1
    with pytest.raises(SyntaxError):
        store.query("SELECT WHERE {")


def test_commit_is_one_update_all_or_nothing(store):
    store.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("old"), ox.NamedNode(G1))])
    store.commit(
        delete=[ox.Quad(nn("a"), nn("p"), nn("old"), ox.NamedNode(G1))],
        insert=[ox.Quad(nn("a"), nn("p"), nn("new"), ox.NamedNode(G1))],
        drop_graphs=[G2],
    )
    assert [t.object for t in store.triples(G1)] == [nn("new")]


def test_load_graph_formats_sources_and_blank_nodes(store, tmp_path):
    turtle = b"@prefix ex: <https://example.org/> .\nex:s ex:p [ ex:q \"inner\" ; ex:r [ ex:t 1 ] ] .\n"
    store.load_graph(G1, turtle, ox.RdfFormat.TURTLE)
    # the blank nodes still connect the triples after the round trip
    rows = store.select(
        "SELECT ?v WHERE { <https://example.org/s> <https://example.org/p> ?b . ?b <https://example.org/r> ?c . ?c <https://example.org/t> ?v }",
        default_graph=[G1],
    )
    assert [r["v"].value for r in rows] == ["1"]
    path = tmp_path / "doc.nt"
    path.write_bytes(b"<https://example.org/x> <https://example.org/p> \"from a file\" .\n")
    store.load_graph(G2, path, ox.RdfFormat.N_TRIPLES)
    assert store.count(G2) == 1
    rdfxml = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:ex="https://example.org/"><rdf:Description rdf:about="https://example.org/y"><ex:p>xml</ex:p>'
        b"</rdf:Description></rdf:RDF>"
    )
    store.load_graph(EX + "g3", io.BytesIO(rdfxml), ox.RdfFormat.RDF_XML)
    jsonld = b'{"@id": "https://example.org/z", "https://example.org/p": "json"}'
    store.load_graph(EX + "g4", jsonld, ox.RdfFormat.JSON_LD)
    assert {t.object.value for t in store.triples(EX + "g3")} | {t.object.value for t in store.triples(EX + "g4")} == {"xml", "json"}
    relative = b"<a> <https://example.org/p> <b> ."
    store.load_graph(EX + "g5", relative, ox.RdfFormat.TURTLE, base_iri="https://example.org/base/")
    assert [t.subject.value for t in store.triples(EX + "g5")] == ["https://example.org/base/a"]


def test_load_graph_streams_a_large_document_in_one_request(store):
    n = 30_000  # ~2.5 MB of N-Triples: several 1 MiB chunks of one streamed request
    lines = [f'_:b{i % 7} <https://example.org/p{i % 13}> "value {i} {"x" * 40}" .' for i in range(n)]
    store.load_graph(G1, ("\n".join(lines) + "\n").encode(), ox.RdfFormat.N_TRIPLES)
    assert store.count(G1) == n
    # blank nodes were not split by the chunking: still exactly 7 subjects
    rows = store.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }", default_graph=[G1])
    assert int(rows[0]["n"].value) == 7


def test_load_graph_syntax_error_never_reaches_the_store(store, oxigraph_server):
    bad = b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n<oops> is not turtle"
    with pytest.raises(SyntaxError):
        store.load_graph(G1, bad, ox.RdfFormat.TURTLE)
    assert server_graphs(oxigraph_server) <= {COORDINATION_GRAPH}
    assert not store.has_graph(G1)


def test_add_drop_has_graph_names_triples_dump(store, oxigraph_server):
    store.add_triples(G1, [ox.Triple(nn("a"), nn("p"), nn("b"))])
    store.add_triples(G1, [ox.Triple(nn("a"), nn("p"), nn("c"))])  # adds, does not replace
    store.add_triples(G2, [ox.Triple(nn("x"), nn("p"), ox.Literal("y"))])
    assert store.has_graph(G1) and not store.has_graph(EX + "nothing")
    assert store.graph_names() == {G1, G2}
    assert COORDINATION_GRAPH in server_graphs(oxigraph_server)  # there, but never listed
    assert sorted(t.object.value for t in store.triples(G1)) == [EX + "b", EX + "c"]
    assert list(store.triples(EX + "nothing")) == []
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS, [G1, G2])
    quads = list(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))
    assert sorted((q.graph_name.value, q.object.value) for q in quads) == [(G1, EX + "b"), (G1, EX + "c"), (G2, "y")]
    store.replace_graph(G1, [ox.Triple(nn("a"), nn("p"), nn("z"))])
    assert [t.object for t in store.triples(G1)] == [nn("z")]
    store.drop_graph(G1)
    store.drop_graph(G1)  # absent: no error
    assert store.graph_names() == {G2}
    store.flush()
    store.close()
    store.close()  # twice: no error


# --- several processes -------------------------------------------------------------------------------


def test_generation_moves_when_another_process_writes(oxigraph_server):
    mine = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    theirs = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    try:
        first = mine.generation
        assert mine.generation == first  # nothing written: stable
        theirs.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
        second = mine.generation
        assert second != first
        assert mine.generation == second
        with mine.writing():
            mine.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("c"), ox.NamedNode(G1))])
        assert mine.generation != second
        assert mine.revision() == theirs.revision() is not None
    finally:
        mine.close()
        theirs.close()


def test_revision_ttl_caches_the_revision_read(oxigraph_server):
    mine = RemoteSparqlStore(f"{oxigraph_server.base}/query", revision_ttl_s=60)
    theirs = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    try:
        first = mine.generation
        theirs.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
        assert mine.generation == first  # trusted for 60 s: documented staleness
    finally:
        mine.close()
        theirs.close()


def test_writer_lease_excludes_a_second_store_until_released(oxigraph_server):
    a = RemoteSparqlStore(f"{oxigraph_server.base}/query", lock_ttl_s=5)
    b = RemoteSparqlStore(f"{oxigraph_server.base}/query", lock_ttl_s=5, lock_wait_s=0.3)
    try:
        with a.writing():
            with pytest.raises(StoreUnavailable) as info:
                with b.writing():
                    pass
            assert info.value.code == "store-busy"
            with a.writing():  # re-entrant in the holder
                pass
        with b.writing():  # released: b gets it at once
            pass
        assert a.graph_names() == set()  # the lease never shows as a graph
    finally:
        a.close()
        b.close()


def test_an_expired_lease_of_a_crashed_writer_is_taken_over(oxigraph_server):
    crashed = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    expires = time.time() + 1.0
    crashed._raw_update(
        f'INSERT DATA {{ GRAPH <{COORDINATION_GRAPH}> {{ <urn:registry:lease:dead> '
        f'<https://w3id.org/profile-registry/ns#leaseExpires> {expires:.3f} }} }}'
    )
    waiting = RemoteSparqlStore(f"{oxigraph_server.base}/query", lock_wait_s=10)
    try:
        with waiting.writing():
            # taken over once the dead claim expired, not before (measured against the claim's
            # own expiry, so a slow start of the second store cannot hide an early take-over)
            late = time.time() - expires
        assert 0 <= late < 4, late
    finally:
        crashed.close()
        waiting.close()


def test_the_lease_is_renewed_while_a_long_write_runs(oxigraph_server):
    a = RemoteSparqlStore(f"{oxigraph_server.base}/query", lock_ttl_s=0.6)
    b = RemoteSparqlStore(f"{oxigraph_server.base}/query", lock_ttl_s=0.6, lock_wait_s=0.2)
    try:
        with a.writing():
            time.sleep(1.5)  # longer than the lease: the renewal thread keeps it
            with pytest.raises(StoreUnavailable):
                with b.writing():
                    pass
    finally:
        a.close()
        b.close()


COUNTER_SCRIPT = """
import sys, pyoxigraph as ox
from registry.store.sparql import RemoteSparqlStore
store = RemoteSparqlStore(sys.argv[1], lock_wait_s=60)
g, s, p = "https://example.org/counter", ox.NamedNode("https://example.org/c"), ox.NamedNode("https://example.org/n")
for _ in range(int(sys.argv[2])):
    with store.writing():  # read-modify-write: lost updates unless writers are serialised
        rows = store.select("SELECT ?n WHERE { $s $p ?n }", bindings={"s": s, "p": p}, default_graph=[g])
        n = int(rows[0]["n"].value) if rows else 0
        old = [ox.Quad(s, p, ox.Literal(str(n)), ox.NamedNode(g))] if rows else []
        store.commit(delete=old, insert=[ox.Quad(s, p, ox.Literal(str(n + 1)), ox.NamedNode(g))])
store.close()
"""


def test_writers_in_two_processes_are_serialised_by_the_lease(oxigraph_server):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rounds = 25
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNTER_SCRIPT, f"{oxigraph_server.base}/query", str(rounds)], env=env, cwd=REPO)
        for _ in range(2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    remote = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    try:
        rows = remote.select("SELECT ?n WHERE { ?s ?p ?n }", default_graph=["https://example.org/counter"])
        assert [r["n"].value for r in rows] == [str(2 * rounds)]
    finally:
        remote.close()


# --- failures: retries and timeouts ------------------------------------------------------------------


def test_reads_are_retried_across_a_server_restart(tmp_path):
    port = free_port()
    server = OxigraphServer(location=tmp_path / "db", port=port).start()
    remote = RemoteSparqlStore(f"{server.base}/query", retries=6, backoff_s=0.05)
    try:
        remote.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
        server.stop()

        def restart():
            time.sleep(0.4)
            server.start()

        thread = threading.Thread(target=restart)
        thread.start()
        started = time.monotonic()
        assert remote.count(G1) == 1  # refused, refused, …, then answered by the new process
        assert time.monotonic() - started >= 0.3
        thread.join()
        assert [t.object for t in remote.triples(G1)] == [nn("b")]
    finally:
        remote.close()
        server.stop()


def test_reads_give_up_with_a_clear_error_when_the_server_stays_down():
    remote = RemoteSparqlStore(f"http://127.0.0.1:{free_port()}/query", retries=2, backoff_s=0.01)
    try:
        with pytest.raises(StoreUnavailable) as info:
            remote.graph_names()
        assert info.value.code == "store-unavailable" and "3 attempts" in info.value.detail
        with pytest.raises(StoreUnavailable):
            remote.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    finally:
        remote.close()


def test_a_server_that_does_not_answer_times_out(oxigraph_server):
    remote = RemoteSparqlStore(f"{oxigraph_server.base}/query", timeout_s=0.5, retries=3)
    remote.commit(insert=[ox.Quad(nn("a"), nn("p"), nn("b"), ox.NamedNode(G1))])
    os.kill(oxigraph_server.process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as info:
            remote.count(G1)
        elapsed = time.monotonic() - started
        assert info.value.code == "store-timeout"
        assert elapsed < 2.0, elapsed  # a timeout is not retried: one wait, not four
        with pytest.raises(StoreUnavailable) as info:
            list(remote.triples(G1))
        assert info.value.code == "store-timeout"
    finally:
        os.kill(oxigraph_server.process.pid, signal.SIGCONT)
    assert remote.count(G1) == 1
    remote.close()


def test_forward_query_confines_a_user_query_to_the_listed_graphs(oxigraph_server):
    remote = RemoteSparqlStore(f"{oxigraph_server.base}/query")
    try:
        remote.commit(
            insert=[
                ox.Quad(nn("public"), nn("p"), ox.Literal("yes"), ox.NamedNode(G1)),
                ox.Quad(nn("secret"), nn("p"), ox.Literal("no"), ox.NamedNode("urn:registry:system")),
            ]
        )
        query = "SELECT ?s FROM <urn:registry:system> FROM NAMED <urn:registry:system> WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        media, body = remote.forward_query(
            query, default_graphs=[G1], named_graphs=[G1], accept="application/sparql-results+json"
        )
        assert media == "application/sparql-results+json"
        rows = list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        assert {row["s"].value for row in rows} == {EX + "public"}
        with pytest.raises(StoreUnavailable) as info:
            remote.forward_query(query, default_graphs=[G1], named_graphs=[], accept="application/sparql-results+json", max_bytes=10)
        assert info.value.code == "result-too-large"
        with pytest.raises(SyntaxError):
            remote.forward_query("SELECT WHERE {", default_graphs=[], named_graphs=[], accept="application/sparql-results+json")
    finally:
        remote.close()


def test_a_10mb_iri_comes_back_whole(store):
    iri = EX + "x" * (10 * 1024 * 1024)
    store.commit(insert=[ox.Quad(ox.NamedNode(iri), nn("p"), nn("o"), ox.NamedNode(G1))])
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 21", default_graph=[G1])
    assert rows[0]["s"].value == iri
