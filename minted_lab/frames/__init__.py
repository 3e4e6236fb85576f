"""API responses and raw page bytes to polars frames with fixed, documented schemas.

Every builder is a pure function; an empty input gives an empty frame with the same schema.
Times are aware `Europe/Istanbul` datetimes (naive API times are Istanbul time, a date alone its
midnight); an order time in none of the API's formats raises rather than becoming null. Nothing is
de-duplicated silently: an order seen twice gives two rows, and `unique_orders` drops repeats on
request. Nothing is lost silently either: what a documented shape leaves out is derived where it
can be (`type` from `tx_type`, `sku` from `product_id`), the rest is null and reported
(`OrderFrames.gaps`, `MissingFieldsWarning`); an order that cannot be read raises `ParseError`
naming it and the field, or, with `strict=False`, is set aside with its reason
(`OrderFrames.rejected`, `RejectedOrdersWarning` with the count).

Money is `pl.Decimal` with a fixed scale (`MONEY` and `GRAMS`: 4 decimals, `RATE`: 12), so
`frame["total"].sum()` is the exact decimal sum of the API's totals; `as_float(frame)` is the
Float64 view for plotting. How exact: polars' JSON decoder parses a number as a double. Order
numbers are decoded straight to Decimal with one guard digit past the column's scale, which is
exact while a value stays under `guard_bound` (2.25e10 for money, 225 for rates) and has no digit
past the scale; a batch with any value outside that is decoded again with numbers as text (the
double's shortest round-trip form, the number as written up to 15 significant digits) and cast.
Either way digits beyond a column's scale are rounded half-even, never truncated. Model inputs
(`.raw` with Decimals) are encoded with their exact decimal strings, which polars parses exactly
at any precision up to 38 digits.

Orders come from page bytes (the fast path: a native JSON decode per ~256 KB, batches of ~8 MB
converted two at a time, no Python object per order), or from OrderPages (their `.content`),
OrderResults, Orders or plain dicts, which are JSON-encoded and read by the same decoder.

    >>> from minted_lab.frames import order_frames
    >>> orders, items = order_frames(client.iter_pages())

The names are imported on first use, so `minted_lab.frames.dtypes` (`MONEY`, `GRAMS`, `RATE`) can
be imported alone, without the decoders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minted_lab._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["balances_frame", "prices_frame", "quotes_frame"], "minted_lab.frames._market"),
    **dict.fromkeys(
        [
            "MissingFieldsWarning",
            "OrderDataWarning",
            "OrderFrames",
            "RejectedOrdersWarning",
            "items_frame",
            "order_frames",
            "orders_frame",
        ],
        "minted_lab.frames._orders",
    ),
    **dict.fromkeys(
        [
            "BALANCES_SCHEMA",
            "GAPS_SCHEMA",
            "ITEMS_SCHEMA",
            "ORDERS_SCHEMA",
            "PRICES_SCHEMA",
            "QUOTES_SCHEMA",
            "REJECTED_SCHEMA",
            "TIME",
        ],
        "minted_lab.frames._schemas",
    ),
    "ParseError": "minted_lab._parse",
    **dict.fromkeys(["GRAMS", "MONEY", "RATE"], "minted_lab.frames.dtypes"),
    "TIME_ZONE": "minted_lab.catalog",
    **dict.fromkeys(["as_float", "unique_orders"], "minted_lab.frames._tools"),
    **dict.fromkeys(
        ["CUSTOMERS_SCHEMA", "HOLDINGS_SCHEMA", "SPREAD_COST_SCHEMA", "customers", "holdings", "spread_cost"],
        "minted_lab.frames._holdings",
    ),
}

__all__ = [
    "BALANCES_SCHEMA",
    "CUSTOMERS_SCHEMA",
    "HOLDINGS_SCHEMA",
    "SPREAD_COST_SCHEMA",
    "customers",
    "holdings",
    "spread_cost",
    "GAPS_SCHEMA",
    "GRAMS",
    "ITEMS_SCHEMA",
    "MONEY",
    "ORDERS_SCHEMA",
    "PRICES_SCHEMA",
    "QUOTES_SCHEMA",
    "RATE",
    "REJECTED_SCHEMA",
    "TIME",
    "TIME_ZONE",
    "MissingFieldsWarning",
    "OrderDataWarning",
    "OrderFrames",
    "ParseError",
    "RejectedOrdersWarning",
    "as_float",
    "balances_frame",
    "items_frame",
    "order_frames",
    "orders_frame",
    "prices_frame",
    "quotes_frame",
    "unique_orders",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports lazily
    from minted_lab._parse import ParseError
    from minted_lab.catalog import TIME_ZONE
    from minted_lab.frames._holdings import (
        CUSTOMERS_SCHEMA,
        HOLDINGS_SCHEMA,
        SPREAD_COST_SCHEMA,
        customers,
        holdings,
        spread_cost,
    )
    from minted_lab.frames._market import balances_frame, prices_frame, quotes_frame
    from minted_lab.frames._orders import (
        MissingFieldsWarning,
        OrderDataWarning,
        OrderFrames,
        RejectedOrdersWarning,
        items_frame,
        order_frames,
        orders_frame,
    )
    from minted_lab.frames._schemas import (
        BALANCES_SCHEMA,
        GAPS_SCHEMA,
        ITEMS_SCHEMA,
        ORDERS_SCHEMA,
        PRICES_SCHEMA,
        QUOTES_SCHEMA,
        REJECTED_SCHEMA,
        TIME,
    )
    from minted_lab.frames._tools import as_float, unique_orders
    from minted_lab.frames.dtypes import GRAMS, MONEY, RATE
