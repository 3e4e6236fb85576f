"""The plots count what moved money: executed orders by default, every status when asked, checked
against the sandbox's own book (not against the frames the plots read); partial months are
hatched; the spread's smoothing is one window of time for every SKU."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

from minted_lab import frames
from minted_lab.catalog import EXECUTED_STATUSES
from minted_lab.plots import plot_order_totals, plot_price, plot_spread, totals_table
from minted_lab.plots._totals import partial_periods
from minted_lab.sandbox import Sandbox

Book = list[dict[str, Any]]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Book, frames.OrderFrames]]:
    """The sandbox's own book of 2000 orders (seed 7: Completed, Cancelled, Refunded) and the frames pulled over HTTP."""
    with Sandbox(seed=7, history=2000) as sb, sb.client() as client:
        pulled = frames.order_frames(client.all_pages(progress=False))
        yield sb.orders(), pulled


def _month(order: dict[str, Any]) -> str:
    """``2026-05`` from the API's ``04-05-2026 09:32`` (Istanbul wall-clock time)."""
    text = str(order["order_at"])
    return f"{text[6:10]}-{text[3:5]}"


def _book_totals(book: Book, statuses: set[str] | frozenset[str] | None) -> dict[str, dict[str, float]]:
    """GBP per type per month, summed from the sandbox's own orders of `statuses` (None: all)."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order in book:
        if statuses is None or order["status_name"] in statuses:
            totals[str(order["type"])][_month(order)] += Decimal(str(order["currency_total"]))
    return {kind: {m: float(v) for m, v in months.items()} for kind, months in totals.items()}


def _bars(ax: matplotlib.axes.Axes) -> list[tuple[str, list[Rectangle]]]:
    """(label, bars) of each stacked layer, bottom first."""
    return [(str(c.get_label()), list(cast(BarContainer, c).patches)) for c in ax.containers]


def _drawn(ax: matplotlib.axes.Axes) -> dict[str, dict[str, float]]:
    """The bar heights as drawn, per legend label and per month (the bar's left edge)."""
    out: dict[str, dict[str, float]] = {}
    for label, bars in _bars(ax):
        heights = {}
        for bar in bars:
            left = matplotlib.dates.num2date(bar.get_x()).strftime("%Y-%m")  # type: ignore[no-untyped-call]
            heights[left] = float(bar.get_height())
        out[label] = {m: h for m, h in heights.items() if h}
    return {kind: months for kind, months in out.items() if months}


def _note(ax: matplotlib.axes.Axes) -> str:
    return "\n".join(t.get_text() for t in ax.texts)


def test_the_book_has_orders_that_never_moved_money(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    book, _ = sandbox
    statuses = {str(o["status_name"]) for o in book}
    assert {"Completed", "Cancelled", "Refunded"} <= statuses and len(book) == 2000


def test_totals_exclude_cancelled_and_refunded_orders_by_default(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    book, (orders, _) = sandbox
    ax = plot_order_totals(orders, by="month", split="type", environment="sandbox")
    executed = _book_totals(book, EXECUTED_STATUSES)
    drawn = _drawn(ax)
    assert drawn.keys() == executed.keys() == {"Buy", "Sell"}
    for kind, months in executed.items():
        assert drawn[kind] == pytest.approx(months, rel=1e-12), kind
    everything = _book_totals(book, None)
    assert sum(map(sum, (m.values() for m in drawn.values()))) < sum(
        map(sum, (m.values() for m in everything.values()))
    )
    note = _note(ax)
    left_out = sum(1 for o in book if o["status_name"] not in EXECUTED_STATUSES)
    assert "counted: executed orders (Completed, Packed, Preparing, Shipped, Transferring)" in note
    assert f"{left_out} other orders left out" in note and "Cancelled" not in note
    assert ax.get_title(loc="right") == "SANDBOX"


@pytest.mark.parametrize("statuses", [None, {"Cancelled", "Refunded"}], ids=["every status", "the reversed ones"])
def test_totals_include_other_statuses_when_asked(
    sandbox: tuple[Book, frames.OrderFrames], statuses: set[str] | None
) -> None:
    book, (orders, _) = sandbox
    ax = plot_order_totals(orders, by="month", split="type", statuses=statuses)
    expected = _book_totals(book, statuses)
    drawn = _drawn(ax)
    assert drawn.keys() == expected.keys()
    for kind, months in expected.items():
        assert drawn[kind] == pytest.approx(months, rel=1e-12), kind
    table, _ = totals_table(orders, by="month", split="type", statuses=statuses)
    assert float(table["gbp"].sum()) == pytest.approx(sum(sum(m.values()) for m in expected.values()))
    note = _note(ax)
    assert ("counted: orders of every status" if statuses is None else "counted: orders (Cancelled, Refunded)") in note


def test_items_split_by_sku_count_the_executed_items_only(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    book, (orders, items) = sandbox
    ax = plot_order_totals(orders, by="month", split="sku", items=items)
    expected = sum(
        Decimal(str(i["total"])) * Decimal(str(o["currency_rate"]))
        for o in book
        if o["status_name"] in EXECUTED_STATUSES
        for i in o["items"]
    )
    drawn = sum(sum(months.values()) for months in _drawn(ax).values())
    assert drawn == pytest.approx(float(expected), rel=1e-9)
    assert "counted: executed items" in _note(ax)


def test_partial_first_and_last_months_are_hatched_and_noted(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    book, (orders, _) = sandbox
    days = sorted(datetime.strptime(str(o["order_at"]), "%d-%m-%Y %H:%M") for o in book)
    assert days[0].day > 1 and days[-1].day < 28, "the book starts and ends inside a month"
    ax = plot_order_totals(orders, by="month")
    for _, bars in _bars(ax):
        hatches = [bar.get_hatch() for bar in bars]
        assert hatches[0] and hatches[-1], "first and last month hatched"
        assert not any(hatches[1:-1]), "whole months are not"
    assert f"hatched: partial months (orders from {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d})" in _note(ax)
    assert [f"{p:%Y-%m-%d}" for p in partial_periods(orders, "month")] == [
        f"{days[0]:%Y-%m}-01",
        f"{days[-1]:%Y-%m}-01",
    ]
    assert partial_periods(orders, "day") == []


def test_a_week_the_orders_fill_is_not_partial(orders_items: frames.OrderFrames) -> None:
    """The fixture's orders start on Monday 2026-05-04: that week is whole, the last one is not."""
    orders = orders_items.orders
    first, last = orders["order_at"].min(), orders["order_at"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime) and first.weekday() == 0
    partial = partial_periods(orders, "week")
    assert [p.date() for p in partial] == (
        [] if last.weekday() == 6 else [(last - timedelta(days=last.weekday())).date()]
    )
    ax = plot_order_totals(orders, by="week")
    _, bars = _bars(ax)[0]
    assert not bars[0].get_hatch() and bool(bars[-1].get_hatch()) == bool(partial)


def _executed_items(book: Book, sku: str, kind: str, currency: str, statuses: frozenset[str] | None) -> list[float]:
    return sorted(
        float(i["price"])
        for o in book
        if o["type"] == kind and o["currency_code"] == currency and (statuses is None or o["status_name"] in statuses)
        for i in o["items"]
        if i["sku"] == sku
    )


def test_price_plot_draws_executed_trades_only(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    book, (_, items) = sandbox
    ax = plot_price(items, "GAU", currency="GBP")
    dots = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    for side, kind in (("buy", "Buy"), ("sell", "Sell")):
        drawn = sorted(np.asarray(dots[f"{side} (executed)"].get_offsets())[:, 1].tolist())
        assert drawn == pytest.approx(_executed_items(book, "GAU", kind, "GBP", EXECUTED_STATUSES))
        assert len(drawn) < len(_executed_items(book, "GAU", kind, "GBP", None))
    assert "counted: executed items (Completed, Packed, Preparing, Shipped, Transferring)" in _note(ax)
    every = plot_price(items, "GAU", currency="GBP", statuses=None)
    dots = {c.get_label(): c for c in every.collections if isinstance(c, PathCollection)}
    assert len(np.asarray(dots["buy (executed)"].get_offsets())) == len(
        _executed_items(book, "GAU", "Buy", "GBP", None)
    )


def _centred_median(times: np.ndarray, values: np.ndarray, centre: np.datetime64, window: timedelta) -> float:
    half = np.timedelta64(int(window.total_seconds() * 1e6) // 2, "us")
    inside = (times >= centre - half) & (times < centre + half)
    return float(np.median(values[inside]))


def test_spread_plot_smooths_every_sku_over_one_window_of_time(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    """Gold trades often, platinum rarely: both medians are over the same 7 days, stated on the plot."""
    _, (_, items) = sandbox
    drawn = items.filter(pl.col("sku").is_in(["GAU", "GPT"]))
    ax = plot_spread(drawn, window="7d")
    assert "lines: median over a centred 7-day window" in _note(ax)
    executed = frames.as_float(drawn.filter(pl.col("status_name").is_in(sorted(EXECUTED_STATUSES))))
    lines = {str(line.get_label()): line for line in ax.get_lines() if not str(line.get_label()).startswith("_")}
    assert set(lines) == {"GAU", "GPT"}
    for sku, line in lines.items():
        rows = executed.filter(pl.col("sku") == sku, pl.col("type") == "Buy").sort("order_at", maintain_order=True)
        times = rows["order_at"].dt.replace_time_zone(None).to_numpy().astype("datetime64[us]")
        values = rows["spread_ratio"].to_numpy()
        xs = np.asarray(line.get_xdata()).astype("datetime64[us]")
        expected = [_centred_median(times, values, x, timedelta(days=7)) for x in xs]
        assert np.allclose(line.get_ydata(), expected), sku
    gau, gpt = (np.asarray(lines[s].get_xdata()).astype("datetime64[us]") for s in ("GAU", "GPT"))
    assert np.isin(gpt, gau).all(), "one grid of window centres for every SKU"
    scatter = sum(len(np.asarray(c.get_offsets())) for c in ax.collections if isinstance(c, PathCollection))
    assert scatter == executed.height, "every executed item is a dot, no cancelled one"


def test_the_default_window_is_one_span_of_time_stated_on_the_plot(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    _, (_, items) = sandbox
    ax = plot_spread(items.filter(pl.col("sku").is_in(["GAU", "GAG", "GPT"])))
    assert "lines: median over a centred 7-day window" in _note(ax)  # six months / 30 → 7 days


def test_statuses_must_be_a_collection_and_need_a_status_column(sandbox: tuple[Book, frames.OrderFrames]) -> None:
    _, (orders, items) = sandbox
    with pytest.raises(TypeError, match="collection of status names"):
        plot_order_totals(orders, statuses="Completed")
    with pytest.raises(ValueError, match="no 'status_name' column"):
        plot_order_totals(orders.drop("status_name"))
    assert _drawn(plot_order_totals(orders.drop("status_name"), by="month", statuses=None))
    with pytest.raises(TypeError, match="span of time"):
        plot_spread(items, "GAU", window=24)  # type: ignore[arg-type]
