"""The journal: sell and buy intents with every attempt's outcome (price snapshots: :mod:`.snapshots`).

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

import json
import os
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minted_lab.catalog import API_TIME_ZONE, Side
from minted_lab.ledger.errors import ExternalIdConflictError, LedgerError
from minted_lab.ledger.intent import (
    Intent,
    IntentState,
    body_text,
    intent_of_row,
    iso_text,
    items_json,
    money_text,
    now_text,
)
from minted_lab.ledger.snapshots import PriceSnapshots
from minted_lab.ledger.store import default_directory, host_of
from minted_lab.order_request import items_text, same_items

if TYPE_CHECKING:
    import polars as pl

    from minted_lab.client import MintedClient
    from minted_lab.models import Order
    from minted_lab.store import OrderStore

__all__ = ["Intent", "IntentState", "Ledger", "Side", "default_directory", "host_of", "shared_ledger"]


class Ledger(PriceSnapshots):
    """A SQLite journal of one environment and API host; safe from several threads and processes.

    >>> ledger = Ledger.for_client(client)              # ~/.minted_lab/ledger-sandbox-127.0.0.1_8000.sqlite
    >>> ledger = Ledger("/tmp/ledger.sqlite")           # bound to the first client it is used with

    Every failure is a :class:`~minted_lab.ledger.LedgerError` in plain words (damaged, read-only,
    disk full, held by another process). A file that exists but is empty, or lost its schema (a
    WAL lost after a crash), is refused: earlier history never vanishes without a word.
    """

    def __repr__(self) -> str:
        if self._conn is None:
            return f"<Ledger {self.path} closed>"
        counts = {row[0]: row[1] for row in self._read("SELECT state, count(*) FROM intents GROUP BY state")}
        summary = " ".join(f"{state}={counts.get(state, 0)}" for state in ("open", "placed", "not_placed"))
        if counts.get("conflict"):
            summary += f" conflict={counts['conflict']}"
        return f"<Ledger {self.environment or 'unbound'} {self.host or ''} {self.path.name} {summary}>"

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
        asked = _Asked(side, {k: Decimal(str(v)) for k, v in items.items()}, currency, customer_external_id or None)
        now, sent = now_text(), iso_text(sent_at) or now_text()
        with self._write(doing=f"journaling {external_id}") as db:
            held = _held(db, external_id)
            if held is None:
                db.execute(
                    "INSERT INTO intents (external_id, side, state, currency, customer_external_id, items, request_body,"
                    " quote_id, quote_fixed_at, attempts, created_at, updated_at, inflight_at)"
                    " VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (external_id, side, currency, customer_external_id, items_json(items), body_text(request_body),
                     quote_id, iso_text(quote_fixed_at), now, now, sent),
                )  # fmt: skip
            else:
                _refuse_unless_reopenable(external_id, held, asked, resend=resend)
                doubt = held.doubt_since if held.state == "open" else None
                db.execute(
                    "UPDATE intents SET state = 'open', request_body = ?, quote_id = ?, quote_fixed_at = ?,"
                    " attempts = attempts + 1, updated_at = ?, error = NULL, doubt_at = ?, inflight_at = ?"
                    " WHERE external_id = ?",
                    (body_text(request_body), quote_id, iso_text(quote_fixed_at), now, doubt, sent, external_id),
                )  # fmt: skip
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
                    money_text(getattr(order, "price", None)),
                    money_text(order.total),
                    iso_text(getattr(order, "order_at", None)),
                    json.dumps(raw, default=str) if raw is not None else None,
                    now_text(),
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
                    total=money_text(order.total),
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
                    (error, now_text(), external_id),
                )
                self._outcome(db, external_id, attempt, "not_placed", via, error=error)
            else:
                db.execute(
                    "UPDATE intents SET error = ?, updated_at = ?, inflight_at = NULL WHERE external_id = ?",
                    (error, now_text(), external_id),
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
                    (error, now_text(), external_id),
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
                    (error, now_text(), external_id),
                )
                self._outcome(db, external_id, attempt, "not_placed", via, error=error)
            else:
                error = f"not found yet; it may still land for {left:.0f} s"
                db.execute(
                    "UPDATE intents SET error = ?, updated_at = ?, doubt_at = ?, inflight_at = NULL"
                    " WHERE external_id = ?",
                    (error, now_text(), iso_text(intent.doubt_since), external_id),
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
                (detail, now_text(), external_id),
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
                (getattr(order, "status_id", None), getattr(order, "status_name", None), now_text(), external_id),
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
                now_text(),
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
        return intent_of_row(cursor.fetchone())

    def _get(self, external_id: str) -> Intent:
        intent = self.intent(external_id)
        if intent is None:
            raise LedgerError(f"no intent {external_id} in this ledger")
        return intent

    def intent(self, external_id: str) -> Intent | None:
        """The intent with this ``external_id``, or None."""
        rows = self._read("SELECT * FROM intents WHERE external_id = ?", (external_id,))
        return intent_of_row(rows[0]) if rows else None

    def intents(self, state: IntentState | None = None) -> list[Intent]:
        """Every intent (or those in ``state``), oldest first."""
        if state is None:
            rows = self._read("SELECT * FROM intents ORDER BY created_at, rowid")
        else:
            rows = self._read("SELECT * FROM intents WHERE state = ? ORDER BY created_at, rowid", (state,))
        return [intent_of_row(row) for row in rows]

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

    def reconcile(
        self, client: MintedClient, *, only_ours: bool = True, store: OrderStore | None = None
    ) -> pl.DataFrame:
        """Resolve open intents, then compare the ledger with the API, its history read from ``store`` when
        given (see :func:`~minted_lab.ledger.reconcile.reconcile`)."""
        from minted_lab.ledger import reconcile

        return reconcile.reconcile(self, client, only_ours=only_ours, store=store)

    def span_start(self) -> date | None:
        """The first Istanbul date of the ledger's orders (server time of its quotes and orders)."""
        row = self._read(
            "SELECT min(t) FROM (SELECT min(quote_fixed_at) AS t FROM intents"
            " UNION ALL SELECT min(order_at) FROM intents)"
        )[0]
        if row[0] is None:
            return None
        return datetime.fromisoformat(row[0]).astimezone(API_TIME_ZONE).date()

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

    def intents_frame(self) -> pl.DataFrame:
        """Every intent with its state and outcome, one row each (money as Decimal)."""
        import polars as pl

        from minted_lab.frames.dtypes import MONEY

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
    """The process-wide default ledger of the client's environment and host (one connection per file).

    It lives in ``directory``, else the client's ``ledger_home`` (a sandbox's temporary folder,
    removed when the sandbox stops), else ``$MINTED_LAB_HOME`` or ``~/.minted_lab``.
    """
    if directory is None:
        directory = getattr(client, "ledger_home", None)
    path = Ledger.default_path(str(client.environment), str(client.base_url), directory)
    with _shared_lock:
        ledger = _shared.get(path)
        if ledger is None or ledger._conn is None or not ledger.path.exists():
            ledger = _shared[path] = Ledger(path)
    ledger.check(client)
    return ledger


def _for(customer: str | None) -> str:
    return f" for customer {customer}" if customer else ""


@dataclass(frozen=True)
class _Asked:
    """What an attempt asks for, as the ledger compares it: side, grams per SKU, currency, customer."""

    side: str
    items: dict[str, Decimal]
    currency: str
    customer: str | None

    def describe(self) -> str:
        return f"a {self.side} of {items_text(self.items)} {self.currency}{_for(self.customer)}"


@dataclass(frozen=True)
class _Held:
    """An intent already journaled under the id, as far as reopening it is concerned."""

    state: str
    order: _Asked
    doubt_at: str | None
    inflight_at: str | None

    @property
    def doubt_since(self) -> str | None:
        """The later of the two doubt times (both are UTC ISO text of one form, so they sort as text)."""
        return max((t for t in (self.doubt_at, self.inflight_at) if t is not None), default=None)


def _held(db: sqlite3.Connection, external_id: str) -> _Held | None:
    row = db.execute(
        "SELECT state, side, items, currency, customer_external_id, doubt_at, inflight_at FROM intents"
        " WHERE external_id = ?",
        (external_id,),
    ).fetchone()
    if row is None:
        return None
    state, side, items, currency, customer, doubt_at, inflight_at = row
    held = {k: Decimal(a) for k, a in json.loads(items).items()}
    return _Held(state, _Asked(side, held, currency, customer or None), doubt_at, inflight_at)


def _refuse_unless_reopenable(external_id: str, held: _Held, asked: _Asked, *, resend: bool) -> None:
    """Another attempt under a journaled id: only for the same order, never once placed or in conflict."""
    same = (held.order.side, held.order.currency, held.order.customer) == (asked.side, asked.currency, asked.customer)
    if not same or not same_items(held.order.items, asked.items):
        raise ExternalIdConflictError(
            f"{external_id} already belongs to another order in this ledger: {held.order.describe()} "
            f"({held.state}), not {asked.describe()}; use a new external_id"
        )
    if held.state == "placed":
        raise LedgerError(f"{external_id} is already placed; it is never sent again")
    if held.state == "conflict":
        raise ExternalIdConflictError(f"{external_id} belongs to another order at the API; use a new external_id")
    if held.state == "open" and not resend:
        raise LedgerError(
            f"{external_id} has an open intent whose outcome is unknown: resolve it first "
            "(ticket.resolve()) or send the same request again (ticket.resend())"
        )
