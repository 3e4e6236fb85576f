"""Fixtures for the client tests: a real sandbox over loopback HTTP, and clients built like sb.client()."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from minted_lab._http import Engine


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds, not seconds (Retry-After is still honoured as sent)."""
    monkeypatch.setattr(Engine, "backoff_base", 0.01)


@pytest.fixture(scope="module")
def history_sb() -> Iterator[object]:
    """A seeded sandbox with some history, shared by the read-only tests of a module."""
    from minted_lab.sandbox import Sandbox

    with Sandbox(seed=7, history=250) as sandbox:
        yield sandbox
