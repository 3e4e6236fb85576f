"""No credential appears in any repr, str, exception or log record."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
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
            seen += [
                quote,
                *quote.prices,
                result,
                result.order,
                client.orders(),
                client.partner_balance(),
                client.minted_prices(),
                client.order_statuses(),
                client.product_prices(),
            ]
            expect_error(lambda: client.sell(quote, {"GAG": 1}))  # 422
            expect_error(lambda: client.order("NOPE"))  # 404
            expect_error(lambda: client.sell(client.quote(), {"GAG": 1.5}))  # validation
            sb.faults.inject("sell", "drop_after_commit")
            expect_error(lambda: client.sell(client.quote(), {"GAG": 1}))  # outcome unknown
            sb.faults.inject("orders", "malformed_json")
            expect_error(lambda: client.orders())  # format
            sb.faults.inject("orders", "status", status=429, retry_after=1)
            expect_error(lambda: client.orders())  # rate limit
        with MintedClient(sb.url, sb.username, WRONG) as wrong:
            seen.append(wrong)
            expect_error(lambda: wrong.orders())  # 401
        with MintedClient(sb.url, sb.readonly_username, sb.readonly_password) as viewer:
            expect_error(lambda: viewer.sell(viewer.quote(), {"GAG": 1}))  # 403

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
        expect_error(lambda: closed.quote())  # not sent
    assert {type(e).__name__ for e in errors} >= {
        "ParameterError",
        "QuoteExpiredError",
        "NotFoundError",
        "ValidationError",
        "OutcomeUnknownError",
        "ResponseFormatError",
        "RateLimitError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotSentError",
    } - {"ParameterError"}
    assert any(isinstance(o, AsyncMintedClient) for o in seen)

    everything = [t for obj in seen + errors for t in texts(obj)]
    records = caplog.records
    assert any(r.name == "minted_lab" for r in records) and any(r.name.startswith("httpx") for r in records)
    everything += [r.getMessage() for r in records] + [repr(r.__dict__) for r in records]
    for secret in (password, WRONG, "viewer-password"):
        leaks = [t for t in everything if secret in t]
        assert not leaks, leaks[:3]
    assert not [t for t in everything if "Authorization" in t or 'response="' in t]


# ------------------------------------------------------------------ mistyped base URLs
SECRET = "S3cr3t-Pw"


@pytest.mark.parametrize(
    "url",
    [
        f"htp://alice:{SECRET}@host",
        f"http://alice:{SECRET}@",
        f"https://alice:{SECRET}@host:notaport",
        f"https://alice:{SECRET}@host:8443",
        f"http://alice:{SECRET}/x@host",
        f"http://alice:{SECRET}#@host",
        f"alice:{SECRET}@host",
        f"htp:alice:{SECRET}@host",
    ],
)
def test_a_mistyped_base_url_never_shows_its_userinfo(url: str) -> None:
    from minted_lab.config import Settings
    from minted_lab.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="base_url") as info:
        MintedClient(url, "u", "p")
    shown = texts(info.value) + [repr(Settings(url, "u", "p"))]
    assert not [t for t in shown if SECRET in t or "alice" in t], shown


def test_a_mistyped_base_url_is_quoted_masked() -> None:
    from minted_lab.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"got 'htp://\*\*\*@host'"):
        MintedClient(f"htp://alice:{SECRET}@host", "u", "p")
    with pytest.raises(ConfigurationError, match=r"port is not a number in 'https://\*\*\*@host:notaport'"):
        MintedClient(f"https://alice:{SECRET}@host:notaport", "u", "p")
    with pytest.raises(ConfigurationError, match=r"port is not a number in 'https://host:notaport'"):
        MintedClient("https://host:notaport", "u", "p")


# ------------------------------------------------- control characters in credentials
@pytest.mark.parametrize(
    ("field", "variable", "char", "hint"),
    [
        ("password", "MINTED_PASSWORD", "\r", "check for a Windows line ending"),
        ("password", "MINTED_PASSWORD", "\n", "check for a trailing newline"),
        ("password", "MINTED_PASSWORD", "\x00", "remove it"),
        ("password", "MINTED_PASSWORD", "\x1b", "remove it"),
        ("password", "MINTED_PASSWORD", "\x7f", "remove it"),
        ("password", "MINTED_PASSWORD", "\x85", "remove it"),
        ("username", "MINTED_USERNAME", "\r", "check for a Windows line ending"),
        ("username", "MINTED_USERNAME", "\t", "remove it"),
        ("client_id", "MINTED_CLIENT_ID", "\r", "check for a Windows line ending"),
    ],
)
def test_control_characters_are_refused_before_any_request(
    sb: Sandbox,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    field: str,
    variable: str,
    char: str,
    hint: str,
) -> None:
    from minted_lab.config import Settings
    from minted_lab.errors import ConfigurationError

    for name in ("httpx", "httpcore", "minted_lab"):
        caplog.set_level(logging.DEBUG, logger=name)
    good: dict[str, Any] = {"username": sb.username, "password": sb.password, "client_id": "web"}
    bad: dict[str, Any] = {**good, field: good[field] + char}
    before = len(sb.requests)
    refused: list[BaseException] = []
    message = f"{field} ({variable}): contains a control character ({repr(char)[1:-1]}); {hint}"

    def refuse(build: Callable[[], object]) -> None:
        with pytest.raises(ConfigurationError) as info:
            build()
        assert str(info.value) == message
        refused.append(info.value)

    refuse(lambda: Settings(sb.url, **bad).validated())
    refuse(lambda: MintedClient(sb.url, **bad))
    refuse(lambda: AsyncMintedClient(sb.url, **bad))
    environ = {f"MINTED_{name.upper()}": value for name, value in {**bad, "base_url": sb.url}.items()}
    refuse(lambda: Settings.from_env(environ).validated())
    if char != "\x00":  # os.environ cannot hold a NUL
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        refuse(lambda: MintedClient.from_env())
    assert len(sb.requests) == before  # nothing was sent

    with MintedClient(sb.url, **good) as ok:  # a real succeeding request
        seen: list[Any] = [ok, ok.settings, ok.partner_balance(), Settings(sb.url, **bad)]
    with MintedClient(sb.url, sb.username, WRONG, max_retries=0) as wrong:  # a real failing one
        with pytest.raises(MintedError) as failed:
            wrong.partner_balance()
        seen.append(wrong)
    assert type(failed.value).__name__ == "AuthenticationError"
    assert [r for r in caplog.records if r.name == "minted_lab"]
    assert [r for r in caplog.records if r.name.startswith("httpcore") and r.levelno == logging.DEBUG]

    everything = [t for obj in seen + refused + [failed.value] for t in texts(obj)]
    everything += [r.getMessage() for r in caplog.records] + [repr(r.__dict__) for r in caplog.records]
    for secret in (sb.password, WRONG):
        assert not [t for t in everything if secret in t]
    if field != "client_id":
        assert not [text for error in refused for text in texts(error) if bad[field] in text]


def test_non_ascii_client_id_is_refused() -> None:
    from minted_lab.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"client_id \(MINTED_CLIENT_ID\): expected ASCII only"):
        MintedClient("http://127.0.0.1:1", "u", "p", client_id="wéb")
