"""What is held, at what average cost, what it made, and what the spread over spot cost: from the items frame.

Only orders that moved metal and money count: their status is one of `catalog.EXECUTED_STATUSES` (the one
definition; cancelled, refunded, still pending or new orders moved nothing that stays moved). Money
is converted to GBP with each order's own `currency_rate` (GBP per unit of the order's currency; a
GBP order counts at its own amounts) and stays exact: `holdings` works in integer counts of the
smallest unit (1e-4 g and GBP, 1e-12 GBP per gram for averages) and returns `pl.Decimal`; every
rounding is half-even and named where it happens.

The items frame (`ITEMS_SCHEMA`) carries neither the order's customer nor its rate: pass the orders
frame as ``orders=`` and they are joined in by `guid` (by position when the items list their orders'
items in the orders' order, as `order_frames` gives them; an items frame that already has
`customer_external_id` and `currency_rate` columns needs no orders). An order in the documented Get
Order shape of a GBP order (no `currency_code`, `currency_rate` null) has no GBP value until
``unknown_currency="GBP"`` says it is one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Final, Literal, NamedTuple

import numpy as np
import polars as pl

from minted_lab.catalog import DIGITAL_SKUS, EXECUTED_STATUSES
from minted_lab.frames._schemas import TIME, checked
from minted_lab.frames.dtypes import GRAMS, MONEY, RATE

__all__ = [
    "AVERAGE",
    "CUSTOMERS_SCHEMA",
    "HOLDINGS_SCHEMA",
    "SPREAD_COST_SCHEMA",
    "customers",
    "holdings",
    "spread_cost",
    "status_in",
]

AVERAGE: Final = pl.Decimal(38, 12)
"""The moving average cost per gram (GBP), carried at 12 decimals."""
_AVERAGE_UNIT: Final = 10**12

HOLDINGS_SCHEMA = pl.Schema(
    {
        "customer_external_id": pl.String(),
        "sku": pl.String(),
        "day": pl.Date(),
        "bought": GRAMS,
        "sold": GRAMS,
        "delivered": GRAMS,
        "held": GRAMS,
        "uncovered": GRAMS,
        "avg_cost": AVERAGE,
        "cost": MONEY,
        "realised_pnl": MONEY,
        "realised_pnl_cum": MONEY,
        "unrealised_pnl": MONEY,
    }
)
"""One row per owner, SKU and day with executed buys, sells or deliveries (money in GBP).

`customer_external_id` is the owner (null: the partner's own wallet). `bought`, `sold` and
`delivered` are that day's grams; `held` = all grams bought - sold - delivered up to the day's end.
`uncovered` counts, cumulatively, grams sold or delivered beyond what the history had bought (metal
held before the history starts): they have no known cost, so no P&L. The position at cost is
`held + uncovered` grams at `avg_cost` per gram, worth `cost` in all. `realised_pnl` is the day's
sells against the average, `realised_pnl_cum` its running sum; `unrealised_pnl` values the position
at cost at the given sell prices (null without prices)."""

SPREAD_COST_SCHEMA = pl.Schema(
    {
        "month": pl.Date(),
        "sku": pl.String(),
        "items": pl.UInt32(),
        "grams": GRAMS,
        "spot_value": MONEY,
        "buy_cost": MONEY,
        "sell_cost": MONEY,
        "spread_cost": MONEY,
        "spread_cost_ratio": pl.Float64(),
    }
)
"""One row per month (its first day, Istanbul dates) and SKU, in GBP. `spot_value` is the items'
grams at spot; `buy_cost` what buys paid above spot, `sell_cost` what sells received below it
(both positive when the spread went against the partner); `spread_cost` their sum and
`spread_cost_ratio` = spread_cost / spot_value (a ratio: 0.02 = 2 %)."""

CUSTOMERS_SCHEMA = pl.Schema(
    {
        "customer_external_id": pl.String(),
        "orders": pl.UInt32(),
        "executed": pl.UInt32(),
        "bought": MONEY,
        "sold": MONEY,
        "first_order_at": TIME,
        "last_order_at": TIME,
        **{f"held_{code}": GRAMS for code in DIGITAL_SKUS},
    }
)
"""One row per customer (orders without a customer are the partner's own and left out): `orders`
of any status, `executed` of them, GBP `bought` and `sold` (executed buys and sells at their
`currency_total`, else total x rate: see `customers`), first and last order time, and grams held
per catalogue SKU (`held_<SKU>`: bought - sold - delivered; null when no items are given)."""

Frame = pl.DataFrame | pl.LazyFrame
BASE = "GBP"
PENNY_HALF: Final = Decimal("0.005")
"""The smallest GBP amount that rounds to a penny: a currency_total of 0 beside total x rate of this
much or more is a placeholder, not the API's rounding (`customers`)."""
KINDS: Final = ("Buy", "Sell", "Delivery")
"""The order types that move metal: what `holdings` counts."""
_FROM_ORDERS: Final = ("customer_external_id", "currency_rate")
_RATE_UNIT: Final = 10**12
_STEPPED_RUNS: Final = 64
"""Owners and SKUs with at most this many runs of buys have their averages worked in step (`_run_averages`)."""
_SPREAD_COLUMNS: Final = (
    "type",
    "status_name",
    "sku",
    "amount",
    "price",
    "spot_price",
    "order_at",
    "currency",
    "order_code",
)
"""The items' columns `spread_cost` reads (besides the rate)."""
_ENGINE: Final = "in-memory"
"""The engine of every query here. polars 2's default ("auto") streams, which ran these joins, sorts and
running sums over whole columns 2-3 times slower on 2 CPUs; every frame here is in memory anyway."""


_Valued = Literal["items", "orders"]
"""What a `_unvalued` error counts."""

Statuses = Collection[str] | None
"""Status names to count (`catalog.EXECUTED_STATUSES` by default), or None for every status."""


def status_in(statuses: Statuses = EXECUTED_STATUSES, column: str = "status_name") -> pl.Expr:
    """True where the order's status is one of `statuses` (never for a null status); always with None.

    The convention of every frame and plot that counts orders: a collection of status names, not a
    bare string (``"Completed"`` would read as letters).
    """
    if statuses is None:
        return pl.lit(True)
    if isinstance(statuses, str):
        raise TypeError(f"statuses= takes a collection of status names such as {{{statuses!r}}}, or None; got a string")
    return pl.col(column).is_in(sorted(statuses)).fill_null(False)


def _lazy(frame: Frame) -> pl.LazyFrame:
    """`frame` as a LazyFrame."""
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _collect(frame: Frame, columns: Sequence[str]) -> pl.DataFrame:
    """Only `columns` of `frame`, in memory (a DataFrame's own columns, as they are)."""
    if isinstance(frame, pl.DataFrame):
        return frame[list(columns)]
    return frame.select(columns).collect(engine=_ENGINE)


def _missing(items: Frame, orders: Frame | None, wanted: Sequence[str], what: str) -> list[str]:
    """The columns of `wanted` the items frame lacks, which must come from `orders` (raises without it)."""
    names = _lazy(items).collect_schema().names()
    missing = [c for c in wanted if c not in names]
    if missing and orders is None:
        raise ValueError(
            f"{what} needs each item's {' and '.join(missing)}, which the items frame does not carry: "
            f"pass orders= (the orders frame of the same history)"
        )
    return missing


def _with_order_columns(
    items: Frame, orders: Frame | None, wanted: tuple[str, ...], what: str, columns: Sequence[str]
) -> pl.LazyFrame:
    """`items` (its `columns`, when it has them) with the order columns it lacks (`wanted`) from `orders`, as
    a left join by guid would add them."""
    missing = _missing(items, orders, wanted, what)
    if not missing or orders is None:
        return _lazy(items)
    names = _lazy(items).collect_schema().names()
    frame = _collect(items, [c for c in dict.fromkeys([*columns, "guid"]) if c in names]).rechunk()
    found = _order_columns(frame["guid"], _order_table(orders, missing), missing).rechunk()
    return pl.DataFrame([*frame.get_columns(), *found.get_columns()]).lazy()


def _order_table(orders: Frame, columns: Sequence[str]) -> pl.DataFrame:
    """The orders' guid, `columns` and (if there) `item_count`, in memory."""
    names = _lazy(orders).collect_schema().names()
    return _collect(orders, ["guid", *columns, *(["item_count"] if "item_count" in names else [])])


def _order_columns(guids: pl.Series, table: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Each item's `columns` of `table` (an orders frame) from the first row with its guid (nulls without one),
    as a left join by guid gives them.

    Frames from `order_frames` list each order's items together and in the orders' row order; then each
    item's row is found by position, comparing each guid once with its order's instead of hashing both
    frames' strings for a join.
    """
    return _taken(guids, table, columns, _order_rows(guids, table))


def _taken(guids: pl.Series, table: pl.DataFrame, columns: Sequence[str], at: pl.Series | None) -> pl.DataFrame:
    """`_order_columns` given the orders rows `_order_rows` found (`at`), or by a join where it found none."""
    if at is not None:
        return table.select(pl.col(columns).gather(at))
    first = table.select("guid", *columns).unique("guid", keep="first")
    return guids.to_frame("guid").join(first, on="guid", how="left", maintain_order="left").select(columns)


def _order_rows(guids: pl.Series, orders: pl.DataFrame) -> pl.Series | None:
    """The orders row of each item, when the items come in runs of one guid matching the orders with items
    row for row and no guid repeats among the orders; None otherwise (then only a join finds them)."""
    listed = orders["guid"]
    if guids.is_empty() or guids.null_count() or listed.null_count():
        return None
    starts = (guids != guids.shift(1)).fill_null(True)
    runs = guids.filter(starts)
    if runs.len() == listed.len():
        rows = None
    elif "item_count" in orders.columns:
        rows = orders.select(pl.arg_where(pl.col("item_count").fill_null(1) > 0)).to_series()
        listed = listed.gather(rows)
    else:
        return None
    if runs.len() != listed.len() or not (runs == listed).all():
        return None
    if orders["guid"].hash().n_unique() != orders.height:
        return None
    at = starts.cum_sum() - 1
    return at if rows is None else rows.gather(at)


def _owner_numbers(owners: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each owner's number (0 for the partner's null, customers 1, 2, ... alphabetically) and the customers in order."""
    named = owners.unique().drop_nulls().sort()
    numbers = owners.cast(pl.Enum(named)).to_physical().cast(pl.Int64) + 1
    return numbers.fill_null(0), named


def _gbp(amount: str, unknown_gbp: bool) -> pl.Expr:
    """`amount` (order currency) in GBP at the order's rate, rounded half-even to 4 decimals."""
    gbp = pl.col("currency") == BASE
    if unknown_gbp:
        gbp = gbp | (pl.col("currency").is_null() & pl.col("currency_rate").is_null())
    rate = pl.when(gbp).then(pl.lit(Decimal(1))).otherwise(pl.col("currency_rate"))
    return (pl.col(amount).cast(pl.Decimal(38, 16)) * rate.cast(pl.Decimal(38, 12))).round(4).cast(MONEY)


def _muldiv(x: pl.Series, y: pl.Series, divisor: pl.Series | int) -> pl.Series:
    """``x * y / divisor`` rounded half-even, exactly, for integer Series and positive divisors (null where x or
    y is): Int64, or Int128 where a quotient does not fit.

    `_muldiv_arrays` does what float64 settles; the rest (and Int128 inputs) go through `_divide` in Int128.
    """
    n = x.len()
    divisors = pl.repeat(divisor, n, dtype=pl.Int64, eager=True) if isinstance(divisor, int) else divisor.fill_null(1)
    if x.dtype == y.dtype == divisors.dtype == pl.Int64:
        d = np.int64(divisor) if isinstance(divisor, int) else divisors.to_numpy()
        quotient, done = _muldiv_arrays(x.fill_null(0).to_numpy(), y.fill_null(0).to_numpy(), d)
        out = pl.Series(quotient, dtype=pl.Int64)
        left = pl.Series(np.flatnonzero(~done))
    else:
        out = pl.repeat(0, n, dtype=pl.Int64, eager=True)
        left = pl.int_range(n, eager=True)
    if left.len():
        rest = pl.DataFrame({"x": x.gather(left), "y": y.gather(left), "d": divisors.gather(left)})
        exact = _narrowed(rest.select(_divide(pl.col("x").cast(pl.Int128) * pl.col("y"), pl.col("d"))).to_series())
        out = out.cast(exact.dtype).scatter(left, exact)
    missing = x.is_null() | y.is_null()
    if not missing.any():
        return out
    return pl.select(pl.when(pl.lit(missing)).then(None).otherwise(pl.lit(out))).to_series()


def _muldiv_arrays(a: np.ndarray, b: np.ndarray, d: np.ndarray | np.int64) -> tuple[np.ndarray, np.ndarray]:
    """``a * b / d`` rounded half-even for int64 arrays (d > 0), exactly, and where it was done (elsewhere the
    quotient means nothing).

    float64 gets a quotient below 2**40 to within 2**-9 (five roundings of 2**-53 each): unless it lies
    that close to a half, rounding it to the nearest integer is exact. Near a half, uint64 arithmetic
    (which wraps) gives the exact remainder of the estimate's floor, small however large the product,
    and that settles the rounding, for quotients below 2**49. No 128-bit division either way.
    """
    if a.size == 0:
        return a.copy(), np.ones(0, dtype=bool)
    if np.min(d) <= 0:
        return np.zeros_like(a), np.zeros(a.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        estimate = a.astype(np.float64) * b.astype(np.float64) / d
        size = np.abs(estimate)
        floor = np.floor(estimate)
        done = (size < 2**40) & (np.abs(estimate - floor - 0.5) > 2**-8)
        quotient = np.rint(estimate).astype(np.int64)
    near = np.flatnonzero(~done & (size < 2**49))
    if near.size:
        x, y = a[near], b[near]
        z = d[near] if isinstance(d, np.ndarray) else d
        below = floor[near].astype(np.int64)
        with np.errstate(over="ignore"):
            product = x.view(np.uint64) * y.view(np.uint64) - below.view(np.uint64) * np.asarray(z).view(np.uint64)
        remainder = product.view(np.int64)
        step = (remainder >= z).astype(np.int64) - (remainder < 0)
        below += step
        twice = (remainder - step * z) * 2
        quotient[near] = below + ((twice > z) | ((twice == z) & (below & 1 == 1)))
        done[near] = True
    return quotient, done


def _unknown_gbp(unknown_currency: str | None) -> bool:
    """Whether orders with neither currency nor rate count as GBP; checks `unknown_currency` is a currency code."""
    if unknown_currency is None:
        return False
    if not (isinstance(unknown_currency, str) and len(unknown_currency) == 3 and unknown_currency.isupper()):
        raise ValueError(f"unknown_currency= takes a currency code such as 'GBP', or None; got {unknown_currency!r}")
    return unknown_currency == BASE


def _unvalued(
    bad: pl.DataFrame, unknown_currency: str | None, incomplete: str, what: str, rows: _Valued = "items"
) -> ValueError:
    """The error for executed items (or, with ``rows="orders"``, orders) without a GBP value, by cause, each
    with its count and an order to look at.

    `bad` has one row per item or order: its `currency`, `currency_rate`, `incomplete` (true where an
    amount is missing, which `incomplete` words) and `order` (order_code or guid).
    """
    neither = pl.col("currency").is_null() & pl.col("currency_rate").is_null()
    orders = rows == "orders"
    their = "they" if orders else "their orders"
    carry = (
        f"{their} carry neither `currency_code` nor `currency_rate`"
        + (" and their currency_total is 0 or null" if orders else "")
        + " (the documented Get Order shape)"
    )
    if unknown_currency is None:
        shape = f'{carry}; pass unknown_currency="GBP" if every order is in GBP'
    else:
        shape = (
            f"{carry} and, taken to be in {unknown_currency} "
            f'(unknown_currency="{unknown_currency}"), still need a currency_rate (GBP per {unknown_currency}): '
            "only GBP is valued without one"
        )
    causes = [(pl.col("incomplete"), incomplete), (~pl.col("incomplete") & neither, shape)]
    named = bad.filter(~pl.col("incomplete") & ~neither)
    if named.height:
        currencies = ", ".join(sorted(c for c in named["currency"].unique().to_list() if c is not None))
        causes.append((~pl.col("incomplete") & ~neither, f"{their} are in {currencies} and carry no currency_rate"))
    parts = []
    for cause, why in causes:
        hit = bad.filter(cause)
        if hit.height:
            ids = hit["order"].drop_nulls()
            count = ids.n_unique()
            where = (
                ""
                if ids.is_empty()
                else f" (order {ids[0]})"
                if count == 1
                else f" (e.g. order {ids[0]})"
                if orders
                else f" (in {count} orders, e.g. order {ids[0]})"
            )
            parts.append(f"{hit.height} executed {rows} have no GBP value{where}: {why}")
    return ValueError(f"{what}: {'; '.join(parts)}")


def _order_ids(names: Sequence[str]) -> pl.Expr:
    """Each item's order as a person would look it up: its order_code, else its guid."""
    ids = [c for c in ("order_code", "guid") if c in names]
    return pl.coalesce(ids) if ids else pl.lit(None, pl.String)


def _decimal(units: pl.Expr, scale: int) -> pl.Expr:
    """An integer count of 10**-scale units as the Decimal(38, scale) it stands for, exactly (no arithmetic)."""
    return units.cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, scale))


def _divide(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Integer division rounded half-even (Int128, positive denominators), as polars' own Decimal casts round:
    the exact path for what float64 cannot settle (`_muldiv`, `_pooled`)."""
    n, d = numerator.cast(pl.Int128), denominator.cast(pl.Int128)
    quotient = n // d
    twice = (n % d) * 2
    up = (twice > d) | ((twice == d) & ((quotient & 1) == 1))
    return quotient + up.cast(pl.Int128)


def _run_averages(new: np.ndarray, before: np.ndarray, grams: np.ndarray, costs: np.ndarray) -> pl.Series:
    """0, then the average leaving each run of buys (units of 1e-12 GBP per gram), indexed by run number.

    Runs come in order, `new` on each (owner, SKU)'s first. Owners and SKUs with few runs (the many
    customers) are worked in step, their first runs together, then their second runs...
    (`_pooled`); those with many (the partner's) run through `_averages`, as do any whose numbers
    float64 could not settle.
    """
    group = np.cumsum(new) - 1
    firsts = np.flatnonzero(new)
    counts = np.diff(np.append(firsts, new.size))
    position = np.arange(new.size) - firsts[group]
    looped = counts > _STEPPED_RUNS
    leaving = np.zeros(new.size, dtype=np.int64)
    stepped = np.flatnonzero(~looped[group])
    stepped = stepped[np.argsort(position[stepped], kind="stable")]
    ends = np.cumsum(np.bincount(position[stepped], minlength=1))
    for step, (start, stop) in enumerate(zip(np.append(0, ends[:-1]), ends, strict=True)):
        runs = stepped[start:stop]
        runs = runs[~looped[group[runs]]]
        previous = leaving[runs - 1] if step else np.zeros(runs.size, dtype=np.int64)
        averages, settled = _pooled(before[runs], previous, grams[runs], costs[runs])
        leaving[runs] = averages
        looped[group[runs[~settled]]] = True
    rest = np.flatnonzero(looped[group])
    if not rest.size:
        return pl.Series(np.append(np.int64(0), leaving))
    exact = _averages(new[rest].tolist(), before[rest].tolist(), grams[rest].tolist(), costs[rest].tolist())
    try:
        leaving[rest] = exact[1:]
        return pl.Series(np.append(np.int64(0), leaving))
    except OverflowError:
        values = [0, *leaving.tolist()]
        for run, average in zip(rest.tolist(), exact[1:], strict=True):
            values[run + 1] = average
        return pl.Series(values, dtype=pl.Int128)


def _pooled(
    held: np.ndarray, average: np.ndarray, grams: np.ndarray, cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`_averages`' step for many runs at once: ``(held x average + cost) / (held + grams)`` rounded half-even
    where held + grams > 0 (else `average` stays), and which runs it settled (the others are 0).

    As in `_muldiv_arrays`: float64 gets the quotient to within one while the terms over the divisor
    stay below 2**49, and uint64 arithmetic (which wraps) gives the exact remainder that settles it.
    """
    total = held + grams
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        pooled_f = held.astype(np.float64) * average.astype(np.float64)
        paid_f = cost.astype(np.float64) * _AVERAGE_UNIT
        size = (np.abs(pooled_f) + np.abs(paid_f)) / total
        moved = total > 0
        small = (np.abs(held) < 2**61) & (np.abs(grams) < 2**61)
        settled = small & (~moved | ((size < 2**49) & (total < 2**61)))
        quotient = np.floor(np.where(moved & settled, (pooled_f + paid_f) / total, 0)).astype(np.int64)
        u = np.uint64
        remainder = (
            held.view(u) * average.view(u) + cost.view(u) * u(_AVERAGE_UNIT) - quotient.view(u) * total.view(u)
        ).view(np.int64)
    step = (remainder >= total).astype(np.int64) - (remainder < 0)
    quotient += step
    twice = (remainder - step * total) * 2
    quotient += (twice > total) | ((twice == total) & (quotient & 1 == 1))
    return np.where(settled, np.where(moved, quotient, average), 0), settled


def _averages(new: list[bool], before: list[int], grams: list[int], costs: list[int]) -> list[int]:
    """0, then the average leaving each run of buys (units of 1e-12 GBP per gram), runs in order, `new` on
    each (owner, SKU)'s first: the list is indexed by run number.

    A run is a series of buys of one owner and SKU with no sell or delivery between them. Its buys
    pool exactly: after it, the average is ``(held before x average before + the run's cost) /
    (held before + the run's grams)``, rounded half-even; sells and deliveries leave it as it is.
    A Python loop over runs (not rows), on plain integers, for the owners and SKUs `_run_averages`
    does not work in step: each average needs the one before it rounded, which no cumulative
    expression gives.
    """
    leaving = [0]
    append = leaving.append
    unit = _AVERAGE_UNIT
    average = 0
    for first, held, amount, cost in zip(new, before, grams, costs, strict=True):
        if first:
            average = 0
        total = held + amount
        if total > 0:
            quotient, remainder = divmod(held * average + cost * unit, total)
            twice = remainder + remainder
            if twice > total or (twice == total and quotient & 1):
                quotient += 1
            average = quotient
        append(average)
    return leaving


def _sell_prices(prices: pl.DataFrame | Mapping[str, Decimal] | None) -> pl.DataFrame | None:
    """(sku, price) in GBP per gram: each SKU's latest GBP sell price of a prices frame, or a mapping."""
    if prices is None:
        return None
    if isinstance(prices, Mapping):
        return pl.DataFrame(
            {"sku": list(prices), "price": [Decimal(str(v)) for v in prices.values()]},
            schema={"sku": pl.String, "price": MONEY},
        )
    if not {"sku", "sell", "currency", "time"} <= set(prices.columns):
        raise ValueError(
            "prices must be a prices/quotes frame (time, currency, sku, sell) or a {sku: GBP price} mapping"
        )
    gbp = prices.filter(pl.col("currency") == BASE, pl.col("sell").is_not_null())
    if gbp.is_empty() and not prices.is_empty():
        raise ValueError("prices holds no GBP sell price: holdings are valued in GBP (fix a quote with currency='GBP')")
    return gbp.sort("time").group_by("sku").agg(pl.col("sell").last().cast(MONEY).alias("price"))


def holdings(
    items: Frame,
    prices: pl.DataFrame | Mapping[str, Decimal] | None = None,
    *,
    orders: Frame | None = None,
    statuses: Statuses = EXECUTED_STATUSES,
    unknown_currency: str | None = None,
) -> pl.DataFrame:
    """Grams held, moving average cost and P&L per owner, SKU and day (schema `HOLDINGS_SCHEMA`, GBP).

    Executed buys, sells and deliveries only (`statuses`, by default `catalog.EXECUTED_STATUSES`), in time order per owner and
    SKU; ties keep the input order (the API's list order for frames from pages or a store). Money is
    each item's `total` in GBP at its order's rate, rounded half-even to 4 decimals.

    - A buy moves the average cost per gram to ``(grams at cost x average + cost) / (grams at cost +
      grams bought)``, rounded half-even to 12 decimals. Consecutive buys (no sell or delivery
      between them) pool exactly: each one's average is computed from the grams and average the
      series started from, so only an average that metal leaves at is ever rounded.
    - A sell leaves the average unchanged and realises its proceeds minus its grams x the average
      (that product rounded half-even to 4 decimals). A delivery takes its grams out at cost too,
      realising nothing.
    - Grams leaving beyond the position at cost (metal held before the history starts) are
      `uncovered`: their share of a sell's proceeds (pro rata by grams) is left out of the P&L.

    `prices` (a prices/quotes frame, whose latest GBP sell price per SKU is used, or a
    ``{sku: GBP per gram}`` mapping) adds `unrealised_pnl`: the position at cost valued at what
    selling it would fetch at those prices, on every row. The items' owners and rates come from
    ``orders=`` unless the items frame has `customer_external_id` and `currency_rate` columns.

    A buy or sell whose order has neither a currency nor a rate (the documented Get Order shape of a
    GBP order) has no GBP value, and `holdings` raises saying so: ``unknown_currency="GBP"`` takes
    such orders to be in GBP (for a partner who trades in GBP only). No other currency can be taken
    without a rate, and an order in a named currency other than GBP always needs its rate.

    Examples
    --------
    >>> from minted_lab.frames import order_frames
    >>> def order(n, kind, grams, total, day):
    ...     return {"guid": f"G{n}", "type": kind, "status_name": "Completed", "currency_code": "GBP",
    ...             "total": total, "order_at": f"{day}-11-2026 10:00",
    ...             "items": [{"sku": "GAU", "amount": grams, "total": total}]}
    >>> orders, items = order_frames([order(1, "Buy", 10, 1000, "02"), order(2, "Buy", 5, 650, "03"),
    ...                               order(3, "Sell", 12, 1500, "04")])
    >>> holdings(items, {"GAU": 120}, orders=orders).select("day", "held", "avg_cost", "realised_pnl", "unrealised_pnl")
    shape: (3, 5)
    ┌────────────┬───────────────┬──────────────────┬───────────────┬────────────────┐
    │ day        ┆ held          ┆ avg_cost         ┆ realised_pnl  ┆ unrealised_pnl │
    │ ---        ┆ ---           ┆ ---              ┆ ---           ┆ ---            │
    │ date       ┆ decimal[38,4] ┆ decimal[38,12]   ┆ decimal[38,4] ┆ decimal[38,4]  │
    ╞════════════╪═══════════════╪══════════════════╪═══════════════╪════════════════╡
    │ 2026-11-02 ┆ 10.0000       ┆ 100.000000000000 ┆ 0.0000        ┆ 200.0000       │
    │ 2026-11-03 ┆ 15.0000       ┆ 110.000000000000 ┆ 0.0000        ┆ 150.0000       │
    │ 2026-11-04 ┆ 3.0000        ┆ 110.000000000000 ┆ 180.0000      ┆ 30.0000        │
    └────────────┴───────────────┴──────────────────┴───────────────┴────────────────┘
    """
    rows, owners, skus = _trading(items, orders, statuses, unknown_currency, "holdings")
    if not rows.group.size:
        return pl.DataFrame(schema=HOLDINGS_SCHEMA)
    return _finish(_ledger(rows, owners, skus), skus, _sell_prices(prices))


def _owners_and_rates(
    frame: pl.DataFrame, orders: Frame | None, missing: Sequence[str]
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Each item's owner number and rate, from the items or (`missing` there) their orders, and the customers
    the numbers stand for (see `_owner_numbers`); the orders' owners are numbered on a thread of their own
    while their rows are found."""
    from_orders = pl.DataFrame()
    if missing and orders is not None:
        table = _order_table(orders, missing)
        if "customer_external_id" in missing:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="holdings-numbers")
            numbering = pool.submit(_owner_numbers, table["customer_external_id"])
            pool.shutdown(wait=False)
        at = _order_rows(frame["guid"], table)
        if "customer_external_id" in missing:
            numbers, owners = numbering.result()
            table = table.with_columns(numbers.alias("customer_external_id"))
        from_orders = _taken(frame["guid"], table, missing, at)
    if "customer_external_id" in missing:
        owner = from_orders["customer_external_id"].fill_null(0)
    else:
        owner, owners = _owner_numbers(frame["customer_external_id"])
    rates = from_orders["currency_rate"] if "currency_rate" in missing else frame["currency_rate"]
    return owner, owners, rates


class _Rows(NamedTuple):
    """Executed buys, sells and deliveries as arrays, grouped by owner and SKU and in time order within.

    `group` is owner number x SKUs + SKU number (the partner is owner 0, customers 1, 2, ...
    alphabetically, SKUs alphabetically); `grams` in units of 1e-4 g, `gbp` the item's total in GBP
    in units of 1e-4 (0 for a delivery without one); `day` each row's date, worked out on a thread of
    its own (polars does it outside the GIL) while `_averages` loops in Python.
    """

    group: np.ndarray
    buy: np.ndarray
    sell: np.ndarray
    grams: np.ndarray
    gbp: np.ndarray
    day: Future[pl.Series]


def _trading(
    items: Frame, orders: Frame | None, statuses: Statuses, unknown_currency: str | None, what: str
) -> tuple[_Rows, pl.Series, pl.Series]:
    """The `_Rows` of `items`, and the customers and SKUs their group numbers stand for.

    Owners and rates are numbered and scaled where they come from (the orders frame, if it is that), on
    a thread of their own while the items' columns are read; everything after the items' own string
    columns is plain arrays (polars would line up frames whose columns are chunked differently by
    copying them all). Grams, totals and rates too large for Int64 units raise, as the Decimal casts did.
    """
    unknown_gbp = _unknown_gbp(unknown_currency)
    missing = _missing(items, orders, _FROM_ORDERS, what)
    own = ["type", "sku", "amount", "total", "currency", "order_at", *(["status_name"] if statuses is not None else [])]
    frame = _collect(items, [*own, *(c for c in _FROM_ORDERS if c not in missing), *(["guid"] if missing else [])])
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="holdings-owners")
    sourced = pool.submit(_owners_and_rates, frame, orders, missing)
    pool.shutdown(wait=False)
    skus = frame["sku"].unique().drop_nulls().sort()
    kinds = [pl.col("type") == kind for kind in KINDS]
    columns = frame[own].select(
        (status_in(statuses) & pl.any_horizontal(kinds).fill_null(False) & pl.col("sku").is_not_null()).alias("keep"),
        pl.coalesce(
            [*(pl.when(pl.col("sku") == sku).then(pl.lit(n, pl.Int64)) for n, sku in enumerate(skus)), 0]
        ).alias("sku"),
        (pl.col("type") == "Buy").fill_null(False).alias("buy"),
        (pl.col("type") == "Sell").fill_null(False).alias("sell"),
        _lax_units("amount", GRAMS).alias("grams"),
        pl.col("amount").is_not_null().alias("has_grams"),
        _lax_units("total", MONEY).alias("total"),
        pl.col("total").is_not_null().alias("has_total"),
        (pl.col("currency") == BASE).fill_null(False).alias("gbp_order"),
        pl.col("currency").is_null().alias("no_currency"),
    )
    kept = np.flatnonzero(columns["keep"].to_numpy())
    arrays = {name: _array(columns[name], kept) for name in columns.columns if name != "keep"}
    owner, owners, rates = sourced.result()
    rate_units = rates.cast(RATE, strict=False).to_physical().cast(pl.Int64, strict=False)
    rate, has_rate = _array(rate_units, kept), _array(rates.is_not_null(), kept)
    for name, units, given in (
        ("amount", "grams", "has_grams"),
        ("total", "total", "has_total"),
        ("currency_rate", rate, has_rate),
    ):
        values = arrays[units] if isinstance(units, str) else units
        flags = arrays[given] if isinstance(given, str) else given
        if (flags & (values == _NULL)).any():
            raise pl.exceptions.InvalidOperationError(f"{what}: an executed item's {name} does not fit Int64 units")
    unit = arrays["gbp_order"] | (arrays["no_currency"] & ~has_rate & unknown_gbp)
    valued = arrays["has_total"] & (unit | has_rate)
    gbp = np.where(valued, arrays["total"], 0)
    foreign = np.flatnonzero(valued & ~unit)
    if foreign.size:
        converted = _muldiv(pl.Series(arrays["total"][foreign]), pl.Series(rate[foreign]), _RATE_UNIT)
        gbp[foreign] = converted.cast(pl.Int64).to_numpy()
    trading = arrays["buy"] | arrays["sell"]
    if (trading & ~valued).any():
        at = pl.Series(kept[trading & ~valued])
        raw = _unvalued_rows(items, frame, rates, at)
        raise _unvalued(raw, unknown_currency, "they have no total", what)
    group = _array(owner, kept) * max(skus.len(), 1) + arrays["sku"]
    times = frame["order_at"].gather(pl.Series(kept))
    if times.null_count() == 0 and times.is_sorted():
        order = _stable_order(group)
    else:
        stamps = times.to_physical()
        order = np.lexsort((stamps.fill_null(0).to_numpy(), stamps.is_null().to_numpy(), group))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="holdings-dates")
    day = pool.submit(lambda: _dates(times).gather(pl.Series(order)))
    pool.shutdown(wait=False)
    rows = _Rows(
        group[order],
        arrays["buy"][order],
        arrays["sell"][order],
        np.where(arrays["has_grams"], arrays["grams"], 0)[order],
        gbp[order],
        day,
    )
    return rows, owners, skus


_NULL: Final = np.iinfo(np.int64).min
"""What `_array` puts for a null integer (no unit count of grams or money comes near it)."""


def _lax_units(column: str, dtype: pl.Decimal) -> pl.Expr:
    """A Decimal column as an Int64 count of its smallest unit, null where it is null or does not fit."""
    return pl.col(column).cast(dtype, strict=False).to_physical().cast(pl.Int64, strict=False)


def _array(values: pl.Series, at: np.ndarray) -> np.ndarray:
    """The rows `at` of a boolean or integer Series as a numpy array (integers' nulls as `_NULL`, booleans' as False)."""
    if values.dtype == pl.Boolean:
        flags: np.ndarray = values.fill_null(False).to_numpy()[at]
        return flags
    numbers: np.ndarray = values.cast(pl.Int64).fill_null(_NULL).to_numpy()[at]
    return numbers


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """The order that sorts non-negative int64 `keys`, ties in input order: radix sorts on 16-bit digits
    where the keys are small enough (group numbers are), else numpy's merge sort."""
    if keys.size and int(keys.max()) < 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if keys.size and int(keys.max()) < 2**32:
        order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
        return order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
    return np.argsort(keys, kind="stable")


def _unvalued_rows(items: Frame, frame: pl.DataFrame, rates: pl.Series, at: pl.Series) -> pl.DataFrame:
    """The items' (rows `at`) currency, rate, whether their total is missing, and their order (for `_unvalued`)."""
    names = _lazy(items).collect_schema().names()
    ids = [c for c in ("order_code", "guid") if c in names]
    found = (
        _lazy(items)
        .select(*ids)
        .with_row_index("_at")
        .filter(pl.col("_at").is_in(at.implode()))
        .collect(engine=_ENGINE)
    )
    return pl.DataFrame(
        {
            "currency": frame["currency"].gather(at),
            "currency_rate": rates.gather(at),
            "incomplete": frame["total"].gather(at).is_null(),
            "order": found.sort("_at").select(_order_ids(ids)).to_series() if ids else None,
        },
        schema_overrides={"order": pl.String},
    )


def _dates(times: pl.Series) -> pl.Series:
    """Each time's date in its own zone, worked out once per run of equal times (an order's items share theirs)."""
    dtype = times.dtype
    if not isinstance(dtype, pl.Datetime) or dtype.time_zone in (None, "UTC"):
        return times.dt.date()
    new = (times != times.shift(1)).fill_null(True)
    return times.filter(new).dt.date().gather(new.cum_sum() - 1)


def _shifted(values: np.ndarray, fill: object) -> np.ndarray:
    """`values` one row down (`fill` in the first row)."""
    out = np.empty_like(values)
    out[0] = fill
    out[1:] = values[:-1]
    return out


def _segment_min(values: np.ndarray, starts: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Running minimum of int64 `values` that restarts at each of `starts` (`segment`: each row's segment number).

    Each segment is shifted to lie just below the one before it (so below all earlier ones), and one
    cumulative minimum does it; without room in int64 for the shifts, polars does it per segment.
    """
    lows, highs = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    room = np.abs(highs[1:].astype(np.float64) - lows[:-1] + 1).sum() + np.abs(values.astype(np.float64)).max()
    if room < 2**61:
        gaps = highs[1:] - lows[:-1] + 1
        offset = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(gaps)])[segment]
        lowest: np.ndarray = np.minimum.accumulate(values - offset) + offset
        return lowest
    frame = pl.DataFrame({"v": values, "s": segment})
    return frame.select(pl.col("v").cum_min().over("s")).to_series().to_numpy()


def _ledger(rows: _Rows, owners: pl.Series, skus: pl.Series) -> pl.DataFrame:
    """One row per (group, day) from the sorted rows of `_trading`: the day's grams and realised P&L, the
    end-of-day position (held, uncovered, at cost) and average, the running realised P&L; all integers.

    Per row: grams held after it (bought - sold - delivered so far), `uncovered` (grams that left beyond
    what was bought, cumulative) and `at_cost` (held + uncovered: the position with a known cost), by
    running sums and minimums that restart per group. Buys come in runs (`_averages`); a sell or a
    delivery leaves at the average its group's last run left, and a day that ends inside a run ends at
    that run's average so far.
    """
    group, buy, sell, grams, gbp, dating = rows
    first = group != _shifted(group, -1)
    first[0] = True
    segment = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    move = np.where(buy, grams, -grams)
    running = np.cumsum(move)
    held = running - (running - move)[starts][segment]
    uncovered = np.maximum(-_segment_min(held, starts, segment), 0)
    at_cost = held + uncovered
    before = _shifted(at_cost, 0)
    before[first] = 0
    covered = np.where(buy, 0, np.minimum(grams, before))

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="holdings-days")
    dated = pool.submit(_day_rows, group, buy, sell, grams, held, uncovered, at_cost, dating, owners, skus)
    pool.shutdown(wait=False)

    run_first = buy & (first | ~_shifted(buy, False))
    run_end = buy & ~(_shifted(buy[::-1], False)[::-1] & ~_shifted(first[::-1], True)[::-1])
    run_starts, run_ends = np.flatnonzero(run_first), np.flatnonzero(run_end)
    summed_grams, summed_cost = np.cumsum(grams), np.cumsum(gbp)
    run_before = before[run_starts]
    run_grams = summed_grams[run_ends] - summed_grams[run_starts] + grams[run_starts]
    run_cost = summed_cost[run_ends] - summed_cost[run_starts] + gbp[run_starts]
    run_group = group[run_starts]
    new = run_group != _shifted(run_group, -1) if run_group.size else run_group.astype(bool)
    if new.size:
        new[0] = True
    average = _run_averages(new, run_before, run_grams, run_cost)

    run_number = np.cumsum(run_first)
    earlier = (run_number - run_first)[starts][segment]
    last_run = np.where(run_number > earlier, run_number, 0)

    realised = np.zeros(len(group), dtype=np.int64)
    selling = np.flatnonzero(sell & (covered > 0))
    if selling.size:
        part = pl.Series(covered[selling])
        share = _muldiv(pl.Series(gbp[selling]), part, pl.Series(grams[selling]))
        at_average = _muldiv(part, average.gather(last_run[selling]), _AVERAGE_UNIT)
        realised[selling] = (share.cast(pl.Int128) - at_average.cast(pl.Int128)).cast(pl.Int64).to_numpy()

    ends, out = dated.result()
    summed_realised = np.cumsum(realised)
    summed = summed_realised[ends]
    partial = ends[buy[ends] & ~run_end[ends]]
    out = out.with_columns(
        pl.Series("realised_pnl", summed - _shifted(summed, 0)),
        pl.Series("realised_pnl_cum", summed - (summed_realised - realised)[starts][segment[ends]]),
        average.gather(last_run[ends]).alias("average_after"),
    )
    if partial.size:
        run = run_number[partial] - 1
        start = run_starts[run]
        before_run = run_before[run]
        bought = summed_grams[partial] - summed_grams[start] + grams[start]
        paid = summed_cost[partial] - summed_cost[start] + gbp[start]
        entering = pl.select(pl.when(pl.lit(new[run])).then(0).otherwise(pl.lit(average.gather(run)))).to_series()
        mid = pl.Series(np.zeros(partial.size, dtype=np.int64))
        settled = np.zeros(partial.size, dtype=bool)
        if entering.dtype == pl.Int64:
            values, settled = _pooled(before_run, entering.to_numpy(), bought, paid)
            settled &= before_run + bought > 0
            mid = pl.Series(values)
        if not settled.all():
            left = np.flatnonzero(~settled)
            exact = pl.DataFrame(
                {
                    "before": before_run[left],
                    "entering": entering.gather(left),
                    "grams": bought[left],
                    "cost": paid[left],
                }
            ).select(
                _divide(
                    pl.col("before").cast(pl.Int128) * pl.col("entering")
                    + pl.col("cost").cast(pl.Int128) * _AVERAGE_UNIT,
                    pl.col("before") + pl.col("grams"),
                )
            )
            mid = mid.cast(pl.Int128).scatter(left, exact.to_series())
        wide = pl.Int128 if pl.Int128 in (mid.dtype, average.dtype) else pl.Int64
        averages = out["average_after"].cast(wide).scatter(np.searchsorted(ends, partial), mid.cast(wide))
        out = out.with_columns(_narrowed(averages).alias("average_after"))
    return out


def _day_rows(
    group: np.ndarray,
    buy: np.ndarray,
    sell: np.ndarray,
    grams: np.ndarray,
    held: np.ndarray,
    uncovered: np.ndarray,
    at_cost: np.ndarray,
    dating: Future[pl.Series],
    owners: pl.Series,
    skus: pl.Series,
) -> tuple[np.ndarray, pl.DataFrame]:
    """The last row of each (group, day) (`ends`, a null day being a day of its own) and, per day, the
    group, its owner and SKU named, the day, its grams bought, sold and delivered and the position at
    its end (grams as Decimals): all the day columns that need no average, so they are worked out while
    the averages loop."""
    day = dating.result()
    undated = day.is_null().to_numpy()
    days = day.to_physical().fill_null(0).to_numpy()
    last = (group != _shifted(group[::-1], -1)[::-1]) | (days != _shifted(days[::-1], 0)[::-1])
    last |= undated | _shifted(undated[::-1], True)[::-1]
    last[-1] = True
    ends = np.flatnonzero(last)

    def per_day(values: np.ndarray) -> np.ndarray:
        total = np.cumsum(values)[ends]
        day_total: np.ndarray = total - _shifted(total, 0)
        return day_total

    width = max(skus.len(), 1)
    groups = pl.Series(group[ends])
    named = pl.concat([pl.Series([None], dtype=pl.String), owners])
    grams_of = {
        "bought": per_day(np.where(buy, grams, 0)),
        "sold": per_day(np.where(sell, grams, 0)),
        "delivered": per_day(np.where(buy | sell, 0, grams)),
        "held": held[ends],
        "uncovered": uncovered[ends],
    }
    frame = pl.DataFrame(
        {
            "group": groups,
            "customer_external_id": named.gather(groups // width),
            "sku": skus.gather(groups % width),
            "day": day.gather(ends),
            **{name: pl.Series(values).cast(pl.Int128).reinterpret(dtype=GRAMS) for name, values in grams_of.items()},
            "at_cost": at_cost[ends],
        }
    )
    return ends, frame


def _finish(days: pl.DataFrame, skus: pl.Series, price: pl.DataFrame | None) -> pl.DataFrame:
    """The holdings frame from `_ledger`'s: the position valued at cost and at `price` (in integers, rounded
    half-even as polars rounds Decimals), money as the Decimals its integers count."""
    sku = days["group"] % max(skus.len(), 1)
    at_cost = days["at_cost"]
    average = days["average_after"].fill_null(0)
    money = {"cost": _muldiv(at_cost, average, _AVERAGE_UNIT)}
    if price is None:
        money["unrealised_pnl"] = pl.repeat(None, days.height, dtype=pl.Int64, eager=True)
    else:
        by_sku = skus.to_frame("sku").join(price, on="sku", how="left", maintain_order="left")["price"]
        sell = by_sku.cast(MONEY).to_physical().gather(sku)
        gap = _narrowed(
            pl.select(pl.lit(sell) * (_AVERAGE_UNIT // 10**4) - pl.lit(average).cast(pl.Int128)).to_series()
        )
        money["unrealised_pnl"] = _muldiv(at_cost, gap, _AVERAGE_UNIT)
    out = days.with_columns(*(values.alias(name) for name, values in money.items())).select(
        "customer_external_id",
        "sku",
        "day",
        "bought",
        "sold",
        "delivered",
        "held",
        "uncovered",
        pl.when(pl.col("at_cost") > 0).then(_decimal(pl.col("average_after"), 12)).alias("avg_cost"),
        *(_decimal(pl.col(c), 4).alias(c) for c in ("cost", "realised_pnl", "realised_pnl_cum", "unrealised_pnl")),
    )
    return checked(out, HOLDINGS_SCHEMA)


def _narrowed(values: pl.Series) -> pl.Series:
    """An Int128 Series as Int64 when every value fits."""
    narrow = values.cast(pl.Int64, strict=False)
    return narrow if narrow.null_count() == values.null_count() else values


def spread_cost(
    items: Frame,
    *,
    orders: Frame | None = None,
    statuses: Statuses = EXECUTED_STATUSES,
    unknown_currency: str | None = None,
) -> pl.DataFrame:
    """What trading at buy and sell prices instead of spot cost, per month and SKU, in GBP (`SPREAD_COST_SCHEMA`).

    Executed buys and sells only (`statuses`: `catalog.EXECUTED_STATUSES` unless told otherwise). Per item: grams x (price - spot) for a buy, grams x (spot - price)
    for a sell, at the order's own rate, rounded half-even to 4 decimals, then summed. The items'
    rates come from ``orders=`` unless the items frame has a `currency_rate` column (GBP items need none).
    Items of orders with neither a currency nor a rate raise, unless ``unknown_currency="GBP"`` takes
    them to be in GBP (as in `holdings`).

    Examples
    --------
    >>> from minted_lab.frames import items_frame
    >>> items = items_frame([
    ...     {"guid": "G1", "type": "Buy", "status_name": "Completed", "currency_code": "GBP", "order_at": "02-11-2026 10:00",
    ...      "items": [{"sku": "GAU", "amount": 10, "spot_price": 100, "price": 102, "total": 1020}]},
    ...     {"guid": "G2", "type": "Sell", "status_name": "Completed", "currency_code": "GBP", "order_at": "03-11-2026 10:00",
    ...      "items": [{"sku": "GAU", "amount": 4, "spot_price": 105, "price": 103, "total": 412}]},
    ... ])
    >>> spread_cost(items).select("month", "sku", "spot_value", "spread_cost", "spread_cost_ratio")
    shape: (1, 5)
    ┌────────────┬─────┬───────────────┬───────────────┬───────────────────┐
    │ month      ┆ sku ┆ spot_value    ┆ spread_cost   ┆ spread_cost_ratio │
    │ ---        ┆ --- ┆ ---           ┆ ---           ┆ ---               │
    │ date       ┆ str ┆ decimal[38,4] ┆ decimal[38,4] ┆ f64               │
    ╞════════════╪═════╪═══════════════╪═══════════════╪═══════════════════╡
    │ 2026-11-01 ┆ GAU ┆ 1420.0000     ┆ 28.0000       ┆ 0.019718          │
    └────────────┴─────┴───────────────┴───────────────┴───────────────────┘
    >>> spread_cost(items).select("buy_cost", "sell_cost").row(0)
    (Decimal('20.0000'), Decimal('8.0000'))
    """
    unknown_gbp = _unknown_gbp(unknown_currency)
    lazy = _lazy(items)
    if "currency_rate" not in lazy.collect_schema().names():
        lazy = (
            lazy.with_columns(pl.lit(None, dtype=pl.Decimal(38, 12)).alias("currency_rate"))
            if orders is None
            else _with_order_columns(items, orders, ("currency_rate",), "spread_cost", _SPREAD_COLUMNS)
        )
    side = pl.when(pl.col("type") == "Buy").then(pl.lit(Decimal(1))).otherwise(pl.lit(Decimal(-1)))
    rows = (
        lazy.filter(status_in(statuses), pl.col("type").is_in(["Buy", "Sell"]), pl.col("sku").is_not_null())
        .with_columns(
            (pl.col("amount").cast(pl.Decimal(38, 8)) * (pl.col("price") - pl.col("spot_price")) * side).alias("over"),
            (pl.col("amount").cast(pl.Decimal(38, 8)) * pl.col("spot_price")).alias("at_spot"),
        )
        .with_columns(_gbp("over", unknown_gbp).alias("cost"), _gbp("at_spot", unknown_gbp).alias("spot_value"))
        .collect(engine=_ENGINE)
    )
    unvalued = pl.col("cost").is_null() | pl.col("spot_value").is_null()
    if rows.select(unvalued.any()).item():
        bad = rows.filter(unvalued).select(
            "currency",
            "currency_rate",
            (pl.col("over").is_null() | pl.col("at_spot").is_null()).alias("incomplete"),
            _order_ids(rows.columns).alias("order"),
        )
        raise _unvalued(bad, unknown_currency, "they have no amount, price or spot_price", "spread_cost")
    table = (
        rows.group_by(pl.col("order_at").dt.truncate("1mo").dt.date().alias("month"), "sku")
        .agg(
            pl.len().cast(pl.UInt32).alias("items"),
            pl.col("amount").sum().cast(GRAMS).alias("grams"),
            pl.col("spot_value").sum().cast(MONEY),
            pl.col("cost").filter(pl.col("type") == "Buy").sum().cast(MONEY).alias("buy_cost"),
            pl.col("cost").filter(pl.col("type") == "Sell").sum().cast(MONEY).alias("sell_cost"),
        )
        .with_columns((pl.col("buy_cost") + pl.col("sell_cost")).cast(MONEY).alias("spread_cost"))
        .with_columns(
            pl.when(pl.col("spot_value") != 0)
            .then(pl.col("spread_cost").cast(pl.Float64) / pl.col("spot_value").cast(pl.Float64))
            .alias("spread_cost_ratio")
        )
        .sort("month", "sku")
    )
    return checked(table.select(SPREAD_COST_SCHEMA.names()), SPREAD_COST_SCHEMA)


def customers(
    orders: Frame,
    items: Frame | None = None,
    *,
    statuses: Statuses = EXECUTED_STATUSES,
    unknown_currency: str | None = None,
) -> pl.DataFrame:
    """Per customer: orders, executed orders, GBP bought and sold, first and last order, grams held (`CUSTOMERS_SCHEMA`).

    Parameters
    ----------
    orders
        The orders frame (`ORDERS_SCHEMA`); orders without a customer (the partner's own) are left out.
    items
        The items frame of the same history, for the grams held per catalogue SKU (`held_<SKU>`:
        executed buys - sells - deliveries); without it those columns are null.
    statuses
        Which orders count as executed (`catalog.EXECUTED_STATUSES` by default; None for every status).
    unknown_currency
        The currency of orders that carry neither a currency nor a rate (the documented Get Order
        shape of a GBP order): None (they have no GBP value, and `customers` raises saying so) or
        ``"GBP"`` (they count at their `total`, for a partner who trades in GBP only), as in `holdings`.
        No other currency can be taken without a rate.

    Returns
    -------
    pl.DataFrame
        One row per customer, sorted by `customer_external_id` (`CUSTOMERS_SCHEMA`).

    Raises
    ------
    ValueError
        When an executed buy or sell has no GBP value (the message counts them, names an order and
        says why), or `unknown_currency` is not a currency code.

    Notes
    -----
    An executed buy or sell counts at its `currency_total` (its total in GBP), else at `total` x
    `currency_rate` (1 for a GBP order), rounded half-even to 4 decimals. A `currency_total` of 0
    on a nonzero total is no value where the order has no rate (the documented Get Order shape
    shows it so on GBP orders), or where total x rate is half a penny or more, which no rounding
    to pennies makes 0; beside a rate whose product rounds to 0.00, it is the API's own GBP total
    and counts as stated. Orders that are not executed (cancelled, pending, ...) need no value.

    Examples
    --------
    >>> from minted_lab.frames import order_frames
    >>> orders, items = order_frames([
    ...     {"guid": "G1", "type": "Buy", "status_name": "Completed", "currency_code": "GBP", "total": 1000,
    ...      "currency_total": 1000, "order_at": "02-11-2026 10:00", "customer": {"external_id": "C1"},
    ...      "items": [{"sku": "GAU", "amount": 10, "total": 1000}]},
    ...     {"guid": "G2", "type": "Sell", "status_name": "Cancelled", "currency_code": "GBP", "total": 400,
    ...      "currency_total": 400, "order_at": "03-11-2026 10:00", "customer": {"external_id": "C1"},
    ...      "items": [{"sku": "GAU", "amount": 4, "total": 400}]},
    ... ])
    >>> customers(orders, items).select("customer_external_id", "orders", "executed", "bought", "sold", "held_GAU")
    shape: (1, 6)
    ┌──────────────────────┬────────┬──────────┬───────────────┬───────────────┬───────────────┐
    │ customer_external_id ┆ orders ┆ executed ┆ bought        ┆ sold          ┆ held_GAU      │
    │ ---                  ┆ ---    ┆ ---      ┆ ---           ┆ ---           ┆ ---           │
    │ str                  ┆ u32    ┆ u32      ┆ decimal[38,4] ┆ decimal[38,4] ┆ decimal[38,4] │
    ╞══════════════════════╪════════╪══════════╪═══════════════╪═══════════════╪═══════════════╡
    │ C1                   ┆ 2      ┆ 1        ┆ 1000.0000     ┆ 0.0000        ┆ 10.0000       │
    └──────────────────────┴────────┴──────────┴───────────────┴───────────────┴───────────────┘

    The same buy in the documented Get Order shape (no currency_code, currency_rate null,
    currency_total 0) has no GBP value until ``unknown_currency="GBP"`` says it is a GBP order:

    >>> bare = orders.drop("currency").with_columns(
    ...     currency=pl.lit(None, pl.String), currency_rate=None, currency_total=pl.lit(0).cast(pl.Decimal(38, 4)))
    >>> customers(bare)
    Traceback (most recent call last):
    ...
    ValueError: customers: 1 executed orders have no GBP value (order G1): they carry neither ...
    >>> customers(bare, unknown_currency="GBP")["bought"].item()
    Decimal('1000.0000')
    """
    unknown_gbp = _unknown_gbp(unknown_currency)
    lazy = _lazy(orders).filter(pl.col("customer_external_id").is_not_null())
    converted = (pl.col("total").cast(pl.Decimal(38, 16)) * pl.col("currency_rate")).abs()
    placeholder = (
        (pl.col("currency_total") == 0)
        & (pl.col("total") != 0).fill_null(True)
        & (pl.col("currency_rate").is_null() | (converted >= PENNY_HALF)).fill_null(True)
    )
    stated = pl.col("currency_total").is_not_null() & ~placeholder.fill_null(False)
    gbp = (
        pl.when(stated.fill_null(False))
        .then(pl.col("currency_total").cast(MONEY))
        .otherwise(_gbp("total", unknown_gbp))
    )
    done = status_in(statuses)
    unvalued = (done & pl.col("type").is_in(["Buy", "Sell"]) & gbp.is_null()).fill_null(False)

    def total_of(kind: str) -> pl.Expr:
        return gbp.filter(done & (pl.col("type") == kind)).sum().cast(MONEY)

    table = (
        lazy.group_by("customer_external_id")
        .agg(
            pl.len().cast(pl.UInt32).alias("orders"),
            done.sum().cast(pl.UInt32).alias("executed"),
            total_of("Buy").alias("bought"),
            total_of("Sell").alias("sold"),
            pl.col("order_at").min().alias("first_order_at"),
            pl.col("order_at").max().alias("last_order_at"),
            unvalued.any().alias("_unvalued"),
        )
        .collect()
    )
    if table["_unvalued"].any():
        names = lazy.collect_schema().names()
        bad = (
            lazy.filter(unvalued)
            .select(
                "currency",
                "currency_rate",
                pl.col("total").is_null().alias("incomplete"),
                _order_ids(names).alias("order"),
            )
            .collect(engine=_ENGINE)
        )
        raise _unvalued(bad, unknown_currency, "they have no total", "customers", rows="orders")
    skus = [name.removeprefix("held_") for name in CUSTOMERS_SCHEMA.names() if name.startswith("held_")]
    held = table.select("customer_external_id")
    if items is None:
        held = held.with_columns(pl.lit(None, dtype=GRAMS).alias(f"held_{sku}") for sku in skus)
    else:
        sign = pl.when(pl.col("type") == "Buy").then(pl.lit(Decimal(1))).otherwise(pl.lit(Decimal(-1)))
        sums = (
            _with_order_columns(
                items, orders, ("customer_external_id",), "customers", ("type", "status_name", "sku", "amount")
            )
            .filter(
                status_in(statuses),
                pl.col("customer_external_id").is_not_null(),
                pl.col("type").is_in(["Buy", "Sell", "Delivery"]),
            )
            .group_by("customer_external_id", "sku")
            .agg((pl.col("amount") * sign).sum().cast(GRAMS).alias("grams"))
            .collect()
        )
        for sku in skus:
            one = sums.filter(pl.col("sku") == sku).select("customer_external_id", pl.col("grams").alias(f"held_{sku}"))
            held = held.join(one, on="customer_external_id", how="left").with_columns(
                pl.col(f"held_{sku}").fill_null(pl.lit(Decimal(0))).cast(GRAMS)
            )
    table = table.join(held, on="customer_external_id", how="left").sort("customer_external_id")
    return checked(table.select(CUSTOMERS_SCHEMA.names()), CUSTOMERS_SCHEMA)
