"""The spread over spot as polars expressions: `catalog.spread` and `catalog.spread_ratio` over columns.

The one vectorised form of the spread, so the items frame and the prices frame compute it alike.
"""

from __future__ import annotations

import polars as pl


def spread_expr(price: str, spot: str) -> pl.Expr:
    """`catalog.spread` over columns: ``price - spot`` per row, exact on Decimal columns (null where either is)."""
    return pl.col(price) - pl.col(spot)


def spread_ratio_expr(price: str, spot: str) -> pl.Expr:
    """`catalog.spread_ratio` over columns: ``(price - spot) / spot`` as Float64; null where spot is 0 or null.

    The division is of the Float64 views (the spread and spot each rounded to a double first), so
    a value may differ from `catalog.spread_ratio`'s rounded exact quotient in its last two bits
    (a relative difference under 1e-15).
    """
    return pl.when(pl.col(spot) != 0).then(spread_expr(price, spot).cast(pl.Float64) / pl.col(spot).cast(pl.Float64))
