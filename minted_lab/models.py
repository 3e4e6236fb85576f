"""Typed, immutable views of the API's answers.

Every price, amount, tax and total is a Decimal; every date-time is aware (naive API times are
Europe/Istanbul). Unknown keys and unknown enum values (a new status, a new SKU) are kept, never
fatal: each model keeps the object exactly as the API sent it in ``.raw`` (numbers as Decimal).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from ._parse import parse_date, parse_datetime, to_decimal, to_int
from .catalog import spread

M = TypeVar("M")

__all__ = [
    "ParseContext",
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
    """A date-time field, or None when missing or unreadable (the raw text stays in ``.raw``)."""
    try:
        return parse_datetime(data.get(key))
    except ValueError:
        return None


_READERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "str | None": lambda d, k: _str(d.get(k)),
    "int | None": lambda d, k: to_int(d.get(k)),
    "Decimal | None": lambda d, k: to_decimal(d.get(k)),
    "datetime | None": _dt,
    "bool | None": lambda d, k: None if d.get(k) is None else bool(d.get(k)),
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


def _percent(price: Decimal | None, spot: Decimal | None) -> Decimal | None:
    """The spread as an exact percentage of spot: `catalog.spread_ratio` x 100, kept a Decimal.

    None when a price is missing or spot is 0.
    """
    if price is None or not spot:
        return None
    return spread(price, spot) / spot * 100


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
        return _build(cls, d, sku=_str(d.get("sku")) or "")

    @property
    def buy_spread(self) -> Decimal | None:
        """``buy_price - spot_price`` (positive when buying costs more than spot)."""
        return _spread(self.buy_price, self.spot_price)

    @property
    def sell_spread(self) -> Decimal | None:
        """``sell_price - spot_price`` (negative when selling pays less than spot)."""
        return _spread(self.sell_price, self.spot_price)

    @property
    def buy_spread_pct(self) -> Decimal | None:
        """The buy spread as a percentage of spot."""
        return _percent(self.buy_price, self.spot_price)

    @property
    def sell_spread_pct(self) -> Decimal | None:
        """The sell spread as a percentage of spot."""
        return _percent(self.sell_price, self.spot_price)


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
        ttl_value = to_decimal(d.get("expire_ttl"))
        ttl = int(ttl_value) if ttl_value is not None else 0
        expires_at = _dt(d, "expires_at") or ctx.received_at + timedelta(seconds=ttl)
        token = d.get("token")
        if not isinstance(token, str) or not token:
            raise ValueError("quote: no token")
        return cls(
            token=token,
            currency=_str(d.get("currency")) or "GBP",
            customer_external_id=ctx.customer_external_id,
            total=to_decimal(d.get("total")),
            is_total_price=bool(d.get("is_total_price")),
            expires_at=expires_at,
            expire_ttl=ttl,
            fixed_at=expires_at - timedelta(seconds=ttl),
            received_at=ctx.received_at,
            prices=tuple(QuotePrice.from_api(p) for p in d.get("prices") or ()),
            raw=_raw(d),
            clock=ctx.clock,
        )

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
        rows = [
            [
                p.sku,
                p.spot_price,
                p.buy_price,
                p.sell_price,
                p.buy_spread,
                p.sell_spread,
                "" if p.buy_amount is None else p.buy_amount,
            ]
            for p in self.prices
        ]
        who = f" for customer {_esc(self.customer_external_id)}" if self.customer_external_id else ""
        total = f", total {_esc(self.total)}" if self.total is not None else ""
        return (
            f"<div><b>Quote</b> in {_esc(self.currency)}{who}{total}: <b>{state}</b> "
            f"(expires {_esc(self.expires_at.isoformat())})"
            + _table(["sku", "spot", "buy", "sell", "buy spread", "sell spread", "buy amount (g)"], rows)
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

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderCustomer:
        d = _obj(data, "order customer")
        try:
            birthdate = parse_date(d.get("birthdate"))
        except ValueError:
            birthdate = None
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
        )

    def __repr__(self) -> str:
        return f"OrderCustomer(external_id={self.external_id!r}, fullname={self.fullname!r})"


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order: grams of one SKU at one price."""

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

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderItem:
        return _build(cls, _obj(data, "order item"))


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the API reports it (Order Schema plus the keys the examples carry)."""

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

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Order:
        d = _obj(data, "order")
        customer = d.get("customer")
        return _build(
            cls,
            d,
            customer=OrderCustomer.from_api(customer) if isinstance(customer, Mapping) else None,
            items=tuple(OrderItem.from_api(i) for i in d.get("items") or ()),
        )

    @property
    def skus(self) -> tuple[str, ...]:
        """The SKUs of the items (None for items the API sent without one)."""
        return tuple(i.sku for i in self.items if i.sku)

    def __repr__(self) -> str:
        who = f", customer={self.customer.external_id!r}" if self.customer else ""
        at = f", at={self.order_at:%Y-%m-%d %H:%M %Z}" if self.order_at else ""
        items = ", ".join(f"{i.amount}g {i.sku or i.product_id}" for i in self.items)
        return (
            f"Order({self.order_code} {self.type} {self.status_name}, total={_money(self.total, self.currency_code)}, "
            f"items=[{items}], external_id={self.external_id!r}{who}{at})"
        )

    def _repr_html_(self) -> str:
        rows = [[i.sku, i.product_name, i.amount, i.spot_price, i.price, i.total] for i in self.items]
        return (
            f"<div><b>Order {_esc(self.order_code)}</b>: {_esc(self.type)}, <b>{_esc(self.status_name)}</b>, "
            f"total {_esc(_money(self.total, self.currency_code))}, external id {_esc(self.external_id)}, "
            f"at {_esc(self.order_at.isoformat() if self.order_at else '—')}"
            + _table(["sku", "product", "amount (g)", "spot", "price", "total"], rows)
            + "</div>"
        )


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
        orders = tuple(Order.from_api(o) for o in d.get("orders") or ())

        def strings(key: str) -> tuple[str, ...]:
            value = d.get(key)
            if value is None:
                return ()
            return tuple(_str(v) or "" for v in (value if isinstance(value, list) else [value]))

        external_id = ctx.external_id or (orders[0].external_id if orders else None) or ""
        return cls(
            external_id=external_id,
            order_codes=strings("order_code"),
            guids=strings("guid"),
            price=to_decimal(d.get("price")),
            tax=to_decimal(d.get("tax")),
            total=to_decimal(d.get("total")),
            order_at=_dt(d, "order_at"),
            orders=orders,
            raw=_raw(d),
        )

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


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of the order list (a Laravel paginator); ``content`` is the response body as received."""

    current_page: int
    last_page: int
    per_page: int
    total: int
    next_page_url: str | None
    orders: tuple[Order, ...]
    raw: Raw = field(repr=False, compare=False, hash=False)
    content: bytes = field(default=b"", repr=False, compare=False, hash=False)

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> OrderPage:
        d = _obj(data, "order page")

        def number(key: str, default: int) -> int:
            value = to_int(d.get(key))
            return value if isinstance(value, int) else default

        rows = d.get("data") or ()
        return cls(
            current_page=number("current_page", 1),
            last_page=number("last_page", 1),
            per_page=number("per_page", len(rows)),
            total=number("total", len(rows)),
            next_page_url=d.get("next_page_url"),
            orders=tuple(Order.from_api(o) for o in rows),
            raw=_raw(d),
            content=ctx.content,
        )

    def __len__(self) -> int:
        return len(self.orders)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.orders)

    def __repr__(self) -> str:
        return (
            f"OrderPage(page {self.current_page} of {self.last_page}, {len(self.orders)} of {self.total} orders, "
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
        return _build(cls, _obj(data, "order status"))


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
        return _build(cls, _obj(data, "product price"))


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
        return _build(cls, _obj(data, "minted price"))


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
        return cls(
            currency=d.get("currency"),
            updated_at=_dt(d, "updated_at"),
            rates={str(k): v for k, v in ((k, to_decimal(v)) for k, v in rates.items()) if v is not None},
            prices=tuple(MintedPrice.from_api(p) for p in d.get("prices") or ()),
            raw=_raw(d),
        )

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
        return _build(
            cls,
            d,
            stats=dict(d.get("stats") or {}) if isinstance(d.get("stats"), Mapping) else {},
            prices={str(k): _maybe_decimal(v) for k, v in prices.items()},
        )

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

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext = _DEFAULT_CTX) -> Customer:
        d = _obj(data, "customer")
        try:
            birthdate = parse_date(d.get("birthdate"))
        except ValueError:
            birthdate = None
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
        )

    def __repr__(self) -> str:
        return f"Customer(external_id={self.external_id!r}, fullname={self.fullname!r}, wallets={len(self.wallets)})"
