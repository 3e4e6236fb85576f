"""The house style in one place: colours, rc settings applied through a context, axes finishing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.rcsetup import cycler

from minted_lab.catalog import SKUS
from minted_lab.plots._axes import figure_of

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

INK = "#808080"
"""Text, ticks and spines: mid grey reads on white and on dark notebook themes alike."""
GRID = (0.5, 0.5, 0.5, 0.18)

METAL_COLOURS: dict[str, str] = {code: sku.colour for code, sku in SKUS.items()}
"""Each SKU's plot colour, from `catalog.SKUS` and in its order (the "B" variants a shade darker)."""

SIDE_COLOURS: dict[str, str] = {"spot": INK, "buy": "#0072B2", "sell": "#D55E00", "Buy": "#0072B2", "Sell": "#D55E00"}
"""Okabe-Ito blue for buys, vermillion for sells: distinct for the common colour-vision deficiencies."""

CURRENCY_COLOURS: dict[str, str] = {"GBP": "#009E73", "TRY": "#CC79A7", "USD": "#56B4E9", "EUR": "#E69F00"}

CYCLE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
"""Okabe-Ito, for anything without a colour of its own."""

RC: dict[RcKeyType, Any] = {
    "figure.figsize": (9.0, 4.2),
    "figure.dpi": 100,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.prop_cycle": cycler(color=CYCLE),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "text.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "legend.labelcolor": INK,
    "lines.linewidth": 1.4,
}


def colour(key: str, index: int = 0) -> str:
    """The house colour of a SKU, side (buy/sell/spot), type or currency; else the cycle's `index`th."""
    for table in (METAL_COLOURS, SIDE_COLOURS, CURRENCY_COLOURS):
        if key in table:
            return table[key]
    return CYCLE[index % len(CYCLE)]


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rc settings for the duration of a block (global rcParams are left alone)."""
    with mpl.rc_context(RC):
        yield


def new_axes() -> Axes:
    """A fresh pyplot Figure and Axes (so notebooks show it), in the house style: call inside `house_style()`."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def finish(
    ax: Axes,
    title: str,
    ylabel: str,
    environment: str | None,
    note: str = "",
    reverse_legend: bool = False,
    legend: Sequence[Artist] | None = None,
) -> Axes:
    """Short title, a smaller note under it (one line per ``\\n``), units on y, the environment tag, a legend off the data.

    Axes made outside `house_style()` (the caller's `ax=`) get the same finish: transparent face,
    grey ink, and constrained layout when their figure has no layout engine, so stacked plots do
    not overlap. `legend` replaces the legend's entries (artists with labels) when the drawn ones
    would mislead (a hatched first bar standing for a whole series).
    """
    pad = 6 + 9.5 * (note.count("\n") + 1) if note else 6
    ax.set_title(title, loc="left", pad=pad)
    if note:
        ax.annotate(
            note,
            xy=(0.0, 1.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=8,
            color=INK,
        )
    if environment:
        ax.set_title(environment.upper(), loc="right", fontsize=7.5, color=INK, fontweight="bold", pad=pad)
    ax.set_ylabel(ylabel)
    ax.patch.set_facecolor("none")
    for label in (ax.xaxis.label, ax.yaxis.label, ax.title):
        label.set_color(INK)
    figure = figure_of(ax)
    if figure.get_layout_engine() is None:
        figure.set_layout_engine("constrained")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    for spine in ("left", "bottom"):
        ax.spines[spine].set_color(INK)
    ax.tick_params(colors=INK, labelcolor=INK)
    ax.grid(True, axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    handles, labels = ax.get_legend_handles_labels()
    if legend is not None:
        handles, labels = list(legend), [str(artist.get_label()) for artist in legend]
    if handles:
        if reverse_legend:
            handles, labels = handles[::-1], labels[::-1]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return ax
