"""Settings and fixtures shared by the whole suite: headless matplotlib, ledgers in tmp dirs, a sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.ledger import Ledger
    from minted_lab.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _ledger_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep default ledger files of every test out of the user's home."""
    monkeypatch.setenv("MINTED_LAB_HOME", str(tmp_path_factory.mktemp("minted_lab_home")))


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A fresh seeded sandbox on loopback (seed 7, no history, frozen clock)."""
    from minted_lab.sandbox import Sandbox

    with Sandbox(seed=7) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[MintedClient]:
    """The sandbox's own client (its clock is the sandbox clock, so quotes expire with it)."""
    with sb.client() as c:
        yield c


@pytest.fixture
def ledger(client: MintedClient, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh ledger file for the sandbox client, in the test's directory."""
    from minted_lab.ledger import Ledger

    with Ledger.for_client(client, directory=tmp_path) as opened:
        yield opened
