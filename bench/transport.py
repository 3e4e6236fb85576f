"""Transport benchmark: the async client's CPU per order page, on httpx's plain transport and on ours.

    .venv/bin/python bench/transport.py                    # 20,000 orders, 5 rounds, 8 pages in flight
    .venv/bin/python bench/transport.py --rounds 9 --concurrency 4

The sandbox runs in a child process and is warmed by one pull first. Each round then pulls every page
with `AsyncMintedClient.all_pages` twice, once over ``httpx.AsyncHTTPTransport()`` (the baseline) and
once over `minted_lab._transport.async_transport()` (the default), in alternating order, and times
the client's own CPU per page (``time.process_time``: what the pool's bookkeeping costs, less
disturbed by the server's process sharing the machine than wall time). Prints the medians and their
ratio, and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from sync import Remote, load  # noqa: E402

from minted_lab import AsyncMintedClient  # noqa: E402
from minted_lab._transport import async_transport  # noqa: E402
from minted_lab.config import PAGES_IN_FLIGHT  # noqa: E402


def pull(remote: Remote, transport: Callable[[], httpx.AsyncBaseTransport], concurrency: int) -> tuple[float, float]:
    """(CPU ms per page, wall ms per page) of one full pull over a fresh client on `transport()`."""

    async def run() -> int:
        async with AsyncMintedClient(
            remote.url, remote.username, remote.password, environment="sandbox", transport=transport()
        ) as client:
            return len(await client.all_pages(progress=False, concurrency=concurrency))

    wall, cpu = time.perf_counter(), time.process_time()
    pages = asyncio.run(run())
    return (time.process_time() - cpu) / pages * 1000, (time.perf_counter() - wall) / pages * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=PAGES_IN_FLIGHT)
    args = parser.parse_args()

    print(f"{load()} at start")
    remote = Remote(7, args.orders)
    try:
        pull(remote, async_transport, args.concurrency)
        paths: dict[str, Callable[[], httpx.AsyncBaseTransport]] = {
            "httpx.AsyncHTTPTransport()": httpx.AsyncHTTPTransport,
            "async_transport() (ours)": async_transport,
        }
        cpu: dict[str, list[float]] = {name: [] for name in paths}
        wall: dict[str, list[float]] = {name: [] for name in paths}
        for n in range(args.rounds):
            order = list(paths) if n % 2 == 0 else list(reversed(paths))
            for name in order:
                c, w = pull(remote, paths[name], args.concurrency)
                cpu[name].append(c)
                wall[name].append(w)
        for name in paths:
            print(
                f"{name:28} CPU {statistics.median(cpu[name]):.2f} ms/page (min {min(cpu[name]):.2f}), "
                f"wall {statistics.median(wall[name]):.2f} ms/page, {args.concurrency} in flight"
            )
        base, ours = (statistics.median(cpu[name]) for name in paths)
        print(f"ratio baseline / ours, CPU per page: {base / ours:.2f}x")
    finally:
        remote.close()
    print(f"{load()} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
