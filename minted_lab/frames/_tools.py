"""Shared conversions: API time strings, the float view, duplicate handling."""

from __future__ import annotations

import polars as pl

from minted_lab.catalog import TIME_ZONE
from minted_lab.frames._schemas import TIME

NAIVE_FORMATS = (
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y",
)
"""Local Istanbul times: list/get-order `order_at`, sell/buy top-level `order_at`, ...; a date alone
(`2023-10-13`, `13-10-2023`) is its midnight, as `minted_lab._parse.parse_datetime` reads it. Tried in
this order, each only on the values the ones before left unread."""
AWARE_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
"""ISO 8601 with an offset or `Z`: price-fix `expires_at`, `updated_at`, e-commerce `order_at`."""


def read_times(raw: pl.Series) -> pl.Series:
    """The API's date formats as Istanbul-aware datetimes; null where a value is null or in none of them."""
    raw = raw.cast(pl.String)
    wanted = raw.len() - raw.null_count()
    out = pl.Series(raw.name, [None] * raw.len(), dtype=TIME)
    for fmt in NAIVE_FORMATS:
        if out.len() - out.null_count() == wanted:
            return out
        local = raw.str.strptime(pl.Datetime("us"), fmt, strict=False)
        if local.null_count() == local.len():
            continue
        out = out.fill_null(local.dt.replace_time_zone(TIME_ZONE, ambiguous="earliest", non_existent="null"))
    if out.len() - out.null_count() < wanted:
        aware = raw.str.strptime(pl.Datetime("us", "UTC"), AWARE_FORMAT, strict=False)
        out = out.fill_null(aware.dt.convert_time_zone(TIME_ZONE))
    if out.len() - out.null_count() < wanted:
        stripped = raw.str.strip_chars()
        if not stripped.equals(raw):
            out = out.fill_null(read_times(stripped))
    return out


def parse_times(raw: pl.Series, what: str) -> pl.Series:
    """Parse the API's date formats into Istanbul-aware datetimes; raise on any unparseable value."""
    out = read_times(raw)
    if out.null_count() > raw.null_count():
        raw = raw.cast(pl.String)
        bad = raw.filter(out.is_null() & raw.is_not_null()).head(5).to_list()
        raise ValueError(f"unparseable {what} (not one of the API's date formats, or a non-existent local time): {bad}")
    return out


def as_float(frame: pl.DataFrame) -> pl.DataFrame:
    """Float64 view of a frame for plotting and statistics: every Decimal column cast to Float64.

    Examples
    --------
    >>> from decimal import Decimal
    >>> from minted_lab.frames import items_frame
    >>> items = items_frame({"guid": "G1", "items": [{"sku": "GAG", "spot_price": Decimal("1.2127"), "price": Decimal("1.16")}]})
    >>> as_float(items).select("sku", "price", "spread").row(0)
    ('GAG', 1.16, -0.0527)
    """
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def unique_orders(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop repeated orders (same `guid`) keeping the first; on an items frame, repeated (guid, line) rows.

    Rows without a guid are all kept: nothing identifies them as repeats.

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame([{"guid": "G1", "items": []}, {"guid": "G1", "items": []}, {"guid": None, "order_code": "C2", "items": []}])
    >>> orders["guid"].to_list(), unique_orders(orders)["guid"].to_list()
    (['G1', 'G1', None], ['G1', None])
    """
    keys = ["guid", "line"] if "line" in frame.columns else ["guid"]
    return frame.filter(pl.struct(keys).is_first_distinct() | pl.col("guid").is_null())
