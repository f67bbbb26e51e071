"""Optional feature modules (validation, SPARQL, vocabulary services, web pages) plug in here,
and the one lifecycle of their per-process state (`Feature`).

A feature module exposes `install(target)`; one that is not there yet is skipped, but an import
error inside an existing module is raised, not hidden.

A *feature* is what a module keeps per process (a worker pool, search indexes, a cache). It is
registered on the `Registry` by name (`Registry.feature(name, factory)`, the one way to fetch
it) and hears, in this order and once each:

* `start()`: when the registry starts (or at once, for a feature made after it started); an
  exception is reported: it stops the start-up (the app does not serve) instead of being logged
  and forgotten;
* `published(result)`: after every publication the registry commits while the feature runs
  (`registry.publishing.service.PublishResult`: kind, id, version, status);
* `close()`: when the registry closes, whoever owns the store.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from registry.publishing.service import PublishResult


class Feature(Protocol):
    """The lifecycle of a feature's per-process state. Subclass it to inherit no-op methods."""

    def start(self) -> None:
        """The registry started: load or warm what the first request would otherwise pay for."""
        return None

    def published(self, result: PublishResult) -> None:
        """A version was published (or a draft confirmed): bring derived state up to date."""
        return None

    def close(self) -> None:
        """The registry closes: stop workers, release files."""
        return None


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
