"""The fixed output schemas of every frame builder, and the JSON shapes they are read from.

Plain declarations over polars and `minted_lab.catalog`: importing this module builds a few
dtypes and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from minted_lab.catalog import TIME_ZONE
from minted_lab.frames.dtypes import GRAMS, MONEY, RATE

TIME = pl.Datetime("us", TIME_ZONE)
"""Every time column: microseconds, aware, in the API's zone (`catalog.TIME_ZONE`)."""

ORDERS_SCHEMA = pl.Schema(
    {
        "guid": pl.String(),
        "order_code": pl.String(),
        "external_id": pl.String(),
        "type": pl.String(),
        "status_id": pl.Int64(),
        "status_name": pl.String(),
        "currency": pl.String(),
        "price": MONEY,
        "tax": MONEY,
        "total": MONEY,
        "currency_rate": RATE,
        "currency_total": MONEY,
        "order_at": TIME,
        "customer_external_id": pl.String(),
        "item_count": pl.UInt32(),
    }
)
"""One row per order. `currency_total` is the total in GBP; `item_count` the length of `items`."""

ITEMS_SCHEMA = pl.Schema(
    {
        "guid": pl.String(),
        "order_code": pl.String(),
        "type": pl.String(),
        "currency": pl.String(),
        "order_at": TIME,
        "status_id": pl.Int64(),
        "status_name": pl.String(),
        "line": pl.UInt32(),
        "sku": pl.String(),
        "product_id": pl.Int64(),
        "product_name": pl.String(),
        "amount": GRAMS,
        "spot_price": MONEY,
        "price": MONEY,
        "tax_rate": RATE,
        "tax": MONEY,
        "total": MONEY,
        "spread": MONEY,
        "spread_ratio": pl.Float64(),
    }
)
"""One row per order item with its order's keys. `line` is the item's 0-based position in its
order; `spread` = price - spot_price (`catalog.spread`: order currency per gram, positive for buys,
negative for sells); `spread_ratio` = spread / spot_price (`catalog.spread_ratio`: a ratio, 0.05 = 5 %;
null when spot is 0 or null)."""

PRICES_SCHEMA = pl.Schema(
    {
        "time": TIME,
        "currency": pl.String(),
        "sku": pl.String(),
        "spot": MONEY,
        "buy": MONEY,
        "sell": MONEY,
        "buy_spread": MONEY,
        "sell_spread": MONEY,
        "buy_spread_ratio": pl.Float64(),
        "sell_spread_ratio": pl.Float64(),
    }
)
"""One row per SKU per price snapshot or quote, prices per gram in `currency`.
`buy_spread` = buy - spot (normally positive), `sell_spread` = sell - spot (normally negative),
`*_spread_ratio` = spread / spot (`catalog.spread` and `catalog.spread_ratio` of each side)."""

QUOTES_SCHEMA = PRICES_SCHEMA
"""Quotes share the price schema, so one plot reads either."""

BALANCES_SCHEMA = pl.Schema(
    {
        "customer_external_id": pl.String(),
        "currency_id": pl.Int64(),
        "code": pl.String(),
        "name": pl.String(),
        "symbol": pl.String(),
        "is_cash": pl.Boolean(),
        "balance": GRAMS,
        "blocked": GRAMS,
        "real_balance": GRAMS,
        "soft_blocked_amount": GRAMS,
    }
)
"""One row per wallet. `customer_external_id` is null for the partner's own wallets; `code` is
the SKU for metal (grams) or the currency code for cash."""


REJECTED_SCHEMA = pl.Schema(
    {
        "document": pl.Int64(),
        "position": pl.Int64(),
        "guid": pl.String(),
        "order_code": pl.String(),
        "external_id": pl.String(),
        "field": pl.String(),
        "reason": pl.String(),
        "content": pl.String(),
    }
)
"""One row per order (or whole document) a builder called with `strict=False` set aside.
`document` is the input document's 0-based position (a page, an answer, a model), `position` the
order's within it (null when the whole document could not be read: then `content` is the document's
text and nothing of it is in the frames); `field` the first field that could not be read
(`order_at`, `items[1].price`, `customer`; null for a whole document), `reason` why, and `content`
the order's JSON as the API sent it, numbers exact."""

GAPS_SCHEMA = pl.Schema(
    {
        "guid": pl.String(),
        "order_code": pl.String(),
        "external_id": pl.String(),
        "field": pl.String(),
        "reason": pl.String(),
    }
)
"""One row per field the API left out that could not be derived (`minted_lab._parse.REPORTED_ORDER_FIELDS`
and items' `sku` as `items[i].sku`): the order keeps its row with that column null; `reason` says why
(`minted_lab._parse.Gap`, the same words `Order.gaps` uses)."""


def checked(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """`frame` itself, once its schema is `schema` exactly: a builder whose output drifted fails loudly."""
    if frame.schema != schema:
        raise AssertionError(f"schema drift: {frame.schema} != {schema}")
    return frame


NUM: pl.DataType = pl.String()
"""Text shape: every JSON number read as its decimal text (or a JSON string as it is), then cast."""

ORDER_NUMBERS: dict[str, pl.DataType] = {
    "status_id": pl.Int64(),
    "price": MONEY,
    "tax": MONEY,
    "total": MONEY,
    "currency_rate": RATE,
    "currency_total": MONEY,
}
"""The order's number fields and the column type each ends as."""
ITEM_NUMBERS: dict[str, pl.DataType] = {
    "product_id": pl.Int64(),
    "spot_price": MONEY,
    "price": MONEY,
    "tax_rate": RATE,
    "tax": MONEY,
    "amount": GRAMS,
    "total": MONEY,
}
"""The item's number fields and the column type each ends as."""


def guard(dtype: pl.DataType) -> pl.DataType:
    """The typed shape's decode type: one decimal digit past a Decimal column's scale, so rounding
    shows; integers stay text, because a typed integer decode truncates 5.5 and nulls an overflow."""
    return pl.Decimal(38, dtype.scale + 1) if isinstance(dtype, pl.Decimal) else NUM


def guard_bound(dtype: pl.Decimal) -> int:
    """Magnitude below which polars' double-based decode to `guard(dtype)` is exact.

    polars scales the double by 10**(scale + 1) and rounds: two roundings of relative size 2**-53
    each, so a value of N guard units is off by under N * 2**-52, below half a unit while N < 2**51.
    """
    return int(2**51 // 10 ** (dtype.scale + 1))


class OrderShapes(NamedTuple):
    """The JSON shapes orders are decoded from, with numbers read one way (text or typed)."""

    order: pl.Struct
    page: pl.Struct
    result: pl.Struct
    single: pl.Struct


def _order_shapes(number: Callable[[pl.DataType], pl.DataType]) -> OrderShapes:
    item = pl.Struct({"sku": pl.String, "product_name": pl.String, **{k: number(v) for k, v in ITEM_NUMBERS.items()}})
    order = pl.Struct(
        {
            "guid": pl.String,
            "order_code": pl.String,
            "external_id": pl.String,
            "type": pl.String,
            "tx_type": pl.String,
            "status_name": pl.String,
            "currency_code": pl.String,
            **{k: number(v) for k, v in ORDER_NUMBERS.items()},
            "order_at": pl.String,
            "customer": pl.Struct({"external_id": pl.String}),
            "items": pl.List(item),
        }
    )
    listed = pl.List(order)
    return OrderShapes(
        order=order,
        page=pl.Struct({"data": pl.Struct({"data": listed})}),
        result=pl.Struct({"data": pl.Struct({"orders": listed}), "orders": listed}),
        single=pl.Struct(
            {"data": order, "success": pl.Boolean, "code": pl.Int64, "message": pl.String, **order.to_schema()}
        ),
    )


TEXT_SHAPES = _order_shapes(lambda _: NUM)
"""Numbers as text, cast exactly afterwards: right for any number polars can read (the fallback).

`page` is the order list's envelope `{"data": {<paginator>, "data": [Order]}}`; `result` a sell/buy
answer `{"data": {..., "orders": [Order]}}`, enveloped or bare; `single` a get-order answer
`{"data": Order}`, a bare Order, or an error envelope."""
TYPED_SHAPES = _order_shapes(guard)
"""Numbers decoded straight to Decimal with a guard digit (the fast path, ~15% less decode work).

polars reads a JSON number as a double and scales it, which is exact while the scaled value stays
under `guard_bound` and the number has no digit past the column's scale; a batch where any value
breaks either (seen as a magnitude at the bound or a non-zero guard digit) is decoded again
through `TEXT_SHAPES`. JSON strings (model inputs) are parsed exactly at any size."""
