"""Holdings, P&L and the cost of the spread over time, from `frames.holdings` and `frames.spread_cost`.

A holdings frame has a row per owner, SKU and day with activity; a position is unchanged between
its rows. Sums over owners add each owner's day-to-day changes, so no daily grid is built.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from minted_lab.catalog import sku_order
from minted_lab.plots._axes import date_axis
from minted_lab.plots._style import INK, colour, finish, house_style, new_axes
from minted_lab.plots._totals import _money

HOLDINGS_COLUMNS = {"customer_external_id", "sku", "day", "held", "cost", "realised_pnl", "realised_pnl_cum"}
SPREAD_COLUMNS = {"month", "sku", "buy_cost", "sell_cost", "spread_cost"}


def _check(frame: pl.DataFrame, columns: set[str], what: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise ValueError(f"expected {what}; missing columns {sorted(missing)}")


def _owned(holdings: pl.DataFrame, owner: str) -> tuple[pl.DataFrame, str]:
    """The rows of `owner` ("all", "partner" for the partner's own wallet, or a customer's external id), and its label."""
    if owner == "all":
        return holdings, "all owners"
    if owner == "partner":
        return holdings.filter(pl.col("customer_external_id").is_null()), "the partner's own wallet"
    rows = holdings.filter(pl.col("customer_external_id") == owner)
    if rows.is_empty():
        known = holdings["customer_external_id"].drop_nulls().unique().sort().head(5).to_list()
        raise ValueError(f"no holdings of {owner!r} (owners include: 'partner', {', '.join(map(repr, known))})")
    return rows, f"customer {owner}"


def daily_totals(holdings: pl.DataFrame, column: str, owner: str = "all") -> pl.DataFrame:
    """(day, sku, value): `column` summed over the chosen owners on every day any of them had activity.

    Each owner's value holds between its rows, so the sum adds each owner's changes day by day.

    Examples
    --------
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> h = pl.DataFrame({"customer_external_id": [None, "C1", None], "sku": ["GAU"] * 3,
    ...                   "day": [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)],
    ...                   "held": [Decimal(10), Decimal(2), Decimal(4)]})
    >>> daily_totals(h, "held").rows()
    [(datetime.date(2026, 11, 2), 'GAU', 10.0), (datetime.date(2026, 11, 3), 'GAU', 12.0), (datetime.date(2026, 11, 4), 'GAU', 6.0)]
    """
    rows, _ = _owned(holdings, owner)
    change = pl.col(column).cast(pl.Float64).fill_null(0.0)
    steps = rows.sort("customer_external_id", "sku", "day", nulls_last=False).with_columns(
        (change - change.shift(1).over("customer_external_id", "sku").fill_null(0.0)).alias("step")
    )
    return (
        steps.group_by("day", "sku")
        .agg(pl.col("step").sum())
        .sort("sku", "day")
        .select("day", "sku", pl.col("step").cum_sum().over("sku").alias("value"))
    )


def _skus(frame: pl.DataFrame, sku: str | None) -> list[str]:
    present = sorted(frame["sku"].drop_nulls().unique().to_list(), key=sku_order)
    if sku is None:
        return present
    if sku not in present:
        raise ValueError(f"no rows for SKU {sku!r} (present: {present})")
    return [sku]


def _days(values: pl.DataFrame) -> np.ndarray:
    return values["day"].to_numpy().astype("datetime64[D]")


def _grid(totals: pl.DataFrame, skus: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Every SKU's total on every day in `totals` (carried forward between its own days; 0 before its first)."""
    days = totals.select("day").unique().sort("day")
    series = {}
    for name in skus:
        one = days.join(totals.filter(pl.col("sku") == name), on="day", how="left").sort("day")
        series[name] = one["value"].forward_fill().fill_null(0.0).to_numpy()
    return _days(days), series


def plot_holdings(
    holdings: pl.DataFrame,
    sku: str | None = None,
    *,
    owner: str = "all",
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """What is held over time: one SKU's grams (a step line), or every SKU's position at cost stacked in GBP.

    `holdings` is a `frames.holdings` frame; `owner` is ``"all"`` (summed over owners), ``"partner"``
    (the partner's own wallet) or a customer's external id. Grams of different metals do not add
    up, so without `sku` the stack shows what each SKU's position cost (`cost`, GBP).

    Examples
    --------
    >>> from minted_lab.frames import holdings, order_frames
    >>> def order(n, kind, grams, total, day):
    ...     return {"guid": f"G{n}", "type": kind, "status_name": "Completed", "currency_code": "GBP",
    ...             "total": total, "order_at": f"{day}-11-2026 10:00", "items": [{"sku": "GAU", "amount": grams, "total": total}]}
    >>> orders, items = order_frames([order(1, "Buy", 10, 1000, "02"), order(2, "Sell", 4, 480, "05")])
    >>> ax = plot_holdings(holdings(items, orders=orders), "GAU", environment="sandbox")
    >>> ax.get_title(loc="left"), ax.get_ylabel(), ax.get_lines()[0].get_ydata().tolist()
    ('GAU held, all owners', 'grams held', [10.0, 6.0])
    """
    _check(holdings, HOLDINGS_COLUMNS, "a holdings frame (frames.holdings)")
    rows, who = _owned(holdings, owner)
    skus = _skus(rows, sku)
    with house_style():
        ax = ax if ax is not None else new_axes()
        if sku is not None:
            totals = daily_totals(rows, "held").filter(pl.col("sku") == sku)
            ax.step(_days(totals), totals["value"].to_numpy(), where="post", color=colour(sku), label=sku)
            ax.axhline(0.0, color=INK, linewidth=0.8, zorder=0)
            date_axis(ax, "day (Europe/Istanbul)")
            return finish(ax, f"{sku} held, {who}", "grams held", environment, "grams bought - sold - delivered")
        days, series = _grid(daily_totals(rows, "cost"), skus)
        bottom = np.zeros(len(days))
        for name in skus:
            top = bottom + series[name]
            ax.fill_between(days, bottom, top, step="post", color=colour(name), label=name, linewidth=0, alpha=0.9)
            bottom = top
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_ylim(bottom=0)
        date_axis(ax, "day (Europe/Istanbul)")
        note = "stacked: each SKU's grams at cost x moving average cost"
        return finish(ax, f"Holdings at cost by SKU, {who}, GBP", "position at cost (GBP)", environment, note, True)


def plot_pnl(
    holdings: pl.DataFrame,
    sku: str | None = None,
    *,
    owner: str = "all",
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Realised P&L over time (cumulative, GBP) per SKU, and where unrealised P&L would take it today.

    When the frame was made with prices (`unrealised_pnl` not null), a dot at each line's end marks
    realised + unrealised: the P&L if the position at cost were sold at those prices.

    Examples
    --------
    >>> from minted_lab.frames import holdings, order_frames
    >>> def order(n, kind, grams, total, day):
    ...     return {"guid": f"G{n}", "type": kind, "status_name": "Completed", "currency_code": "GBP",
    ...             "total": total, "order_at": f"{day}-11-2026 10:00", "items": [{"sku": "GAU", "amount": grams, "total": total}]}
    >>> orders, items = order_frames([order(1, "Buy", 10, 1000, "02"), order(2, "Sell", 4, 480, "05")])
    >>> ax = plot_pnl(holdings(items, {"GAU": 110}, orders=orders))
    >>> ax.get_title(loc="left"), ax.get_lines()[0].get_ydata().tolist(), float(ax.collections[0].get_offsets()[0][1])
    ('Realised P&L, all owners, GBP', [0.0, 80.0], 140.0)
    """
    _check(holdings, HOLDINGS_COLUMNS | {"unrealised_pnl"}, "a holdings frame (frames.holdings)")
    rows, who = _owned(holdings, owner)
    skus = _skus(rows, sku)
    realised = daily_totals(rows, "realised_pnl_cum")
    latest = rows.sort("day").group_by("customer_external_id", "sku").agg(pl.col("unrealised_pnl").last())
    priced = latest["unrealised_pnl"].null_count() < latest.height
    with house_style():
        ax = ax if ax is not None else new_axes()
        for name in skus:
            line = realised.filter(pl.col("sku") == name)
            x, y = _days(line), line["value"].to_numpy()
            ax.step(x, y, where="post", color=colour(name), label=name)
            if priced and len(x):
                open_pnl = latest.filter(pl.col("sku") == name)["unrealised_pnl"].cast(pl.Float64).sum()
                ax.scatter(
                    [x[-1]], [y[-1] + open_pnl], color=colour(name), s=28, zorder=4, edgecolors=INK, linewidths=0.6
                )
        ax.axhline(0.0, color=INK, linewidth=0.8, zorder=0)
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        date_axis(ax, "day (Europe/Istanbul)")
        note = "sells against the moving average cost"
        if priced:
            note += "; dots: plus unrealised P&L at the given sell prices"
        title = f"Realised P&L{', ' + skus[0] if sku else ''}, {who}, GBP"
        return finish(ax, title, "realised P&L, cumulative (GBP)", environment, note)


def plot_spread_cost(
    spread: pl.DataFrame,
    split: Literal["sku", "side"] = "sku",
    *,
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """What the spread over spot cost per month, GBP: stacked bars by SKU, or by side (buys above spot, sells below).

    `spread` is a `frames.spread_cost` frame.

    Examples
    --------
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> table = pl.DataFrame({"month": [date(2026, 10, 1), date(2026, 11, 1)], "sku": ["GAU", "GAU"],
    ...                       "buy_cost": [Decimal(20), Decimal(5)], "sell_cost": [Decimal(8), Decimal(1)],
    ...                       "spread_cost": [Decimal(28), Decimal(6)]})
    >>> ax = plot_spread_cost(table, split="side", environment="sandbox")
    >>> ax.get_title(loc="left"), {c.get_label(): [float(p.get_height()) for p in c.patches] for c in ax.containers}
    ('Cost of the spread per month by side, GBP', {'buys': [20.0, 5.0], 'sells': [8.0, 1.0]})
    """
    _check(spread, SPREAD_COLUMNS, "a spread cost frame (frames.spread_cost)")
    if split not in ("sku", "side"):
        raise ValueError(f"split must be 'sku' or 'side', got {split!r}")
    months = spread.select("month").unique().sort("month")
    x = months["month"].to_numpy().astype("datetime64[D]")
    if split == "sku":
        parts = {
            name: months.join(spread.filter(pl.col("sku") == name), on="month", how="left")
            .sort("month")["spread_cost"]
            .cast(pl.Float64)
            .fill_null(0.0)
            .to_numpy()
            for name in _skus(spread, None)
        }
        colours = {name: colour(name) for name in parts}
    else:
        sums = months.join(spread.group_by("month").agg(pl.col("buy_cost", "sell_cost").sum()), on="month", how="left")
        sums = sums.sort("month")
        parts = {
            "buys": sums["buy_cost"].cast(pl.Float64).fill_null(0.0).to_numpy(),
            "sells": sums["sell_cost"].cast(pl.Float64).fill_null(0.0).to_numpy(),
        }
        colours = {"buys": colour("buy"), "sells": colour("sell")}
    with house_style():
        ax = ax if ax is not None else new_axes()
        bottom = np.zeros(len(x))
        for name, heights in parts.items():
            ax.bar(x, heights, width=24.0, bottom=bottom, align="edge", color=colours[name], label=name, linewidth=0)
            bottom = bottom + heights
        ax.yaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_ylim(bottom=0)
        date_axis(ax, "month (Europe/Istanbul)")
        note = "grams x (price - spot) on buys, x (spot - price) on sells, at each order's own rate"
        by = "SKU" if split == "sku" else "side"
        return finish(ax, f"Cost of the spread per month by {by}, GBP", "spread cost (GBP)", environment, note, True)
