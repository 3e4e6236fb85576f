"""Frames for the plot tests: a small priced history and orders in several currencies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest

from minted_lab import frames

SPOTS = {"GAU": Decimal("61.20"), "GAG": Decimal("0.74"), "GPT": Decimal("24.15")}
RATES = {"GBP": Decimal("1"), "TRY": Decimal("0.019120453"), "USD": Decimal("0.789123")}
START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def _q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="session")
def prices() -> pl.DataFrame:
    """Hourly GBP prices for three SKUs over two weeks (buy 2 % above spot, sell 2 % below)."""
    rng = random.Random(3)
    rows = []
    for h in range(24 * 14):
        at = (START + timedelta(hours=h)).isoformat()
        for sku, base in SPOTS.items():
            spot = _q(base * Decimal(1 + 0.02 * rng.uniform(-1, 1)), "0.0001")
            rows.append(
                {
                    "sku": sku,
                    "currency_code": "GBP",
                    "updated_at": at,
                    "spot_price": spot,
                    "buy_price": _q(spot * Decimal("1.02")),
                    "sell_price": _q(spot * Decimal("0.98")),
                }
            )
    return frames.prices_frame(rows)


def _order(i: int, rng: random.Random) -> dict[str, object]:
    currency = rng.choice(list(RATES))
    kind = rng.choice(["Buy", "Sell"])
    items = []
    for _ in range(rng.randint(1, 3)):
        sku = rng.choice(list(SPOTS))
        spot = _q(SPOTS[sku] / RATES[currency], "0.0001")
        price = _q(spot * (Decimal("1.03") if kind == "Buy" else Decimal("0.97")))
        amount = Decimal(rng.randint(1, 50)) if kind == "Sell" else _q(Decimal(rng.uniform(0.1, 20)), "0.0001")
        items.append(
            {
                "sku": sku,
                "product_id": 3000001,
                "product_name": sku,
                "spot_price": spot,
                "price": price,
                "tax_rate": 0,
                "tax": 0,
                "amount": amount,
                "total": _q(price * amount),
            }
        )
    total = sum((it["total"] for it in items), Decimal(0))  # type: ignore[misc]
    at = START + timedelta(hours=7 * i)
    return {
        "guid": f"G-{i:05d}",
        "order_code": f"C{i:07d}",
        "external_id": f"E-{i}",
        "type": kind,
        "price": total,
        "tax": 0,
        "total": total,
        "currency_code": currency,
        "currency_rate": RATES[currency],
        "currency_total": _q(total * RATES[currency]),
        "status_id": 5,
        "status_name": "Completed",
        "order_at": at.astimezone(timezone(timedelta(hours=3))).strftime("%d-%m-%Y %H:%M"),
        "customer": None,
        "items": items,
    }


@pytest.fixture(scope="session")
def order_dicts() -> list[dict[str, object]]:
    """300 orders over about three months, GBP/TRY/USD, 1-3 items each, as the API shows them."""
    rng = random.Random(11)
    return [_order(i, rng) for i in range(300)]


@pytest.fixture(scope="session")
def orders_items(order_dicts: list[dict[str, object]]) -> frames.OrderFrames:
    """The orders and items frames of `order_dicts`."""
    return frames.order_frames(order_dicts)
