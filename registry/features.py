"""Optional feature modules (validation, SPARQL, vocabulary services, web pages) plug in here.

A feature module exposes `install(target)`; one that is not there yet is skipped, but an import
error inside an existing module is raised, not hidden.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

WEB_FEATURES = (
    "registry.validation.routes",
    "registry.sparql.routes",
    "registry.vocab.routes",
    "registry.linkeddata.routes",
    "registry.evolution.routes",
    "registry.web.pages",
    "registry.dataverse.tool",
    "registry.dataverse.routes",
)
CLI_FEATURES = ("registry.validation.cli", "registry.vocab.cli", "registry.dataverse.cli", "registry.evolution.cli")


def feature_modules(names: tuple[str, ...]) -> Iterator[ModuleType]:
    for name in names:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
