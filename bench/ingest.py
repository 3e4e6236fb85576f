"""Ingest benchmark: order-list page bytes to frames, against pandas, orjson, pyarrow and DuckDB.

    .venv/bin/python bench/ingest.py --n 100000
    .venv/bin/python bench/ingest.py --n 1000000

Generates the list endpoint's page bodies for N orders (bench/_gen_pages.py), writes them to a
temporary file, then runs each path in a fresh subprocess that loads the pages, resets the
kernel's peak-RSS mark (/proc/self/clear_refs), converts, and reports the median wall time and
the peak resident memory the conversion added (VmHWM after minus VmRSS before; polars allocates
natively, so tracemalloc would not see it). Paths:

  a  minted_lab.frames.order_frames(pages): orders + items frames, dates parsed, Decimal money, spreads
  b  json.loads per page + pandas.json_normalize (orders and items) + pd.to_datetime, float money
  c  [orjson.loads(p) for p in pages]: the floor for any path through Python objects (GC on, as users run it)
  c0 the same with the garbage collector disabled, for reference
  d  pyarrow.json.read_json with an explicit schema (decimal128 money, exact), then orders + items
     tables (list_flatten, parent indices), order_at parsed as Istanbul time, spreads: what a user
     who reaches for Arrow writes
  e  DuckDB read_json over the same file with DECIMAL(38, 4) columns (exact), orders and items by
     unnest, order_at as TIMESTAMPTZ, spreads, both results fetched as Arrow tables
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATHS = ("a", "b", "c", "c0", "d", "e")
FILE: Path | None = None
"""The pages file, for the paths that read it themselves (DuckDB)."""


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _path_a(pages: list[bytes]) -> object:
    from minted_lab.frames import order_frames

    return order_frames(pages)


def _path_b(pages: list[bytes]) -> object:
    import pandas as pd

    orders = [order for page in pages for order in json.loads(page)["data"]["data"]]
    frame = pd.json_normalize(orders)
    items = pd.json_normalize(
        orders, record_path="items", meta=["guid", "order_code", "type", "currency_code", "order_at", "status_name"]
    )
    for df in (frame, items):
        df["order_at"] = pd.to_datetime(df["order_at"], format="%d-%m-%Y %H:%M").dt.tz_localize("Europe/Istanbul")
    items["spread"] = items["price"] - items["spot_price"]
    items["spread_ratio"] = items["spread"] / items["spot_price"]
    return frame, items


def _path_c(pages: list[bytes]) -> object:
    import orjson

    return [orjson.loads(page) for page in pages]


def _path_c0(pages: list[bytes]) -> object:
    gc.disable()
    try:
        return _path_c(pages)
    finally:
        gc.enable()


def _arrow_schema() -> object:
    import pyarrow as pa

    money, rate = pa.decimal128(38, 4), pa.decimal128(38, 12)
    item = pa.struct(
        [
            ("sku", pa.string()),
            ("product_id", pa.int64()),
            ("product_name", pa.string()),
            ("spot_price", money),
            ("price", money),
            ("tax_rate", rate),
            ("tax", money),
            ("amount", money),
            ("total", money),
        ]
    )
    order = pa.struct(
        [
            ("guid", pa.string()),
            ("order_code", pa.string()),
            ("external_id", pa.string()),
            ("type", pa.string()),
            ("price", money),
            ("tax", money),
            ("total", money),
            ("currency_code", pa.string()),
            ("currency_rate", rate),
            ("currency_total", money),
            ("status_id", pa.int64()),
            ("status_name", pa.string()),
            ("order_at", pa.string()),
            ("customer", pa.struct([("external_id", pa.string())])),
            ("items", pa.list_(item)),
        ]
    )
    return pa.schema([("data", pa.struct([("data", pa.list_(order))]))])


def _path_d(pages: list[bytes]) -> object:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    options = pj.ParseOptions(explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore")
    table = pj.read_json(pa.BufferReader(b"\n".join(pages)), parse_options=options)
    orders = pc.list_flatten(pc.struct_field(table.column("data"), "data")).combine_chunks()
    at = pc.assume_timezone(pc.strptime(pc.struct_field(orders, "order_at"), "%d-%m-%Y %H:%M", "us"), "Europe/Istanbul")
    names = ["guid", "order_code", "external_id", "type", "price", "tax", "total", "currency_code", "currency_rate"]
    columns = {name: pc.struct_field(orders, name) for name in [*names, "currency_total", "status_id", "status_name"]}
    columns["order_at"] = at
    columns["customer_external_id"] = pc.struct_field(orders, ["customer", "external_id"])
    order_table = pa.table(columns)
    lists = pc.struct_field(orders, "items")
    parent = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    starts = pc.take(lists.offsets, parent)
    line = pc.subtract(pa.array(range(len(flat)), pa.int64()), starts.cast(pa.int64()))
    item_columns = {key: pc.take(order_table.column(key), parent) for key in ("guid", "order_code", "type", "order_at")}
    item_columns["line"] = line
    for name in ("sku", "product_id", "product_name", "amount", "spot_price", "price", "tax_rate", "tax", "total"):
        item_columns[name] = pc.struct_field(flat, name)
    narrow = pa.decimal128(37, 4)  # decimal128(38) - decimal128(38) would need 39 digits
    spread = pc.subtract(item_columns["price"].cast(narrow), item_columns["spot_price"].cast(narrow))
    item_columns["spread"] = spread
    item_columns["spread_ratio"] = pc.divide(spread.cast(pa.float64()), item_columns["spot_price"].cast(pa.float64()))
    return order_table, pa.table(item_columns)


def _duckdb_columns() -> str:
    money = "DECIMAL(38, 4)"
    item = (
        f"STRUCT(sku VARCHAR, product_id BIGINT, product_name VARCHAR, spot_price {money}, price {money}, "
        f"tax_rate DECIMAL(38, 12), tax {money}, amount {money}, total {money})"
    )
    order = (
        f"STRUCT(guid VARCHAR, order_code VARCHAR, external_id VARCHAR, type VARCHAR, price {money}, tax {money}, "
        f"total {money}, currency_code VARCHAR, currency_rate DECIMAL(38, 12), currency_total {money}, "
        f"status_id BIGINT, status_name VARCHAR, order_at VARCHAR, customer STRUCT(external_id VARCHAR), "
        f"items {item}[])"
    )
    return "{'data': 'STRUCT(data " + order + "[])'}"


def _path_e(pages: list[bytes]) -> object:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""CREATE TEMP TABLE o AS
        SELECT unnest(data.data, recursive := false) AS o
        FROM read_json('{FILE}', format = 'newline_delimited', columns = {_duckdb_columns()}, maximum_object_size = 67108864)"""
    )
    orders = con.sql(
        """SELECT o.guid, o.order_code, o.external_id, o.type, o.price, o.tax, o.total, o.currency_code,
                  o.currency_rate, o.currency_total, o.status_id, o.status_name,
                  timezone('Europe/Istanbul', strptime(o.order_at, '%d-%m-%Y %H:%M')) AS order_at,
                  o.customer.external_id AS customer_external_id
           FROM o"""
    ).fetch_arrow_table()
    items = con.sql(
        """SELECT guid, order_code, type, order_at, line - 1 AS line, i.sku, i.product_id, i.product_name, i.amount,
                  i.spot_price, i.price, i.tax_rate, i.tax, i.total, i.price - i.spot_price AS spread,
                  (i.price - i.spot_price)::DOUBLE / nullif(i.spot_price, 0)::DOUBLE AS spread_ratio
           FROM (SELECT o.guid, o.order_code, o.type,
                        timezone('Europe/Istanbul', strptime(o.order_at, '%d-%m-%Y %H:%M')) AS order_at,
                        unnest(o.items) AS i, generate_subscripts(o.items, 1) AS line
                 FROM o)"""
    ).fetch_arrow_table()
    con.close()
    return orders, items


def _check_arrow(result: object, expected: dict[str, int]) -> None:
    import pyarrow.compute as pc

    orders, items = result  # type: ignore[misc]
    assert orders.num_rows == expected["orders"] and items.num_rows == expected["items"]
    assert pc.sum(orders.column("total")).as_py() * 100 == expected["total_e2"], "order totals are not exact"
    assert pc.sum(orders.column("currency_total")).as_py() * 100 == expected["currency_total_e2"]
    assert pc.sum(items.column("amount")).as_py() * 10_000 == expected["amount_e4"], "amounts are not exact"
    assert pc.sum(items.column("spread")).as_py() * 10_000 == expected["spread_e4"], "spreads are not exact"
    assert orders.column("order_at").null_count == 0


def _check_a(result: object, expected: dict[str, int]) -> None:
    orders, items = result  # type: ignore[misc]
    assert orders.height == expected["orders"] and items.height == expected["items"]
    assert orders["total"].sum() * 100 == expected["total_e2"], "order totals are not exact"
    assert orders["currency_total"].sum() * 100 == expected["currency_total_e2"], "GBP totals are not exact"
    assert items["amount"].sum() * 10_000 == expected["amount_e4"], "amounts are not exact"
    assert items["spread"].sum() * 10_000 == expected["spread_e4"], "spreads are not exact"
    assert orders["order_at"].null_count() == 0


def worker(path: str, file: Path, repeats: int, expected: dict[str, int]) -> None:
    """Run one path `repeats` times on the pages in `file`; print a JSON line with times and memory."""
    global FILE
    FILE = file
    pages = file.read_bytes().split(b"\n")
    fn: Callable[[list[bytes]], object] = globals()[f"_path_{path}"]
    __import__({"a": "minted_lab.frames", "b": "pandas", "d": "pyarrow.json", "e": "duckdb"}.get(path, "orjson"))
    fn(pages[:2])
    gc.collect()
    before = _status_kb("VmRSS")
    exact = _reset_peak()
    times = []
    peak_added = None
    for i in range(repeats):
        t = time.perf_counter()
        result = fn(pages)
        times.append(time.perf_counter() - t)
        if i == 0:
            peak_added = (_status_kb("VmHWM") - before) * 1024 if exact else None
            if path == "a":
                _check_a(result, expected)
            elif path in ("d", "e"):
                _check_arrow(result, expected)
        del result
        gc.collect()
    print(json.dumps({"path": path, "times": times, "peak_added": peak_added}))


def _run(path: str, file: Path, repeats: int, expected: dict[str, int]) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            path,
            "--file",
            str(file),
            "--repeats",
            str(repeats),
            "--expected",
            json.dumps(expected),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate N orders' pages, time paths a, b, c, c0 in fresh subprocesses, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="number of orders")
    parser.add_argument("--per-page", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=None, help="runs per path (default 3, or 2 from 500k orders)")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--worker", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--expected", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.file, args.repeats, json.loads(args.expected))
        return

    sys.path.insert(0, str(HERE))
    from _gen_pages import generate

    t = time.perf_counter()
    pages, expected = generate(args.n, per_page=args.per_page)
    gen_s = time.perf_counter() - t
    size = sum(map(len, pages))
    assert all(b"\n" not in p for p in pages)
    repeats = args.repeats or (3 if args.n < 500_000 else 2)
    print(
        f"{args.n:,} orders, {expected['items']:,} items, {len(pages):,} pages of {args.per_page}, "
        f"{size / 1e6:,.0f} MB of JSON, generated in {gen_s:.1f} s; {os.cpu_count()} CPUs; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "pages.ndjson"
        file.write_bytes(b"\n".join(pages))
        del pages
        results = {}
        for path in args.paths.split(","):
            runs = 1 if path == "b" and args.n >= 500_000 else repeats
            results[path] = _run(path, file, runs, expected)
            print(f"  ran {path}: {', '.join(f'{x:.2f}' for x in results[path]['times'])} s", flush=True)

    labels = {
        "a": "a  minted_lab order_frames (bytes -> orders+items, Decimal, dates, spreads)",
        "b": "b  json.loads + pandas.json_normalize + to_datetime (float money)",
        "c": "c  orjson.loads per page alone (GC on)",
        "c0": "c0 orjson.loads per page alone (GC off)",
        "d": "d  pyarrow.json.read_json, decimal128 schema -> orders + items tables (exact)",
        "e": "e  DuckDB read_json, DECIMAL columns -> orders + items via unnest, to Arrow (exact)",
    }
    print("\n| path | median s | runs | peak RSS added | x JSON size |\n|---|---:|---:|---:|---:|")
    med = {}
    for path, r in results.items():
        med[path] = statistics.median(r["times"])  # type: ignore[arg-type]
        peak = r["peak_added"]
        mem = f"{peak / 1e6:,.0f} MB" if peak is not None else "n/a"
        ratio = f"{peak / size:.2f}" if peak is not None else "n/a"
        print(f"| {labels[path]} | {med[path]:.2f} | {len(r['times'])} | {mem} | {ratio} |")  # type: ignore[arg-type]
    print()
    if "a" in med and "c" in med:
        print(f"a/c  = {med['a'] / med['c']:.2f}   (target <= 0.5)")
    if "a" in med and "c0" in med:
        print(f"a/c0 = {med['a'] / med['c0']:.2f}   (orjson with GC off, for reference)")
    if "a" in med and "b" in med:
        print(f"b/a  = {med['b'] / med['a']:.1f}   (target >= 15 at 1M orders, >= 8 at 100k)")
    for peer in ("d", "e"):
        if "a" in med and peer in med:
            print(
                f"{peer}/a  = {med[peer] / med['a']:.2f}   (above 1: minted_lab is faster than {labels[peer][3:].split(',')[0]})"
            )


if __name__ == "__main__":
    main()
