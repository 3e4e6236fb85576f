"""The local ledger: the journal of quotes, intents and outcomes (:mod:`.journal`), the in-flight
guard (:mod:`.inflight`), and reconciliation with the API (:mod:`.reconcile`, the only part that
needs a client). Every failure is a :class:`LedgerError` subclass (:mod:`.errors`)."""

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
from minted_lab.ledger.journal import (
    SCHEMA_VERSION,
    Intent,
    IntentState,
    Ledger,
    Side,
    default_directory,
    host_of,
    shared_ledger,
)
from minted_lab.ledger.reconcile import RECONCILE_SCHEMA, RECONCILE_STATUSES

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
    "RECONCILE_SCHEMA",
    "RECONCILE_STATUSES",
    "SCHEMA_VERSION",
    "Side",
    "default_directory",
    "host_of",
    "shared_ledger",
]
