"""Orders and their items: page bytes (or models, encoded to the same bytes) to polars, in bulk."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import polars as pl

from minted_lab.frames import _source
from minted_lab.frames._schemas import (
    GRAMS,
    ITEMS_SCHEMA,
    MONEY,
    ORDER_JSON,
    ORDERS_SCHEMA,
    PAGE_JSON,
    RATE,
    RESULT_JSON,
    SINGLE_JSON,
    TIME,
)
from minted_lab.frames._tools import parse_times

ORDER_FIELDS = list(ORDER_JSON.to_schema())


class OrderFrames(NamedTuple):
    """The orders frame and the items frame of the same input, parsed once."""

    orders: pl.DataFrame
    items: pl.DataFrame


def _problem(doc: str, index: int) -> str:
    head = doc[:200]
    return f"document {index} holds no orders (not a page, sell/buy answer or order): {head!r}"


def _decode(text: pl.Series, dtype: pl.Struct) -> pl.Series:
    try:
        return text.str.json_decode(dtype)
    except pl.exceptions.ComputeError as e:
        raise ValueError(f"these documents are not order pages, sell/buy answers or orders: {e}") from e


def _is_order(order: pl.Series) -> pl.Series:
    field = order.struct.field
    return (field("guid").is_not_null() | field("order_code").is_not_null()) & field("items").is_not_null()


def _order_lists(docs: list[bytes], offset: int) -> pl.Series:
    """One List(Order) per document: order list pages first (the fast path), other shapes after."""
    text = pl.Series("doc", docs, dtype=pl.Binary).cast(pl.String)
    lists = _decode(text, PAGE_JSON).struct.field("data").struct.field("data")
    missing = lists.is_null()
    if not missing.any():
        return lists
    where = missing.arg_true()
    rest = text.gather(where)
    result = _decode(rest, RESULT_JSON).struct.unnest()
    found = pl.select(pl.coalesce(result["data"].struct.field("orders"), result["orders"])).to_series()
    parts = [
        pl.DataFrame({"at": pl.int_range(len(docs), eager=True), "o": lists}),
        pl.DataFrame({"at": where, "o": found}),
    ]
    lone_at = found.is_null().arg_true()
    if lone_at.len():
        lone = _decode(rest.gather(lone_at), SINGLE_JSON).struct.unnest()
        enveloped = lone["data"]
        bare = lone.select(pl.struct(ORDER_FIELDS)).to_series()
        is_order = _is_order(enveloped)
        orders = is_order | _is_order(bare)
        if not orders.all():
            first = int((~orders).arg_true()[0])
            i = int(where[int(lone_at[first])])
            if lone["success"][first] is False:
                raise ValueError(
                    f"document {offset + i} is an error answer (code {lone['code'][first]}): {lone['message'][first]}"
                )
            raise ValueError(_problem(text[i], offset + i))
        one = pl.DataFrame({"is_order": is_order, "enveloped": enveloped, "bare": bare}).select(
            pl.concat_list(pl.when("is_order").then("enveloped").otherwise("bare")).alias("o")
        )
        parts.append(one.with_columns(at=where.gather(lone_at)))
    merged = pl.concat([p.select(pl.col("at").cast(pl.Int64), "o") for p in parts]).drop_nulls("o").sort("at", maintain_order=True)
    return merged["o"]


def _wide(docs: list[bytes], offset: int) -> pl.DataFrame:
    wide = pl.DataFrame(_order_lists(docs, offset).alias("o")).explode("o").unnest("o")
    return wide.with_columns(parse_times(wide["order_at"], "order_at"))


def _empty_wide() -> pl.DataFrame:
    return pl.DataFrame(schema=ORDER_JSON.to_schema()).with_columns(pl.col("order_at").cast(TIME))


DECODE_THREADS = 2
"""Batches converted at once: polars releases the GIL while decoding, so two cores share the work."""


def _convert(docs: list[bytes], offset: int, want: tuple[bool, bool]) -> tuple[pl.DataFrame | None, ...]:
    wide = _wide(docs, offset).lazy()
    plans = [plan(wide) for plan, wanted in zip((_orders, _items), want, strict=True) if wanted]
    done = iter(pl.collect_all(plans))
    return tuple(next(done) if wanted else None for wanted in want)


def _read(x: object, want: tuple[bool, bool]) -> tuple[pl.DataFrame | None, ...]:
    """The orders and/or items frames of `x`, built batch by batch and concatenated in input order.

    Each batch of ~`BATCH_BYTES` is decoded and converted to its final frames in a worker thread
    (`DECODE_THREADS` at once), so only that many batches' raw fields are alive at a time and a
    generator of pages streams.
    """
    parts: list[tuple[pl.DataFrame | None, ...]] = []
    pending: deque[Future[tuple[pl.DataFrame | None, ...]]] = deque()
    offset = 0
    with ThreadPoolExecutor(max_workers=DECODE_THREADS, thread_name_prefix="minted-frames") as pool:
        for batch in _source.batches(x):
            pending.append(pool.submit(_convert, batch, offset, want))
            offset += len(batch)
            if len(pending) >= DECODE_THREADS:
                parts.append(pending.popleft().result())
        parts.extend(f.result() for f in pending)
    if not parts:
        parts.append(_convert_empty(want))
    out: list[pl.DataFrame | None] = []
    for k, wanted in enumerate(want):
        frames = [p[k] for p in parts if p[k] is not None]
        out.append(None if not wanted else pl.concat(frames) if len(frames) > 1 else frames[0])
    return tuple(out)


def _convert_empty(want: tuple[bool, bool]) -> tuple[pl.DataFrame | None, ...]:
    wide = _empty_wide().lazy()
    return tuple(plan(wide).collect() if wanted else None for plan, wanted in zip((_orders, _items), want, strict=True))


def _orders(wide: pl.LazyFrame) -> pl.LazyFrame:
    return wide.select(
        "guid",
        "order_code",
        "external_id",
        "type",
        pl.col("status_id").cast(pl.Int64),
        "status_name",
        pl.col("currency_code").alias("currency"),
        pl.col("price", "tax", "total").cast(MONEY),
        pl.col("currency_rate").cast(RATE),
        pl.col("currency_total").cast(MONEY),
        "order_at",
        pl.col("customer").struct.field("external_id").alias("customer_external_id"),
        pl.col("items").list.len().fill_null(0).cast(pl.UInt32).alias("item_count"),
    )


def _items(wide: pl.LazyFrame) -> pl.LazyFrame:
    spot = pl.col("spot_price")
    spread = pl.col("price") - spot
    return (
        wide.select(
            "guid",
            "order_code",
            "type",
            pl.col("currency_code").alias("currency"),
            "order_at",
            pl.col("status_id").cast(pl.Int64),
            "status_name",
            pl.int_ranges(pl.col("items").list.len().fill_null(0), dtype=pl.UInt32).alias("line"),
            "items",
        )
        .explode("line", "items", keep_nulls=False)
        .unnest("items")
        .with_columns(
            pl.col("product_id").cast(pl.Int64),
            pl.col("amount").cast(GRAMS),
            pl.col("spot_price", "price", "tax", "total").cast(MONEY),
            pl.col("tax_rate").cast(RATE),
        )
        .with_columns(spread.alias("spread"))
        .with_columns(
            pl.when(spot != 0)
            .then(pl.col("spread").cast(pl.Float64) / spot.cast(pl.Float64))
            .alias("spread_pct")
        )
        .select(ITEMS_SCHEMA.names())
    )


def _checked(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    if frame.schema != schema:
        raise AssertionError(f"schema drift: {frame.schema} != {schema}")
    return frame


def order_frames(x: object) -> OrderFrames:
    """Orders and items frames from one pass over `x` (pages' bytes, models or dicts): parse once, use both.

    Duplicates are kept: an order seen twice (e.g. on two pages) gives two order rows and twice its
    items; `unique_orders` drops them explicitly.
    """
    orders, items = _read(x, (True, True))
    assert orders is not None and items is not None
    return OrderFrames(_checked(orders, ORDERS_SCHEMA), _checked(items, ITEMS_SCHEMA))


def orders_frame(x: object) -> pl.DataFrame:
    """One row per order (schema `ORDERS_SCHEMA`) from page bytes, OrderPages, OrderResults, Orders or dicts.

    Duplicates are kept (see `unique_orders`).
    """
    orders, _ = _read(x, (True, False))
    assert orders is not None
    return _checked(orders, ORDERS_SCHEMA)


def items_frame(x: object) -> pl.DataFrame:
    """One row per order item with its order's keys and spread over spot (schema `ITEMS_SCHEMA`).

    Accepts the same inputs as `orders_frame`; duplicates are kept (see `unique_orders`).
    """
    _, items = _read(x, (False, True))
    assert items is not None
    return _checked(items, ITEMS_SCHEMA)
