"""Everything a running sandbox shares between its HTTP layer and its Python API."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from minted_lab.sandbox.auth import DigestAuthority
from minted_lab.sandbox.book import Book
from minted_lab.sandbox.clock import SandboxClock
from minted_lab.sandbox.faults import Faults
from minted_lab.sandbox.market import Market
from minted_lab.sandbox.profiles import DEFAULT, Profile
from minted_lab.sandbox.ratelimit import RateLimiter


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it (`status` None when the connection was dropped).

    `body` holds the raw request bytes of sell and buy requests (None for other endpoints, and for
    bodies over the size limit), so a test can compare what a client journaled with what arrived.
    """

    endpoint: str | None
    method: str
    path: str
    status: int | None
    user: str | None
    at: datetime
    fault: str | None = None
    body: bytes | None = None


class InFlight:
    """How many requests the app is handling right now, with a wait for the count to reach zero."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def enter(self) -> None:
        """A request reached the app."""
        with self._changed:
            self._count += 1

    def leave(self) -> None:
        """A request is done (answered, dropped or abandoned by its client)."""
        with self._changed:
            self._count -= 1
            if self._count == 0:
                self._changed.notify_all()

    @property
    def count(self) -> int:
        """Requests being handled now."""
        with self._changed:
            return self._count

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is being handled; False when `timeout` seconds pass first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


@dataclass
class Runtime:
    """Clock, market, book, auth, faults, rate limit, error style, profile, requests in flight and the request log."""

    clock: SandboxClock
    market: Market
    book: Book
    auth: DigestAuthority
    faults: Faults
    limiter: RateLimiter | None
    error_fields: bool = True
    profile: Profile = DEFAULT
    in_flight: InFlight = field(default_factory=InFlight)
    records: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=200_000))
    records_lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: RequestRecord) -> None:
        """Append to the request log (the newest 200 000 are kept)."""
        with self.records_lock:
            self.records.append(entry)

    def recorded(self) -> list[RequestRecord]:
        """A copy of the request log, safe while the server appends."""
        with self.records_lock:
            return list(self.records)
