"""Everything a running sandbox shares between its HTTP layer and its Python API."""

from __future__ import annotations

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
