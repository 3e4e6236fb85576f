"""The frames' spread columns are `catalog.spread` and `catalog.spread_ratio`, computed over columns."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from minted_lab import frames
from minted_lab.catalog import spread, spread_ratio
from minted_lab.frames._spread import spread_expr, spread_ratio_expr

SAMPLES: list[tuple[Decimal, Decimal | None]] = [
    (Decimal("1.16"), Decimal("1.2127")),
    (Decimal("1.28"), Decimal("1.2127")),
    (Decimal("55.94"), Decimal("50.85")),
    (Decimal("31.16"), Decimal("34.7041")),
    (Decimal("1889.73"), Decimal("1813.02")),
    (Decimal("0.01"), Decimal("99999.9999")),
    (Decimal("12.50"), Decimal("12.50")),
    (Decimal("10"), Decimal("0")),
    (Decimal("10"), None),
]
"""(price, spot) pairs: sells below spot, buys above, no spread, a spot of 0 and a missing spot."""

pytestmark = pytest.mark.filterwarnings(
    "ignore::minted_lab.frames.MissingFieldsWarning"
)  # reported, and asserted, in test_variance


def test_the_vectorised_spread_is_catalogs_on_every_sample() -> None:
    frame = pl.DataFrame(
        {"price": [p for p, _ in SAMPLES], "spot": [s for _, s in SAMPLES]},
        schema={"price": frames.MONEY, "spot": frames.MONEY},
    )
    out = frame.select(spread_expr("price", "spot").alias("spread"), spread_ratio_expr("price", "spot").alias("ratio"))
    assert out.schema == pl.Schema({"spread": frames.MONEY, "ratio": pl.Float64()})
    for (price, spot), got_spread, got_ratio in zip(SAMPLES, out["spread"], out["ratio"], strict=True):
        assert got_spread == (None if spot is None else spread(price, spot)), (price, spot)
        want = spread_ratio(price, spot)
        if want is None:
            assert got_ratio is None, (price, spot)
        else:
            assert got_ratio == pytest.approx(want, rel=1e-15, abs=0), (price, spot)


def test_a_missing_price_gives_a_null_spread_and_ratio() -> None:
    frame = pl.DataFrame(
        {"price": [None], "spot": [Decimal("1.2127")]}, schema={"price": frames.MONEY, "spot": frames.MONEY}
    )
    assert frame.select(spread_expr("price", "spot"), spread_ratio_expr("price", "spot").alias("r")).row(0) == (
        None,
        None,
    )


def test_items_and_prices_frames_carry_catalogs_spread() -> None:
    price, spot = Decimal("1.16"), Decimal("1.2127")
    order = {
        "guid": "G",
        "order_code": "C",
        "type": "Sell",
        "order_at": "31-05-2023 03:16",
        "items": [{"sku": "GAG", "spot_price": spot, "price": price, "amount": Decimal(1), "total": price}],
    }
    item = frames.items_frame([order]).row(0, named=True)
    assert item["spread"] == spread(price, spot)
    assert item["spread_ratio"] == pytest.approx(spread_ratio(price, spot), rel=1e-15)
    row = {
        "sku": "GAG",
        "updated_at": "2026-11-02T09:30:00+03:00",
        "spot_price": spot,
        "buy_price": price,
        "sell_price": price,
    }
    quoted = frames.prices_frame([row]).row(0, named=True)
    assert quoted["buy_spread"] == quoted["sell_spread"] == spread(price, spot)
    assert (
        quoted["buy_spread_ratio"] == quoted["sell_spread_ratio"] == pytest.approx(spread_ratio(price, spot), rel=1e-15)
    )
