"""Search indexes persisted beside the store (issue 16, item 7), so that the first search after a
restart does not rebuild a version's index (7.5 s at 1M triples).

A published version's concepts graph never changes, so its index never goes stale: the file is
named by a digest of what identifies that content (version IRI, concepts graph, content hash).
Files are written whole or not at all: pickled into a temporary file in the same directory,
flushed and fsynced, then renamed over the final name (`os.replace`, atomic on POSIX), and the
directory fsynced. A kill -9 at any moment leaves the old state (no file: the index is built
again) or the complete file, never a partial one; a file that cannot be read (another format
version, a disk error) is removed and the index rebuilt.

The files are the registry's own derived data in a directory only it writes (`vocab_index_dir`);
pickle is acceptable there and nowhere else (never for data a user sends).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from pathlib import Path

from registry.vocab.index import VersionIndex

log = logging.getLogger("registry.vocab.persist")

#: Bump when VersionIndex's layout changes: older files are then ignored and rebuilt.
FORMAT = 2
_MAGIC = b"registry-vocab-index\n"
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

    def load(self, version_iri: str, graph: str, content: str | None) -> VersionIndex | None:
        path = self.path(version_iri, graph, content)
        try:
            with path.open("rb") as f:
                if f.read(len(_MAGIC)) != _MAGIC:
                    raise ValueError("not an index file")
                fmt, iri, index = pickle.load(f)
            if fmt != FORMAT or iri != version_iri or not isinstance(index, VersionIndex):
                raise ValueError("another format or version")
            return index
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - unreadable: rebuild it
            log.warning("index file %s unreadable (%s): rebuilding", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    def save(self, version_iri: str, graph: str, content: str | None, index: VersionIndex) -> Path:
        path = self.path(version_iri, graph, content)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            with tmp.open("wb") as f:
                f.write(_MAGIC)
                pickle.dump((FORMAT, version_iri, index), f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _clean_temporary(self) -> None:
        """Temporary files a killed writer left (old enough that no live writer owns them)."""
        now = time.time()
        for tmp in self.directory.glob("*.tmp"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TMP_S:
                    tmp.unlink()
            except OSError:
                pass
