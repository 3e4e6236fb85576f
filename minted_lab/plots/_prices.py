"""Price and spread-over-spot plots, from a prices/quotes frame or an items frame (executed prices).

An items frame is filtered to the executed orders' items first (`statuses=`, by default
`catalog.EXECUTED_STATUSES`): a cancelled or refunded trade is not drawn as executed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from minted_lab.catalog import EXECUTED_STATUSES, sku_order
from minted_lab.frames import as_float
from minted_lab.frames._spread import spread_ratio_expr
from minted_lab.plots._axes import date_axis, local_times, time_label
from minted_lab.plots._downsample import axes_width_px, downsample_minmax
from minted_lab.plots._statuses import Statuses, counted
from minted_lab.plots._style import INK, colour, finish, house_style, new_axes

PRICE_COLUMNS = {"time", "currency", "sku", "spot", "buy", "sell"}
ITEM_COLUMNS = {"order_at", "currency", "sku", "type", "spot_price", "price", "spread"}


def _normalised(frame: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """(time, currency, sku, spot, buy, sell, buy_spread, sell_spread and their ratios) as floats; True for executed
    prices (an items frame, whose ``status_name`` is kept when it has one)."""
    if set(frame.columns) >= PRICE_COLUMNS:
        cols = [
            "time",
            "currency",
            "sku",
            "spot",
            "buy",
            "sell",
            "buy_spread",
            "sell_spread",
            "buy_spread_ratio",
            "sell_spread_ratio",
        ]
        return as_float(frame.select([c for c in cols if c in frame.columns])), False
    if set(frame.columns) >= ITEM_COLUMNS:
        is_buy, is_sell = pl.col("type") == "Buy", pl.col("type") == "Sell"
        ratio = pl.col("spread_ratio") if "spread_ratio" in frame.columns else spread_ratio_expr("price", "spot_price")
        out = as_float(frame).select(
            pl.col("order_at").alias("time"),
            "currency",
            "sku",
            pl.col("spot_price").alias("spot"),
            pl.when(is_buy).then(pl.col("price")).alias("buy"),
            pl.when(is_sell).then(pl.col("price")).alias("sell"),
            pl.when(is_buy).then(pl.col("spread")).alias("buy_spread"),
            pl.when(is_sell).then(pl.col("spread")).alias("sell_spread"),
            pl.when(is_buy).then(ratio).alias("buy_spread_ratio"),
            pl.when(is_sell).then(ratio).alias("sell_spread_ratio"),
            *([pl.col("status_name")] if "status_name" in frame.columns else []),
        )
        return out, True
    raise ValueError(
        "expected a prices/quotes frame (time, sku, spot, buy, sell) or an items frame (order_at, sku, spot_price, "
        f"price, type); got columns {frame.columns}"
    )


def _one_currency(frame: pl.DataFrame, currency: str | None) -> tuple[pl.DataFrame, str, str]:
    """Keep one currency (the given one, else the most frequent); say which others were left out."""
    counts = frame.group_by("currency").len().sort("len", descending=True)
    present = [c for c in counts["currency"].to_list() if c is not None]
    chosen = currency is None
    if currency is None:
        if not present:
            return frame, "currency", ""
        currency = present[0]
    others = [c for c in present if c != currency]
    note = f"{', '.join(others)} rows not shown (pass currency=)" if others and chosen else ""
    return frame.filter(pl.col("currency") == currency), currency, note


def _skus(frame: pl.DataFrame, sku: str | None) -> list[str]:
    if sku is not None:
        if frame.filter(pl.col("sku") == sku).is_empty():
            raise ValueError(f"no rows for SKU {sku!r} (present: {sorted(frame['sku'].drop_nulls().unique())})")
        return [sku]
    present = frame["sku"].drop_nulls().unique().to_list()
    return sorted(present, key=sku_order)


def _drawn(data: pl.DataFrame, skus: list[str], executed: bool, statuses: Statuses) -> tuple[pl.DataFrame, str]:
    """The rows of the SKUs drawn; of executed prices, those of `statuses` only, with the note saying so."""
    data = data.filter(pl.col("sku").is_in(skus))
    return counted(data, statuses, "items") if executed else (data, "")


def _series(frame: pl.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    rows = frame.filter(pl.col(column).is_not_null()).sort("time", maintain_order=True)
    return local_times(rows["time"]), rows[column].to_numpy()


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def plot_price(
    frame: pl.DataFrame,
    sku: str | None = None,
    *,
    currency: str | None = None,
    statuses: Statuses = EXECUTED_STATUSES,
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Spot, buy and sell per gram over time for one SKU (or every SKU, log scale), to see price and its sides.

    `frame` is a `prices_frame`/`quotes_frame` (quoted prices, drawn as lines) or an `items_frame`
    (executed prices: spot as a line, each buy and sell as a dot). An items frame is drawn for the
    orders whose ``status_name`` is in `statuses` only: by default `catalog.EXECUTED_STATUSES`
    (a cancelled or refunded trade was not executed); `statuses=None` draws every item; the note
    names the statuses. One currency is drawn: `currency`, else the most frequent one, named in the
    title. Long series are min/max-downsampled per pixel.

    Examples
    --------
    >>> from decimal import Decimal
    >>> from minted_lab.frames import prices_frame
    >>> prices = prices_frame(
    ...     {"sku": "GAU", "currency_code": "GBP", "updated_at": f"2026-11-02T{h:02}:00:00+03:00",
    ...      "spot_price": Decimal("98.98") + h, "buy_price": Decimal("100.99") + h, "sell_price": Decimal("97.31") + h}
    ...     for h in range(9, 17)
    ... )
    >>> ax = plot_price(prices, "GAU", environment="sandbox")
    >>> ax.get_title(loc="left"), ax.get_title(loc="right"), [line.get_label() for line in ax.get_lines()]
    ('GAU prices, GBP per gram', 'SANDBOX', ['spot', 'buy', 'sell'])
    """
    data, executed = _normalised(frame)
    data, currency, note = _one_currency(data, currency)
    skus = _skus(data, sku)
    data, status_note = _drawn(data, skus, executed, statuses)
    with house_style():
        ax = ax if ax is not None else new_axes()
        width = axes_width_px(ax)
        single = len(skus) == 1
        for name in skus:
            rows = data.filter(pl.col("sku") == name)
            metal = colour(name)
            x, y = downsample_minmax(*_series(rows, "spot"), width)
            ax.plot(
                x,
                y,
                color=INK if single else metal,
                label="spot" if single else name,
                linewidth=1.6 if single else 1.3,
                zorder=3,
            )
            for side in ("buy", "sell"):
                x, y = downsample_minmax(*_series(rows, side), width)
                if not len(x):
                    continue
                tint = colour(side) if single else metal
                label = (f"{side} (executed)" if executed else side) if single else None
                if executed:
                    ax.scatter(
                        x,
                        y,
                        s=9 if single else 5,
                        color=tint,
                        alpha=0.75 if single else 0.45,
                        linewidths=0,
                        label=label,
                        zorder=4,
                    )
                else:
                    ax.plot(
                        x,
                        y,
                        color=tint,
                        linestyle="-" if single else "--",
                        linewidth=1.1,
                        alpha=0.95 if single else 0.7,
                        label=label,
                        zorder=2,
                    )
        if not single:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "25" else ""))
            sides = "dots: executed buys above, sells below spot" if executed else "dashed: buy above, sell below spot"
            note = _join(f"log scale; lines: spot; {sides}", note)
        date_axis(ax, time_label(frame["time" if "time" in frame.columns else "order_at"]))
        what = skus[0] if single else "Prices per SKU"
        kind = ("executed prices" if executed else "prices") if single else ("(executed)" if executed else "")
        title = " ".join(p for p in (what, kind) if p) + f", {currency} per gram"
        return finish(ax, title, f"{currency} per gram", environment, _lines(status_note, note))


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


WINDOWS: tuple[timedelta, ...] = tuple(
    timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 2 * 60, 3 * 60, 6 * 60, 12 * 60)
) + tuple(timedelta(days=d) for d in (1, 2, 3, 7, 14, 30, 60, 90))
"""The default smoothing windows to choose from (see `default_window`)."""
MIN_POINTS = 3
"""A window holding fewer observations than this draws no median (a median of one or two is noise)."""
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def default_window(span: timedelta) -> timedelta:
    """The smallest of `WINDOWS` at least 1/30 of `span` (the time the data covers), at most 90 days."""
    wanted = span / 30
    return next((w for w in WINDOWS if w >= wanted), WINDOWS[-1])


def as_window(window: str | timedelta) -> timedelta:
    """A smoothing window as a span of time: a timedelta, or ``"90s"``, ``"15m"``, ``"6h"``, ``"7d"``, ``"2w"``."""
    if isinstance(window, timedelta):
        if window <= timedelta(0):
            raise ValueError(f"window must be a positive span of time, got {window}")
        return window
    if not isinstance(window, str):
        raise TypeError(
            f"window= is a span of time, the same for every SKU (e.g. '6h', '7d' or a timedelta), "
            f"not {type(window).__name__} {window!r}: a count of observations would smooth sparse SKUs over longer times"
        )
    match = re.fullmatch(r"\s*(\d+)\s*(s|m|min|h|d|w)\s*", window)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"window must look like '90s', '15m', '6h', '7d' or '2w', got {window!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def window_label(window: timedelta) -> str:
    """``7-day``, ``12-hour``, ``15-minute``, ``90-second``: the window as the plot states it."""
    seconds = int(window.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            return f"{seconds // size}-{unit}"
    return f"{seconds}-second"


def rolling_quartiles(
    times: np.ndarray, y: np.ndarray, window: timedelta, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(centres kept, 25th percentile, median, 75th) of `y` over ``[centre - window/2, centre + window/2)``.

    `times` (datetime64, ascending) and `y` are the observations; a centre whose window holds
    fewer than `MIN_POINTS` of them is dropped. Percentiles interpolate linearly.
    """
    half = np.timedelta64(int(window.total_seconds() * 1e6 / 2), "us")
    t = times.astype("datetime64[us]")
    lo_at = np.searchsorted(t, centres - half, side="left")
    hi_at = np.searchsorted(t, centres + half, side="left")
    keep = (hi_at - lo_at) >= MIN_POINTS
    quartiles = np.array(
        [np.percentile(y[a:b], [25, 50, 75]) for a, b in zip(lo_at[keep], hi_at[keep], strict=True)]
    ).reshape(-1, 3)
    return centres[keep], quartiles[:, 0], quartiles[:, 1], quartiles[:, 2]


def _centres(data: pl.DataFrame, window: timedelta, width_px: int) -> np.ndarray:
    """One grid for every SKU: from the first to the last time, every window/8 (at most ~4 per pixel)."""
    times = local_times(data["time"].drop_nulls().sort()).astype("datetime64[us]")
    if not len(times):
        return times
    first, last = times[0], times[-1]
    span_us = int((last - first) / np.timedelta64(1, "us"))
    step_us = max(int(window.total_seconds() * 1e6 / 8), span_us // (4 * width_px), 1)
    grid: np.ndarray = first + np.arange(0, span_us + 1, step_us).astype("timedelta64[us]")
    return grid


def plot_spread(
    frame: pl.DataFrame,
    sku: str | None = None,
    relative: bool = True,
    *,
    window: str | timedelta | None = None,
    currency: str | None = None,
    statuses: Statuses = EXECUTED_STATUSES,
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Spread over spot over time (buy above zero, sell below) with its rolling median and IQR band.

    `frame` is a prices/quotes frame (quoted spreads) or an items frame (executed spreads: the items
    of orders whose ``status_name`` is in `statuses`, by default `catalog.EXECUTED_STATUSES`;
    `statuses=None` for every item). `relative=True` plots spread / spot (the `*_spread_ratio` columns) (comparable across SKUs and
    currencies); `relative=False` plots the spread in one currency per gram.

    The lines are the median over a centred window of time, `window` (``"6h"``, ``"7d"`` or a
    timedelta; default `default_window` of the time the frame covers), the same for every SKU and
    side, so a SKU traded rarely is smoothed over the same days as one traded often; the band is
    the interquartile range over the same window. Windows with fewer than `MIN_POINTS`
    observations are left out. The note states the window.

    Examples
    --------
    >>> from decimal import Decimal
    >>> from minted_lab.frames import prices_frame
    >>> prices = prices_frame(
    ...     {"sku": "GAU", "currency_code": "GBP", "updated_at": f"2026-11-02T{h:02}:00:00+03:00",
    ...      "spot_price": Decimal("98.98") + h, "buy_price": Decimal("100.99") + h, "sell_price": Decimal("97.31") + h}
    ...     for h in range(9, 17)
    ... )
    >>> ax = plot_spread(prices, "GAU", window="4h")
    >>> ax.get_title(loc="left"), ax.get_ylabel()
    ('GAU, quoted spread over spot (% of spot)', 'spread over spot (% of spot)')
    >>> print(ax.texts[0].get_text())
    lines: median over a centred 4-hour window, band: IQR
    """
    data, executed = _normalised(frame)
    note = ""
    unit = "% of spot"
    if not relative:
        data, currency, note = _one_currency(data, currency)
        unit = f"{currency} per gram"
    skus = _skus(data, sku)
    data, status_note = _drawn(data, skus, executed, statuses)
    suffix = "_ratio" if relative else ""
    times = data["time"].drop_nulls()
    first, last = times.min(), times.max()
    covered = last - first if isinstance(first, datetime) and isinstance(last, datetime) else timedelta(0)
    span = as_window(window) if window is not None else default_window(covered)
    with house_style():
        ax = ax if ax is not None else new_axes()
        width = axes_width_px(ax)
        single = len(skus) == 1
        centres = _centres(data, span, width)
        for name in skus:
            rows = data.filter(pl.col("sku") == name)
            for side in ("buy", "sell"):
                x, y = _series(rows, f"{side}_spread{suffix}")
                if not len(x):
                    continue
                tint = colour(side) if single else colour(name)
                px, py = downsample_minmax(x, y, width)
                ax.scatter(px, py, s=5, color=tint, alpha=0.25, linewidths=0, zorder=1)
                at, lo, mid, hi = rolling_quartiles(x, y.astype(float), span, centres)
                label = side if single else (name if name not in labelled(ax) else None)
                ax.fill_between(at, lo, hi, color=tint, alpha=0.22, linewidth=0, zorder=2)
                ax.plot(at, mid, color=tint, linewidth=1.6, label=label, zorder=3)
        ax.axhline(0.0, color=INK, linewidth=0.8, zorder=0)
        if relative:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        date_axis(ax, time_label(frame["time" if "time" in frame.columns else "order_at"]))
        what = skus[0] if single else "Spreads per SKU"
        kind = "executed" if executed else "quoted"
        smoothing = f"lines: median over a centred {window_label(span)} window, band: IQR"
        sides = "" if single else "buys above zero, sells below"
        title = f"{what}, {kind} spread over spot ({unit})"
        return finish(
            ax, title, f"spread over spot ({unit})", environment, _lines(status_note, _join(smoothing, sides, note))
        )


def labelled(ax: Axes) -> set[str]:
    """Labels already in `ax`'s legend."""
    return set(ax.get_legend_handles_labels()[1])
