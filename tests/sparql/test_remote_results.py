"""What the public endpoint reads from a store comes back as it was published, on every backend:
a literal's white space at both ends (a remote store's answers are read as SPARQL JSON, since
pyoxigraph's XML results parser trims it: Virtuoso writes it as is), and a literal of 9 MiB, over
the token size pyoxigraph's JSON results parser refuses (registry.rdf.JSON_RESULTS_TOKEN_CAP):
for that answer a remote store is asked again in SPARQL XML (registry/sparql/service.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BACKEND

VOCAB = (Path(__file__).resolve().parents[1] / "foundation" / "data" / "techniques-1.0.0.ttl").read_bytes()
TEM = "https://w3id.org/test/technique/tem"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PADDED = " Computer Vision "
LONG = "long note " * (943_719 + 1)  # 9 MiB and a bit: one JSON token over the cap


def _select(client, query: str) -> list[dict]:
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["results"]["bindings"]


@pytest.mark.xfail(BACKEND == "virtuoso", strict=True, reason=(
    "Virtuoso 7.2 loses a 9 MiB literal: the publication is answered 201, the public endpoint then "
    "reads it back as a 1-character value, and a SPARQL Update inserting it does not finish within "
    "the 30 s store timeout; the padded literal of the same test does come back whole there "
    "(docs/deployment.md, quirk table: where it is lost is not yet known)"))
def test_literals_come_back_whole_through_the_public_endpoint(client):
    extra = (f'\n<{TEM}> <{SKOS}editorialNote> "{PADDED}"@en ; <{SKOS}scopeNote> "{LONG}"@en .\n').encode()
    published = client.put("/vocabularies/techniques/versions/1.0.0", content=VOCAB + extra,
                           headers={"Content-Type": "text/turtle", **client.actors.test})
    assert published.status_code == 201, published.text[:500]
    rows = _select(client, f"SELECT ?n WHERE {{ <{TEM}> <{SKOS}editorialNote> ?n }}")
    assert [row["n"]["value"] for row in rows] == [PADDED]
    rows = _select(client, f"SELECT ?n WHERE {{ <{TEM}> <{SKOS}scopeNote> ?n }}")
    assert [len(row["n"]["value"]) for row in rows] == [len(LONG)]
    assert rows[0]["n"]["value"].strip() == LONG.strip()
