"""The journal: quotes, sell and buy intents with every attempt's outcome, and price snapshots.

One SQLite file per environment and API host (``ledger-<environment>-<host>.sqlite``), so sandbox,
staging and production never share a journal. An order is written as an *intent* (committed with
``synchronous=FULL``) before its request is sent and *settled* after. Money is stored as TEXT
decimals, times as ISO 8601 UTC text. The file holds no credentials. This module never talks to
the API: settling by lookup is :mod:`minted_lab.ledger.reconcile`'s job.

Proof of "not placed": an attempt that never left (``settle_refused`` after a connect failure) or
that the API refused (``settle_refused`` after a 4xx shown to have created nothing) proves only
itself; an attempt whose outcome is unknown leaves a *doubt* (``doubt_at``, on the client's
clock) that only a lookup after the settle window clears (``settle_not_found``). An intent is
``not_placed`` only when no attempt is in doubt.
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
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import polars as pl

from minted_lab.frames import MONEY
from minted_lab.ledger.errors import (
    SQLITE_ERRORS,
    ExternalIdConflictError,
    LedgerCorruptError,
    LedgerError,
    LedgerMismatchError,
    translate,
)
from minted_lab.ledger.inflight import InFlightGuard
from minted_lab.order_request import items_text, same_items

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.models import Order, ProductPrice, Quote

__all__ = ["Intent", "IntentState", "Ledger", "SCHEMA_VERSION", "Side", "default_directory", "host_of", "shared_ledger"]

Side = Literal["sell", "buy"]
IntentState = Literal["open", "placed", "not_placed", "conflict"]

ISTANBUL = ZoneInfo("Europe/Istanbul")


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


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
    doubt_at: datetime | None = None
    inflight_at: datetime | None = None
    request_content: bytes = b""

    @property
    def is_open(self) -> bool:
        """True while the outcome of some attempt is unknown."""
        return self.state == "open"

    @property
    def doubt_since(self) -> datetime | None:
        """When the latest attempt that may still land was sent (client clock), or None."""
        times = [t for t in (self.doubt_at, self.inflight_at) if t is not None]
        return max(times) if times else None

    def may_land_for(self, now: datetime, settle_window: float) -> float:
        """Seconds left in the settle window of the latest doubtful attempt (0 once past, or none)."""
        since = self.doubt_since
        if since is None:
            return 0.0
        return min(settle_window, max(0.0, settle_window - (now - since).total_seconds()))

    def __repr__(self) -> str:
        settled = f" order={self.order_code} total={self.total}" if self.state == "placed" else ""
        error = f" error={self.error!r}" if self.error and self.state != "placed" else ""
        return (
            f"<Intent {self.external_id} {self.side} {items_text(self.items)} {self.currency} "
            f"state={self.state} attempts={self.attempts}{settled}{error}>"
        )


_INTENTS_V2 = """
    CREATE TABLE {name} (
        external_id TEXT PRIMARY KEY,
        side TEXT NOT NULL CHECK (side IN ('sell', 'buy')),
        state TEXT NOT NULL CHECK (state IN ('open', 'placed', 'not_placed', 'conflict')),
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
        error TEXT,
        doubt_at TEXT,
        inflight_at TEXT
    )"""
_OUTCOMES_V2 = """
    CREATE TABLE {name} (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL REFERENCES {intents}(external_id),
        attempt INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN
            ('sent', 'placed', 'not_placed', 'unknown', 'refused', 'late', 'conflict')),
        via TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_name TEXT,
        total TEXT,
        error TEXT,
        at TEXT
    )"""

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
    # 2: doubt and in-flight times (the settle window), a conflict state, refused/late/conflict outcomes.
    _INTENTS_V2.format(name="intents_v2")
    + ";"
    + "INSERT INTO intents_v2 SELECT *, NULL, NULL FROM intents;"
    + _OUTCOMES_V2.format(name="outcomes_v2", intents="intents_v2")
    + ";"
    + "INSERT INTO outcomes_v2 SELECT *, NULL FROM outcomes;"
    + """
    DROP TABLE outcomes;
    DROP TABLE intents;
    ALTER TABLE intents_v2 RENAME TO intents;
    ALTER TABLE outcomes_v2 RENAME TO outcomes;
    CREATE INDEX intents_by_state ON intents (state);
    CREATE INDEX outcomes_by_intent ON outcomes (external_id);
    UPDATE intents SET inflight_at = updated_at WHERE state = 'open';
    """,
)
"""Schema steps: entry ``n`` takes a file from version ``n`` to ``n + 1``. Append, never edit."""

SCHEMA_VERSION = len(_MIGRATIONS)


def _body_text(request_body: bytes | Mapping[str, Any]) -> str:
    if isinstance(request_body, (bytes, bytearray)):
        return bytes(request_body).decode("utf-8")
    return json.dumps(request_body, default=str, sort_keys=True)


def _stored_items(items: Mapping[str, Any]) -> str:
    return json.dumps({sku: str(Decimal(str(amount))) for sku, amount in items.items()}, sort_keys=True)


def _apply_migrations(db: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` inside the caller's transaction."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version > len(_MIGRATIONS):
        raise LedgerError(
            f"the ledger {path} has schema version {version}; this minted_lab knows up to "
            f"{len(_MIGRATIONS)}: upgrade minted_lab"
        )
    for step in _MIGRATIONS[version:]:
        for statement in filter(str.strip, step.split(";")):
            db.execute(statement)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (_now(),))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(len(_MIGRATIONS)),))


class Ledger:
    """A SQLite journal of one environment and API host; safe from several threads and processes.

    >>> ledger = Ledger.for_client(client)              # ~/.minted_lab/ledger-sandbox-127.0.0.1_8000.sqlite
    >>> ledger = Ledger("/tmp/ledger.sqlite")           # bound to the first client it is used with

    Every failure is a :class:`~minted_lab.ledger.LedgerError` in plain words (damaged, read-only,
    disk full, held by another process). A file that exists but is empty, or lost its schema (a
    WAL lost after a crash), is refused: earlier history never vanishes without a word.
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
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.guard = InFlightGuard(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                self._create()
            elif self.path.stat().st_size == 0:
                raise LedgerCorruptError(
                    f"the ledger {self.path} is empty (0 bytes) although it exists: its history may have been "
                    "lost. It was left as it is; move it aside (or restore it from a backup) to start a new one"
                )
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._check_intact()
            self._migrate()
        except LedgerError:
            self._close_quietly()
            raise
        except SQLITE_ERRORS as exc:
            self._close_quietly()
            raise translate(exc, self.path, "opening it") from None
        if environment is not None or host is not None:
            self._claim(environment, host)

    def _create(self) -> None:
        """Make a new ledger beside its final name and move it in whole: a ledger file always has its schema."""
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.new")
        conn = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
            _apply_migrations(conn, self.path)
            conn.execute("COMMIT")
        finally:
            conn.close()
        try:
            os.link(partial, self.path)  # fails if another process made the ledger first: keep theirs
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not self.path.exists():
                os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)

    def _check_intact(self) -> None:
        db = self._db
        try:
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            found = None
        if found is None:
            raise LedgerCorruptError(
                f"the ledger {self.path} has no ledger schema: it is truncated (a write-ahead log lost after a "
                "crash?) or not a minted_lab ledger. It was left as it is; move it aside or restore it"
            )
        marked = self._read_mark()
        if marked:
            held = db.execute("SELECT coalesce(max(id), 0) FROM outcomes").fetchone()[0]
            if held < marked:
                raise LedgerCorruptError(
                    f"the ledger {self.path} is truncated: it holds {held} outcome rows, but {marked} were "
                    f"recorded (see {self.mark_path.name}); its write-ahead log was probably lost in a crash. "
                    "It was left as it is: restore it from a backup, or, if you mean to start over, move the "
                    "ledger and its .mark file aside"
                )
        check = db.execute("PRAGMA quick_check(1)").fetchone()
        if check is None or check[0] != "ok":
            raise LedgerCorruptError(
                f"the ledger {self.path} is damaged ({check[0] if check else 'no answer'}); "
                "it was left as it is: move it aside or restore it from a backup"
            )

    @property
    def mark_path(self) -> Path:
        """The high-water mark beside the file: how many outcome rows were durably recorded."""
        return self.path.with_name(self.path.name + ".mark")

    def _read_mark(self) -> int:
        try:
            return int(json.loads(self.mark_path.read_text("utf-8")).get("outcomes", 0))
        except FileNotFoundError:
            return 0
        except (ValueError, AttributeError, OSError):
            raise LedgerCorruptError(f"the ledger's mark {self.mark_path} is unreadable; move it aside") from None

    def _write_mark(self, db: sqlite3.Connection) -> None:
        """Raise the mark after a durable write, so a ledger that later loses rows is refused, not trusted."""
        held = int(db.execute("SELECT coalesce(max(id), 0) FROM outcomes").fetchone()[0])
        if held <= self._read_mark():
            return
        partial = self.mark_path.with_name(f".{self.mark_path.name}.{os.getpid()}.{threading.get_ident()}")
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump({"outcomes": held}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.mark_path)

    def _close_quietly(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

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
    def _write(self, *, durable: bool = True, doing: str = "writing") -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so other writers queue."""
        with self._lock:
            db = self._db
            try:
                if not durable:
                    db.execute("PRAGMA synchronous=NORMAL")
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        yield db
                    except BaseException:
                        if db.in_transaction:  # SQLite already rolled back after SQLITE_FULL and the like
                            db.execute("ROLLBACK")
                        raise
                    db.execute("COMMIT")
                    if durable:
                        self._write_mark(db)
                finally:
                    if not durable:
                        db.execute("PRAGMA synchronous=FULL")
            except SQLITE_ERRORS as exc:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise translate(exc, self.path, doing) from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except SQLITE_ERRORS as exc:
                raise translate(exc, self.path, "reading") from None

    def _migrate(self) -> None:
        with self._write(doing="upgrading its schema") as db:
            _apply_migrations(db, self.path)

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
        return str(self._read("PRAGMA journal_mode")[0][0])

    def _claim(self, environment: str | None, host: str | None) -> None:
        with self._write(doing="binding it to an environment") as db:
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
            self._close_quietly()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._conn is None:
            return f"<Ledger {self.path} closed>"
        counts = {row[0]: row[1] for row in self._read("SELECT state, count(*) FROM intents GROUP BY state")}
        summary = " ".join(f"{state}={counts.get(state, 0)}" for state in ("open", "placed", "not_placed"))
        if counts.get("conflict"):
            summary += f" conflict={counts['conflict']}"
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

    def record_prices(
        self,
        client: MintedClient | None = None,
        currency: str = "GBP",
        *,
        quote: Quote | None = None,
        prices: Iterable[ProductPrice] | None = None,
    ) -> int:
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
                self._insert_prices(
                    db, "product_prices", None, getattr(price, "currency_code", None) or currency, observed, [price]
                )
        return len(rows)

    @staticmethod
    def _insert_prices(
        db: sqlite3.Connection, source: str, quote_id: int | None, currency: str, observed: str, prices: Iterable[Any]
    ) -> None:
        recorded = _now()
        db.executemany(
            "INSERT INTO prices (observed_at, recorded_at, source, quote_id, currency, sku, spot_price,"
            " buy_price, sell_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    observed,
                    recorded,
                    source,
                    quote_id,
                    currency,
                    p.sku,
                    _money(p.spot_price),
                    _money(p.buy_price),
                    _money(p.sell_price),
                )
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
        request_body: bytes | Mapping[str, Any],
        *,
        currency: str,
        customer_external_id: str | None = None,
        quote_id: int | None = None,
        quote_fixed_at: datetime | None = None,
        sent_at: datetime | None = None,
        resend: bool = False,
    ) -> Intent:
        """Durably record that an attempt is about to be sent; call before the request leaves.

        ``request_body`` is the exact bytes that will be sent (stored verbatim). A new
        ``external_id`` is inserted; one proven not placed is reopened for another attempt; an
        open one only with ``resend=True`` (the same request again, which the API refuses to place
        twice). The check and the write are one transaction, so across threads and processes an
        ``external_id`` never serves two different orders: :class:`ExternalIdConflictError`.
        """
        body = _body_text(request_body)
        stored_items = _stored_items(items)
        now = _now()
        sent = _iso(sent_at) or now
        with self._write(doing=f"journaling {external_id}") as db:
            row = db.execute(
                "SELECT state, side, items, currency, customer_external_id, doubt_at, inflight_at"
                " FROM intents WHERE external_id = ?",
                (external_id,),
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO intents (external_id, side, state, currency, customer_external_id, items,"
                    " request_body, quote_id, quote_fixed_at, attempts, created_at, updated_at, inflight_at)"
                    " VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (
                        external_id,
                        side,
                        currency,
                        customer_external_id,
                        stored_items,
                        body,
                        quote_id,
                        _iso(quote_fixed_at),
                        now,
                        now,
                        sent,
                    ),
                )
            else:
                state, held_side, held_items, held_currency, held_customer, doubt_at, inflight_at = row
                held = {k: Decimal(a) for k, a in json.loads(held_items).items()}
                if (held_side, held_currency, held_customer or None) != (
                    side,
                    currency,
                    customer_external_id or None,
                ) or not same_items(held, items):
                    raise ExternalIdConflictError(
                        f"{external_id} already belongs to another order in this ledger: a {held_side} of "
                        f"{items_text(held)} {held_currency}{_for(held_customer)} ({state}), not a {side} of "
                        f"{items_text(items)} {currency}{_for(customer_external_id)}; use a new external_id"
                    )
                if state == "placed":
                    raise LedgerError(f"{external_id} is already placed; it is never sent again")
                if state == "conflict":
                    raise ExternalIdConflictError(
                        f"{external_id} belongs to another order at the API; use a new external_id"
                    )
                if state == "open" and not resend:
                    raise LedgerError(
                        f"{external_id} has an open intent whose outcome is unknown: resolve it first "
                        "(ticket.resolve()) or send the same request again (ticket.resend())"
                    )
                doubt = max(filter(None, (doubt_at, inflight_at)), default=None, key=_when)
                db.execute(
                    "UPDATE intents SET state = 'open', request_body = ?, quote_id = ?, quote_fixed_at = ?,"
                    " attempts = attempts + 1, updated_at = ?, error = NULL, doubt_at = ?, inflight_at = ?"
                    " WHERE external_id = ?",
                    (body, quote_id, _iso(quote_fixed_at), now, doubt if state == "open" else None, sent, external_id),
                )
            attempt = db.execute("SELECT attempts FROM intents WHERE external_id = ?", (external_id,)).fetchone()[0]
            self._outcome(db, external_id, attempt, "sent", "intent", at=sent)
        return self._get(external_id)

    def settle_placed(self, external_id: str, order: Order, *, via: str = "response") -> Intent:
        """Record that the order exists (from the response or a lookup); final, whatever came before.

        An order found after the intent was settled not placed is recorded as ``late``.
        """
        raw = getattr(order, "raw", None)
        with self._write(doing=f"settling {external_id}") as db:
            attempt, state = self._require(db, external_id)
            if state == "conflict":
                raise ExternalIdConflictError(f"{external_id} belongs to another order at the API")
            db.execute(
                "UPDATE intents SET state = 'placed', order_code = ?, guid = ?, status_id = ?, status_name = ?,"
                " price = ?, total = ?, order_at = ?, order_json = ?, error = NULL, updated_at = ?,"
                " doubt_at = NULL, inflight_at = NULL WHERE external_id = ?",
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
            if state != "placed":
                self._outcome(
                    db,
                    external_id,
                    attempt,
                    "late" if state == "not_placed" else "placed",
                    via,
                    order_code=order.order_code,
                    guid=order.guid,
                    status_name=getattr(order, "status_name", None),
                    total=_money(order.total),
                )
        return self._get(external_id)

    def settle_refused(self, external_id: str, error: str, *, via: str = "response") -> Intent:
        """This attempt created nothing (it never left, or the API refused it and no order exists).

        The intent becomes ``not_placed`` only when no earlier attempt is in doubt; otherwise it
        stays open until a lookup after the settle window (:meth:`settle_not_found`).
        """
        with self._write(doing=f"settling {external_id}") as db:
            attempt, state = self._require(db, external_id)
            if state != "open":
                return self._get_in(db, external_id)
            doubt = db.execute("SELECT doubt_at FROM intents WHERE external_id = ?", (external_id,)).fetchone()[0]
            if doubt is None:
                db.execute(
                    "UPDATE intents SET state = 'not_placed', error = ?, updated_at = ?, inflight_at = NULL"
                    " WHERE external_id = ?",
                    (error, _now(), external_id),
                )
                self._outcome(db, external_id, attempt, "not_placed", via, error=error)
            else:
                db.execute(
                    "UPDATE intents SET error = ?, updated_at = ?, inflight_at = NULL WHERE external_id = ?",
                    (error, _now(), external_id),
                )
                self._outcome(db, external_id, attempt, "refused", via, error=error)
        return self._get(external_id)

    def note_unknown(self, external_id: str, error: str, *, via: str = "response") -> Intent:
        """Record an attempt whose outcome is unknown: it is in doubt until a lookup settles it."""
        with self._write(doing=f"recording {external_id}") as db:
            attempt, state = self._require(db, external_id)
            if state == "open":
                db.execute(
                    "UPDATE intents SET error = ?, updated_at = ?, inflight_at = NULL,"
                    " doubt_at = CASE WHEN inflight_at IS NULL THEN doubt_at"
                    " WHEN doubt_at IS NULL OR inflight_at > doubt_at THEN inflight_at ELSE doubt_at END"
                    " WHERE external_id = ?",
                    (error, _now(), external_id),
                )
                self._outcome(db, external_id, attempt, "unknown", via, error=error)
        return self._get(external_id)

    def settle_not_found(self, external_id: str, *, now: datetime, settle_window: float, via: str = "lookup") -> Intent:
        """A lookup found no order: ``not_placed`` once the settle window has passed since the last
        attempt in doubt was sent; until then the intent stays open ("it may still land for N s").

        Call with the intent's in-flight lock held, so no attempt is under way.
        """
        with self._write(doing=f"settling {external_id}") as db:
            attempt, state = self._require(db, external_id)
            intent = self._get_in(db, external_id)
            if state != "open":
                return intent
            left = intent.may_land_for(now, settle_window)
            if left <= 0:
                error = "the API has no order with this external_id"
                db.execute(
                    "UPDATE intents SET state = 'not_placed', error = ?, updated_at = ?, doubt_at = NULL,"
                    " inflight_at = NULL WHERE external_id = ?",
                    (error, _now(), external_id),
                )
                self._outcome(db, external_id, attempt, "not_placed", via, error=error)
            else:
                error = f"not found yet; it may still land for {left:.0f} s"
                db.execute(
                    "UPDATE intents SET error = ?, updated_at = ?, doubt_at = ?, inflight_at = NULL"
                    " WHERE external_id = ?",
                    (error, _now(), _iso(intent.doubt_since), external_id),
                )
                self._outcome(db, external_id, attempt, "unknown", via, error=error)
        return self._get(external_id)

    def settle_conflict(
        self, external_id: str, detail: str, order: Order | None = None, *, via: str = "lookup"
    ) -> Intent:
        """The API's order under this external id is not this intent's: ours was never placed, and
        this id can never place it. Final."""
        with self._write(doing=f"settling {external_id}") as db:
            attempt, state = self._require(db, external_id)
            if state == "placed":
                return self._get_in(db, external_id)
            db.execute(
                "UPDATE intents SET state = 'conflict', error = ?, updated_at = ?, doubt_at = NULL,"
                " inflight_at = NULL WHERE external_id = ?",
                (detail, _now(), external_id),
            )
            self._outcome(
                db,
                external_id,
                attempt,
                "conflict",
                via,
                error=detail,
                order_code=getattr(order, "order_code", None),
                guid=getattr(order, "guid", None),
            )
        return self._get(external_id)

    def refresh_status(self, external_id: str, order: Order) -> None:
        """Store the API's current status of a placed order (it moves on: Pending, then Completed)."""
        with self._write(doing=f"refreshing {external_id}") as db:
            db.execute(
                "UPDATE intents SET status_id = ?, status_name = ?, updated_at = ? WHERE external_id = ? AND state = 'placed'",
                (getattr(order, "status_id", None), getattr(order, "status_name", None), _now(), external_id),
            )

    @staticmethod
    def _require(db: sqlite3.Connection, external_id: str) -> tuple[int, str]:
        row = db.execute("SELECT attempts, state FROM intents WHERE external_id = ?", (external_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no intent {external_id} in this ledger")
        return int(row[0]), str(row[1])

    @staticmethod
    def _outcome(
        db: sqlite3.Connection,
        external_id: str,
        attempt: int,
        outcome: str,
        via: str,
        *,
        at: str | None = None,
        **fields: Any,
    ) -> None:
        db.execute(
            "INSERT INTO outcomes (external_id, attempt, recorded_at, outcome, via, order_code, guid, status_name,"
            " total, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                external_id,
                attempt,
                _now(),
                outcome,
                via,
                fields.get("order_code"),
                fields.get("guid"),
                fields.get("status_name"),
                fields.get("total"),
                fields.get("error"),
                at,
            ),
        )

    def _get_in(self, db: sqlite3.Connection, external_id: str) -> Intent:
        cursor = db.execute("SELECT * FROM intents WHERE external_id = ?", (external_id,))
        cursor.row_factory = sqlite3.Row
        return _intent(cursor.fetchone())

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
        """The attempt log (sent, placed, not placed, unknown, refused, late, conflict), oldest first."""
        where, params = ("WHERE external_id = ?", (external_id,)) if external_id else ("", ())
        return [dict(row) for row in self._read(f"SELECT * FROM outcomes {where} ORDER BY id", params)]

    # -- in-flight guard --------------------------------------------------------------------

    def sending(self, external_id: str, *, busy: str = "is being sent or resolved elsewhere") -> Any:
        """Hold the intent's in-flight lock from before it is opened until it is settled.

        A lookup never settles an intent whose lock someone else holds, because the order may
        still be on its way. The OS drops the lock of a killed process.
        """
        return self.guard.hold(external_id, busy=busy)

    def is_sending(self, external_id: str) -> bool:
        """True while some thread or process holds the intent's in-flight lock."""
        return self.guard.is_held(external_id)

    # -- resolution and reconciliation (they need a client: minted_lab.ledger.reconcile) ---

    def resolve(self, client: MintedClient, external_id: str) -> Intent:
        """Settle an intent by looking its order up by ``external_id`` (see :func:`~minted_lab.ledger.reconcile.resolve`)."""
        from minted_lab.ledger import reconcile

        return reconcile.resolve(self, client, external_id)

    def reconcile(self, client: MintedClient, *, only_ours: bool = True) -> pl.DataFrame:
        """Resolve open intents, then compare the ledger with the API (see :func:`~minted_lab.ledger.reconcile.reconcile`)."""
        from minted_lab.ledger import reconcile

        return reconcile.reconcile(self, client, only_ours=only_ours)

    def span_start(self) -> date | None:
        """The first Istanbul date of the ledger's orders (server time of its quotes and orders)."""
        row = self._read(
            "SELECT min(t) FROM (SELECT min(quote_fixed_at) AS t FROM intents"
            " UNION ALL SELECT min(order_at) FROM intents)"
        )[0]
        if row[0] is None:
            return None
        return datetime.fromisoformat(row[0]).astimezone(ISTANBUL).date()

    # -- frames -----------------------------------------------------------------------------

    def orders_frame(self) -> pl.DataFrame:
        """The placed orders as the API returned them, in :func:`minted_lab.frames.orders_frame`'s schema."""
        from minted_lab import frames

        raws = [
            json.loads(row[0])
            for row in self._read(
                "SELECT order_json FROM intents WHERE state = 'placed' AND order_json IS NOT NULL ORDER BY order_at, rowid"
            )
        ]
        return frames.orders_frame(raws)

    def prices_frame(self) -> pl.DataFrame:
        """Every price snapshot, in :func:`minted_lab.frames.prices_frame`'s schema."""
        from minted_lab import frames

        records = [
            dict(row)
            for row in self._read(
                "SELECT observed_at AS updated_at, currency AS currency_code, sku, spot_price, buy_price, sell_price, source"
                " FROM prices ORDER BY observed_at, id"
            )
        ]
        return frames.prices_frame(records)

    def intents_frame(self) -> pl.DataFrame:
        """Every intent with its state and outcome, one row each (money as Decimal)."""
        intents = self.intents()
        return pl.DataFrame(
            [
                {
                    "external_id": i.external_id,
                    "side": i.side,
                    "state": i.state,
                    "currency": i.currency,
                    "items": items_text(i.items),
                    "attempts": i.attempts,
                    "created_at": i.created_at,
                    "order_code": i.order_code,
                    "status_name": i.status_name,
                    "total": i.total,
                    "error": i.error,
                }
                for i in intents
            ],
            schema={
                "external_id": pl.String(),
                "side": pl.String(),
                "state": pl.String(),
                "currency": pl.String(),
                "items": pl.String(),
                "attempts": pl.Int64(),
                "created_at": pl.Datetime("us", "UTC"),
                "order_code": pl.String(),
                "status_name": pl.String(),
                "total": MONEY,
                "error": pl.String(),
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


def _for(customer: str | None) -> str:
    return f" for customer {customer}" if customer else ""


def _intent(row: sqlite3.Row) -> Intent:
    body_text = row["request_body"]
    return Intent(
        external_id=row["external_id"],
        side=row["side"],
        state=row["state"],
        currency=row["currency"],
        customer_external_id=row["customer_external_id"],
        items={sku: Decimal(amount) for sku, amount in json.loads(row["items"]).items()},
        request_body=json.loads(body_text, parse_float=Decimal),
        attempts=row["attempts"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        quote_id=row["quote_id"],
        quote_fixed_at=_when(row["quote_fixed_at"]),
        order_code=row["order_code"],
        guid=row["guid"],
        status_id=row["status_id"],
        status_name=row["status_name"],
        price=_dec(row["price"]),
        total=_dec(row["total"]),
        order_at=_when(row["order_at"]),
        order_raw=json.loads(row["order_json"]) if row["order_json"] else None,
        error=row["error"],
        doubt_at=_when(row["doubt_at"]),
        inflight_at=_when(row["inflight_at"]),
        request_content=body_text.encode("utf-8"),
    )
