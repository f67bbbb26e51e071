"""The remote store: any SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever, Neptune).

Protocols:

One HTTP client (httpx: keep-alive connections, digest authentication answered once per
connection instead of once per request) and one mapping of the store's answers to errors
(`_raise_for_status`):

* reads: SPARQL 1.1 Query (POST, form-encoded, so long queries and long `default-graph-uri`
  lists fit); SELECT/ASK come back as SPARQL XML, CONSTRUCT/DESCRIBE as N-Triples, and both are
  parsed by pyoxigraph so callers get the embedded store's types (`QuerySolutions`,
  `QueryBoolean`, `QueryTriples`);
* writes: SPARQL 1.1 Update (POST, `application/sparql-update`);
* bulk loads and graph reads: the SPARQL 1.1 Graph Store HTTP Protocol with httpx. A load is
  converted to N-Triples by pyoxigraph first (which validates it, so a syntax error never reaches
  the store), spooled to a temporary file, then sent as ONE streamed request (chunked transfer
  encoding, 1 MiB chunks): one request keeps blank nodes whole (a store gives each request its
  own blank-node scope) and is one transaction on stores that have them.

Reads are retried with exponential backoff on connection errors and 502/503/504 (they are
idempotent); writes are not (an update is sent at most once, except when the connection was
refused, i.e. nothing was sent).

Several processes share one remote store: the writer lease and the revision, which the embedded
store keeps in the process, live in the store itself (`registry.store.lease`).
"""

from __future__ import annotations

import io
import logging
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from registry.conneg import RDF_FORMAT_BY_MEDIA, RESULT_SYNTAXES
from registry.errors import StoreUnavailable
from registry.rdf import readable_results
from registry.store.base import QueryResult, RegistryStore
from registry.store.literals import XSD, canonical_results, canonical_triple, canonical_value
from registry.store.lease import (
    COORDINATION_GRAPH,
    REVISION_PREDICATE,
    REVISION_READ,
    REVISION_SUBJECT,
    Revisions,
    WriterLease,
    new_revision,
    revision_update,
)

log = logging.getLogger(__name__)

EMPTY_GRAPH = "urn:registry:empty"
CHUNK = 1 << 20
RETRY_STATUS = {502, 503, 504}
UNION_MODES = ("auto", "param", "graphs", "native")
_USES_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)

# how the store's answers are read: SPARQL results (JSON or XML), else an RDF syntax
_RESULT_FORMATS = {
    media: s.format for s in RESULT_SYNTAXES if s.name in ("json", "xml") for media in (s.media_type, *s.aliases)
}
_GRAPH_FORMATS = RDF_FORMAT_BY_MEDIA
#: SELECT / ASK results asked for as SPARQL JSON. Not XML, although Virtuoso 7.2 writes it 2.4x
#: faster (UNESCO's 43,950 labels: 6.2 s as JSON, 2.5 s as XML; `oxigraph serve` 0.38 s / 0.44 s):
#: pyoxigraph's XML results parser (0.5) trims the white space at both ends of a literal, so
#: "Computer Vision " came back as "Computer Vision" (a controlled value of Dataverse's customGSD
#: block: tests/store/test_virtuoso.py, tests/dataverse/test_import.py on Virtuoso), and Virtuoso's
#: XML writer loses a literal of more than 4 MB; see `registry.rdf.readable_results`
_ACCEPT = (
    "application/sparql-results+json, application/n-triples, "
    "application/sparql-results+xml;q=0.8, text/turtle;q=0.8, application/rdf+xml;q=0.5"
)
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"
#: A double with more digits than a store that rounds doubles on output writes (`_keeps_double_digits`)
_DOUBLE_PROBE = "0.1234567890123"
_INEXACT = (XSD + "double", XSD + "float")
_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*\n|PREFIX\s+[^:\s]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)


def _is_graph_query(text: str) -> bool:
    """Whether a (registry-written) query is a CONSTRUCT or DESCRIBE."""
    rest = text[_PROLOGUE.match(text).end():]
    return rest[:9].upper().startswith(("CONSTRUCT", "DESCRIBE"))
#: Blank node labels in SPARQL JSON / XML results, which a store writes as it likes: Virtuoso 7.2
#: writes `nodeID://b10006`, which pyoxigraph refuses (docs/deployment.md, quirk table).
_BNODE_LABEL = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*"|<bnode>)([^"<]*)')
_LABEL_CHAR = re.compile(rb"[^A-Za-z0-9_]")


def portable_blank_nodes(body: bytes) -> bytes:
    """SPARQL results with every blank node label made of letters, digits and `_` (the same label
    always maps to the same one), so that any store's labels parse; other bytes unchanged."""
    if b"bnode" not in body:
        return body
    return _BNODE_LABEL.sub(lambda m: m.group(1) + _LABEL_CHAR.sub(b"_", m.group(2)), body)




class _Transient(Exception):
    """A failure worth retrying (for an idempotent request)."""


class RemoteSparqlStore(RegistryStore):
    """`RegistryStore` over SPARQL 1.1 Query, Update and the Graph Store HTTP Protocol."""

    public_queries = "forward"

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str = "basic",
        timeout_s: float = 30.0,
        retries: int = 3,
        backoff_s: float = 0.1,
        union_default_graph: str = "auto",
        lock_ttl_s: float = 60.0,
        lock_wait_s: float = 600.0,
        revision_ttl_s: float = 0.0,
        upload_timeout_s: float = 3600.0,
    ):
        super().__init__()
        if union_default_graph not in UNION_MODES:
            raise ValueError(f"store_union_default_graph must be one of {', '.join(UNION_MODES)}")
        if auth not in ("basic", "digest"):
            raise ValueError("store_auth must be basic or digest")
        self.query_url = query_url
        self.update_url = update_url or _sibling(query_url, "update") or query_url
        if gsp_url is None:
            gsp_url = _sibling(query_url, "store")
        self.gsp_url = None if gsp_url in ("", "none") else gsp_url
        self.user, self.password, self.auth = user, password, auth
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.union_mode = union_default_graph
        self.lock_ttl_s = lock_ttl_s
        self.lock_wait_s = lock_wait_s
        self.revision_ttl_s = revision_ttl_s
        self.upload_timeout_s = upload_timeout_s
        http_auth = None
        if user is not None:
            http_auth = httpx.DigestAuth(user, password or "") if auth == "digest" else httpx.BasicAuth(user, password or "")
        self._http = httpx.Client(auth=http_auth, timeout=httpx.Timeout(timeout_s), follow_redirects=False)
        self._depth = 0
        self._lease: WriterLease | None = None
        self._revisions = Revisions(self.revision, revision_ttl_s)
        self._server: str | None = None
        self._auto_union: str | None = None
        self._graph_listing: str | None = None  # how this store lists its graphs (probed once)
        self._faithful_doubles: bool | None = None  # whether answers keep a double's digits (probed once)
        self._closed = False

    @classmethod
    def from_settings(cls, settings) -> "RemoteSparqlStore":
        scheme, rest = settings.store.split("+", 1)
        if scheme != "sparql" or not rest.startswith(("http://", "https://")):
            raise ValueError("a remote store is sparql+http://… or sparql+https://…")
        return cls(
            rest,
            update_url=_on_host(rest, settings.store_update_url),
            gsp_url=_on_host(rest, settings.store_gsp_url),
            user=settings.store_user,
            password=settings.store_password,
            auth=settings.store_auth,
            timeout_s=settings.store_timeout_s,
            retries=settings.store_retries,
            union_default_graph=settings.store_union_default_graph,
            lock_ttl_s=settings.store_lock_ttl_s,
            lock_wait_s=settings.store_lock_wait_s,
            revision_ttl_s=settings.store_revision_ttl_s,
        )

    def __repr__(self) -> str:
        return f"RemoteSparqlStore({self.query_url!r}, update={self.update_url!r}, gsp={self.gsp_url!r})"

    # --- generation: moves when ANY process writes --------------------------------------------

    @property
    def generation(self) -> int:
        revisions = self.__dict__.get("_revisions")
        if revisions is None:  # RegistryStore.__init__ sets it before the store exists
            return 0
        return revisions.generation(look=not getattr(self, "_closed", True))

    @generation.setter
    def generation(self, value: int) -> None:
        revisions = self.__dict__.get("_revisions")
        if revisions is not None:
            revisions.set_generation(value)

    def revision(self) -> str | None:
        """The store's revision: a new UUID after every write by any registry process."""
        rows = list(self._select(REVISION_READ))
        return rows[0]["r"].value if rows else None

    # --- writing -------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """In-process lock, then the store-wide writer lease (outermost call only)."""
        with self._write_lock:
            self._depth += 1
            try:
                if self._depth == 1:
                    lease = WriterLease(self)
                    lease.acquire()
                    self._lease = lease
                try:
                    yield
                finally:
                    if self._depth == 1 and self._lease is not None:
                        self._lease.release()
                        self._lease = None
            finally:
                self._depth -= 1
                self.generation += 1

    def update(self, sparql: str) -> None:
        revision = new_revision()
        self._raw_update(sparql.rstrip().rstrip(";") + " ;\n" + revision_update(revision))
        self._saw_own_revision(revision)

    def _saw_own_revision(self, revision: str) -> None:
        self._revisions.saw_own(revision)

    def _raw_update(self, sparql: str) -> None:
        """POST one SPARQL Update (`application/sparql-update`, SPARQL 1.1 Protocol §2.2.2).

        Sent at most once: only a refused connection is known not to have reached the store,
        and only that is tried again."""
        attempt = 0
        while True:
            try:
                response = self._http.post(
                    self.update_url, content=sparql.encode("utf-8"),
                    headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                )
            except httpx.ConnectError as exc:
                if _is_refused(exc) and attempt < self.retries:
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise _transport_failure(exc, self.update_url) from None
            except httpx.TransportError as exc:
                raise _transport_failure(exc, self.update_url) from None
            _raise_for_status(response, self.update_url)
            return

    def load_graph(self, graph, source, fmt, *, base_iri=None) -> None:
        """Validate and convert with pyoxigraph, then send ONE streamed request (GSP PUT, or a
        streamed INSERT when no GSP endpoint is configured). On failure the graph is dropped."""
        with tempfile.TemporaryFile() as spool:
            kwargs = {"format": fmt, "base_iri": base_iri, "without_named_graphs": True}
            if isinstance(source, Path):
                quads = ox.parse(path=str(source), **kwargs)
            else:
                quads = ox.parse(source, **kwargs)
            ox.serialize((q.triple for q in quads), spool, format=ox.RdfFormat.N_TRIPLES)
            self._send_ntriples(graph, spool)

    def add_triples(self, graph, triples: Iterable[ox.Triple]) -> None:
        with tempfile.TemporaryFile() as spool:
            ox.serialize(triples, spool, format=ox.RdfFormat.N_TRIPLES)
            self._send_ntriples(graph, spool, replace=False)

    def _send_ntriples(self, graph: str, spool: IO[bytes], *, replace: bool = True) -> None:
        size = spool.tell()
        spool.seek(0)
        g = ox.NamedNode(graph)
        revision = new_revision()
        try:
            if size == 0:
                if replace:
                    self.update(f"DROP SILENT GRAPH {g}")
                return
            if self.gsp_url is not None:
                self._gsp_send("PUT" if replace else "POST", graph, lambda: _chunks(_rewound(spool)), size)
                self._raw_update(revision_update(revision))
                self._saw_own_revision(revision)
            else:
                # `INSERT { … } WHERE {}` rather than INSERT DATA: the same meaning (see
                # store.base.insert_operation), and blank nodes are allowed on every store.
                head = (f"DROP SILENT GRAPH {g} ;\n" if replace else "") + f"INSERT {{ GRAPH {g} {{\n"
                tail = "} } WHERE {} ;\n" + revision_update(revision)

                def body():
                    yield head.encode()
                    yield from _chunks(_rewound(spool))
                    yield tail.encode()

                length = len(head.encode()) + size + len(tail.encode())
                self._stream_post(self.update_url, body, "application/sparql-update", length)
                self._saw_own_revision(revision)
        except BaseException:
            if replace:
                try:
                    self.drop_graph(graph)
                except Exception:  # the store is gone: recover() drops the orphan at start-up
                    log.warning("could not drop %s after a failed load", graph)
            raise

    def _gsp_send(self, method: str, graph: str, body, length: int) -> None:
        self._stream_request(method, self.gsp_url, body, "application/n-triples", length, params={"graph": graph})

    def _stream_post(self, url: str, body, content_type: str, length: int) -> None:
        self._stream_request("POST", url, body, content_type, length)

    def _stream_request(
        self, method, url, body: Callable[[], Iterator[bytes]], content_type: str, length: int, params=None
    ) -> None:
        """Send one streamed body of `length` bytes (`body()` makes a fresh iterator over it).

        The length is always sent (`Content-Length`, never chunked transfer encoding): Virtuoso 7
        does not read a chunked request body (it answers 200 having stored nothing), and proxies
        in front of stores often refuse one.

        Digest authentication answers the first request with a challenge and wants it sent
        again, which a stream cannot be: the challenge is obtained first with a small request, and
        if the server still asks again (a stale nonce) the body is made anew and sent once more."""
        timeout = httpx.Timeout(self.timeout_s, read=self.upload_timeout_s)
        attempts = 2 if self.auth == "digest" and self.user is not None else 1
        for attempt in range(attempts):
            if attempts == 2:
                self._prime_digest()
            try:
                response = self._http.request(
                    method, url, params=params, content=body(),
                    headers={"Content-Type": content_type, "Content-Length": str(length)},
                    timeout=timeout,
                )
                break
            except httpx.StreamConsumed:
                if attempt + 1 == attempts:
                    raise StoreUnavailable(
                        f"the remote store kept asking to authenticate again ({url})", code="store-auth"
                    ) from None
            except httpx.TimeoutException as exc:
                raise StoreUnavailable(
                    f"the remote store did not answer in time ({url})", code="store-timeout"
                ) from exc
            except httpx.TransportError as exc:
                raise StoreUnavailable(
                    f"the remote store is unreachable ({url}): {exc}", code="store-unavailable"
                ) from exc
        if response.status_code == 400:
            raise SyntaxError(response.text[:2000])
        if response.status_code >= 300:
            raise StoreUnavailable(
                f"the remote store refused the upload ({response.status_code}): {response.text[:500]}",
                code="store-error",
            )

    def _prime_digest(self) -> None:
        """A small authenticated read, so that the client holds the server's digest challenge."""
        try:
            self._http.post(
                self.query_url, content=urlencode([("query", "ASK {}")]).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Accept": "application/sparql-results+json"},
            ).read()
        except httpx.HTTPError:
            pass  # the upload itself reports what is wrong

    def drop_graph(self, graph) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def replace_graph(self, graph, triples: Iterable[ox.Triple]) -> None:
        with tempfile.TemporaryFile() as spool:
            ox.serialize(triples, spool, format=ox.RdfFormat.N_TRIPLES)
            self._send_ntriples(graph, spool, replace=True)

    # --- reading -------------------------------------------------------------------------------

    def query(self, sparql, *, bindings=None, default_graph=None, union_default_graph=False) -> QueryResult:
        text = self.bind(sparql, bindings)
        params: list[tuple[str, str]] = []
        if default_graph is not None:
            params += [("default-graph-uri", ox.NamedNode(g).value) for g in (default_graph or [EMPTY_GRAPH])]
            if _USES_GRAPH.search(text):
                # The protocol empties the named graphs when only default-graph-uri is given; the
                # embedded store keeps them all. Name them, so GRAPH patterns behave the same.
                params += [("named-graph-uri", g) for g in sorted(self.graph_names())]
        elif union_default_graph:
            mode = self._union_mode()
            if mode == "param":
                params.append(("union-default-graph", "true"))
            elif mode == "graphs":
                graphs = sorted(self.graph_names())
                params += [("default-graph-uri", g) for g in graphs or [EMPTY_GRAPH]]
                params += [("named-graph-uri", g) for g in graphs]
        return self._read_query(text, params)

    def forward_query(
        self,
        query: str,
        *,
        default_graphs: list[str],
        named_graphs: list[str],
        accept: str,
        timeout_s: float | None = None,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> tuple[str, bytes]:
        """Run a (guarded) user query on the remote store, for the public SPARQL endpoint.

        The dataset is ALWAYS given in the request (`default-graph-uri` / `named-graph-uri`, at
        least `urn:registry:empty`), which per SPARQL 1.1 Protocol §2.1.4 replaces any FROM /
        FROM NAMED of the query: a user cannot reach a graph the caller did not list (drafts, the
        system graph). Returns (media type, body), SPARQL results with portable blank node labels
        (`portable_blank_nodes`); a body over `max_bytes` raises
        `StoreUnavailable(code="result-too-large")`. Not retried on timeout.
        """
        data = [("query", query)]
        data += [("default-graph-uri", ox.NamedNode(g).value) for g in (default_graphs or [EMPTY_GRAPH])]
        data += [("named-graph-uri", ox.NamedNode(g).value) for g in (named_graphs or [EMPTY_GRAPH])]
        timeout = httpx.Timeout(timeout_s or self.timeout_s)

        def call():
            try:
                with self._http.stream(
                    "POST", self.query_url, content=urlencode(data).encode("ascii"), timeout=timeout,
                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                ) as response:
                    if response.status_code in RETRY_STATUS:
                        raise _Transient(f"HTTP {response.status_code}")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise StoreUnavailable("the result is larger than the limit", code="result-too-large")
                        chunks.append(chunk)
                    body = b"".join(chunks)
                    if response.status_code == 400:
                        raise SyntaxError(body.decode("utf-8", "replace")[:2000])
                    if response.status_code >= 300:
                        raise StoreUnavailable(
                            f"the remote store answered {response.status_code}: {body[:300]!r}", code="store-error"
                        )
                    media = response.headers.get("content-type", "").split(";")[0].strip()
                    if media.lower() in _RESULT_FORMATS:  # any store's blank node labels, readable by pyoxigraph
                        body = portable_blank_nodes(body)
                    if media.lower() in _RESULT_FORMATS or media.lower() == "application/n-triples":
                        body = canonical_results(body)  # `true`, not `1`: literals as the embedded store writes them
                    return media, body
            except httpx.TimeoutException as exc:
                raise StoreUnavailable(
                    f"the query ran longer than {timeout_s or self.timeout_s:g} s", code="store-timeout"
                ) from exc
            except httpx.TransportError as exc:
                raise _Transient(exc) from exc

        return self._retrying(call)

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return self._read_query(sparql, [])

    def _read_query(self, text: str, params: list[tuple[str, str]], accept: str | None = None) -> QueryResult:
        if accept is None:
            # Ask for what the query form gives: Virtuoso answers a CONSTRUCT asked with the
            # SPARQL-results Accept in a results-like JSON that is not an RDF syntax.
            accept = _ACCEPT_GRAPH if _is_graph_query(text) else _ACCEPT
        body, content_type, server = self._retrying(lambda: self._post_query(text, params, accept))
        if self._server is None:
            self._server = server or ""
        media = content_type.split(";")[0].strip().lower()
        if media in _RESULT_FORMATS:
            # a JSON token over pyoxigraph's cap is read by Python's JSON parser (registry.rdf)
            readable, fmt = readable_results(canonical_results(portable_blank_nodes(body)), _RESULT_FORMATS[media])
            return ox.parse_query_results(readable, format=fmt)
        if media in _GRAPH_FORMATS:
            return _as_query_triples(canonical_triple(q.triple) for q in ox.parse(body, format=_GRAPH_FORMATS[media]))
        raise StoreUnavailable(f"the remote store answered with an unexpected media type {media!r}", code="store-error")

    def _post_query(self, text: str, params: list[tuple[str, str]], accept: str = _ACCEPT) -> tuple[bytes, str, str]:
        """POST one query, form-encoded (SPARQL 1.1 Protocol §2.1.2: long queries and long
        `default-graph-uri` lists fit). Connection failures and 502/503/504 are transient."""
        form = urlencode([("query", text), *params]).encode("ascii")
        try:
            response = self._http.post(
                self.query_url, content=form,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            )
        except httpx.TimeoutException as exc:
            raise StoreUnavailable(
                f"the remote store did not answer within {self.timeout_s} s", code="store-timeout"
            ) from exc
        except httpx.TransportError as exc:  # refused, reset, cut mid-body
            raise _Transient(exc) from exc
        if response.status_code in RETRY_STATUS:
            raise _Transient(f"HTTP {response.status_code}")
        _raise_for_status(response, self.query_url)
        return response.content, response.headers.get("content-type", ""), response.headers.get("server", "")

    def _retrying(self, call):
        attempt = 0
        while True:
            try:
                return call()
            except _Transient as exc:
                if attempt >= self.retries:
                    cause = exc.args[0] if exc.args else exc
                    raise StoreUnavailable(
                        f"the remote store is unreachable ({self.query_url}) after {attempt + 1} attempts: {cause}",
                        code="store-unavailable",
                    ) from None
                self._sleep(attempt)
                attempt += 1

    def _sleep(self, attempt: int) -> None:
        delay = self.backoff_s * (2**attempt)
        time.sleep(delay + random.uniform(0, delay / 2))

    def _union_mode(self) -> str:
        """How to query the union of the named graphs ('auto': see docs/deployment.md, quirks).

        Oxigraph server takes its `union-default-graph` parameter. Any other store is probed by
        behaviour, not by name: a store whose default graph already is the union of its named
        graphs (Virtuoso, GraphDB, Stardog by default) sees the revision triple, which lives in a
        named graph, without any dataset; the others get the named graphs listed."""
        if self.union_mode != "auto":
            return self.union_mode
        if self._auto_union is None:
            if self._server is None:
                self._read_query("ASK {}", [])
            if (self._server or "").lower().startswith("oxigraph"):
                self._auto_union = "param"
            elif bool(self._read_query(f"ASK {{ <{REVISION_SUBJECT}> <{REVISION_PREDICATE}> ?r }}", [])):
                self._auto_union = "native"
            elif self.revision() is not None:
                self._auto_union = "graphs"
            else:
                return "graphs"  # nothing written yet: listing the graphs is right everywhere; decide later
        return self._auto_union

    def has_graph(self, graph) -> bool:
        # A triple pattern, not `GRAPH <g> { }`: Virtuoso answers true to the empty pattern for any
        # IRI. The registry never keeps an empty graph, so "has a triple" is "exists".
        return bool(self._read_query(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}", []))

    def graph_names(self) -> set[str]:
        if self._graph_listing is None:
            rows = list(self._read_query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", []))
            if all(row["g"] is not None for row in rows):
                self._graph_listing = "empty-pattern"
            else:
                # The store answered the empty pattern with an unbound row (Virtuoso 7): list the
                # graphs through their triples instead (slower on stores that index graphs).
                self._graph_listing = "triple-pattern"
            if self._graph_listing == "empty-pattern":
                return self._registry_graphs(rows)
        query = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
            if self._graph_listing == "empty-pattern"
            # GROUP BY, not DISTINCT: Virtuoso 7.2 never finishes `SELECT DISTINCT ?g` over all
            # quads once a store holds a few thousand triples (quirk table, docs/deployment.md)
            else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return self._registry_graphs(self._read_query(query, []))

    @staticmethod
    def _registry_graphs(rows) -> set[str]:
        return {
            row["g"].value
            for row in rows
            if isinstance(row["g"], ox.NamedNode) and row["g"].value != COORDINATION_GRAPH
        }

    def triples(self, graph) -> Iterator[ox.Triple]:
        if self._keeps_double_digits():
            yield from self._stored_triples(graph)
            return
        # The store writes doubles and floats with fewer digits than it keeps (Virtuoso 7.2: six,
        # `1.570796327` as `1.5708`; docs/deployment.md, quirk table): put back the digits it gives
        # as the lexical form (`STR`), so a graph read is the graph written on every store. The
        # digits are asked for at the graph's first double or float only: most graphs have none,
        # and are read in one request.
        precise: dict[ox.Literal, ox.Literal] | None = None
        collided = False
        for t in self._stored_triples(graph):
            if not _is_inexact(t.object):
                yield t
                continue
            if collided:
                continue
            if precise is None:
                precise = self._precise_numbers(graph)
                if precise is None:  # two numbers written alike: those are read with their own digits
                    collided = True
                    continue
            yield ox.Triple(t.subject, t.predicate, precise.get(t.object, t.object))
        if collided:
            yield from self._inexact_triples_with_digits(graph)

    def _stored_triples(self, graph) -> Iterator[ox.Triple]:
        g = ox.NamedNode(graph)
        if self.gsp_url is None:
            yield from self._read_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}", [])
            return
        response = self._retrying(lambda: self._gsp_get(graph))
        if response is None:
            return
        try:
            media = response.headers.get("content-type", "application/n-triples").split(";")[0].strip().lower()
            fmt = _GRAPH_FORMATS.get(media, ox.RdfFormat.N_TRIPLES)
            for quad in ox.parse(_ResponseReader(response), format=fmt):
                yield canonical_triple(quad.triple)
        finally:
            response.close()

    def _keeps_double_digits(self) -> bool:
        """Whether the store writes a double with all its digits (probed once, by behaviour)."""
        if self._faithful_doubles is None:
            rows = self._read_query(f'SELECT ?d WHERE {{ VALUES ?d {{ "{_DOUBLE_PROBE}"^^<{XSD}double> }} }}', [])
            written = [row["d"] for row in rows]
            self._faithful_doubles = bool(written) and _as_float(written[0]) == float(_DOUBLE_PROBE)
        return self._faithful_doubles

    def _precise_numbers(self, graph) -> dict[ox.Literal, ox.Literal] | None:
        """The graph's doubles and floats: as the store writes them -> with the digits it keeps;
        None when two different numbers are written alike."""
        rows = self._read_query(
            f"SELECT DISTINCT ?o (STR(?o) AS ?lex) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o "
            f"FILTER(isLiteral(?o) && (DATATYPE(?o) = <{XSD}double> || DATATYPE(?o) = <{XSD}float>)) }} }}", []
        )
        precise: dict[ox.Literal, ox.Literal] = {}
        for row in rows:
            written, lexical = row["o"], row["lex"]
            if not isinstance(written, ox.Literal) or lexical is None:
                continue
            value = _with_digits(written, lexical.value)
            if precise.setdefault(written, value) != value:
                return None
        return precise

    def _inexact_triples_with_digits(self, graph) -> Iterator[ox.Triple]:
        """The graph's triples whose object is a double or a float, each with its own digits."""
        rows = self._read_query(
            f"SELECT ?s ?p ?o (STR(?o) AS ?lex) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o "
            f"FILTER(isLiteral(?o) && (DATATYPE(?o) = <{XSD}double> || DATATYPE(?o) = <{XSD}float>)) }} }}", []
        )
        for row in rows:
            obj = row["o"]
            if _is_inexact(obj) and row["lex"] is not None:
                obj = _with_digits(obj, row["lex"].value)
            yield ox.Triple(row["s"], row["p"], obj)

    def _gsp_get(self, graph: str) -> httpx.Response | None:
        request = self._http.build_request(
            "GET", self.gsp_url, params={"graph": graph}, headers={"Accept": "application/n-triples"}
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise StoreUnavailable(f"the remote store did not answer within {self.timeout_s} s", code="store-timeout") from exc
        except httpx.TransportError as exc:
            raise _Transient(exc) from exc
        if response.status_code == 404:
            response.close()
            return None
        if response.status_code in RETRY_STATUS:
            response.close()
            raise _Transient(f"HTTP {response.status_code}")
        if response.status_code >= 300:
            response.read()
            response.close()
            raise StoreUnavailable(
                f"the remote store answered {response.status_code} to a graph read: {response.text[:300]}",
                code="store-error",
            )
        return response

    def dump(self, output: IO[bytes], fmt, graphs) -> None:
        def quads():
            for graph in graphs:
                g = ox.NamedNode(graph)
                for t in self.triples(graph):
                    yield ox.Quad(t.subject, t.predicate, t.object, g)

        ox.serialize(quads(), output, format=fmt)

    def close(self) -> None:
        if self._closed:
            return
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        self._closed = True
        self._http.close()

    # --- helpers -------------------------------------------------------------------------------


class _ResponseReader(io.RawIOBase):
    """A file-like view of a streamed httpx response, for pyoxigraph's streaming parser."""

    def __init__(self, response: httpx.Response):
        self._chunks = response.iter_bytes(CHUNK)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def _rewound(spool: IO[bytes]) -> IO[bytes]:
    spool.seek(0)
    return spool


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    while True:
        block = spool.read(CHUNK)
        if not block:
            return
        yield block


def _as_query_triples(triples) -> ox.QueryTriples:
    """Wrap parsed triples in pyoxigraph's own `QueryTriples` (as the embedded store returns)."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def _as_float(term) -> float | None:
    try:
        return float(term.value) if isinstance(term, ox.Literal) else None
    except ValueError:
        return None


def _is_inexact(term) -> bool:
    """A double or a float: the literals a store may write with fewer digits than it keeps."""
    return isinstance(term, ox.Literal) and term.datatype.value in _INEXACT


def _with_digits(written: ox.Literal, lexical: str) -> ox.Literal:
    """A double or float with the digits of its lexical form, in the embedded store's form."""
    datatype = written.datatype
    return ox.Literal(canonical_value(lexical, datatype.value), datatype=datatype)


def _on_host(query_url: str, url: str | None) -> str | None:
    """An endpoint setting given as a path (`/sparql-graph-crud-auth`) is on the query URL's host."""
    if url is None or not url.startswith("/"):
        return url
    parts = urlsplit(query_url)
    return urlunsplit((parts.scheme, parts.netloc, url, "", ""))


def _sibling(url: str, name: str) -> str | None:
    """`…/query` → `…/<name>` (Oxigraph server's layout); None for any other URL."""
    parts = urlsplit(url)
    if not parts.path.endswith("/query"):
        return None
    return urlunsplit(parts._replace(path=parts.path[: -len("query")] + name, query=""))


def _is_refused(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return "refused" in str(exc).lower()


def _raise_for_status(response: httpx.Response, url: str) -> None:
    """The one mapping of a store's HTTP answer to the registry's errors."""
    status = response.status_code
    if status < 300:
        return
    text = response.text[:2000]
    if status == 400:
        raise SyntaxError(text)
    if status in (401, 403):
        raise StoreUnavailable(f"the remote store refused the registry's credentials ({url})", code="store-auth")
    if status == 404:
        raise StoreUnavailable(f"no SPARQL endpoint at {url}", code="store-not-found")
    raise StoreUnavailable(f"the remote store failed ({url}): HTTP {status}: {text[:500]}", code="store-error")


def _transport_failure(exc: httpx.TransportError, url: str) -> StoreUnavailable:
    if isinstance(exc, httpx.TimeoutException):
        return StoreUnavailable(f"the remote store did not answer in time ({url})", code="store-timeout")
    return StoreUnavailable(f"the remote store is unreachable ({url}): {exc}", code="store-unavailable")


__all__ = ["RemoteSparqlStore"]
