"""Storage: one interface (`RegistryStore`), an embedded pyoxigraph implementation, and a remote
SPARQL 1.1 implementation (see `registry.store.sparql`). `open_store` picks one from the settings."""

from __future__ import annotations

import pyoxigraph as ox

from registry.config import Settings
from registry.store.base import RegistryStore


def open_store(settings: Settings, *, read_only: bool = False) -> RegistryStore:
    """The store the settings name. `read_only` (commands that only read): the embedded store is
    opened so that nothing in its directory is written; a remote store is only queried anyway."""
    if settings.store_is_remote:
        from registry.store.sparql import RemoteSparqlStore  # issue 8

        return RemoteSparqlStore.from_settings(settings)
    from registry.store.oxigraph import OxigraphStore

    return OxigraphStore(None if settings.store_is_memory else settings.store, read_only=read_only and not settings.store_is_memory)


def over_open_store(opened: ox.Store) -> RegistryStore:
    """The store interface over a pyoxigraph store already open (a query worker's snapshot)."""
    from registry.store.oxigraph import OxigraphStore

    return OxigraphStore(opened=opened)


__all__ = ["RegistryStore", "open_store", "over_open_store"]
