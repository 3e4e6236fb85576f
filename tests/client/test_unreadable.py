"""An answer the client cannot read: never a raw decimal (or other) exception out of the models.

Sell and buy raise OutcomeUnknownError (the order may exist: resolve it); every read raises
ResponseFormatError. The bodies are served by an httpx.MockTransport, as no sandbox writes them.
"""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from minted_lab import models
from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.errors import OutcomeUnknownError, ParameterError, ResponseFormatError

#: a number whose exponent the decimal module cannot even hold
HUGE = "1e99999999999999999999"
#: ten thousand digits
LONG = "7" * 10_000
#: a power of ten an id or a count could never be
FAR = "1e5000"
#: an integral number that int() takes half a minute over (loads refuses it up front)
SLOW = "1e999999"


def envelope(data: str) -> bytes:
    return ('{"success":true,"code":200,"message":"OK","data":' + data + "}").encode()


ORDER = (
    '{"guid":"G-1","order_code":"C1","external_id":"E-1","price":%s,"tax":0,"total":1,'
    '"order_at":"31-05-2023 03:16","items":[]}'
)
RESULT = '{"order_code":["C1"],"guid":["G-1"],"price":%s,"tax":0,"total":1,"order_at":"2023-05-31 03:16:45"}'
PAGE = (
    '{"current_page":1,"data":[],"first_page_url":null,"from":null,"last_page":1,"last_page_url":null,'
    '"links":[],"next_page_url":null,"path":"/partner/orders","per_page":30,"prev_page_url":null,"to":null,'
    '"total":%s}'
)
PRICES = '[{"sku":"GAG","name":"Gold","spot_price":%s,"buy_price":1,"sell_price":1}]'
QUOTE = '{"token":"tok","expire_ttl":%s,"currency":"GBP","prices":[]}'


class Server:
    """A MockTransport that answers every request with one body, and counts what it received."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body = body
        self.status = status
        self.seen: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return httpx.Response(self.status, content=self.body, headers={"Content-Type": "application/json"})

    def client(self) -> MintedClient:
        return MintedClient("http://127.0.0.1:9", "u", "p", max_retries=3, transport=httpx.MockTransport(self.handle))


def check_excerpt(error: ResponseFormatError, body: bytes) -> None:
    assert error.status == 200 and error.excerpt == body[:200].decode()
    assert "Malformed Response" in str(error) and "[<class" not in str(error)


@pytest.mark.parametrize("number", [HUGE, LONG, SLOW])
@pytest.mark.parametrize("side", ["sell", "buy"])
def test_unreadable_order_result_is_outcome_unknown(side: str, number: str) -> None:
    body = envelope(RESULT % number)
    server = Server(body)
    with server.client() as client, pytest.raises(OutcomeUnknownError) as info:
        getattr(client, side)("tok", {"GAG": 1}, external_id="E-unreadable")
    error = info.value
    assert error.external_id == "E-unreadable" and error.endpoint == side
    assert "client.resolve('E-unreadable')" in str(error)
    assert isinstance(error.cause, ResponseFormatError) and error.__cause__ is error.cause
    check_excerpt(error.cause, body)
    assert len(server.seen) == 1  # never retried once sent


READS: list[tuple[str, Callable[[MintedClient], Any], str]] = [
    ("order", lambda c: c.order("E-1"), ORDER),
    ("orders", lambda c: c.orders(), PAGE),
    ("product_prices", lambda c: c.product_prices("GBP"), PRICES),
]


@pytest.mark.parametrize("number", [HUGE, LONG, FAR, SLOW])
@pytest.mark.parametrize(("endpoint", "read", "data"), READS, ids=[r[0] for r in READS])
def test_unreadable_read_is_a_response_format_error(
    endpoint: str, read: Callable[[MintedClient], Any], data: str, number: str
) -> None:
    body = envelope(data % number)
    server = Server(body)
    with server.client() as client, pytest.raises(ResponseFormatError) as info:
        read(client)
    assert info.value.endpoint == endpoint
    check_excerpt(info.value, body)
    assert len(server.seen) == 1


def test_a_number_the_model_cannot_use() -> None:
    """JSON reads ``expire_ttl: 1e4000`` fine; the Quote's timedelta overflows (an ArithmeticError)."""
    body = envelope(QUOTE % "1e4000")
    with Server(body).client() as client, pytest.raises(ResponseFormatError, match="unreadable number") as info:
        client.quote()
    check_excerpt(info.value, body)


def test_nesting_too_deep_to_read() -> None:
    body = b'{"success":true,"code":200,"message":"OK","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with Server(body).client() as client, pytest.raises(ResponseFormatError, match="not JSON"):
        client.product_prices()


@pytest.mark.parametrize(
    "raised", [decimal.Overflow, decimal.InvalidOperation, ZeroDivisionError, KeyError, RuntimeError]
)
def test_any_exception_from_a_model(monkeypatch: pytest.MonkeyPatch, raised: type[Exception]) -> None:
    def broken(cls: type, data: Any, ctx: Any = None) -> Any:
        raise raised("model bug")

    monkeypatch.setattr(models.OrderResult, "from_api", classmethod(broken))
    monkeypatch.setattr(models.Order, "from_api", classmethod(broken))
    with Server(envelope(RESULT % "1")).client() as client:
        with pytest.raises(OutcomeUnknownError) as info:
            client.sell("tok", {"GAG": 1}, external_id="E-bug")
        assert info.value.external_id == "E-bug" and isinstance(info.value.cause, ResponseFormatError)
        assert raised.__name__ in str(info.value) or "model bug" in str(info.value)
    with Server(envelope(ORDER % "1")).client() as client, pytest.raises(ResponseFormatError):
        client.order("E-1")


def test_unreadable_number_in_an_error_body() -> None:
    """A 422 whose envelope cannot be read is still a ParameterError (its status says enough)."""
    server = Server(('{"success":false,"code":' + HUGE + ',"message":"Parameter Error"}').encode(), status=422)
    with server.client() as client, pytest.raises(ParameterError) as info:
        client.order("E-1")
    assert info.value.status == 422 and info.value.body is None


def test_async_client_too() -> None:
    body = envelope(RESULT % HUGE)
    server = Server(body)

    async def run() -> tuple[BaseException, BaseException]:
        transport = httpx.MockTransport(server.handle)
        async with AsyncMintedClient("http://127.0.0.1:9", "u", "p", transport=transport) as client:
            with pytest.raises(OutcomeUnknownError) as sold:
                await client.buy("tok", {"GAG": 1}, external_id="E-async")
            server.body = envelope(PAGE % HUGE)
            with pytest.raises(ResponseFormatError) as read:
                await client.orders()
        return sold.value, read.value

    sold, read = asyncio.run(run())
    assert isinstance(sold, OutcomeUnknownError) and sold.external_id == "E-async" and "resolve" in str(sold)
    assert isinstance(read, ResponseFormatError) and read.excerpt == server.body[:200].decode()
