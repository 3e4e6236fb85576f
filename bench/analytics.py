"""Analytics benchmark: holdings (moving average cost, realised and unrealised P&L), spread cost and
customers over a generated history.

    .venv/bin/python bench/analytics.py                 # 1,000,000 orders (about 1.5M items)
    .venv/bin/python bench/analytics.py --n 100000 --repeats 5

Generates the order list's pages (bench/_gen_pages.py: 5,000 customers plus the partner, six SKUs,
four currencies, three years, 90 % Completed), builds the frames once, then times each call
`--repeats` times (best and median). `holdings` is timed twice: as a user calls it on the frames
(`orders=` joins each item's customer and rate in by guid) and on items that already carry those
two columns (what a frames path giving them per item would cost). Target: holdings <= 1 s at 1M.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import polars as pl  # noqa: E402

from minted_lab.frames import order_frames  # noqa: E402
from minted_lab.frames._holdings import customers, holdings, spread_cost  # noqa: E402

PRICES = {"GAU": Decimal("63.10"), "GAG": Decimal("0.77"), "GPT": Decimal("24.80"), "GPD": Decimal("26.00")}


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="orders")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from _gen_pages import generate

    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f}, {five:.2f} before; {os.cpu_count()} CPUs")
    started = time.perf_counter()
    pages, _ = generate(args.n)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    orders, items = order_frames(pages)
    built = time.perf_counter() - started
    del pages
    print(f"{orders.height:,} orders, {items.height:,} items: generated in {generated:.1f} s, frames in {built:.1f} s")
    joined = items.join(
        orders.select("guid", "customer_external_id", "currency_rate"), on="guid", how="left", maintain_order="left"
    )
    holdings(joined.head(1000))  # warm up (imports, first literals)

    rows = []
    for name, fn in (
        ("holdings(items, prices, orders=orders)", lambda: holdings(items, PRICES, orders=orders)),
        ("holdings(items with customer and rate, prices)", lambda: holdings(joined, PRICES)),
        ("spread_cost(items, orders=orders)", lambda: spread_cost(items, orders=orders)),
        ("customers(orders, items)", lambda: customers(orders, items)),
    ):
        times, result = timed(fn, args.repeats)
        rows.append((name, min(times), statistics.median(times), result.height))
        print(f"  {name}: {', '.join(f'{t:.2f}' for t in times)} s -> {result.height:,} rows", flush=True)
    h = holdings(joined, PRICES)
    check = h.group_by("customer_external_id", "sku").agg(
        pl.col("held").last(), pl.col("bought", "sold", "delivered").sum()
    )
    assert check.filter(pl.col("held") != pl.col("bought") - pl.col("sold") - pl.col("delivered")).is_empty()
    print("\n| call | best s | median s | rows out |\n|---|---:|---:|---:|")
    for name, best, median, height in rows:
        print(f"| {name} | {best:.2f} | {median:.2f} | {height:,} |")
    one, five, _ = os.getloadavg()
    print(f"\nload average {one:.2f}, {five:.2f} after; holdings target <= 1 s at 1M orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
