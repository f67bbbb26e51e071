"""What several registry processes sharing one remote store coordinate through the store itself:
the writer lease and the revision (see `registry.store.sparql` for the store they serve).

Both live in their own graph `urn:registry:coordination`, which the remote store's
`graph_names()` leaves out (so `recover()` never drops it; exports and snapshots never show it):

* the *writer lease* (`WriterLease`): `writing()` takes the in-process lock, then a lease claim
  `<urn:registry:lease:UUID> reg:leaseExpires <epoch seconds>` written by a conditional update
  and checked by reading the live claims back (so stores without serialisable updates are safe
  too); a background thread renews it while held; an expired claim (a crashed worker) is taken over;
* the *revision* (`Revisions`): every update the remote store sends carries, in the same request,
  a change of `<urn:registry:revision> reg:revision "UUID"` (`revision_update`). The store's
  `generation` reads it (cheaply) and moves when another process wrote, so per-process caches
  keyed on `generation` never serve stale data.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import pyoxigraph as ox

from registry.errors import StoreUnavailable

log = logging.getLogger(__name__)

REG_NS = "https://w3id.org/profile-registry/ns#"
REVISION_SUBJECT = "urn:registry:revision"
REVISION_PREDICATE = REG_NS + "revision"
LEASE_PREFIX = "urn:registry:lease:"
LEASE_PREDICATE = REG_NS + "leaseExpires"
COORDINATION_GRAPH = "urn:registry:coordination"
_SYS = f"<{COORDINATION_GRAPH}>"
REVISION_READ = f"SELECT ?r WHERE {{ GRAPH {_SYS} {{ <{REVISION_SUBJECT}> <{REVISION_PREDICATE}> ?r }} }}"


class LeaseHolder(Protocol):
    """What the lease needs of its store: raw updates and reads, and the lease timing."""

    lock_ttl_s: float
    lock_wait_s: float

    def _raw_update(self, sparql: str) -> None: ...

    def _read_query(self, text: str, params: list[tuple[str, str]], accept: str | None = None): ...


def revision_update(revision: str) -> str:
    """The operations that set the store's revision to `revision` (appended to every update)."""
    return (
        f"DELETE WHERE {{ GRAPH {_SYS} {{ <{REVISION_SUBJECT}> <{REVISION_PREDICATE}> ?r }} }} ;\n"
        f'INSERT DATA {{ GRAPH {_SYS} {{ <{REVISION_SUBJECT}> <{REVISION_PREDICATE}> "{revision}" }} }}'
    )


def new_revision() -> str:
    return str(uuid.uuid4())


def _decimal(value: float) -> str:
    return f"{value:.3f}"


class Revisions:
    """The store's revision as this process last saw it, and the generation counting its changes.

    `read()` asks the store for its revision (None: nothing written yet); it is asked at most once
    per `ttl_s` seconds (0: every time `generation()` is called)."""

    def __init__(self, read: Callable[[], str | None], ttl_s: float):
        self._read = read
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self.last: str | None = None
        self._checked = 0.0
        self._generation = 0

    def generation(self, *, look: bool = True) -> int:
        now = time.monotonic()
        if look and (self.ttl_s <= 0 or now - self._checked >= self.ttl_s):
            try:
                revision = self._read()
            except StoreUnavailable:
                revision = self.last  # reads will fail loudly anyway
            with self._lock:
                self._checked = now
                if revision != self.last:
                    self.last = revision
                    self._generation += 1
        return self._generation

    def set_generation(self, value: int) -> None:
        with self._lock:
            self._generation = value

    def saw_own(self, revision: str) -> None:
        """This process wrote `revision`: no need to read it back."""
        with self._lock:
            self.last = revision
            self._checked = time.monotonic()
            self._generation += 1


class WriterLease:
    """The store-wide writer lease (see the module docstring)."""

    def __init__(self, store: LeaseHolder):
        self.store = store
        self.claim = ox.NamedNode(LEASE_PREFIX + str(uuid.uuid4()))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def acquire(self) -> None:
        store = self.store
        deadline = time.monotonic() + store.lock_wait_s
        delay = 0.02
        while True:
            now = time.time()
            expires = _decimal(now + store.lock_ttl_s)
            # Drop expired claims, then add ours unless a live claim exists: two operations of one
            # request, each with a plain WHERE (Virtuoso 7 matches nothing when one DELETE/INSERT
            # combines an OPTIONAL with FILTER NOT EXISTS, so the claim was never written).
            store._raw_update(
                f"""DELETE {{ GRAPH {_SYS} {{ ?old <{LEASE_PREDICATE}> ?e }} }}
                WHERE {{ GRAPH {_SYS} {{ ?old <{LEASE_PREDICATE}> ?e FILTER(?e < {_decimal(now)}) }} }} ;
                INSERT {{ GRAPH {_SYS} {{ {self.claim} <{LEASE_PREDICATE}> {expires} }} }}
                WHERE {{
                  FILTER NOT EXISTS {{ GRAPH {_SYS} {{ ?live <{LEASE_PREDICATE}> ?x FILTER(?x >= {_decimal(now)}) }} }}
                }}"""
            )
            live = self._live_claims(now)
            if live == [self.claim.value]:
                self._start_renewal()
                return
            if self.claim.value in live:  # two writers claimed at once: both step back
                self._delete_claim()
            if time.monotonic() > deadline:
                raise StoreUnavailable(
                    "another registry process holds the store's writer lease; try again later",
                    code="store-busy",
                )
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 1.0)

    def _live_claims(self, now: float) -> list[str]:
        rows = self.store._read_query(
            f"SELECT ?c WHERE {{ GRAPH {_SYS} {{ ?c <{LEASE_PREDICATE}> ?e FILTER(?e >= {_decimal(now)}) }} }}", []
        )
        return sorted(row["c"].value for row in rows)

    def _delete_claim(self) -> None:
        self.store._raw_update(f"DELETE WHERE {{ GRAPH {_SYS} {{ {self.claim} <{LEASE_PREDICATE}> ?e }} }}")

    def _start_renewal(self) -> None:
        self._thread = threading.Thread(target=self._renew, name="registry-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        interval = max(self.store.lock_ttl_s / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                expires = _decimal(time.time() + self.store.lock_ttl_s)
                self.store._raw_update(
                    f"""DELETE {{ GRAPH {_SYS} {{ {self.claim} <{LEASE_PREDICATE}> ?e }} }}
                    INSERT {{ GRAPH {_SYS} {{ {self.claim} <{LEASE_PREDICATE}> {expires} }} }}
                    WHERE {{ GRAPH {_SYS} {{ {self.claim} <{LEASE_PREDICATE}> ?e }} }}"""
                )
            except Exception as exc:  # the store is down: the writer's own requests will fail
                log.warning("could not renew the writer lease: %s", exc)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self._delete_claim()
        except Exception as exc:
            log.warning("could not release the writer lease (it expires by itself): %s", exc)
