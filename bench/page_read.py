"""Client-side cost of reading order pages into frames: the lazy page (one decode, in polars) against
the eager page (an exact Python decode and a model per order, then polars again), in one run.

    .venv/bin/python bench/page_read.py [--history 5000] [--repeats 3]

The page bytes are taken once from a seeded sandbox (30 orders a page, oldest first), then read
in-process without HTTP, so only the client's work is timed: the answer's JSON decode, the page
model, and `frames.order_frames` over all the pages. Prints ms per page for both and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minted_lab._parse import loads, loads_structure
from minted_lab.frames import order_frames
from minted_lab.models import OrderPage, ParseContext
from minted_lab.sandbox import Sandbox


def page_bytes(history: int) -> list[bytes]:
    """Every page of a seeded sandbox's order list, as the API sent it."""
    with Sandbox(seed=7, history=history) as sb, sb.client() as client:
        return [page.content for page in client.iter_pages()]


def eager(contents: list[bytes]) -> Any:
    """The old bulk path: exact decode, a model per order, then the frames from the bytes."""
    pages = [OrderPage.from_api(loads(c)["data"], ParseContext(content=c)) for c in contents]
    return order_frames(pages)


def lazy(contents: list[bytes]) -> Any:
    """The bulk path now: the paginator by the C scanner, the orders once, by polars."""
    pages = [OrderPage.from_paginator(loads_structure(c)["data"], ParseContext(content=c)) for c in contents]
    return order_frames(pages)


def best(fn: Callable[[list[bytes]], Any], contents: list[bytes], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn(contents)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    contents = page_bytes(args.history)
    assert eager(contents).orders.equals(lazy(contents).orders), "both paths give the same frames"
    one, five, _ = os.getloadavg()
    print(
        f"{len(contents)} pages ({args.history} orders, {sum(map(len, contents)) / 1e6:.1f} MB); load {one:.2f}, {five:.2f}"
    )
    results = {}
    for name, fn in (("eager (models, then polars)", eager), ("lazy (polars only)", lazy)):
        low, mid = best(fn, contents, args.repeats)
        results[name] = low
        print(f"  {name:<28} {low * 1000 / len(contents):6.2f} ms/page best, {mid * 1000 / len(contents):6.2f} median")
    ratio = results["eager (models, then polars)"] / results["lazy (polars only)"]
    print(f"  lazy is {ratio:.1f}x faster per page on the client")


if __name__ == "__main__":
    main()
