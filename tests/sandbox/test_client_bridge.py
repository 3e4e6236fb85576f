"""`sb.client()` / `sb.async_client()` hand the real client the sandbox's URL, users, clock and seeded ids."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.ids import ExternalIds

client_module = pytest.importorskip("minted_lab.client")


def test_seeded_external_ids_repeat_per_seed() -> None:
    a, b = ExternalIds(7), ExternalIds(7)
    first = [a() for _ in range(3)]
    assert first == [b() for _ in range(3)] and len(set(first)) == 3
    assert all(re.fullmatch(r"ML-[0-9A-F]{12}", i) for i in first)
    assert ExternalIds(8)() != first[0]


def test_sync_client_quotes_sells_and_reads_back() -> None:
    with Sandbox(seed=7, history=40) as sb:
        client = sb.client()
        try:
            quote = client.quote()
            result = client.sell(quote, [("GAG", 10)])
            assert re.fullmatch(r"ML-[0-9A-F]{12}", result.external_id)
            assert sb.orders()[-1]["external_id"] == result.external_id
            assert len(client.all_orders(progress=False)) == 41
        finally:
            client.close()


def test_async_client_buys() -> None:
    with Sandbox(seed=7) as sb:

        async def main() -> str:
            client = sb.async_client()
            try:
                quote = await client.quote()
                result = await client.buy(quote, [("GAU", Decimal("0.25"))])
                return str(result.external_id)
            finally:
                await client.aclose() if hasattr(client, "aclose") else await client.close()

        external_id = asyncio.run(main())
        assert sb.orders()[-1]["external_id"] == external_id
        assert sb.balance("GAU") > 0


def test_the_factory_skips_ids_it_is_told_are_taken() -> None:
    expected = ExternalIds(7)
    first, second, third = expected(), expected(), expected()
    skipping = ExternalIds(7, taken=lambda i: i in {first, third})
    assert [skipping(), skipping()] == [second, expected()]


def test_a_sandbox_client_never_reuses_an_external_id_already_on_the_server() -> None:
    earlier = ExternalIds(7)  # a factory seeded like the sandbox's, used against it first
    used = [earlier(), earlier()]
    with Sandbox(seed=7) as sb:
        with sb.client() as first_client:
            for external_id in used:
                first_client.sell(first_client.quote(), [("GAG", 1)], external_id=external_id)
        with sb.client() as client:
            result = client.sell(client.quote(), [("GAG", 1)])
        assert result.external_id == earlier()  # the next id of the same seeded stream
        assert [o["external_id"] for o in sb.orders()] == [*used, result.external_id]


def test_a_fresh_sandbox_hands_out_the_seeded_ids_in_order() -> None:
    expected = ExternalIds(7)
    with Sandbox(seed=7) as sb, sb.client() as client:
        ids = [client.sell(client.quote(), [("GAG", 1)]).external_id for _ in range(3)]
    assert ids == [expected() for _ in range(3)]
