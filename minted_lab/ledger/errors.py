"""Every way the ledger can fail, in plain words, each its own class so a form can say which."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from minted_lab.errors import MintedError

__all__ = [
    "ExternalIdConflictError",
    "LedgerBusyError",
    "LedgerCorruptError",
    "LedgerDiskFullError",
    "LedgerError",
    "LedgerLockedError",
    "LedgerMismatchError",
    "LedgerReadOnlyError",
    "translate",
]


class LedgerError(MintedError):
    """The ledger cannot do what was asked; nothing was sent because of it."""


class LedgerMismatchError(LedgerError):
    """The ledger belongs to another environment or API host than the client handed to it."""


class LedgerBusyError(LedgerError):
    """An intent is being sent right now by another thread or process; try again once it settles."""


class LedgerCorruptError(LedgerError):
    """The ledger file is damaged, empty or truncated; it is refused rather than silently recreated."""


class LedgerReadOnlyError(LedgerError):
    """The ledger's file or folder cannot be written (permissions, a read-only disk)."""


class LedgerDiskFullError(LedgerError):
    """The disk holding the ledger is full."""


class LedgerLockedError(LedgerError):
    """Another process holds the ledger file and did not let go in time."""


class ExternalIdConflictError(LedgerError):
    """The ``external_id`` already belongs to another order (other side, items, currency or customer)."""


def _sqlite_name(exc: BaseException) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def translate(exc: BaseException, path: Path, doing: str) -> LedgerError:
    """A sqlite3 or OS failure as the LedgerError a person can act on; the cause is kept."""
    name = _sqlite_name(exc)
    text = str(exc).lower()
    where = f"the ledger {path}"
    error: LedgerError
    if isinstance(exc, PermissionError) or name.startswith(("SQLITE_READONLY", "SQLITE_PERM")) or "readonly" in text:
        error = LedgerReadOnlyError(
            f"{where} cannot be written while {doing}: check the permissions of the file "
            f"and of its folder {path.parent} (or set MINTED_LAB_HOME to a writable folder)"
        )
    elif (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or name == "SQLITE_FULL" or "disk is full" in text:
        error = LedgerDiskFullError(f"{where}: the disk is full while {doing}; free some space and try again")
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        error = LedgerLockedError(
            f"{where} is held by another process while {doing}; close the other notebook "
            "or process using it, or try again"
        )
    elif name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "not a database" in text or "malformed" in text:
        error = LedgerCorruptError(
            f"{where} is damaged ({exc}); it was left as it is: move it aside to keep it "
            "for inspection, and a new ledger will be made"
        )
    elif name.startswith("SQLITE_CANTOPEN") or isinstance(exc, OSError):
        error = LedgerReadOnlyError(
            f"{where} cannot be opened ({exc}): check that its folder {path.parent} exists and is writable"
        )
    else:
        error = LedgerError(f"{where} failed while {doing}: {exc}")
    error.__cause__ = exc
    return error


SQLITE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
"""What :func:`translate` turns into a LedgerError."""
