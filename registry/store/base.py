"""The store interface every part of the registry uses.

Data model on the store (see docs/architecture.md):

* the catalog graph holds communities and profile / vocabulary series;
* each artifact version has a metadata graph named by its version IRI and one artifact graph
  (`…/shapes`, `…/concepts`, `…/context`); a version becomes visible only when the catalog
  update that references it commits, so a half-loaded artifact is never seen;
* the system graph holds tokens and is never exposed.

Writers are serialised by `writing()`; readers never wait for it (pyoxigraph gives snapshot
isolation; a remote store gives what it gives, see docs/deployment.md).
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, ClassVar, Literal

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class RegistryStore(ABC):
    """A quad store with SPARQL 1.1 query and update, named-graph loading and export.

    `bindings` fill the `$name` placeholders of a query with RDF terms. A term is written in its
    N-Triples form as pyoxigraph serialises it (IRIs validated, literals escaped), so a value from
    a user can never change the query's structure. (pyoxigraph's own SEP-0007 `substitutions`
    only bind projected variables, which rules out `GRAPH $g` and FILTER constants.)
    """

    #: How the public SPARQL endpoint runs user queries on this store: "snapshots" (worker
    #: processes on read-only copies made by `checkpoint`), "forward" (sent to the store itself
    #: by `forward_query`), or None (not available on this backend).
    public_queries: ClassVar[Literal["snapshots", "forward"] | None] = None
    #: The store's directory on disk (None: in memory, or remote).
    path: Path | None = None

    def __init__(self) -> None:
        self._write_lock = threading.RLock()
        #: Bumped after every committed write; caches keyed on it never serve stale data.
        self.generation = 0

    # --- writing -------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Serialise writers: a publish runs check-and-write under this lock."""
        with self._write_lock:
            try:
                yield
            finally:
                self.generation += 1

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update atomically (all of its operations or none).

        Only the registry's own updates go through here, never user text.
        """

    def commit(
        self,
        *,
        insert: Iterable[ox.Quad] = (),
        delete: Iterable[ox.Quad] = (),
        drop_graphs: Iterable[str] = (),
        move_graphs: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Apply deletions, graph drops, graph moves (source → target) and insertions in ONE
        update, so readers see all or none.

        Terms are written in their N-Triples form as pyoxigraph serialises them (validated IRIs,
        escaped literals), which is how user-supplied values can appear here safely.
        """
        parts = []
        delete = list(delete)
        insert = list(insert)
        parts += delete_operations(delete)
        for graph in drop_graphs:
            parts.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
        for source, target in move_graphs:
            parts.append(f"MOVE SILENT GRAPH {ox.NamedNode(source)} TO {ox.NamedNode(target)}")
        parts += insert_operations(insert)
        if parts:
            self.update(" ;\n".join(parts))

    @abstractmethod
    def load_graph(
        self, graph: str, source: bytes | IO[bytes] | Path, fmt: ox.RdfFormat, *, base_iri: str | None = None
    ) -> None:
        """Bulk-load a whole document into `graph` (which should be empty): all or nothing."""

    @abstractmethod
    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add triples to `graph` in one transaction."""

    @abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and its triples (no error if absent)."""

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace the content of `graph`. Default: drop then add (override to make it atomic)."""
        self.drop_graph(graph)
        self.add_triples(graph, triples)

    # --- reading -------------------------------------------------------------------------------

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graph: list[str] | None = None,
        union_default_graph: bool = False,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query.

        `default_graph`: the named graphs whose union is the query's default graph; `union_default_graph`:
        all graphs. Neither: the store's default graph (unused by the registry).
        """

    @abstractmethod
    def has_graph(self, graph: str) -> bool: ...

    @abstractmethod
    def graph_names(self) -> set[str]: ...

    @abstractmethod
    def triples(self, graph: str) -> Iterator[ox.Triple]: ...

    def count(self, graph: str) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=[graph]))
        return int(rows[0]["n"].value)

    @abstractmethod
    def dump(self, output: IO[bytes], fmt: ox.RdfFormat, graphs: list[str]) -> None:
        """Write the given named graphs as a dataset (N-Quads or TriG)."""

    # --- the public SPARQL endpoint ------------------------------------------------------------

    def checkpoint(self, target: str) -> None:
        """Write a consistent copy of the whole store to `target` (a directory not yet there) as
        an on-disk pyoxigraph store, for query workers to open read-only (`public_queries ==
        "snapshots"`)."""
        raise NotImplementedError(f"{type(self).__name__} makes no snapshots")

    def forward_query(self, query: str, *, default_graphs: list[str], named_graphs: list[str], accept: str,
                      timeout_s: float | None = None, max_bytes: int = 64 * 1024 * 1024) -> tuple[str, bytes]:
        """Run a (guarded) user query on the store itself with exactly this dataset; return
        (media type, body) (`public_queries == "forward"`)."""
        raise NotImplementedError(f"{type(self).__name__} does not forward queries")

    def flush(self) -> None:  # noqa: B027 -- optional hook: a no-op unless the backend needs it
        """Make committed writes durable (fsync) where the backend needs it."""

    def close(self) -> None:  # noqa: B027 -- optional hook: a no-op unless the backend holds resources
        """Release the backend."""

    # --- helpers shared by implementations -----------------------------------------------------

    @staticmethod
    def bind(sparql: str, bindings: Mapping[str, Term] | None) -> str:
        """Replace each `$name` placeholder by the N-Triples form of `bindings[name]`."""
        if not bindings:
            return sparql

        def term(match: re.Match) -> str:
            name = match.group(1)
            if name not in bindings:
                raise KeyError(f"no binding for ${name}")
            value = bindings[name]
            if not isinstance(value, (ox.NamedNode, ox.Literal)):
                raise TypeError(f"${name}: bind a pyoxigraph NamedNode or Literal, not {type(value).__name__}")
            return str(value)

        return _PLACEHOLDER.sub(term, sparql)

    def select(self, sparql: str, **kwargs) -> list[dict[str, Term]]:
        """Run a SELECT and return its rows as dicts of bound variables."""
        result = self.query(sparql, **kwargs)
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, sparql: str, **kwargs) -> bool:
        return bool(self.query(sparql, **kwargs))


def _by_graph(quads: Iterable[ox.Quad]) -> dict[ox.NamedNode | ox.DefaultGraph, list[ox.Triple]]:
    groups: dict = {}
    for quad in quads:
        groups.setdefault(quad.graph_name, []).append(quad.triple)
    return groups


def _block(graph, triples: list[ox.Triple]) -> str:
    body = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return body if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {body} }}"


#: Triples per DELETE DATA / INSERT DATA operation. A request may hold many operations (one
#: transaction on stores that have them); Virtuoso 7 compiles each operation to SQL and refuses
#: one of a few thousand triples ("exceeded 10000 lines of code", "memory exhausted").
TRIPLES_PER_OPERATION = 500


def _chunks(triples: list[ox.Triple]) -> Iterator[list[ox.Triple]]:
    for start in range(0, len(triples), TRIPLES_PER_OPERATION):
        yield triples[start:start + TRIPLES_PER_OPERATION]


def delete_operations(quads: Iterable[ox.Quad]) -> list[str]:
    """`DELETE DATA` per graph and per chunk: Virtuoso 7 silently keeps language-tagged literals
    when one DELETE DATA names several graphs (SPARQL 1.1 Update §3.1.2 allows either form)."""
    return [
        f"DELETE DATA {{ {_block(g, chunk)} }}" for g, ts in _by_graph(quads).items() for chunk in _chunks(ts)
    ]


def insert_operations(quads: Iterable[ox.Quad]) -> list[str]:
    """Insertions per graph: `INSERT DATA` per chunk of triples without blank nodes, and one
    `INSERT { … } WHERE {}` for the triples with blank nodes. The two forms mean the same (SPARQL
    1.1 Update §3.1.1 and §3.1.3: template blank nodes are fresh per solution, and `WHERE {}` has
    one), but Virtuoso 7 refuses blank nodes in INSERT DATA; those triples stay in one operation
    because a blank node label does not carry over to another operation of the request."""
    operations = []
    for graph, triples in _by_graph(quads).items():
        linked = [t for t in triples if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
        plain = [t for t in triples if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))]
        operations += [f"INSERT DATA {{ {_block(graph, chunk)} }}" for chunk in _chunks(plain)]
        if linked:
            operations.append(f"INSERT {{ {_block(graph, linked)} }} WHERE {{}}")
    return operations

