"""API responses and raw page bytes to polars frames with fixed, documented schemas.

Every builder is a pure function; an empty input gives an empty frame with the same schema.
Money is `pl.Decimal` with a fixed scale (`MONEY`, `GRAMS`, `RATE`), read from the JSON number's
decimal text, so `frame["total"].sum()` is the exact decimal sum; `as_float(frame)` is the Float64
view for plotting. Times are aware `Europe/Istanbul` datetimes (naive API times are Istanbul time).
Nothing is de-duplicated silently: `unique_orders` does it on request.

    >>> from minted_lab.frames import order_frames
    >>> orders, items = order_frames(client.iter_pages())
"""

from minted_lab.frames._market import balances_frame, prices_frame, quotes_frame
from minted_lab.frames._orders import OrderFrames, items_frame, order_frames, orders_frame
from minted_lab.frames._schemas import (
    BALANCES_SCHEMA,
    GRAMS,
    ITEMS_SCHEMA,
    MONEY,
    ORDERS_SCHEMA,
    PRICES_SCHEMA,
    QUOTES_SCHEMA,
    RATE,
    TIME,
    TIME_ZONE,
)
from minted_lab.frames._tools import as_float, unique_orders

__all__ = [
    "BALANCES_SCHEMA",
    "GRAMS",
    "ITEMS_SCHEMA",
    "MONEY",
    "ORDERS_SCHEMA",
    "PRICES_SCHEMA",
    "QUOTES_SCHEMA",
    "RATE",
    "TIME",
    "TIME_ZONE",
    "OrderFrames",
    "as_float",
    "balances_frame",
    "items_frame",
    "order_frames",
    "orders_frame",
    "prices_frame",
    "quotes_frame",
    "unique_orders",
]
