"""Each plot draws exactly the frame's data, labels its units, renders to PNG, and leaves rcParams alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
import pytest
from matplotlib.collections import PathCollection

from minted_lab import frames
from minted_lab.plots import downsample_minmax, plot_order_totals, plot_price, plot_spread

IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    yield
    plt.close("all")


def _local(series: pl.Series) -> np.ndarray:
    return series.dt.replace_time_zone(None).to_numpy()


def _line(ax: matplotlib.axes.Axes, label: str) -> matplotlib.lines.Line2D:
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_plot_price_draws_the_frames_spot_buy_and_sell(prices: pl.DataFrame) -> None:
    ax = plot_price(prices, "GAG", environment="sandbox")
    gag = frames.as_float(prices.filter(pl.col("sku") == "GAG"))
    for label, column in (("spot", "spot"), ("buy", "buy"), ("sell", "sell")):
        line = _line(ax, label)
        assert np.array_equal(line.get_xdata(), _local(gag["time"]))
        assert np.allclose(line.get_ydata(), gag[column].to_numpy())
    assert ax.get_ylabel() == "GBP per gram"
    assert "GAG" in ax.get_title(loc="left") and "GBP per gram" in ax.get_title(loc="left")
    assert ax.get_title(loc="right") == "SANDBOX"
    assert "Europe/Istanbul" in ax.get_xlabel()


def test_plot_price_all_skus_uses_a_log_scale_and_metal_colours(prices: pl.DataFrame) -> None:
    ax = plot_price(prices)
    assert ax.get_yscale() == "log"
    assert {line.get_label() for line in ax.get_lines()} >= {"GAU", "GAG", "GPT"}
    assert _line(ax, "GAU").get_color() == "#D4A017"


def test_plot_price_from_items_draws_executed_prices_in_one_currency(orders_items: frames.OrderFrames) -> None:
    items = orders_items.items
    ax = plot_price(items, "GAU", currency="TRY")
    rows = frames.as_float(items.filter((pl.col("sku") == "GAU") & (pl.col("currency") == "TRY")))
    buys = rows.filter(pl.col("type") == "Buy").sort("order_at", maintain_order=True)
    dots = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    assert np.allclose(dots["buy (executed)"].get_offsets()[:, 1], buys["price"].to_numpy())
    assert "TRY per gram" in ax.get_ylabel()
    assert "rows not shown" not in "".join(t.get_text() for t in ax.texts)
    default = plot_price(items, "GAU")
    assert "rows not shown" in "".join(t.get_text() for t in default.texts)


def _centred_medians(line: matplotlib.lines.Line2D, times: pl.Series, values: pl.Series, hours: float) -> np.ndarray:
    """The median of `values` over [x - hours/2, x + hours/2) at each x of `line`, computed here, not by the plot."""
    t = _local(times).astype("datetime64[us]")
    v = values.to_numpy()
    half = np.timedelta64(int(hours * 3600e6) // 2, "us")
    xs = np.asarray(line.get_xdata()).astype("datetime64[us]")
    return np.array([np.median(v[(t >= x - half) & (t < x + half)]) for x in xs])


def test_plot_spread_draws_the_rolling_median_of_the_spread(prices: pl.DataFrame) -> None:
    """(The window was 24 observations; it is now 24 hours, the same for every SKU.)"""
    ax = plot_spread(prices, "GAU", window="24h", environment="SANDBOX")
    gau = frames.as_float(prices.filter(pl.col("sku") == "GAU")).sort("time")
    for side in ("buy", "sell"):
        line = _line(ax, side)
        assert len(np.asarray(line.get_xdata())) > 50
        assert np.allclose(line.get_ydata(), _centred_medians(line, gau["time"], gau[f"{side}_spread_ratio"], 24))
    assert ax.get_ylabel() == "spread over spot (% of spot)"
    assert ax.yaxis.get_major_formatter().format_pct(0.02, 1.0).startswith("2")
    assert "lines: median over a centred 1-day window, band: IQR" in "".join(t.get_text() for t in ax.texts)
    absolute = plot_spread(prices, "GAU", relative=False, window="1d")
    line = _line(absolute, "buy")
    assert np.allclose(line.get_ydata(), _centred_medians(line, gau["time"], gau["buy_spread"], 24))
    assert absolute.get_ylabel() == "spread over spot (GBP per gram)"
    assert "centred 1-day window" in "".join(t.get_text() for t in absolute.texts)


def test_plot_spread_from_items_splits_buys_and_sells(orders_items: frames.OrderFrames) -> None:
    items = orders_items.items
    ax = plot_spread(items, "GPT", window="5d")
    rows = frames.as_float(items.filter(pl.col("sku") == "GPT"))
    buys = rows.filter(pl.col("type") == "Buy").sort("order_at", maintain_order=True)
    line = _line(ax, "buy")
    assert np.allclose(line.get_ydata(), _centred_medians(line, buys["order_at"], buys["spread_ratio"], 5 * 24))
    assert (_line(ax, "buy").get_ydata() > 0).all() and (_line(ax, "sell").get_ydata() < 0).all()


def _bars(ax: matplotlib.axes.Axes) -> dict[str, list[float]]:
    return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}


def test_plot_order_totals_stacks_gbp_totals_per_day_by_type(
    orders_items: frames.OrderFrames, order_dicts: list[dict[str, object]]
) -> None:
    ax = plot_order_totals(orders_items.orders, by="day", split="type", environment="sandbox")
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for o in order_dicts:
        day = datetime.strptime(str(o["order_at"]), "%d-%m-%Y %H:%M").date().isoformat()
        expected[(day, str(o["type"]))] += o["currency_total"]  # type: ignore[operator]
    days = sorted({d for d, _ in expected})
    bars = _bars(ax)
    assert set(bars) == {"Buy", "Sell"}
    for kind, heights in bars.items():
        assert heights == pytest.approx([float(expected.get((d, kind), 0)) for d in days])
    assert ax.get_ylabel() == "total (GBP)" and "GBP" in ax.get_title(loc="left")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Sell", "Buy"]


def test_plot_order_totals_cumulative_ends_at_the_grand_total(orders_items: frames.OrderFrames) -> None:
    orders = orders_items.orders
    ax = plot_order_totals(orders, by="week", split="currency", cumulative=True)
    last = sum(heights[-1] for heights in _bars(ax).values())
    assert last == pytest.approx(float(orders["currency_total"].sum()))
    assert set(_bars(ax)) == {"GBP", "TRY", "USD"}


def test_plot_order_totals_by_sku_converts_items_at_their_orders_rate(orders_items: frames.OrderFrames) -> None:
    orders, items = orders_items
    ax = plot_order_totals(orders, by="month", split="sku", items=items)
    rates = dict(zip(orders["guid"], orders["currency_rate"], strict=True))
    expected = sum(t * rates[g] for g, t in zip(items["guid"], items["total"], strict=True))
    drawn = sum(sum(h) for h in _bars(ax).values())
    assert drawn == pytest.approx(float(expected))
    with pytest.raises(ValueError, match="needs the items"):
        plot_order_totals(orders, split="sku")


def test_orders_without_a_rate_are_left_out_and_counted(orders_items: frames.OrderFrames) -> None:
    orders = orders_items.orders.with_columns(
        pl.when(pl.col("currency") == "TRY").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("currency_total", "currency_rate")
    )
    ax = plot_order_totals(orders, by="month")
    dropped = orders.filter(pl.col("currency") == "TRY").height
    assert f"{dropped} without a GBP rate left out" in "".join(t.get_text() for t in ax.texts)


def test_every_plot_renders_to_png_on_a_given_axes(
    tmp_path: Path, prices: pl.DataFrame, orders_items: frames.OrderFrames
) -> None:
    orders, items = orders_items
    calls = [
        lambda ax: plot_price(prices, "GAU", ax=ax, environment="sandbox"),
        lambda ax: plot_price(items, ax=ax),
        lambda ax: plot_spread(prices, ax=ax),
        lambda ax: plot_spread(items, "GAU", relative=False, ax=ax),
        lambda ax: plot_order_totals(orders, by="week", ax=ax),
        lambda ax: plot_order_totals(orders, by="month", split="sku", items=items, cumulative=True, ax=ax),
    ]
    for i, call in enumerate(calls):
        fig, ax = plt.subplots()
        assert call(ax) is ax
        assert ax.patch.get_facecolor()[3] == 0 and ax.yaxis.label.get_color() == "#808080"
        assert fig.get_layout_engine() is not None
        path = tmp_path / f"plot{i}.png"
        fig.savefig(path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_plots_do_not_touch_global_rcparams(prices: pl.DataFrame) -> None:
    before = dict(matplotlib.rcParams)
    plot_price(prices, "GAU")
    assert dict(matplotlib.rcParams) == before


def test_a_million_points_are_downsampled_per_pixel() -> None:
    n = 1_000_000
    t0 = np.datetime64("2026-01-01T00:00", "ms")
    spot = 60 + np.cumsum(np.random.default_rng(1).normal(0, 0.01, n))
    big = frames.prices_frame([]).vstack(
        pl.DataFrame(
            {
                "time": pl.Series(t0 + np.arange(n).astype("timedelta64[s]").astype("timedelta64[ms]"))
                .cast(pl.Datetime("us"))
                .dt.replace_time_zone("Europe/Istanbul"),
                "currency": "GBP",
                "sku": "GAU",
                "spot": pl.Series(spot).round(4).cast(frames.MONEY),
            }
        )
        .with_columns(
            buy=pl.col("spot") * pl.lit(Decimal("1.02")),
            sell=pl.col("spot") * pl.lit(Decimal("0.98")),
        )
        .with_columns(
            pl.col("buy", "sell").cast(frames.MONEY),
            buy_spread=(pl.col("buy") - pl.col("spot")).cast(frames.MONEY),
            sell_spread=(pl.col("sell") - pl.col("spot")).cast(frames.MONEY),
        )
        .with_columns(
            buy_spread_ratio=pl.col("buy_spread").cast(pl.Float64) / pl.col("spot").cast(pl.Float64),
            sell_spread_ratio=pl.col("sell_spread").cast(pl.Float64) / pl.col("spot").cast(pl.Float64),
        )
        .select(frames.PRICES_SCHEMA.names())
    )
    ax = plot_price(big, "GAU")
    spot_line = _line(ax, "spot")
    assert len(spot_line.get_ydata()) < 4_000
    assert spot_line.get_ydata().max() == pytest.approx(spot.round(4).max())
    assert spot_line.get_ydata().min() == pytest.approx(spot.round(4).min())
    ax = plot_spread(big, "GAU")
    assert len(_line(ax, "buy").get_ydata()) < 4_000


def test_downsample_minmax_keeps_each_slices_extremes() -> None:
    x = np.arange(10_000)
    y = np.sin(x / 50.0) + (x == 1234) * 5 - (x == 8765) * 5
    dx, dy = downsample_minmax(x, y, 100)
    assert len(dx) <= 2 * 100 + 2 and np.all(np.diff(dx) > 0)
    assert dy.max() == y.max() and dy.min() == y.min() and 1234 in dx and 8765 in dx
    for lo in range(0, 10_000, 100):
        kept = dy[(dx >= lo) & (dx < lo + 100)]
        assert kept.max() == y[lo : lo + 100].max() and kept.min() == y[lo : lo + 100].min()
    sx, sy = downsample_minmax(x[:300], y[:300], 100)
    assert np.array_equal(sx, x[:300]) and np.array_equal(sy, y[:300])
    times = np.datetime64("2026-01-01") + np.arange(10_000).astype("timedelta64[m]")
    tx, ty = downsample_minmax(times, y, 100)
    assert tx.dtype == times.dtype and ty.max() == y.max()
    with_nan = y.copy()
    with_nan[::7] = np.nan
    assert not np.isnan(downsample_minmax(x, with_nan, 100)[1]).any()
    with pytest.raises(ValueError):
        downsample_minmax(x, y[:-1], 100)
