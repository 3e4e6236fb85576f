"""Order totals per period, stacked by type, currency or SKU, all in GBP."""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from minted_lab.catalog import CURRENCIES, ORDER_TYPES, sku_order
from minted_lab.plots._axes import date_axis, local_times
from minted_lab.plots._style import colour, finish, house_style, new_axes

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
) -> tuple[pl.DataFrame, int]:
    """(period x split table of GBP totals as Decimal, orders left out for want of a rate): what the bars draw.

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame(
    ...     {"guid": f"G{i}", "type": kind, "currency_code": "GBP", "total": total, "currency_total": total,
    ...      "order_at": f"{day}-11-2026 10:00", "items": []}
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
        rates = orders.select("guid", "currency_rate").unique("guid", keep="first")
        rows = items.join(rates, on="guid", how="left").select(
            "order_at", "sku", _gbp(pl.col("total"), pl.col("currency_rate"), pl.col("currency")).alias("gbp")
        )
    else:
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
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Stacked bars of order totals in GBP per day/week/month, split by type, currency or SKU (needs `items`).

    Each order counts at `currency_total` (its total in GBP), else total x `currency_rate`; an item
    at its total x its order's rate. Orders with neither are left out and counted in the title.
    `cumulative=True` stacks running totals instead.

    Examples
    --------
    >>> from minted_lab.frames import orders_frame
    >>> orders = orders_frame(
    ...     {"guid": f"G{i}", "type": kind, "currency_code": "GBP", "total": total, "currency_total": total,
    ...      "order_at": f"{day}-11-2026 10:00", "items": []}
    ...     for i, (kind, total, day) in enumerate([("Buy", 100, "02"), ("Sell", 40, "02"), ("Buy", 25.5, "03")])
    ... )
    >>> ax = plot_order_totals(orders, by="day", environment="sandbox")
    >>> ax.get_title(loc="left"), [text.get_text() for text in ax.get_legend().get_texts()]
    ('Order totals per day by type, GBP', ['Sell', 'Buy'])
    """
    table, dropped = totals_table(orders, by, split, cumulative, items)
    _, bar_days = PERIODS[by]
    with house_style():
        ax = ax if ax is not None else new_axes()
        periods = table["period"].unique().sort()
        x = local_times(periods)
        bottom = np.zeros(len(periods))
        for i, key in enumerate(_order(table[split].unique().to_list(), split)):
            part = (
                pl.DataFrame({"period": periods})
                .join(table.filter(pl.col(split) == key), on="period", how="left")
                .sort("period")
            )
            heights = part["gbp"].cast(pl.Float64).fill_null(0.0).to_numpy()
            ax.bar(
                x,
                heights,
                width=bar_days,
                bottom=bottom,
                color=colour(key, i),
                label=key,
                linewidth=0,
                align="edge" if by != "day" else "center",
            )
            bottom = bottom + heights
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_ylim(bottom=0)
        at = orders.schema["order_at"]
        zone = at.time_zone if isinstance(at, pl.Datetime) else None
        date_axis(ax, f"order date per {by} ({zone or 'local'})")
        left_out = f"; {dropped} without a GBP rate left out" if dropped else ""
        what = "Cumulative order totals" if cumulative else "Order totals"
        note = f"GBP: currency_total, else total × currency_rate{left_out}"
        return finish(ax, f"{what} per {by} by {split}, GBP", "total (GBP)", environment, note, reverse_legend=True)
