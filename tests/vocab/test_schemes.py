"""Several concept schemes in one vocabulary version (issue 16, item 2): PhySH's 19 schemes,
published unedited; search, tree, Skosmos API, pages and `skos:inScheme` validation per scheme
and across the vocabulary."""

from __future__ import annotations

import re

PHYSH = "https://doi.org/10.29172/"
APS_TAXONOMY = PHYSH + "7b910510-8488-42c8-ac66-4a0afdc726c9"
CONDENSED_MATTER = PHYSH + "a48f173e-6459-4642-a711-a6e731807625"
EELS = PHYSH + "8d9a5500-7204-4ae4-8a93-388da8f8d432"


def get(client, path, status=200, **params):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json()


def test_the_19_schemes_are_listed_with_their_sizes(vclient):
    body = get(vclient, "/vocabularies/physh/schemes")
    schemes = {s["label"]: s for s in body["results"]}
    assert len(schemes) == 19
    assert schemes["APS Taxonomy"]["iri"] == APS_TAXONOMY and schemes["APS Taxonomy"]["top_concepts"] == 5
    cm = schemes["Condensed Matter, Materials & Applied Physics"]
    assert cm["iri"] == CONDENSED_MATTER and cm["top_concepts"] == 3 and cm["concepts"] > 100
    items = {item["id"]: item for item in get(vclient, "/vocab/vocabularies")}
    assert len(items["physh"]["schemes"]) == 19 and items["physh"]["concept_scheme"] is None
    assert items["unesco"]["schemes"] == ["http://vocabularies.unesco.org/thesaurus"]


def test_tree_per_scheme(vclient):
    top = get(vclient, "/vocabularies/physh/top", scheme=APS_TAXONOMY)
    assert top["scheme"] == APS_TAXONOMY and top["total"] == 5
    assert "Techniques" in {r["label"] for r in top["results"]}
    everything = get(vclient, "/vocabularies/physh/top", limit=1000)
    assert everything["total"] > top["total"]  # across the vocabulary: every scheme's top concepts
    assert {r["iri"] for r in top["results"]} <= {r["iri"] for r in everything["results"]}
    missing = get(vclient, "/vocabularies/physh/top", 404, scheme=PHYSH + "not-a-scheme")
    assert missing["code"] == "scheme-not-found"


def test_search_per_scheme_and_across(vclient):
    concept = get(vclient, "/vocabularies/physh/concept", iri=EELS)
    member_of = set(concept["scheme"])  # PhySH states no skos:inScheme: the subtrees holding it
    assert APS_TAXONOMY in member_of and len(member_of) >= 2
    schemes = [s["iri"] for s in get(vclient, "/vocabularies/physh/schemes")["results"]]
    outside = [s for s in schemes if s not in member_of]
    assert outside
    across = get(vclient, "/vocabularies/physh/search", q="EELS")
    assert across["results"][0]["iri"] == EELS
    for scheme in member_of:
        within = get(vclient, "/vocabularies/physh/search", q="EELS", scheme=scheme)
        assert within["results"] and within["results"][0]["iri"] == EELS
    for scheme in outside:
        assert EELS not in [r["iri"] for r in get(vclient, "/vocabularies/physh/search", q="EELS", scheme=scheme)["results"]]
    # the global search keeps only the vocabularies that hold the scheme
    body = get(vclient, "/search", q="microscopy", scheme=APS_TAXONOMY)
    assert body["results"] and {r["vocabulary"] for r in body["results"]} == {"physh"}
    assert get(vclient, "/search", 404, q="x", scheme=PHYSH + "nope")["code"] == "scheme-not-found"


def test_skosmos_schemes_and_top_concepts_per_scheme(vclient):
    info = get(vclient, "/rest/v1/physh/")
    assert len(info["conceptschemes"]) == 19
    assert {"uri": APS_TAXONOMY, "type": "skos:ConceptScheme", "prefLabel": "APS Taxonomy"} in info["conceptschemes"]
    top = get(vclient, "/rest/v1/physh/topConcepts", scheme=CONDENSED_MATTER, lang="en")
    assert top["uri"] == CONDENSED_MATTER and len(top["topconcepts"]) == 3
    assert all(t["topConceptOf"] == CONDENSED_MATTER for t in top["topconcepts"])
    both = get(vclient, "/rest/v1/physh/topConcepts", lang="en")
    assert {t["topConceptOf"] for t in both["topconcepts"]} >= {APS_TAXONOMY, CONDENSED_MATTER}


def test_page_lets_the_user_pick_the_scheme(vclient):
    html = vclient.get("/ui/vocabularies/physh").text
    options = re.findall(r'<option value="([^"]*)"', html)
    assert "" in options and APS_TAXONOMY in options and len(options) == 20
    picked = vclient.get("/ui/vocabularies/physh", params={"scheme": APS_TAXONOMY}).text
    assert f'<option value="{APS_TAXONOMY}" selected>' in picked
    tree = picked[picked.index('id="tree"'):]
    assert ">Techniques<" in tree and tree.count('<li>') == 5
    assert vclient.get("/ui/vocabularies/physh", params={"scheme": PHYSH + "nope"}).status_code == 404
    assert "<select" not in vclient.get("/ui/vocabularies/unesco").text  # one scheme: no choice


TWO_SCHEMES = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix m: <https://w3id.org/test/multi/> .
m:imaging a skos:ConceptScheme ; skos:prefLabel "Imaging"@en .
m:spectroscopy a skos:ConceptScheme ; skos:prefLabel "Spectroscopy"@en .
m:microscopy a skos:Concept ; skos:topConceptOf m:imaging ; skos:prefLabel "Microscopy"@en .
m:sem a skos:Concept ; skos:broader m:microscopy ; skos:prefLabel "Scanning electron microscopy"@en .
m:spectro a skos:Concept ; skos:topConceptOf m:spectroscopy ; skos:prefLabel "Spectroscopy"@en .
m:eels a skos:Concept ; skos:broader m:spectro ; skos:prefLabel "Electron energy loss spectroscopy"@en .
"""
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/test/ns#> .
t:Shape a sh:NodeShape ; sh:targetClass t:Session ;
  sh:property [ sh:path t:technique ; sh:class skos:Concept ;
                sh:node [ sh:property [ sh:path skos:inScheme ; sh:hasValue <https://w3id.org/test/multi/spectroscopy> ] ] ] .
"""


def test_validation_checks_in_scheme_per_scheme(client):
    """A profile may point at one scheme of a multi-scheme vocabulary (published together, then
    alone); a concept below that scheme's top concept is in it, one of the other scheme is not."""
    auth = client.actors.test
    r = client.put("/vocabularies/multi/versions/1.0.0", content=TWO_SCHEMES.encode(),
                   headers={**auth, "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    r = client.put("/profiles/spectro/versions/1.0.0", content=SHAPES.encode(),
                   headers={**auth, "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    listed = get(client, "/vocabularies/multi/versions/1.0.0")
    assert listed["concept_schemes"] == ["https://w3id.org/test/multi/imaging", "https://w3id.org/test/multi/spectroscopy"]

    def violations(technique: str) -> list[dict]:
        record = (f"<https://w3id.org/test/s1> a <https://w3id.org/test/ns#Session> ; "
                  f"<https://w3id.org/test/ns#technique> <https://w3id.org/test/multi/{technique}> .")
        response = client.post("/validate", params={"profile": "spectro"}, content=record.encode(),
                               headers={"Content-Type": "text/turtle"})
        assert response.status_code == 200, response.text
        return [x for x in response.json()["results"] if x["severity"] == "Violation"]

    assert violations("eels") == []
    assert violations("spectro") == []
    [wrong] = violations("sem")
    assert wrong["value"] == "https://w3id.org/test/multi/sem"
    assert wrong["constraint_component"] == "http://www.w3.org/ns/shacl#NodeConstraintComponent"
