"""The table on disk: one row per order with its items nested, UTC times, month partitions; both sandbox profiles."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from minted_lab.frames import order_frames
from minted_lab.frames._holdings import customers, holdings, spread_cost
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore
from minted_lab.store._layout import STORED_SCHEMA, stored_frame

from .conftest import assert_equal_to_api, place


def test_the_table_is_partitioned_by_month_with_items_nested_and_times_in_utc(
    store: OrderStore, client: object
) -> None:
    store.sync(client, progress=False)  # type: ignore[arg-type]
    table = DeltaTable(str(store.table_path))
    assert table.metadata().partition_columns == ["month"]
    raw = pl.read_delta(str(store.table_path))
    assert raw.schema == STORED_SCHEMA
    assert raw["order_at"].dtype == pl.Datetime("us", "UTC")
    months = sorted(p.name for p in store.table_path.iterdir() if p.name.startswith("month="))
    assert months == [f"month={m}" for m in sorted(raw["month"].unique().to_list())]
    local = store.orders().collect()
    assert (local["order_at"].dt.strftime("%Y-%m") == raw.sort("listed")["month"]).all()
    assert raw["listed"].sort().to_list() == list(range(raw.height))


def test_an_order_seen_twice_is_stored_once_as_last_seen() -> None:
    def order(status: str, grams: int) -> dict[str, object]:
        return {
            "guid": "G1",
            "order_code": "C1",
            "type": "Buy",
            "status_name": status,
            "currency_code": "GBP",
            "total": 10,
            "order_at": "31-05-2026 23:30",
            "items": [{"sku": "GAU", "amount": grams, "total": 10}],
        }

    orders, items = order_frames([order("Pending", 1), order("Completed", 2)])
    positions = pl.DataFrame({"guid": ["G1", "G1"], "listed": [4, 5]})
    row = stored_frame(orders, items, positions).row(0, named=True)
    assert (row["status_name"], row["listed"], row["month"]) == ("Completed", 5, "2026-05")
    assert [i["amount"] for i in row["items"]] == [Decimal(2)]
    assert row["order_at"].tzinfo is not None and row["order_at"].utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("profile", ["default", "documented"])
def test_both_sandbox_profiles_sync_and_analyse(tmp_path: Path, profile: str) -> None:
    """The documented profile's history has New orders, card buys and deliveries, tx_type and product
    ids instead of type and SKU, no currency_code and null GBP rates."""
    store = OrderStore(tmp_path / profile)
    with Sandbox(seed=7, history=600, profile=profile) as sb, sb.client() as client:
        store.sync(client, progress=False)
        place(client)
        sb.clock.advance(61)
        report = store.sync(client, progress=False)
        assert report.orders_new == 1 and report.mode == "incremental"
        assert_equal_to_api(store, client)
    orders, items = store.frames()
    customer_count = orders["customer_external_id"].drop_nulls().n_unique()
    if profile == "default":
        assert customers(orders, items).height == customer_count
        h = holdings(items, orders=orders)
        assert not h.is_empty() and h["held"].null_count() == 0
        assert not spread_cost(items, orders=orders).is_empty()
    else:  # no currency_code and null GBP rates: a GBP value cannot be told, and holdings says so
        with pytest.raises(ValueError, match="executed items have no GBP value"):
            holdings(items, orders=orders)
        with pytest.raises(ValueError, match="executed orders have no GBP value"):
            customers(orders, items)
        assert customers(orders, items, unknown_currency="GBP").height == customer_count
