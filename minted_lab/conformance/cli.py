"""``minted-lab conformance``: the check a partner runs the day staging credentials arrive.

Against the API of ``MINTED_*`` (``MintedClient.from_env()``) by default, or a seeded local sandbox
(``--sandbox``, ``--sandbox-profile NAME``). Read-only unless ``--trade``: then one minimal round
trip (buy 1 g, sell it back) through the ledger, never in production, and only with ``--yes``
unless the sandbox is the run's own (``--sandbox``).

Exit status: 0 everything passes (or is skipped with a reason), 1 something differs or is
unreachable, 2 the run could not happen (no settings, no answer, credentials refused, a refused
``--trade``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from minted_lab.catalog import CURRENCIES, DIGITAL_SKUS

__all__ = ["configure", "run"]

PROG = "minted-lab conformance"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the conformance options to its sub-parser."""
    where = parser.add_argument_group("where")
    where.add_argument(
        "--sandbox", action="store_true", help="check a seeded local sandbox instead of the MINTED_* environment"
    )
    where.add_argument(
        "--sandbox-profile",
        metavar="NAME",
        default=None,
        help="the sandbox's profile: default, or documented (answers as the documented examples do); implies --sandbox",
    )
    where.add_argument("--seed", type=int, default=7, help="the sandbox's seed (default 7)")
    where.add_argument("--history", type=int, default=80, help="the sandbox's past orders (default 80)")
    what = parser.add_argument_group("what")
    what.add_argument("--order-id", default=None, help="an order to look up (default: the first in the order list)")
    what.add_argument(
        "--customer",
        default=None,
        help="a customer external id for the balance and customer checks (default: found in the orders)",
    )
    what.add_argument(
        "--max-pages", type=int, default=20, help="pages of 30 orders read for the paginator checks (default 20)"
    )
    trade = parser.add_argument_group("trading (places two real orders)")
    trade.add_argument(
        "--trade",
        action="store_true",
        help="also buy the smallest amount and sell it back, once each through the ledger (never in production)",
    )
    trade.add_argument("--yes", action="store_true", help="confirm --trade (not needed with --sandbox)")
    trade.add_argument(
        "--trade-sku", choices=DIGITAL_SKUS, default="GAG", help="the SKU of the round trip (default GAG, 1 g)"
    )
    trade.add_argument(
        "--trade-currency", choices=CURRENCIES, default="GBP", help="the round trip's currency (default GBP)"
    )
    out = parser.add_argument_group("output")
    out.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the rows as a JSON list")
    out.add_argument(
        "--record", type=Path, default=None, metavar="DIR", help="save every answer, masked, to DIR (to send back)"
    )
    out.add_argument("--wide", action="store_true", help="do not shorten the table's expected and observed cells")


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Run the checks, print the table, write what was asked; the exit status as documented above."""
    from minted_lab.client import MintedClient
    from minted_lab.conformance.context import Options
    from minted_lab.conformance.mask import Masker
    from minted_lab.conformance.probe import RecordingTransport
    from minted_lab.conformance.record import Recorder
    from minted_lab.conformance.report import render, write_json
    from minted_lab.conformance.runner import CouldNotRun, Session, run_checks
    from minted_lab.errors import MintedError

    if args.max_pages < 1:
        return _fail("--max-pages must be at least 1")
    masker = Masker()
    session = Session(masker, Recorder(args.record, masker) if args.record else None)
    meta: dict[str, Any] = {}
    customer = args.customer
    with ExitStack() as stack:
        try:
            if args.sandbox or args.sandbox_profile:
                sb = stack.enter_context(_sandbox(args))
                client: MintedClient = stack.enter_context(sb.client(transport=RecordingTransport(session.sink)))
                meta["sandbox_profile"] = args.sandbox_profile or "default"
                if customer is None and sb.customers():
                    customer = sb.customers()[0]
            else:
                client = stack.enter_context(MintedClient.from_env(transport=RecordingTransport(session.sink)))
        except _NoProfileError as exc:
            return _fail(str(exc))
        except (MintedError, ValueError, OSError, RuntimeError) as exc:
            return _fail(f"could not run: {exc}")
        own_sandbox = bool(args.sandbox or args.sandbox_profile)
        if args.trade:
            refusal = _trade_refusal(client.environment, args.yes, own_sandbox)
            if refusal:
                return _fail(refusal)
        options = Options(
            order_id=args.order_id,
            customer_id=customer,
            max_pages=args.max_pages,
            trade=args.trade,
            trade_sku=args.trade_sku,
            trade_currency=args.trade_currency,
        )

        made: list[Any] = []

        def trader() -> Any:
            from minted_lab.conformance.trade import Trader
            from minted_lab.ledger import Ledger

            if own_sandbox:
                directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="minted-conformance-"))
                ledger = stack.enter_context(Ledger.for_client(client, directory=directory))
            else:
                ledger = stack.enter_context(Ledger.for_client(client))
            made.append(Trader(client, ledger, masker, sku=options.trade_sku, currency=options.trade_currency))
            return made[0]

        try:
            report = run_checks(client.settings, options, session, trader=trader, meta=meta)
        except CouldNotRun as exc:
            return _fail(f"could not run: {masker.scrub(str(exc))}")
    print(render(report, wide=args.wide))
    _warn_leftovers(made)
    if args.json is not None:
        write_json(args.json, report.rows)
        print(f"\nrows -> {args.json}")
    if session.recorder is not None:
        written = session.recorder.write(report.meta, report.rows)
        print(f"{len(written) - 2} answers, masked -> {args.record}/ (with index.json and conformance.json)")
    return report.exit_code


def _warn_leftovers(traders: list[Any]) -> None:
    from minted_lab.conformance.trade import leftovers

    for made in traders:
        if made.trip is not None:
            for note in leftovers(made.trip):
                print(f"{PROG}: warning: {note}", file=sys.stderr)


def _trade_refusal(environment: str, confirmed: bool, own_sandbox: bool) -> str | None:
    """Why --trade may not run here: never in production; elsewhere only with --yes, unless the sandbox
    is this run's own (a loopback MINTED_BASE_URL may be a tunnel to a real API)."""
    if environment == "production":
        return "--trade is refused in production: it places real orders (run it against staging or a sandbox)"
    if not own_sandbox and not confirmed:
        return (
            f"--trade places two real orders on {environment} (buy the smallest amount, sell it back); "
            "add --yes to confirm"
        )
    return None


class _NoProfileError(Exception):
    """The sandbox has no such profile (or no profiles yet)."""


def _sandbox(args: argparse.Namespace) -> Any:
    from minted_lab.sandbox import Sandbox

    kwargs: dict[str, Any] = {"seed": args.seed, "history": max(0, args.history)}
    if args.sandbox_profile:
        kwargs["profile"] = args.sandbox_profile
    try:
        return Sandbox(**kwargs)
    except TypeError as exc:
        if args.sandbox_profile:
            raise _NoProfileError(f"this sandbox has no profiles yet (Sandbox(profile=...) refused: {exc})") from None
        raise
    except ValueError as exc:
        if args.sandbox_profile:
            raise _NoProfileError(f"--sandbox-profile {args.sandbox_profile}: {exc}") from None
        raise
