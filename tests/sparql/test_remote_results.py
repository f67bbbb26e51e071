"""What the public endpoint reads from a store comes back as it was published, on every backend:
a literal's white space at both ends (a remote store's answers are read as SPARQL JSON, since
pyoxigraph's XML results parser trims it: Virtuoso writes it as is), and a literal of 9 MB, over
the token size pyoxigraph's JSON results parser refuses (registry.rdf.JSON_RESULTS_TOKEN_CAP),
which Python's JSON parser reads instead (registry.rdf.readable_results). Asking the store again
for SPARQL XML, as the endpoint did before, gave `0` for it on Virtuoso 7.2, whose XML writer
puts `0` in place of a literal of more than 4 MB.

The 9 MB literal is made by the query (`CONCAT` of a published 1 MB note, nine times): Virtuoso
stores a literal in time that grows with the square of its length (1 MB in ~1 s, 9.5 MB in ~96 s
through its Graph Store Protocol endpoint, measured on 7 December 2026), and the point here is
the read."""

from __future__ import annotations

from pathlib import Path

from registry.rdf import JSON_RESULTS_TOKEN_CAP

VOCAB = (Path(__file__).resolve().parents[1] / "foundation" / "data" / "techniques-1.0.0.ttl").read_bytes()
TEM = "https://w3id.org/test/technique/tem"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PADDED = " Computer Vision "
NOTE = (" long note\t" * 100_000)[:999_999] + "\n"  # 1,000,000 characters, white space at both ends
TIMES = 9  # 9,000,000 characters: over the cap, under Virtuoso's 10,000,000 for one CONCAT


def _select(client, query: str) -> list[dict]:
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["results"]["bindings"]


def test_literals_come_back_whole_through_the_public_endpoint(client):
    assert len(NOTE) * TIMES > JSON_RESULTS_TOKEN_CAP
    extra = (f'\n<{TEM}> <{SKOS}editorialNote> "{PADDED}"@en ; <{SKOS}scopeNote> """{NOTE}"""@en .\n').encode()
    published = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB + extra,
                           headers={"Content-Type": "text/turtle", **client.actors.test})
    assert published.status_code == 201, published.text[:500]
    rows = _select(client, f"SELECT ?n WHERE {{ <{TEM}> <{SKOS}editorialNote> ?n }}")
    assert [(row["n"]["value"], row["n"].get("xml:lang")) for row in rows] == [(PADDED, "en")]
    rows = _select(client, f"SELECT ?n WHERE {{ <{TEM}> <{SKOS}scopeNote> ?n }}")
    assert [row["n"]["value"] for row in rows] == [NOTE]
    notes = ", ".join(["?n"] * TIMES)
    rows = _select(client, f"SELECT (CONCAT({notes}) AS ?long) ?n WHERE {{ <{TEM}> <{SKOS}scopeNote> ?n }}")
    assert len(rows) == 1
    assert rows[0]["long"]["type"] == "literal" and rows[0]["long"].get("xml:lang") == "en"
    assert len(rows[0]["long"]["value"]) == len(NOTE) * TIMES
    assert rows[0]["long"]["value"] == NOTE * TIMES
    assert rows[0]["n"]["value"] == NOTE
