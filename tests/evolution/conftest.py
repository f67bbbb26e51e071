"""Fixtures of the evolution tests: the bundled profiles and vocabularies, plus hand-written
versions 1.1.0 and 2.0.0 of electron-microscopy (tests/evolution/data/electron-microscopy/, see
its CHANGES.md), published once per session in a real store (embedded, or `oxigraph serve` with
REGISTRY_TEST_BACKEND=remote)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.publishing.service import ProfileSubmission
from registry.services import Registry
from registry.web.app import create_app
from tests.conftest import BASE, REPO, session_store

DATA = Path(__file__).parent / "data"
EM = "electron-microscopy"


def em_submission(version: str, **extra) -> ProfileSubmission:
    context = json.loads((REPO / "shapes" / EM / "1.0.0" / "context.jsonld").read_text(encoding="utf-8"))
    return ProfileSubmission(
        id=EM, version=version, shapes=(DATA / EM / version / "shapes.ttl").read_bytes(), format=ox.RdfFormat.TURTLE,
        title={"en": "Electron microscopy dataset (METSA)"}, is_profile_of="research-dataset", context=context, **extra,
    )


def bundled_profiles_1_0_0(folder: Path) -> Path:
    """A copy of the bundled content whose profiles stop at 1.0.0: the hand-written versions below
    take the numbers 1.1.0 and 2.0.0, which the bundled electron-microscopy also has since issue 20
    (and atom-probe 2.0.0 is built on it)."""
    shutil.copytree(REPO / "vocabularies", folder / "vocabularies")
    shutil.copytree(REPO / "shapes", folder / "shapes",
                    ignore=lambda d, names: [n for n in names if Path(d).parent.name == "shapes" and n[:1].isdigit() and n != "1.0.0"])
    return folder


@pytest.fixture(scope="session")
def evolution_settings(tmp_path_factory):
    """Settings of a store holding the bundled content (profiles at 1.0.0) and electron-microscopy 1.1.0 and 2.0.0."""
    folder = bundled_profiles_1_0_0(tmp_path_factory.mktemp("bundled-1.0.0"))
    with session_store(tmp_path_factory, "evolution") as store:
        settings = Settings(store=store, base_iri=BASE, load_bundled=True, bundled_dir=folder)
        registry = Registry.build(settings)
        try:
            registry.start()
            metsa = registry.catalog.community("metsa")
            for version in ("1.1.0", "2.0.0"):
                registry.publication.publish_profile(metsa, em_submission(version))
        finally:
            registry.close()
        yield settings


@pytest.fixture(scope="module")
def evolution_client(evolution_settings):
    """A client on that store (module scope: the embedded store has one writer process, so CLI
    tests in other modules can open it between the modules)."""
    with TestClient(create_app(evolution_settings)) as client:
        yield client
