"""Which orders a plot counts: the executed ones (`catalog.EXECUTED_STATUSES`) unless told otherwise.

The convention, shared by every plot, the demo and the explorer: ``statuses=`` is a collection
of status names (the Order Schema's ``status_name``), ``EXECUTED_STATUSES`` by default, or
``None`` for every status. A bare string is refused (``"Completed"`` would read as letters).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from minted_lab.catalog import EXECUTED_STATUSES

Statuses = Collection[str] | None
"""A set of status names to count, or None for every status."""

STATUS_COLUMN = "status_name"


def status_set(statuses: Statuses) -> frozenset[str] | None:
    """`statuses` as a frozenset (None stays None); a bare string is a TypeError."""
    if statuses is None:
        return None
    if isinstance(statuses, str):
        raise TypeError(
            f"statuses= takes a collection of status names such as {{{statuses!r}}}, or None for every status; "
            f"got the string {statuses!r}"
        )
    return frozenset(statuses)


def status_names(statuses: Collection[str]) -> str:
    """``Completed, Packed, Preparing`` (Completed first, then alphabetically)."""
    return ", ".join(sorted(statuses, key=lambda s: (s != "Completed", s)))


def counted(frame: pl.DataFrame, statuses: Statuses, what: str = "orders") -> tuple[pl.DataFrame, str]:
    """(the rows of `frame` whose ``status_name`` is in `statuses`, a note naming the statuses counted).

    A null status is never counted unless `statuses` is None. The note says how many rows were
    left out, so a chart never hides that it is a subset.
    """
    chosen = status_set(statuses)
    if chosen is None:
        return frame, f"counted: {what} of every status"
    if STATUS_COLUMN not in frame.columns:
        raise ValueError(
            f"this frame has no {STATUS_COLUMN!r} column to count the statuses {status_names(chosen)} by; "
            "pass statuses=None to count every row"
        )
    kept = frame.filter(pl.col(STATUS_COLUMN).is_in(sorted(chosen)).fill_null(False))
    left_out = frame.height - kept.height
    kind = f"executed {what}" if chosen == EXECUTED_STATUSES else what
    noun = what if left_out != 1 else what.removesuffix("s")
    others = f", {left_out} other {noun} left out" if left_out else ""
    return kept, f"counted: {kind} ({status_names(chosen)}){others}"
