"""Sync and async agree; paging returns every order exactly once, even while orders are being placed."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.models import Order


def test_sync_and_async_agree(history_sb) -> None:  # type: ignore[no-untyped-def]
    sb = history_sb
    with sb.client() as client:
        sync = (
            client.all_orders(progress=False),
            client.orders(page=2, per_page=7, type="sell"),
            client.order_statuses(),
            client.partner_balance(),
            client.product_prices("TRY"),
            client.minted_prices(),
        )
        first = sync[0][0]
        sync_lookups = (client.order(first.guid), client.find_order(order_code=first.order_code))

    async def pull() -> tuple[Any, ...]:
        async with sb.async_client() as aclient:
            assert isinstance(aclient, AsyncMintedClient)
            results = await asyncio.gather(
                aclient.all_orders(progress=False, concurrency=4),
                aclient.orders(page=2, per_page=7, type="sell"),
                aclient.order_statuses(),
                aclient.partner_balance(),
                aclient.product_prices("TRY"),
                aclient.minted_prices(),
            )
            lookups = (await aclient.order(first.guid), await aclient.find_order(order_code=first.order_code))
            streamed = [o async for o in aclient.iter_orders()]
            return results, lookups, streamed

    async_results, async_lookups, streamed = asyncio.run(pull())
    assert len(sync[0]) == 250 == len({o.guid for o in sync[0]})
    assert list(async_results) == list(sync) and async_lookups == sync_lookups
    assert streamed == sync[0]
    assert [o.guid for o in sync[0]] == [o["guid"] for o in sb.orders()]  # oldest first, like the book
    assert [o.raw for o in async_results[0]] == [o.raw for o in sync[0]]


def test_iter_orders_while_orders_arrive() -> None:
    """Orders placed between page reads are all returned, once each, and nothing else is."""
    from minted_lab.sandbox import Sandbox

    with Sandbox(seed=11, history=100) as sb, sb.client() as client, sb.client() as trader:
        seen = []
        for i, order in enumerate(client.iter_orders()):
            seen.append(order.guid)
            if i % 4 == 0 and i < 60:  # place orders while pages 1 and 2 are being read
                trader.sell(trader.quote(), {"GAG": 1})
        book = [o["guid"] for o in sb.orders()]
    assert len(book) == 115
    assert seen == book and max(Counter(seen).values()) == 1


def test_async_all_orders_while_orders_arrive(history_sb) -> None:  # type: ignore[no-untyped-def]
    sb = history_sb
    before = {o["guid"] for o in sb.orders()}

    async def run() -> tuple[list[Order], int, list[Order]]:
        async with sb.async_client() as reader, sb.async_client() as trader:
            placed = 0

            async def place() -> None:
                nonlocal placed
                for _ in range(6):
                    await trader.buy(await trader.quote(), {"GAG": 1})
                    placed += 1

            orders, _ = await asyncio.gather(reader.all_orders(progress=False, concurrency=3), place())
            again = await reader.all_orders(progress=False)
            return orders, placed, again

    orders, placed, again = asyncio.run(run())
    guids = [o.guid for o in orders]
    after = [o["guid"] for o in sb.orders()]
    assert len(guids) == len(set(guids))
    assert before <= set(guids) <= set(after)  # everything that existed, nothing invented, no duplicate
    assert placed == 6 and [o.guid for o in again] == after


def test_iter_orders_small_pages_match_the_book(history_sb) -> None:  # type: ignore[no-untyped-def]
    with history_sb.client() as client:
        statuses = {s.name for s in client.order_statuses()}
        pages = list(client.iter_pages())
        assert sum(len(p) for p in pages) == len(history_sb.orders())
        assert pages[-1].next_page_url is None and all(p.per_page == 30 for p in pages)
        sells = list(client.iter_orders(type="sell"))
        assert all(o.type == "Sell" for o in sells) and {o.status_name for o in sells} <= statuses


def test_sync_client_class_is_what_sb_client_returns(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        assert isinstance(client, MintedClient) and client.environment == "sandbox"


def test_async_all_pages_raises_a_failed_page_as_itself(history_sb) -> None:  # type: ignore[no-untyped-def]
    """A page that keeps failing ends all_pages with that page's MintedError (not an ExceptionGroup), the
    other pages called off."""
    from minted_lab.errors import ServerError

    sb = history_sb
    sb.faults.inject("orders", "latency", times=1, seconds=0.01)  # page 1 answers
    sb.faults.inject("orders", "status", times=1000, status=503)  # every page after it fails

    async def pull() -> None:
        async with sb.async_client() as aclient:
            await aclient.all_pages(progress=False)

    try:
        with pytest.raises(ServerError):
            asyncio.run(pull())
    finally:
        sb.faults.clear()
