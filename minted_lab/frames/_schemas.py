"""The fixed output schemas of every frame builder, and the JSON shapes they are read from."""

from __future__ import annotations

import polars as pl

TIME_ZONE = "Europe/Istanbul"

MONEY = pl.Decimal(38, 4)
"""Prices, totals, taxes and spreads: the API writes 2 decimals (spot up to 4)."""
GRAMS = pl.Decimal(38, 4)
"""Metal amounts and wallet balances: buys and balances carry up to 4 decimals."""
RATE = pl.Decimal(38, 12)
"""`currency_rate` (GBP per unit of the order currency) and `tax_rate`."""
TIME = pl.Datetime("us", TIME_ZONE)

ORDERS_SCHEMA = pl.Schema(
    {
        "guid": pl.String,
        "order_code": pl.String,
        "external_id": pl.String,
        "type": pl.String,
        "status_id": pl.Int64,
        "status_name": pl.String,
        "currency": pl.String,
        "price": MONEY,
        "tax": MONEY,
        "total": MONEY,
        "currency_rate": RATE,
        "currency_total": MONEY,
        "order_at": TIME,
        "customer_external_id": pl.String,
        "item_count": pl.UInt32,
    }
)
"""One row per order. `currency_total` is the total in GBP; `item_count` the length of `items`."""

ITEMS_SCHEMA = pl.Schema(
    {
        "guid": pl.String,
        "order_code": pl.String,
        "type": pl.String,
        "currency": pl.String,
        "order_at": TIME,
        "status_id": pl.Int64,
        "status_name": pl.String,
        "line": pl.UInt32,
        "sku": pl.String,
        "product_id": pl.Int64,
        "product_name": pl.String,
        "amount": GRAMS,
        "spot_price": MONEY,
        "price": MONEY,
        "tax_rate": RATE,
        "tax": MONEY,
        "total": MONEY,
        "spread": MONEY,
        "spread_pct": pl.Float64,
    }
)
"""One row per order item with its order's keys. `line` is the item's 0-based position in its
order; `spread` = price - spot_price (order currency per gram, positive for buys, negative for
sells); `spread_pct` = spread / spot_price (a ratio, 0.05 = 5 %; null when spot is 0 or null)."""

PRICES_SCHEMA = pl.Schema(
    {
        "time": TIME,
        "currency": pl.String,
        "sku": pl.String,
        "spot": MONEY,
        "buy": MONEY,
        "sell": MONEY,
        "buy_spread": MONEY,
        "sell_spread": MONEY,
        "buy_spread_pct": pl.Float64,
        "sell_spread_pct": pl.Float64,
    }
)
"""One row per SKU per price snapshot or quote, prices per gram in `currency`.
`buy_spread` = buy - spot (normally positive), `sell_spread` = sell - spot (normally negative),
`*_pct` = spread / spot."""

QUOTES_SCHEMA = PRICES_SCHEMA
"""Quotes share the price schema, so one plot reads either."""

BALANCES_SCHEMA = pl.Schema(
    {
        "customer_external_id": pl.String,
        "currency_id": pl.Int64,
        "code": pl.String,
        "name": pl.String,
        "symbol": pl.String,
        "is_cash": pl.Boolean,
        "balance": GRAMS,
        "blocked": GRAMS,
        "real_balance": GRAMS,
        "soft_blocked_amount": GRAMS,
    }
)
"""One row per wallet. `customer_external_id` is null for the partner's own wallets; `code` is
the SKU for metal (grams) or the currency code for cash."""

NUM = pl.String
"""Every JSON number is read as its decimal text, then cast exactly to its Decimal column."""

ITEM_JSON = pl.Struct(
    {
        "sku": pl.String,
        "product_id": NUM,
        "product_name": pl.String,
        "spot_price": NUM,
        "price": NUM,
        "tax_rate": NUM,
        "tax": NUM,
        "amount": NUM,
        "total": NUM,
    }
)
ORDER_JSON = pl.Struct(
    {
        "guid": pl.String,
        "order_code": pl.String,
        "external_id": pl.String,
        "type": pl.String,
        "status_id": NUM,
        "status_name": pl.String,
        "currency_code": pl.String,
        "price": NUM,
        "tax": NUM,
        "total": NUM,
        "currency_rate": NUM,
        "currency_total": NUM,
        "order_at": pl.String,
        "customer": pl.Struct({"external_id": pl.String}),
        "items": pl.List(ITEM_JSON),
    }
)
ORDER_LIST = pl.List(ORDER_JSON)
PAGE_JSON = pl.Struct({"data": pl.Struct({"data": ORDER_LIST})})
"""The order list's envelope: `{"data": {<paginator>, "data": [Order]}}`."""
RESULT_JSON = pl.Struct({"data": pl.Struct({"orders": ORDER_LIST}), "orders": ORDER_LIST})
"""Sell/buy answers: `{"data": {..., "orders": [Order]}}`, enveloped or bare."""
SINGLE_JSON = pl.Struct(
    {"data": ORDER_JSON, "success": pl.Boolean, "code": pl.Int64, "message": pl.String, **ORDER_JSON.to_schema()}
)
"""Get-order answers `{"data": Order}`, a bare Order, or an error envelope."""
