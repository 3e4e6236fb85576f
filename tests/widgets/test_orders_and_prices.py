"""OrdersExplorer and PriceBoard over a real sandbox: fetch with progress, filters, price table, chart, auto-refresh."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from minted_lab import frames
from minted_lab.catalog import EXECUTED_STATUSES
from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.widgets import OrdersExplorer, PriceBoard, live_threads

from .conftest import auto_running, sent, visible

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def history() -> Iterator[Sandbox]:
    """One sandbox with 300 orders of history, shared by the read-only explorer tests."""
    with Sandbox(seed=7, history=300) as sandbox:
        yield sandbox


@pytest.fixture
def explorer(history: Sandbox) -> Iterator[OrdersExplorer]:
    """An explorer over the history sandbox."""
    with history.client() as client:
        view = OrdersExplorer(client)
        yield view
        view.close()


def test_fetch_gives_the_sandbox_orders_with_progress_table_and_plot(
    history: Sandbox, explorer: OrdersExplorer
) -> None:
    progress: list[tuple[int, int]] = []
    explorer.progress.observe(lambda c: progress.append((c["new"], explorer.progress.max)), names="value")
    frame = explorer.fetch_button.click() or explorer.frame
    orders = history.orders()
    assert frame.height == len(orders) == 300 and frame.schema == frames.ORDERS_SCHEMA
    assert set(frame["order_code"]) == {o["order_code"] for o in orders}
    assert len(explorer.pages) == 10
    assert [value for value, _ in progress if value] == list(range(1, 11)), "one step per page"
    assert explorer.progress.value == explorer.progress.max == 10 and explorer.progress.bar_style == "success"
    assert "300 orders in 10 pages" in explorer.progress_label.value
    table = explorer.table.value
    assert "first 15 of 300 orders" in table and frame["order_code"][0] in table
    assert frame["order_code"][15] not in table
    # The totals count the executed orders only (they used to count every fetched order, the
    # cancelled and refunded ones too, which moved no money).
    executed = [o for o in orders if o["status_name"] in EXECUTED_STATUSES]
    assert 0 < len(executed) < len(orders), "the book holds orders that were not executed"
    gbp = sum(Decimal(str(o["currency_total"])) for o in executed)
    assert f"{gbp:,.2f}" in table
    assert f"{sum(Decimal(str(o['currency_total'])) for o in orders):,.2f}" not in table
    assert f"{len(orders) - len(executed)} other orders left out" in table
    assert bytes(explorer.chart.value).startswith(PNG) and visible(explorer.chart)


def _totals_by_type(explorer: OrdersExplorer) -> dict[str, tuple[int, Decimal]]:
    by_type: dict[str, tuple[int, Decimal]] = {}
    for row in explorer.totals().iter_rows(named=True):
        n, gbp = by_type.get(row["type"], (0, Decimal(0)))
        by_type[row["type"]] = (n + row["orders"], gbp + row["total_gbp"])
    return by_type


def _book_by_type(orders: list[dict[str, object]], statuses: frozenset[str] | None) -> dict[str, tuple[int, Decimal]]:
    by_type: dict[str, tuple[int, Decimal]] = {}
    for o in orders:
        if statuses is None or o["status_name"] in statuses:
            n, gbp = by_type.get(str(o["type"]), (0, Decimal(0)))
            by_type[str(o["type"])] = (n + 1, gbp + Decimal(str(o["currency_total"])))
    return by_type


def test_totals_and_chart_count_executed_orders_unless_told_otherwise(history: Sandbox) -> None:
    """Against the sandbox's own book: executed orders by default, every status with statuses=None."""
    orders = history.orders()
    with history.client() as client:
        default, every = OrdersExplorer(client), OrdersExplorer(client, statuses=None)
        try:
            default.fetch()
            every.fetch()
            assert _totals_by_type(default) == _book_by_type(orders, EXECUTED_STATUSES)
            assert _totals_by_type(every) == _book_by_type(orders, None)
            assert default.frame.height == every.frame.height == len(orders), "the table lists every order"
            assert (
                "counted: executed orders (Completed, Packed, Preparing, Shipped, Transferring)" in default.table.value
            )
            assert "counted: orders of every status" in every.table.value
            assert default.chart.value != every.chart.value, "the chart draws what the totals count"
        finally:
            default.close()
            every.close()


def test_only_reversed_orders_fetched_show_no_totals(history: Sandbox) -> None:
    with history.client() as client:
        explorer = OrdersExplorer(client)
        try:
            cancelled = next(value for label, value in explorer.status.options if label == "Cancelled")
            explorer.status.value = cancelled
            frame = explorer.fetch()
            assert frame is not None and frame.height > 0 and set(frame["status_name"]) == {"Cancelled"}
            assert explorer.totals().is_empty() and "none of these orders is counted" in explorer.table.value
            assert not visible(explorer.chart)
        finally:
            explorer.close()


def test_filters_reach_the_api(history: Sandbox, explorer: OrdersExplorer) -> None:
    explorer.tx_type.value = "sell"
    explorer.sku.value = "GAG"
    explorer.status.value = 5
    explorer.start_date.value = date(2026, 8, 1)
    assert explorer.filters() == {"tx_type": "sell", "sku": "GAG", "status": 5, "start_date": date(2026, 8, 1)}
    frame = explorer.fetch()
    assert frame is not None and frame.height > 0
    assert set(frame["type"]) == {"Sell"} and set(frame["status_name"]) == {"Completed"}
    items = frames.items_frame(explorer.pages)
    assert items.filter(pl.col("sku") == "GAG")["guid"].n_unique() == frame.height
    assert frame["order_at"].min().date() >= date(2026, 8, 1)  # type: ignore[union-attr]
    expected = [
        o
        for o in history.orders()
        if o["type"] == "Sell"
        and o["status_name"] == "Completed"
        and any(i["sku"] == "GAG" for i in o["items"])
        and o["order_at"][6:10] + o["order_at"][3:5] + o["order_at"][0:2] >= "20260801"
    ]
    assert frame.height == len(expected)


def test_status_options_come_from_the_server(explorer: OrdersExplorer) -> None:
    assert ("Completed", 5) in explorer.status.options and explorer.status.options[0] == ("any", "any")


def test_dates_the_wrong_way_round_fetch_nothing(history: Sandbox, explorer: OrdersExplorer) -> None:
    before = len(sent(history, "orders"))
    explorer.start_date.value, explorer.end_date.value = date(2026, 9, 2), date(2026, 9, 1)
    assert explorer.fetch() is None and "after" in explorer.message.value
    assert len(sent(history, "orders")) == before


def test_an_empty_result_says_so(explorer: OrdersExplorer) -> None:
    explorer.customer.value = "nobody-here"
    frame = explorer.fetch()
    assert frame is not None and frame.height == 0 and "no orders match" in explorer.table.value
    assert not visible(explorer.chart)


def test_a_failing_page_is_reported_and_the_button_comes_back(history: Sandbox, explorer: OrdersExplorer) -> None:
    history.faults.inject("orders", "status", times=10, status=500)
    try:
        assert explorer.fetch() is None
    finally:
        history.faults.clear()
    assert explorer.progress.bar_style == "danger" and "Server Error" in explorer.message.value
    assert not explorer.fetch_button.disabled and explorer.error is not None


def test_price_board_refresh_shows_every_sku_with_spreads(sb: Sandbox, client: MintedClient) -> None:
    board = PriceBoard(client)
    try:
        board.refresh_button.click()
        prices = client.product_prices("GBP")
        assert (
            [r["sku"] for r in board.rows()] == [p.sku for p in prices] == ["GAU", "GAG", "BGAU", "BGAG", "GPT", "GPD"]
        )
        for name in ("Gold (GAU)", "Silver (GAG)", "Platinum (GPT)", "Palladium (GPD)", "B Gold (BGAU)"):
            assert name in board.table.value
        gold = next(r for r in board.rows() if r["sku"] == "GAU")
        price = prices[0]
        assert gold["buy_spread"] == price.buy_price - price.spot_price > 0  # type: ignore[operator]
        assert gold["sell_spread"] == price.sell_price - price.spot_price < 0  # type: ignore[operator]
        assert gold["sell_spread_ratio"] == pytest.approx(
            float((price.sell_price - price.spot_price) / price.spot_price)
        )  # type: ignore[operator]
        assert (
            f"{gold['buy_spread']:+}" in board.table.value
            and f"{gold['sell_spread_ratio']:+.2%}".replace("%", " %") in board.table.value
        )
        assert bytes(board.chart.value).startswith(PNG) and "SANDBOX" in board.badge.value
    finally:
        board.close()


def test_price_board_keeps_snapshots_in_a_frame_and_the_ledger(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    board = PriceBoard(client, ledger=ledger)
    try:
        board.refresh()
        sb.clock.advance(60)
        board.refresh()
        frame = board.frame()
        assert frame.height == 12 and frame.schema == frames.PRICES_SCHEMA and frame["time"].n_unique() == 2
        assert ledger.prices_frame().height == 12
        first_chart = board.chart.value
        board.chart_sku.value = "GAG"
        assert bytes(board.chart.value).startswith(PNG) and board.chart.value != first_chart
        board.currency.value = "EUR"
        assert {r["currency"] for r in board.rows()} == {"EUR"} and "products in EUR" in board.updated.value
    finally:
        board.close()


def test_auto_refresh_runs_in_a_thread_that_stops_on_untick_and_on_close(sb: Sandbox, client: MintedClient) -> None:
    board = PriceBoard(client, interval=1)
    try:
        board.auto.value = True
        assert auto_running(board) and len(live_threads()) == 1
        deadline = time.monotonic() + 5
        while len(sent(sb, "product_prices")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sent(sb, "product_prices")) >= 2 and len(board.snapshots) >= 12
        board.auto.value = False
        assert not auto_running(board) and live_threads() == []
        board.auto.value = True
        assert auto_running(board)
    finally:
        board.close()
    assert live_threads() == [] and board.closed


def test_views_display_their_root_and_hold_no_secret(sb: Sandbox, client: MintedClient, tmp_path: Path) -> None:
    board, explorer = PriceBoard(client), OrdersExplorer(client)
    try:
        board.refresh()
        explorer.fetch()
        for view in (board, explorer):
            bundle = view._repr_mimebundle_()
            assert bundle is not None
            assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.root.model_id
            assert Sandbox.password not in repr(view) + str(bundle)
        assert Sandbox.password not in board.table.value + board.updated.value + explorer.table.value
    finally:
        board.close()
        explorer.close()
