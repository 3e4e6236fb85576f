"""Quotes, price snapshots and wallet balances: small inputs, normalised to rows of text, then cast.

These inputs are a few rows per call, so they are normalised in Python: bytes are decoded with
`json.loads(parse_float=str, parse_int=str)` and model `.raw` Decimals are written as their
decimal text, so every number reaches polars as its exact text and is cast like the order
columns (`MONEY`, `GRAMS`), never through float.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from minted_lab.frames._schemas import BALANCES_SCHEMA, GRAMS, MONEY, PRICES_SCHEMA
from minted_lab.frames._tools import parse_times

Row = dict[str, Any]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _time_text(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat(sep=" ", timespec="seconds")
        return value.isoformat()
    return None if value is None else str(value)


def _load(x: bytes | bytearray | memoryview | str) -> Any:
    return json.loads(bytes(x) if not isinstance(x, str) else x, parse_float=str, parse_int=str)


def _unwrap(x: Any) -> Any:
    """The API value inside `x`: bytes decoded, `.content`/`.raw` taken, the envelope's `data` opened."""
    if isinstance(x, (bytes, bytearray, memoryview, str)):
        x = _load(x)
    elif isinstance(getattr(x, "content", None), (bytes, bytearray)) and len(x.content):
        x = _load(x.content)
    elif hasattr(x, "raw"):
        x = x.raw
    if isinstance(x, Mapping) and "success" in x:
        if not x.get("success", True) or x.get("data") is None:
            raise ValueError(f"error answer (code {x.get('code')}): {x.get('message')}")
        x = x["data"]
    return x


def _many(x: object) -> Iterator[Any]:
    if isinstance(x, (bytes, bytearray, memoryview, str, Mapping)) or hasattr(x, "raw") or hasattr(x, "content"):
        yield x
    elif isinstance(x, Iterable):
        yield from x
    else:
        raise TypeError(f"expected bytes, a model, a dict or an iterable of them; got {type(x).__name__}")


def _price_rows(x: object) -> Iterator[Row]:
    for one in _many(x):
        fixed_at = getattr(one, "fixed_at", None)
        value = _unwrap(one)
        if isinstance(value, list):
            yield from _price_rows(value)
            continue
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a price row, a price list or a quote; got {type(value).__name__}")
        if isinstance(value.get("prices"), list):
            if fixed_at is not None:
                time, ttl = _time_text(fixed_at), None
            elif "expires_at" in value:
                time, ttl = value.get("expires_at"), value.get("expire_ttl")
            else:
                time, ttl = _time_text(value.get("updated_at")), None
            for row in value["prices"]:
                yield _price_row(row, time, ttl, value.get("currency"))
        else:
            yield _price_row(value, None, None, None)


def _price_row(row: Mapping[str, Any], time: str | None, ttl: object, currency: str | None) -> Row:
    return {
        "time": _time_text(row.get("updated_at", row.get("time"))) or time,
        "ttl": _text(ttl),
        "currency": row.get("currency_code", row.get("currency")) or currency,
        "sku": row.get("sku"),
        "spot": _text(row.get("spot_price")),
        "buy": _text(row.get("buy_price")),
        "sell": _text(row.get("sell_price")),
    }


_PRICE_TEXT = {
    "time": pl.String,
    "ttl": pl.String,
    "currency": pl.String,
    "sku": pl.String,
    "spot": pl.String,
    "buy": pl.String,
    "sell": pl.String,
}


def _prices(rows: list[Row]) -> pl.DataFrame:
    text = pl.DataFrame(rows, schema=_PRICE_TEXT)
    time = parse_times(text["time"], "price time")
    ttl = text["ttl"].cast(pl.Decimal(38, 6)).cast(pl.Float64).fill_null(0.0)
    spot = pl.col("spot")

    def pct(col: str) -> pl.Expr:
        return pl.when(spot != 0).then(pl.col(col).cast(pl.Float64) / spot.cast(pl.Float64))

    frame = (
        text.with_columns(
            (time - pl.duration(microseconds=(ttl * 1e6).round().cast(pl.Int64))).alias("time"),
            pl.col("spot", "buy", "sell").cast(MONEY),
        )
        .with_columns(
            (pl.col("buy") - spot).alias("buy_spread"),
            (pl.col("sell") - spot).alias("sell_spread"),
        )
        .with_columns(pct("buy_spread").alias("buy_spread_pct"), pct("sell_spread").alias("sell_spread_pct"))
        .select(PRICES_SCHEMA.names())
    )
    if frame.schema != PRICES_SCHEMA:
        raise AssertionError(f"schema drift: {frame.schema} != {PRICES_SCHEMA}")
    return frame


def quotes_frame(quotes: object) -> pl.DataFrame:
    """One row per SKU per quote (schema `QUOTES_SCHEMA` = `PRICES_SCHEMA`) from Quotes, price-fix dicts or bytes.

    A quote's time is `Quote.fixed_at`; for raw answers it is `expires_at - expire_ttl` (the
    moment the answer was made). Repeated quotes are kept.
    """
    return _prices(list(_price_rows(quotes)))


def prices_frame(prices: object) -> pl.DataFrame:
    """One row per SKU per price snapshot (schema `PRICES_SCHEMA`) from ProductPrices, price rows or bytes.

    Accepts product-price rows (`updated_at`, `currency_code`), the product-prices or minted-prices
    answers (bytes or `data`), and quotes; the rows are kept in input order, repeats included.
    """
    return _prices(list(_price_rows(prices)))


def _wallet_rows(x: object) -> Iterator[Row]:
    for one in _many(x):
        value = _unwrap(one)
        if isinstance(value, Mapping) and isinstance(value.get("wallets"), list):
            value = value["wallets"]
        if isinstance(value, list):
            yield from _wallet_rows(value)
            continue
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a wallet row or a balance answer; got {type(value).__name__}")
        is_cash = value.get("is_cash")
        yield {
            "customer_external_id": value.get("customer_external_id"),
            "currency_id": value.get("currency_id"),
            "code": value.get("currency_code"),
            "name": value.get("name"),
            "symbol": value.get("currency_symbol"),
            "is_cash": None if is_cash is None else bool(is_cash),
            **{k: _text(value.get(k)) for k in ("balance", "blocked", "real_balance", "soft_blocked_amount")},
        }


def balances_frame(wallets: object) -> pl.DataFrame:
    """One row per wallet (schema `BALANCES_SCHEMA`) from Wallets, balance rows, or balance/customer answers."""
    rows = list(_wallet_rows(wallets))
    amounts = ["balance", "blocked", "real_balance", "soft_blocked_amount"]
    text_schema = {k: (pl.String if k in amounts else v) for k, v in BALANCES_SCHEMA.items()}
    text_schema["currency_id"] = pl.String
    text = pl.DataFrame(rows, schema=text_schema)
    frame = text.with_columns(pl.col("currency_id").cast(pl.Int64), pl.col(amounts).cast(GRAMS))
    if frame.schema != BALANCES_SCHEMA:
        raise AssertionError(f"schema drift: {frame.schema} != {BALANCES_SCHEMA}")
    return frame
