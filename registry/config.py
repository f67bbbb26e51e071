"""Runtime settings. Built once (by the CLI or the app factory) and passed down; no global instance."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


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

    max_body_bytes: int = Field(10 * MiB, description="Largest request body for records and profiles.")
    max_vocabulary_bytes: int = Field(1024 * MiB, description="Largest vocabulary upload.")
    max_triples_per_record: int = 100_000
    max_records_per_batch: int = 10_000
    validation_timeout_s: float = 30.0
    query_timeout_s: float = 30.0
    query_max_rows: int = 100_000
    query_max_concurrency_per_client: int = 4
    query_workers: int = 2

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_iri must be an http(s) IRI")
        return value if value.endswith("/") else value + "/"

    @property
    def store_is_memory(self) -> bool:
        return self.store == ":memory:"

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("sparql+http://", "sparql+https://"))
