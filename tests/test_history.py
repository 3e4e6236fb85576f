"""One path for bulk history: pages read lazily and decoded once (by polars, from their bytes), each order
once; the same filters applied to a store give what the API gives; export and the explorer read a store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import minted_lab._http as http_module
from minted_lab.cli import main
from minted_lab.frames import order_frames
from minted_lab.history import history_frames, pull_history, select, store_history
from minted_lab.models import Order
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore
from minted_lab.widgets import OrdersExplorer

HISTORY = 240


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=11, history=HISTORY) as sandbox:
        yield sandbox


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count exact JSON decodes of answers and Order models built."""
    counts = {"exact decodes": 0, "order models": 0}
    exact, build = http_module.loads, Order.from_api.__func__  # type: ignore[attr-defined]

    def counted_loads(content: Any) -> Any:
        counts["exact decodes"] += 1
        return exact(content)

    def counted_build(cls: type[Order], data: Any, *args: Any) -> Order:
        counts["order models"] += 1
        return build(cls, data, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(http_module, "loads", counted_loads)
    monkeypatch.setattr(Order, "from_api", classmethod(counted_build))
    return counts


def test_a_bulk_pull_decodes_each_page_once_and_builds_no_model(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with sb.client() as client:
        eager = [client.orders(page=n, per_page=30, sort_by="created_at", sort_type="asc") for n in range(1, 9)]
        counts = _counting(monkeypatch)
        history = pull_history(client)
        assert history.pages == HISTORY // 30
        statuses_read = counts["exact decodes"]  # the status table, read once for the filter cache at most
        assert statuses_read <= 1 and counts["order models"] == 0, counts
    expected = order_frames(eager)
    assert history.orders.equals(expected.orders) and history.items.equals(expected.items)
    assert history.orders["total"].sum() == sum(Decimal(str(o["total"])) for o in sb.orders())


def test_a_lazy_page_decodes_its_orders_exactly_on_first_use(sb: Sandbox) -> None:
    with sb.client() as client:
        lazy = client.orders(page=2, per_page=30, lazy=True)
        eager = client.orders(page=2, per_page=30)
    assert lazy.guids == eager.guids == tuple(o.guid for o in eager.orders)
    assert len(lazy) == 30 and (lazy.total, lazy.last_page, lazy.next_page_url) == (
        eager.total,
        eager.last_page,
        eager.next_page_url,
    )
    assert lazy.orders == eager.orders and lazy.raw == eager.raw
    assert isinstance(lazy.raw["data"][0]["total"], Decimal), "raw keeps exact numbers"


def test_an_order_listed_twice_is_kept_once(sb: Sandbox) -> None:
    with sb.client() as client:
        page = client.orders(page=1, per_page=30, lazy=True)
    built = history_frames([page, page])
    assert built.orders.height == 30 and built.orders["guid"].n_unique() == 30
    assert built.items.height == order_frames(page).items.height


FILTERS: list[dict[str, Any]] = [
    {},
    {"tx_type": "sell"},
    {"tx_type": "buy,delivery"},
    {"status": "Completed"},
    {"status": [5, "Cancelled"]},
    {"sku": "GAU"},
    {"start_date": date(2026, 8, 1), "end_date": "2026-10-31"},
    {"tx_type": "sell", "sku": "GAG", "status": 5},
]


@pytest.fixture(scope="module")
def everything(sb: Sandbox) -> tuple[pl.DataFrame, pl.DataFrame]:
    with sb.client() as client:
        history = pull_history(client)
    return history.orders, history.items


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_select_on_local_frames_gives_what_the_api_filter_gives(
    sb: Sandbox, everything: tuple[pl.DataFrame, pl.DataFrame], filters: dict[str, Any]
) -> None:
    with sb.client() as client:
        from_api = pull_history(client, **filters)
    orders, items = select(*everything, **filters)
    assert sorted(orders["guid"]) == sorted(from_api.orders["guid"])
    assert items.height == from_api.items.height
    assert filters == {} or orders.height < everything[0].height, "the filter selects something narrower"


def test_select_names_a_bad_filter() -> None:
    empty = pl.DataFrame()
    with pytest.raises(TypeError, match="colour"):
        select(empty, empty, colour="gold")
    with pytest.raises(ValueError, match="tx_type: expected buy, sell or delivery, got 'swap'"):
        select(pl.DataFrame({"order_at": [], "type": []}), empty, tx_type="swap")
    with pytest.raises(ValueError, match="start_date: expected a date"):
        select(pl.DataFrame({"order_at": []}), empty, start_date="yesterday")


def test_store_history_syncs_then_filters_locally(sb: Sandbox, tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "store")
    with sb.client() as client:
        first = store_history(store, client, progress=False, tx_type="sell")
        again = store_history(store, client, progress=False, tx_type="sell")
        pulled = pull_history(client, tx_type="sell")
    assert first.pages == HISTORY // 30 and again.pages < first.pages, "the second sync is incremental"
    assert sorted(first.orders["guid"]) == sorted(pulled.orders["guid"]) == sorted(again.orders["guid"])
    assert store.orders().collect().height == HISTORY, "the store holds everything; the filter is local"


def test_export_from_a_store_syncs_it_and_writes_the_filtered_history(tmp_path: Path, capsys: Any) -> None:
    store, out = tmp_path / "store", tmp_path / "sells.parquet"
    args = ["export", "--sandbox", "--history", "90", "--store", str(store), "--type", "sell", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    written = pl.read_parquet(out)
    assert set(written["type"]) == {"Sell"} and written.height > 0
    assert f"{written.height} orders from sandbox" in printed and f"via the store {store} (3 pages synced)" in printed
    assert OrderStore(store).orders().collect().height == 90
    assert main(args) == 0
    assert "(1 pages synced)" in capsys.readouterr().out, "the second export pulls only what can have changed"


def test_the_explorer_pointed_at_a_store_fetches_through_it(sb: Sandbox, tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "store")
    with sb.client() as client:
        explorer = OrdersExplorer(client, store=store)
        explorer.tx_type.value = "sell"
        frame = explorer.fetch()
        direct = pull_history(client, tx_type="sell").orders
        explorer.close()
    assert frame is not None and sorted(frame["guid"]) == sorted(direct["guid"])
    assert store.orders().collect().height == HISTORY
    assert f"{frame.height} orders from the store (8 pages synced)" in explorer.progress_label.value
    assert explorer.progress.bar_style == "success"


def test_a_date_filter_says_when_it_cannot_date_an_order() -> None:
    from minted_lab.frames import orders_frame

    orders = orders_frame([{"guid": "G1", "order_at": "02-11-2026 10:00", "items": []}, {"guid": "G2", "items": []}])
    with pytest.warns(UserWarning, match="1 orders have no order_at"):
        chosen, _ = select(
            orders,
            pl.DataFrame({"guid": [], "sku": []}, schema={"guid": pl.String, "sku": pl.String}),
            start_date="2026-11-01",
        )
    assert chosen["guid"].to_list() == ["G1"]
