"""Order totals per period, stacked by type, currency or SKU, all in GBP, of the executed orders by default."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from minted_lab.catalog import CURRENCIES, EXECUTED_STATUSES, ORDER_TYPES, sku_order
from minted_lab.plots._axes import date_axis, local_times
from minted_lab.plots._statuses import Statuses, counted
from minted_lab.plots._style import INK, colour, finish, house_style, new_axes

PARTIAL_HATCH = "////"
"""How a partial period's bars are marked."""

PERIODS = {"day": ("1d", 0.8), "week": ("1w", 5.6), "month": ("1mo", 24.0)}
"""Truncation every and bar width in days."""
BASE = "GBP"
"""The currency `currency_total` is in: an order in it counts at its own total."""


def _gbp(total: pl.Expr, rate: pl.Expr, currency: pl.Expr) -> pl.Expr:
    return pl.when(currency == BASE).then(total).otherwise(total * rate)


def totals_table(
    orders: pl.DataFrame,
    by: str = "day",
    split: str = "type",
    cumulative: bool = False,
    items: pl.DataFrame | None = None,
    *,
    statuses: Statuses = EXECUTED_STATUSES,
) -> tuple[pl.DataFrame, int]:
    """(period x split table of GBP totals as Decimal, orders left out for want of a rate): what the bars draw.

    Only orders whose ``status_name`` is in `statuses` count: by default `catalog.EXECUTED_STATUSES`
    (the orders that moved money); `statuses=None` counts every status. With ``split="sku"`` the
    items are counted by their own ``status_name`` (their order's).

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame(
    ...     {"guid": f"G{i}", "type": kind, "status_name": "Completed", "currency_code": "GBP", "total": total,
    ...      "currency_total": total, "order_at": f"{day}-11-2026 10:00", "items": []}
    ...     for i, (kind, total, day) in enumerate([("Buy", 100, "02"), ("Sell", 40, "02"), ("Buy", 25.5, "03")])
    ... )
    >>> table, left_out = totals_table(orders, by="day", split="type")
    >>> left_out
    0
    >>> table
    shape: (3, 3)
    ┌───────────────────────────────┬──────┬──────────────────┐
    │ period                        ┆ type ┆ gbp              │
    │ ---                           ┆ ---  ┆ ---              │
    │ datetime[μs, Europe/Istanbul] ┆ str  ┆ decimal[38,12]   │
    ╞═══════════════════════════════╪══════╪══════════════════╡
    │ 2026-11-02 00:00:00 +03       ┆ Buy  ┆ 100.000000000000 │
    │ 2026-11-02 00:00:00 +03       ┆ Sell ┆ 40.000000000000  │
    │ 2026-11-03 00:00:00 +03       ┆ Buy  ┆ 25.500000000000  │
    └───────────────────────────────┴──────┴──────────────────┘
    """
    if by not in PERIODS:
        raise ValueError(f"by must be one of {sorted(PERIODS)}, got {by!r}")
    if split not in ("type", "currency", "sku"):
        raise ValueError(f"split must be 'type', 'currency' or 'sku', got {split!r}")
    if split == "sku":
        if items is None:
            raise ValueError(
                "split='sku' needs the items: plot_order_totals(orders, split='sku', items=items_frame(...))"
            )
        items, _ = counted(items, statuses, "items")
        rates = orders.select("guid", "currency_rate").unique("guid", keep="first")
        rows = items.join(rates, on="guid", how="left").select(
            "order_at", "sku", _gbp(pl.col("total"), pl.col("currency_rate"), pl.col("currency")).alias("gbp")
        )
    else:
        orders, _ = counted(orders, statuses)
        rows = orders.select(
            "order_at",
            split,
            pl.coalesce(
                pl.col("currency_total"), _gbp(pl.col("total"), pl.col("currency_rate"), pl.col("currency"))
            ).alias("gbp"),
        )
    dropped = rows.filter(pl.col("gbp").is_null() | pl.col("order_at").is_null()).height
    every, _ = PERIODS[by]
    rows = rows.drop_nulls(["gbp", "order_at"]).with_columns(
        pl.col("order_at").dt.truncate(every).alias("period"), pl.col(split).fill_null("unknown")
    )
    table = rows.group_by("period", split).agg(pl.col("gbp").sum()).sort("period", split)
    if cumulative and not table.is_empty():
        grid = table.select(pl.col("period").unique()).join(table.select(pl.col(split).unique()), how="cross")
        table = (
            grid.join(table, on=["period", split], how="left")
            .with_columns(pl.col("gbp").fill_null(0))
            .sort(split, "period")
            .with_columns(pl.col("gbp").cum_sum().over(split))
            .sort("period", split)
        )
    return table, dropped


def partial_periods(orders: pl.DataFrame, by: str = "day") -> list[datetime]:
    """The first and/or last period (their start times) that the orders' time span covers only in part.

    Coverage is counted in whole days, from the first to the last ``order_at`` of every row given
    (whatever its status): a week or month is partial when the orders start after its first day or
    end before its last. A day is never partial (no order's absence within a day can be told from
    the data), nor is a period the data fills.

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame(
    ...     {"guid": f"G{day}", "type": "Buy", "currency_code": "GBP", "order_at": f"{day}-11-2026 10:00", "items": []}
    ...     for day in ("02", "30")
    ... )
    >>> [f"{start:%Y-%m-%d}" for start in partial_periods(orders, "month")]
    ['2026-11-01']
    >>> [f"{start:%Y-%m-%d}" for start in partial_periods(orders, "week")]
    ['2026-11-30']
    """
    if by not in PERIODS:
        raise ValueError(f"by must be one of {sorted(PERIODS)}, got {by!r}")
    every, _ = PERIODS[by]
    times = orders.select(pl.col("order_at").drop_nulls())
    if by == "day" or times.is_empty():
        return []
    span = times.select(
        first=pl.col("order_at").min(),
        last=pl.col("order_at").max(),
        first_start=pl.col("order_at").min().dt.truncate(every),
        last_start=pl.col("order_at").max().dt.truncate(every),
        last_end=pl.col("order_at").max().dt.truncate(every).dt.offset_by(every),
    ).row(0, named=True)
    partial = []
    if span["first"].date() > span["first_start"].date():
        partial.append(span["first_start"])
    if span["last"].date() < (span["last_end"] - timedelta(days=1)).date() and span["last_start"] not in partial:
        partial.append(span["last_start"])
    return partial


def _partial_note(orders: pl.DataFrame, by: str, partial: list[datetime]) -> str:
    """``hatched: partial months (orders from 2026-05-04 to 2026-11-02)``."""
    if not partial:
        return ""
    first, last = orders["order_at"].min(), orders["order_at"].max()
    span = (
        f" (orders from {first:%Y-%m-%d} to {last:%Y-%m-%d})"
        if isinstance(first, datetime) and isinstance(last, datetime)
        else ""
    )
    return f"hatched: partial {by}{'s' if len(partial) > 1 else ''}{span}"


def _order(keys: list[str], split: str) -> list[str]:
    """The stacking order: the catalogue's order of types, currencies or SKUs; unknown keys after, alphabetically."""
    if split == "sku":
        return sorted(keys, key=sku_order)
    fixed = ORDER_TYPES if split == "type" else CURRENCIES
    return sorted(keys, key=lambda k: (fixed.index(k) if k in fixed else len(fixed), k))


def _money(value: float, _: object = None) -> str:
    """Compact axis money: 500, 2.5k, 10k, 1.2m."""
    size = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def plot_order_totals(
    orders: pl.DataFrame,
    by: Literal["day", "week", "month"] = "day",
    split: Literal["type", "currency", "sku"] = "type",
    cumulative: bool = False,
    *,
    items: pl.DataFrame | None = None,
    statuses: Statuses = EXECUTED_STATUSES,
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Stacked bars of order totals in GBP per day/week/month, split by type, currency or SKU (needs `items`).

    Only the orders whose ``status_name`` is in `statuses` count: by default
    `catalog.EXECUTED_STATUSES`, the orders that moved money (a cancelled or refunded order did
    not); pass a set of names to choose, or `statuses=None` for every status. The note under the
    title names the statuses counted and how many orders were left out.

    Each order counts at `currency_total` (its total in GBP), else total x `currency_rate`; an item
    at its total x its order's rate. Orders with neither are left out and counted in the note.
    `cumulative=True` stacks running totals instead. A first or last week or month the orders
    cover only in part (see `partial_periods`) is hatched, and the note says so.

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame(
    ...     {"guid": f"G{i}", "type": kind, "status_name": status, "currency_code": "GBP", "total": total,
    ...      "currency_total": total, "order_at": f"{day}-11-2026 10:00", "items": []}
    ...     for i, (kind, status, total, day) in enumerate(
    ...         [("Buy", "Completed", 100, "02"), ("Sell", "Completed", 40, "02"), ("Buy", "Cancelled", 25.5, "03")]
    ...     )
    ... )
    >>> ax = plot_order_totals(orders, by="day", environment="sandbox")
    >>> ax.get_title(loc="left"), [text.get_text() for text in ax.get_legend().get_texts()]
    ('Order totals per day by type, GBP', ['Sell', 'Buy'])
    >>> [[float(bar.get_height()) for bar in bars] for bars in ax.containers]
    [[100.0], [40.0]]
    >>> print(ax.texts[0].get_text())
    counted: executed orders (Completed, Packed, Preparing, Shipped, Transferring), 1 other order left out
    GBP: currency_total, else total × currency_rate
    """
    table, dropped = totals_table(orders, by, split, cumulative, items, statuses=statuses)
    _, status_note = counted(
        items if split == "sku" and items is not None else orders, statuses, "items" if split == "sku" else "orders"
    )
    partial = partial_periods(orders, by)
    _, bar_days = PERIODS[by]
    with house_style():
        ax = ax if ax is not None else new_axes()
        periods = table["period"].unique().sort()
        x = local_times(periods)
        hatched = (
            np.isin(x, local_times(pl.Series(partial, dtype=periods.dtype))) if partial else np.zeros(len(x), bool)
        )
        bottom = np.zeros(len(periods))
        legend: list[Patch] = []
        for i, key in enumerate(_order(table[split].unique().to_list(), split)):
            part = (
                pl.DataFrame({"period": periods})
                .join(table.filter(pl.col(split) == key), on="period", how="left")
                .sort("period")
            )
            heights = part["gbp"].cast(pl.Float64).fill_null(0.0).to_numpy()
            bars = ax.bar(
                x,
                heights,
                width=bar_days,
                bottom=bottom,
                color=colour(key, i),
                label=key,
                linewidth=0,
                align="edge" if by != "day" else "center",
            )
            legend.insert(0, Patch(facecolor=colour(key, i), label=key))
            for bar, partly in zip(bars.patches, hatched, strict=True):
                if partly:
                    bar.set_hatch(PARTIAL_HATCH)
                    bar.set_edgecolor("white")
                    bar.set_alpha(0.6)
            bottom = bottom + heights
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_ylim(bottom=0)
        at = orders.schema["order_at"]
        zone = at.time_zone if isinstance(at, pl.Datetime) else None
        date_axis(ax, f"order date per {by} ({zone or 'local'})")
        left_out = f"; {dropped} without a GBP rate left out" if dropped else ""
        what = "Cumulative order totals" if cumulative else "Order totals"
        money = "; ".join(
            p
            for p in (f"GBP: currency_total, else total × currency_rate{left_out}", _partial_note(orders, by, partial))
            if p
        )
        note = f"{status_note}\n{money}"
        if hatched.any():
            legend.append(Patch(facecolor="none", edgecolor=INK, hatch=PARTIAL_HATCH, label=f"partial {by}"))
        return finish(ax, f"{what} per {by} by {split}, GBP", "total (GBP)", environment, note, legend=legend)
