"""Fault injection as a client sees it over real HTTP: broken connections, statuses, latency, bad JSON."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.faults import parse_spec

from .conftest import Api, make_http, parse


def test_drop_after_commit_really_commits(api: Api, http: httpx.Client, sb: Sandbox) -> None:
    token = api.token()
    metal, cash = sb.balance("GAG"), sb.balance("GBP")
    sb.faults.inject("sell", "drop_after_commit", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.sell("GAG", 100, "DROP-1", price_token=token)
    [order] = sb.orders()
    assert order["external_id"] == "DROP-1"
    assert sb.balance("GAG") == metal - 100 and sb.balance("GBP") == cash + order["total"]
    assert sb.requests[-1].status is None and sb.requests[-1].fault == "drop_after_commit"
    found = parse(http.get("/partner/order/DROP-1"))["data"]
    assert found["guid"] == order["guid"]
    retry = api.sell("GAG", 100, "DROP-1", price_token=token)
    assert retry.status_code == 422 and "external_id" in parse(retry)["errors"]


def test_drop_before_commit_commits_nothing(api: Api, sb: Sandbox) -> None:
    token = api.token()
    metal = sb.balance("GAG")
    sb.faults.inject("sell", "drop_before_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        api.sell("GAG", 100, "DROP-2", price_token=token)
    assert sb.orders() == [] and sb.balance("GAG") == metal
    assert api.sell("GAG", 100, "DROP-2", price_token=token).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_status_fault(api: Api, sb: Sandbox, status: int) -> None:
    sb.faults.inject("sell", "status", status=status)
    r = api.sell(external_id="ST-1")
    assert r.status_code == status
    assert parse(r) == {"data": None, "success": False, "code": status, "message": parse(r)["message"]}
    assert sb.orders() == []
    assert api.sell(external_id="ST-1").status_code == 200


def test_429_fault_with_retry_after(http: httpx.Client, sb: Sandbox) -> None:
    sb.faults.inject("*", "status", times=2, status=429, retry_after=7)
    for _ in range(2):
        r = http.get("/partner/balance")
        assert r.status_code == 429 and r.headers["retry-after"] == "7" and parse(r)["code"] == 429
    assert http.get("/partner/balance").status_code == 200


def test_latency_fault_times_out_the_client_but_still_commits(sb: Sandbox, api: Api) -> None:
    token = api.token()
    sb.faults.inject("sell", "latency", seconds=0.4)
    with make_http(sb, timeout=httpx.Timeout(10.0, read=0.1)) as impatient:
        impatient.get("/partner/balance")
        with pytest.raises(httpx.ReadTimeout):
            Api(impatient).sell("GAG", 1, "SLOW-1", price_token=token)
    deadline = time.monotonic() + 5
    while not sb.orders() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [o["external_id"] for o in sb.orders()] == ["SLOW-1"]


def test_latency_fault_delays(http: httpx.Client, sb: Sandbox) -> None:
    sb.faults.inject("order_statuses", "latency", seconds=0.2)
    started = time.monotonic()
    assert http.get("/partner/orders/statuses").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_malformed_json(api: Api, sb: Sandbox) -> None:
    sb.faults.inject("sell", "malformed_json")
    r = api.sell(external_id="BAD-JSON")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert [o["external_id"] for o in sb.orders()] == ["BAD-JSON"]


def test_faults_count_down_and_clear(http: httpx.Client, sb: Sandbox) -> None:
    sb.faults.inject("partner_balance", "status", times=2, status=503)
    assert [http.get("/partner/balance").status_code for _ in range(3)] == [503, 503, 200]
    sb.faults.inject("*", "status", times=5)
    sb.faults.clear()
    assert http.get("/partner/balance").status_code == 200


def test_faults_only_hit_their_endpoint(http: httpx.Client, sb: Sandbox) -> None:
    sb.faults.inject("sell", "status", status=503)
    assert http.get("/partner/balance").status_code == 200
    assert len(sb.faults.pending()) == 1


def test_bad_fault_specs_are_refused(sb: Sandbox) -> None:
    with pytest.raises(ValueError):
        sb.faults.inject("nowhere", "status")
    with pytest.raises(ValueError):
        sb.faults.inject("sell", "explode")
    with pytest.raises(ValueError):
        sb.faults.inject("sell", "status", times=0)
    with pytest.raises(ValueError):
        sb.faults.inject("sell", "status", status=200)
    with pytest.raises(ValueError):
        sb.faults.inject("sell", "drop_after_commit", seconds=1)


def test_cli_fault_spec() -> None:
    assert parse_spec("sell:drop_after_commit:1") == ("sell", "drop_after_commit", 1, {})
    assert parse_spec("*:status:3:status=429,retry_after=2") == ("*", "status", 3, {"status": 429, "retry_after": 2})
    assert parse_spec("orders:latency:seconds=0.5") == ("orders", "latency", 1, {"seconds": 0.5})
    with pytest.raises(ValueError):
        parse_spec("sell")
