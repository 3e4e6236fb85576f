"""What is held, at what average cost, what it made, and what the spread over spot cost: from the items frame.

Only orders that moved metal and money count: their status is one of `catalog.EXECUTED_STATUSES` (the one
definition; cancelled, refunded, still pending or new orders moved nothing that stays moved). Money
is converted to GBP with each order's own `currency_rate` (GBP per unit of the order's currency; a
GBP order counts at its own amounts) and stays `pl.Decimal`; every rounding is half-even and named
where it happens.

The items frame (`ITEMS_SCHEMA`) carries neither the order's customer nor its rate: pass the orders
frame as ``orders=`` and they are joined in by `guid` (an items frame that already has
`customer_external_id` and `currency_rate` columns needs no orders).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Final

import polars as pl

from minted_lab.catalog import DIGITAL_SKUS, EXECUTED_STATUSES
from minted_lab.frames._schemas import TIME, checked
from minted_lab.frames.dtypes import GRAMS, MONEY

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
_PRODUCT: Final = pl.Decimal(38, 16)
"""Grams (4 decimals) times an average (12 decimals) without rounding."""

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
`currency_total`), first and last order time, and grams held per catalogue SKU (`held_<SKU>`:
bought - sold - delivered; null when no items are given)."""

Frame = pl.DataFrame | pl.LazyFrame
BASE = "GBP"


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
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _with_order_columns(items: Frame, orders: Frame | None, wanted: tuple[str, ...], what: str) -> pl.LazyFrame:
    """`items` with the order columns it lacks (`wanted`) joined in from `orders` by guid."""
    lazy = _lazy(items)
    names = lazy.collect_schema().names()
    missing = [c for c in wanted if c not in names]
    if not missing:
        return lazy
    if orders is None:
        raise ValueError(
            f"{what} needs each item's {' and '.join(missing)}, which the items frame does not carry: "
            f"pass orders= (the orders frame of the same history)"
        )
    keys = _lazy(orders).select("guid", *missing).unique("guid", keep="first")
    return lazy.join(keys, on="guid", how="left", maintain_order="left")


def _rate_units() -> pl.Expr:
    """The order's GBP rate in units of 1e-12 (1 for a GBP order)."""
    return (
        pl.when(pl.col("currency") == BASE)
        .then(pl.lit(10**12, dtype=pl.Int128))
        .otherwise(_units("currency_rate", pl.Decimal(38, 12)).cast(pl.Int128))
    )


def _gbp_units(amount: str) -> pl.Expr:
    """`amount` (order currency) in GBP at the order's rate, in units of 1e-4 GBP rounded half-even."""
    return _divide(_units(amount, MONEY).cast(pl.Int128) * _rate_units(), pl.lit(10**12)).cast(pl.Int64)


def _gbp(amount: str) -> pl.Expr:
    """`amount` (order currency) in GBP at the order's rate, rounded half-even to 4 decimals."""
    rate = pl.when(pl.col("currency") == BASE).then(pl.lit(Decimal(1))).otherwise(pl.col("currency_rate"))
    return (pl.col(amount).cast(pl.Decimal(38, 16)) * rate.cast(pl.Decimal(38, 12))).round(4).cast(MONEY)


def _no_rate_check(rows: pl.DataFrame, column: str, what: str) -> None:
    bad = rows.filter(pl.col(column).is_null())
    if bad.height:
        currencies = sorted(c for c in bad["currency"].unique().to_list() if c is not None)
        raise ValueError(
            f"{what}: {bad.height} executed items have no GBP value (currency {', '.join(currencies) or 'unknown'} "
            "without a currency_rate, or no total)"
        )


def _units(column: str, dtype: pl.Decimal) -> pl.Expr:
    """A Decimal column as an Int64 count of its smallest unit (1e-4 for grams and money)."""
    return pl.col(column).cast(dtype).to_physical().cast(pl.Int64)


def _decimal(units: pl.Expr, scale: int) -> pl.Expr:
    """An integer count of 10**-scale units as the Decimal(38, scale) it stands for, exactly."""
    return units.cast(pl.Decimal(38, 0)) * pl.lit(Decimal(1).scaleb(-scale)).cast(pl.Decimal(38, scale))


def _divide(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Integer division rounded half-even (Int128, positive denominators), as polars' own Decimal casts round.

    Its operands appear more than once: use it in lazy queries, where polars computes each once.
    """
    n, d = numerator.cast(pl.Int128), denominator.cast(pl.Int128)
    quotient = n // d
    twice = (n % d) * 2
    up = (twice > d) | ((twice == d) & ((quotient & 1) == 1))
    return quotient + up.cast(pl.Int128)


def _averages(groups: list[int], before: list[int], grams: list[int], costs: list[int]) -> tuple[list[int], list[int]]:
    """The average entering and leaving each run of buys (units of 1e-12 GBP per gram), runs in time order.

    A run is a series of buys of one owner and SKU with no sell or delivery between them. Its buys
    pool exactly: after it, the average is ``(held before x average before + the run's cost) /
    (held before + the run's grams)``, rounded half-even; sells and deliveries leave it as it is.
    The one Python loop of `holdings`, over runs (not rows), on plain integers.
    """
    entering: list[int] = []
    leaving: list[int] = []
    group = -1
    average = 0
    for g, held, amount, cost in zip(groups, before, grams, costs, strict=True):
        if g != group:
            group, average = g, 0
        entering.append(average)
        total = held + amount
        if total > 0:
            quotient, remainder = divmod(held * average + cost * _AVERAGE_UNIT, total)
            twice = 2 * remainder
            average = quotient + 1 if twice > total or (twice == total and quotient & 1) else quotient
        leaving.append(average)
    return entering, leaving


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
    lazy = _with_order_columns(items, orders, ("customer_external_id", "currency_rate"), "holdings")
    rows = (
        lazy.with_row_index("_seq")
        .filter(status_in(statuses), pl.col("type").is_in(["Buy", "Sell", "Delivery"]), pl.col("sku").is_not_null())
        .select(
            "customer_external_id",
            "sku",
            "_seq",
            "order_at",
            "currency",
            (pl.col("type") == "Buy").alias("buy"),
            (pl.col("type") == "Sell").alias("sell"),
            _units("amount", GRAMS).fill_null(0).alias("grams"),
            _gbp_units("total").alias("gbp"),
        )
        .collect()
    )
    _no_gbp_check(rows, "holdings")
    if rows.is_empty():
        return pl.DataFrame(schema=HOLDINGS_SCHEMA)
    rows, pairs = _grouped(rows)
    rows = _positions(rows)
    runs = rows.filter(pl.col("run_end"))
    entering, leaving = _averages(
        runs["group"].to_list(), runs["run_before"].to_list(), runs["run_grams"].to_list(), runs["run_cost"].to_list()
    )
    days = _days(rows, pl.Series(entering, dtype=pl.Int128), pl.Series([0, *leaving], dtype=pl.Int128))
    return _finish(days, pairs, _sell_prices(prices))


def _no_gbp_check(rows: pl.DataFrame, what: str) -> None:
    trading = pl.col("buy") | pl.col("sell")
    missing = rows.select((trading & pl.col("gbp").is_null()).sum()).item()
    if missing:
        bad = rows.filter(trading & pl.col("gbp").is_null())
        currencies = sorted(c for c in bad["currency"].unique().to_list() if c is not None)
        raise ValueError(
            f"{what}: {missing} executed items have no GBP value (currency {', '.join(currencies) or 'unknown'} "
            "without a currency_rate, or no total)"
        )


def _grouped(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows numbered by (owner, SKU) in alphabetical order (the partner first) and sorted by it, then time.

    Also returns the (group, customer_external_id, sku) table the numbers stand for.
    """
    owners = rows["customer_external_id"].unique().drop_nulls().sort()
    skus = rows["sku"].unique().sort()
    width = max(len(skus), 1)
    owner = pl.col("customer_external_id").replace_strict(
        owners, range(1, len(owners) + 1), default=0, return_dtype=pl.Int64
    )
    sku = pl.col("sku").replace_strict(skus, range(len(skus)), return_dtype=pl.Int64)
    rows = rows.select(
        (owner * width + sku).alias("group"), "order_at", "_seq", "buy", "sell", "grams", pl.col("gbp").fill_null(0)
    )
    if rows["order_at"].is_sorted() and rows["order_at"].null_count() == 0:
        rows = rows.sort("group", maintain_order=True)
    else:
        rows = rows.sort("group", "order_at", "_seq", nulls_last=True)
    present = rows["group"].unique(maintain_order=True)
    pairs = pl.DataFrame({"group": present}).with_columns(
        pl.col("group")
        .floordiv(width)
        .replace_strict(range(1, len(owners) + 1), owners, default=None, return_dtype=pl.String)
        .alias("customer_external_id"),
        (pl.col("group") % width).replace_strict(range(len(skus)), skus, return_dtype=pl.String).alias("sku"),
    )
    return rows, pairs


def _starts(key: pl.Expr) -> pl.Expr:
    """True on the first row of each run of equal `key` values (rows sorted by `key`)."""
    return (key != key.shift(1)).fill_null(True)


def _segment_sum(value: pl.Expr, first: pl.Expr) -> pl.Expr:
    """Running sum of `value` that restarts where `first` is true: one pass, no grouping."""
    running = value.cum_sum()
    return running - pl.when(first).then(running - value).forward_fill()


def _positions(rows: pl.DataFrame) -> pl.DataFrame:
    """Per row: grams held after it (bought - sold - delivered so far), `uncovered` (grams that left beyond
    what was bought, cumulative), `at_cost` (held + uncovered: the position with a known cost), the
    position before it, and for buys their run (number, position before it, grams and cost so far)."""
    buy, first = pl.col("buy"), _starts(pl.col("group"))
    move = pl.when(buy).then(pl.col("grams")).otherwise(-pl.col("grams"))
    low = pl.col("held").cum_min().over("group")
    run_first = buy & (first | ~buy.shift(1).fill_null(False))
    run_last = buy & (_starts(pl.col("group")).shift(-1).fill_null(True) | ~buy.shift(-1).fill_null(False))
    return (
        rows.lazy()
        .with_columns(
            _segment_sum(move, first).alias("held"),
            pl.col("order_at").dt.date().alias("day"),
            first.alias("first"),
            run_last.alias("run_end"),
        )
        .with_columns(pl.when(low < 0).then(-low).otherwise(0).alias("uncovered"))
        .with_columns((pl.col("held") + pl.col("uncovered")).alias("at_cost"))
        .with_columns(pl.when(first).then(0).otherwise(pl.col("at_cost").shift(1)).alias("before"))
        .with_columns(
            pl.when(buy).then(run_first.cum_sum()).alias("run"),
            pl.when(run_first).then(pl.col("before")).forward_fill().alias("run_before"),
            _segment_sum(pl.col("grams"), run_first).alias("run_grams"),
            _segment_sum(pl.col("gbp"), run_first).alias("run_cost"),
        )
        .with_columns(
            pl.when(pl.col("first") & pl.col("run").is_null())
            .then(0)
            .otherwise(pl.col("run"))
            .forward_fill()
            .alias("last_run"),
            pl.when(buy).then(0).otherwise(pl.min_horizontal("grams", "before")).alias("covered"),
        )
        .drop("order_at", "_seq")
        .collect()
    )


def _days(rows: pl.DataFrame, entering: pl.Series, leaving: pl.Series) -> pl.DataFrame:
    """One row per (group, day): the day's grams and realised P&L, the end-of-day position and average.

    `entering` and `leaving` are each run's averages (`leaving[0]` is 0: no run yet); a sell or a
    delivery leaves at the average its last run left (`last_run`), so only sells and the day's last
    rows look averages up.
    """
    n = rows.height
    buy, sell = pl.col("buy"), pl.col("sell")
    sells = rows.lazy().with_row_index("_at").filter(sell & (pl.col("covered") > 0)).collect()
    whole = pl.col("covered") == pl.col("grams")
    share = (
        pl.when(whole)
        .then(pl.col("gbp").cast(pl.Int128))
        .otherwise(_divide(pl.col("gbp").cast(pl.Int128) * pl.col("covered"), pl.col("grams")))
    )
    at_average = _divide(pl.col("covered").cast(pl.Int128) * pl.col("average_before"), pl.lit(_AVERAGE_UNIT))
    realised = (
        sells.lazy()
        .with_columns(leaving.gather(sells["last_run"]).alias("average_before"))
        .select("_at", (share - at_average).cast(pl.Int64).alias("realised"))
        .collect()
    )
    zeros = pl.zeros(n, pl.Int64, eager=True).alias("realised")
    rows = rows.with_columns(zeros.scatter(realised["_at"], realised["realised"]))
    kinds = {"bought": buy, "sold": sell, "delivered": ~buy & ~sell}
    last = (pl.col("group") != pl.col("group").shift(-1)) | (pl.col("day") != pl.col("day").shift(-1))
    sums = [*kinds, "realised_pnl"]
    days = (
        rows.lazy()
        .with_columns(
            *(pl.when(kind).then(pl.col("grams")).otherwise(0).cum_sum().alias(name) for name, kind in kinds.items()),
            pl.col("realised").cum_sum().alias("realised_pnl"),
        )
        .filter(last.fill_null(True))
        .with_columns(pl.col(c) - pl.col(c).shift(1).fill_null(0) for c in sums)
        .with_columns(_segment_sum(pl.col("realised_pnl"), _starts(pl.col("group"))).alias("realised_pnl_cum"))
        .with_row_index("_at")
        .collect()
    )
    days = days.with_columns(leaving.gather(days["last_run"]).alias("average_after"))
    partial = days.filter(pl.col("buy") & ~pl.col("run_end"))
    if partial.height:
        mid = (
            partial.lazy()
            .with_columns(entering.gather(partial["run"] - 1).alias("entering"))
            .select(
                "_at",
                _divide(
                    pl.col("run_before").cast(pl.Int128) * pl.col("entering")
                    + pl.col("run_cost").cast(pl.Int128) * _AVERAGE_UNIT,
                    pl.col("run_before") + pl.col("run_grams"),
                ).alias("average"),
            )
            .collect()
        )
        days = days.with_columns(days["average_after"].scatter(mid["_at"], mid["average"]))
    return days


def _finish(days: pl.DataFrame, pairs: pl.DataFrame, price: pl.DataFrame | None) -> pl.DataFrame:
    """The holdings frame: owners and SKUs named, integers as Decimals, the position valued at cost and at `price`."""
    frame = days.lazy().join(pairs.lazy(), on="group", how="left", maintain_order="left")
    if price is not None:
        frame = frame.join(price.lazy(), on="sku", how="left", maintain_order="left")
    positioned = pl.col("at_cost") > 0
    at_cost = _decimal(pl.col("at_cost"), 4).cast(pl.Decimal(38, 16))
    average = pl.when(positioned).then(_decimal(pl.col("average_after"), 12)).cast(AVERAGE)
    if price is None:
        unrealised = pl.lit(None, dtype=MONEY)
    else:
        gain = (at_cost * (pl.col("price").cast(AVERAGE) - pl.col("avg_cost"))).round(4)
        unrealised = pl.when(pl.col("price").is_not_null()).then(
            pl.when(positioned).then(gain).otherwise(pl.lit(Decimal(0)))
        )
    out = (
        frame.with_columns(average.alias("avg_cost"))
        .select(
            "customer_external_id",
            "sku",
            "day",
            *(
                _decimal(pl.col(c), 4).cast(GRAMS).alias(c)
                for c in ("bought", "sold", "delivered", "held", "uncovered")
            ),
            "avg_cost",
            (at_cost * pl.col("avg_cost").fill_null(pl.lit(Decimal(0)))).round(4).cast(MONEY).alias("cost"),
            _decimal(pl.col("realised_pnl"), 4).cast(MONEY).alias("realised_pnl"),
            _decimal(pl.col("realised_pnl_cum"), 4).cast(MONEY).alias("realised_pnl_cum"),
            unrealised.cast(MONEY).alias("unrealised_pnl"),
        )
        .collect()
    )
    return checked(out, HOLDINGS_SCHEMA)


def spread_cost(items: Frame, *, orders: Frame | None = None, statuses: Statuses = EXECUTED_STATUSES) -> pl.DataFrame:
    """What trading at buy and sell prices instead of spot cost, per month and SKU, in GBP (`SPREAD_COST_SCHEMA`).

    Executed buys and sells only (`statuses`: `catalog.EXECUTED_STATUSES` unless told otherwise). Per item: grams x (price - spot) for a buy, grams x (spot - price)
    for a sell, at the order's own rate, rounded half-even to 4 decimals, then summed. The items'
    rates come from ``orders=`` unless the items frame has a `currency_rate` column (GBP items need none).

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
    lazy = _lazy(items)
    if "currency_rate" not in lazy.collect_schema().names():
        lazy = (
            lazy.with_columns(pl.lit(None, dtype=pl.Decimal(38, 12)).alias("currency_rate"))
            if orders is None
            else (_with_order_columns(lazy, orders, ("currency_rate",), "spread_cost"))
        )
    side = pl.when(pl.col("type") == "Buy").then(pl.lit(Decimal(1))).otherwise(pl.lit(Decimal(-1)))
    rows = (
        lazy.filter(status_in(statuses), pl.col("type").is_in(["Buy", "Sell"]), pl.col("sku").is_not_null())
        .with_columns(
            (pl.col("amount").cast(pl.Decimal(38, 8)) * (pl.col("price") - pl.col("spot_price")) * side).alias("over"),
            (pl.col("amount").cast(pl.Decimal(38, 8)) * pl.col("spot_price")).alias("at_spot"),
        )
        .with_columns(_gbp("over").alias("cost"), _gbp("at_spot").alias("spot_value"))
        .collect()
    )
    _no_rate_check(rows, "spot_value", "spread_cost")
    _no_rate_check(rows, "cost", "spread_cost")
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


def customers(orders: Frame, items: Frame | None = None, *, statuses: Statuses = EXECUTED_STATUSES) -> pl.DataFrame:
    """Per customer: orders, executed orders, GBP bought and sold, first and last order, grams held (`CUSTOMERS_SCHEMA`).

    GBP amounts are each executed order's `currency_total` (else total x `currency_rate`); grams
    held per catalogue SKU come from `items` (executed buys - sells - deliveries) and are null
    without them. `statuses` says which orders count as executed (`catalog.EXECUTED_STATUSES`).

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
    """
    lazy = _lazy(orders).filter(pl.col("customer_external_id").is_not_null())
    rate = pl.when(pl.col("currency") == BASE).then(pl.lit(Decimal(1))).otherwise(pl.col("currency_rate"))
    gbp = pl.coalesce(pl.col("currency_total"), (pl.col("total").cast(pl.Decimal(38, 16)) * rate).round(4)).cast(MONEY)
    done = status_in(statuses)

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
        )
        .collect()
    )
    skus = [name.removeprefix("held_") for name in CUSTOMERS_SCHEMA.names() if name.startswith("held_")]
    held = table.select("customer_external_id")
    if items is None:
        held = held.with_columns(pl.lit(None, dtype=GRAMS).alias(f"held_{sku}") for sku in skus)
    else:
        sign = pl.when(pl.col("type") == "Buy").then(pl.lit(Decimal(1))).otherwise(pl.lit(Decimal(-1)))
        sums = (
            _with_order_columns(items, orders, ("customer_external_id",), "customers")
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
