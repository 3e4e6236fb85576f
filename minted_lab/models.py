"""Typed, immutable views of the API's answers.

Every price, amount, tax and total is a Decimal; every date-time is aware (naive API times are
Europe/Istanbul; a date alone is its midnight). Unknown keys and unknown enum values (a new status,
a new SKU) are kept, never fatal: each model keeps the object exactly as the API sent it in ``.raw``
(numbers as Decimal).

What a documented shape leaves out is derived where it can be, by the rules of `minted_lab._parse`
that the frames follow too: an order's ``type`` from ``tx_type``, an item's ``sku`` from its
``product_id`` (``catalog.SKU_BY_PRODUCT_ID``); ``customer: []`` is no customer; booleans sent as
text read as what they say. What can be neither read nor derived is null and listed in the order's
``gaps`` (`Gap`: the field and why), never silently. A value that is there but unreadable (a date in
none of the API's formats, a number that is not one) raises `ParseError`, naming the order
(``guid``, ``order_code``, ``external_id``) and the field.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from ._parse import (
    MISSING,
    NO_CUSTOMER_SHAPES,
    REPORTED_ORDER_FIELDS,
    Gap,
    ParseError,
    expected,
    is_no_customer,
    item_sku,
    loads,
    order_ids,
    order_type,
    parse_date,
    parse_datetime,
    to_bool,
    to_decimal,
    to_int,
)
from .catalog import spread, spread_ratio

M = TypeVar("M")

__all__ = [
    "Gap",
    "ParseContext",
    "ParseError",
    "QuotePrice",
    "Quote",
    "OrderCustomer",
    "OrderItem",
    "Order",
    "OrderResult",
    "OrderPage",
    "OrderStatus",
    "ProductPrice",
    "MintedPrice",
    "MintedPrices",
    "Wallet",
    "Customer",
]

Raw = dict[str, Any]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs beyond the JSON: the client's clock and what was asked."""

    received_at: datetime = field(default_factory=_utc_now)
    clock: Callable[[], datetime] = _utc_now
    content: bytes = b""
    customer_external_id: str | None = None
    external_id: str | None = None


_DEFAULT_CTX = ParseContext(received_at=datetime(1970, 1, 1, tzinfo=UTC))


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _raw(d: Mapping[str, Any]) -> Raw:
    return d if type(d) is dict else dict(d)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(to_int(value)) if value == value.to_integral_value() else str(value)
    return str(value)


def _dt(data: Mapping[str, Any], key: str) -> datetime | None:
    """A date-time field, or None when missing; an unreadable one raises ParseError naming the field."""
    try:
        return parse_datetime(data.get(key))
    except ValueError as e:
        raise ParseError.of(e, key) from None


def _read(data: Mapping[str, Any], key: str, read: Callable[[Any], Any]) -> Any:
    """``read(data[key])``; a ValueError becomes a ParseError naming the field."""
    try:
        return read(data.get(key))
    except ValueError as e:
        raise ParseError.of(e, key) from None


def _birthdate(data: Mapping[str, Any]) -> tuple[date | None, tuple[Gap, ...]]:
    """A birthdate, and a `Gap` when it is there but unreadable (the Order Schema's skeleton writes
    ``"string"``): personal data, not a time the API keeps, so it is reported rather than fatal."""
    try:
        return parse_date(data.get("birthdate")), ()
    except ValueError as e:
        return None, (Gap("birthdate", f"{e}: kept in .raw"),)


def _named(error: ValueError, what: str, ids: Mapping[str, str | None] | None = None, body: bytes = b"") -> ParseError:
    """``error`` as a ParseError naming the object it was read from (when it names none yet) and its body."""
    return ParseError.of(error).located(what=what, ids=ids, body=body or None)


_READERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "str | None": lambda d, k: _str(d.get(k)),
    "int | None": lambda d, k: to_int(d.get(k)),
    "Decimal | None": lambda d, k: _read(d, k, to_decimal),
    "datetime | None": _dt,
    "bool | None": lambda d, k: _read(d, k, to_bool),
}
"""How a plain field is read from the JSON key of the same name, by its annotation."""


@functools.cache
def _plain_fields(cls: type) -> tuple[tuple[str, Callable[[Mapping[str, Any], str], Any]], ...]:
    return tuple((f.name, _READERS[f.type]) for f in fields(cls) if f.type in _READERS)


def _build(cls: type[M], d: Mapping[str, Any], **given: Any) -> M:
    """A model whose plain fields are read from the same-named keys by their type; ``given`` sets the others."""
    model: type = cls  # a plain type: the cache needs a hashable key, and a type[M] cannot be called with fields
    values = {name: read(d, name) for name, read in _plain_fields(model) if name not in given}
    return cast(M, model(**values, **given, raw=_raw(d)))


def _money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    return f"{value:,} {currency}" if currency else f"{value:,}"


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _spread(price: Decimal | None, spot: Decimal | None) -> Decimal | None:
    """`catalog.spread`, or None when either price is missing."""
    if price is None or spot is None:
        return None
    return spread(price, spot)


# --------------------------------------------------------------------------------------- quotes


@dataclass(frozen=True, slots=True)
class QuotePrice:
    """One SKU's fixed prices per gram, in the quote's currency."""

    sku: str
    product_id: int | None
    currency_id: int | None
    spot_price: Decimal | None
    buy_price: Decimal | None
    sell_price: Decimal | None
    buy_amount: Decimal | None
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> QuotePrice:
        d = _obj(data, "quote price")
        try:
            return _build(cls, d, sku=_str(d.get("sku")) or "")
        except ValueError as e:
            raise _named(e, "quote price", {"sku": _str(d.get("sku"))}) from None

    @property
    def buy_spread(self) -> Decimal | None:
        """``buy_price - spot_price`` (positive when buying costs more than spot)."""
        return _spread(self.buy_price, self.spot_price)

    @property
    def sell_spread(self) -> Decimal | None:
        """``sell_price - spot_price`` (negative when selling pays less than spot)."""
        return _spread(self.sell_price, self.spot_price)

    @property
    def buy_spread_ratio(self) -> float | None:
        """``buy_spread / spot_price`` as a ratio (0.0202 is 2.02 %), as the frames' column of that name."""
        return None if self.buy_price is None else spread_ratio(self.buy_price, self.spot_price)

    @property
    def sell_spread_ratio(self) -> float | None:
        """``sell_spread / spot_price`` as a ratio (-0.0169 is -1.69 %), as the frames' column of that name."""
        return None if self.sell_price is None else spread_ratio(self.sell_price, self.spot_price)


@dataclass(frozen=True, slots=True)
class Quote:
    """A price fix: the token a sell or buy must carry, and the prices it locks, for ``expire_ttl`` seconds.

    ``seconds_left()`` counts on the client's own clock from ``received_at``, so a skewed clock
    between us and the server does not matter.
    """

    token: str
    currency: str
    customer_external_id: str | None
    total: Decimal | None
    is_total_price: bool
    expires_at: datetime
    expire_ttl: int
    fixed_at: datetime
    received_at: datetime
    prices: tuple[QuotePrice, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)
    clock: Callable[[], datetime] = field(default=_utc_now, repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Quote:
        d = _obj(data, "quote")
        if ctx is _DEFAULT_CTX:
            ctx = ParseContext()
        token = d.get("token")
        if not isinstance(token, str) or not token:
            raise ValueError("quote: no token")
        try:
            ttl_value = _read(d, "expire_ttl", to_decimal)
            ttl = int(ttl_value) if ttl_value is not None else 0
            expires_at = _dt(d, "expires_at") or ctx.received_at + timedelta(seconds=ttl)
            return cls(
                token=token,
                currency=_str(d.get("currency")) or "GBP",
                customer_external_id=ctx.customer_external_id,
                total=_read(d, "total", to_decimal),
                is_total_price=bool(_read(d, "is_total_price", to_bool)),
                expires_at=expires_at,
                expire_ttl=ttl,
                fixed_at=expires_at - timedelta(seconds=ttl),
                received_at=ctx.received_at,
                prices=tuple(QuotePrice.from_api(p) for p in d.get("prices") or ()),
                raw=_raw(d),
                clock=ctx.clock,
            )
        except ValueError as e:
            raise _named(e, "quote", {"token": token[:6] + "…"}, ctx.content) from None

    @property
    def skus(self) -> tuple[str, ...]:
        """The SKUs this quote prices, in the API's order."""
        return tuple(p.sku for p in self.prices)

    def price(self, sku: str) -> QuotePrice:
        """The prices of one SKU; KeyError names it and the SKUs available."""
        for p in self.prices:
            if p.sku == sku:
                return p
        raise KeyError(f"no price for SKU {sku!r} in this quote (available: {', '.join(self.skus) or 'none'})")

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the token expires: ``expire_ttl`` minus the time elapsed on our clock since receipt."""
        now = now or self.clock()
        return self.expire_ttl - (now - self.received_at).total_seconds()

    def is_expired(self, now: datetime | None = None) -> bool:
        """True once ``seconds_left()`` reaches zero."""
        return self.seconds_left(now) <= 0

    def __repr__(self) -> str:
        prices = ", ".join(f"{p.sku} {p.buy_price}/{p.sell_price}" for p in self.prices)
        who = f", customer={self.customer_external_id!r}" if self.customer_external_id else ""
        total = f", total={self.total}" if self.total is not None else ""
        return (
            f"Quote({self.currency}{who}{total}, {self.seconds_left():.0f}s left, "
            f"buy/sell per gram: {prices}, token={self.token[:6]}…)"
        )

    def _repr_html_(self) -> str:
        left = self.seconds_left()
        state = "expired" if left <= 0 else f"{left:.0f} s left"
        with_amount = any(p.buy_amount is not None for p in self.prices)
        rows = [
            [p.sku, p.spot_price, p.buy_price, p.sell_price, p.buy_spread, p.sell_spread]
            + (["" if p.buy_amount is None else p.buy_amount] if with_amount else [])
            for p in self.prices
        ]
        per_gram = f"{self.currency}/g"
        head = [f"{name} ({per_gram})" for name in ("spot", "buy", "sell", "buy spread", "sell spread")]
        who = f" for customer {_esc(self.customer_external_id)}" if self.customer_external_id else ""
        total = f", total {_esc(self.total)}" if self.total is not None else ""
        return (
            f"<div><b>Quote</b> in {_esc(self.currency)}{who}{total}: <b>{state}</b> "
            f"(expires {_esc(self.expires_at.isoformat())})"
            + _table(["sku", *head, *(["buy amount (g)"] if with_amount else [])], rows)
            + "</div>"
        )


# --------------------------------------------------------------------------------------- orders


@dataclass(frozen=True, slots=True)
class OrderCustomer:
    """The end customer an order was placed for (B2B2C); None on the partner's own orders."""

    external_id: str | None
    firstname: str | None
    middlename: str | None
    lastname: str | None
    fullname: str | None
    email: str | None
    phone: str | None
    gender: str | None
    identity_number: str | None
    birthdate: date | None
    raw: Raw = field(repr=False, compare=False, hash=False)
    gaps: tuple[Gap, ...] = field(default=(), repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderCustomer:
        d = _obj(data, "order customer")
        birthdate, gaps = _birthdate(d)
        return cls(
            external_id=_str(d.get("external_id")),
            firstname=d.get("firstname"),
            middlename=d.get("middlename"),
            lastname=d.get("lastname"),
            fullname=d.get("fullname"),
            email=d.get("email"),
            phone=_str(d.get("phone")),
            gender=d.get("gender"),
            identity_number=_str(d.get("identity_number")),
            birthdate=birthdate,
            raw=_raw(d),
            gaps=gaps,
        )

    def __repr__(self) -> str:
        return f"OrderCustomer(external_id={self.external_id!r}, fullname={self.fullname!r})"


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order: grams of one SKU at one price.

    ``sku`` is the item's own, else its ``product_id``'s in the catalog (the documented Get Order
    names only the product); when neither tells it, it is None and ``gaps`` says why.
    """

    sku: str | None
    product_id: int | None
    product_name: str | None
    spot_price: Decimal | None
    price: Decimal | None
    tax_rate: Decimal | None
    tax: Decimal | None
    amount: Decimal | None
    total: Decimal | None
    raw: Raw = field(repr=False, compare=False, hash=False)
    gaps: tuple[Gap, ...] = field(default=(), repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderItem:
        d = _obj(data, "order item")
        sku, unknown = item_sku(d.get("sku"), to_int(d.get("product_id")))
        return _build(cls, d, sku=sku, gaps=(Gap("sku", unknown),) if unknown else ())


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the API reports it (Order Schema plus the keys the examples carry).

    ``type`` is the order's own, else derived from ``tx_type`` (``buy`` → ``Buy``, ``sell``,
    ``delivery``); ``customer`` is None for null or PHP's ``[]``. ``gaps`` lists each reported field
    (``type``, ``currency_code``, ``order_at``, ``items[i].sku``) the API left out and that could
    not be derived, with why: those are None. An unreadable value raises `ParseError` naming the
    order and the field.
    """

    guid: str | None
    order_code: str | None
    external_id: str | None
    type: str | None
    status_id: int | None
    status_name: str | None
    currency_code: str | None
    price: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    payment_cost: Decimal | None
    currency_rate: Decimal | None
    currency_total: Decimal | None
    order_at: datetime | None
    description: str | None
    customer: OrderCustomer | None
    items: tuple[OrderItem, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)
    gaps: tuple[Gap, ...] = field(default=(), repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Order:
        d = _obj(data, "order")
        try:
            type_, unknown = order_type(d.get("type"), d.get("tx_type"))
            gaps = [Gap("type", unknown)] if unknown else []
            gaps.extend(Gap(key, MISSING) for key in REPORTED_ORDER_FIELDS if key != "type" and d.get(key) is None)
            items = tuple(_items(d.get("items")))
            gaps.extend(Gap(f"items[{i}].{g.field}", g.reason) for i, item in enumerate(items) for g in item.gaps)
            customer = _customer(d.get("customer"))
            gaps.extend(Gap(f"customer.{g.field}", g.reason) for g in (customer.gaps if customer else ()))
            return _build(cls, d, type=type_, customer=customer, items=items, gaps=tuple(gaps))
        except ValueError as e:
            raise _named(e, "order", order_ids(d), ctx.content) from None

    @property
    def skus(self) -> tuple[str, ...]:
        """The SKUs of the items (None for items the API sent without one)."""
        return tuple(i.sku for i in self.items if i.sku)

    def __repr__(self) -> str:
        who = f", customer={self.customer.external_id!r}" if self.customer else ""
        at = f", at={self.order_at:%Y-%m-%d %H:%M %Z}" if self.order_at else ""
        items = ", ".join(f"{i.amount}g {i.sku or i.product_id}" for i in self.items)
        gaps = f", unknown=[{', '.join(g.field for g in self.gaps)}]" if self.gaps else ""
        return (
            f"Order({self.order_code} {self.type} {self.status_name}, total={_money(self.total, self.currency_code)}, "
            f"items=[{items}], external_id={self.external_id!r}{who}{at}{gaps})"
        )

    def _repr_html_(self) -> str:
        rows = [[i.sku, i.product_name, i.amount, i.spot_price, i.price, i.total] for i in self.items]
        cur = _esc(self.currency_code or "currency")
        return (
            f"<div><b>Order {_esc(self.order_code)}</b>: {_esc(self.type)}, <b>{_esc(self.status_name)}</b>, "
            f"total {_esc(_money(self.total, self.currency_code))}, external id {_esc(self.external_id)}, "
            f"at {_esc(self.order_at.isoformat() if self.order_at else '—')}"
            + (f", unknown: {_esc(', '.join(g.field for g in self.gaps))}" if self.gaps else "")
            + _table(["sku", "product", "amount (g)", f"spot ({cur}/g)", f"price ({cur}/g)", f"total ({cur})"], rows)
            + "</div>"
        )


def _customer(value: Any) -> OrderCustomer | None:
    """The order's customer: an object, or None for null and PHP's empty array ``[]``; else ParseError."""
    if is_no_customer(value):
        return None
    if not isinstance(value, Mapping):
        raise ParseError(expected(NO_CUSTOMER_SHAPES, value), field="customer")
    try:
        return OrderCustomer.from_api(value)
    except ValueError as e:
        raise ParseError.of(e).located(prefix="customer") from None


def _items(value: Any) -> list[OrderItem]:
    """The order's items: a list (null is none); an item that cannot be read raises naming ``items[i]``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(expected("a list", value), field="items")
    items = []
    for i, item in enumerate(value):
        try:
            items.append(OrderItem.from_api(item))
        except ValueError as e:
            raise ParseError.of(e).located(prefix=f"items[{i}]") from None
    return items


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What a sell or buy returns: the created order(s) and their totals, plus the external id we sent."""

    external_id: str
    order_codes: tuple[str, ...]
    guids: tuple[str, ...]
    price: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    order_at: datetime | None
    orders: tuple[Order, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderResult:
        d = _obj(data, "order result")

        def strings(key: str) -> tuple[str, ...]:
            value = d.get(key)
            if value is None:
                return ()
            return tuple(_str(v) or "" for v in (value if isinstance(value, list) else [value]))

        try:
            orders = tuple(Order.from_api(o, ctx) for o in d.get("orders") or ())
            external_id = ctx.external_id or (orders[0].external_id if orders else None) or ""
            return cls(
                external_id=external_id,
                order_codes=strings("order_code"),
                guids=strings("guid"),
                price=_read(d, "price", to_decimal),
                tax=_read(d, "tax", to_decimal),
                total=_read(d, "total", to_decimal),
                order_at=_dt(d, "order_at"),
                orders=orders,
                raw=_raw(d),
            )
        except ValueError as e:
            ids = {"order_code": ",".join(strings("order_code")) or None, "external_id": ctx.external_id}
            raise _named(e, "order result", ids, ctx.content) from None

    @property
    def order(self) -> Order:
        """The (first and usually only) order created."""
        if not self.orders:
            raise LookupError(f"the answer for {self.external_id!r} carried no order")
        return self.orders[0]

    @property
    def order_code(self) -> str | None:
        """The first order code."""
        return self.order_codes[0] if self.order_codes else None

    def __repr__(self) -> str:
        return (
            f"OrderResult(external_id={self.external_id!r}, order_codes={list(self.order_codes)}, "
            f"total={self.total}, orders={list(self.orders)!r})"
        )

    def _repr_html_(self) -> str:
        inner = "".join(o._repr_html_() for o in self.orders)
        return f"<div><b>Order placed</b>: external id {_esc(self.external_id)}, total {_esc(self.total)}{inner}</div>"


def _page_orders(d: Mapping[str, Any], ctx: ParseContext) -> tuple[Order, ...]:
    """The paginator's orders as models; an unreadable one raises naming the page, the order and the field."""
    rows = d.get("data") or ()
    try:
        return tuple(Order.from_api(o, ctx) for o in rows)
    except ValueError as e:
        raise _named(e, f"order page {d.get('current_page')}", body=ctx.content) from None


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of the order list (a Laravel paginator); ``content`` is the response body as received.

    A page read for frames (``lazy``: what `iter_pages`, `all_pages` and a store's sync give) holds the
    paginator, its orders' guids and the body; its `orders` and `raw` are decoded from the body on
    first use, so a bulk pull decodes each page's orders once, in polars (`frames.order_frames`).
    """

    current_page: int
    last_page: int
    per_page: int
    total: int
    next_page_url: str | None
    guids: tuple[str | None, ...]
    content: bytes = field(default=b"", repr=False, compare=False, hash=False)
    _decoded: list[tuple[Raw, tuple[Order, ...]]] = field(default_factory=list, repr=False, compare=False, hash=False)
    _ctx: ParseContext = field(default=_DEFAULT_CTX, repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderPage:
        d = _obj(data, "order page")
        orders = _page_orders(d, ctx)
        return cls._of(d, tuple(o.guid for o in orders), ctx, decoded=(_raw(d), orders))

    @classmethod
    def from_paginator(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderPage:
        """The page from a paginator decoded without exact numbers (its money is never read from it):
        the paginator's counts and links and each order's guid; the orders wait in ``ctx.content``."""
        d = _obj(data, "order page")
        rows = d.get("data")
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise ParseError(expected("a list of orders", rows), field="data")
        guids = tuple(_str(row.get("guid")) if isinstance(row, dict) else None for row in rows)
        return cls._of(d, guids, ctx, decoded=None)

    @classmethod
    def _of(cls, d: Mapping[str, Any], guids: tuple[str | None, ...], ctx: ParseContext, decoded: Any) -> OrderPage:
        def number(key: str, default: int) -> int:
            value = to_int(d.get(key))
            return value if isinstance(value, int) else default

        next_url = d.get("next_page_url")
        return cls(
            current_page=number("current_page", 1),
            last_page=number("last_page", 1),
            per_page=number("per_page", len(guids)),
            total=number("total", len(guids)),
            next_page_url=next_url if isinstance(next_url, str) else None,
            guids=guids,
            content=ctx.content,
            _decoded=[decoded] if decoded is not None else [],
            _ctx=ctx,
        )

    def _exact(self) -> tuple[Raw, tuple[Order, ...]]:
        if not self._decoded:
            envelope = loads(self.content)
            d = _obj(envelope.get("data") if isinstance(envelope, dict) else None, "order page")
            self._decoded.append((_raw(d), _page_orders(d, self._ctx)))
        return self._decoded[0]

    @property
    def orders(self) -> tuple[Order, ...]:
        """The page's orders as models (decoded from ``content`` on first use for a lazy page)."""
        return self._exact()[1]

    @property
    def raw(self) -> Raw:
        """The paginator exactly as the API sent it, numbers as Decimal."""
        return self._exact()[0]

    @property
    def gaps(self) -> tuple[tuple[str | None, Gap], ...]:
        """``(order_code, gap)`` for every reported field the page's orders left out (see `Order.gaps`)."""
        return tuple((o.order_code, g) for o in self.orders for g in o.gaps)

    def __len__(self) -> int:
        return len(self.guids)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.orders)

    def __repr__(self) -> str:
        return (
            f"OrderPage(page {self.current_page} of {self.last_page}, {len(self.guids)} of {self.total} orders, "
            f"per_page={self.per_page})"
        )

    def _repr_html_(self) -> str:
        rows = [
            [
                o.order_code,
                o.type,
                o.status_name,
                _money(o.total, o.currency_code),
                ", ".join(o.skus),
                o.external_id,
                o.order_at.isoformat() if o.order_at else "",
            ]
            for o in self.orders
        ]
        return (
            f"<div><b>Orders</b>: page {self.current_page} of {self.last_page} ({self.total} orders)"
            + _table(["code", "type", "status", "total", "skus", "external id", "order at"], rows)
            + "</div>"
        )


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """A status id and its name, as the server numbers them (load them; never hard-code)."""

    id: int | None
    name: str | None
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderStatus:
        d = _obj(data, "order status")
        try:
            return _build(cls, d)
        except ValueError as e:
            raise _named(e, "order status", {"sku": _str(d.get("sku"))} if "sku" in d else None) from None


# --------------------------------------------------------------------------------------- prices


@dataclass(frozen=True, slots=True)
class ProductPrice:
    """A product's current per-gram prices in one currency (not a fix: no token)."""

    product_id: int | None
    sku: str | None
    product_name: str | None
    currency_id: int | None
    currency_code: str | None
    spot_price: Decimal | None
    buy_price: Decimal | None
    sell_price: Decimal | None
    updated_at: datetime | None
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> ProductPrice:
        d = _obj(data, "product price")
        try:
            return _build(cls, d)
        except ValueError as e:
            raise _named(e, "product price", {"sku": _str(d.get("sku"))} if "sku" in d else None) from None


@dataclass(frozen=True, slots=True)
class MintedPrice:
    """One SKU in the Minted price feed (GBP per gram)."""

    sku: str | None
    product_name: str | None
    spot_price: Decimal | None
    buy_price: Decimal | None
    sell_price: Decimal | None
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> MintedPrice:
        d = _obj(data, "minted price")
        try:
            return _build(cls, d)
        except ValueError as e:
            raise _named(e, "minted price", {"sku": _str(d.get("sku"))} if "sku" in d else None) from None


@dataclass(frozen=True, slots=True)
class MintedPrices:
    """The Minted price feed: per-gram prices in ``currency`` and exchange ``rates`` (units per GBP)."""

    currency: str | None
    updated_at: datetime | None
    rates: Mapping[str, Decimal]
    prices: tuple[MintedPrice, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> MintedPrices:
        d = _obj(data, "minted prices")
        rates = d.get("rates")
        rates = rates if isinstance(rates, Mapping) else {}
        try:
            return cls(
                currency=d.get("currency"),
                updated_at=_dt(d, "updated_at"),
                rates={str(k): v for k, v in ((k, _read(rates, k, to_decimal)) for k in rates) if v is not None},
                prices=tuple(MintedPrice.from_api(p) for p in d.get("prices") or ()),
                raw=_raw(d),
            )
        except ValueError as e:
            raise _named(e, "minted prices", body=ctx.content) from None

    def price(self, sku: str) -> MintedPrice:
        """The feed's prices of one SKU; KeyError names the SKUs available."""
        for p in self.prices:
            if p.sku == sku:
                return p
        raise KeyError(f"no price for SKU {sku!r} (available: {', '.join(str(p.sku) for p in self.prices)})")


# ---------------------------------------------------------------------------- balances, customers


@dataclass(frozen=True, slots=True)
class Wallet:
    """One balance row (metal in grams, or cash): ``real_balance`` is what may be used now."""

    customer_external_id: str | None
    name: str | None
    currency_id: int | None
    currency_symbol: str | None
    currency_code: str | None
    is_cash: bool | None
    balance: Decimal | None
    blocked: Decimal | None
    real_balance: Decimal | None
    soft_blocked_amount: Decimal | None
    stats: Mapping[str, Any] = field(compare=False, hash=False)
    prices: Mapping[str, Decimal | None] = field(compare=False, hash=False)
    id: int | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Wallet:
        d = _obj(data, "wallet")
        prices = d.get("prices")
        prices = prices if isinstance(prices, Mapping) else {}
        try:
            return _build(
                cls,
                d,
                stats=dict(d.get("stats") or {}) if isinstance(d.get("stats"), Mapping) else {},
                prices={str(k): _maybe_decimal(v) for k, v in prices.items()},
            )
        except ValueError as e:
            raise _named(e, "wallet", {"currency_code": _str(d.get("currency_code"))}) from None

    def __repr__(self) -> str:
        unit = self.currency_symbol or ""
        return f"Wallet({self.currency_code} {self.name!r}: balance={self.balance}{unit}, real_balance={self.real_balance}{unit})"


def _maybe_decimal(value: Any) -> Any:
    try:
        return to_decimal(value)
    except ValueError:
        return value


@dataclass(frozen=True, slots=True)
class Customer:
    """An end customer of the partner (B2B2C); ``wallets`` when the API includes them."""

    id: int | None
    external_id: str | None
    company_id: int | None
    user_id: int | None
    firstname: str | None
    middlename: str | None
    lastname: str | None
    fullname: str | None
    email: str | None
    phone: str | None
    gender: str | None
    identity_number: str | None
    birthdate: date | None
    created_at: datetime | None
    updated_at: datetime | None
    wallets: tuple[Wallet, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)
    gaps: tuple[Gap, ...] = field(default=(), repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Customer:
        d = _obj(data, "customer")
        try:
            return cls._read(d)
        except ValueError as e:
            raise _named(e, "customer", {"external_id": _str(d.get("external_id"))}, ctx.content) from None

    @classmethod
    def _read(cls, d: Mapping[str, Any]) -> Customer:
        birthdate, gaps = _birthdate(d)
        return cls(
            id=to_int(d.get("id")),
            external_id=_str(d.get("external_id")),
            company_id=to_int(d.get("company_id")),
            user_id=to_int(d.get("user_id")),
            firstname=d.get("firstname"),
            middlename=d.get("middlename"),
            lastname=d.get("lastname"),
            fullname=d.get("fullname"),
            email=d.get("email"),
            phone=_str(d.get("phone")),
            gender=d.get("gender"),
            identity_number=_str(d.get("identity_number")),
            birthdate=birthdate,
            created_at=_dt(d, "created_at"),
            updated_at=_dt(d, "updated_at"),
            wallets=tuple(Wallet.from_api(w) for w in d.get("wallets") or ()),
            raw=_raw(d),
            gaps=gaps,
        )

    def __repr__(self) -> str:
        return f"Customer(external_id={self.external_id!r}, fullname={self.fullname!r}, wallets={len(self.wallets)})"
