"""The table on disk: one row per order, its items nested, times in UTC, partitioned by month.

One table, so that a sync is one Delta commit (orders and their items change together or not at
all). The order columns are `ORDERS_SCHEMA`'s; `items` holds each item's own fields of
`ITEMS_SCHEMA` (the order keys an item row repeats are taken from its order on read); `listed`
is the order's 0-based position in the API's order list, oldest first; `month` (``YYYY-MM``, the
Istanbul month of `order_at`) is the partition column. Delta stores unsigned integers as signed
ones and times in UTC: both are converted back on read, so a reader gets the frames' schemas.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from minted_lab.frames import ITEMS_SCHEMA, ORDERS_SCHEMA, TIME, TIME_ZONE

ITEM_ORDER_KEYS: Final = ("guid", "order_code", "type", "currency", "order_at", "status_id", "status_name")
"""The columns of an item row that are its order's, stored once on the order."""
ITEM_FIELDS: Final = tuple(name for name in ITEMS_SCHEMA.names() if name not in ITEM_ORDER_KEYS)
"""What each nested item keeps: everything else of `ITEMS_SCHEMA`."""
STORED_TIME: Final = pl.Datetime("us", "UTC")
NO_MONTH: Final = "unknown"
"""The partition of an order without a time."""


def _stored(dtype: pl.DataType) -> pl.DataType:
    """The type Delta keeps for a frame type: signed integers for unsigned ones, UTC for aware times."""
    if dtype == TIME:
        return STORED_TIME
    if isinstance(dtype, (pl.UInt8, pl.UInt16)):
        return pl.Int32()
    if isinstance(dtype, (pl.UInt32, pl.UInt64)):
        return pl.Int64()
    return dtype


ITEM_STRUCT: Final = pl.Struct({name: _stored(ITEMS_SCHEMA[name]) for name in ITEM_FIELDS})
STORED_SCHEMA: Final = pl.Schema(
    {
        **{name: _stored(dtype) for name, dtype in ORDERS_SCHEMA.items()},
        "items": pl.List(ITEM_STRUCT),
        "listed": pl.Int64(),
        "month": pl.String(),
    }
)
"""The table's columns, in order."""
CONTENT: Final = (*ORDERS_SCHEMA.names(), "items")
"""The columns that say what an order is (not where it was listed): a change in any is a change."""
PARTITION: Final = "month"


def stored_frame(orders: pl.DataFrame, items: pl.DataFrame, listed: pl.DataFrame) -> pl.DataFrame:
    """Table rows from an orders and an items frame and each order's list position (`guid`, `listed`).

    An order seen twice keeps its last sighting (the highest position, and that sighting's items);
    orders without a guid cannot be merged and are left out (count them before calling).
    """
    positions = listed.group_by("guid").agg(pl.col("listed").max())
    rows = (
        orders.with_row_index("_row")
        .filter(pl.col("guid").is_not_null())
        .sort("_row")
        .unique("guid", keep="last", maintain_order=True)
        .drop("_row")
        .join(positions, on="guid", how="inner")
    )
    nested = (
        items.filter(pl.col("guid").is_not_null())
        .with_row_index("_row")
        .unique(["guid", "line"], keep="last")
        .sort("guid", "line")
        .group_by("guid", maintain_order=True)
        .agg(pl.struct(*ITEM_FIELDS).alias("items"))
    )
    frame = (
        rows.join(nested, on="guid", how="left")
        .with_columns(
            pl.col("items").fill_null(pl.lit([], dtype=nested.schema["items"])),
            pl.col("order_at").dt.strftime("%Y-%m").fill_null(NO_MONTH).alias(PARTITION),
        )
        .with_columns(pl.col("order_at").dt.convert_time_zone("UTC"))
        .sort("listed")
    )
    return frame.select(pl.col(name).cast(dtype) for name, dtype in STORED_SCHEMA.items())


def _read(name: str, dtype: pl.DataType, present: set[str]) -> pl.Expr:
    if name not in present:
        return pl.lit(None, dtype=dtype).alias(name)
    column = pl.col(name)
    if dtype == TIME:
        return column.dt.convert_time_zone(TIME_ZONE).alias(name)
    return column.cast(dtype)


def read_orders(table: pl.LazyFrame) -> pl.LazyFrame:
    """The stored rows as an orders frame (`ORDERS_SCHEMA`), in list order (oldest first)."""
    present = set(table.collect_schema().names())
    return table.sort("listed").select(_read(name, dtype, present) for name, dtype in ORDERS_SCHEMA.items())


def read_items(table: pl.LazyFrame) -> pl.LazyFrame:
    """The stored rows' items as an items frame (`ITEMS_SCHEMA`), in list order, then line."""
    schema = table.collect_schema()
    present = set(schema.names())
    nested = schema.get("items")
    fields = (
        set(nested.inner.to_schema()) if isinstance(nested, pl.List) and isinstance(nested.inner, pl.Struct) else set()
    )
    missing = [name for name in ITEM_FIELDS if name not in fields]
    rows = (
        table.sort("listed")
        .select(*ITEM_ORDER_KEYS, "items")
        .filter(pl.col("items").list.len() > 0)
        .explode("items")
        .unnest("items")
        .with_columns(pl.lit(None, dtype=ITEMS_SCHEMA[name]).alias(name) for name in missing)
    )
    return rows.select(_read(name, dtype, present | fields | set(missing)) for name, dtype in ITEMS_SCHEMA.items())


def empty_table() -> pl.LazyFrame:
    """An empty table of `STORED_SCHEMA`: what a store that was never synced reads as."""
    return pl.LazyFrame(schema=STORED_SCHEMA)
