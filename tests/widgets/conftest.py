"""Fixtures of the widget tests: a seeded sandbox over real HTTP, its client, a fresh ledger, no leaked threads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import RequestRecord, Sandbox
from minted_lab.widgets import SellForm, live_threads


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


@pytest.fixture
def form(client: MintedClient, ledger: Ledger) -> Iterator[SellForm]:
    """A SellForm whose countdown refresher must be gone once it is closed."""
    sell_form = SellForm(client, ledger)
    yield sell_form
    sell_form.close()
    assert live_threads() == []


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every widget thread a test starts is stopped by the end of it."""
    yield
    assert live_threads() == []


def sent(sb: Sandbox, endpoint: str) -> list[RequestRecord]:
    """The requests to one endpoint the sandbox received (Digest challenges left out)."""
    return [r for r in sb.requests if r.endpoint == endpoint and r.status != 401]
