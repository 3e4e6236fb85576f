"""Frames from the sandbox's history agree, order by order, with the API's dicts and the client's models."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from minted_lab import catalog, frames

sandbox = pytest.importorskip("minted_lab.sandbox")


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    """A seeded sandbox with 500 orders of history."""
    with sandbox.Sandbox(seed=7, history=500) as box:
        yield box


@pytest.fixture(scope="module")
def pages(sb: Any) -> list[Any]:
    """Every order page, through the real client over loopback HTTP."""
    with sb.client() as client:
        return client.all_pages(progress=False)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def test_frames_agree_with_the_api_dicts(sb: Any, pages: list[Any]) -> None:
    expected = sb.orders()
    assert len(expected) >= 500
    orders, items = frames.order_frames(pages)
    orders, items = frames.unique_orders(orders), frames.unique_orders(items)
    assert orders.height == len(expected)
    by_guid = {row["guid"]: row for row in orders.iter_rows(named=True)}
    items_by_guid: dict[str, list[dict[str, Any]]] = {}
    for row in items.iter_rows(named=True):
        items_by_guid.setdefault(row["guid"], []).append(row)
    for api in expected:
        row = by_guid[api["guid"]]
        assert row["order_code"] == api["order_code"] and row["external_id"] == api["external_id"]
        assert (row["type"], row["status_id"], row["status_name"]) == (
            api["type"],
            api["status_id"],
            api["status_name"],
        )
        assert row["currency"] == api["currency_code"]
        for key in ("price", "tax", "total", "currency_rate", "currency_total"):
            assert row[key] == _dec(api[key]), key
        assert row["customer_external_id"] == (api["customer"] or {}).get("external_id")
        at = api["order_at"]
        assert row["order_at"].strftime("%d-%m-%Y %H:%M") == at, at
        assert row["item_count"] == len(api["items"])
        lines = items_by_guid[api["guid"]]
        assert [r["line"] for r in lines] == list(range(len(api["items"])))
        for got, item in zip(lines, api["items"], strict=True):
            assert got["sku"] == item["sku"]
            for key in ("amount", "spot_price", "price", "tax", "total"):
                assert got[key] == _dec(item[key]), key
            assert got["spread"] == _dec(item["price"]) - _dec(item["spot_price"])
    assert orders["total"].sum() == sum((_dec(o["total"]) for o in expected), Decimal(0))
    assert orders["currency_total"].sum() == sum((_dec(o["currency_total"]) for o in expected), Decimal(0))


def test_frames_agree_with_the_client_models(pages: list[Any]) -> None:
    models = [order for page in pages for order in page.orders]
    from_models = frames.orders_frame(models)
    from_bytes = frames.orders_frame(pages)
    assert from_models.equals(from_bytes)
    for model, row in zip(models, from_bytes.iter_rows(named=True), strict=True):
        assert (row["guid"], row["total"], row["currency_total"]) == (model.guid, model.total, model.currency_total)
        assert row["order_at"] == model.order_at
        assert row["item_count"] == len(model.items)
    items = frames.items_frame(models)
    assert items["amount"].to_list() == [i.amount for m in models for i in m.items]
    assert items.equals(frames.items_frame(pages))


def test_sandbox_prices_and_balances_convert(sb: Any) -> None:
    with sb.client() as client:
        quote = client.quote("GBP")
        product = client.product_prices("TRY")
        minted = client.minted_prices()
        wallets = client.partner_balance()
    quotes = frames.quotes_frame([quote])
    assert quotes.height == len(quote.prices)
    assert quotes["spot"].to_list() == [p.spot_price for p in quote.prices]
    assert (quotes["buy_spread"] > 0).all() and (quotes["sell_spread"] < 0).all()
    assert frames.prices_frame(product).height == len(product)
    assert frames.prices_frame(minted).height == len(minted.prices)
    balances = frames.balances_frame(wallets)
    assert balances["real_balance"].to_list() == [w.real_balance for w in wallets]
    assert balances.schema == frames.BALANCES_SCHEMA
    assert quotes.schema == frames.QUOTES_SCHEMA


@pytest.fixture(scope="module")
def documented() -> Iterator[tuple[Any, list[Any]]]:
    """A seeded sandbox speaking the documented shapes, and all its order pages through the client."""
    with sandbox.Sandbox(seed=7, history=300, profile="documented") as box, box.client() as client:
        yield box, client.all_pages(progress=False)


def test_documented_profile_pages_derive_types_and_skus(documented: tuple[Any, list[Any]]) -> None:
    """Orders shaped like the documented Get Order (tx_type, product ids; no type, sku, currency_code or
    order_at): types and SKUs are derived, the totals per type are the sandbox's own book, and what
    cannot be derived (currency, time) is reported, never a silent null."""
    sb, pages = documented
    book = sb.orders()
    assert book and all("type" not in o and "tx_type" in o for o in book)
    assert all("sku" not in i and i["product_id"] for o in book for i in o["items"])
    with pytest.warns(frames.MissingFieldsWarning) as seen:
        got = frames.order_frames(pages)
    orders, items = frames.unique_orders(got.orders), frames.unique_orders(got.items)
    assert orders.height == len(book) and got.rejected.height == 0
    tx_types = {"buy": "Buy", "sell": "Sell", "delivery": "Delivery"}
    by_guid = {row["guid"]: row for row in orders.iter_rows(named=True)}
    for api in book:
        assert by_guid[api["guid"]]["type"] == tx_types[api["tx_type"]]
    assert orders["type"].null_count() == 0 and items["type"].null_count() == 0
    assert items["sku"].null_count() == 0
    expected_skus = [catalog.SKU_BY_PRODUCT_ID[int(i["product_id"])] for o in book for i in o["items"]]
    assert sorted(items["sku"].to_list()) == sorted(expected_skus)
    assert "Delivery" in orders["type"].to_list()
    totals = dict(orders.group_by("type").agg(pl.col("total").sum()).iter_rows())
    expected: dict[str, Decimal] = {}
    for o in book:
        kind = tx_types[o["tx_type"]]
        expected[kind] = expected.get(kind, Decimal(0)) + Decimal(str(o["total"]))
    assert totals == expected and set(totals) == {"Buy", "Sell", "Delivery"}
    # the documented shape sends no currency_code and no order_at: null, and said so
    assert orders["currency"].null_count() == orders["order_at"].null_count() == len(book)
    assert dict(got.gaps.group_by("field").len().iter_rows()) == {"currency_code": len(book), "order_at": len(book)}
    assert f"currency_code: {len(book)} × missing: the API sent none" in str(seen[0].message)


def test_documented_profile_models_agree_with_the_frames(documented: tuple[Any, list[Any]]) -> None:
    _, pages = documented
    models = [order for page in pages for order in page.orders]
    with pytest.warns(frames.MissingFieldsWarning):
        from_models = frames.order_frames(models)
    with pytest.warns(frames.MissingFieldsWarning):
        from_bytes = frames.order_frames(pages)
    assert from_models.orders.equals(from_bytes.orders) and from_models.items.equals(from_bytes.items)
    assert [m.type for m in models] == from_bytes.orders["type"].to_list()
    assert [i.sku for m in models for i in m.items] == from_bytes.items["sku"].to_list()
    assert [(m.order_code, g.field, g.reason) for m in models for g in m.gaps] == from_bytes.gaps.select(
        "order_code", "field", "reason"
    ).rows()
