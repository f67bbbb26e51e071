"""Example records published with a profile version, and the impact of the next version on them
(issue 17, item 5): stored as graphs that dereference, described by PROF resource descriptors
with the example role, validated at the next publication; the answer and the version page say
which records changed status, with the new version's violations."""

from __future__ import annotations

import lxml.html
import pyoxigraph as ox

from tests.conftest import BASE, REPO

PROF = "http://www.w3.org/ns/dx/prof/"
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/test/ex/> .
ex:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property ex:title {extra_ref} .
ex:title a sh:PropertyShape ; sh:path dct:title ; sh:name "Title"@en ; sh:minCount 1 ; sh:maxCount {max} ;
  sh:message "One title is required."@en .
{extra}
"""
REQUIRED_DATE = ('ex:issued a sh:PropertyShape ; sh:path dct:issued ; sh:name "Issued"@en ; sh:minCount 1 ; '
                 'sh:message "The date of issue is required."@en .')


def shapes(v2: bool = False) -> bytes:
    return SHAPES.format(max=2 if v2 else 1, extra_ref=", ex:issued" if v2 else "",
                         extra=REQUIRED_DATE if v2 else "").encode()


def record(name: str, titles: int, issued: bool = False) -> bytes:
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
             f"<https://example.org/records/{name}> a dcat:Dataset ."]
    lines += [f'<https://example.org/records/{name}> dct:title "Title {i}" .' for i in range(titles)]
    if issued:
        lines.append(f'<https://example.org/records/{name}> dct:issued "2024-01-01" .')
    return "\n".join(lines).encode()


# conforms to 1.0.0 (one title), not to 2.0.0 (no dct:issued)
ONE_TITLE = record("one-title", 1)
# conforms to neither (no title)
NO_TITLE = record("no-title", 0)
# two titles and a date: not 1.0.0 (sh:maxCount 1), but 2.0.0 (sh:maxCount 2, dct:issued)
TWO_TITLES = record("two-titles", 2, issued=True)


def publish(client, version: str, body: bytes, examples: dict[str, bytes], metadata: str | None = None):
    files = [("shapes", ("shapes.ttl", body, "text/turtle"))]
    files += [("example", (name, data, "text/turtle")) for name, data in examples.items()]
    return client.put(f"/profiles/ex/versions/{version}", files=files, headers=client.actors.test,
                      data={"metadata": metadata} if metadata else None)


def test_examples_are_stored_and_checked_against_the_next_version(client):
    r = publish(client, "1.0.0", shapes(), {"one-title.ttl": ONE_TITLE, "no-title.ttl": NO_TITLE,
                                            "two-titles.ttl": TWO_TITLES})
    assert r.status_code == 201, r.text
    assert "examples_impact" not in r.json()  # the first version: nothing to compare with

    # PROF resource descriptors with the example role, whose artifacts are the stored records
    ttl = client.get("/profiles/ex/versions/1.0.0", headers={"Accept": "text/turtle"})
    meta = ox.Store()
    meta.load(ttl.content, ox.RdfFormat.TURTLE)
    examples = {row["a"].value for row in meta.query(
        f"SELECT ?a WHERE {{ <{BASE}profiles/ex/1.0.0> <{PROF}hasResource> ?r . "
        f"?r <{PROF}hasRole> <{PROF}role/example> ; <{PROF}hasArtifact> ?a }}")}
    graph = BASE + "profiles/ex/1.0.0/examples/"
    assert examples == {graph + "one-title", graph + "no-title", graph + "two-titles"}
    # each dereferences to the record (public with the version)
    got = client.get("/profiles/ex/1.0.0/examples/two-titles", headers={"Accept": "application/n-triples"})
    assert got.status_code == 200, got.text
    triples = [q.triple for q in ox.parse(got.content, ox.RdfFormat.N_TRIPLES)]
    assert ox.Triple(ox.NamedNode("https://example.org/records/two-titles"),
                     ox.NamedNode("http://purl.org/dc/terms/issued"), ox.Literal("2024-01-01")) in triples
    assert len(triples) == 4
    # public with the version: in SPARQL's dataset, and kept by start-up recovery (not an orphan)
    query = f"SELECT ?t WHERE {{ GRAPH <{graph}two-titles> {{ ?s <http://purl.org/dc/terms/title> ?t }} }} ORDER BY ?t"
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()
    assert [b["t"]["value"] for b in rows["results"]["bindings"]] == ["Title 0", "Title 1"]
    assert client.app.state.registry.publication.recover() == []
    missing = client.get("/profiles/ex/1.0.0/examples/absent", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404 and missing.json()["code"] == "example-not-found"

    # 2.0.0 requires dct:issued (breaking, a major version) and allows two titles
    r = publish(client, "2.0.0", shapes(v2=True), {})
    assert r.status_code == 201, r.text
    impact = r.json()["examples_impact"]
    assert impact["previous_version"] == "1.0.0"
    by_name = {rec["name"]: rec for rec in impact["records"]}
    assert {name: (rec["before"], rec["after"], rec["status"]) for name, rec in by_name.items()} == {
        "one-title": (True, False, "stops conforming"),
        "no-title": (False, False, "unchanged"),
        "two-titles": (False, True, "now conforms"),
    }
    assert impact["summary"] == {"stops conforming": 1, "unchanged": 1, "now conforms": 1}
    broken = by_name["one-title"]
    assert broken["example"] == graph + "one-title"
    assert [(res["severity"], res["path"], res["focus_node"], res["message"]) for res in broken["results"]] == [
        ("Violation", "http://purl.org/dc/terms/issued", "https://example.org/records/one-title",
         "The date of issue is required.")]
    assert "results" not in by_name["no-title"]

    # the version page says the same
    page = lxml.html.fromstring(client.get("/ui/profiles/ex/2.0.0").text)
    rows = {row.get("data-record"): row for row in page.xpath('//section[@id="example-records"]//tr[@class="example-record"]')}
    assert {name: row.get("data-status") for name, row in rows.items()} == {
        "one-title": "stops conforming", "two-titles": "now conforms"}
    results = rows["one-title"].xpath('.//li[@class="example-result"]')
    assert [(li.get("data-path"), li.text_content().strip()) for li in results] == [
        ("http://purl.org/dc/terms/issued", "Issued: The date of issue is required.")]
    assert rows["one-title"].xpath(".//a/@href") == [graph + "one-title"]
    assert "1.0.0" in page.xpath('string(//h3[@id="examples-impact"])')
    # the first version's page lists its own examples, and no impact
    first = lxml.html.fromstring(client.get("/ui/profiles/ex/1.0.0").text)
    assert sorted(first.xpath('//ul[@id="own-examples"]//a/text()')) == ["no-title", "one-title", "two-titles"]
    assert not first.xpath('//h3[@id="examples-impact"]')


def test_a_bad_example_is_refused_and_nothing_is_stored(client, snapshot):
    before = snapshot(client)
    r = publish(client, "1.0.0", shapes(), {"good.ttl": ONE_TITLE, "bad.ttl": b"<https://example.org/x> a ."})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "bad" in r.json()["detail"]
    r = publish(client, "1.0.0", shapes(), {"Not_An_Id.ttl": ONE_TITLE})
    assert r.status_code in (400, 422) and r.json()["code"] == "invalid-example-name", r.text
    assert snapshot(client) == before


def test_bundled_profiles_carry_their_examples_and_their_impact(bundled_client):
    """The bundled profiles carry the records of `examples/<profile>/<version>/` (Turtle and
    JSON-LD); electron-microscopy 2.0.0 was checked against the examples of 1.0.0 when loaded."""
    folder = REPO / "examples" / "electron-microscopy" / "2.0.0"
    expected = {p.stem for p in folder.iterdir() if p.suffix in (".ttl", ".jsonld")}
    ttl = bundled_client.get("/profiles/electron-microscopy/versions/2.0.0", headers={"Accept": "text/turtle"})
    meta = ox.Store()
    meta.load(ttl.content, ox.RdfFormat.TURTLE)
    artifacts = {row["a"].value.rsplit("/", 1)[-1] for row in meta.query(
        f"SELECT ?a WHERE {{ ?v <{PROF}hasResource> ?r . ?r <{PROF}hasRole> <{PROF}role/example> ; "
        f"<{PROF}hasArtifact> ?a }}")}
    assert artifacts == expected and len(expected) >= 10
    page = lxml.html.fromstring(bundled_client.get("/ui/profiles/electron-microscopy/2.0.0").text)
    rows = {row.get("data-record"): row for row in page.xpath('//tr[@class="example-record"]')}
    # kit-sem-sceo5 (1.0.0) records its 80 µA emission current as the beam current, which 2.0.0
    # bounds (docs: examples/README.md); every other example of 1.0.0 keeps its status
    assert {name: row.get("data-status") for name, row in rows.items()} == {"kit-sem-sceo5": "stops conforming"}
    texts = [li.text_content() for li in rows["kit-sem-sceo5"].xpath('.//li[@class="example-result"]')]
    assert texts and all("Beam/probe current" in text for text in texts), texts
    record = bundled_client.get("/profiles/electron-microscopy/1.0.0/examples/kit-sem-sceo5",
                                headers={"Accept": "application/n-triples"})
    assert record.status_code == 200 and b"kit" in record.content.lower()


def test_cli_publishes_a_folder_of_examples(tmp_path):
    """`registry publish profile DIR --examples FOLDER` (local store): the same answer."""
    import json

    from typer.testing import CliRunner

    from registry.cli import app

    runner = CliRunner()
    store = ["--store", str(tmp_path / "store"), "--base-iri", BASE]

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, *store])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("community", "create", "test", "--name", "Test", "--namespace", "https://w3id.org/test/")
    examples = tmp_path / "examples"
    examples.mkdir()
    for name, data in (("one-title", ONE_TITLE), ("two-titles", TWO_TITLES)):
        (examples / f"{name}.ttl").write_bytes(data)
    (examples / "one-title.expected.json").write_text("{}")  # not a record: ignored
    for version, body in (("1.0.0", shapes()), ("2.0.0", shapes(v2=True))):
        (tmp_path / f"{version}.ttl").write_bytes(body)
    first = json.loads(run("publish", "profile", str(tmp_path / "1.0.0.ttl"), "--id", "ex", "--version", "1.0.0",
                           "--community", "test", "--examples", str(examples)))
    assert first["created"] and "examples_impact" not in first
    second = json.loads(run("publish", "profile", str(tmp_path / "2.0.0.ttl"), "--id", "ex", "--version", "2.0.0",
                            "--community", "test"))
    assert {r["name"]: r["status"] for r in second["examples_impact"]["records"]} == {
        "one-title": "stops conforming", "two-titles": "now conforms"}


def test_deleting_a_draft_drops_its_examples(client, snapshot):
    before = snapshot(client)
    r = publish(client, "1.0.0", shapes(), {"one-title.ttl": ONE_TITLE}, metadata='{"status": "draft"}')
    assert r.json()["status"] == "draft"
    assert r.status_code == 201, r.text
    graph = BASE + "profiles/ex/1.0.0/examples/one-title"
    assert any(line.endswith(f"<{graph}>") for line in snapshot(client))
    # a draft's examples are not public
    assert client.get("/profiles/ex/1.0.0/examples/one-title", headers={"Accept": "text/turtle"}).status_code == 404
    r = client.delete("/profiles/ex/versions/1.0.0", headers=client.actors.test)
    assert r.status_code in (200, 204), r.text
    assert snapshot(client) == before


def test_a_draft_confirmed_as_published_gets_the_same_check(client):
    """Publishing is also confirming a draft (`PATCH …/versions/{v}` status=published): the previous
    version's examples are checked against it then, said in the PATCH answer and on its page."""
    assert publish(client, "1.0.0", shapes(), {"one-title.ttl": ONE_TITLE, "two-titles.ttl": TWO_TITLES}).status_code == 201
    r = publish(client, "2.0.0", shapes(v2=True), {}, metadata='{"status": "draft"}')
    assert r.status_code == 201 and r.json()["status"] == "draft", r.text
    assert "examples_impact" not in r.json()  # a draft is not checked against anything yet
    r = client.patch("/profiles/ex/versions/2.0.0", json={"status": "published"}, headers=client.actors.test)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    impact = r.json()["examples_impact"]
    assert impact["previous_version"] == "1.0.0"
    assert {rec["name"]: rec["status"] for rec in impact["records"]} == {
        "one-title": "stops conforming", "two-titles": "now conforms"}
    page = lxml.html.fromstring(client.get("/ui/profiles/ex/2.0.0").text)
    rows = page.xpath('//section[@id="example-records"]//tr[@class="example-record"]')
    assert {row.get("data-record"): row.get("data-status") for row in rows} == {
        "one-title": "stops conforming", "two-titles": "now conforms"}
