"""The local ledger: the journal of intents and outcomes (:mod:`.journal`), price snapshots
(:mod:`.snapshots`), the in-flight guard (:mod:`.inflight`), and reconciliation with the API
(:mod:`.reconcile`, the only part that needs a client). Underneath: the SQLite file
(:mod:`.store`), its schema (:mod:`.schema`) and the intent record (:mod:`.intent`). Every
failure is a :class:`LedgerError` subclass (:mod:`.errors`)."""

from minted_lab.ledger.errors import (
    ExternalIdConflictError,
    LedgerBusyError,
    LedgerCorruptError,
    LedgerDiskFullError,
    LedgerError,
    LedgerLockedError,
    LedgerMismatchError,
    LedgerReadOnlyError,
)
from minted_lab.ledger.intent import Intent, IntentState, Side
from minted_lab.ledger.journal import Ledger, shared_ledger
from minted_lab.ledger.reconcile import RECONCILE_STATUSES, reconcile_schema
from minted_lab.ledger.schema import SCHEMA_VERSION
from minted_lab.ledger.store import default_directory, host_of

__all__ = [
    "ExternalIdConflictError",
    "Intent",
    "IntentState",
    "Ledger",
    "LedgerBusyError",
    "LedgerCorruptError",
    "LedgerDiskFullError",
    "LedgerError",
    "LedgerLockedError",
    "LedgerMismatchError",
    "LedgerReadOnlyError",
    "RECONCILE_STATUSES",
    "SCHEMA_VERSION",
    "Side",
    "default_directory",
    "host_of",
    "reconcile_schema",
    "shared_ledger",
]


def __getattr__(name: str) -> object:
    """``RECONCILE_SCHEMA``, made when first asked for (it needs polars; the rest of the ledger does not)."""
    if name == "RECONCILE_SCHEMA":
        return reconcile_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
