"""plot_holdings, plot_pnl and plot_spread_cost draw exactly the frames' numbers, with units and the badge."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
import pytest

from minted_lab import frames
from minted_lab.frames._holdings import holdings, spread_cost
from minted_lab.plots import _holdings as module
from minted_lab.plots._holdings import daily_totals, plot_holdings, plot_pnl, plot_spread_cost

D = Decimal


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def order(n: int, kind: str, sku: str, grams: int, total: int, day: int, customer: str | None = None) -> dict[str, Any]:
    return {
        "guid": f"G{n}",
        "type": kind,
        "status_name": "Completed",
        "currency_code": "GBP",
        "total": total,
        "order_at": f"{day:02d}-11-2026 10:00",
        "customer": None if customer is None else {"external_id": customer},
        "items": [
            {"sku": sku, "amount": grams, "total": total, "spot_price": total / grams, "price": total / grams * 1.02}
        ],
    }


@pytest.fixture
def history() -> frames.OrderFrames:
    """Partner: 10 g gold for 1000 (day 2), sells 4 g for 480 (day 5). C1: 100 g silver for 120 (day 3), 5 g gold for 550 (day 4)."""
    return frames.order_frames(
        [
            order(1, "Buy", "GAU", 10, 1000, 2),
            order(2, "Buy", "GAG", 100, 120, 3, "C1"),
            order(3, "Buy", "GAU", 5, 550, 4, "C1"),
            order(4, "Sell", "GAU", 4, 480, 5),
        ]
    )


def test_docstring_examples_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(frames._EXPORTS, "holdings", "minted_lab.frames._holdings")  # until frames exports it
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_daily_totals_add_up_each_owners_position_between_its_rows(history: frames.OrderFrames) -> None:
    h = holdings(history.items, orders=history.orders)
    gau = daily_totals(h, "held").filter(pl.col("sku") == "GAU")
    assert gau["day"].dt.day().to_list() == [2, 4, 5]
    assert gau["value"].to_list() == [10.0, 15.0, 11.0]
    assert daily_totals(h, "held", owner="partner").filter(pl.col("sku") == "GAU")["value"].to_list() == [10.0, 6.0]


def test_plot_holdings_of_one_sku_steps_through_the_grams_held(history: frames.OrderFrames) -> None:
    h = holdings(history.items, orders=history.orders)
    ax = plot_holdings(h, "GAU", environment="sandbox")
    line = ax.get_lines()[0]
    assert line.get_ydata().tolist() == [10.0, 15.0, 11.0]
    assert line.get_drawstyle() == "steps-post" and line.get_color() == "#D4A017"
    assert ax.get_ylabel() == "grams held" and ax.get_title(loc="right") == "SANDBOX"
    customer = plot_holdings(h, "GAU", owner="C1")
    assert customer.get_lines()[0].get_ydata().tolist() == [5.0]
    assert "customer C1" in customer.get_title(loc="left")


def test_plot_holdings_of_every_sku_stacks_the_position_at_cost_in_gbp(history: frames.OrderFrames) -> None:
    h = holdings(history.items, orders=history.orders)
    ax = plot_holdings(h)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GAG", "GAU"]
    tops = {c.get_label(): c.get_paths()[0].vertices[:, 1].max() for c in ax.collections}
    # gold at the bottom (catalogue order), at most on day 4: 10 g at 100 (partner) + 5 g at 110 (C1) = 1550;
    # silver's 120 stacked on it; the legend lists the top layer first
    assert tops == {"GAU": pytest.approx(1550), "GAG": pytest.approx(1550 + 120)}
    assert ax.get_ylabel() == "position at cost (GBP)" and "GBP" in ax.get_title(loc="left")


def test_plot_pnl_draws_cumulative_realised_pnl_and_the_unrealised_dot(history: frames.OrderFrames) -> None:
    h = holdings(history.items, {"GAU": D(120), "GAG": D("1.1")}, orders=history.orders)
    ax = plot_pnl(h, environment="sandbox")
    lines = {
        line.get_label(): line.get_ydata().tolist() for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert lines == {"GAG": [0.0], "GAU": [0.0, 0.0, 80.0]}
    dots = [c.get_offsets()[0][1] for c in ax.collections]
    # GAU: realised 80 + partner 6 g x (120 - 100) + C1 5 g x (120 - 110) = 250; GAG: 100 g x (1.1 - 1.2) = -10
    assert dots == pytest.approx([250.0, -10.0])
    assert ax.get_ylabel() == "realised P&L, cumulative (GBP)"
    assert "unrealised" in "".join(t.get_text() for t in ax.texts)
    no_prices = plot_pnl(holdings(history.items, orders=history.orders), "GAU")
    assert not no_prices.collections and "GAU" in no_prices.get_title(loc="left")


def test_plot_spread_cost_stacks_months_by_sku(history: frames.OrderFrames) -> None:
    table = spread_cost(history.items, orders=history.orders)
    ax = plot_spread_cost(table, environment="sandbox")
    bars = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    expected = {row["sku"]: [float(row["spread_cost"])] for row in table.iter_rows(named=True)}
    assert bars.keys() == expected.keys()
    assert all(bars[k] == pytest.approx(v) for k, v in expected.items())
    assert ax.get_ylabel() == "spread cost (GBP)" and ax.get_title(loc="right") == "SANDBOX"
    with pytest.raises(ValueError, match="split"):
        plot_spread_cost(table, split="currency")  # type: ignore[arg-type]


def test_wrong_frames_and_unknown_owners_are_refused(history: frames.OrderFrames) -> None:
    h = holdings(history.items, orders=history.orders)
    with pytest.raises(ValueError, match="holdings frame"):
        plot_holdings(history.items)
    with pytest.raises(ValueError, match="spread cost frame"):
        plot_spread_cost(h)
    with pytest.raises(ValueError, match="no holdings of 'nobody'"):
        plot_pnl(h, owner="nobody")
    with pytest.raises(ValueError, match="no rows for SKU 'GPT'"):
        plot_holdings(h, "GPT")


def test_the_plots_render_on_a_given_axes_and_leave_rcparams_alone(history: frames.OrderFrames, tmp_path: Path) -> None:
    h = holdings(history.items, {"GAU": D(120)}, orders=history.orders)
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(3, 1, figsize=(6, 9))
    plot_holdings(h, ax=axes[0])
    plot_pnl(h, ax=axes[1])
    plot_spread_cost(spread_cost(history.items), ax=axes[2])
    fig.savefig(tmp_path / "holdings.png")
    assert (tmp_path / "holdings.png").stat().st_size > 10_000
    assert dict(matplotlib.rcParams) == before
    assert all(np.isfinite(line.get_ydata()).all() for ax in axes for line in ax.get_lines())
