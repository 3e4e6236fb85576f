"""The in-flight guard: one sender per ``external_id`` at a time, across threads and processes.

A lock file per intent beside the ledger, held with the ``filelock`` package (``flock`` on POSIX,
``msvcrt`` on Windows), so the guard holds on every platform analysts use. The OS drops the lock
of a killed process, so its intent becomes resolvable.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import filelock

from minted_lab.ledger.errors import LedgerBusyError, translate

__all__ = ["InFlightGuard"]


class InFlightGuard:
    """Non-blocking exclusive locks named by external id, in ``<ledger>.inflight/``."""

    def __init__(self, ledger_path: Path) -> None:
        self.ledger_path = ledger_path
        self.directory = ledger_path.with_name(ledger_path.name + ".inflight")

    def _lock(self, external_id: str) -> filelock.BaseFileLock | None:
        try:
            self.directory.mkdir(exist_ok=True)
            lock = filelock.FileLock(
                self.directory / re.sub(r"[^A-Za-z0-9_-]", "_", external_id), timeout=0, thread_local=False
            )
            lock.acquire()
        except filelock.Timeout:
            return None
        except OSError as exc:
            raise translate(exc, self.ledger_path, f"locking {external_id} for sending") from None
        return lock

    @contextlib.contextmanager
    def hold(self, external_id: str, *, busy: str = "is being sent or resolved elsewhere") -> Iterator[None]:
        """Hold the intent's lock for the block; :class:`LedgerBusyError` when someone else holds it."""
        lock = self._lock(external_id)
        if lock is None:
            raise LedgerBusyError(f"{external_id} {busy}")
        try:
            yield
        finally:
            lock.release()

    def is_held(self, external_id: str) -> bool:
        """True while some thread or process holds the intent's lock."""
        lock = self._lock(external_id)
        if lock is None:
            return True
        lock.release()
        return False
