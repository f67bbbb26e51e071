"""Unit tests of the SPARQL guard (`registry.sparql.guard`): what it admits (with which form,
depth, dataset and cheap shape), what it refuses with which problem, and its limits. No store,
no server: the guard runs before any engine sees the query."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.sparql.guard import (
    GuardLimits, QueryRefused, UpdateRefused, check_query, dataset_clauses, scan, tokens, with_absolute_bases,
    with_row_cap, without_dataset_clauses,
)

PREFIX = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def refused(text: str, limits: GuardLimits = GuardLimits()) -> dict:
    """The problem (RFC 9457 body) the guard's refusal becomes."""
    with pytest.raises((QueryRefused, UpdateRefused)) as caught:
        check_query(text, limits)
    return caught.value.to_problem()


# --- admitted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ask { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://example.org/x>", "DESCRIBE"),
        (PREFIX + "SELECT ?c WHERE { ?c a skos:Concept }", "SELECT"),
    ],
)
def test_admits_the_four_query_forms(text, form):
    checked = check_query(text)
    assert checked.form == form
    assert checked.text == text
    assert checked.is_graph == (form in ("CONSTRUCT", "DESCRIBE"))


def test_keywords_inside_strings_iris_comments_variables_and_prefixed_names_are_not_keywords():
    text = (
        "PREFIX ex: <http://example.org/SERVICE/insert>\n"
        "# DELETE everything? no: a comment\n"
        'SELECT ?service ?insert WHERE { ?service ex:delete "LOAD <http://x> ; DROP ALL" . '
        "?insert ex:SERVICE 'CLEAR' }"
    )
    checked = check_query(text)
    assert checked.form == "SELECT"
    words, _ = scan(text)
    assert not {"SERVICE", "DELETE", "LOAD", "DROP", "CLEAR", "INSERT"} & set(words)


def test_depth_counts_every_kind_of_bracket():
    checked = check_query("SELECT * WHERE { { ?s ?p [ ?q (1 2) ] } }")
    assert checked.depth == 4  # { { [ (


def test_from_is_a_dataset():
    assert check_query("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }").has_dataset
    assert not check_query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }").has_dataset


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("SELECT ?p ?o WHERE { <http://example.org/x> ?p ?o } LIMIT 10", 10),
        (PREFIX + "SELECT DISTINCT ?c { ?c a skos:Concept . }", None),
        ("ASK { ?s <http://example.org/p> <http://example.org/o> }", None),
    ],
)
def test_one_bound_triple_pattern_is_cheap(text, limit):
    checked = check_query(text)
    assert checked.cheap is True
    assert checked.limit == limit


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",  # nothing bound: a scan of everything
        "SELECT ?s WHERE { ?s ?s <http://example.org/o> }",  # repeated variable: a filter
        "SELECT * WHERE { <http://example.org/x> ?p ?o . ?o ?q ?r }",  # two patterns
        "SELECT * WHERE { <http://example.org/x> ?p ?o } ORDER BY ?o",
        'SELECT * WHERE { ?s <http://example.org/p> "x" }',  # a literal is bound, the subject is not: not the shape
        "CONSTRUCT { ?s ?p ?o } WHERE { <http://example.org/x> ?p ?o }",
        "SELECT * WHERE { <http://example.org/x> ?p ?o } LIMIT 10 OFFSET 5",
        "SELECT * WHERE { \\u003Chttp://example.org/x> ?p ?o }",  # escapes: never cheap
    ],
)
def test_anything_else_is_not_cheap(text):
    assert check_query(text).cheap is False


# --- refused -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_query_is_query_missing(text):
    problem = refused(text)
    assert (problem["status"], problem["code"]) == (400, "query-missing")


def test_service_is_refused_even_spelled_with_escapes():
    for text in (
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERV\\u0049CE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\U00000053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ):
        problem = refused(text)
        assert (problem["status"], problem["code"]) == (400, "service-refused"), text
        assert "SERVICE" in problem["detail"]


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("DROP ALL", "DROP"),
        ("CLEAR GRAPH <http://g>", "CLEAR"),
        ("WITH <http://g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE, INSERT, WITH"),
        ("SELECT * WHERE { ?s ?p ?o } ; DROP ALL", "DROP"),  # an update after a query
        ("DR\\u004FP ALL", "DROP"),
    ],
)
def test_updates_are_refused_as_forbidden(text, keywords):
    problem = refused(text)
    assert (problem["status"], problem["code"]) == (403, "update-refused")
    assert f"({keywords})" in problem["detail"]


def test_no_query_form_is_a_syntax_problem():
    problem = refused("PREFIX ex: <http://example.org/> ?s ?p ?o")
    assert (problem["status"], problem["code"]) == (400, "query-syntax")


def test_nul_character_is_refused():
    problem = refused("SELECT * WHERE { ?s ?p ?o }\x00")
    assert (problem["status"], problem["code"]) == (400, "query-refused")


# --- limits --------------------------------------------------------------------------------------


def test_length_limit():
    limits = GuardLimits(max_length=100)
    text = "SELECT * WHERE { ?s ?p ?o }" + " " * (100 - 27)
    assert len(text) == 100 and check_query(text, limits).form == "SELECT"
    problem = refused(text + " ", limits)
    assert problem["code"] == "query-too-long"
    assert "101 characters" in problem["detail"] and "100" in problem["detail"]


def test_depth_limit_at_and_past_it():
    limits = GuardLimits(max_depth=5)
    at_limit = "SELECT * WHERE " + "{ " * 5 + "?s ?p ?o" + " }" * 5
    assert check_query(at_limit, limits).depth == 5
    problem = refused("SELECT * WHERE " + "{ " * 6 + "?s ?p ?o" + " }" * 6, limits)
    assert problem["code"] == "query-too-deep"
    assert "6 levels" in problem["detail"]


def test_default_depth_limit_stops_the_nesting_that_crashes_the_engine():
    # 5,000 nested brackets crash pyoxigraph 0.5.13 (module docstring): refused long before
    text = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    problem = refused(text)
    assert problem["code"] == "query-too-deep"


def test_brackets_in_strings_and_iris_do_not_count():
    text = 'SELECT * WHERE { ?s <http://example.org/(((> "{{{{{{{{{{" }'
    assert check_query(text, GuardLimits(max_depth=1)).depth == 1


def test_escaped_brackets_count_in_the_expanded_text():
    text = "SELECT * WHERE { ?s ?p ?o " + "\\u007B" * 3 + " }"
    assert check_query(text).depth == 4  # the expanded text nests deeper than the text as sent


# --- tokens and dataset clauses ------------------------------------------------------------------


def test_tokens_kinds():
    toks = tokens('PREFIX ex: <http://e/> SELECT ?x WHERE { ?x ex:p "a\\"b" . _:b ex:q 12 } # note')
    assert ("pname", "ex:") in toks and ("iri", "<http://e/>") in toks
    assert ("var", "?x") in toks and ("str", '"a\\"b"') in toks
    assert ("pname", "_:b") in toks and ("num", "12") in toks
    assert all(kind != "comment" for kind, _ in toks)


def test_dataset_clauses_resolve_prefixes_and_base():
    defaults, named = dataset_clauses(
        "BASE <http://example.org/> PREFIX g: <http://example.org/graphs/>\n"
        "SELECT * FROM <a> FROM g:b FROM NAMED g:c WHERE { ?s ?p ?o }"
    )
    assert defaults == ["http://example.org/a", "http://example.org/graphs/b"]
    assert named == ["http://example.org/graphs/c"]


def test_dataset_clause_with_an_unknown_prefix_is_refused():
    with pytest.raises(QueryRefused) as caught:
        dataset_clauses("SELECT * FROM nope:g WHERE { ?s ?p ?o }")
    assert caught.value.code == "query-syntax"
    assert "nope:g" in caught.value.detail


def test_dataset_clauses_are_taken_out_of_a_forwarded_query():
    """What a remote store is sent: no FROM / FROM NAMED left, even spelled with escapes, and
    nothing else touched (strings, IRIs and comments that say FROM stay)."""
    text = (PREFIX + 'SELECT * from named skos:g FROM <http://a/> WHERE { ?s ?p "FROM <http://x/>" } # FROM <http://c/>')
    out = without_dataset_clauses(text)
    assert [t for t in tokens(out) if t[0] == "word" and t[1].upper() in ("FROM", "NAMED")] == []
    assert '"FROM <http://x/>"' in out and "# FROM <http://c/>" in out and "<http://a/>" not in out
    assert check_query(out).has_dataset is False
    assert dataset_clauses(without_dataset_clauses("SELECT * \\u0046ROM <http://d/> { }")) == ([], [])
    with pytest.raises(QueryRefused):
        without_dataset_clauses("SELECT * FROM { }")


def test_a_query_s_own_base_is_made_absolute_instead_of_a_second_base():
    endpoint = "http://h/sparql"
    assert with_absolute_bases("SELECT * { <a> ?p ?o }", endpoint) is None
    assert with_absolute_bases("BASE <profiles/> SELECT * { <a> ?p ?o }", endpoint) == "BASE <http://h/profiles/> SELECT * { <a> ?p ?o }"
    # each BASE resolves against the one before it, as a parser reads them
    assert scan(with_absolute_bases("base <p/>\nBASE <q/> ASK {}", endpoint) or "")[0] == ["BASE", "BASE", "ASK"]
    assert "<http://h/p/q/>" in (with_absolute_bases("base <p/>\nBASE <q/> ASK {}", endpoint) or "")


# --- the row cap of a query forwarded to a remote store -----------------------------------------


def _rows(store: ox.Store, text: str) -> list[tuple]:
    return [tuple(str(v) if v is not None else None for v in row) for row in store.query(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "\nLIMIT 11\n"),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?o LIMIT 500 OFFSET 3", "LIMIT 11 OFFSET 3"),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?o LIMIT 4", "LIMIT 4"),
        ("SELECT * WHERE { ?s ?p ?o } # a comment at the end", "\nLIMIT 11\n"),
        ("SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER EXISTS { ?s ?p ?o } } GROUP BY ?s", "LIMIT 11"),
        ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?o LIMIT 500 } }", "} }\nLIMIT 11\n"),
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?p { <http://e/p> }", "LIMIT 11\nVALUES"),
    ],
)
def test_the_row_cap_keeps_the_first_rows_and_stops_the_rest(text, expected):
    """What a remote store is asked (`with_row_cap`): at most the cap, the same first rows as the
    query itself (checked on pyoxigraph: the same engine order), so a count over cap - 1 still
    tells a result over the cap; a subquery's own LIMIT and a lower LIMIT of the query stay."""
    store = ox.Store()
    for i in range(30):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i % 7}"), ox.NamedNode("http://e/p"), ox.Literal(str(i))))
    capped = with_row_cap(text, 11)
    assert expected in capped, capped
    original = _rows(store, text)
    assert len(original) > 11 or "LIMIT 4" in text or "GROUP BY" in text
    assert _rows(store, capped) == original[:11]


def test_an_ordered_query_without_a_limit_goes_as_written():
    """Sorting needs every row first anyway, and a store may refuse a sorted LIMIT past its own
    bound (Virtuoso 7.2 refuses over 10,000: SR353)."""
    text = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f"
    assert with_row_cap(text, 100_001) == text


def test_the_row_cap_leaves_an_unrecognised_query_to_the_store():
    assert with_row_cap("SELECT * WHERE", 11) == "SELECT * WHERE"
    assert with_row_cap("SELECT * WHERE { ?s ?p ?o } LIMIT ?x", 11) == "SELECT * WHERE { ?s ?p ?o } LIMIT ?x"


def test_the_guard_says_whether_a_base_needs_making_absolute():
    """`has_base` lets `with_base` skip a second tokenization; it must never be False for a query
    `with_absolute_bases` would rewrite (any case, escaped, or after a comment)."""
    from registry.sparql.service import with_base

    endpoint = "http://h/sparql"
    for query in ("base <p/> ASK {}", "# c\nBASE <p/> ASK {}", "\\u0042ASE <p/> ASK {}", "PREFIX a: <x> BASE <p/> ASK {}"):
        checked = check_query(query)
        assert checked.has_base is True, query
        assert with_base(query, endpoint, checked.has_base) == with_base(query, endpoint)
    for query in ("ASK { <base> ?p 'BASE <x>' }", "SELECT ?base { ?base a <b> }", "ASK {} # BASE <p/>"):
        checked = check_query(query)
        assert checked.has_base is False, query
        assert with_absolute_bases(query, endpoint) is None
        assert with_base(query, endpoint, False) == f"BASE <{endpoint}>\n{query}"


# --- kept decisions (GuardDecisions) ---------------------------------------------------------------


ACCEPTED = [
    "SELECT ?p ?o WHERE { <https://example.org/c1> ?p ?o }",
    PREFIX + "SELECT ?a WHERE { <https://example.org/c1> skos:broader+ ?a }",
    "CONSTRUCT { ?s ?p ?o } FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "BASE <http://example.org/> ASK { <x> ?p ?o }",
]
REFUSED = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERV\\u0049CE <http://example.org/sparql> { ?s ?p ?o } }",
    "DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE " + "{" * 70 + "?s ?p ?o" + "}" * 70,
    "PREFIX ex: <http://example.org/>",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_a_kept_decision_to_accept_is_the_fresh_one(text):
    from registry.sparql.guard import GuardDecisions

    decisions = GuardDecisions()
    first, again = decisions.check(text), decisions.check(text)
    assert first == again == check_query(text)
    assert again is first  # the second answer came from the cache


@pytest.mark.parametrize("text", REFUSED)
def test_a_kept_refusal_is_the_fresh_one(text):
    from registry.sparql.guard import GuardDecisions

    decisions = GuardDecisions()
    problems = []
    for _ in range(2):
        with pytest.raises((QueryRefused, UpdateRefused)) as caught:
            decisions.check(text)
        problems.append((type(caught.value), caught.value.to_problem()))
    assert problems[0] == problems[1] == (type(_fresh_refusal(text)), refused(text))
    assert text in decisions._decisions  # kept


def _fresh_refusal(text: str) -> Exception:
    try:
        check_query(text)
    except (QueryRefused, UpdateRefused) as exc:
        return exc
    raise AssertionError("not refused")


def test_kept_decisions_follow_the_limits_and_stay_bounded():
    from registry.sparql.guard import GuardDecisions

    strict = GuardDecisions(GuardLimits(max_depth=1), entries=2, max_text=200)
    text = "SELECT * WHERE { { ?s ?p ?o } }"
    assert GuardDecisions().check(text).depth == 2
    with pytest.raises(QueryRefused) as caught:
        strict.check(text)
    assert caught.value.code == "query-too-deep"
    for i in range(5):
        strict.check(f"SELECT * WHERE {{ ?s ?p {i} }}")
    assert len(strict._decisions) == 2
    long_text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300
    assert strict.check(long_text).form == "SELECT" and long_text not in strict._decisions
    off = GuardDecisions(entries=0)
    assert off.check(text) == check_query(text) and off._decisions is None
