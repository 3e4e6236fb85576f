"""`minted-lab sync --store DIR`: bring an order store up to date from MINTED_* settings or a seeded sandbox."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from minted_lab._cli_client import add_client_options, open_client
from minted_lab.config import PAGES_IN_FLIGHT

DESCRIPTION = "sync the order history into a Delta Lake store (incremental after the first run)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the sync's options to its sub-parser."""
    parser.add_argument("--store", type=Path, required=True, help="the store's folder (created on the first sync)")
    parser.add_argument("--full", action="store_true", help="pull every page and make the store exactly the list")
    parser.add_argument(
        "--reversal-days",
        type=int,
        default=7,
        help="also re-read the orders of the last N days now cancelled or refunded (default 7; 0: none)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=PAGES_IN_FLIGHT, help=f"pages in flight at once (default {PAGES_IN_FLIGHT})"
    )
    parser.add_argument(
        "--wait", type=float, default=0.0, help="seconds to queue behind another sync (default: refuse)"
    )
    add_client_options(parser, "sync")
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    """Sync; print the report (never a credential). 0 when done, 1 on an API or store error, 3 when busy."""
    from minted_lab.errors import MintedError
    from minted_lab.store._store import OrderStore, StoreBusyError

    if args.concurrency < 1:
        print("minted-lab sync: --concurrency must be at least 1", file=sys.stderr)
        return 2
    if args.reversal_days < 0:
        print("minted-lab sync: --reversal-days must be 0 or more", file=sys.stderr)
        return 2
    reversals = timedelta(days=args.reversal_days) if args.reversal_days else None
    store = OrderStore(args.store)
    with ExitStack() as stack:
        try:
            client = open_client(args, stack)
            report = store.sync(
                client,
                full=args.full,
                concurrency=args.concurrency,
                progress=args.progress,
                wait=args.wait,
                reversals=reversals,
            )
        except StoreBusyError as err:
            print(f"minted-lab sync: {err}", file=sys.stderr)
            return 3
        except MintedError as err:
            print(f"minted-lab sync: {err}", file=sys.stderr)
            return 1
        print(f"{store.path}: {report}")
        print(f"from {client.environment} ({client.base_url}); table {store.table_path}")
    return 0


def sync_main(argv: list[str] | None = None) -> int:
    """`minted-lab sync` on its own: parse ``argv`` (default: the command line) and run."""
    parser = argparse.ArgumentParser(prog="minted-lab sync", description=DESCRIPTION)
    configure(parser)
    return run(parser.parse_args(argv))
