"""The vocabulary: every fact about the API's world that more than one module needs, said once.

SKUs (names, product ids, plot order, colours), currencies, the API's time zone, order sides and
types, and what a spread is. Plain Python only (no polars, no matplotlib, no ipywidgets), so the
money path and the views alike can import it.

>>> SKUS["GAG"].name, SKUS["GAG"].product_id
('Silver', 3000002)
>>> spread(Decimal("1.16"), Decimal("1.2127")), spread_ratio(Decimal("1.16"), Decimal("1.2127"))
(Decimal('-0.0527'), -0.043457...)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "API_TIME_ZONE",
    "CURRENCIES",
    "DIGITAL_SKUS",
    "EXECUTED_STATUSES",
    "FORM_SKUS",
    "PRICE_SIDES",
    "PRICE_SIDES_VERIFIED",
    "PriceField",
    "ORDER_TYPES",
    "SIDES",
    "SKUS",
    "SKU_BY_PRODUCT_ID",
    "Side",
    "Sku",
    "TIME_ZONE",
    "sku_name",
    "settle_price",
    "sku_order",
    "spread",
    "spread_ratio",
]

TIME_ZONE: Final = "Europe/Istanbul"
"""The API's own zone: naive times it sends are Istanbul wall-clock times, and its dates are Istanbul dates."""
API_TIME_ZONE: Final = ZoneInfo(TIME_ZONE)

Side = Literal["sell", "buy"]
SIDES: Final[tuple[Side, ...]] = ("sell", "buy")
"""What a ticket does: ``sell`` (metal out, paid at the sell price) or ``buy`` (metal in, at the buy price)."""
ORDER_TYPES: Final = ("Buy", "Sell", "Delivery")
"""The Order Schema's ``type`` values, in plot order."""

EXECUTED_STATUSES: Final = frozenset({"Completed", "Preparing", "Packed", "Shipped", "Transferring"})
"""Statuses of an order whose metal and money have moved and stay moved: the one definition, used by
holdings, totals, charts, the demo and the explorer (each takes ``statuses=`` to choose otherwise).

Completed for buys and sells; a delivery's metal leaves the wallet once it is being prepared, so
Preparing, Packed, Shipped and Transferring count too. Not executed: Created/New, Pending,
Processing and Payment Confirmed (not settled yet), Cancelled, Refunding and Refunded (reversed).
The names are the API's Order Schema enum (api README §5.3); ids are not used, being a guess."""

CURRENCIES: Final = ("GBP", "TRY", "USD", "EUR")
"""The documented currency codes; GBP is the API's default."""


@dataclass(frozen=True)
class Sku:
    """One digital product: its code, display name, the API's product id, and its plot colour."""

    code: str
    name: str
    product_id: int
    colour: str


SKUS: Final[dict[str, Sku]] = {
    sku.code: sku
    for sku in (
        Sku("GAU", "Gold", 3000001, "#D4A017"),
        Sku("GAG", "Silver", 3000002, "#8FA3B5"),
        Sku("BGAU", "B Gold", 3000088, "#A67C00"),
        Sku("BGAG", "B Silver", 3000089, "#5F7A8E"),
        Sku("GPT", "Platinum", 3000090, "#7B7FC4"),
        Sku("GPD", "Palladium", 3000091, "#B5785E"),
    )
}
"""The documented digital SKUs in plot order (the "B" variants a shade darker)."""

DIGITAL_SKUS: Final[tuple[str, ...]] = tuple(SKUS)
"""Every SKU a ticket accepts."""
FORM_SKUS: Final[tuple[str, ...]] = ("GAU", "GAG", "GPT", "GPD")
"""The SKUs a form offers first: one per metal."""
SKU_BY_PRODUCT_ID: Final[dict[int, str]] = {sku.product_id: sku.code for sku in SKUS.values()}
"""The SKU of a product id, for orders whose items name only the product (the documented Get Order)."""


PriceField = Literal["buy_price", "sell_price"]

PRICE_SIDES: Final[dict[Side, PriceField]] = {"buy": "buy_price", "sell": "sell_price"}
"""Which per-gram price of a quote an order settles at: a buy at ``buy_price``, a sell at ``sell_price``.

Inferred, not documented: the docs never say it, and their one price fix example shows
``spot > buy_price > sell_price`` while our sandbox answers ``buy > spot > sell``. The one place
this assumption lives; ``minted-lab conformance --trade`` checks it against a real order."""
PRICE_SIDES_VERIFIED: Final = False
"""Whether :data:`PRICE_SIDES` has been confirmed against the real API (previews say so while it is not)."""


def settle_price(side: Side, price: object) -> Decimal | None:
    """The per-gram price an order of ``side`` settles at, read from a quote's price line."""
    value = getattr(price, PRICE_SIDES[side], None)
    return value if isinstance(value, Decimal) else None


def sku_name(code: str) -> str:
    """``Silver`` for ``GAG``; an unknown SKU is shown as itself."""
    known = SKUS.get(code)
    return known.name if known is not None else code


def sku_order(code: str) -> tuple[int, str]:
    """A sort key: the catalogue's order first, unknown SKUs after, alphabetically."""
    codes = list(SKUS)
    return (codes.index(code) if code in SKUS else len(codes), code)


def spread(price: Decimal, spot: Decimal) -> Decimal:
    """The spread over spot per gram: ``price - spot`` (negative on a sell, paid below spot)."""
    return price - spot


def spread_ratio(price: Decimal, spot: Decimal | None) -> float | None:
    """The spread as a ratio of spot (``-0.05`` is 5 % below spot); None when spot is missing or 0."""
    if spot is None or spot == 0:
        return None
    return float((price - spot) / spot)
