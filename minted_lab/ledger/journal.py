"""The local journal: quotes, sell and buy intents with their outcomes, and price snapshots.

One SQLite file per environment and API host (``ledger-<environment>-<host>.sqlite``), so sandbox,
staging and production never share a journal. An order is written as an *intent* (committed with
``synchronous=FULL``) before its request is sent and *settled* after; an intent left open by a
timeout, a crash or a killed kernel is settled later by looking the order up by its
``external_id`` (:meth:`Ledger.resolve`, :meth:`Ledger.reconcile`). Money is stored as TEXT
decimals, times as ISO 8601 UTC text. The file holds no credentials.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import polars as pl

from minted_lab.errors import MintedError
from minted_lab.frames import MONEY

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.models import Order, ProductPrice, Quote

__all__ = [
    "Intent",
    "Ledger",
    "LedgerBusyError",
    "LedgerError",
    "LedgerMismatchError",
    "RECONCILE_SCHEMA",
    "SCHEMA_VERSION",
    "default_directory",
    "shared_ledger",
]

Side = Literal["sell", "buy"]
IntentState = Literal["open", "placed", "not_placed"]

SCHEMA_VERSION = 1
ISTANBUL = ZoneInfo("Europe/Istanbul")
OUR_EXTERNAL_ID = re.compile(r"^ML-[0-9A-F]{12}$")
REVERSED_STATUSES = frozenset({"Cancelled", "Refunding", "Refunded"})

RECONCILE_SCHEMA = pl.Schema(
    {
        "status": pl.String,
        "detail": pl.String,
        "external_id": pl.String,
        "type": pl.String,
        "ledger_state": pl.String,
        "order_code": pl.String,
        "guid": pl.String,
        "ledger_items": pl.String,
        "api_items": pl.String,
        "ledger_total": MONEY,
        "api_total": MONEY,
        "ledger_status": pl.String,
        "api_status": pl.String,
    }
)
"""Columns of :meth:`Ledger.reconcile`; items are written ``"GAG 250"``, several joined by ``", "``."""


class LedgerError(MintedError):
    """The ledger cannot do what was asked (a bad state change, a newer schema, a closed file)."""


class LedgerMismatchError(LedgerError):
    """The ledger belongs to another environment or API host than the client handed to it."""


class LedgerBusyError(LedgerError):
    """An intent is being sent right now by another thread or process; try again once it settles."""


def default_directory() -> Path:
    """Where ledgers live unless told otherwise: ``$MINTED_LAB_HOME`` or ``~/.minted_lab``."""
    home = os.environ.get("MINTED_LAB_HOME")
    return Path(home).expanduser() if home else Path.home() / ".minted_lab"


def host_of(base_url: str) -> str:
    """The API host a ledger is bound to: the URL's host, with the port when one is given."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if not host:
        raise LedgerError(f"cannot tell the API host from base URL {base_url!r}")
    return f"{host}:{parts.port}" if parts.port else host


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)))


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ISTANBUL)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _items_text(items: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{sku} {amount}" for sku, amount in sorted(items.items()))


def _same_amounts(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> bool:
    return {k: Decimal(v).normalize() for k, v in a.items()} == {k: Decimal(v).normalize() for k, v in b.items()}


def _order_items(order: Order) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for item in order.items:
        sku = getattr(item, "sku", None) or (item.get("sku") if isinstance(item, Mapping) else None)
        amount = getattr(item, "amount", None) if not isinstance(item, Mapping) else item.get("amount")
        totals[str(sku)] = totals.get(str(sku), Decimal(0)) + Decimal(str(amount))
    return totals


@dataclasses.dataclass(frozen=True)
class Intent:
    """One sell or buy as the ledger knows it: what was asked, and how it settled (if it has)."""

    external_id: str
    side: Side
    state: IntentState
    currency: str
    customer_external_id: str | None
    items: dict[str, Decimal]
    request_body: dict[str, Any]
    attempts: int
    created_at: datetime
    updated_at: datetime
    quote_id: int | None = None
    quote_fixed_at: datetime | None = None
    order_code: str | None = None
    guid: str | None = None
    status_id: int | None = None
    status_name: str | None = None
    price: Decimal | None = None
    total: Decimal | None = None
    order_at: datetime | None = None
    order_raw: dict[str, Any] | None = None
    error: str | None = None

    @property
    def is_open(self) -> bool:
        """True while the outcome of the last attempt is unknown."""
        return self.state == "open"

    def __repr__(self) -> str:
        settled = f" order={self.order_code} total={self.total}" if self.state == "placed" else ""
        error = f" error={self.error!r}" if self.error and self.state != "placed" else ""
        return (
            f"<Intent {self.external_id} {self.side} {_items_text(self.items)} {self.currency} "
            f"state={self.state} attempts={self.attempts}{settled}{error}>"
        )


_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE quotes (
        id INTEGER PRIMARY KEY,
        price_token TEXT NOT NULL,
        currency TEXT NOT NULL,
        customer_external_id TEXT,
        fixed_at TEXT,
        expires_at TEXT,
        expire_ttl INTEGER,
        received_at TEXT NOT NULL
    );
    CREATE TABLE prices (
        id INTEGER PRIMARY KEY,
        observed_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('quote', 'product_prices')),
        quote_id INTEGER REFERENCES quotes(id),
        currency TEXT NOT NULL,
        sku TEXT NOT NULL,
        spot_price TEXT,
        buy_price TEXT,
        sell_price TEXT
    );
    CREATE INDEX prices_by_sku_time ON prices (sku, observed_at);
    CREATE TABLE intents (
        external_id TEXT PRIMARY KEY,
        side TEXT NOT NULL CHECK (side IN ('sell', 'buy')),
        state TEXT NOT NULL CHECK (state IN ('open', 'placed', 'not_placed')),
        currency TEXT NOT NULL,
        customer_external_id TEXT,
        items TEXT NOT NULL,
        request_body TEXT NOT NULL,
        quote_id INTEGER REFERENCES quotes(id),
        quote_fixed_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_id INTEGER,
        status_name TEXT,
        price TEXT,
        total TEXT,
        order_at TEXT,
        order_json TEXT,
        error TEXT
    );
    CREATE INDEX intents_by_state ON intents (state);
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL REFERENCES intents(external_id),
        attempt INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'placed', 'not_placed', 'unknown')),
        via TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_name TEXT,
        total TEXT,
        error TEXT
    );
    CREATE INDEX outcomes_by_intent ON outcomes (external_id);
    """,
)
"""Schema steps: entry ``n`` takes a file from version ``n`` to ``n + 1``. Append, never edit."""


class Ledger:
    """A SQLite journal of one environment and API host; safe from several threads and processes.

    >>> ledger = Ledger.for_client(client)              # ~/.minted_lab/ledger-sandbox-127.0.0.1_8000.sqlite
    >>> ledger = Ledger("/tmp/ledger.sqlite")           # bound to the first client it is used with
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        environment: str | None = None,
        host: str | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()
        if environment is not None or host is not None:
            self._claim(environment, host)

    @classmethod
    def for_client(cls, client: MintedClient, directory: str | os.PathLike[str] | None = None) -> Ledger:
        """The ledger file of the client's environment and host, in ``directory`` or the default one."""
        ledger = cls(cls.default_path(client.environment, client.base_url, directory))
        ledger.check(client)
        return ledger

    @staticmethod
    def default_path(environment: str, base_url: str, directory: str | os.PathLike[str] | None = None) -> Path:
        """``<directory>/ledger-<environment>-<host>.sqlite``, with the host made file-name safe."""
        safe = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{environment}-{host_of(base_url)}")
        return (Path(directory).expanduser() if directory else default_directory()) / f"ledger-{safe}.sqlite"

    # -- connection and schema ------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerError(f"the ledger {self.path} is closed")
        return self._conn

    @contextlib.contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so other writers queue."""
        with self._lock:
            db = self._db
            if not durable:
                db.execute("PRAGMA synchronous=NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if not durable:
                    db.execute("PRAGMA synchronous=FULL")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def _migrate(self) -> None:
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > len(_MIGRATIONS):
                raise LedgerError(
                    f"the ledger {self.path} has schema version {version}; this minted_lab knows up to "
                    f"{len(_MIGRATIONS)}: upgrade minted_lab"
                )
            for step in _MIGRATIONS[version:]:
                for statement in filter(str.strip, step.split(";")):
                    db.execute(statement)
            if version == 0:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (_now(),))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(len(_MIGRATIONS)),))

    @property
    def meta(self) -> dict[str, str]:
        """The ``meta`` table: schema version, environment, API host, creation time."""
        return {row["key"]: row["value"] for row in self._read("SELECT key, value FROM meta")}

    @property
    def environment(self) -> str | None:
        """The environment this ledger belongs to (None until first bound to a client)."""
        return self.meta.get("environment")

    @property
    def host(self) -> str | None:
        """The API host this ledger belongs to (None until first bound to a client)."""
        return self.meta.get("host")

    @property
    def journal_mode(self) -> str:
        """SQLite's journal mode for this file (``wal``)."""
        with self._lock:
            return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    def _claim(self, environment: str | None, host: str | None) -> None:
        with self._write() as db:
            for key, wanted in (("environment", environment), ("host", host)):
                if wanted is None:
                    continue
                row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES (?, ?)", (key, wanted))
                elif row[0] != wanted:
                    raise LedgerMismatchError(
                        f"the ledger {self.path} belongs to {key} {row[0]!r}, not {wanted!r}: "
                        f"use Ledger.for_client(client) for a ledger of that {key}"
                    )

    def check(self, client: MintedClient) -> None:
        """Refuse a client of another environment or host; bind an unbound ledger to this one."""
        self._claim(str(client.environment), host_of(str(client.base_url)))

    def close(self) -> None:
        """Close the file; later calls raise :class:`LedgerError`."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._conn is None:
            return f"<Ledger {self.path} closed>"
        counts = dict(self._read("SELECT state, count(*) FROM intents GROUP BY state"))  # type: ignore[arg-type]
        summary = " ".join(f"{state}={counts.get(state, 0)}" for state in ("open", "placed", "not_placed"))
        return f"<Ledger {self.environment or 'unbound'} {self.host or ''} {self.path.name} {summary}>"

    # -- quotes and prices ------------------------------------------------------------------

    def record_quote(self, quote: Quote) -> int:
        """Store a quote and its prices (one row per SKU, source ``quote``); returns the quote's row id."""
        with self._write(durable=False) as db:
            quote_id = db.execute(
                "INSERT INTO quotes (price_token, currency, customer_external_id, fixed_at, expires_at,"
                " expire_ttl, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    quote.token,
                    quote.currency,
                    quote.customer_external_id,
                    _iso(getattr(quote, "fixed_at", None)),
                    _iso(quote.expires_at),
                    quote.expire_ttl,
                    _iso(getattr(quote, "received_at", None)) or _now(),
                ),
            ).lastrowid
            observed = _iso(getattr(quote, "fixed_at", None)) or _now()
            self._insert_prices(db, "quote", quote_id, quote.currency, observed, quote.prices)
        assert quote_id is not None
        return quote_id

    def record_prices(self, client: MintedClient | None = None, currency: str = "GBP", *, quote: Quote | None = None,
                      prices: Iterable[ProductPrice] | None = None) -> int:
        """Snapshot prices for a price history: the client's product prices, a given quote's, or given product prices.

        Pass ``prices`` you already fetched to store them without asking the API again.
        Returns the number of rows stored (one per SKU).
        """
        if quote is not None:
            before = self._count("prices")
            self.record_quote(quote)
            return self._count("prices") - before
        if prices is not None:
            rows = list(prices)
        elif client is None:
            raise LedgerError("record_prices needs a client, a quote or prices")
        else:
            self.check(client)
            rows = list(client.product_prices(currency=currency))
        with self._write(durable=False) as db:
            for price in rows:
                observed = _iso(getattr(price, "updated_at", None)) or _now()
                self._insert_prices(db, "product_prices", None, getattr(price, "currency_code", None) or currency, observed, [price])
        return len(rows)

    @staticmethod
    def _insert_prices(db: sqlite3.Connection, source: str, quote_id: int | None, currency: str, observed: str, prices: Iterable[Any]) -> None:
        recorded = _now()
        db.executemany(
            "INSERT INTO prices (observed_at, recorded_at, source, quote_id, currency, sku, spot_price,"
            " buy_price, sell_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (observed, recorded, source, quote_id, currency, p.sku, _money(p.spot_price), _money(p.buy_price), _money(p.sell_price))
                for p in prices
            ],
        )

    def _count(self, table: str) -> int:
        return int(self._read(f"SELECT count(*) FROM {table}")[0][0])

    # -- intents and outcomes ---------------------------------------------------------------

    def open_intent(
        self,
        external_id: str,
        side: Side,
        items: Mapping[str, Any],
        request_body: Mapping[str, Any],
        *,
        currency: str,
        customer_external_id: str | None = None,
        quote_id: int | None = None,
        quote_fixed_at: datetime | None = None,
    ) -> Intent:
        """Durably record that an order is about to be sent; call before the request leaves.

        A new ``external_id`` is inserted; one the API proved not placed is reopened for another
        attempt (same ``external_id``). An open or placed one is refused, across processes too.
        """
        body = json.dumps(request_body, default=str, sort_keys=True)
        stored_items = json.dumps({sku: str(Decimal(str(amount))) for sku, amount in items.items()}, sort_keys=True)
        now = _now()
        with self._write() as db:
            row = db.execute("SELECT state, side FROM intents WHERE external_id = ?", (external_id,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO intents (external_id, side, state, currency, customer_external_id, items,"
                    " request_body, quote_id, quote_fixed_at, attempts, created_at, updated_at)"
                    " VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (external_id, side, currency, customer_external_id, stored_items, body, quote_id, _iso(quote_fixed_at), now, now),
                )
            elif row[0] == "not_placed" and row[1] == side:
                db.execute(
                    "UPDATE intents SET state = 'open', items = ?, request_body = ?, quote_id = ?, quote_fixed_at = ?,"
                    " currency = ?, customer_external_id = ?, attempts = attempts + 1, updated_at = ?, error = NULL"
                    " WHERE external_id = ? AND state = 'not_placed'",
                    (stored_items, body, quote_id, _iso(quote_fixed_at), currency, customer_external_id, now, external_id),
                )
            elif row[0] == "open":
                raise LedgerError(
                    f"{external_id} has an open intent whose outcome is unknown: resolve it first "
                    "(ticket.resolve() or ledger.resolve(client, external_id))"
                )
            elif row[0] == "placed":
                raise LedgerError(f"{external_id} is already placed; it is never sent again")
            else:
                raise LedgerError(f"{external_id} is a {row[1]}, not a {side}")
            attempt = db.execute("SELECT attempts FROM intents WHERE external_id = ?", (external_id,)).fetchone()[0]
            self._outcome(db, external_id, attempt, "sent", "intent")
        intent = self.intent(external_id)
        assert intent is not None
        return intent

    def settle_placed(self, external_id: str, order: Order, *, via: str = "response") -> Intent:
        """Record that the order exists (from the response or a lookup); final, whatever came before."""
        raw = getattr(order, "raw", None)
        with self._write() as db:
            attempt = self._require(db, external_id)
            db.execute(
                "UPDATE intents SET state = 'placed', order_code = ?, guid = ?, status_id = ?, status_name = ?,"
                " price = ?, total = ?, order_at = ?, order_json = ?, error = NULL, updated_at = ?"
                " WHERE external_id = ?",
                (
                    order.order_code,
                    order.guid,
                    getattr(order, "status_id", None),
                    getattr(order, "status_name", None),
                    _money(getattr(order, "price", None)),
                    _money(order.total),
                    _iso(getattr(order, "order_at", None)),
                    json.dumps(raw, default=str) if raw is not None else None,
                    _now(),
                    external_id,
                ),
            )
            self._outcome(db, external_id, attempt, "placed", via, order_code=order.order_code, guid=order.guid,
                          status_name=getattr(order, "status_name", None), total=_money(order.total))
        return self._get(external_id)

    def settle_not_placed(self, external_id: str, error: str, *, via: str = "response") -> Intent:
        """Record that the API proved no order was made; the intent may then be sent again.

        Never overrides ``placed``: once an order is known to exist, nothing unsettles it.
        """
        with self._write() as db:
            attempt = self._require(db, external_id)
            db.execute(
                "UPDATE intents SET state = 'not_placed', error = ?, updated_at = ? WHERE external_id = ? AND state = 'open'",
                (error, _now(), external_id),
            )
            self._outcome(db, external_id, attempt, "not_placed", via, error=error)
        return self._get(external_id)

    def note_unknown(self, external_id: str, error: str, *, via: str = "response") -> Intent:
        """Record an attempt whose outcome is unknown; the intent stays open until resolved."""
        with self._write() as db:
            attempt = self._require(db, external_id)
            db.execute("UPDATE intents SET error = ?, updated_at = ? WHERE external_id = ? AND state = 'open'",
                       (error, _now(), external_id))
            self._outcome(db, external_id, attempt, "unknown", via, error=error)
        return self._get(external_id)

    def refresh_status(self, external_id: str, order: Order) -> None:
        """Store the API's current status of a placed order (it moves on: Pending, then Completed)."""
        with self._write() as db:
            db.execute(
                "UPDATE intents SET status_id = ?, status_name = ?, updated_at = ? WHERE external_id = ? AND state = 'placed'",
                (getattr(order, "status_id", None), getattr(order, "status_name", None), _now(), external_id),
            )

    @staticmethod
    def _require(db: sqlite3.Connection, external_id: str) -> int:
        row = db.execute("SELECT attempts FROM intents WHERE external_id = ?", (external_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no intent {external_id} in this ledger")
        return int(row[0])

    @staticmethod
    def _outcome(db: sqlite3.Connection, external_id: str, attempt: int, outcome: str, via: str, **fields: Any) -> None:
        db.execute(
            "INSERT INTO outcomes (external_id, attempt, recorded_at, outcome, via, order_code, guid, status_name, total, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (external_id, attempt, _now(), outcome, via, fields.get("order_code"), fields.get("guid"),
             fields.get("status_name"), fields.get("total"), fields.get("error")),
        )

    def _get(self, external_id: str) -> Intent:
        intent = self.intent(external_id)
        if intent is None:
            raise LedgerError(f"no intent {external_id} in this ledger")
        return intent

    def intent(self, external_id: str) -> Intent | None:
        """The intent with this ``external_id``, or None."""
        rows = self._read("SELECT * FROM intents WHERE external_id = ?", (external_id,))
        return _intent(rows[0]) if rows else None

    def intents(self, state: IntentState | None = None) -> list[Intent]:
        """Every intent (or those in ``state``), oldest first."""
        if state is None:
            rows = self._read("SELECT * FROM intents ORDER BY created_at, rowid")
        else:
            rows = self._read("SELECT * FROM intents WHERE state = ? ORDER BY created_at, rowid", (state,))
        return [_intent(row) for row in rows]

    def open_intents(self) -> list[Intent]:
        """Intents whose outcome is unknown: a timeout, a crash or a killed kernel left them open."""
        return self.intents("open")

    def outcomes(self, external_id: str | None = None) -> list[dict[str, Any]]:
        """The attempt log (sent, placed, not placed, unknown), oldest first."""
        where, params = ("WHERE external_id = ?", (external_id,)) if external_id else ("", ())
        return [dict(row) for row in self._read(f"SELECT * FROM outcomes {where} ORDER BY id", params)]

    # -- in-flight guard --------------------------------------------------------------------

    @contextlib.contextmanager
    def sending(self, external_id: str, *, busy: str = "is being sent or resolved elsewhere") -> Iterator[None]:
        """Hold the intent's in-flight lock from before it is opened until it is settled.

        :meth:`resolve` will not settle an intent whose lock is held, because the order may still
        be on its way. The OS drops the lock of a killed process, so its intent becomes resolvable.
        """
        handle = self._try_lock(external_id)
        if handle is None:
            raise LedgerBusyError(f"{external_id} {busy}")
        try:
            yield
        finally:
            handle.close()

    def is_sending(self, external_id: str) -> bool:
        """True while some thread or process holds the intent's in-flight lock."""
        handle = self._try_lock(external_id)
        if handle is None:
            return True
        handle.close()
        return False

    def _try_lock(self, external_id: str) -> Any:
        if fcntl is None:  # pragma: no cover - Windows: no cross-process guard
            return open(os.devnull, "rb")
        directory = self.path.with_name(self.path.name + ".inflight")
        directory.mkdir(exist_ok=True)
        handle = open(directory / re.sub(r"[^A-Za-z0-9_-]", "_", external_id), "a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    # -- resolution and reconciliation ------------------------------------------------------

    def resolve(self, client: MintedClient, external_id: str) -> Intent:
        """Settle an open intent by looking its order up by ``external_id``: placed, or not placed.

        Raises :class:`LedgerBusyError` while the order is being sent, and lets the client's error
        through when the lookup itself fails (the intent then stays open).
        """
        self.check(client)
        if not self._get(external_id).is_open:
            return self._get(external_id)
        with self.sending(external_id, busy="is being sent right now; resolve it once that settles"):
            return self.settle_by_lookup(client, external_id)

    def settle_by_lookup(self, client: MintedClient, external_id: str) -> Intent:
        """Look the order up and settle the intent by what the API says; call with ``sending()`` held.

        Holding the in-flight lock is what makes "no such order" a proof: nobody is sending it.
        """
        intent = self._get(external_id)
        if not intent.is_open:
            return intent
        order = _lookup(client, external_id)
        if order is not None:
            return self.settle_placed(external_id, order, via="lookup")
        return self.settle_not_placed(external_id, "the API has no order with this external_id", via="lookup")

    def span_start(self) -> date | None:
        """The first Istanbul date of the ledger's orders (server time of its quotes and orders)."""
        row = self._read("SELECT min(t) FROM (SELECT min(quote_fixed_at) AS t FROM intents"
                         " UNION ALL SELECT min(order_at) FROM intents)")[0]
        if row[0] is None:
            return None
        return datetime.fromisoformat(row[0]).astimezone(ISTANBUL).date()

    def reconcile(self, client: MintedClient, *, only_ours: bool = True) -> pl.DataFrame:
        """Resolve open intents, then compare the ledger with the API's order history.

        Orders are fetched from one day before the ledger's first date on (``startDate``). An API
        order absent from the ledger is reported (``missing_in_ledger``) only when its
        ``external_id`` looks like one of ours (``ML-`` + 12 hex digits), unless ``only_ours=False``.
        Status progress (Pending → Completed) is stored and counts as a match; a reversed status
        (Cancelled, Refunding, Refunded) is a difference. Columns: :data:`RECONCILE_SCHEMA`.
        """
        self.check(client)
        rows: list[dict[str, Any]] = []
        resolved: dict[str, str] = {}
        for intent in self.open_intents():
            try:
                settled = self.resolve(client, intent.external_id)
            except LedgerBusyError:
                rows.append(_row("unknown", "being sent right now; reconcile again once it settles", intent))
                continue
            except MintedError as exc:
                rows.append(_row("unknown", f"could not look it up: {exc}", intent))
                continue
            resolved[intent.external_id] = settled.state

        start = self.span_start()
        filters: dict[str, Any] = {}
        if start is not None:
            filters["start_date"] = start - timedelta(days=1)
        api_orders: dict[str, Order] = {}
        for order in _iter_orders(client, filters):
            if order.external_id:
                api_orders.setdefault(order.external_id, order)

        seen: set[str] = {row["external_id"] for row in rows}
        for intent in self.intents():
            if intent.external_id in seen:
                continue
            seen.add(intent.external_id)
            order = api_orders.get(intent.external_id)
            if intent.external_id in resolved:
                state = resolved[intent.external_id]
                status = "resolved_placed" if state == "placed" else "resolved_not_placed"
                detail = (f"outcome was unknown; the API has order {intent.order_code}" if state == "placed"
                          else "outcome was unknown; the API has no such order, so it was not placed")
                if state == "placed" and order is None:
                    order = _lookup(client, intent.external_id)
                rows.append(_row(status, detail, intent, order))
                continue
            if intent.state == "not_placed":
                if order is None:
                    rows.append(_row("match", "not placed, and the API has no such order", intent))
                else:
                    rows.append(_row("differs", f"the ledger says not placed but the API has order {order.order_code}", intent, order))
                continue
            if order is None:
                order = _lookup(client, intent.external_id)
            if order is None:
                rows.append(_row("missing_in_api", f"placed as {intent.order_code} but the API has no such order", intent))
                continue
            differences = _differences(intent, order)
            if differences:
                rows.append(_row("differs", "; ".join(differences), intent, order))
            else:
                detail = "same items, total and status"
                if order.status_name != intent.status_name:
                    detail = f"same items and total; status moved {intent.status_name} → {order.status_name}"
                    self.refresh_status(intent.external_id, order)
                rows.append(_row("match", detail, intent, order))

        for external_id, order in api_orders.items():
            if external_id in seen or (only_ours and not OUR_EXTERNAL_ID.match(external_id)):
                continue
            rows.append(_row("missing_in_ledger", f"the API has order {order.order_code}; this ledger never sent it", None, order))
        return pl.DataFrame(rows, schema=RECONCILE_SCHEMA)

    # -- frames -----------------------------------------------------------------------------

    def orders_frame(self) -> pl.DataFrame:
        """The placed orders as the API returned them, in :func:`minted_lab.frames.orders_frame`'s schema."""
        from minted_lab import frames

        raws = [json.loads(row[0]) for row in self._read(
            "SELECT order_json FROM intents WHERE state = 'placed' AND order_json IS NOT NULL ORDER BY order_at, rowid")]
        return frames.orders_frame(raws)

    def prices_frame(self) -> pl.DataFrame:
        """Every price snapshot, in :func:`minted_lab.frames.prices_frame`'s schema."""
        from minted_lab import frames

        records = [dict(row) for row in self._read(
            "SELECT observed_at AS updated_at, currency AS currency_code, sku, spot_price, buy_price, sell_price, source"
            " FROM prices ORDER BY observed_at, id")]
        return frames.prices_frame(records)

    def intents_frame(self) -> pl.DataFrame:
        """Every intent with its state and outcome, one row each (money as Decimal)."""
        intents = self.intents()
        return pl.DataFrame(
            [
                {
                    "external_id": i.external_id, "side": i.side, "state": i.state, "currency": i.currency,
                    "items": _items_text(i.items), "attempts": i.attempts, "created_at": i.created_at,
                    "order_code": i.order_code, "status_name": i.status_name, "total": i.total, "error": i.error,
                }
                for i in intents
            ],
            schema={
                "external_id": pl.String(), "side": pl.String(), "state": pl.String(), "currency": pl.String(),
                "items": pl.String(), "attempts": pl.Int64(), "created_at": pl.Datetime("us", "UTC"),
                "order_code": pl.String(), "status_name": pl.String(), "total": MONEY, "error": pl.String(),
            },
        )


_shared: dict[Path, Ledger] = {}
_shared_lock = threading.Lock()


def shared_ledger(client: MintedClient, directory: str | os.PathLike[str] | None = None) -> Ledger:
    """The process-wide default ledger of the client's environment and host (one connection per file)."""
    path = Ledger.default_path(str(client.environment), str(client.base_url), directory)
    with _shared_lock:
        ledger = _shared.get(path)
        if ledger is None or ledger._conn is None:
            ledger = _shared[path] = Ledger(path)
    ledger.check(client)
    return ledger


def _intent(row: sqlite3.Row) -> Intent:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Intent(
        external_id=row["external_id"],
        side=row["side"],
        state=row["state"],
        currency=row["currency"],
        customer_external_id=row["customer_external_id"],
        items={sku: Decimal(amount) for sku, amount in json.loads(row["items"]).items()},
        request_body=json.loads(row["request_body"]),
        attempts=row["attempts"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        quote_id=row["quote_id"],
        quote_fixed_at=when(row["quote_fixed_at"]),
        order_code=row["order_code"],
        guid=row["guid"],
        status_id=row["status_id"],
        status_name=row["status_name"],
        price=_dec(row["price"]),
        total=_dec(row["total"]),
        order_at=when(row["order_at"]),
        order_raw=json.loads(row["order_json"]) if row["order_json"] else None,
        error=row["error"],
    )


def _lookup(client: MintedClient, external_id: str) -> Order | None:
    """The order with this external_id, or None when the API proves there is none."""
    return client.resolve(external_id)


def _iter_orders(client: MintedClient, filters: dict[str, Any]) -> Iterator[Order]:
    return iter(client.iter_orders(**filters))


def _differences(intent: Intent, order: Order) -> list[str]:
    found: list[str] = []
    api_items = _order_items(order)
    if not _same_amounts(intent.items, api_items):
        found.append(f"items: ledger {_items_text(intent.items)}, API {_items_text(api_items)}")
    if intent.total is not None and Decimal(str(order.total)) != intent.total:
        found.append(f"total: ledger {intent.total}, API {order.total}")
    if order.status_name in REVERSED_STATUSES:
        found.append(f"status: ledger {intent.status_name}, API {order.status_name}")
    expected_type = intent.side.capitalize()
    if getattr(order, "type", None) and str(order.type).capitalize() != expected_type:
        found.append(f"type: ledger {expected_type}, API {order.type}")
    return found


def _row(status: str, detail: str, intent: Intent | None, order: Order | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "detail": detail,
        "external_id": intent.external_id if intent else order.external_id if order else None,
        "type": intent.side.capitalize() if intent else getattr(order, "type", None),
        "ledger_state": intent.state if intent else None,
        "order_code": (order.order_code if order else None) or (intent.order_code if intent else None),
        "guid": (order.guid if order else None) or (intent.guid if intent else None),
        "ledger_items": _items_text(intent.items) if intent else None,
        "api_items": _items_text(_order_items(order)) if order else None,
        "ledger_total": intent.total if intent else None,
        "api_total": Decimal(str(order.total)) if order else None,
        "ledger_status": intent.status_name if intent else None,
        "api_status": order.status_name if order else None,
    }
