"""Authenticated requests per second against the sandbox on loopback: one client, then 16 concurrent.

Run: .venv/bin/python bench/sandbox_rps.py [--seconds 2] [--max-requests 5000]
Bounded in count and in time; prints req/s for a cheap read (order statuses), a heavier read
(a 30-order page of 5000) and the quote-then-sell cycle, with the sandbox in a thread of this
process (as tests and notebooks run it, sharing the GIL with the clients) and in its own process
(`minted-lab sandbox`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx

from minted_lab.sandbox import Sandbox

HEADERS = {"x-client-id": "web", "Accept-Language": "en", "api-version": "2"}
TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Target:
    """Where the sandbox answers, and with which credentials."""

    url: str
    username: str = "sandbox"
    password: str = "sandbox-password"


@contextlib.contextmanager
def in_thread(history: int) -> Iterator[Target]:
    """The sandbox in a background thread of this process."""
    with Sandbox(seed=7, history=history) as sb:
        yield Target(sb.url)


@contextlib.contextmanager
def in_process(history: int) -> Iterator[Target]:
    """The sandbox served by the CLI in its own process."""
    code = (
        "import argparse, sys; from minted_lab.sandbox import cli; p = argparse.ArgumentParser(); "
        "cli.configure(p); sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--clock", "frozen", "--history", str(history)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield Target(proc.stdout.readline().split(" on ", 1)[1].split()[0])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def sync_run(sb: Target, path: str, params: dict[str, str], seconds: float, limit: int) -> tuple[int, float]:
    """Requests done by one client and the seconds they took."""
    auth = httpx.DigestAuth(sb.username, sb.password)
    with httpx.Client(base_url=sb.url, auth=auth, headers=HEADERS, verify=TLS, timeout=30) as http:
        http.get(path, params=params)
        count, started = 0, time.perf_counter()
        while count < limit and time.perf_counter() - started < seconds:
            response = http.get(path, params=params)
            assert response.status_code == 200, response.text
            count += 1
        return count, time.perf_counter() - started


async def async_run(
    sb: Target, clients: int, seconds: float, limit: int, one: Callable[[httpx.AsyncClient, int], Awaitable[None]]
) -> tuple[int, float]:
    """Requests done by `clients` concurrent async clients (each its own connection and Digest state)."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal done
        auth = httpx.DigestAuth(sb.username, sb.password)
        async with httpx.AsyncClient(base_url=sb.url, auth=auth, headers=HEADERS, verify=TLS, timeout=30) as http:
            await http.get("/partner/orders/statuses")
            k = 0
            while done < limit and time.perf_counter() < deadline:
                await one(http, n * 1_000_000 + k)
                k += 1
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    return done, time.perf_counter() - started


async def read_statuses(http: httpx.AsyncClient, _: int) -> None:
    response = await http.get("/partner/orders/statuses")
    assert response.status_code == 200


async def read_page(http: httpx.AsyncClient, _: int) -> None:
    response = await http.get("/partner/orders", params={"total": "30"})
    assert response.status_code == 200


def quote_and_sell(run: str) -> Callable[[httpx.AsyncClient, int], Awaitable[None]]:
    """Fix a quote, then sell 1 g of silver with it (external ids unique per `run`)."""

    async def one(http: httpx.AsyncClient, n: int) -> None:
        await _quote_and_sell(http, f"{run}-{n}")

    return one


async def _quote_and_sell(http: httpx.AsyncClient, ident: str) -> None:
    fix = await http.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "3"})
    token = fix.json()["data"]["token"]
    body = {"price_token": token, "external_id": f"BENCH-{ident}", "items": [{"sku": "GAG", "amount": 1}]}
    response = await http.post("/partner/order/digital/sell", json=body)
    assert response.status_code == 200, response.text


def measure(sb: Target, seconds: float, limit: int, tag: str) -> None:
    """Print one line per (workload, concurrency)."""
    for label, path, params in (
        ("order statuses", "/partner/orders/statuses", {}),
        ("orders page (30)", "/partner/orders", {"total": "30"}),
    ):
        count, took = sync_run(sb, path, params, seconds, limit)
        print(f"  1 client    {label:<17} {count / took:7.0f} req/s  ({count} in {took:.2f} s)")
        one = read_statuses if path.endswith("statuses") else read_page
        count, took = asyncio.run(async_run(sb, 16, seconds, limit, one))
        print(f"  16 async    {label:<17} {count / took:7.0f} req/s  ({count} in {took:.2f} s)")
    for clients in (1, 16):
        count, took = asyncio.run(async_run(sb, clients, seconds, limit // 2, quote_and_sell(f"{tag}{clients}")))
        who = "1 client   " if clients == 1 else "16 async   "
        print(f"  {who} {'quote + sell':<17} {2 * count / took:7.0f} req/s  ({count} sells in {took:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per line")
    parser.add_argument("--max-requests", type=int, default=5000, help="request budget per line")
    parser.add_argument("--history", type=int, default=5000)
    args = parser.parse_args()
    print(
        f"{args.history} past orders, Digest SHA-256, budget {args.seconds:g} s / {args.max_requests} requests per line"
    )
    for title, place in (
        ("sandbox in a thread of this process", in_thread),
        ("sandbox in its own process (minted-lab sandbox)", in_process),
    ):
        with place(args.history) as target:
            print(title)
            measure(target, args.seconds, args.max_requests, title[:6])


if __name__ == "__main__":
    main()
