"""Quotes, price snapshots and wallet balances: small inputs, normalised to rows of text, then cast.

These inputs are a few rows per call, so they are normalised in Python: bytes are decoded with
`json.loads(parse_float=str, parse_int=str)` and model `.raw` Decimals are written as their
decimal text, so every number reaches polars as its exact text and is cast like the order
columns (`MONEY`, `GRAMS`), never through float.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from minted_lab._parse import ParseError, decimal_text, to_bool
from minted_lab.frames._schemas import BALANCES_SCHEMA, PRICES_SCHEMA, checked
from minted_lab.frames._source import body, inputs
from minted_lab.frames._spread import spread_expr, spread_ratio_expr
from minted_lab.frames._tools import parse_times
from minted_lab.frames.dtypes import GRAMS, MONEY

Row = dict[str, Any]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _time_text(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat(sep=" ", timespec="seconds")
        return value.isoformat()
    return None if value is None else str(value)


def _unwrap(x: Any) -> Any:
    """The API value inside `x`: its JSON text decoded (numbers as text), else its `.raw`, the envelope's `data` opened."""
    text = body(x)
    if text is not None:
        x = json.loads(text, parse_float=str, parse_int=str)
    elif hasattr(x, "raw"):
        x = x.raw
    if isinstance(x, Mapping) and "success" in x:
        if not x.get("success", True) or x.get("data") is None:
            raise ValueError(f"error answer (code {x.get('code')}): {x.get('message')}")
        x = x["data"]
    return x


def _price_rows(x: object) -> Iterator[Row]:
    for one in inputs(x):
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
    frame = (
        text.with_columns(
            (time - pl.duration(microseconds=pl.lit((ttl * 1e6).round().cast(pl.Int64)))).alias("time"),
            pl.col("spot", "buy", "sell").cast(MONEY),
        )
        .with_columns(
            spread_expr("buy", "spot").alias("buy_spread"),
            spread_expr("sell", "spot").alias("sell_spread"),
            spread_ratio_expr("buy", "spot").alias("buy_spread_ratio"),
            spread_ratio_expr("sell", "spot").alias("sell_spread_ratio"),
        )
        .select(PRICES_SCHEMA.names())
    )
    return checked(frame, PRICES_SCHEMA)


def quotes_frame(quotes: object) -> pl.DataFrame:
    """One row per SKU per quote (schema `QUOTES_SCHEMA` = `PRICES_SCHEMA`) from Quotes, price-fix dicts or bytes.

    A quote's time is `Quote.fixed_at`; for raw answers it is `expires_at - expire_ttl` (the
    moment the answer was made). Repeated quotes are kept.

    Examples
    --------
    >>> answer = (
    ...     b'{"data": {"token": "t", "currency": "GBP", "expires_at": "2026-11-02T09:34:00+03:00", "expire_ttl": 240,'
    ...     b' "prices": [{"sku": "GAG", "spot_price": 1.2127, "buy_price": 1.28, "sell_price": 1.16}]}, "success": true}'
    ... )
    >>> quotes_frame(answer).select("time", "sku", "spot", "sell_spread", "sell_spread_ratio")
    shape: (1, 5)
    ┌───────────────────────────────┬─────┬───────────────┬───────────────┬───────────────────┐
    │ time                          ┆ sku ┆ spot          ┆ sell_spread   ┆ sell_spread_ratio │
    │ ---                           ┆ --- ┆ ---           ┆ ---           ┆ ---               │
    │ datetime[μs, Europe/Istanbul] ┆ str ┆ decimal[38,4] ┆ decimal[38,4] ┆ f64               │
    ╞═══════════════════════════════╪═════╪═══════════════╪═══════════════╪═══════════════════╡
    │ 2026-11-02 09:30:00 +03       ┆ GAG ┆ 1.2127        ┆ -0.0527       ┆ -0.043457         │
    └───────────────────────────────┴─────┴───────────────┴───────────────┴───────────────────┘
    """
    return _prices(list(_price_rows(quotes)))


def prices_frame(prices: object) -> pl.DataFrame:
    """One row per SKU per price snapshot (schema `PRICES_SCHEMA`) from ProductPrices, price rows or bytes.

    Accepts product-price rows (`updated_at`, `currency_code`), the product-prices or minted-prices
    answers (bytes or `data`), and quotes; the rows are kept in input order, repeats included.

    Examples
    --------
    >>> from decimal import Decimal
    >>> row = {"sku": "GAU", "currency_code": "GBP", "updated_at": "2026-11-02T09:30:00+03:00",
    ...        "spot_price": Decimal("98.9866"), "buy_price": Decimal("100.99"), "sell_price": Decimal("97.31")}
    >>> prices_frame([row]).select("time", "sku", "buy", "buy_spread", "buy_spread_ratio")
    shape: (1, 5)
    ┌───────────────────────────────┬─────┬───────────────┬───────────────┬──────────────────┐
    │ time                          ┆ sku ┆ buy           ┆ buy_spread    ┆ buy_spread_ratio │
    │ ---                           ┆ --- ┆ ---           ┆ ---           ┆ ---              │
    │ datetime[μs, Europe/Istanbul] ┆ str ┆ decimal[38,4] ┆ decimal[38,4] ┆ f64              │
    ╞═══════════════════════════════╪═════╪═══════════════╪═══════════════╪══════════════════╡
    │ 2026-11-02 09:30:00 +03       ┆ GAU ┆ 100.9900      ┆ 2.0034        ┆ 0.020239         │
    └───────────────────────────────┴─────┴───────────────┴───────────────┴──────────────────┘
    """
    return _prices(list(_price_rows(prices)))


def _wallet_rows(x: object) -> Iterator[Row]:
    for one in inputs(x):
        value = _unwrap(one)
        if isinstance(value, Mapping) and isinstance(value.get("wallets"), list):
            value = value["wallets"]
        if isinstance(value, list):
            yield from _wallet_rows(value)
            continue
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a wallet row or a balance answer; got {type(value).__name__}")
        try:
            is_cash = to_bool(value.get("is_cash"))  # "false" is False, as the models read it
        except ValueError as e:
            raise ParseError(
                str(e), field="is_cash", what="wallet", ids={"currency_code": value.get("currency_code")}
            ) from None
        yield {
            "customer_external_id": value.get("customer_external_id"),
            "currency_id": value.get("currency_id"),
            "code": value.get("currency_code"),
            "name": value.get("name"),
            "symbol": value.get("currency_symbol"),
            "is_cash": is_cash,
            **{k: _text(value.get(k)) for k in ("balance", "blocked", "real_balance", "soft_blocked_amount")},
        }


def balances_frame(wallets: object) -> pl.DataFrame:
    """One row per wallet (schema `BALANCES_SCHEMA`) from Wallets, balance rows, or balance/customer answers.

    Examples
    --------
    >>> from decimal import Decimal
    >>> gold = {"name": "Gold", "currency_code": "GAU", "is_cash": False, "balance": Decimal("12.3456"),
    ...         "blocked": Decimal("0.5"), "real_balance": Decimal("11.8456")}
    >>> balances_frame([gold]).select("code", "is_cash", "balance", "real_balance")
    shape: (1, 4)
    ┌──────┬─────────┬───────────────┬───────────────┐
    │ code ┆ is_cash ┆ balance       ┆ real_balance  │
    │ ---  ┆ ---     ┆ ---           ┆ ---           │
    │ str  ┆ bool    ┆ decimal[38,4] ┆ decimal[38,4] │
    ╞══════╪═════════╪═══════════════╪═══════════════╡
    │ GAU  ┆ false   ┆ 12.3456       ┆ 11.8456       │
    └──────┴─────────┴───────────────┴───────────────┘
    """
    rows = list(_wallet_rows(wallets))
    amounts = ["balance", "blocked", "real_balance", "soft_blocked_amount"]
    text_schema = {k: (pl.String if k in amounts else v) for k, v in BALANCES_SCHEMA.items()}
    text_schema["currency_id"] = pl.String
    text = pl.DataFrame(rows, schema=text_schema)
    frame = text.with_columns(pl.col("currency_id").cast(pl.Int64), pl.col(amounts).cast(GRAMS))
    return checked(frame, BALANCES_SCHEMA)
