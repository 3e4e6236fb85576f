"""The client a `minted-lab` command works with: the ``MINTED_*`` settings, or a seeded local sandbox
with ``--sandbox`` (shared by ``export`` and ``sync``)."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minted_lab.client import MintedClient


def add_client_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """``--sandbox``, ``--seed`` and ``--history``; `verb` says what the command does from the sandbox."""
    parser.add_argument(
        "--sandbox", action="store_true", help=f"{verb} from a seeded local sandbox, not MINTED_BASE_URL"
    )
    parser.add_argument("--seed", type=int, default=7, help="the sandbox's seed (with --sandbox)")
    parser.add_argument("--history", type=int, default=5000, help="the sandbox's past orders (with --sandbox)")


def open_client(args: argparse.Namespace, stack: ExitStack) -> MintedClient:
    """The command's client, closed (with its sandbox, if any) when `stack` unwinds."""
    from minted_lab.client import MintedClient

    if args.sandbox:
        from minted_lab.sandbox import Sandbox

        sb = stack.enter_context(Sandbox(seed=args.seed, history=args.history))
        client: MintedClient = stack.enter_context(sb.client())
        return client
    return stack.enter_context(MintedClient.from_env())
