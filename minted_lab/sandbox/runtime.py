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
from minted_lab.sandbox.ratelimit import RateLimiter


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it (`status` None when the connection was dropped)."""

    endpoint: str | None
    method: str
    path: str
    status: int | None
    user: str | None
    at: datetime
    fault: str | None = None


@dataclass
class Runtime:
    """Clock, market, book, auth, faults, rate limit and the request log."""

    clock: SandboxClock
    market: Market
    book: Book
    auth: DigestAuthority
    faults: Faults
    limiter: RateLimiter | None
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
