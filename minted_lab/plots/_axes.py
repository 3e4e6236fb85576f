"""The time axis every plot shares: aware times drawn as wall-clock times, dated ticks, the zone in the label."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def figure_of(ax: Axes) -> Figure:
    """The figure `ax` is drawn in (the top-level one when `ax` sits in a subfigure)."""
    figure = ax.get_figure(root=True)
    if figure is None:
        raise ValueError("these axes belong to no figure")
    return figure


def local_times(times: pl.Series) -> np.ndarray:
    """Wall-clock datetime64 in the frame's zone (matplotlib would otherwise draw aware times in UTC)."""
    if isinstance(times.dtype, pl.Datetime) and times.dtype.time_zone is not None:
        times = times.dt.replace_time_zone(None)
    return times.to_numpy()


def time_label(times: pl.Series) -> str:
    """``time (Europe/Istanbul)`` for aware times, ``time`` for naive ones."""
    zone = times.dtype.time_zone if isinstance(times.dtype, pl.Datetime) else None
    return f"time ({zone})" if zone else "time"


def date_axis(ax: Axes, label: str) -> None:
    """Concise date ticks (3 to 8 of them) on the x axis, and its label."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_xlabel(label)
