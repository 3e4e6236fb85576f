"""`minted-lab export`: the whole order history (or a filtered part) to Parquet or CSV files.

Credentials come from the ``MINTED_*`` environment variables, as for ``MintedClient.from_env()``;
``--sandbox`` exports from a seeded local sandbox instead. ``--store DIR`` brings an order store
up to date first (an incremental sync: only what can have changed is pulled) and writes from it,
filters applied locally, so a daily export of a large history costs a few pages. Orders and items
are written in the frames' schemas (money as exact decimals), each order once.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import polars as pl

from minted_lab._cli_client import add_client_options, open_client

FORMATS = (".parquet", ".csv")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the export's options to its sub-parser."""
    parser.add_argument("--out", type=Path, required=True, help="orders file: .parquet or .csv")
    parser.add_argument("--items", type=Path, default=None, help="also write the order items here (.parquet or .csv)")
    parser.add_argument("--start-date", help="first order date, YYYY-MM-DD (Istanbul)")
    parser.add_argument("--end-date", help="last order date, YYYY-MM-DD (Istanbul)")
    parser.add_argument("--status", help="status names or ids, comma-separated (e.g. Completed,Pending)")
    parser.add_argument("--type", dest="tx_type", help="buy, sell or delivery, comma-separated")
    parser.add_argument("--sku", help="only orders with this SKU (e.g. GAU)")
    parser.add_argument("--customer", dest="customer_external_id", help="only this customer's orders")
    parser.add_argument(
        "--store", type=Path, default=None, help="sync this order store (minted-lab sync) and export from it"
    )
    add_client_options(parser, "export")


def filters_of(args: argparse.Namespace) -> dict[str, Any]:
    """The client filters the command line asked for."""
    names = ("start_date", "end_date", "status", "tx_type", "sku", "customer_external_id")
    return {name: getattr(args, name) for name in names if getattr(args, name)}


def write(frame: pl.DataFrame, path: Path) -> None:
    """Write a frame by the path's suffix: Parquet keeps the Decimal and datetime types, CSV writes their text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)


def run(args: argparse.Namespace) -> int:
    """Pull the pages (or sync the store), build the frames, write the files; print what was written
    (never a credential)."""
    from minted_lab.errors import MintedError
    from minted_lab.history import History, pull_history, store_history

    for path in (args.out, args.items):
        if path is not None and path.suffix not in FORMATS:
            print(f"minted-lab export: {path}: expected a .parquet or .csv file", file=sys.stderr)
            return 2
    with ExitStack() as stack:
        try:
            client = open_client(args, stack)
            history: History
            if args.store is not None:
                from minted_lab.store import OrderStore

                history = store_history(OrderStore(args.store), client, **filters_of(args))
            else:
                history = pull_history(client, progress=sys.stderr.isatty(), **filters_of(args))
        except MintedError as err:
            print(f"minted-lab export: {err}", file=sys.stderr)
            return 1
        source = f"{client.environment} ({client.base_url})"
        if args.store is not None:
            source += f" via the store {args.store} ({history.pages} pages synced)"
        write(history.orders, args.out)
        print(f"{history.orders.height} orders from {source} -> {args.out}")
        if args.items is not None:
            write(history.items, args.items)
            print(f"{history.items.height} items -> {args.items}")
    return 0
