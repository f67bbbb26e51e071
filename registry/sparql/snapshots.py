"""Snapshots of the store for the SPARQL query workers: a hard-linked checkpoint of the store
after each write (`store.generation`), pruned to the public view, deleted once no worker has it
open.

Why a snapshot: only the registry process may open the store read-write, and opening it read-only
beside the writer is unreliable in pyoxigraph 0.5.13: `Store.read_only` shows a frozen snapshot
from the moment it was opened, and about one open in 44 failed with a transient RocksDB
"Corruption: ... No such file" error (`Store.secondary` no longer exists). Workers open
checkpoints read-only (`open_snapshot`). The graphs a query may see (the public graphs) are
computed from the same snapshot, so the dataset and the list of public graphs never disagree.
"""

from __future__ import annotations

import itertools
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox


def open_snapshot(path: str, attempts: int = 3) -> ox.Store:
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return ox.Store.read_only(path)
        except OSError as exc:  # RocksDB "Corruption: ... No such file", transient (~1 open in 44 measured)
            last = exc
    raise last  # type: ignore[misc]


def public_graphs(store: ox.Store, base_iri: str) -> set[str]:
    """The public graphs of a store, by the catalog's own definition (used to prune snapshots)."""
    from registry.catalog import Catalog
    from registry.namespaces import IriScheme
    from registry.store import over_open_store

    return set(Catalog(over_open_store(store), IriScheme(base_iri)).public_graphs())


_PRUNE_SERIES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prof: <http://www.w3.org/ns/dx/prof/>
DELETE { GRAPH $catalog { ?series ?p ?o . ?x ?q ?series } }
WHERE {
  GRAPH $catalog { ?series a ?type . ?series ?p ?o . OPTIONAL { ?x ?q ?series } }
  FILTER(?type IN (prof:Profile, dcat:Dataset))
  FILTER NOT EXISTS { GRAPH ?v { ?series dcat:hasVersion ?v } }
}"""
# (a series is a prof:Profile or dcat:Dataset of the catalog graph: a new series whose only
# version is a draft has its type, identifier and publisher there, but no dcat:resource link)


def prune(path: str, base_iri: str) -> None:
    """Make a snapshot the public view: drop every graph that is not public (drafts, the system
    graph with token hashes, orphans) and the catalog entries of series with no public version.

    Even a mistake in the dataset a query is given could then not reveal anything private.
    """
    from registry.store.base import RegistryStore

    store = ox.Store(path)
    try:
        public = public_graphs(store, base_iri)
        for graph in list(store.named_graphs()):
            if not isinstance(graph, ox.NamedNode) or graph.value not in public:
                store.remove_graph(graph)
        store.remove_graph(ox.DefaultGraph())
        catalog = ox.NamedNode(base_iri + "catalog")
        store.update(RegistryStore.bind(_PRUNE_SERIES, {"catalog": catalog}))
        store.flush()
    finally:
        del store


class Snapshots:
    """Hard-linked checkpoints of the embedded store, one per store generation in use."""

    def __init__(self, store, root: Path, base_iri: str):
        self.store = store  # a RegistryStore whose public_queries is "snapshots"
        self.base_iri = base_iri
        self.root = root
        shutil.rmtree(self.root, ignore_errors=True)  # what a previous run left
        self.root.mkdir(parents=True, exist_ok=True)
        self.current: str | None = None
        self.generation: int | None = None
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.all: set[str] = set()

    def ensure(self) -> tuple[str, bool]:
        """The current snapshot path (blocking: may make a checkpoint); True if it is new."""
        generation = self.store.generation
        if self.current is not None and generation == self.generation:
            return self.current, False
        with self._lock:
            generation = self.store.generation
            if self.current is not None and generation == self.generation:
                return self.current, False
            path = self.root / f"g{generation}-{next(self._counter)}"
            self.store.checkpoint(str(path))
            prune(str(path), self.base_iri)
            self.current, self.generation = str(path), generation
            self.all.add(self.current)
            return self.current, True

    def collect(self, held: set[str]) -> None:
        """Delete snapshots that are not current and that no worker has open."""
        for path in list(self.all):
            if path != self.current and path not in held:
                self.all.discard(path)
                shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
