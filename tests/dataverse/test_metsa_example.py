"""The METSA example of docs/dataverse.md: the bundled electron-microscopy and atom-probe profiles
exported as Dataverse blocks, committed under docs/dataverse-example/. This test regenerates them
from the pinned version (1.0.0, so that later versions of the bundled profiles do not change the
example) and fails if the committed files drifted. `REGENERATE_DATAVERSE_EXAMPLE=1` rewrites them.

The files are made for a registry served at http://localhost:8000/ (the default base IRI); the
session's test registry is at http://testserver/, the only difference, replaced here."""

from __future__ import annotations

import os

import pytest

from registry.dataverse.block import parse_block, parse_properties
from registry.dataverse.check import check_block, errors
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "dataverse-example"
PINNED = {"electron-microscopy": "1.0.0", "atom-probe": "1.0.0"}
FILES = ("block.tsv", "block.properties", "block_fr.properties", "cvoc.json", "report.txt")
DOC_BASE = "http://localhost:8000/"


@pytest.mark.parametrize("pid", sorted(PINNED))
def test_committed_example_matches_a_fresh_export(bundled_client, pid):
    version = PINNED[pid]
    folder = EXAMPLE / f"{pid}-{version}"
    fresh = {}
    for generic in FILES:
        response = bundled_client.get(f"/profiles/{pid}/versions/{version}/dataverse/{generic}")
        assert response.status_code == 200, response.text
        name = response.headers["content-disposition"].split("filename=")[1].strip('"')
        fresh[name] = response.text.replace("http://testserver/", DOC_BASE)
    if os.environ.get("REGENERATE_DATAVERSE_EXAMPLE") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in fresh.items():
            (folder / name).write_text(text, encoding="utf-8")
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} if folder.is_dir() else {}
    assert sorted(committed) == sorted(fresh), "run with REGENERATE_DATAVERSE_EXAMPLE=1 to write the example"
    for name, text in fresh.items():
        assert committed[name] == text, f"{folder.name}/{name} drifted: run with REGENERATE_DATAVERSE_EXAMPLE=1"
    # The committed block passes the checker with its two bundles.
    tsv = next(n for n in committed if n.endswith(".tsv"))
    block = parse_block(committed[tsv].encode())
    bundles = {"en": parse_properties(committed[f"{block.name}.properties"]),
               "fr": parse_properties(committed[f"{block.name}_fr.properties"])}
    assert errors(check_block(block, bundles=bundles)) == []


def test_the_doc_shows_the_committed_example():
    """docs/dataverse.md links every file of the example, and what it says of them holds."""
    import re

    doc = (REPO / "docs" / "dataverse.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((dataverse-example/[^)]+)\)", doc))
    assert linked and all((REPO / "docs" / link).is_file() for link in linked), linked
    assert {link.split("/")[1] for link in linked} == {f"{pid}-{v}" for pid, v in PINNED.items()}
    em = parse_block((EXAMPLE / "electron-microscopy-1.0.0" / "electronMicroscopy.tsv").read_bytes())
    assert f"{len(em.fields)} fields —" in doc
    import json

    cvoc = json.loads((EXAMPLE / "electron-microscopy-1.0.0" / "cvoc.json").read_text(encoding="utf-8"))
    assert len(cvoc) == 9 and "[cvoc.json](dataverse-example/electron-microscopy-1.0.0/cvoc.json): nine fields" in doc
