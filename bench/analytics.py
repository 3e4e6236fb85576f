"""Analytics benchmark: holdings (moving average cost, realised and unrealised P&L), spread cost and
customers over a generated history, against the previous implementation.

    .venv/bin/python bench/analytics.py                 # 1,000,000 orders (about 1.5M items)
    .venv/bin/python bench/analytics.py --n 100000 --repeats 5
    .venv/bin/python bench/analytics.py --baseline none # ours only

Generates the order list's pages (bench/_gen_pages.py: 5,000 customers plus the partner, six SKUs,
four currencies, three years, 90 % Completed), builds the frames once, then times each call
`--repeats` times (best and median). `holdings` is timed twice: as a user calls it on the frames
(`orders=` joins each item's customer and rate in by guid) and on items that already carry those
two columns (what a frames path giving them per item would cost). Target: holdings <= 1 s at 1M.

The baseline is `minted_lab/frames/_holdings.py` as it was at `--baseline` (a commit; by default the
one before the integer ledger), read with `git show` and timed the same way, in the same process,
call after call with ours; each call's result must equal the baseline's exactly.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import polars as pl  # noqa: E402

from minted_lab.frames import _holdings, order_frames  # noqa: E402

PRICES = {"GAU": Decimal("63.10"), "GAG": Decimal("0.77"), "GPT": Decimal("24.80"), "GPD": Decimal("26.00")}
BASELINE = "a23e468224cf9f1c8c1c1ceabcfb89e6c9cb3ff1"
"""The last commit of the previous holdings (a Python loop over Int128 runs, lazy queries on the default engine)."""
TARGET = 1.0


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Wall times of `repeats` calls of `fn`, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def baseline(commit: str) -> types.ModuleType | None:
    """`minted_lab.frames._holdings` as it was at `commit`, loaded as a module of its own (None if git cannot show it)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{commit}:minted_lab/frames/_holdings.py"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"baseline {commit[:10]} unavailable ({error}): timing ours only")
        return None
    module = types.ModuleType("holdings_baseline")
    exec(compile(source, f"{commit[:10]}:minted_lab/frames/_holdings.py", "exec"), module.__dict__)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="orders")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="commit of the previous implementation, or 'none'")
    args = parser.parse_args()

    from _gen_pages import generate

    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f}, {five:.2f} before; {os.cpu_count()} CPUs; polars {pl.__version__}")
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
    old = None if args.baseline == "none" else baseline(args.baseline)
    for module in (_holdings, old):
        if module is not None:
            module.holdings(joined.head(1000))  # warm up (imports, first literals)

    def calls(m: types.ModuleType) -> list[tuple[str, Callable[[], pl.DataFrame]]]:
        return [
            ("holdings(items, prices, orders=orders)", lambda: m.holdings(items, PRICES, orders=orders)),
            ("holdings(items with customer and rate, prices)", lambda: m.holdings(joined, PRICES)),
            ("spread_cost(items, orders=orders)", lambda: m.spread_cost(items, orders=orders)),
            ("customers(orders, items)", lambda: m.customers(orders, items)),
        ]

    rows = []
    for index, (name, fn) in enumerate(calls(_holdings)):
        times, result = timed(fn, args.repeats)
        line = f"  {name}: {', '.join(f'{t:.2f}' for t in times)} s -> {result.height:,} rows"
        before: list[float] = []
        if old is not None:
            before, expected = timed(calls(old)[index][1], args.repeats)
            if not result.equals(expected):
                raise AssertionError(f"{name}: the result differs from the baseline's")
            line += f"; baseline {', '.join(f'{t:.2f}' for t in before)} s, same result"
        rows.append((name, times, before, result.height))
        print(line, flush=True)
    h = _holdings.holdings(joined, PRICES)
    check = h.group_by("customer_external_id", "sku").agg(
        pl.col("held").last(), pl.col("bought", "sold", "delivered").sum()
    )
    assert check.filter(pl.col("held") != pl.col("bought") - pl.col("sold") - pl.col("delivered")).is_empty()

    print("\n| call | best s | median s | baseline best s | baseline median s | speed-up (best) | rows out |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, times, before, height in rows:
        then = (
            f"{min(before):.2f} | {statistics.median(before):.2f} | {min(before) / min(times):.1f}x"
            if before
            else "- | - | -"
        )
        print(f"| {name} | {min(times):.2f} | {statistics.median(times):.2f} | {then} | {height:,} |")
    one, five, _ = os.getloadavg()
    best = max(min(times) for name, times, _, _ in rows if name.startswith("holdings"))
    print(f"\nload average {one:.2f}, {five:.2f} after")
    if args.n == 1_000_000:
        verdict = "met" if best <= TARGET else "not met"
        print(f"holdings target <= {TARGET:g} s at 1M orders: {verdict} (slower variant's best {best:.2f} s)")
    else:
        print(
            f"holdings target <= {TARGET:g} s at 1M orders (this run: {args.n:,} orders, slower variant's best {best:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
