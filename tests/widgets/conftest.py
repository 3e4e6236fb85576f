"""Fixtures of the widget tests: a SellForm, and no leaked threads (sandbox, client, ledger: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import RequestRecord, Sandbox
from minted_lab.widgets import SellForm, live_threads


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
