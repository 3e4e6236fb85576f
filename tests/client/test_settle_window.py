"""The settle window: how long after the last attempt of a sell or buy a lookup that finds nothing
does not yet prove "not placed"; and the client's clock it is measured on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.config import Settings
from minted_lab.errors import ConfigurationError

URL = "http://127.0.0.1:1"
NOON = datetime(2025, 1, 2, 12, 0, tzinfo=UTC)


def close(client: Any) -> None:
    if isinstance(client, AsyncMintedClient):
        asyncio.run(client.close())
    else:
        client.close()


def test_default_is_five_minutes() -> None:
    assert Settings().settle_window == 300.0
    with MintedClient(URL, "u", "p") as client:
        assert client.settle_window == 300.0 and isinstance(client.settle_window, float)
        assert client.settings.settle_window == 300.0


@pytest.mark.parametrize("cls", [MintedClient, AsyncMintedClient])
def test_set_on_the_constructor(cls: type) -> None:
    client = cls(URL, "u", "hunter2-secret", settle_window=120)
    assert client.settle_window == 120.0 and isinstance(client.settle_window, float)
    assert "settle_window=120" in repr(client.settings)
    assert "hunter2" not in repr(client) and "hunter2" not in repr(client.settings)
    close(client)


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env({"MINTED_SETTLE_WINDOW": "90.5"}).settle_window == 90.5
    assert Settings.from_env({"MINTED_SETTLE_WINDOW": ""}).settle_window == 300.0
    assert Settings.from_env({"MINTED_SETTLE_WINDOW": "90"}, settle_window=30).settle_window == 30
    for name, value in (("BASE_URL", URL), ("USERNAME", "u"), ("PASSWORD", "p"), ("SETTLE_WINDOW", "150")):
        monkeypatch.setenv(f"MINTED_{name}", value)
    with MintedClient.from_env() as client:
        assert client.settle_window == 150.0
    with MintedClient.from_env(settle_window=200.0) as client:
        assert client.settle_window == 200.0
    aclient = AsyncMintedClient.from_env()
    assert aclient.settle_window == 150.0
    close(aclient)


@pytest.mark.parametrize("value", [0, -1, 0.0, float("nan"), float("inf"), True, "300", None])
def test_refused_unless_positive_seconds(value: object) -> None:
    with pytest.raises(ConfigurationError, match=r"settle_window \(MINTED_SETTLE_WINDOW\): expected positive seconds"):
        Settings(URL, "u", "p", settle_window=value).validated()  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="settle_window"):
        MintedClient(URL, "u", "p", settle_window=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["five minutes", "-5", "0", "nan"])
def test_refused_from_the_environment(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="MINTED_SETTLE_WINDOW"):
        Settings.from_env(
            {"MINTED_BASE_URL": URL, "MINTED_USERNAME": "u", "MINTED_PASSWORD": "p", "MINTED_SETTLE_WINDOW": raw}
        ).validated()


@pytest.mark.parametrize("cls", [MintedClient, AsyncMintedClient])
def test_now_is_the_injected_clock(cls: type) -> None:
    ticks = iter([NOON, NOON + timedelta(seconds=301)])
    client = cls(URL, "u", "p", clock=lambda: next(ticks))
    sent = client.now()
    assert sent == NOON and (client.now() - sent).total_seconds() > client.settle_window
    close(client)


def test_now_defaults_to_utc_now() -> None:
    with MintedClient(URL, "u", "p") as client:
        before = datetime.now(UTC)
        now = client.now()
        assert now.tzinfo is not None and before <= now <= datetime.now(UTC)


def test_now_follows_the_sandbox_clock(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        assert client.now() == sb.clock.now()
