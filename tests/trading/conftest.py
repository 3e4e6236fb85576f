"""Helpers of the trading tests (the sandbox, client and ledger fixtures live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from minted_lab.sandbox import RequestRecord, Sandbox


def sells_sent(sb: Sandbox) -> list[RequestRecord]:
    """The sell requests the sandbox received."""
    return [r for r in sb.requests if r.endpoint == "sell"]


@pytest.fixture(params=["default", "documented"])
def sb(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Every trading test against both sandbox profiles: our reading of the docs, and the documented shapes."""
    with Sandbox(seed=7, profile=request.param) as sandbox:
        yield sandbox


def order_type(order: dict[str, object]) -> str:
    """An order's type as the sandbox shows it in either profile (``type``, or the documented ``tx_type``)."""
    return str(order.get("type") or str(order.get("tx_type", "")).capitalize())
