"""Price and spread-over-spot plots, from a prices/quotes frame or an items frame (executed prices)."""

from __future__ import annotations

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from minted_lab.catalog import sku_order
from minted_lab.frames import as_float
from minted_lab.frames._spread import spread_ratio_expr
from minted_lab.plots._axes import date_axis, local_times, time_label
from minted_lab.plots._downsample import axes_width_px, downsample_minmax
from minted_lab.plots._style import INK, colour, finish, house_style, new_axes

PRICE_COLUMNS = {"time", "currency", "sku", "spot", "buy", "sell"}
ITEM_COLUMNS = {"order_at", "currency", "sku", "type", "spot_price", "price", "spread"}


def _normalised(frame: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """(time, currency, sku, spot, buy, sell, buy_spread, sell_spread and pct) as floats; True for executed prices."""
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
            "buy_spread_pct",
            "sell_spread_pct",
        ]
        return as_float(frame.select([c for c in cols if c in frame.columns])), False
    if set(frame.columns) >= ITEM_COLUMNS:
        is_buy, is_sell = pl.col("type") == "Buy", pl.col("type") == "Sell"
        pct = pl.col("spread_pct") if "spread_pct" in frame.columns else spread_ratio_expr("price", "spot_price")
        out = as_float(frame).select(
            pl.col("order_at").alias("time"),
            "currency",
            "sku",
            pl.col("spot_price").alias("spot"),
            pl.when(is_buy).then(pl.col("price")).alias("buy"),
            pl.when(is_sell).then(pl.col("price")).alias("sell"),
            pl.when(is_buy).then(pl.col("spread")).alias("buy_spread"),
            pl.when(is_sell).then(pl.col("spread")).alias("sell_spread"),
            pl.when(is_buy).then(pct).alias("buy_spread_pct"),
            pl.when(is_sell).then(pct).alias("sell_spread_pct"),
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
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Spot, buy and sell per gram over time for one SKU (or every SKU, log scale), to see price and its sides.

    `frame` is a `prices_frame`/`quotes_frame` (quoted prices, drawn as lines) or an `items_frame`
    (executed prices: spot as a line, each buy and sell as a dot). One currency is drawn: `currency`,
    else the most frequent one, named in the title. Long series are min/max-downsampled per pixel.

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
        return finish(ax, title, f"{currency} per gram", environment, note)


def _rolling(y: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = pl.Series(y)
    lo = s.rolling_quantile(0.25, window_size=window, min_samples=1, interpolation="linear")
    mid = s.rolling_median(window_size=window, min_samples=1)
    hi = s.rolling_quantile(0.75, window_size=window, min_samples=1, interpolation="linear")
    return lo.to_numpy(), mid.to_numpy(), hi.to_numpy()


def default_window(n: int) -> int:
    """Observations per rolling median: about n/30, between 5 and 500."""
    return max(5, min(500, n // 30))


def plot_spread(
    frame: pl.DataFrame,
    sku: str | None = None,
    pct: bool = True,
    *,
    window: int | None = None,
    currency: str | None = None,
    ax: Axes | None = None,
    environment: str | None = None,
) -> Axes:
    """Spread over spot over time (buy above zero, sell below) with its rolling median and IQR band.

    `frame` is a prices/quotes frame (quoted spreads) or an items frame (executed spreads).
    `pct=True` plots spread / spot (comparable across SKUs and currencies); `pct=False` plots the
    spread in one currency per gram. `window` is the rolling median's length in observations
    (default `default_window(n)`).

    Examples
    --------
    >>> from decimal import Decimal
    >>> from minted_lab.frames import prices_frame
    >>> prices = prices_frame(
    ...     {"sku": "GAU", "currency_code": "GBP", "updated_at": f"2026-11-02T{h:02}:00:00+03:00",
    ...      "spot_price": Decimal("98.98") + h, "buy_price": Decimal("100.99") + h, "sell_price": Decimal("97.31") + h}
    ...     for h in range(9, 17)
    ... )
    >>> ax = plot_spread(prices, "GAU", window=4)
    >>> ax.get_title(loc="left"), ax.get_ylabel()
    ('GAU, quoted spread over spot (% of spot)', 'spread over spot (% of spot)')
    """
    data, executed = _normalised(frame)
    note = ""
    unit = "% of spot"
    if not pct:
        data, currency, note = _one_currency(data, currency)
        unit = f"{currency} per gram"
    skus = _skus(data, sku)
    suffix = "_pct" if pct else ""
    with house_style():
        ax = ax if ax is not None else new_axes()
        width = axes_width_px(ax)
        single = len(skus) == 1
        windows = set()
        for name in skus:
            rows = data.filter(pl.col("sku") == name)
            for side in ("buy", "sell"):
                x, y = _series(rows, f"{side}_spread{suffix}")
                if not len(x):
                    continue
                w = window or default_window(len(y))
                windows.add(w)
                tint = colour(side) if single else colour(name)
                lo, mid, hi = _rolling(y, w)
                px, py = downsample_minmax(x, y, width)
                ax.scatter(px, py, s=5, color=tint, alpha=0.25, linewidths=0, zorder=1)
                step = max(1, len(x) // (2 * width))
                ax.fill_between(x[::step], lo[::step], hi[::step], color=tint, alpha=0.22, linewidth=0, zorder=2)
                label = side if single else (name if name not in labelled(ax) else None)
                ax.plot(x[::step], mid[::step], color=tint, linewidth=1.6, label=label, zorder=3)
        ax.axhline(0.0, color=INK, linewidth=0.8, zorder=0)
        if pct:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        date_axis(ax, time_label(frame["time" if "time" in frame.columns else "order_at"]))
        what = skus[0] if single else "Spreads per SKU"
        kind = "executed" if executed else "quoted"
        obs = f"{min(windows)}" if len(windows) == 1 else f"{min(windows)}-{max(windows)}"
        span = f"lines: rolling median of {obs} obs., band: IQR" if windows else ""
        sides = "" if single else "buys above zero, sells below"
        title = f"{what}, {kind} spread over spot ({unit})"
        return finish(ax, title, f"spread over spot ({unit})", environment, _join(span, sides, note))


def labelled(ax: Axes) -> set[str]:
    """Labels already in `ax`'s legend."""
    return set(ax.get_legend_handles_labels()[1])
