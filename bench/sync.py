"""Sync benchmark: pulling a large history behind network latency, and keeping it up to date.

    .venv/bin/python bench/sync.py                         # 100,000 orders, 20 ms per page request
    .venv/bin/python bench/sync.py --orders 20000 --rounds 1 --sequential-pages 200

The sandbox runs in a child process (its own interpreter, as a remote API would be), with a latency
fault on the order list: every page answer waits ``--latency`` seconds without blocking the server.
Its history is ``--orders`` minus 1 % seeded past orders plus 1 % orders placed through the API, so
the newest 1 % are Pending (the sandbox settles an order 60 s of its clock after it is placed).

1. Full pull, the plain way: ``MintedClient.all_pages()``, one page after another (``--sequential-
   pages N`` times the first N pages and scales up, to keep a run short).
2. Full pull, concurrently: ``AsyncMintedClient.all_pages()`` (``PAGES_IN_FLIGHT`` at once). Target: >= 8x faster.
3. The store's first sync (a full, concurrent pull into a Delta table), checked equal to pull 2.
4. Each round: the clock moves ``--every`` seconds (default 900: a sync every quarter of an hour; the
   pending 1 % settle, so 1 % status changes) and 1 % new orders are placed; then an incremental
   sync, timed against a full concurrent pull, and the store is checked equal to that fresh pull.
   Target: incremental >= 50x faster than the full pull.

Before any timing, one untimed pull without latency has the sandbox write each order's text (which it
does on an order's first view, then keeps): both pulls then measure the client behind a server of
constant cost per page, as a real API is. Prints every figure, the machine's load, and the sandbox's own
cost per page (measured without the latency fault), so a result bound by the emulator says so.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from minted_lab import AsyncMintedClient, MintedClient  # noqa: E402
from minted_lab.config import PAGES_IN_FLIGHT  # noqa: E402
from minted_lab.frames import OrderFrames, order_frames, unique_orders  # noqa: E402
from minted_lab.store import OrderStore  # noqa: E402

FOREVER = 10**9


def _serve(seed: int, history: int, latency: float, pipe: Any) -> None:
    """The child: a sandbox, and a loop answering the parent's commands."""
    from minted_lab.sandbox import Sandbox

    with Sandbox(seed=seed, history=history) as sb, sb.client() as client:
        pipe.send((sb.url, sb.username, sb.password))
        while True:
            command, value = pipe.recv()
            if command == "stop":
                break
            if command == "place":
                sides = ("sell", "buy")
                for n in range(value):
                    quote = client.quote("GBP")
                    if sides[n % 2] == "sell":
                        client.sell(quote, {"GAG": 10})
                    else:
                        client.buy(quote, {"GAG": "10.5"})
                pipe.send(len(sb.book.orders))
            elif command == "advance":
                sb.clock.advance(value)
                pipe.send(sb.clock.now().isoformat())
            elif command == "latency":
                sb.faults.clear()
                if value:
                    sb.faults.inject("orders", "latency", times=FOREVER, seconds=value)
                pipe.send(value)


class Remote:
    """The sandbox in a child process, driven over a pipe."""

    def __init__(self, seed: int, history: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(seed, history, 0.0, child), daemon=True)
        self.process.start()
        self.url, self.username, self.password = self.pipe.recv()

    def ask(self, command: str, value: Any = None) -> Any:
        self.pipe.send((command, value))
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send(("stop", None))
        self.process.join(30)

    def client(self) -> MintedClient:
        return MintedClient(self.url, self.username, self.password, environment="sandbox", timeout=60.0)

    def async_client(self) -> AsyncMintedClient:
        return AsyncMintedClient(self.url, self.username, self.password, environment="sandbox", timeout=60.0)


def full_async_pull(remote: Remote, concurrency: int) -> tuple[float, OrderFrames, int]:
    async def pull() -> list[Any]:
        async with remote.async_client() as client:
            return await client.all_pages(progress=False, concurrency=concurrency)

    started = time.perf_counter()
    pages = asyncio.run(pull())
    seconds = time.perf_counter() - started
    orders, items = order_frames(pages)
    return seconds, OrderFrames(unique_orders(orders), unique_orders(items)), len(pages)


def sequential_pull(remote: Remote, limit: int | None) -> tuple[float, int, int]:
    """(seconds, pages read, pages in all): the plain page loop, cut short after `limit` pages."""
    with remote.client() as client:
        started = time.perf_counter()
        read = 0
        total_pages = 0
        for page in client.iter_pages():
            read += 1
            total_pages = page.last_page
            if limit is not None and read >= limit:
                break
        return time.perf_counter() - started, read, total_pages


def equal(store: OrderStore, expected: OrderFrames) -> bool:
    got = store.frames()
    return got.orders.equals(expected.orders) and got.items.equals(expected.items)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds each page answer waits (default 0.02)")
    parser.add_argument("--concurrency", type=int, default=PAGES_IN_FLIGHT)
    parser.add_argument(
        "--change", type=float, default=0.01, help="share of new orders and of status changes per round"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--every", type=float, default=900.0, help="sandbox seconds between syncs (>= 61)")
    parser.add_argument("--sequential-pages", type=int, default=400, help="pages the plain loop reads (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    k = max(1, int(args.orders * args.change))
    print(f"{load()} at start")
    started = time.perf_counter()
    remote = Remote(args.seed, args.orders - k)
    try:
        remote.ask("place", k)
        print(
            f"sandbox in a child process: {args.orders - k:,} seeded orders + {k:,} placed (Pending), "
            f"up in {time.perf_counter() - started:.1f} s"
        )
        warm_s, _, warm_pages = full_async_pull(remote, args.concurrency)
        print(
            f"sandbox warmed: {warm_pages} pages in {warm_s:.1f} s, no latency (it writes each order's text on "
            "its first view, a cost a real API does not have; every pull below sees warm pages)"
        )
        seconds, read, _ = sequential_pull(remote, 100)
        per_page_bare = seconds / read
        print(f"sandbox's own cost, no latency: {per_page_bare * 1000:.1f} ms per 30-order page (client included)")
        remote.ask("latency", args.latency)

        limit = args.sequential_pages or None
        seq_s, seq_read, pages_total = sequential_pull(remote, limit)
        seq_full = seq_s / seq_read * pages_total
        scaled = "" if seq_read == pages_total else f" (timed {seq_read} pages: {seq_s:.1f} s, scaled up)"
        print(f"1. sequential page loop, {pages_total} pages: {seq_full:.1f} s{scaled}")

        async_s, fresh, pages = full_async_pull(remote, args.concurrency)
        print(f"2. async client, concurrency {args.concurrency}: {pages} pages in {async_s:.1f} s")
        print(f"   ratio sequential / async: {seq_full / async_s:.1f}x (target >= 8x)")

        with tempfile.TemporaryDirectory() as tmp:
            store = OrderStore(Path(tmp) / "store")
            with remote.client() as client:
                first = store.sync(client, progress=False, concurrency=args.concurrency)
                print(f"3. store's first sync: {first}; equal to a fresh pull: {equal(store, fresh)}")
                for n in range(1, args.rounds + 1):
                    remote.ask("advance", max(61.0, args.every))
                    remote.ask("place", k)
                    report = store.sync(client, progress=False, concurrency=args.concurrency)
                    full_s, fresh, pages = full_async_pull(remote, args.concurrency)
                    same = equal(store, fresh)
                    parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in report.steps.items())
                    print(
                        f"4.{n} {report.orders_new} new and {report.orders_changed} changed: {report}\n"
                        f"    steps (s): {parts}\n"
                        f"    full async pull {full_s:.2f} s ({pages} pages); ratio {full_s / report.seconds:.1f}x "
                        f"(target >= 50x); store equal to the fresh pull: {same}"
                    )
                    if not same:
                        return 1
    finally:
        remote.close()
    print(f"{load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
