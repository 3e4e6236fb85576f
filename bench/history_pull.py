"""Pull a 20,000-order history from a seeded sandbox two ways, in one run, and compare.

1. ``AsyncMintedClient.all_orders()``: pages fetched concurrently (bounded), parsed into typed,
   Decimal-exact models, de-duplicated by guid.
2. A plain sequential loop: one ``httpx.Client`` with ``DigestAuth``, one page at a time,
   ``json.loads`` only (no models, no Decimals): the floor a hand-written script would reach.

    .venv/bin/python bench/history_pull.py [--orders 20000] [--concurrency 8] [--repeat 1] [--server-process]

Prints both times and the ratio (plain / client: above 1 means the client is faster). By default the
sandbox serves from a thread of this process (``with Sandbox(...)``), so server and clients share one
GIL; ``--server-process`` runs the same Sandbox in a child process, closer to a real remote API.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import time
from collections.abc import Iterator

import httpx

from minted_lab.client import AsyncMintedClient
from minted_lab.config import PAGES_IN_FLIGHT
from minted_lab.sandbox import Sandbox

PAGE_SIZE = 30


def plain_pull(url: str, username: str, password: str) -> int:
    """The baseline: sequential pages with httpx + DigestAuth and json.loads."""
    headers = {"x-client-id": "web", "api-version": "2", "Accept": "application/json"}
    count = 0
    with httpx.Client(base_url=url, auth=httpx.DigestAuth(username, password), timeout=30.0) as http:
        page = 1
        while True:
            response = http.get(
                "/partner/orders",
                headers=headers,
                params={"page": page, "total": PAGE_SIZE, "sortBy": "created_at", "sortType": "asc"},
            )
            response.raise_for_status()
            data = json.loads(response.content)["data"]
            count += len(data["data"])
            if not data["next_page_url"]:
                return count
            page += 1


async def client_pull(url: str, username: str, password: str, concurrency: int) -> int:
    async with AsyncMintedClient(url, username, password, timeout=30.0) as client:
        orders = await client.all_orders(progress=False, concurrency=concurrency)
    return len(orders)


def _start(seed: int, history: int, latency: float) -> Sandbox:
    sb = Sandbox(seed=seed, history=history).start()
    if latency:  # every page answer waits this long without blocking the server (network-like)
        sb.faults.inject("orders", "latency", times=10**9, seconds=latency)
    return sb


def _serve(seed: int, history: int, latency: float, queue: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    with _start(seed, history, latency) as sb:
        queue.put((sb.url, sb.username, sb.password))
        stop.wait()


@contextlib.contextmanager
def sandbox(seed: int, history: int, in_process: bool, latency: float) -> Iterator[tuple[str, str, str]]:
    """(url, username, password) of a running Sandbox(seed, history), in a thread or a child process."""
    if in_process:
        with _start(seed, history, latency) as sb:
            yield sb.url, sb.username, sb.password
        return
    ctx = multiprocessing.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve, args=(seed, history, latency, queue, stop), daemon=True)
    child.start()
    try:
        yield queue.get(timeout=120)
    finally:
        stop.set()
        child.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=PAGES_IN_FLIGHT)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best time is kept")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-process", action="store_true", help="serve the sandbox from a child process")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the sandbox waits before each page answer (emulates a remote API)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    with sandbox(args.seed, args.orders, not args.server_process, args.latency) as (url, username, password):
        where = "a child process" if args.server_process else "a thread of this process"
        print(
            f"sandbox with {args.orders:,} orders up in {time.perf_counter() - started:.1f} s, served from {where}"
            + (f", {args.latency * 1000:.0f} ms latency per page" if args.latency else "")
        )
        client_times, plain_times = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            n_client = asyncio.run(client_pull(url, username, password, args.concurrency))
            client_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            n_plain = plain_pull(url, username, password)
            plain_times.append(time.perf_counter() - t0)
            assert n_client == n_plain == args.orders, (n_client, n_plain, args.orders)
    client_s, plain_s = min(client_times), min(plain_times)
    pages = -(-args.orders // PAGE_SIZE)
    print(f"orders: {args.orders:,} in {pages} pages of {PAGE_SIZE}")
    print(f"AsyncMintedClient.all_orders (concurrency {args.concurrency}, typed Decimal models): {client_s:.2f} s")
    print(f"plain sequential httpx + DigestAuth + json.loads:                   {plain_s:.2f} s")
    print(f"ratio plain/client: {plain_s / client_s:.2f}x")


if __name__ == "__main__":
    main()
