"""The sandbox clock: frozen or running, always movable by `advance`, so tests never sleep."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")
DEFAULT_START = datetime(2026, 11, 2, 9, 30, 0, tzinfo=ISTANBUL)


class SandboxClock:
    """Sandbox time: `start` plus every `advance`, plus wall time when the mode is "running"."""

    def __init__(self, start: datetime | None = None, mode: str = "frozen") -> None:
        if mode not in ("frozen", "running"):
            raise ValueError(f"clock mode must be 'frozen' or 'running', not {mode!r}")
        start = DEFAULT_START if start is None else start
        if start.tzinfo is None:
            start = start.replace(tzinfo=ISTANBUL)
        self._start = start.astimezone(ISTANBUL)
        self._mode = mode
        self._offset = 0.0
        self._wall0 = time.monotonic()
        self._lock = threading.Lock()

    @property
    def start(self) -> datetime:
        """The instant the sandbox opened (aware, Europe/Istanbul)."""
        return self._start

    @property
    def mode(self) -> str:
        """ "frozen" or "running"."""
        return self._mode

    def elapsed(self) -> float:
        """Seconds of sandbox time since `start`."""
        with self._lock:
            wall = time.monotonic() - self._wall0 if self._mode == "running" else 0.0
            return self._offset + wall

    def now(self) -> datetime:
        """The current sandbox time, aware, in Europe/Istanbul."""
        return self._start + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> None:
        """Move sandbox time forward (never backward)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += float(seconds)

    def __repr__(self) -> str:
        return f"SandboxClock(mode={self._mode!r}, now={self.now().isoformat()})"
