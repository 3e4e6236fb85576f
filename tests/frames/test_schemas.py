"""The published schemas are a contract: a changed dtype must fail here first."""

from __future__ import annotations

import subprocess
import sys

import polars as pl

from minted_lab import frames
from minted_lab.frames import dtypes

D4 = pl.Decimal(38, 4)
D12 = pl.Decimal(38, 12)
T = pl.Datetime("us", "Europe/Istanbul")

EXPECTED = {
    "ORDERS_SCHEMA": {
        "guid": pl.String,
        "order_code": pl.String,
        "external_id": pl.String,
        "type": pl.String,
        "status_id": pl.Int64,
        "status_name": pl.String,
        "currency": pl.String,
        "price": D4,
        "tax": D4,
        "total": D4,
        "currency_rate": D12,
        "currency_total": D4,
        "order_at": T,
        "customer_external_id": pl.String,
        "item_count": pl.UInt32,
    },
    "ITEMS_SCHEMA": {
        "guid": pl.String,
        "order_code": pl.String,
        "type": pl.String,
        "currency": pl.String,
        "order_at": T,
        "status_id": pl.Int64,
        "status_name": pl.String,
        "line": pl.UInt32,
        "sku": pl.String,
        "product_id": pl.Int64,
        "product_name": pl.String,
        "amount": D4,
        "spot_price": D4,
        "price": D4,
        "tax_rate": D12,
        "tax": D4,
        "total": D4,
        "spread": D4,
        "spread_ratio": pl.Float64,
    },
    "PRICES_SCHEMA": {
        "time": T,
        "currency": pl.String,
        "sku": pl.String,
        "spot": D4,
        "buy": D4,
        "sell": D4,
        "buy_spread": D4,
        "sell_spread": D4,
        "buy_spread_ratio": pl.Float64,
        "sell_spread_ratio": pl.Float64,
    },
    "BALANCES_SCHEMA": {
        "customer_external_id": pl.String,
        "currency_id": pl.Int64,
        "code": pl.String,
        "name": pl.String,
        "symbol": pl.String,
        "is_cash": pl.Boolean,
        "balance": D4,
        "blocked": D4,
        "real_balance": D4,
        "soft_blocked_amount": D4,
    },
}


def test_schemas_are_pinned() -> None:
    for name, expected in EXPECTED.items():
        assert dict(getattr(frames, name)) == expected, name
    assert frames.QUOTES_SCHEMA == frames.PRICES_SCHEMA


def test_empty_inputs_keep_their_schemas() -> None:
    empty_page = (
        b'{"data":{"current_page":1,"data":[],"from":null,"to":null,"total":0},"success":true,"code":0,"message":""}'
    )
    cases = [
        (frames.orders_frame([]), frames.ORDERS_SCHEMA),
        (frames.orders_frame(empty_page), frames.ORDERS_SCHEMA),
        (frames.items_frame([]), frames.ITEMS_SCHEMA),
        (frames.items_frame([empty_page, empty_page]), frames.ITEMS_SCHEMA),
        (frames.order_frames(iter(())).orders, frames.ORDERS_SCHEMA),
        (frames.order_frames(iter(())).items, frames.ITEMS_SCHEMA),
        (frames.quotes_frame([]), frames.QUOTES_SCHEMA),
        (frames.prices_frame([]), frames.PRICES_SCHEMA),
        (frames.balances_frame([]), frames.BALANCES_SCHEMA),
        (frames.unique_orders(frames.orders_frame([])), frames.ORDERS_SCHEMA),
    ]
    for frame, schema in cases:
        assert frame.height == 0
        assert frame.schema == schema


def test_as_float_turns_only_decimals_into_float64(mixed_page: bytes) -> None:
    items = frames.items_frame(mixed_page)
    view = frames.as_float(items)
    for name, dtype in items.schema.items():
        assert view.schema[name] == (pl.Float64 if isinstance(dtype, pl.Decimal) else dtype)
    assert view["price"].to_list()[-2:] == [1889.73, 26.0]


def test_the_money_dtypes_import_alone() -> None:
    """`minted_lab.frames.dtypes` loads polars and no decoder, schema or time parser (the money path imports it)."""
    code = "import sys, minted_lab.frames.dtypes; print(' '.join(sorted(m for m in sys.modules if m.startswith('minted_lab'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "minted_lab.frames.dtypes" in loaded
    assert [m for m in loaded if m.startswith("minted_lab.frames._")] == []
    assert (frames.MONEY, frames.GRAMS, frames.RATE) == (dtypes.MONEY, dtypes.GRAMS, dtypes.RATE) == (D4, D4, D12)
