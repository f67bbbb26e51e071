"""Real Dataverse material from ../shared/data/dataverse (see its README): skipped with a reason
outside CI when absent, a failure in CI (`CI=true`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, require_shared

DATAVERSE = SHARED_DATA / "dataverse"
BLOCKS = DATAVERSE / "metadatablocks"
PROPERTIES = DATAVERSE / "properties"


def require_dataverse_data() -> Path:
    require_shared(BLOCKS)
    return DATAVERSE


def real_block_paths() -> list[Path]:
    return sorted(BLOCKS.glob("*.tsv")) if BLOCKS.is_dir() else []


def english_properties(block_name: str) -> Path:
    return PROPERTIES / "en" / f"{block_name}.properties"


def french_properties(block_name: str, variant: str = "fr_CA") -> Path:
    return PROPERTIES / variant / f"{block_name}_fr.properties"


@pytest.fixture
def dataverse_data() -> Path:
    return require_dataverse_data()


@pytest.fixture(scope="module")
def exported(bundled_client):
    """The bundled electron-microscopy 1.0.0 exported as a Dataverse block: (block name, {field
    name → its declaration})."""
    from registry.dataverse.block import parse_block

    r = bundled_client.get("/profiles/electron-microscopy/versions/1.0.0/dataverse/block.tsv")
    assert r.status_code == 200, r.text
    block = parse_block(r.content)
    return block.name, {f.name: f for f in block.fields}
