"""Many concurrent clients, atomic balances, the per-user rate limit, and the CLI server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal

import httpx

from minted_lab.sandbox import Sandbox

from .conftest import HEADERS, TLS, make_http, parse


def test_concurrent_clients_trade_atomically() -> None:
    with Sandbox(seed=9) as sb:
        start_gag, start_gbp = sb.balance("GAG"), sb.balance("GBP")

        async def trader(n: int) -> list[int]:
            auth = httpx.DigestAuth(sb.username, sb.password)
            statuses = []
            async with httpx.AsyncClient(base_url=sb.url, auth=auth, headers=HEADERS, verify=TLS, timeout=30) as c:
                for k in range(4):
                    fix = await c.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "3"})
                    token = parse(fix)["data"]["token"]
                    body = {"price_token": token, "external_id": f"L-{n}-{k}", "items": [{"sku": "GAG", "amount": 5}]}
                    r = await c.post("/partner/order/digital/sell", json=body)
                    statuses.append(r.status_code)
                    again = await c.post("/partner/order/digital/sell", json=body)
                    statuses.append(again.status_code)
            return statuses

        async def main() -> list[list[int]]:
            return await asyncio.gather(*(trader(n) for n in range(16)))

        results = asyncio.run(main())
        assert all(s == [200, 422] * 4 for s in results)
        orders = sb.orders()
        assert len(orders) == 64 and len({o["guid"] for o in orders}) == 64
        assert sb.balance("GAG") == start_gag - 64 * 5
        assert sb.balance("GBP") == start_gbp + sum(o["total"] for o in orders)


def test_rate_limit_is_per_user_with_retry_after() -> None:
    with (
        Sandbox(seed=7, rate_limit=(5, 30.0)) as sb,
        make_http(sb) as trader,
        make_http(sb, sb.readonly_username, sb.readonly_password) as viewer,
    ):
        statuses = [trader.get("/partner/balance").status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        r = trader.get("/partner/balance")
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 30 and parse(r)["code"] == 429
        assert viewer.get("/partner/balance").status_code == 200


def test_rate_limit_is_off_by_default(http: httpx.Client) -> None:
    assert {http.get("/partner/orders/statuses").status_code for _ in range(40)} == {200}


def test_cli_serves_in_the_foreground_until_interrupted() -> None:
    code = (
        "import argparse, sys; from minted_lab.sandbox import cli; p = argparse.ArgumentParser(); "
        "cli.configure(p); sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--port",
            "0",
            "--seed",
            "7",
            "--history",
            "20",
            "--clock",
            "frozen",
            "--fault",
            "partner_balance:status:1:status=503",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = banner.split(" on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert "sandbox / sandbox-password" in proc.stdout.readline()
        auth = httpx.DigestAuth("sandbox", "sandbox-password")
        with httpx.Client(base_url=url, auth=auth, headers=HEADERS, verify=TLS, timeout=10) as http:
            assert http.get("/partner/balance").status_code == 503
            assert http.get("/partner/balance").status_code == 200
            data = parse(http.get("/partner/orders", params={"total": 5}))["data"]
            assert data["total"] == 20
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_history_amounts_are_decimal_and_balances_consistent() -> None:
    sb = Sandbox(seed=7, history=200)
    for o in sb.orders():
        assert isinstance(o["total"], (int, Decimal))
    assert sb.balance("GAU") >= 0 and all(sb.balance("GAG", c) >= 0 for c in sb.customers())
