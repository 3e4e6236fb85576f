"""Fixtures of the trading tests: a seeded sandbox over real HTTP, its client, and a fresh ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import RequestRecord, Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A seeded sandbox on loopback with a frozen clock."""
    with Sandbox(seed=7) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[MintedClient]:
    """The sandbox's own client (its clock is the sandbox clock, so quotes expire with it)."""
    with sb.client() as c:
        yield c


@pytest.fixture
def ledger(client: MintedClient, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh ledger file for this sandbox, in the test's directory."""
    with Ledger.for_client(client, directory=tmp_path) as opened:
        yield opened


def sells_sent(sb: Sandbox) -> list[RequestRecord]:
    """The sell requests the sandbox received."""
    return [r for r in sb.requests if r.endpoint == "sell"]
