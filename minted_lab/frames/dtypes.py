"""The money dtypes of every frame, importable on their own: this module imports polars and nothing else.

`minted_lab.frames` imports its builders lazily, so ``from minted_lab.frames.dtypes import MONEY``
loads no decoder, schema or time parser: the money path (tickets, the ledger) can type its own
frames the way the frames module does.
"""

from __future__ import annotations

import polars as pl

__all__ = ["GRAMS", "MONEY", "RATE"]

MONEY = pl.Decimal(38, 4)
"""Prices, totals, taxes and spreads: the API writes 2 decimals (spot up to 4)."""
GRAMS = pl.Decimal(38, 4)
"""Metal amounts and wallet balances: buys and balances carry up to 4 decimals."""
RATE = pl.Decimal(38, 12)
"""`currency_rate` (GBP per unit of the order currency) and `tax_rate`."""
