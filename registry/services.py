"""The registry's services, built once per process from the settings and a store.

The app factory and the CLI both build a `Registry`; routers and commands reach services
through it (FastAPI: `registry.web.deps`). Nothing here is a module-level global.

Per-process state of the optional features (worker pools, search indexes, caches) is a
`registry.features.Feature` registered by name and fetched one way: `Registry.feature(name,
factory)`. The registry runs their lifecycle: `start()` once it has started, `published()` after
each publication while it runs, `close()` once when it closes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

from registry.auth import Communities, FailedAuthLimiter
from registry.catalog import Catalog
from registry.config import Settings
from registry.features import Feature
from registry.namespaces import IriScheme
from registry.publishing.service import PublicationService
from registry.store import RegistryStore, open_store

if TYPE_CHECKING:
    from registry.publishing.service import PublishResult

log = logging.getLogger("registry.features")

F = TypeVar("F", bound=Feature)


@dataclass
class Registry:
    settings: Settings
    store: RegistryStore
    iris: IriScheme
    catalog: Catalog
    communities: Communities
    publication: PublicationService
    auth_limiter: FailedAuthLimiter = field(default_factory=FailedAuthLimiter)
    #: The features of this process by name, in the order they were made (`feature()`).
    features: dict[str, Feature] = field(default_factory=dict)
    _features_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: Between `start()` and `close()`: features made now start at once and hear publications.
    _running: bool = field(default=False, repr=False)

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
        registry.publication.observers.append(registry._tell_features)
        from registry.evolution.publishing import install as enforce_semantic_versioning  # issue 17

        enforce_semantic_versioning(registry)
        return registry

    # --- features --------------------------------------------------------------------------------

    def feature(self, name: str, factory: Callable[[Registry], F]) -> F:
        """The feature `name` of this process, made by `factory(self)` on first use; started at
        once when the registry already runs (an exception from its start is raised, and the
        feature is not kept). The one way services, pools and caches are fetched."""
        found = self.features.get(name)
        if found is None:
            with self._features_lock:
                found = self.features.get(name)
                if found is None:
                    made = factory(self)
                    if self._running:
                        self._start_feature(name, made)
                    self.features[name] = found = made
        return cast(F, found)

    def _start_feature(self, name: str, feature: Feature) -> None:
        try:
            feature.start()
        except Exception as exc:
            log.error("the feature %r failed to start: %s", name, exc)
            exc.add_note(f"while starting the registry feature {name!r}")
            raise

    def _tell_features(self, result: PublishResult) -> None:
        """Publication observer: the running features hear of every new version (`published()`)."""
        if not self._running:
            return
        for feature in list(self.features.values()):
            feature.published(result)

    # --- lifecycle -------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """No profile and no vocabulary yet (communities and tokens may already exist)."""
        return not self.catalog.series_ids("profile") and not self.catalog.series_ids("vocabulary")

    def start(self) -> None:
        """Start-up work: drop what a crash left half-written, then first-run content, then start
        the features registered so far (in the order they were made). A feature that fails to
        start stops the start-up: the error is raised (the caller closes the registry)."""
        self.publication.recover()
        if self.settings.load_bundled and self.is_empty():
            from registry.bundled import bundled_dir, load_folder

            load_folder(self, self.settings.bundled_dir or bundled_dir())
        with self._features_lock:
            for name, feature in list(self.features.items()):
                self._start_feature(name, feature)
            self._running = True

    def close(self, *, close_store: bool = True) -> None:
        """Close every feature once (last made, first closed), then the store unless the caller
        owns it (`close_store=False`: a store handed to `create_app`)."""
        with self._features_lock:
            features = list(self.features.values())
            self.features.clear()
            self._running = False
        for feature in reversed(features):
            self._close_feature(feature)
        if close_store:
            self.store.close()

    @staticmethod
    def _close_feature(feature: Feature) -> None:
        try:
            feature.close()
        except Exception:  # noqa: BLE001 - one feature failing to close must not keep the others open
            log.exception("closing the feature %r failed", type(feature).__name__)
