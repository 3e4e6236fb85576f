"""A per-user sliding-window rate limit (off unless configured)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` requests per `per` seconds of wall time for each user."""

    def __init__(self, limit: int, per: float) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("rate_limit must be (requests >= 1, seconds > 0)")
        self.limit = int(limit)
        self.per = float(per)
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, user: str) -> int | None:
        """None if the request may pass (and count it), else whole seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(user, deque())
            while hits and hits[0] <= now - self.per:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.per - now))
            hits.append(now)
            return None
