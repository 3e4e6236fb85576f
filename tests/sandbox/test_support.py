"""Support for money-path tests: the raw sell/buy bodies in the request log, and `wait_idle()` for
requests still being handled after their client gave up."""

from __future__ import annotations

import threading
from decimal import Decimal

import httpx
import pytest

from minted_lab.sandbox import Sandbox

from .conftest import Api, make_http

errors = pytest.importorskip("minted_lab.errors")


def test_the_request_log_keeps_sell_and_buy_bodies_byte_for_byte(sb: Sandbox, api: Api) -> None:
    sold, bought = api.sell(external_id="LOG-1"), api.buy(external_id="LOG-2")
    fixed = api.http.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "3"})
    assert sold.status_code == bought.status_code == fixed.status_code == 200
    by_endpoint = {(r.endpoint, r.status): r.body for r in sb.requests}
    assert by_endpoint[("sell", 200)] == sold.request.content
    assert by_endpoint[("buy", 200)] == bought.request.content
    assert by_endpoint[("pricefix", 200)] is None and by_endpoint[("pricefix", 401)] is None


def test_a_refused_sell_keeps_its_body_too(sb: Sandbox) -> None:
    body = b'{"price_token": "nope", "external_id": "LOG-3", "items": [{"sku": "GAG", "amount": 4.5}]}'
    with make_http(sb) as http:
        r = http.post("/partner/order/digital/sell", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert [(x.status, x.body) for x in sb.requests] == [(401, body), (422, body)]


def test_wait_idle_lets_a_sell_the_client_gave_up_on_land(sb: Sandbox) -> None:
    sb.faults.inject("sell", "latency", seconds=1.0)
    with sb.client(timeout=0.3) as client:
        quote = client.quote()
        with pytest.raises(errors.OutcomeUnknownError) as caught:
            client.sell(quote, [("GAG", 10)])
    assert sb.wait_idle() is True
    [order] = sb.orders()
    assert order["external_id"] == caught.value.external_id
    assert order["items"][0]["amount"] == Decimal(10)
    [record] = [r for r in sb.requests if r.endpoint == "sell"]
    assert record.status == 200 and record.fault == "latency" and b'"GAG"' in (record.body or b"")


def test_wait_idle_times_out_while_a_request_is_held(sb: Sandbox) -> None:
    sb.faults.inject("order_statuses", "latency", seconds=1.0)
    with make_http(sb, timeout=httpx.Timeout(10.0, read=0.2)) as http:
        assert http.get("/partner/balance").status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            http.get("/partner/orders/statuses")
    assert sb.wait_idle(0.2) is False
    assert sb.wait_idle() is True
    assert sb.wait_idle(0) is True


def test_wait_idle_returns_at_once_when_nothing_is_in_flight(sb: Sandbox) -> None:
    assert sb.wait_idle(0) is True
    with make_http(sb) as http:
        for _ in range(3):
            assert http.get("/partner/balance").status_code == 200
    assert sb.wait_idle(5) is True  # the app may still be finishing the last one as its answer arrives
    assert sb.wait_idle(0) is True


def test_wait_idle_wakes_every_waiter(sb: Sandbox) -> None:
    sb.faults.inject("order_statuses", "latency", seconds=0.5)
    results: list[bool] = []
    with make_http(sb, timeout=httpx.Timeout(10.0, read=0.1)) as http:
        assert http.get("/partner/balance").status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            http.get("/partner/orders/statuses")
    waiters = [threading.Thread(target=lambda: results.append(sb.wait_idle(5))) for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join(10)
    assert results == [True, True, True]
