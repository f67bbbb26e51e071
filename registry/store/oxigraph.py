"""The embedded store: pyoxigraph on disk (RocksDB) or in memory.

Only one process may open a store directory for writing (RocksDB's LOCK); a second one gets a
clear `StoreUnavailable` error instead of RocksDB's message. Commands that only read open it as
RocksDB's read-only instance, which writes nothing in the directory, under a shared lock on the
same LOCK file, so that they never read a directory another process is writing.
"""

from __future__ import annotations

import fcntl
import os

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from registry.errors import StoreUnavailable
from registry.store.base import QueryResult, RegistryStore


class OxigraphStore(RegistryStore):
    public_queries = "snapshots"

    def __init__(self, path: str | Path | None = None, *, opened: ox.Store | None = None, read_only: bool = False):
        """The store at `path` (None: in memory); or, with `opened`, a store already open (a
        read-only snapshot in a query worker), used as it is. `read_only` opens the directory as
        RocksDB's read-only instance: a command that reads writes nothing there (a read-write open
        rewrites the manifest, the write-ahead log and the LOCK file even when nothing is added),
        and it may read while a `registry serve` holds the writer lock (it sees the store as it
        was when opened)."""
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._reader_lock: int | None = None
        if opened is not None:
            self._store = opened
            return
        try:
            if self.path is not None and read_only:
                self._reader_lock = _share_the_writer_lock(self.path)
                self._store = ox.Store.read_only(str(self.path))
            elif self.path is None:
                self._store = ox.Store()
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            self._release_reader_lock()
            if "lock" in str(exc).lower():
                raise _locked(self.path) from None
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
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        # pyoxigraph closes RocksDB when the object is collected; drop our reference.
        self.flush()
        self._store = None  # type: ignore[assignment]
        self._release_reader_lock()

    def _release_reader_lock(self) -> None:
        if self._reader_lock is not None:
            os.close(self._reader_lock)  # closing the descriptor drops the POSIX lock
            self._reader_lock = None


def _share_the_writer_lock(path: Path) -> int:
    """A shared POSIX lock on RocksDB's LOCK file, held while a read-only instance is open.

    RocksDB's writer holds an exclusive `fcntl` lock on that file; a read-only instance takes
    none, and reading a directory that another process is writing is undefined (a read-only open
    beside a writer failed about once in 44 with "Corruption: No such file"). The shared lock
    fails with EAGAIN/EACCES while a writer runs (→ the same `store-locked` error as a second
    writer), and a writer that starts meanwhile meets it. The file is opened read-only: nothing
    in the directory is written."""
    try:
        fd = os.open(path / "LOCK", os.O_RDONLY)
    except FileNotFoundError:
        raise StoreUnavailable(f"no registry store at {path}", code="store-missing") from None
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise _locked(path) from None
    return fd


def _locked(path: Path | None) -> StoreUnavailable:
    return StoreUnavailable(
        f"the store at {path} is already open by another registry process; "
        "the embedded store allows one writer process (see docs/deployment.md)",
        code="store-locked",
    )
