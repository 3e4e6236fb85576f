"""Per-pixel min/max downsampling: a million points draw like a few thousand and look the same."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes

from minted_lab.plots._axes import figure_of


def downsample_minmax(x: npt.ArrayLike, y: npt.ArrayLike, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each of `width_px` equal slices of x, the points with the lowest and the highest y.

    `x` must be sorted ascending (numbers or datetime64); points whose y is NaN are dropped.
    Series no longer than 4 x width_px are returned unchanged (minus NaNs), so small data is exact.
    The kept points stay in x order, so a line through them traces the same envelope.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(10_000)
    >>> y = np.sin(x / 100)
    >>> kept_x, kept_y = downsample_minmax(x, y, width_px=100)
    >>> print(len(kept_x), kept_y.min() == y.min(), kept_y.max() == y.max())
    200 True True
    """
    xs = np.asarray(x)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y must be 1-d and of one length, got {xs.shape} and {ys.shape}")
    keep = ~np.isnan(ys)
    if not keep.all():
        xs, ys = xs[keep], ys[keep]
    n = len(xs)
    width = max(int(width_px), 1)
    if n <= 4 * width:
        return xs, ys
    xi = xs.astype("datetime64[ns]").astype(np.int64) if np.issubdtype(xs.dtype, np.datetime64) else xs.astype(float)
    lo, hi = xi[0], xi[-1]
    span = float(hi - lo) or 1.0
    bins = np.minimum(((xi - lo) / span * width).astype(np.int64), width - 1)
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    counts = np.diff(np.r_[starts, n])
    seg = np.repeat(np.arange(len(starts)), counts)
    lows = np.minimum.reduceat(ys, starts)
    highs = np.maximum.reduceat(ys, starts)
    first_low = np.unique(seg[ys == lows[seg]], return_index=True)[1]
    first_high = np.unique(seg[ys == highs[seg]], return_index=True)[1]
    low_at = np.flatnonzero(ys == lows[seg])[first_low]
    high_at = np.flatnonzero(ys == highs[seg])[first_high]
    idx = np.unique(np.concatenate([low_at, high_at, [0, n - 1]]))
    return xs[idx], ys[idx]


def axes_width_px(ax: Axes) -> int:
    """The drawing width of `ax` in device pixels (at least 100)."""
    fig = figure_of(ax)
    width_in = fig.get_size_inches()[0] * ax.get_position().width
    return max(int(width_in * fig.dpi), 100)
