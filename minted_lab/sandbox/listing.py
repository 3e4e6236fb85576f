"""The order list: query parsing, filters, stable sorting and a Laravel-style paginator."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, overload
from urllib.parse import urlencode

from minted_lab.sandbox.catalog import BY_SKU, STATUS_NAMES
from minted_lab.sandbox.clock import ISTANBUL
from minted_lab.sandbox.envelope import Problems
from minted_lab.sandbox.model import Order
from minted_lab.sandbox.validation import iso_date

SORT_KEYS = ("created_at", "total", "type", "customer_external_id")
TX_TYPES = {"buy": "Buy", "sell": "Sell", "delivery": "Delivery"}
ON_EACH_SIDE = 3


@dataclass(frozen=True)
class OrderQuery:
    """A validated order-list query."""

    page: int = 1
    per_page: int = 10
    sort_by: str = "created_at"
    descending: bool = True
    statuses: frozenset[int] | None = None
    sku: str | None = None
    customer_external_id: str | None = None
    start: date | None = None
    end: date | None = None
    types: frozenset[str] | None = None

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (else every order is listed)."""
        filters = (self.statuses, self.sku, self.customer_external_id, self.types, self.start, self.end)
        return any(f is not None for f in filters)

    @property
    def scans(self) -> bool:
        """Whether `select` looks at every order (a filter or a sort other than creation order); a query
        that does not gets a view of the orders in O(1), to be paged while the book's lock is held."""
        return self.filtered or self.sort_by != "created_at"


def _int(value: str, low: int, high: int) -> int | None:
    if not re.fullmatch(r"[0-9]{1,10}", value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_query(params: Mapping[str, str], problems: Problems, buy_tx_type: str = "buy") -> OrderQuery:
    """Read `page, total, sortBy, sortType, status, sku, customer_external_id, startDate, endDate, tx_type`.

    `tx_type` takes `buy`, `sell`, `delivery` and the profile's `tx_type` of a buy (profiles.Profile)."""
    values = {k: v for k, v in params.items() if v != ""}
    out: dict[str, Any] = {}
    if "page" in values:
        out["page"] = _int(values["page"], 1, 10**9)
        if out["page"] is None:
            problems.add("page", "integer_range", min=1, max=10**9)
    if "total" in values:
        out["per_page"] = _int(values["total"], 5, 30)
        if out["per_page"] is None:
            problems.add("total", "integer_range", min=5, max=30)
    if "sortBy" in values:
        out["sort_by"] = values["sortBy"]
        if values["sortBy"] not in SORT_KEYS:
            problems.add("sortBy", "one_of", choices=", ".join(SORT_KEYS))
    if "sortType" in values:
        out["descending"] = values["sortType"] == "desc"
        if values["sortType"] not in ("asc", "desc"):
            problems.add("sortType", "one_of", choices="asc, desc")
    if "status" in values:
        ids = [_int(part.strip(), 1, 12) for part in values["status"].split(",")]
        if any(i is None for i in ids):
            problems.add("status", "status_ids")
        out["statuses"] = frozenset(i for i in ids if i is not None)
    if "sku" in values:
        out["sku"] = values["sku"]
        if values["sku"] not in BY_SKU:
            problems.add("sku", "unknown_sku")
    if "customer_external_id" in values:
        out["customer_external_id"] = values["customer_external_id"]
        if len(values["customer_external_id"]) > 110:
            problems.add("customer_external_id", "length", min=1, max=110)
    for key, name in (("startDate", "start"), ("endDate", "end")):
        if key in values:
            out[name] = iso_date(values[key])
            if out[name] is None:
                problems.add(key, "iso_date")
    if "tx_type" in values:
        known = {**TX_TYPES, buy_tx_type.lower(): "Buy"}
        parts = [p.strip().lower() for p in values["tx_type"].split(",")]
        if any(p not in known for p in parts):
            problems.add("tx_type", "one_of", choices=", ".join(known))
        out["types"] = frozenset(known[p] for p in parts if p in known)
    return OrderQuery(**out)


def select(orders: list[Order], query: OrderQuery, now: datetime) -> Sequence[Order]:
    """Filter and sort; ties in the sort key fall back to creation sequence. A query that does not
    `scan` gets `orders` itself, or a newest-first view of it (no copy: slice it under the book's lock)."""
    if not query.scans:
        # orders are stored by creation sequence and the clock never runs backwards
        return NewestFirst(orders) if query.descending else orders

    chosen = _kept(_dated(orders, query), query, now) if query.filtered else list(orders)
    if query.sort_by == "created_at":
        if query.descending:
            chosen.reverse()
        return chosen
    key = _sort_key(query.sort_by)
    chosen.sort(key=lambda o: (key(o), o.seq), reverse=query.descending)
    return chosen


def _kept(orders: list[Order], query: OrderQuery, now: datetime) -> list[Order]:
    """The orders that pass every filter of `query`, in their order: one pass per filter set, the
    cheapest and most selective first, so a sweep of a week's reversals reads each order once."""
    kept = orders
    if query.statuses is not None:
        statuses = query.statuses
        kept = [o for o in kept if o.status_at(now) in statuses]
    if query.types is not None:
        types = query.types
        kept = [o for o in kept if o.type in types]
    if query.customer_external_id is not None:
        customer = query.customer_external_id
        kept = [o for o in kept if o.customer_external_id == customer]
    if query.sku is not None:
        sku = query.sku
        kept = [o for o in kept if o.has_sku(sku)]
    if query.start is not None or query.end is not None:
        first, last = query.start or date.min, query.end or date.max
        kept = [o for o in kept if first <= o.created_at.astimezone(ISTANBUL).date() <= last]
    return kept if kept is not orders else list(orders)


def dated(orders: list[Order], query: OrderQuery) -> list[Order]:
    """A copy of the orders `query`'s dates can hold (all of them without a date filter): what a
    filtered `select` reads, taken under the book's lock and scanned outside it."""
    found = _dated(orders, query)
    return list(found) if found is orders else found


def _dated(orders: list[Order], query: OrderQuery) -> list[Order]:
    """The orders created on the query's days, found by bisection: the book holds orders in creation
    order, so a date filter reads only its days instead of scanning a 100 000-order book."""
    lo, hi = 0, len(orders)
    if query.start is not None:
        lo = bisect_left(orders, datetime.combine(query.start, time.min, ISTANBUL), key=_created)
    if query.end is not None:
        hi = bisect_left(orders, datetime.combine(query.end + timedelta(days=1), time.min, ISTANBUL), key=_created)
    return orders if (lo, hi) == (0, len(orders)) else orders[lo:hi]


def _created(o: Order) -> datetime:
    return o.created_at


class NewestFirst(Sequence[Order]):
    """A list of orders read back to front without copying it: a page of a 100 000-order book slices 30."""

    __slots__ = ("_orders",)

    def __init__(self, orders: list[Order]) -> None:
        self._orders = orders

    def __len__(self) -> int:
        return len(self._orders)

    @overload
    def __getitem__(self, index: int) -> Order: ...

    @overload
    def __getitem__(self, index: slice) -> list[Order]: ...

    def __getitem__(self, index: int | slice) -> Order | list[Order]:
        last = len(self._orders) - 1
        if isinstance(index, slice):
            return [self._orders[last - i] for i in range(*index.indices(last + 1))]
        if not -last - 1 <= index <= last:
            raise IndexError("order index out of range")
        return self._orders[last - index if index >= 0 else -index - 1]


def _sort_key(name: str) -> Callable[[Order], Any]:
    if name == "total":
        return lambda o: o.total
    if name == "type":
        return lambda o: o.type
    if name == "customer_external_id":
        return lambda o: o.customer_external_id or ""
    return lambda o: o.created_at


def paginate(
    rows: Sequence[Order],
    query: OrderQuery,
    path: str,
    params: Mapping[str, str],
    render: Callable[[Order], Any],
) -> dict[str, Any]:
    """A Laravel LengthAwarePaginator over `rows` (page URLs keep the other query parameters)."""
    per_page, page, total = query.per_page, query.page, len(rows)
    last_page = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    chunk = rows[start : start + per_page]
    url = page_url(path, params)

    links: list[dict[str, Any]] = [
        {"url": url(page - 1) if page > 1 else None, "label": "&laquo; Previous", "active": False}
    ]
    for element in _window(page, last_page):
        if element is None:
            links.append({"url": None, "label": "...", "active": False})
        else:
            links.append({"url": url(element), "label": str(element), "active": element == page})
    links.append({"url": url(page + 1) if page < last_page else None, "label": "Next &raquo;", "active": False})
    return {
        "current_page": page,
        "data": [render(o) for o in chunk],
        "first_page_url": url(1),
        "from": start + 1 if chunk else None,
        "last_page": last_page,
        "last_page_url": url(last_page),
        "links": links,
        "next_page_url": url(page + 1) if page < last_page else None,
        "path": path,
        "per_page": per_page,
        "prev_page_url": url(page - 1) if page > 1 else None,
        "to": start + len(chunk) if chunk else None,
        "total": total,
    }


def page_url(path: str, params: Mapping[str, str]) -> Callable[[int], str]:
    """`n -> path?<params but page>&page=n`, the query encoded once: what urlencode writes with
    `("page", str(n))` appended, since a page number needs no quoting."""
    others = urlencode([(k, v) for k, v in params.items() if k != "page"])
    prefix = f"{path}?{others}&page=" if others else f"{path}?page="

    def url(n: int) -> str:
        return f"{prefix}{n}"

    return url


def _window(page: int, last: int) -> list[int | None]:
    """Laravel's UrlWindow: page numbers with None for the "..." gaps."""
    if last < ON_EACH_SIDE * 2 + 8:
        return list(range(1, last + 1))
    window = ON_EACH_SIDE + 4
    if page <= window:
        return list(range(1, window + ON_EACH_SIDE + 1)) + [None, last - 1, last]
    if page > last - window:
        return [1, 2, None] + list(range(last - (window + ON_EACH_SIDE - 1), last + 1))
    return [1, 2, None] + list(range(page - ON_EACH_SIDE, page + ON_EACH_SIDE + 1)) + [None, last - 1, last]


def statuses() -> list[dict[str, Any]]:
    """The status table `[{id, name}]`."""
    return [{"id": i, "name": n} for i, n in STATUS_NAMES.items()]
