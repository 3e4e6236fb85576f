"""Authenticated requests per second against the sandbox on loopback: one client, then 16 concurrent.

Run: .venv/bin/python bench/sandbox_rps.py [--seconds 2] [--max-requests 5000] [--page-histories 5000,100000]
Bounded in count and in time; prints req/s for a cheap read (order statuses), a heavier read
(a 30-order page of 5000) and the quote-then-sell cycle, with the sandbox in a thread of this
process (as tests and notebooks run it, sharing the GIL with the clients) and in its own process
(`minted-lab sandbox`).

First it prints the server-side cost of one 30-order page, measured in-process with no socket: the
route handler alone (`Handlers.orders`: select, paginate, render, JSON) on a page served before and on
pages never served before ("first visit", as a full pull sees them), and the whole ASGI app (Gateway
with Digest auth, routing, handler), medians over many calls, per history size and profile.
Building a 100 000-order history takes about 20 s of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import signal
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.types import Message, Scope

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.app import Handlers
from minted_lab.sandbox.auth import parse_params
from minted_lab.sandbox.catalog import REALM

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


PAGE_QUERY = b"total=30"


def page_scope(authorization: str | None = None, query: bytes = PAGE_QUERY) -> Scope:
    """The ASGI scope of `GET /partner/orders?total=30` (or `query`) as uvicorn would pass it (no raw-target
    extension)."""
    headers = [(b"host", b"127.0.0.1:8000"), *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/partner/orders",
        "raw_path": b"/partner/orders",
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 40000),
    }


async def call_app(sb: Sandbox, scope: Scope) -> tuple[int, bytes, dict[bytes, bytes]]:
    """Status, body and headers of one request sent straight to the sandbox's ASGI app."""
    out: dict[str, Any] = {"body": b""}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], dict(message["headers"])
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await sb.app(scope, receive, send)
    return out["status"], out["body"], out["headers"]


class Signer:
    """Digest `Authorization` values for the page, one nonce count after another (computed off the clock)."""

    def __init__(self, challenge: str, username: str, password: str) -> None:
        self.p = parse_params(challenge[7:])
        self.username, self.password = username, password
        self.nc = 0

    def header(self) -> str:
        """The next Authorization value for `GET /partner/orders?total=30`."""
        self.nc += 1
        p, nc, cnonce, uri = self.p, f"{self.nc:08x}", "0a4f113b", "/partner/orders?" + PAGE_QUERY.decode()

        def d(text: str) -> str:
            return hashlib.sha256(text.encode()).hexdigest()

        ha1, ha2 = d(f"{self.username}:{REALM}:{self.password}"), d(f"GET:{uri}")
        answer = d(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        return (
            f'Digest username="{self.username}", realm="{REALM}", nonce="{p["nonce"]}", uri="{uri}", '
            f'response="{answer}", qop=auth, nc={nc}, cnonce="{cnonce}", algorithm=SHA-256, opaque="{p["opaque"]}"'
        )


def _median_ms(samples: list[float]) -> str:
    return f"{1000 * statistics.median(samples):6.3f} ms (p90 {1000 * statistics.quantiles(samples, n=10)[-1]:.3f})"


async def handler_costs(sb: Sandbox, calls: int, seconds: float, first_visits: bool) -> list[float]:
    """Seconds per call of the page handler alone (`Handlers.orders`, no auth or routing), bounded by
    `calls` and `seconds`: the first page again and again (the first call, a warm-up, not counted), or
    with `first_visits` each call a page not served before (pages 2, 3, ... newest first)."""
    handlers = Handlers(sb.runtime)
    last_page = -(-len(sb.book.orders) // 30)
    took: list[float] = []
    deadline = time.perf_counter() + seconds
    for n in range(min(calls + 1, last_page) if first_visits else calls + 1):
        scope = page_scope(query=f"total=30&page={n + 1}".encode() if first_visits else PAGE_QUERY)
        scope["app"] = sb.app
        request = Request(scope)
        started = time.perf_counter()
        response = await handlers.orders(request)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        if n:
            took.append(elapsed)
        if time.perf_counter() > deadline and len(took) >= 5:
            break
    return took


async def page_costs(sb: Sandbox, calls: int, seconds: float) -> tuple[list[float], list[float], list[float]]:
    """Seconds per call of the page handler on pages seen before, on pages never served before, then of
    the whole ASGI app on one page, each bounded by `calls` and `seconds`."""
    handler = await handler_costs(sb, calls, seconds, first_visits=False)
    first = await handler_costs(sb, calls, seconds, first_visits=True)
    status, _, headers = await call_app(sb, page_scope())
    assert status == 401
    signer = Signer(headers[b"www-authenticate"].decode(), sb.username, sb.password)
    whole: list[float] = []
    deadline = time.perf_counter() + seconds
    for n in range(calls + 1):
        scope = page_scope(signer.header())
        started = time.perf_counter()
        status, body, _ = await call_app(sb, scope)
        took = time.perf_counter() - started
        assert status == 200, body[:200]
        if n:
            whole.append(took)
        if time.perf_counter() > deadline and len(whole) >= 5:
            break
    return handler, first, whole


def measure_page_cost(histories: list[int], calls: int, seconds: float) -> None:
    """Print the server-side cost of one 30-order page per history size and profile."""
    print(f"server-side cost of one 30-order page (median of up to {calls} calls or {seconds:g} s each)")
    for history in histories:
        for profile in ("default", "documented"):
            built = time.perf_counter()
            sb = Sandbox(seed=7, history=history, profile=profile)
            built = time.perf_counter() - built
            handler, first, whole = asyncio.run(page_costs(sb, calls, seconds))
            print(f"  {history:>7} orders  {profile:<10}  handler {_median_ms(handler)}  ", end="")
            print(f"first visit {_median_ms(first)}  ASGI app {_median_ms(whole)}  ", end="")
            print(f"(n={len(handler)}/{len(first)}/{len(whole)}, built in {built:.1f} s)")
            del sb


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per line")
    parser.add_argument("--max-requests", type=int, default=5000, help="request budget per line")
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--page-histories", default="5000,100000", help="history sizes for the page cost")
    parser.add_argument("--page-calls", type=int, default=400, help="calls per page-cost median")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    histories = [int(h) for h in args.page_histories.split(",") if h.strip()]
    measure_page_cost(histories, args.page_calls, max(args.seconds, 1.0))
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
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
