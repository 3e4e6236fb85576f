"""Settling intents by asking the API, and comparing the whole ledger with it: the part that needs a client.

A lookup settles an intent three ways. The API has an order under its ``external_id`` that is this
intent's (side, SKUs, grams, customer): ``placed``, even after a ``not_placed`` verdict (a late
arrival, recorded as such). It has an order that is someone else's: ``conflict``, never adopted.
It has none: ``not_placed`` only once the client's settle window has passed since the last attempt
that may still land; until then the intent stays open, and a resend is the safe way out.
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from minted_lab.errors import APIError, MintedError
from minted_lab.ledger.errors import LedgerBusyError
from minted_lab.ledger.journal import Intent, Ledger
from minted_lab.order_request import items_text, order_differences, order_items, order_side

if TYPE_CHECKING:
    import polars as pl

    from minted_lab.client import MintedClient
    from minted_lab.models import Order
    from minted_lab.store import OrderStore

__all__ = [
    "OUR_EXTERNAL_ID",
    "reconcile_schema",
    "RECONCILE_STATUSES",
    "conflict_text",
    "reconcile",
    "resolve",
    "settle_by_lookup",
    "settle_with",
]

OUR_EXTERNAL_ID = re.compile(r"^ML-[0-9A-F]{12}$")
REVERSED_STATUSES = frozenset({"Cancelled", "Refunding", "Refunded"})

RECONCILE_STATUSES: dict[str, str] = {
    "match": "the ledger and the API agree",
    "resolved_placed": "the outcome was unknown; the API has the order, so it was placed",
    "resolved_not_placed": "the outcome was unknown; the settle window passed and the API has no such order",
    "resolved_late": "settled not placed earlier, but the order landed later: the ledger now says placed",
    "unknown": "still unknown: being sent, not found yet inside the settle window, or the lookup failed",
    "conflict": "the API's order under this external_id is not this intent's",
    "differs": "the API's order differs from the ledger (total, or a reversed status)",
    "missing_in_api": "the ledger says placed but the API has no such order",
    "missing_in_ledger": "the API has an order with one of our external ids that this ledger never sent",
}
"""Every value of the reconcile frame's ``status`` column, with what it means."""


def reconcile_schema() -> pl.Schema:
    """Columns of :func:`reconcile`; items are written ``"GAG 250"``, several joined by ``", "``.

    Built on first use: settling an intent never loads polars, only the comparison frame does.
    """
    import polars as pl

    from minted_lab.frames.dtypes import MONEY

    return pl.Schema(
        {
            "status": pl.String(),
            "detail": pl.String(),
            "external_id": pl.String(),
            "type": pl.String(),
            "ledger_state": pl.String(),
            "order_code": pl.String(),
            "guid": pl.String(),
            "ledger_items": pl.String(),
            "api_items": pl.String(),
            "ledger_total": MONEY,
            "api_total": MONEY,
            "ledger_status": pl.String(),
            "api_status": pl.String(),
        }
    )


def __getattr__(name: str) -> Any:
    """``RECONCILE_SCHEMA``, made when first asked for (see :func:`reconcile_schema`)."""
    if name == "RECONCILE_SCHEMA":
        return reconcile_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def conflict_text(intent: Intent, order: Order, differences: list[str]) -> str:
    """Both orders, named: ours (never placed) and the API's under the same external id."""
    api_items = order_items(order)
    theirs = items_text(api_items) if api_items is not None else "items without SKUs"
    side = order_side(order)
    return (
        f"{intent.external_id} belongs to another order at the API: order {order.order_code} "
        f"({side.capitalize() if side else 'type not shown'} of {theirs}), not this {intent.side} of "
        f"{items_text(intent.items)} ({'; '.join(differences)}); ours was never placed under this id"
    )


def settle_with(ledger: Ledger, client: MintedClient, intent: Intent, order: Order | None) -> Intent:
    """Settle ``intent`` by what a lookup found (``order`` or None); call with its in-flight lock held."""
    if intent.state in ("placed", "conflict"):
        return intent
    if order is not None:
        differences = order_differences(intent.side, intent.items, intent.customer_external_id, order)
        if differences:
            return ledger.settle_conflict(intent.external_id, conflict_text(intent, order, differences), order)
        return ledger.settle_placed(intent.external_id, order, via="lookup")
    if intent.state != "open":
        return intent
    return ledger.settle_not_found(intent.external_id, now=client.now(), settle_window=client.settle_window)


def settle_by_lookup(ledger: Ledger, client: MintedClient, external_id: str) -> Intent:
    """Look the order up by ``external_id`` and settle the intent; call with its in-flight lock held."""
    intent = ledger._get(external_id)
    if intent.state in ("placed", "conflict"):
        return intent
    return settle_with(ledger, client, intent, client.resolve(external_id))


def resolve(ledger: Ledger, client: MintedClient, external_id: str) -> Intent:
    """Settle an intent by looking its order up: placed, conflict, not placed, or still open.

    Raises :class:`LedgerBusyError` while the order is being sent, and lets the client's error
    through when the lookup itself fails (the intent then stays as it was). A ``not_placed``
    intent is looked up too, so an order that landed late is adopted.
    """
    ledger.check(client)
    intent = ledger._get(external_id)
    if intent.state in ("placed", "conflict"):
        return intent
    with ledger.sending(external_id, busy="is being sent right now; resolve it once that settles"):
        return settle_by_lookup(ledger, client, external_id)


def reconcile(
    ledger: Ledger, client: MintedClient, *, only_ours: bool = True, store: OrderStore | None = None
) -> pl.DataFrame:
    """Resolve open intents, adopt late arrivals, then compare the ledger with the API's order history.

    Orders are fetched from one day before the ledger's first date on (``startDate``); with a
    ``store`` (`minted_lab.store.OrderStore`), the store is synced (only what can have changed is
    pulled) and the history is read from it, with the same date filter. An API
    order absent from the ledger is reported (``missing_in_ledger``) only when its
    ``external_id`` looks like one of ours (``ML-`` + 12 hex digits), unless ``only_ours=False``.
    Status progress (Pending → Completed) is stored and counts as a match; a reversed status
    (Cancelled, Refunding, Refunded) is a difference. Statuses: :data:`RECONCILE_STATUSES`;
    columns: :data:`RECONCILE_SCHEMA`.
    """
    ledger.check(client)
    before = {intent.external_id: intent.state for intent in ledger.intents()}
    rows: dict[str, dict[str, Any]] = {}
    for intent in ledger.open_intents():
        try:
            resolve(ledger, client, intent.external_id)
        except LedgerBusyError:
            rows[intent.external_id] = _row("unknown", "being sent right now; reconcile again once it settles", intent)
        except MintedError as exc:
            rows[intent.external_id] = _row("unknown", f"could not look it up: {exc}", intent)

    start = ledger.span_start()
    filters: dict[str, Any] = {}
    if start is not None:
        filters["start_date"] = start - timedelta(days=1)
    api_orders = _listed_orders(client, filters) if store is None else _stored_orders(store, client, filters)

    for intent in ledger.intents():
        eid = intent.external_id
        if eid in rows:
            continue
        order = api_orders.get(eid) if api_orders is not None else _looked_up(client, intent)
        if intent.state == "not_placed" and order is not None:
            try:
                with ledger.sending(eid, busy="is being sent right now"):
                    intent = settle_with(ledger, client, ledger._get(eid), order)
            except LedgerBusyError:
                rows[eid] = _row("unknown", "being sent right now; reconcile again once it settles", intent, order)
                continue
        rows[eid] = _compare(ledger, client, intent, before.get(eid), order)

    for external_id, order in (api_orders or {}).items():
        if external_id in rows or (only_ours and not OUR_EXTERNAL_ID.match(external_id)):
            continue
        rows[external_id] = _row(
            "missing_in_ledger", f"the API has order {order.order_code}; this ledger never sent it", None, order
        )
    import polars as pl

    return pl.DataFrame(list(rows.values()), schema=reconcile_schema())


def _listed_orders(client: MintedClient, filters: dict[str, Any]) -> dict[str, Order] | None:
    """The API's orders by external id from the order list, or None when that (guessed) endpoint is not there.

    The order list (``GET /partner/orders``) is inferred, not documented: a 404 or 405 from it
    makes reconciliation fall back to looking each intent up by ``external_id`` (Get Order
    (Alternative), documented), and says so in a warning, since orders sent from elsewhere can
    then not be listed.
    """
    orders: dict[str, Order] = {}
    try:
        for order in client.iter_orders(**filters):
            if order.external_id:
                orders.setdefault(order.external_id, order)
    except APIError as exc:
        if exc.status not in (404, 405, 501):
            raise
        warnings.warn(
            f"the order list is not available ({exc}); every intent was looked up by its external_id instead "
            "(Get Order (Alternative)), so orders this ledger never sent cannot be reported",
            UserWarning,
            stacklevel=3,
        )
        return None
    return orders


def _stored_orders(store: OrderStore, client: MintedClient, filters: dict[str, Any]) -> dict[str, Order]:
    """The API's orders by external id, from a store brought up to date first (see `history.store_history`).

    The date filter keeps the orders whose time the API left out (the documented Get Order shape has
    no ``order_at``): the order list would have filtered them by a date the store never saw.
    """
    import polars as pl

    from minted_lab.history import store_history
    from minted_lab.models import Order

    history = store_history(store, client, progress=False)
    chosen, items = history.orders, history.items
    start = filters.get("start_date")
    if start is not None:
        chosen = chosen.filter(pl.col("order_at").is_null() | (pl.col("order_at").dt.date() >= start))
        items = items.join(chosen.select("guid"), on="guid", how="semi")
    lines: dict[str, list[dict[str, Any]]] = {}
    for item in items.iter_rows(named=True):
        lines.setdefault(item["guid"], []).append(
            {k: item[k] for k in ("sku", "product_id", "amount", "price", "spot_price", "total")}
        )
    orders: dict[str, Order] = {}
    for row in chosen.iter_rows(named=True):
        if not row["external_id"]:
            continue
        stored = {k: row[k] for k in ("guid", "order_code", "external_id", "type", "status_id", "status_name")}
        stored.update(
            price=row["price"],
            tax=row["tax"],
            total=row["total"],
            currency_code=row["currency"],
            currency_rate=row["currency_rate"],
            currency_total=row["currency_total"],
            order_at=row["order_at"].isoformat() if row["order_at"] is not None else None,
            customer={"external_id": row["customer_external_id"]} if row["customer_external_id"] else None,
            items=lines.get(row["guid"], []),
        )
        orders.setdefault(row["external_id"], Order.from_api(stored))
    return orders


def _looked_up(client: MintedClient, intent: Intent) -> Order | None:
    """The intent's order by a documented lookup (used when the order list is not available)."""
    return client.resolve(intent.external_id) if intent.state in ("placed", "not_placed") else None


def _compare(
    ledger: Ledger, client: MintedClient, intent: Intent, was: str | None, order: Order | None
) -> dict[str, Any]:
    """One reconcile row for an intent that is settled (or was just settled) in the ledger."""
    state = intent.state
    if state == "conflict":
        return _row("conflict", intent.error or "the API's order under this external_id is not ours", intent, order)
    if state == "open":
        return _row("unknown", intent.error or "the outcome is still unknown", intent, order)
    if state == "placed" and order is None:
        order = client.resolve(intent.external_id)
    if was == "open":
        if state == "placed":
            return _row("resolved_placed", f"outcome was unknown; the API has order {intent.order_code}", intent, order)
        return _row(
            "resolved_not_placed",
            "outcome was unknown; the settle window passed and the API has no such order, so it was not placed",
            intent,
            order,
        )
    if was == "not_placed" and state == "placed":
        return _row(
            "resolved_late",
            f"settled not placed earlier, but order {intent.order_code} landed later; the ledger now says placed",
            intent,
            order,
        )
    if state == "not_placed":
        return _row("match", "not placed, and the API has no such order", intent, order)
    if order is None:
        return _row("missing_in_api", f"placed as {intent.order_code} but the API has no such order", intent)
    differences = _differences(intent, order)
    if differences:
        return _row("differs", "; ".join(differences), intent, order)
    detail = "same items, total and status"
    if order.status_name != intent.status_name:
        detail = f"same items and total; status moved {intent.status_name} → {order.status_name}"
        ledger.refresh_status(intent.external_id, order)
    return _row("match", detail, intent, order)


def _differences(intent: Intent, order: Order) -> list[str]:
    found = order_differences(intent.side, intent.items, intent.customer_external_id, order)
    if intent.total is not None and order.total is not None and Decimal(str(order.total)) != intent.total:
        found.append(f"total: ledger {intent.total}, API {order.total}")
    if order.status_name in REVERSED_STATUSES:
        found.append(f"status: ledger {intent.status_name}, API {order.status_name}")
    return found


def _row(status: str, detail: str, intent: Intent | None, order: Order | None = None) -> dict[str, Any]:
    api_items = order_items(order) if order is not None else None
    return {
        "status": status,
        "detail": detail,
        "external_id": intent.external_id if intent else order.external_id if order else None,
        "type": intent.side.capitalize() if intent else getattr(order, "type", None),
        "ledger_state": intent.state if intent else None,
        "order_code": (order.order_code if order else None) or (intent.order_code if intent else None),
        "guid": (order.guid if order else None) or (intent.guid if intent else None),
        "ledger_items": items_text(intent.items) if intent else None,
        "api_items": items_text(api_items) if api_items is not None else None,
        "ledger_total": intent.total if intent else None,
        "api_total": Decimal(str(order.total)) if order is not None and order.total is not None else None,
        "ledger_status": intent.status_name if intent else None,
        "api_status": order.status_name if order else None,
    }
