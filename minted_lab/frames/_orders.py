"""Orders and their items: page bytes (or models, encoded to the same bytes) to polars, in bulk."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import polars as pl

from minted_lab.frames import _source
from minted_lab.frames._schemas import (
    ITEM_NUMBERS,
    ITEMS_SCHEMA,
    ORDER_NUMBERS,
    ORDERS_SCHEMA,
    TEXT_SHAPES,
    TIME,
    TYPED_SHAPES,
    OrderShapes,
    checked,
    guard_bound,
)
from minted_lab.frames._spread import spread_expr, spread_ratio_expr
from minted_lab.frames._tools import parse_times

ORDER_FIELDS = list(TEXT_SHAPES.order.to_schema())


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


DECODE_BYTES = 256 << 10
"""Documents per decoder call, in bytes: polars builds every document's tree before reading the
columns out, so trees of ~256 KB of JSON stay in cache where a whole batch's would not (measured:
~25% less decode time than 2 MB per call)."""


def _pieces(text: pl.Series, sizes: list[int]) -> list[pl.Series]:
    """`text` (documents of `sizes` bytes) cut into consecutive slices of about `DECODE_BYTES` each."""
    pieces = []
    start = size = 0
    for i, n in enumerate(sizes, 1):
        size += n
        if size >= DECODE_BYTES:
            pieces.append(text.slice(start, i - start))
            start, size = i, 0
    if start < len(sizes) or not pieces:
        pieces.append(text.slice(start))
    return pieces


def _order_lists(text: pl.Series, sizes: list[int], offset: int, shapes: OrderShapes) -> pl.Series:
    """One List(Order) per document: order list pages first (the fast path), other shapes after."""
    pages = pl.concat([_decode(piece, shapes.page) for piece in _pieces(text, sizes)], rechunk=False)
    lists = pages.struct.field("data").struct.field("data")
    missing = lists.is_null()
    if not missing.any():
        return lists
    where = missing.arg_true()
    rest = text.gather(where)
    result = _decode(rest, shapes.result).struct.unnest()
    found = pl.select(pl.coalesce(result["data"].struct.field("orders"), result["orders"])).to_series()
    parts = [
        pl.DataFrame({"at": pl.int_range(text.len(), eager=True), "o": lists}),
        pl.DataFrame({"at": where, "o": found}),
    ]
    lone_at = found.is_null().arg_true()
    if lone_at.len():
        lone = _decode(rest.gather(lone_at), shapes.single).struct.unnest()
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
    merged = (
        pl.concat([p.select(pl.col("at").cast(pl.Int64), "o") for p in parts])
        .drop_nulls("o")
        .sort("at", maintain_order=True)
    )
    return merged["o"]


def _exact(numbers: dict[str, pl.DataType]) -> list[pl.Expr]:
    """Per typed number column: is every value under its bound with a zero guard digit (decode was exact)?"""
    checks = []
    for name, dtype in numbers.items():
        if isinstance(dtype, pl.Decimal):
            col, bound = pl.col(name), guard_bound(dtype)
            fits = (col < bound) & (col > -bound) & (col == col.cast(dtype))
            checks.append(fits.all(ignore_nulls=True))
    return checks


def _typed_is_exact(wide: pl.DataFrame) -> bool:
    if not wide.height:
        return True
    items = wide.select(pl.col("items").explode().struct.unnest())
    return bool(
        wide.select(pl.all_horizontal(_exact(ORDER_NUMBERS))).item()
        and items.select(pl.all_horizontal(_exact(ITEM_NUMBERS))).item()
    )


def _to_columns(numbers: dict[str, pl.DataType]) -> list[pl.Expr]:
    """Number fields cast to their column types: exact from text, the guard digit dropped from typed."""
    return [pl.col(k).cast(v) for k, v in numbers.items()]


def _wide(docs: list[bytes], offset: int) -> pl.DataFrame:
    """One row per order with every field the frames need, numbers in their column types, times parsed.

    Decodes with numbers typed (fast); if that fails or is not provably exact, decodes the batch
    again with numbers as text, which is exact for anything polars can read.
    """
    text = pl.Series("doc", docs, dtype=pl.Binary).cast(pl.String)
    sizes = [len(doc) for doc in docs]
    wide: pl.DataFrame | None
    try:
        wide = _flat(text, sizes, offset, TYPED_SHAPES)
    except ValueError:
        wide = None
    if wide is None or not _typed_is_exact(wide):
        wide = _flat(text, sizes, offset, TEXT_SHAPES)
    return wide.with_columns(*_to_columns(ORDER_NUMBERS), parse_times(wide["order_at"], "order_at"))


def _flat(text: pl.Series, sizes: list[int], offset: int, shapes: OrderShapes) -> pl.DataFrame:
    return pl.DataFrame(_order_lists(text, sizes, offset, shapes).alias("o")).explode("o").unnest("o")


def _empty_wide() -> pl.DataFrame:
    wide = pl.DataFrame(schema=TEXT_SHAPES.order.to_schema())
    return wide.with_columns(*_to_columns(ORDER_NUMBERS), pl.col("order_at").cast(TIME))


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
        frames = [frame for p in parts if (frame := p[k]) is not None]
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
        "status_id",
        "status_name",
        pl.col("currency_code").alias("currency"),
        "price",
        "tax",
        "total",
        "currency_rate",
        "currency_total",
        "order_at",
        pl.col("customer").struct.field("external_id").alias("customer_external_id"),
        pl.col("items").list.len().fill_null(0).cast(pl.UInt32).alias("item_count"),
    )


def _items(wide: pl.LazyFrame) -> pl.LazyFrame:
    return (
        wide.select(
            "guid",
            "order_code",
            "type",
            pl.col("currency_code").alias("currency"),
            "order_at",
            "status_id",
            "status_name",
            pl.int_ranges(pl.col("items").list.len().fill_null(0), dtype=pl.UInt32).alias("line"),
            "items",
        )
        .explode("line", "items", keep_nulls=False)
        .unnest("items")
        .with_columns(*_to_columns(ITEM_NUMBERS))
        .with_columns(
            spread_expr("price", "spot_price").alias("spread"),
            spread_ratio_expr("price", "spot_price").alias("spread_pct"),
        )
        .select(ITEMS_SCHEMA.names())
    )


def order_frames(x: object) -> OrderFrames:
    """Orders and items frames from one pass over `x` (pages' bytes, models or dicts): parse once, use both.

    Duplicates are kept: an order seen twice (e.g. on two pages) gives two order rows and twice its
    items; `unique_orders` drops them explicitly.

    Examples
    --------
    >>> page = (
    ...     b'{"data": {"data": [{"guid": "G1", "order_code": "C1", "type": "Sell", "currency_code": "GBP",'
    ...     b' "total": 12.50, "order_at": "31-05-2023 03:16", "items": [{"sku": "GAU",'
    ...     b' "spot_price": 64.1445, "price": 62.03, "amount": 0.2015, "total": 12.50}]}]}}'
    ... )
    >>> orders, items = order_frames(page)
    >>> orders.select("order_code", "type", "total", "order_at")
    shape: (1, 4)
    ┌────────────┬──────┬───────────────┬───────────────────────────────┐
    │ order_code ┆ type ┆ total         ┆ order_at                      │
    │ ---        ┆ ---  ┆ ---           ┆ ---                           │
    │ str        ┆ str  ┆ decimal[38,4] ┆ datetime[μs, Europe/Istanbul] │
    ╞════════════╪══════╪═══════════════╪═══════════════════════════════╡
    │ C1         ┆ Sell ┆ 12.5000       ┆ 2023-05-31 03:16:00 +03       │
    └────────────┴──────┴───────────────┴───────────────────────────────┘
    >>> items.select("sku", "amount", "spread", "spread_pct").row(0)
    ('GAU', Decimal('0.2015'), Decimal('-2.1145'), -0.0329646...)
    """
    orders, items = _read(x, (True, True))
    assert orders is not None and items is not None
    return OrderFrames(checked(orders, ORDERS_SCHEMA), checked(items, ITEMS_SCHEMA))


def orders_frame(x: object) -> pl.DataFrame:
    """One row per order (schema `ORDERS_SCHEMA`) from page bytes, OrderPages, OrderResults, Orders or dicts.

    Duplicates are kept (see `unique_orders`).

    Examples
    --------
    >>> from decimal import Decimal
    >>> order = {"guid": "G1", "order_code": "C1", "type": "Buy", "currency_code": "TRY", "total": Decimal("1889.73"),
    ...          "currency_rate": Decimal("0.019120453"), "order_at": "2024-12-05T18:43:32+03:00", "items": []}
    >>> orders_frame([order, order]).select("order_code", "total", "currency_rate", "order_at")
    shape: (2, 4)
    ┌────────────┬───────────────┬────────────────┬───────────────────────────────┐
    │ order_code ┆ total         ┆ currency_rate  ┆ order_at                      │
    │ ---        ┆ ---           ┆ ---            ┆ ---                           │
    │ str        ┆ decimal[38,4] ┆ decimal[38,12] ┆ datetime[μs, Europe/Istanbul] │
    ╞════════════╪═══════════════╪════════════════╪═══════════════════════════════╡
    │ C1         ┆ 1889.7300     ┆ 0.019120453000 ┆ 2024-12-05 18:43:32 +03       │
    │ C1         ┆ 1889.7300     ┆ 0.019120453000 ┆ 2024-12-05 18:43:32 +03       │
    └────────────┴───────────────┴────────────────┴───────────────────────────────┘
    """
    orders, _ = _read(x, (True, False))
    assert orders is not None
    return checked(orders, ORDERS_SCHEMA)


def items_frame(x: object) -> pl.DataFrame:
    """One row per order item with its order's keys and spread over spot (schema `ITEMS_SCHEMA`).

    Accepts the same inputs as `orders_frame`; duplicates are kept (see `unique_orders`).

    Examples
    --------
    >>> from decimal import Decimal
    >>> order = {"guid": "G1", "order_code": "C1", "type": "Sell", "order_at": "31-05-2023 03:16",
    ...          "items": [{"sku": "GAG", "spot_price": Decimal("1.2127"), "price": Decimal("1.16"), "amount": 10}]}
    >>> items_frame(order).select("line", "sku", "price", "spread", "spread_pct")
    shape: (1, 5)
    ┌──────┬─────┬───────────────┬───────────────┬────────────┐
    │ line ┆ sku ┆ price         ┆ spread        ┆ spread_pct │
    │ ---  ┆ --- ┆ ---           ┆ ---           ┆ ---        │
    │ u32  ┆ str ┆ decimal[38,4] ┆ decimal[38,4] ┆ f64        │
    ╞══════╪═════╪═══════════════╪═══════════════╪════════════╡
    │ 0    ┆ GAG ┆ 1.1600        ┆ -0.0527       ┆ -0.043457  │
    └──────┴─────┴───────────────┴───────────────┴────────────┘
    """
    _, items = _read(x, (False, True))
    assert items is not None
    return checked(items, ITEMS_SCHEMA)
