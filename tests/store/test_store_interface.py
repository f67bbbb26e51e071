"""Only `registry/store/` knows which backend it runs on (issue 18, item 2): every other module
asks the `RegistryStore` interface (`public_queries`, `checkpoint`, `forward_query`,
`over_open_store`), so a new backend is added in `store/` alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox

from registry.store import over_open_store
from registry.store.base import RegistryStore

PACKAGE = Path(__file__).resolve().parents[2] / "registry"
BACKEND_MODULES = {"registry.store.oxigraph", "registry.store.sparql", "registry.store.lease"}
BACKEND_NAMES = re.compile(r"\b(OxigraphStore|RemoteSparqlStore|WriterLease)\b")


def backend_uses(path: Path) -> list[str]:
    """The lines of a module that import a store backend, or name one of its classes."""
    found = []
    label = path.relative_to(PACKAGE.parent) if PACKAGE in path.parents else path.name
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            if names & BACKEND_MODULES or (node.module == "registry.store.base"
                                           and any(a.name.startswith("_") for a in node.names)):
                found.append(f"{label}:{node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in BACKEND_MODULES:
                    found.append(f"{label}:{node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.Name) and BACKEND_NAMES.fullmatch(node.id):
            found.append(f"{label}:{node.lineno}: names {node.id}")
    return found


def test_no_module_outside_store_knows_a_backend():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if PACKAGE / "store" in path.parents:
            continue
        offenders += backend_uses(path)
    assert offenders == [], "modules outside registry/store/ use a store backend:\n" + "\n".join(offenders)


def test_the_check_finds_a_backend_import(tmp_path):
    """The check above can fail: each way of reaching a backend is caught."""
    cases = {
        "from registry.store.oxigraph import OxigraphStore\n": "imports registry.store.oxigraph",
        "from registry.store import sparql\n": "imports registry.store",
        "import registry.store.lease\n": "imports registry.store.lease",
        "from registry.store.base import _chunks\n": "imports registry.store.base",
        "def f(store):\n    return isinstance(store, RemoteSparqlStore)\n": "names RemoteSparqlStore",
    }
    module = tmp_path / "probe.py"
    for source, expected in cases.items():
        module.write_text(source, encoding="utf-8")
        assert any(expected in line for line in backend_uses(module)), source


def test_a_snapshot_is_read_through_the_interface(tmp_path):
    """`over_open_store` gives the interface over an opened pyoxigraph store (a worker's
    snapshot) and `checkpoint` makes one: the copy holds what the store held."""
    raw = ox.Store()
    g = ox.NamedNode("https://example.org/g")
    raw.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o"), g))
    store = over_open_store(raw)
    assert isinstance(store, RegistryStore)
    assert store.public_queries == "snapshots"
    assert store.graph_names() == {g.value}
    target = tmp_path / "copy"
    store.checkpoint(str(target))
    copy = ox.Store.read_only(str(target))
    assert [q.object for q in copy.quads_for_pattern(None, None, None, g)] == [ox.Literal("o")]
