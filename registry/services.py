"""The registry's services, built once per process from the settings and a store.

The app factory and the CLI both build a `Registry`; routers and commands reach services
through it (FastAPI: `registry.web.deps`). Nothing here is a module-level global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.auth import Communities, FailedAuthLimiter
from registry.catalog import Catalog
from registry.config import Settings
from registry.namespaces import IriScheme
from registry.publishing.service import PublicationService
from registry.store import RegistryStore, open_store


@dataclass
class Registry:
    settings: Settings
    store: RegistryStore
    iris: IriScheme
    catalog: Catalog
    communities: Communities
    publication: PublicationService
    auth_limiter: FailedAuthLimiter = field(default_factory=FailedAuthLimiter)
    #: Later services (validation, vocabulary search, SPARQL workers) register here by name.
    extensions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, store: RegistryStore | None = None, *, read_only: bool = False) -> "Registry":
        """`read_only`: for commands that only read (they must never write, issue 12)."""
        from registry.baseiri import pin_base_iri

        opened = store is None
        store = store if store is not None else open_store(settings, read_only=read_only)
        try:
            pin_base_iri(store, settings, read_only=read_only)  # issue 12: one base per store, for good
        except Exception:
            if opened:
                store.close()
            raise
        iris = IriScheme(settings.base_iri)
        registry = cls(
            settings=settings,
            store=store,
            iris=iris,
            catalog=Catalog(store, iris),
            communities=Communities(store, iris),
            publication=PublicationService(store, iris, settings.max_nesting_depth),
        )
        registry.publication.observers.append(registry._tell_extensions)
        from registry.evolution.publishing import install as enforce_semantic_versioning  # issue 17

        enforce_semantic_versioning(registry)
        return registry

    def _tell_extensions(self, result) -> None:
        """Features that keep derived state (indexes) hear of new versions via `published()`."""
        for extension in list(self.extensions.values()):
            published = getattr(extension, "published", None)
            if callable(published):
                published(result)

    def is_empty(self) -> bool:
        """No profile and no vocabulary yet (communities and tokens may already exist)."""
        return not self.catalog.series_ids("profile") and not self.catalog.series_ids("vocabulary")

    def start(self) -> None:
        """Start-up work: drop what a crash left half-written, then first-run content."""
        self.publication.recover()
        if self.settings.load_bundled and self.is_empty():
            from registry.bundled import bundled_dir, load_folder

            load_folder(self, self.settings.bundled_dir or bundled_dir())

    def close(self) -> None:
        """Close the features' per-process state (worker pools, indexes), then the store."""
        for extension in list(self.extensions.values()):
            close = getattr(extension, "close", None)
            if callable(close):
                close()
        self.extensions.clear()
        self.store.close()
