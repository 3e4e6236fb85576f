"""Pull a 20,000-order history from a seeded sandbox two ways, in one run, and compare.

1. ``AsyncMintedClient.all_orders()``: pages fetched concurrently (bounded), parsed into typed,
   Decimal-exact models, de-duplicated by guid.
2. A plain sequential loop: one ``httpx.Client`` with ``DigestAuth``, one page at a time,
   ``json.loads`` only (no models, no Decimals): the floor a hand-written script would reach.

    .venv/bin/python bench/history_pull.py [--orders 20000] [--concurrency 8] [--repeat 1]

Prints both times and the ratio (plain / client: above 1 means the client is faster).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from minted_lab.client import AsyncMintedClient
from minted_lab.sandbox import Sandbox

PAGE_SIZE = 30


def plain_pull(url: str, username: str, password: str) -> int:
    """The baseline: sequential pages with httpx + DigestAuth and json.loads."""
    headers = {"x-client-id": "web", "api-version": "2", "Accept": "application/json"}
    count = 0
    with httpx.Client(base_url=url, auth=httpx.DigestAuth(username, password), timeout=30.0) as http:
        page = 1
        while True:
            response = http.get("/partner/orders", headers=headers, params={
                "page": page, "total": PAGE_SIZE, "sortBy": "created_at", "sortType": "asc"})
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best time is kept")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    with Sandbox(seed=args.seed, history=args.orders) as sb:
        print(f"sandbox with {args.orders:,} orders up in {time.perf_counter() - started:.1f} s at {sb.url}")
        client_times, plain_times = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            n_client = asyncio.run(client_pull(sb.url, sb.username, sb.password, args.concurrency))
            client_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            n_plain = plain_pull(sb.url, sb.username, sb.password)
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
