"""Fixtures for the frame tests: the documented example payloads and a few duck-typed model stand-ins.

The documented examples are read from `data/examples/`, where they are kept once; `fixtures/`
holds only what the frame tests add (`mixed_numbers_page.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parents[2] / "data" / "examples"


def fixture_bytes(name: str) -> bytes:
    """The bytes of one payload exactly as stored: a frame-test fixture, else a documented example (pretty-printed JSON)."""
    own = FIXTURES / name
    return (own if own.exists() else EXAMPLES / name).read_bytes()


def fixture_raw(name: str) -> Any:
    """A fixture as the client's models keep it: JSON with every number as a Decimal."""
    return json.loads(fixture_bytes(name), parse_float=Decimal, parse_int=Decimal)


@dataclass
class FakeOrder:
    """Stands in for `minted_lab.models.Order`: only `.raw` is relied on."""

    raw: dict[str, Any]


@dataclass
class FakeResult:
    """Stands in for `OrderResult`: `.raw` is the sell/buy `data` dict."""

    raw: dict[str, Any]


@dataclass
class FakePage:
    """Stands in for `OrderPage`: `.raw` is the paginator, `.content` the body bytes."""

    raw: dict[str, Any]
    content: bytes = b""
    orders: tuple[FakeOrder, ...] = field(default=())

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.orders)


@dataclass
class FakeQuote:
    """Stands in for `Quote`: `.raw` is the price-fix `data`, `.fixed_at` its time."""

    raw: dict[str, Any]
    fixed_at: datetime


@dataclass
class FakeRow:
    """Stands in for `Wallet` and `ProductPrice`: `.raw` is one row."""

    raw: dict[str, Any]


ORDER_EXAMPLES = [
    "sell_response.json",
    "get_order_response.json",
    "get_order_alternative_response.json",
    "card_payment_get_order_response.json",
    "orders_list_response.inferred.json",
    "order_schema_skeleton.json",
    "sell_response_skeleton.json",
    "mixed_numbers_page.json",
]


@pytest.fixture
def mixed_page() -> bytes:
    """A list page mixing `10`, `0`, `0.0`, `0.5`, `12.3456` and all four date formats."""
    return fixture_bytes("mixed_numbers_page.json")
