"""The embedded store: pyoxigraph on disk (RocksDB) or in memory.

Only one process may open a store directory for writing (RocksDB's LOCK); a second one gets a
clear `StoreUnavailable` error instead of RocksDB's message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from registry.errors import StoreUnavailable
from registry.store.base import QueryResult, RegistryStore


class OxigraphStore(RegistryStore):
    public_queries = "snapshots"

    def __init__(self, path: str | Path | None = None, *, opened: ox.Store | None = None):
        """The store at `path` (None: in memory); or, with `opened`, a store already open (a
        read-only snapshot in a query worker), used as it is."""
        super().__init__()
        self.path = Path(path) if path is not None else None
        if opened is not None:
            self._store = opened
            return
        try:
            if self.path is None:
                self._store = ox.Store()
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreUnavailable(
                    f"the store at {self.path} is already open by another registry process; "
                    "the embedded store allows one writer process (see docs/deployment.md)",
                    code="store-locked",
                ) from None
            raise

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code that must stream (SPARQL results, bulk export)."""
        return self._store

    def query(self, sparql, *, bindings=None, default_graph=None, union_default_graph=False) -> QueryResult:
        kwargs = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph] or [ox.NamedNode("urn:registry:empty")]
        elif union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        return self._store.query(self.bind(sparql, bindings), **kwargs)

    def update(self, sparql) -> None:
        self._store.update(sparql)

    def load_graph(self, graph, source, fmt, *, base_iri=None) -> None:
        kwargs = {"format": fmt, "to_graph": ox.NamedNode(graph), "base_iri": base_iri}
        if isinstance(source, Path):
            self._store.bulk_load(path=str(source), **kwargs)
        else:
            self._store.bulk_load(source, **kwargs)

    def add_triples(self, graph, triples: Iterable[ox.Triple]) -> None:
        g = ox.NamedNode(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def drop_graph(self, graph) -> None:
        g = ox.NamedNode(graph)
        if self._store.contains_named_graph(g):
            self._store.remove_graph(g)

    def has_graph(self, graph) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_names(self) -> set[str]:
        return {g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def triples(self, graph) -> Iterator[ox.Triple]:
        for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            yield quad.triple

    def dump(self, output: IO[bytes], fmt, graphs) -> None:
        def quads():
            for g in graphs:
                yield from self._store.quads_for_pattern(None, None, None, ox.NamedNode(g))

        ox.serialize(quads(), output, format=fmt)

    def checkpoint(self, target: str) -> None:
        if self.path is not None:
            self._store.backup(target)  # hard links: cheap
            return
        copy = ox.Store(target)  # in memory: copy it into an on-disk store
        copy.bulk_load(self._store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        copy.flush()
        del copy

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    def close(self) -> None:
        # pyoxigraph closes RocksDB when the object is collected; drop our reference.
        self.flush()
        self._store = None  # type: ignore[assignment]
