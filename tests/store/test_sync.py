"""OrderStore.sync against the sandbox: first and later syncs, what they report, and that the store equals the API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minted_lab import MintedClient
from minted_lab.frames import ITEMS_SCHEMA, ORDERS_SCHEMA
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore, StoreError, StoreMismatchError, SyncReport

from .conftest import HISTORY, assert_equal_to_api, place, status_of


def test_a_store_that_was_never_synced_reads_as_empty_frames_with_the_schemas(store: OrderStore) -> None:
    assert store.version is None and not store.path.exists()
    assert store.orders().collect_schema() == ORDERS_SCHEMA
    assert store.items().collect().schema == ITEMS_SCHEMA
    assert store.history().is_empty()
    with pytest.raises(StoreError, match="sync it first"):
        store.at(0)
    assert "empty" in repr(store)


def test_the_first_sync_pulls_every_page_and_stores_the_frames_exactly(store: OrderStore, client: MintedClient) -> None:
    report = store.sync(client, progress=False)
    assert isinstance(report, SyncReport)
    assert (report.mode, report.pages, report.orders_new, report.version, report.committed) == (
        "full",
        -(-HISTORY // 30),
        HISTORY,
        0,
        True,
    )
    assert store.version == 0
    assert_equal_to_api(store, client)
    orders = store.orders().collect()
    assert orders["order_at"].dtype == ORDERS_SCHEMA["order_at"]  # Istanbul again, though Delta keeps UTC
    assert orders["total"].dtype == pl.Decimal(38, 4)
    assert "full sync: 14 pages, 400 new" in str(report)


def test_a_sync_with_nothing_new_reads_one_page_and_commits_nothing(store: OrderStore, client: MintedClient) -> None:
    store.sync(client, progress=False)
    report = store.sync(client, progress=False)
    # the last page (10 orders), and one page of the sweep: the last 7 days reach the page before it
    assert (report.mode, report.pages, report.orders_new, report.orders_changed) == ("incremental", 2, 0, 0)
    quiet = store.sync(client, progress=False, reversals=None)
    assert (quiet.pages, quiet.swept) == (1, 0)
    assert report.orders_unchanged == HISTORY % 30
    assert not report.committed and report.version == 0 == store.version
    assert "no change" in str(report)


def test_new_orders_and_status_changes_are_merged_and_old_versions_stay_readable(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    store.sync(client, progress=False)
    code = place(client, {"GAG": 10, "GAU": 1})
    first = store.sync(client, progress=False)
    assert (first.mode, first.orders_new, first.orders_changed, first.version) == ("incremental", 1, 0, 1)
    assert status_of(store.orders().collect(), code) == "Pending"
    assert store.items().filter(pl.col("order_code") == code).collect()["line"].to_list() == [0, 1]

    sandbox.clock.advance(61)  # the sandbox settles an order 60 s after it was placed
    code2 = place(client)
    second = store.sync(client, progress=False)
    assert (second.orders_new, second.orders_changed, second.reread, second.version) == (1, 1, 1, 2)
    assert status_of(store.orders().collect(), code) == "Completed"
    assert_equal_to_api(store, client)

    assert status_of(store.at(1).orders().collect(), code) == "Pending"
    assert store.at(0).orders().collect().height == HISTORY
    assert store.at(1).items().collect().height == HISTORY + 2
    assert code2 not in store.at(1).orders().collect()["order_code"].to_list()
    history = store.history()
    assert history["version"].to_list() == [2, 1, 0]
    assert history["mode"].to_list() == ["incremental", "incremental", "full"]
    assert history["orders_new"].to_list() == [1, 1, HISTORY]


def test_time_travel_by_time_date_and_text(store: OrderStore, client: MintedClient) -> None:
    store.sync(client, progress=False)
    place(client)
    store.sync(client, progress=False)
    committed = store.history().sort("version")["committed_at"].to_list()
    assert store.at(committed[0]).version == 0
    assert store.at(committed[1]).version == 1
    assert store.at(committed[1].isoformat()).version == 1
    assert store.at(committed[1].date()).version == 1
    with pytest.raises(StoreError, match="no version"):
        store.at(committed[0].replace(year=2000))
    with pytest.raises(StoreError, match="no version"):
        store.at(7)
    with pytest.raises(TypeError):
        store.at(True)


def test_a_full_sync_rereads_everything_and_finds_it_unchanged(store: OrderStore, client: MintedClient) -> None:
    store.sync(client, progress=False)
    report = store.sync(client, full=True, progress=False)
    assert (report.mode, report.orders_unchanged, report.orders_new, report.committed) == ("full", HISTORY, 0, False)


def test_orders_gone_from_the_list_shift_it_and_a_full_pull_follows(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    """Removing an early order shifts every later position: the overlap no longer matches, so the sync
    pulls everything, and the store ends exactly like the list (the vanished order removed)."""
    store.sync(client, progress=False)
    gone = sandbox.book.orders.pop(3)
    report = store.sync(client, progress=False)
    assert report.mode == "full" and "pulled everything again" in report.note
    assert report.orders_removed == 1
    assert gone.guid not in store.orders().collect()["guid"].to_list()
    assert_equal_to_api(store, client)


def test_a_store_keeps_to_one_environment(store: OrderStore, sandbox: Sandbox, client: MintedClient) -> None:
    store.sync(client, progress=False)
    with MintedClient(sandbox.url, sandbox.username, sandbox.password, environment="staging") as staging:
        with pytest.raises(StoreMismatchError, match="holds sandbox orders"):
            store.sync(staging, progress=False)
    assert store.version == 0


def test_an_empty_history_makes_no_table(tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "empty")
    with Sandbox(seed=7) as sb, sb.client() as client:
        report = store.sync(client, progress=False)
    assert (report.orders_new, report.version, report.committed) == (0, None, False)
    assert store.version is None and store.orders().collect().is_empty()


def test_sync_async_with_an_async_client(store: OrderStore, sandbox: Sandbox) -> None:
    async def main() -> SyncReport:
        async with sandbox.async_client() as client:
            return await store.sync_async(client, progress=False, concurrency=3)

    report = asyncio.run(main())
    assert report.orders_new == HISTORY and store.version == 0


def test_sync_works_where_an_event_loop_already_runs(store: OrderStore, client: MintedClient) -> None:
    """In a notebook cell an event loop is running: sync() runs on its own loop in a worker thread."""

    async def cell() -> SyncReport:
        return store.sync(client, progress=False)

    assert asyncio.run(cell()).orders_new == HISTORY


def test_an_async_client_in_a_running_loop_is_pointed_to_sync_async(store: OrderStore, sandbox: Sandbox) -> None:
    async def cell() -> Any:
        async with sandbox.async_client() as client:
            return store.sync(client)

    with pytest.raises(TypeError, match="sync_async"):
        asyncio.run(cell())


def test_duckdb_reads_the_same_table(store: OrderStore, client: MintedClient) -> None:
    duckdb = pytest.importorskip("duckdb")
    store.sync(client, progress=False)
    place(client, {"GAU": 2})
    store.sync(client, progress=False)
    orders = store.dataset()  # noqa: F841 - DuckDB finds it by its name
    per_month = duckdb.sql(
        "SELECT month, count(*) AS n, sum(currency_total) AS gbp FROM orders GROUP BY month ORDER BY month"
    ).pl()
    expected = (
        store.orders()
        .group_by(pl.col("order_at").dt.strftime("%Y-%m").alias("month"))
        .agg(pl.len().alias("n"), pl.col("currency_total").sum().alias("gbp"))
        .sort("month")
        .collect()
    )
    assert per_month["month"].to_list() == expected["month"].to_list()
    assert per_month["n"].to_list() == expected["n"].to_list()
    assert per_month["gbp"].to_list() == expected["gbp"].to_list()  # exact DECIMAL(38, 4) both ways
    completed = duckdb.sql("SELECT count(*) FROM orders WHERE status_name = 'Completed' AND type = 'Buy'").fetchall()
    expected_completed = store.orders().filter(pl.col("status_name") == "Completed", pl.col("type") == "Buy")
    assert completed == [(expected_completed.collect().height,)]  # string filters push down into every file
    items = duckdb.sql("SELECT guid, unnest(items, recursive := true) FROM orders").pl()
    assert items.height == store.items().collect().height
    old = store.at(0).dataset()  # noqa: F841
    assert duckdb.sql("SELECT count(*) FROM old").fetchall() == [(HISTORY,)]


def test_compact_and_vacuum_keep_the_rows(store: OrderStore, client: MintedClient) -> None:
    store.sync(client, progress=False)
    for _ in range(3):
        place(client)
        store.sync(client, progress=False)
    before = store.frames()
    store.compact()
    after = store.frames()
    assert after.orders.equals(before.orders) and after.items.equals(before.items)
    store.vacuum()
    assert store.frames().orders.equals(before.orders)


def test_a_late_refund_of_a_completed_order_is_followed_by_the_next_sync(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    store.sync(client, progress=False)
    orders = store.orders().collect()
    newest = orders["order_at"].max()
    # not on the last pages, which an incremental sync reads anyway
    completed = orders.head(HISTORY - 20).filter(pl.col("status_name") == "Completed")
    recent = completed.filter(pl.col("order_at") >= newest - timedelta(days=25))["order_code"][0]
    old = completed.filter(pl.col("order_at") < newest - timedelta(days=60))["order_code"][0]
    sandbox.set_status(recent, "Refunded")
    sandbox.set_status(old, "Cancelled")

    report = store.sync(client, progress=False, reversals=timedelta(days=30))
    assert report.swept >= 1, "recent reversed orders were read again"
    assert (report.mode, report.orders_changed, report.orders_new) == ("incremental", 1, 0)
    stored = store.orders().collect()
    assert status_of(stored, recent) == "Refunded", "a refund within the sweep's window is seen"
    assert status_of(stored, old) == "Completed", "an older one waits for a full sync (documented)"
    assert stored["guid"].to_list() == orders["guid"].to_list(), "each order kept once, in its place"

    full = store.sync(client, progress=False, full=True)
    assert full.orders_changed == 1 and status_of(store.orders().collect(), old) == "Cancelled"
    assert_equal_to_api(store, client)
    assert "reversal" in str(report)


def test_set_status_names_what_it_expects(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="status_name: expected one of .*Refunded"):
        sandbox.set_status("X", "Gone")
    with pytest.raises(KeyError, match="no order 'NOPE'"):
        sandbox.set_status("NOPE", "Refunded")
