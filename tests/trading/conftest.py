"""Helpers of the trading tests (the sandbox, client and ledger fixtures live in tests/conftest.py)."""

from __future__ import annotations

from minted_lab.sandbox import RequestRecord, Sandbox


def sells_sent(sb: Sandbox) -> list[RequestRecord]:
    """The sell requests the sandbox received."""
    return [r for r in sb.requests if r.endpoint == "sell"]
