"""Runtime settings. Built once (by the CLI or the app factory) and passed down; no global instance."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry.nesting import DEFAULT_MAX_NESTING_DEPTH, MAX_NESTING_DEPTH_CEILING

MiB = 1024 * 1024


def normalise_base_iri(value: str) -> str:
    """A base IRI as every minted IRI uses it: http(s), ending with '/'."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("base_iri must be an http(s) IRI")
    return value if value.endswith("/") else value + "/"


class Settings(BaseSettings):
    """Every setting can be given as an environment variable `REGISTRY_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    base_iri: str = Field(
        "http://localhost:8000/",
        description="Every IRI the registry mints starts with this; set it to the public URL.",
    )
    store: str = Field(
        "./registry-data",
        description="Embedded store directory, ':memory:' for a throw-away in-memory store, "
        "or 'sparql+http(s)://…' for a remote SPARQL 1.1 store.",
    )
    load_bundled: bool = Field(True, description="Load the bundled profiles and vocabularies into an empty store.")
    bundled_dir: Path | None = Field(None, description="Folder with shapes/ and vocabularies/ (default: the bundled one).")

    # --- remote SPARQL 1.1 store (REGISTRY_STORE=sparql+http(s)://…; see docs/deployment.md) ---
    store_update_url: str | None = Field(
        None,
        description="SPARQL Update endpoint (default: the query URL with /query → /update, else the query URL); "
        "a path alone (/update) is on the query URL's host.",
    )
    store_gsp_url: str | None = Field(
        None,
        description="Graph Store Protocol endpoint (default: /query → /store, as Oxigraph server); "
        "'none' uploads with a streamed INSERT through the update endpoint instead; a path alone "
        "(/sparql-graph-crud-auth) is on the query URL's host.",
    )
    store_user: str | None = Field(None, description="User for HTTP authentication to the remote store.")
    store_password: str | None = Field(None, description="Password for HTTP authentication to the remote store.")
    store_auth: str = Field("basic", description="HTTP authentication scheme: basic or digest.")
    store_timeout_s: float = Field(30.0, description="Timeout of one request to the remote store (uploads: per chunk).")
    store_retries: int = Field(3, description="Retries (exponential backoff) of an idempotent read on a connection error or 502/503/504.")
    store_union_default_graph: str = Field(
        "auto",
        description="How a query over all graphs is sent: 'param' (Oxigraph's union-default-graph parameter), "
        "'graphs' (one default-graph-uri per named graph), 'native' (the store's default graph is the union), "
        "'auto' (param on Oxigraph server, else graphs).",
    )
    store_lock_ttl_s: float = Field(60.0, description="Lifetime of the writer lease held in the remote store (renewed while held).")
    store_lock_wait_s: float = Field(600.0, description="How long a writer waits for the lease before answering 503.")
    store_revision_ttl_s: float = Field(
        0.0, description="How long a worker trusts its last read of the store revision (0: read it at every cache check)."
    )

    max_body_bytes: int = Field(10 * MiB, description="Largest request body for records and profiles.")
    max_vocabulary_bytes: int = Field(1024 * MiB, description="Largest vocabulary upload.")
    max_triples_per_record: int = 100_000
    max_records_per_batch: int = 10_000
    max_nesting_depth: int = Field(
        DEFAULT_MAX_NESTING_DEPTH, ge=8, le=MAX_NESTING_DEPTH_CEILING,
        description="Deepest nesting accepted in an uploaded document (JSON arrays/objects, Turtle collections "
        "and blank-node lists, RDF/XML elements); deeper documents get a 422 `nesting-too-deep` before any "
        "parser sees them (issue 12: deep JSON-LD overflowed the parser's stack). RDF/XML is also capped by "
        "libxml2 at 256.",
    )
    validation_timeout_s: float = 30.0
    query_timeout_s: float = 30.0
    query_max_rows: int = 100_000
    query_max_concurrency_per_client: int = 4
    query_workers: int = 2
    query_memory_mb: int = Field(2048, description="Address-space cap of a SPARQL query worker process.")
    query_max_bytes: int = Field(64 * MiB, description="Largest SPARQL result body.")
    validation_workers: int | None = Field(None, description="Validation worker processes (default: min(4, CPUs)).")
    vocab_index_dir: str | None = Field(
        None,
        description="Where vocabulary search indexes are persisted (default: '<store>.vocab-index' beside an "
        "embedded store; none for ':memory:' or a remote store unless set). Empty string: do not persist.",
    )
    validation_extra_workers: int = Field(
        2, description="Validation workers started beyond validation_workers while a client waits and every worker is "
        "lent to other clients (one client never holds more than validation_workers).",
    )
    validation_max_concurrency_per_client: int = Field(
        4, description="Validation requests (single records or batches) in flight per client; the next gets 429.",
    )

    @property
    def validation_worker_count(self) -> int:
        """The validation pool's size: `validation_workers`, else min(4, CPUs)."""
        return max(1, self.validation_workers or min(4, os.cpu_count() or 1))

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        return normalise_base_iri(value)

    @property
    def store_is_memory(self) -> bool:
        return self.store == ":memory:"

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("sparql+http://", "sparql+https://"))
