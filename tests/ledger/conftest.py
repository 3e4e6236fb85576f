"""Fixtures of the ledger's unit tests: a fresh file per test and small stand-ins for API models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from minted_lab.ledger import Ledger


@dataclass(frozen=True)
class FakeClient:
    """Just what the ledger reads from a client to know which API it talks to."""

    environment: str = "sandbox"
    base_url: str = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class FakePrice:
    """A quote price: per gram, spot between sell and buy."""

    sku: str
    spot_price: Decimal
    buy_price: Decimal
    sell_price: Decimal


@dataclass(frozen=True)
class FakeQuote:
    """A quote as the ledger stores it."""

    token: str = "t85QBvvn1GHeOslKuiJm7CF0M0lpwU26"
    currency: str = "GBP"
    customer_external_id: str | None = None
    fixed_at: datetime = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    expires_at: datetime = datetime(2026, 11, 2, 9, 34, tzinfo=UTC)
    expire_ttl: int = 240
    received_at: datetime = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    prices: tuple[FakePrice, ...] = (
        FakePrice("GAU", Decimal("61.2345"), Decimal("62.10"), Decimal("60.40")),
        FakePrice("GAG", Decimal("0.7712"), Decimal("0.80"), Decimal("0.74")),
    )


@dataclass(frozen=True)
class FakeItem:
    """An order item."""

    sku: str
    amount: Decimal


@dataclass(frozen=True)
class FakeOrder:
    """An order as the ledger settles it."""

    external_id: str
    order_code: str = "AB12CD34"
    guid: str = "6F1C2B9E-0000-4000-8000-000000000001"
    type: str = "Sell"
    status_id: int = 2
    status_name: str = "Pending"
    price: Decimal = Decimal("185.00")
    total: Decimal = Decimal("185.00")
    order_at: datetime = datetime(2026, 11, 2, 9, 31, tzinfo=UTC) + timedelta()
    items: tuple[FakeItem, ...] = (FakeItem("GAG", Decimal(250)),)
    raw: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """A ledger file name in the test's own directory."""
    return tmp_path / "ledger-sandbox-test.sqlite"


@pytest.fixture
def ledger(ledger_path: Path) -> Ledger:
    """A fresh ledger bound to the fake sandbox client."""
    with Ledger(ledger_path) as opened:
        opened.check(FakeClient())
        yield opened


def sell_body(external_id: str, amount: int = 250) -> dict[str, Any]:
    """The documented sell body, as the trading workflow journals it."""
    return {
        "price_token": FakeQuote.token,
        "external_id": external_id,
        "currency_code": "GBP",
        "items": [{"sku": "GAG", "amount": amount}],
    }
