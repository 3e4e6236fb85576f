"""The order history as frames, each order once: pulled from the API page by page, or read from a store.

One path for every bulk reader (`minted-lab export`, the demo, `OrdersExplorer`): the pages are read
lazily (paginator and guids only), their bytes go straight to `frames.order_frames` (one decode
per page, in polars, no model per order), and an order listed twice (one that moved pages while
the walk went on) is kept once. `select` applies the same filters to frames already on disk, so a
store answers what the API would have.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from minted_lab.frames import OrderFrames, order_frames, unique_orders

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.models import OrderPage
    from minted_lab.store import OrderStore

__all__ = ["History", "history_frames", "pull_history", "select", "store_history"]

#: the API's `tx_type` filter words and the frames' `type` they select
TYPES = {"buy": "Buy", "sell": "Sell", "delivery": "Delivery"}


@dataclass(frozen=True)
class History:
    """Orders and items, each order once, and where they came from."""

    orders: pl.DataFrame
    items: pl.DataFrame
    pages: int
    """order-list pages read (0 for a store read without a sync)"""
    frames: OrderFrames
    """the frames as built, with their `rejected` and `gaps` reports"""

    def __iter__(self) -> Any:
        return iter((self.orders, self.items))


def history_frames(pages: Iterable[OrderPage], *, strict: bool = True) -> OrderFrames:
    """Frames of these pages with every order once (the first sighting kept), straight from the page bytes."""
    built = order_frames(pages, strict=strict)
    return OrderFrames(unique_orders(built.orders), unique_orders(built.items), built.rejected, built.gaps)


def pull_history(
    client: MintedClient,
    *,
    progress: bool = False,
    on_page: Callable[[OrderPage, int], None] | None = None,
    strict: bool = True,
    **filters: Any,
) -> History:
    """Every page of the (filtered) order list into frames, each order once.

    ``on_page(page, pages_so_far)`` is called after each page (a widget's progress bar);
    ``progress`` shows a tqdm bar where a person watches. Filters are those of ``client.orders``.
    """
    from tqdm.auto import tqdm

    pages: list[OrderPage] = []
    with tqdm(total=None, unit="order", desc="orders", disable=not progress) as bar:
        for page in client.iter_pages(**filters):
            pages.append(page)
            bar.total = max(page.total, bar.n + len(page))
            bar.update(len(page))
            if on_page is not None:
                on_page(page, len(pages))
    built = history_frames(pages, strict=strict)
    return History(built.orders, built.items, len(pages), built)


def store_history(
    store: OrderStore, client: MintedClient | None = None, *, progress: bool | None = None, **filters: Any
) -> History:
    """The history from a store, brought up to date first when a ``client`` is given (an incremental
    sync: only what can have changed is pulled), with ``filters`` applied locally as the API would."""
    pages = 0
    if client is not None:
        pages = store.sync(client, progress=progress).pages
    stored = store.frames()
    orders, items = select(stored.orders, stored.items, **filters)
    return History(orders, items, pages, OrderFrames(orders, items))


def select(orders: pl.DataFrame, items: pl.DataFrame, **filters: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The orders (and their items) the order list would give for these filters: ``start_date`` and
    ``end_date`` (Istanbul days, inclusive), ``status`` (names or ids), ``tx_type``/``type`` (buy, sell,
    delivery), ``sku`` (orders with an item of it) and ``customer_external_id``."""
    known = {"start_date", "end_date", "status", "tx_type", "type", "sku", "customer_external_id"}
    unknown = set(filters) - known
    if unknown:
        raise TypeError(f"unknown filter(s) {sorted(unknown)}: expected some of {sorted(known)}")
    keep = pl.lit(True)
    day = pl.col("order_at").dt.date()
    if filters.get("start_date") is not None:
        keep &= day >= _day(filters["start_date"], "start_date")
    if filters.get("end_date") is not None:
        keep &= day <= _day(filters["end_date"], "end_date")
    status = filters.get("status")
    if status is not None:
        ids, names = _statuses(status)
        keep &= pl.col("status_id").is_in(sorted(ids)) | pl.col("status_name").str.to_lowercase().is_in(sorted(names))
    kinds = filters.get("tx_type", filters.get("type"))
    if kinds is not None:
        keep &= pl.col("type").is_in(_types(kinds))
    if filters.get("customer_external_id") is not None:
        keep &= pl.col("customer_external_id") == str(filters["customer_external_id"])
    dated = filters.get("start_date") is not None or filters.get("end_date") is not None
    undated = int(orders["order_at"].null_count()) if dated else 0
    if undated:
        warnings.warn(
            f"{undated} orders have no order_at (the API left it out), so the date filter leaves them out; "
            "the API's own filter would have used their creation date",
            UserWarning,
            stacklevel=2,
        )
    chosen = orders.filter(keep.fill_null(False))
    if filters.get("sku") is not None:
        with_sku = items.filter(pl.col("sku") == str(filters["sku"]).upper()).select("guid").unique()
        chosen = chosen.join(with_sku, on="guid", how="semi", maintain_order="left")
    return chosen, items.join(chosen.select("guid"), on="guid", how="semi", maintain_order="left")


def _day(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: expected a date (YYYY-MM-DD), got {value!r}") from None


def _words(value: Any) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, Iterable) else [value]
    return [str(p).strip() for p in parts if str(p).strip()]


def _statuses(value: Any) -> tuple[set[int], set[str]]:
    ids, names = set(), set()
    for word in _words(value):
        if word.isdigit():
            ids.add(int(word))
        else:
            names.add(word.lower())
    return ids, names


def _types(value: Any) -> list[str]:
    out = []
    for word in _words(value):
        if word.lower() not in TYPES:
            raise ValueError(f"tx_type: expected buy, sell or delivery, got {word!r}")
        out.append(TYPES[word.lower()])
    return out
