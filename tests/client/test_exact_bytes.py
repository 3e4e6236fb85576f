"""A Call may carry the exact body bytes to send: what a ledger journaled is what leaves, byte for byte."""

from __future__ import annotations

import inspect

import httpx
import pytest

from minted_lab import endpoints as E
from minted_lab._http import Call, Engine
from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.config import Settings
from minted_lab.models import OrderResult


def engine() -> Engine:
    return Engine(Settings("http://127.0.0.1:1", "u", "p").validated(), clock=None, id_factory=None, max_retries=0)


def test_content_is_sent_instead_of_the_body() -> None:
    raw = b'{ "external_id" : "EX-1",\n  "price_token":"tok", "items":[{"sku":"GAG","amount":2.50}] }'
    e = engine()
    call = e.call(E.SELL, content=raw, external_id="EX-1")
    kwargs = e.request_kwargs(call)
    assert kwargs["content"] is raw and kwargs["headers"]["Content-Type"] == "application/json"
    both = e.call(E.SELL, body={"price_token": "other"}, content=raw)
    assert e.request_kwargs(both)["content"] is raw
    assert e.request_kwargs(e.call(E.SELL, body={"price_token": "tok"}))["content"] == b'{"price_token":"tok"}'
    assert "Content-Type" not in e.request_kwargs(e.call(E.ORDER, path_params={"id": "X"}))["headers"]
    assert Call(call.endpoint).content is None


def test_body_field_names_are_still_checked() -> None:
    with pytest.raises(AssertionError, match=r"\['bogus'\] are not in the endpoint table"):
        engine().call(E.SELL, body={"bogus": 1}, content=b"{}")
    with pytest.raises(TypeError, match="content must be bytes"):
        engine().call(E.SELL, content='{"price_token":"tok"}')


def test_the_bytes_that_arrive_over_http(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    """The sandbox records sell bodies as received: they are the Call's bytes, spacing and key order kept."""
    quote = client.quote()
    raw = (
        b'{"external_id": "EX-bytes-1", "items": [ {"sku": "GAG", "amount": 2} ],\n "price_token": "'
        + quote.token.encode()
        + b'"}'
    )
    call = client._engine.call(E.SELL, content=raw, external_id="EX-bytes-1")
    result = client._send(call)
    assert isinstance(result, OrderResult) and result.external_id == "EX-bytes-1"
    bodies = [r.body for r in sb.requests if r.endpoint == "sell" and r.status == 200]
    assert bodies == [raw]
    found = client.resolve("EX-bytes-1")
    assert found is not None and (found.guid, found.type) == (result.guids[0], "Sell")


def test_digest_challenge_resends_the_same_bytes() -> None:
    raw = b'{"price_token":"tok","external_id":"EX-2","items":[{"sku":"GAG","amount":1}]}'
    seen: list[tuple[bool, bytes, str | None]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(("authorization" in request.headers, request.content, request.headers.get("content-type")))
        if "authorization" not in request.headers:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Digest realm="r", nonce="n", qop="auth"'})
        data = b'{"order_code":["C1"],"guid":["G1"],"price":1,"tax":0,"total":1,"order_at":"2023-05-31 03:16:45"}'
        return httpx.Response(200, content=b'{"success":true,"code":200,"message":"","data":' + data + b"}")

    with MintedClient("http://127.0.0.1:9", "u", "p", transport=httpx.MockTransport(handle)) as client:
        client._send(client._engine.call(E.SELL, content=raw, external_id="EX-2"))
    assert seen == [(False, raw, "application/json"), (True, raw, "application/json")]


@pytest.mark.parametrize("cls", [MintedClient, AsyncMintedClient])
def test_place_is_declared_on_both_clients(cls: type[MintedClient] | type[AsyncMintedClient]) -> None:
    """``place(request)`` sends an OrderRequest as built (its behaviour is tested with the ledger)."""
    place = cls.place
    assert list(inspect.signature(place).parameters) == ["self", "request"]
    assert inspect.iscoroutinefunction(place) == (cls is AsyncMintedClient)
    assert "exactly as built" in (place.__doc__ or "") and "never retried once sent" in (place.__doc__ or "")
    assert "ops.send(self._engine, request)" in inspect.getsource(place)
