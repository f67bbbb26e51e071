"""Sharing worker pools between clients: a per-client cap and a fair queue (issue 12, item 8).

Both pools of killable worker processes (SPARQL queries, `registry/sparql/pool.py`; record
validation, `registry/validation/pool.py`) use these two pieces, so that one client can never take
the service from the others:

* `ClientLimiter`: at most `limit` requests in flight per client (the client's address, see
  `registry.web.deps.client_key`); the next one is refused at once with 429 + Retry-After instead
  of queueing behind its own work.
* `FairQueue`: the requests waiting for a worker, one FIFO per client, served round-robin across
  clients: when a worker frees up it goes to the next *client* in turn, not to the oldest request.
  A client that sent fifty requests (or whose batch asks for a worker before every chunk) waits its
  turn like a client that sent one, so another client's single request is served after at most
  one request of each other waiting client.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Generic, TypeVar

from registry.errors import TooManyRequests

T = TypeVar("T")


class ClientCounts:
    """How many of something each client holds (requests in flight, workers lent). A client whose
    count falls to 0 leaves the table, which stays as small as the number of active clients.

    Not locked: the caller holds its own lock."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def __getitem__(self, client: str) -> int:
        return self._counts.get(client, 0)

    def __len__(self) -> int:
        return len(self._counts)

    def add(self, client: str) -> None:
        self._counts[client] = self._counts.get(client, 0) + 1

    def remove(self, client: str) -> None:
        count = self._counts.get(client, 1) - 1
        if count <= 0:
            self._counts.pop(client, None)
        else:
            self._counts[client] = count


class ClientLimiter:
    """At most `limit` requests in flight per client; the next one gets 429 + Retry-After.
    Thread-safe (entered on the event loop, left from a worker thread at the end of a stream)."""

    def __init__(self, limit: int, *, what: str = "queries", code: str = "sparql-concurrency"):
        self.limit = max(1, limit)
        self.what = what
        self.code = code
        self.in_flight = ClientCounts()
        self._lock = threading.Lock()

    def enter(self, client: str) -> None:
        with self._lock:
            if self.in_flight[client] >= self.limit:
                raise TooManyRequests(
                    f"at most {self.limit} {self.what} at a time per client; retry when one has finished",
                    code=self.code,
                    retry_after=1,
                )
            self.in_flight.add(client)

    def leave(self, client: str) -> None:
        with self._lock:
            self.in_flight.remove(client)


class FairQueue(Generic[T]):
    """Waiting items (futures, events...), FIFO per client, handed out round-robin across clients.

    Not locked: the caller holds its pool's lock (or runs on the event loop)."""

    def __init__(self) -> None:
        self._queues: OrderedDict[str, deque[T]] = OrderedDict()  # order = whose turn is next
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def push(self, client: str, item: T) -> None:
        queue = self._queues.get(client)
        if queue is None:
            queue = self._queues[client] = deque()  # a newcomer's turn comes after those already waiting
        queue.append(item)
        self._size += 1

    def remove(self, client: str, item: T) -> bool:
        """Take back an item that is still waiting (its caller gave up); False if it is not there."""
        queue = self._queues.get(client)
        if not queue:
            return False
        try:
            queue.remove(item)
        except ValueError:
            return False
        self._size -= 1
        if not queue:
            del self._queues[client]
        return True

    def any(self, eligible: Callable[[str], bool]) -> bool:
        """Whether a waiting client may be served now."""
        return any(eligible(client) for client in self._queues)

    def pop(self, eligible: Callable[[str], bool] | None = None) -> tuple[str, T] | None:
        """The oldest item of the next client in turn (among those `eligible` says may be served
        now); that client's turn then goes to the back of the round. None if nobody may be served."""
        for client in list(self._queues):
            if eligible is not None and not eligible(client):
                continue
            queue = self._queues.pop(client)
            item = queue.popleft()
            self._size -= 1
            if queue:
                self._queues[client] = queue  # back of the round
            return client, item
        return None

    def items(self) -> list[T]:
        return [item for queue in self._queues.values() for item in queue]
