"""`minted-lab`: the command line. Each subcommand lives in its own module and is imported lazily."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand -> (module with ``configure(parser)`` and ``run(args) -> int``, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("minted_lab.sandbox.cli", "serve the local Minted Connect emulator in the foreground"),
    "demo": ("minted_lab.demo", "run the demo against a seeded sandbox and write reports/"),
    "export": ("minted_lab.export", "write the order history (orders and items) to Parquet or CSV"),
    "sync": ("minted_lab.store", "sync the order history into a local Delta Lake store (incremental after the first)"),
    "lab": ("minted_lab.lab", "open the notebooks in JupyterLab on 127.0.0.1 (prints the URL with its token)"),
    "conformance": (
        "minted_lab.conformance.cli",
        "check an API (staging, or a sandbox) against the docs and our contract, read-only unless --trade",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The full parser; subcommand modules add their own options."""
    parser = argparse.ArgumentParser(prog="minted-lab", description="Minted Connect Partner API toolkit.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).configure(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
