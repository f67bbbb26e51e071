"""Shared fixtures: a real on-disk store in a temporary directory, the real app, real clients.

Backends: by default the embedded Oxigraph store. `REGISTRY_TEST_BACKEND=remote` runs the same
tests on a real `oxigraph serve` process (see tests/store/ and issue 8), and
`REGISTRY_TEST_BACKEND=virtuoso` on a real Virtuoso Open Source 7 (Debian's
`virtuoso-opensource-7-bin`), reached only through the registry's documented `REGISTRY_STORE*`
settings (issue 19).
"""

from __future__ import annotations

import inspect
import os
import re
from contextlib import contextmanager
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.config import Settings
from registry.services import Registry
from registry.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
#: Third-party test data, never copied into the repository (issue 12, item 14): the folder named by
#: REGISTRY_SHARED_DATA, else ../shared/data beside the clone. Reach it through `require_shared`.
SHARED_DATA = Path(os.environ.get("REGISTRY_SHARED_DATA") or REPO.parent / "shared" / "data")
BASE = "http://testserver/"
TEST_NAMESPACE = "https://w3id.org/test/"
OTHER_NAMESPACE = "https://w3id.org/other/"


def require_shared(path: Path) -> Path:
    """A file or folder of the third-party test data (`SHARED_DATA`): the test is skipped with a
    reason naming the folder outside CI when it is absent, and fails in CI (`CI=true`)."""
    if not path.exists():
        message = (f"shared test data {path} not found (folder {SHARED_DATA}: set REGISTRY_SHARED_DATA, "
                   "default ../shared/data beside the repository)")
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


BACKENDS = ("embedded", "remote", "virtuoso")
BACKEND = os.environ.get("REGISTRY_TEST_BACKEND", "embedded")
if BACKEND not in BACKENDS:
    raise pytest.UsageError(f"unknown REGISTRY_TEST_BACKEND {BACKEND!r} (one of {', '.join(BACKENDS)})")
REMOTE_BACKEND = BACKEND != "embedded"

#: The store settings the virtuoso backend sets in the environment; tests about one particular
#: store (tests/store) clear them.
STORE_SETTINGS_ENV = ("REGISTRY_STORE_USER", "REGISTRY_STORE_PASSWORD", "REGISTRY_STORE_AUTH", "REGISTRY_STORE_GSP_URL")
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"  # a throw-away database of the test run, on 127.0.0.1 only
if BACKEND == "virtuoso":
    # What an operator sets for Virtuoso (docs/deployment.md): the authenticated SPARQL endpoint
    # takes digest authentication. Set for the whole run so that every Settings() and every
    # `registry` subprocess of the tests gets them, as a deployment's environment would.
    os.environ.setdefault("REGISTRY_STORE_USER", VIRTUOSO_USER)
    os.environ.setdefault("REGISTRY_STORE_PASSWORD", VIRTUOSO_PASSWORD)
    os.environ.setdefault("REGISTRY_STORE_AUTH", "digest")
    # Virtuoso's SPARQL compiler refuses updates of a few thousand triples: vocabularies and large
    # shapes graphs go through its Graph Store Protocol endpoint (a path: on the store's host).
    os.environ.setdefault("REGISTRY_STORE_GSP_URL", "/sparql-graph-crud-auth")


def pytest_report_header(config):
    return f"registry test backend: {BACKEND}"


# -- Tests that do not depend on the store backend run once, on the embedded run -------------------
#
# CI runs the suite once per backend (.ci/test). A test whose code never reads the test backend
# does exactly the same thing on every run: pure unit tests, content checks, i18n tables, docs
# checks, the browser pages on their own embedded store, tests that start a store of their own
# (tests/store). On a remote backend they are deselected, with a count and the reason printed.
#
# The rule, applied to the code that runs for a test (its function, every fixture of its closure,
# and, recursively, the functions and classes of tests/ that they name): the test follows the
# backend when that code names `BACKEND` or `REMOTE_BACKEND` (tests/conftest.py, under any alias)
# or the string "REGISTRY_TEST_BACKEND", or asks for a fixture by name at run time
# (`request.getfixturevalue`). `store_location` (hence `settings`, `services`, `client`),
# `session_store`, `start_remote_server` all read `BACKEND`, so every test with a store of the test
# backend keeps running on every backend. The rule errs on the side of running: a helper that reads
# the backend in one branch only makes every test that calls it follow the backend.

_BACKEND_NAMES = frozenset({"BACKEND", "REMOTE_BACKEND"})
_BACKEND_ENV = "REGISTRY_TEST_BACKEND"
_TESTS_DIR = Path(__file__).resolve().parent


_ALIAS = re.compile(r"\b(?:REMOTE_BACKEND|BACKEND)\s+as\s+(\w+)")


def _backend_aliases(module_globals: dict) -> frozenset[str]:
    """The names under which a module of tests/ has BACKEND or REMOTE_BACKEND (`import ... as`)."""
    path = module_globals.get("__file__")
    try:
        source = Path(path).read_text() if path else ""
    except OSError:
        source = ""
    return _BACKEND_NAMES | frozenset(_ALIAS.findall(source))


class _BackendReaders:
    """Which functions of tests/ read the test backend (memoised; see the rule above)."""

    def __init__(self):
        self._verdicts: dict[object, bool] = {}
        self._aliases: dict[str, frozenset[str]] = {}
        self._files: dict[str, bool] = {}

    def _in_tests(self, obj) -> bool:
        obj = inspect.unwrap(obj) if callable(obj) else obj  # @contextmanager, functools.wraps
        code = getattr(obj, "__code__", None)
        if code is None:
            return False
        filename = code.co_filename
        if filename not in self._files:
            self._files[filename] = Path(filename).resolve().is_relative_to(_TESTS_DIR)
        return self._files[filename]

    def reads_backend(self, obj) -> bool:
        """`obj`: a function, a method or a class defined in tests/."""
        obj = inspect.unwrap(obj)
        key = obj
        if key in self._verdicts:
            return self._verdicts[key]
        self._verdicts[key] = False  # cycles: assume no until shown otherwise
        if isinstance(obj, type):
            members = [m for klass in obj.__mro__ if klass.__module__.startswith("tests")
                       for m in vars(klass).values()]
            functions = [getattr(m, "__func__", getattr(m, "fget", m)) for m in members]
            verdict = any(self._in_tests(f) and self.reads_backend(f) for f in functions)
        else:
            verdict = self._function_reads(obj)
        self._verdicts[key] = verdict
        return verdict

    def _function_reads(self, function) -> bool:
        module_globals = getattr(function, "__globals__", {})
        module = module_globals.get("__name__", "")
        if module not in self._aliases:
            self._aliases[module] = _backend_aliases(module_globals)
        aliases = self._aliases[module]
        pending = [function.__code__]
        while pending:
            code = pending.pop()
            if any(const == _BACKEND_ENV for const in code.co_consts if isinstance(const, str)):
                return True
            pending.extend(const for const in code.co_consts if hasattr(const, "co_names"))
            for name in code.co_names:
                # getfixturevalue: a fixture asked for by name at run time may be a store
                if name in aliases or name == "getfixturevalue":
                    return True
                target = module_globals.get(name)
                if target is None or target is function:
                    continue
                if isinstance(target, type) and target.__module__.startswith("tests"):
                    if self.reads_backend(target):
                        return True
                elif self._in_tests(target) and self.reads_backend(target):
                    return True
        return False

    def follows_backend(self, item) -> bool:
        functions = [getattr(item, "function", None)]
        fixture_info = getattr(item, "_fixtureinfo", None)
        if fixture_info is not None:
            for name in item.fixturenames:
                functions.extend(d.func for d in fixture_info.name2fixturedefs.get(name, ()))
        return any(f is not None and self._in_tests(f) and self.reads_backend(f) for f in functions)


def pytest_collection_modifyitems(session, config, items):
    # REGISTRY_TEST_EVERY_BACKEND=1: every test on this backend too (to check the rule, or to time it).
    if BACKEND == "embedded" or os.environ.get("REGISTRY_TEST_EVERY_BACKEND") == "1":
        return
    readers = _BackendReaders()
    follows = {item: readers.follows_backend(item) for item in items}
    keep = [item for item in items if follows[item]]
    dropped = [item for item in items if not follows[item]]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not keep:
        # Nothing here reads the backend: run it all rather than collect nothing (pytest's exit 5).
        if reporter is not None:
            reporter.write_line(f"{BACKEND} backend: none of the {len(items)} selected tests reads the store "
                                "backend; running them all anyway")
        return
    if dropped:
        items[:] = keep
        config.hook.pytest_deselected(items=dropped)
        if reporter is not None:
            reporter.write_line(
                f"{BACKEND} backend: {len(dropped)} of {len(keep) + len(dropped)} tests deselected: their code and "
                "fixtures never read the test backend (BACKEND, REMOTE_BACKEND, REGISTRY_TEST_BACKEND), so they run "
                "only on the embedded run (tests/conftest.py, pytest_collection_modifyitems)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """A real `oxigraph serve` process on 127.0.0.1 (in memory, or on disk with `location`)."""

    def __init__(self, location: Path | None = None, port: int | None = None, extra: tuple[str, ...] = ()):
        self.location = location
        self.port = port or free_port()
        self.extra = extra
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store_url(self) -> str:
        """The registry's REGISTRY_STORE for this server."""
        return f"sparql+{self.base}/query"

    def start(self, timeout: float = 20.0) -> "OxigraphServer":
        binary = shutil.which("oxigraph")
        if binary is None:
            raise pytest.UsageError("the remote backend needs the `oxigraph` binary (pip install oxigraph)")
        command = [binary, "serve", "--bind", f"127.0.0.1:{self.port}", *self.extra]
        if self.location is not None:
            command += ["--location", str(self.location)]
        # With `--timeout-s`, oxigraph serve starts one thread per query that sleeps for the whole
        # timeout before cancelling it, finished or not: at a few hundred queries a second, several
        # hundred threads live at once. glibc gives each thread that allocates its own malloc arena
        # (64 MiB of address space each), which made a memory-limited server (tests/sparql) fail
        # thread creation with EAGAIN ("os error 11") on a fast machine. Two arenas are enough here.
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"oxigraph serve did not listen on {self.port}") from None
                time.sleep(0.01)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
ServerThreads = 20
CheckpointInterval = 60
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = .
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 20
ServerThreads = 20
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_query_s}
MaxQueryCostEstimationTime = 0
"""


class VirtuosoServer:
    """A real Virtuoso Open Source 7 (`virtuoso-t`, Debian's virtuoso-opensource-7-bin) on 127.0.0.1,
    with a fresh database in `directory`. The registry reaches it as an operator would configure it
    (docs/deployment.md): SPARQL and SPARQL Update at `/sparql-auth` with digest authentication."""

    def __init__(self, directory: Path, max_query_s: int = 60):
        self.directory = Path(directory)
        #: the store's own time limit of one query (`MaxQueryExecutionTime`): past it Virtuoso
        #: answers 500 "SR171: Transaction timed out"; a query the registry gave up on (a dropped
        #: connection) runs on until then, as with `oxigraph serve --timeout-s`
        self.max_query_s = max_query_s
        self.http_port = free_port()
        self.sql_port = free_port()
        self.process: subprocess.Popen | None = None
        self._initial_graphs: set[str] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def store_url(self) -> str:
        """The registry's REGISTRY_STORE for this server."""
        return f"sparql+{self.base}/sparql-auth"

    @property
    def gsp_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    def start(self, timeout: float = 180.0) -> "VirtuosoServer":
        binary = shutil.which("virtuoso-t")
        if binary is None:
            raise pytest.UsageError(
                "the virtuoso backend needs `virtuoso-t` (apt-get install virtuoso-opensource-7-bin; .ci/test does)"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(_VIRTUOSO_INI.format(dir=self.directory, sql_port=self.sql_port, http_port=self.http_port,
                                            max_query_s=self.max_query_s))
        # +foreground: the process is ours to stop; the database files are created on first start
        self.process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)], cwd=self.directory,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import httpx

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                log = (self.directory / "virtuoso.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"virtuoso-t exited: {log}")
            try:
                r = httpx.get(f"{self.base}/sparql", params={"query": "ASK {}"}, timeout=1)
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"virtuoso did not answer on {self.http_port}")
            time.sleep(0.1)
        self._initial_graphs = self.graphs()
        STORE_OWN_GRAPHS.update(self._initial_graphs)
        return self

    def _client(self):
        import httpx

        return httpx.Client(auth=httpx.DigestAuth(VIRTUOSO_USER, VIRTUOSO_PASSWORD), timeout=60)

    def graphs(self) -> set[str]:
        with self._client() as client:
            r = client.post(
                f"{self.base}/sparql-auth", data={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
                headers={"Accept": "application/sparql-results+json"},
            )
            r.raise_for_status()
            return {b["g"]["value"] for b in r.json()["results"]["bindings"] if "g" in b}

    def reset(self) -> None:
        """Drop every graph the tests made (Virtuoso's own system graphs stay): an empty store."""
        extra = sorted(self.graphs() - self._initial_graphs)
        if not extra:
            return
        update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in extra)
        with self._client() as client:
            r = client.post(f"{self.base}/sparql-auth", content=update,
                            headers={"Content-Type": "application/sparql-update"})
            r.raise_for_status()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def start_remote_server(directory: Path | None = None, oxigraph_extra: tuple[str, ...] = (),
                        max_query_s: int | None = None):
    """A fresh remote store server for the current backend (`oxigraph serve` or Virtuoso);
    `max_query_s`: the store's own time limit of one query (Virtuoso's `MaxQueryExecutionTime`;
    for `oxigraph serve`, pass `--timeout-s` in `oxigraph_extra`)."""
    if BACKEND == "virtuoso":
        return VirtuosoServer(directory or Path(tempfile.mkdtemp(prefix="virtuoso-")), max_query_s or 60).start()
    return OxigraphServer(location=directory, extra=oxigraph_extra).start()


@pytest.fixture(scope="session")
def _virtuoso_scratch(tmp_path_factory):
    """One Virtuoso for the whole run, emptied before each test that asks for a store."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-scratch")).start()
    yield server
    server.stop()


@pytest.fixture
def oxigraph_server():
    """A fresh in-memory `oxigraph serve` for one test (about 20 ms to start)."""
    server = OxigraphServer().start()
    yield server
    server.stop()


@pytest.fixture
def store_location(tmp_path, request) -> str:
    """Where the registry's store lives for one test (a directory, or a remote store URL).

    `REGISTRY_TEST_BACKEND=remote`: a fresh in-memory `oxigraph serve` per test (stopped after),
    so every test starts from an empty store, as with the embedded backend; `virtuoso`: the
    session's Virtuoso, emptied first.
    """
    if BACKEND == "embedded":
        yield str(tmp_path / "store")
        return
    if BACKEND == "virtuoso":
        # A fresh Virtuoso per test costs seconds: one server, emptied before each test.
        server = request.getfixturevalue("_virtuoso_scratch")
        server.reset()
        yield server.store_url
        return
    server = OxigraphServer().start()
    try:
        yield server.store_url
    finally:
        server.stop()


@pytest.fixture
def settings(store_location) -> Settings:
    return Settings(store=store_location, base_iri=BASE, load_bundled=False)


@pytest.fixture
def services(settings):
    """The registry's services on a fresh store (closed after the test)."""
    registry = Registry.build(settings)
    yield registry
    registry.close()


class Actors:
    """Two communities with tokens, created through the admin service."""

    def __init__(self, registry: Registry):
        registry.communities.create("test", "Test community", [TEST_NAMESPACE])
        registry.communities.create("other", "Other community", [OTHER_NAMESPACE])
        self.test_token = registry.communities.create_token("test").token
        self.other_token = registry.communities.create_token("other").token

    @property
    def test(self) -> dict:
        return {"Authorization": f"Bearer {self.test_token}"}

    @property
    def other(self) -> dict:
        return {"Authorization": f"Bearer {self.other_token}"}


@pytest.fixture
def app_with_actors(settings):
    """(app factory input) an app on a store that has two communities and their tokens."""
    registry = Registry.build(settings)
    actors = Actors(registry)
    registry.close()
    return create_app(settings), actors


@pytest.fixture
def client(app_with_actors):
    app, actors = app_with_actors
    with TestClient(app) as test_client:
        test_client.actors = actors
        yield test_client


@contextmanager
def session_store(tmp_path_factory, name: str):
    """A store location for a whole session on the test backend: an on-disk directory, or a
    real remote store (`oxigraph serve` or Virtuoso, REGISTRY_TEST_BACKEND) stopped at the end."""
    if REMOTE_BACKEND:
        server = start_remote_server(tmp_path_factory.mktemp(name) if BACKEND == "virtuoso" else None)
        try:
            yield server.store_url
        finally:
            server.stop()
        return
    yield str(tmp_path_factory.mktemp(name) / "store")


@pytest.fixture(scope="session")
def bundled_store_template(tmp_path_factory) -> Path:
    """An embedded store holding the bundled profiles and vocabularies (base IRI `BASE`), made
    once for the run by `registry load <checkout>` (the CLI, in this process) and closed. The load
    publishes every bundled version with its checks and validates the example records: minutes on
    a loaded machine, the most expensive setup of the suite. A test or fixture that needs an
    embedded store of its own with that content copies this one (`copy_store`: 10 MB of files)
    instead of loading again, and may change its copy as it likes."""
    from typer.testing import CliRunner

    from registry.cli import app

    location = tmp_path_factory.mktemp("bundled-template") / "store"
    loaded = CliRunner().invoke(app, ["load", str(REPO), "--store", str(location), "--base-iri", BASE])
    assert loaded.exit_code == 0, loaded.output
    assert '"unchanged": []' in loaded.output and '"profile research-dataset 1.0.0"' in loaded.output, loaded.output
    return location


def copy_store(template: Path, location: Path) -> str:
    """A copy at `location` of a closed embedded store and of its persisted vocabulary search
    indexes (`<store>.vocab-index`, named by content: valid in the copy)."""
    shutil.copytree(template, location)
    indexes = Path(f"{template}.vocab-index")
    if indexes.is_dir():
        shutil.copytree(indexes, Path(f"{location}.vocab-index"))
    return str(location)


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory, request) -> Settings:
    """A store with the bundled profiles and vocabularies loaded once for the session: on the
    embedded backend a copy of `bundled_store_template`, on the remote ones a real remote store."""
    if not REMOTE_BACKEND:
        template = request.getfixturevalue("bundled_store_template")
        location = copy_store(template, tmp_path_factory.mktemp("bundled") / "store")
        yield Settings(store=location, base_iri=BASE, load_bundled=True)
        return
    with session_store(tmp_path_factory, "bundled") as location:
        yield Settings(store=location, base_iri=BASE, load_bundled=True)


@pytest.fixture(scope="session")
def bundled_client(bundled_settings):
    """A client on the app with the bundled content (read-only use: do not publish here)."""
    with TestClient(create_app(bundled_settings)) as test_client:
        yield test_client


#: The graphs a fresh store server holds before the registry ever writes (Virtuoso's own system
#: graphs, recorded by `VirtuosoServer.start`; none on the Oxigraph stores).
STORE_OWN_GRAPHS: set[str] = set()


def store_snapshot(store) -> list[str]:
    """Every quad of the store as sorted N-Quads lines: equal snapshots mean an unchanged store.

    A graph of the store server's own (`STORE_OWN_GRAPHS`: Virtuoso's `virtrdf#`, 2,479 triples,
    445 KB, which the registry never writes) is counted, not read: reading it took most of a
    snapshot on Virtuoso, and a snapshot is taken twice in most tests of refused requests."""
    lines = []
    for graph in sorted(store.graph_names()):
        if graph in STORE_OWN_GRAPHS:
            [row] = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            lines.append(f"<{graph}> holds {row['n'].value} triples")
            continue
        lines.extend(f"{t} <{graph}>" for t in store.triples(graph))
    return sorted(lines)


@pytest.fixture
def snapshot():
    """`snapshot(client_or_store)` → the store's content, to prove a refused request changed nothing."""

    def take(target) -> list[str]:
        store = target.app.state.registry.store if hasattr(target, "app") else target
        return store_snapshot(store)

    return take
