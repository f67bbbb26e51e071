"""Search indexes persisted beside the store (issue 16, item 7), so that the first search after a
restart does not rebuild a version's index (7.5 s at 1M triples).

A published version's concepts graph never changes, so its index never goes stale: the file is
named by a digest of what identifies that content (version IRI, concepts graph, content hash).
The file is the index itself (`IndexBuilder.write`: flat arrays and UTF-8 blobs), opened with
`mmap` and read in place (`VersionIndex.open`): opening it costs well under a millisecond at any
size, nothing is unpickled or decoded up front.

Files are written whole or not at all: written into a temporary file in the same directory,
flushed and fsynced, then renamed over the final name (`os.replace`, atomic on POSIX), and the
directory fsynced. A kill -9 at any moment leaves the old state (no file: the index is built
again) or the complete file, never a partial one; a file that cannot be read (another format
version, a disk error) is removed and the index rebuilt. A file is checked when opened: its
magic, its end marker, its footer's length and format, and that it is the index of the version
asked for.
"""

from __future__ import annotations

import hashlib
import logging
import os
import mmap
import time
from pathlib import Path

from registry.vocab.index import FORMAT, IndexBuilder, VersionIndex

log = logging.getLogger("registry.vocab.persist")

__all__ = ["FORMAT", "IndexFiles", "index_dir"]
_STALE_TMP_S = 3600


def index_dir(settings) -> Path | None:
    """Where indexes are persisted for these settings (None: not persisted)."""
    configured = getattr(settings, "vocab_index_dir", None)
    if configured is not None:
        return Path(configured) if configured else None
    store = settings.store
    if store == ":memory:" or "://" in store:
        return None
    return Path(store.rstrip("/") + ".vocab-index")


class IndexFiles:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._clean_temporary()

    def path(self, version_iri: str, graph: str, content: str | None) -> Path:
        key = hashlib.sha256(f"{version_iri}\n{graph}\n{content or ''}".encode()).hexdigest()
        return self.directory / f"{key}.index"

    def load(self, version_iri: str, graph: str, content: str | None, *, populate: bool = False) -> VersionIndex | None:
        """The index of a version from its file (None: no file, or an unreadable one, removed).
        `populate`: map every page of the file now (MAP_POPULATE, Linux), at start-up, instead of
        a page fault at each page the first searches touch (the first search after a restart
        paid up to hundreds of milliseconds for them at 1M triples under load)."""
        path = self.path(version_iri, graph, content)
        try:
            with path.open("rb") as f:
                if populate and hasattr(mmap, "MAP_POPULATE"):
                    mapped = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
                else:
                    mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            index = VersionIndex.open(mapped)
            if index.version_iri != version_iri or index.graph != graph:
                raise ValueError("the index of another version")
            return index
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - unreadable: rebuild it
            log.warning("index file %s unreadable (%s): rebuilding", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def save(self, version_iri: str, graph: str, content: str | None, builder: IndexBuilder) -> VersionIndex:
        """Write the index file whole (temporary file, fsync, rename, fsync of the directory) and
        return the index read from it."""
        return self.activate(self.write_temporary(version_iri, graph, content, builder), version_iri, graph, content)

    def write_temporary(self, version_iri: str, graph: str, content: str | None, builder: IndexBuilder) -> Path:
        """Write the index file under a temporary name (flushed and fsynced), which no `load`
        reads: a publication writes it before its commit, `activate` makes it live after."""
        path = self.path(version_iri, graph, content)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            with tmp.open("wb") as f:
                builder.write(f)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def activate(self, tmp: Path, version_iri: str, graph: str, content: str | None) -> VersionIndex:
        """Rename a file of `write_temporary` over its final name (atomic), fsync the directory,
        and return the index read from it."""
        path = self.path(version_iri, graph, content)
        try:
            os.replace(tmp, path)
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            tmp.unlink(missing_ok=True)
        with path.open("rb") as f:
            return VersionIndex.open(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))

    def _clean_temporary(self) -> None:
        """Temporary files a killed writer left (old enough that no live writer owns them)."""
        now = time.time()
        for tmp in self.directory.glob("*.tmp"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TMP_S:
                    tmp.unlink()
            except OSError:
                pass
