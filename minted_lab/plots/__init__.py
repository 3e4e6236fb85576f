"""matplotlib figures over the frames: price, spread over spot, order totals, holdings, P&L, spread cost.

Each function takes a frame, an optional `ax=` (else a new figure) and `environment=` (a discreet
tag such as "SANDBOX"), draws in the house style (`house_style()`, applied as an rc context, never
to the global rcParams), labels its units, and returns the Axes. Long series are downsampled per
pixel with `downsample_minmax` before drawing.

Orders and items count only when executed: each function takes `statuses=`, a collection of
status names, by default `catalog.EXECUTED_STATUSES` (a cancelled or refunded order moved no
money), or None for every status; the note under the title names the statuses counted. The
totals hatch a partial first or last week or month (`partial_periods`); the spread's smoothing
is one window of time for every SKU, stated on the plot.

    >>> from minted_lab.plots import plot_spread
    >>> ax = plot_spread(items, sku="GAU", environment="SANDBOX")
"""

from minted_lab.plots._downsample import downsample_minmax
from minted_lab.plots._holdings import plot_holdings, plot_pnl, plot_spread_cost
from minted_lab.plots._prices import plot_price, plot_spread
from minted_lab.plots._style import CURRENCY_COLOURS, METAL_COLOURS, SIDE_COLOURS, house_style
from minted_lab.plots._totals import partial_periods, plot_order_totals, totals_table

__all__ = [
    "CURRENCY_COLOURS",
    "METAL_COLOURS",
    "SIDE_COLOURS",
    "downsample_minmax",
    "house_style",
    "partial_periods",
    "plot_holdings",
    "plot_pnl",
    "plot_spread_cost",
    "plot_order_totals",
    "plot_price",
    "plot_spread",
    "totals_table",
]
