"""Fixtures for the store tests: a sandbox with a small seeded history, a store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minted_lab.frames import OrderFrames, order_frames, unique_orders
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore

HISTORY = 400
"""Past orders in the sandbox: 14 pages of 30, the last one partly filled."""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7, history=HISTORY) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Any]:
    with sandbox.client() as c:
        yield c


@pytest.fixture
def store(tmp_path: Path) -> OrderStore:
    return OrderStore(tmp_path / "history")


def fresh_pull(client: Any) -> OrderFrames:
    """What a full pull sees right now, each order once: what the store must equal after a sync."""
    orders, items = order_frames(client.all_pages(progress=False))
    return OrderFrames(unique_orders(orders), unique_orders(items))


def assert_equal_to_api(store: OrderStore, client: Any) -> None:
    expected = fresh_pull(client)
    got = store.frames()
    assert got.orders.schema == expected.orders.schema and got.items.schema == expected.items.schema
    assert got.orders.equals(expected.orders), "stored orders differ from a fresh pull"
    assert got.items.equals(expected.items), "stored items differ from a fresh pull"


def place(client: Any, items: dict[str, int] | None = None, side: str = "sell") -> str:
    """Place one order through the API (Pending until the sandbox clock moves 60 s); its order code."""
    quote = client.quote("GBP")
    result = (client.sell if side == "sell" else client.buy)(quote, items or {"GAG": 10})
    return str(result.order_codes[0])


def status_of(frame: pl.DataFrame, code: str) -> str:
    return str(frame.filter(pl.col("order_code") == code)["status_name"].item())
