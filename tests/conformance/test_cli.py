"""The ways a run ends before the table: no settings, no answer, refused credentials, a refused --trade;
and --trade against a staging-labelled API, through MINTED_* (``MintedClient.from_env()``)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from minted_lab.sandbox import Sandbox

from .conftest import Run


@pytest.fixture
def staging_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox that MINTED_* names as staging (so --trade needs --yes)."""
    with Sandbox(seed=7, history=40) as sb:
        monkeypatch.setenv("MINTED_BASE_URL", sb.url)
        monkeypatch.setenv("MINTED_USERNAME", sb.username)
        monkeypatch.setenv("MINTED_PASSWORD", sb.password)
        monkeypatch.setenv("MINTED_ENVIRONMENT", "staging")
        yield sb


def test_no_settings_is_exit_2(conformance: Callable[..., Run]) -> None:
    run = conformance()
    assert run.code == 2
    assert "MINTED_BASE_URL" in run.err
    assert run.out == "" and run.rows == []


def test_refused_credentials_is_exit_2(
    conformance: Callable[..., Run], staging_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINTED_PASSWORD", "not-the-password")
    run = conformance()
    assert run.code == 2
    assert "refused the credentials" in run.err
    assert "not-the-password" not in run.err + run.out


def test_no_answer_is_exit_2(conformance: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MINTED_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MINTED_USERNAME", "u")
    monkeypatch.setenv("MINTED_PASSWORD", "p")
    run = conformance()
    assert run.code == 2
    assert "no answer" in run.err


@pytest.mark.parametrize("yes", [False, True])
def test_trade_refuses_production(conformance: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, yes: bool) -> None:
    monkeypatch.setenv("MINTED_BASE_URL", "https://api.mintedconnect.invalid")
    monkeypatch.setenv("MINTED_USERNAME", "partner")
    monkeypatch.setenv("MINTED_PASSWORD", "secret-password")
    run = conformance("--trade", *(["--yes"] if yes else []))
    assert run.code == 2
    assert "refused in production" in run.err
    assert run.out == ""


def test_trade_asks_for_yes(conformance: Callable[..., Run], staging_sandbox: Sandbox) -> None:
    run = conformance("--trade")
    assert run.code == 2
    assert "--yes" in run.err and "staging" in run.err
    assert not any(r.endpoint in ("buy", "sell") for r in staging_sandbox.requests)


def test_trade_with_yes_round_trip_once(conformance: Callable[..., Run], staging_sandbox: Sandbox) -> None:
    run = conformance("--trade", "--yes")
    assert run.code == 0, run.out
    assert "against staging" in run.out
    trades = [r for r in staging_sandbox.requests if r.endpoint in ("buy", "sell")]
    assert [r.endpoint for r in trades] == ["buy", "sell"]  # each sent exactly once
    assert all(r.status == 200 for r in trades)
    assert run.status("buy.ledger") == "pass" and run.status("sell.ledger") == "pass"


def test_trade_says_what_is_left_to_settle(conformance: Callable[..., Run], staging_sandbox: Sandbox) -> None:
    staging_sandbox.faults.inject("sell", "status", 1, status=503)  # the sell's outcome is unknown
    run = conformance("--trade", "--yes")
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    assert run.status("buy.ledger") == "pass"
    assert run.status("sell.ledger") == "differs"
    assert "unknown" in next(r["observed"] for r in run.rows if r["id"] == "sell.answer_keys")
    assert "warning: the sell ML-" in run.err and "ledger.reconcile(client)" in run.err
    # sent once, never retried blindly
    assert [r.endpoint for r in staging_sandbox.requests if r.endpoint in ("buy", "sell")] == ["buy", "sell"]


def test_trade_asks_for_yes_on_a_loopback_url_too(
    conformance: Callable[..., Run], staging_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MINTED_ENVIRONMENT")  # 127.0.0.1 reads as "sandbox", but may be a tunnel to staging
    run = conformance("--trade")
    assert run.code == 2
    assert "--yes" in run.err
    assert not any(r.endpoint in ("buy", "sell") for r in staging_sandbox.requests)
