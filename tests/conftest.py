"""Settings shared by the whole suite: headless matplotlib, no ledger writes outside tmp dirs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _ledger_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep default ledger files of every test out of the user's home."""
    monkeypatch.setenv("MINTED_LAB_HOME", str(tmp_path_factory.mktemp("minted_lab_home")))
