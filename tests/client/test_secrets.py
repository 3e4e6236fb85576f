"""No credential appears in any repr, str, exception or log record."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.errors import MintedError
from minted_lab.sandbox import Sandbox

WRONG = "wrong-Pa55word-xyz"


def texts(obj: Any, depth: int = 0) -> list[str]:
    """str and repr of an object, its HTML repr, and (for errors) of every attribute, recursively."""
    out = [str(obj), repr(obj)]
    html = getattr(obj, "_repr_html_", None)
    if callable(html):
        out.append(html())
    if depth < 3 and isinstance(obj, BaseException):
        out += [repr(a) for a in obj.args]
        for value in list(vars(obj).values()) + [obj.__cause__, obj.__context__]:
            if value is not None:
                out += texts(value, depth + 1)
    return out


def test_no_credential_anywhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    seen: list[Any] = []
    errors: list[MintedError] = []

    def expect_error(fn: Any) -> None:
        try:
            fn()
        except MintedError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected an error")

    with Sandbox(seed=3, history=40) as sb:
        password = sb.password
        with sb.client(max_retries=0) as client:
            seen += [client, client.settings]
            quote = client.quote()
            result = client.sell(quote, {"GAG": 1})
            seen += [quote, *quote.prices, result, result.order, client.orders(), client.partner_balance(),
                     client.minted_prices(), client.order_statuses(), client.product_prices()]
            expect_error(lambda: client.sell(quote, {"GAG": 1}))                     # 422
            expect_error(lambda: client.order("NOPE"))                                # 404
            expect_error(lambda: client.sell(client.quote(), {"GAG": 1.5}))          # validation
            sb.faults.inject("sell", "drop_after_commit")
            expect_error(lambda: client.sell(client.quote(), {"GAG": 1}))             # outcome unknown
            sb.faults.inject("orders", "malformed_json")
            expect_error(lambda: client.orders())                                     # format
            sb.faults.inject("orders", "status", status=429, retry_after=1)
            expect_error(lambda: client.orders())                                     # rate limit
        with MintedClient(sb.url, sb.username, WRONG) as wrong:
            seen.append(wrong)
            expect_error(lambda: wrong.orders())                                      # 401
        with MintedClient(sb.url, sb.readonly_username, sb.readonly_password) as viewer:
            expect_error(lambda: viewer.sell(viewer.quote(), {"GAG": 1}))             # 403

        async def run() -> None:
            async with sb.async_client() as aclient:
                seen.append(aclient)
                seen.append(await aclient.quote())
                seen.extend(await aclient.all_orders(progress=False))

        asyncio.run(run())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with MintedClient(f"http://127.0.0.1:{port}", "sandbox", password, max_retries=0) as closed:
        expect_error(lambda: closed.quote())                                          # not sent
    assert {type(e).__name__ for e in errors} >= {
        "ParameterError", "QuoteExpiredError", "NotFoundError", "ValidationError", "OutcomeUnknownError",
        "ResponseFormatError", "RateLimitError", "AuthenticationError", "PermissionDeniedError", "NotSentError"} - {
        "ParameterError"}
    assert any(isinstance(o, AsyncMintedClient) for o in seen)

    everything = [t for obj in seen + errors for t in texts(obj)]
    records = caplog.records
    assert any(r.name == "minted_lab" for r in records) and any(r.name.startswith("httpx") for r in records)
    everything += [r.getMessage() for r in records] + [repr(r.__dict__) for r in records]
    for secret in (password, WRONG, "viewer-password"):
        leaks = [t for t in everything if secret in t]
        assert not leaks, leaks[:3]
    assert not [t for t in everything if "Authorization" in t or 'response="' in t]
