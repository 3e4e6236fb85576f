"""The order list: paginator shape, filters, sorting, and paging while new orders arrive."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from minted_lab.sandbox import Sandbox

from .conftest import Api, parse


def when(text: str) -> datetime:
    return datetime.strptime(text, "%d-%m-%Y %H:%M")


def page(http: httpx.Client, **params: Any) -> dict[str, Any]:
    r = http.get("/partner/orders", params=params)
    assert r.status_code == 200, r.text
    return parse(r)["data"]  # type: ignore[no-any-return]


def test_history_is_realistic(history_sb: Sandbox) -> None:
    orders = history_sb.orders()
    assert len(orders) == 1500
    skus = Counter(o["items"][0]["sku"] for o in orders)
    assert skus["GAU"] + skus["GAG"] > 0.6 * len(orders) and skus["GPT"] > 0 and skus["GPD"] > 0
    assert {o["type"] for o in orders} == {"Buy", "Sell"}
    assert {o["currency_code"] for o in orders} == {"GBP", "TRY", "USD", "EUR"}
    statuses = Counter(o["status_name"] for o in orders)
    assert statuses["Completed"] > 0.8 * len(orders) and statuses["Cancelled"] and statuses["Refunded"]
    assert any(o["customer"] for o in orders) and any(o["customer"] is None for o in orders)
    assert any(isinstance(o["items"][0]["amount"], Decimal) for o in orders if o["type"] == "Buy")
    assert all(isinstance(o["items"][0]["amount"], int) for o in orders if o["type"] == "Sell")
    times = [when(o["order_at"]) for o in orders]
    assert times == sorted(times)
    assert datetime(2026, 4, 30) < times[0] and times[-1] < datetime(2026, 11, 2, 9, 30)
    for o in orders[:50]:
        item = o["items"][0]
        assert (
            o["total"] == item["total"] == (item["price"] * item["amount"]).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        )


def test_paginator_shape_and_links(history_http: httpx.Client) -> None:
    data = page(history_http, total=10)
    assert set(data) == {
        "current_page",
        "data",
        "first_page_url",
        "from",
        "last_page",
        "last_page_url",
        "links",
        "next_page_url",
        "path",
        "per_page",
        "prev_page_url",
        "to",
        "total",
    }
    assert (data["current_page"], data["from"], data["to"], data["per_page"]) == (1, 1, 10, 10)
    assert data["last_page"] == -(-data["total"] // 10) and data["prev_page_url"] is None
    assert data["path"].endswith("/partner/orders") and data["next_page_url"].endswith("page=2")
    labels = [link["label"] for link in data["links"]]
    assert labels[0] == "&laquo; Previous" and labels[-1] == "Next &raquo;" and "..." in labels
    assert [link["label"] for link in data["links"] if link["active"]] == ["1"]
    last = page(history_http, total=10, page=data["last_page"])
    assert last["next_page_url"] is None and last["to"] == data["total"]
    beyond = page(history_http, total=10, page=data["last_page"] + 1)
    assert beyond["data"] == [] and beyond["from"] is None and beyond["to"] is None


def test_default_sort_is_newest_first(history_http: httpx.Client) -> None:
    rows = page(history_http, total=30)["data"]
    times = [when(r["order_at"]) for r in rows]
    assert times == sorted(times, reverse=True)


def test_filters(history_http: httpx.Client, history_sb: Sandbox) -> None:
    customer = history_sb.customers()[0]
    rows = page(history_http, customer_external_id=customer, total=30)["data"]
    assert rows and all(r["customer"]["external_id"] == customer for r in rows)
    rows = page(history_http, sku="GPT", total=30)["data"]
    assert rows and all(r["items"][0]["sku"] == "GPT" for r in rows)
    rows = page(history_http, status="4,11", total=30)["data"]
    assert rows and {r["status_id"] for r in rows} <= {4, 11}
    rows = page(history_http, tx_type="sell", total=30)["data"]
    assert rows and {r["type"] for r in rows} == {"Sell"}
    data = page(history_http, startDate="2026-09-01", endDate="2026-09-30", total=30, sortType="asc")
    assert data["total"] > 0
    assert all(r["order_at"][3:10] == "09-2026" for r in data["data"])
    everything = page(history_http, total=5)["total"]
    assert page(history_http, total=5, sku="", status="")["total"] == everything


def test_sort_by_total_with_stable_ties(history_http: httpx.Client) -> None:
    rows = page(history_http, sortBy="total", sortType="asc", total=30)["data"]
    totals = [r["total"] for r in rows]
    assert totals == sorted(totals)
    rows = page(history_http, sortBy="type", sortType="asc", total=30)["data"]
    assert [r["type"] for r in rows] == sorted(r["type"] for r in rows)


def test_paging_ascending_returns_every_order_once_while_orders_arrive(
    api: Api, http: httpx.Client, sb: Sandbox
) -> None:
    for n in range(12):
        assert api.sell("GAG", 1, f"PRE-{n}").status_code == 200
    seen: dict[str, dict[str, Any]] = {}
    number, arrivals = 1, 0
    while True:
        data = page(http, page=number, total=5, sortBy="created_at", sortType="asc")
        for row in data["data"]:
            seen.setdefault(row["guid"], row)
        if arrivals < 9:
            for _ in range(3):
                sb.clock.advance(1)
                assert api.buy("GAU", Decimal("0.25"), f"NEW-{arrivals}").status_code == 200
                arrivals += 1
        if data["next_page_url"] is None:
            break
        number += 1
    assert len(seen) == len(sb.orders()) == 21
    assert {o["guid"] for o in sb.orders()} == set(seen)


def test_status_filter_follows_the_clock(api: Api, http: httpx.Client, sb: Sandbox) -> None:
    api.sell("GAG", 1, "P-1")
    assert page(http, status="2")["total"] == 1
    sb.clock.advance(60)
    assert page(http, status="2")["total"] == 0 and page(http, status="5")["total"] == 1
