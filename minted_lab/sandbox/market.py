"""Seeded, deterministic price paths per SKU (GBP per gram) and exchange rates, a pure function of time."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from minted_lab.sandbox.catalog import BY_SKU, CURRENCY_CODES, SKUS
from minted_lab.sandbox.money import CENT, SIX, round2, round4

_MASK = (1 << 64) - 1
DAY = 86400

#: (period in seconds, weight) of the value-noise octaves behind every level; weights sum to 1
LEVEL_OCTAVES: tuple[tuple[int, Decimal], ...] = (
    (90 * DAY, Decimal("0.40")),
    (21 * DAY, Decimal("0.25")),
    (5 * DAY, Decimal("0.15")),
    (DAY, Decimal("0.09")),
    (6 * 3600, Decimal("0.06")),
    (3600, Decimal("0.03")),
    (600, Decimal("0.02")),
)
SPREAD_OCTAVES: tuple[tuple[int, Decimal], ...] = (
    (3 * DAY, Decimal("0.5")),
    (6 * 3600, Decimal("0.3")),
    (3600, Decimal("0.2")),
)


@dataclass(frozen=True)
class MetalModel:
    """Level, volatility (max relative swing) and buy/sell spread ranges over spot of one metal.

    `below_spot` is used only with the documented price sides (spot > buy > sell, pricefix_response.json):
    the range of the buy price's distance below spot; the sell price then lies `sell_spread` further down.
    """

    base: Decimal
    swing: Decimal
    buy_spread: tuple[Decimal, Decimal]
    sell_spread: tuple[Decimal, Decimal]
    below_spot: tuple[Decimal, Decimal] = (Decimal("0.005"), Decimal("0.020"))


METALS: dict[str, MetalModel] = {
    "gold": MetalModel(
        Decimal(100),
        Decimal("0.045"),
        (Decimal("0.015"), Decimal("0.030")),
        (Decimal("0.012"), Decimal("0.025")),
        (Decimal("0.005"), Decimal("0.020")),
    ),
    "silver": MetalModel(
        Decimal("1.2"),
        Decimal("0.075"),
        (Decimal("0.040"), Decimal("0.070")),
        (Decimal("0.035"), Decimal("0.060")),
        (Decimal("0.001"), Decimal("0.030")),
    ),
    "platinum": MetalModel(
        Decimal("37.5"),
        Decimal("0.060"),
        (Decimal("0.025"), Decimal("0.045")),
        (Decimal("0.020"), Decimal("0.040")),
        (Decimal("0.005"), Decimal("0.025")),
    ),
    "palladium": MetalModel(
        Decimal("32.5"),
        Decimal("0.060"),
        (Decimal("0.025"), Decimal("0.045")),
        (Decimal("0.020"), Decimal("0.040")),
        (Decimal("0.005"), Decimal("0.025")),
    ),
}
#: the price orders a market can answer with (profiles.PriceSides)
BUY_ABOVE_SPOT = "buy>spot>sell"
BUY_BELOW_SPOT = "spot>buy>sell"
#: units of the currency per GBP, and the maximum relative swing
RATES: dict[str, tuple[Decimal, Decimal]] = {
    "TRY": (Decimal(55), Decimal("0.030")),
    "USD": (Decimal("1.33"), Decimal("0.020")),
    "EUR": (Decimal("1.15"), Decimal("0.015")),
}


def _mix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _stream_key(seed: int, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "big")


def _lattice(key: int, index: int) -> int:
    return _mix(key ^ ((index * 0xD1B54A32D192ED03) & _MASK)) % 2000001 - 1000000


def value_noise(key: int, t: int, octaves: tuple[tuple[int, Decimal], ...]) -> Decimal:
    """Smooth deterministic noise in [-1, 1] at integer time `t` (seconds), in exact integer steps."""
    total = Decimal(0)
    for k, (period, weight) in enumerate(octaves):
        okey = key + k
        index, rest = divmod(t, period)
        a, b = _lattice(okey, index), _lattice(okey, index + 1)
        cube = period * period * period
        numerator = a * cube + (b - a) * rest * rest * (3 * period - 2 * rest)
        total += weight * Decimal(numerator) / Decimal(cube * 1000000)
    return total


@dataclass(frozen=True)
class Sides:
    """Spot, buy and sell price of one SKU per gram in one currency (buy > spot > sell, or with the
    documented sides spot > buy > sell; buy > sell always)."""

    spot: Decimal
    buy: Decimal
    sell: Decimal


@dataclass(frozen=True)
class Snapshot:
    """Every price and rate at one market tick."""

    at: datetime
    gbp: dict[str, Sides]
    rates: dict[str, Decimal]
    sides: str = BUY_ABOVE_SPOT

    def prices(self, currency: str) -> dict[str, Sides]:
        """Per-gram prices of every SKU in `currency`, converted from the published GBP prices."""
        if currency == "GBP":
            return self.gbp
        rate = self.rates[currency]
        order = _strict if self.sides == BUY_ABOVE_SPOT else _below
        return {
            sku: order(round4(s.spot * rate), round2(s.buy * rate), round2(s.sell * rate))
            for sku, s in self.gbp.items()
        }

    def currency_rate(self, currency: str) -> Decimal:
        """GBP per one unit of `currency` (1 for GBP), six decimals."""
        if currency == "GBP":
            return Decimal(1)
        return (Decimal(1) / self.rates[currency]).quantize(SIX)


def _strict(spot: Decimal, buy: Decimal, sell: Decimal) -> Sides:
    if buy <= spot:
        buy = round2(spot) + CENT if round2(spot) <= spot else round2(spot)
        if buy <= spot:
            buy += CENT
    if sell >= spot:
        sell = round2(spot) - CENT if round2(spot) >= spot else round2(spot)
        if sell >= spot:
            sell -= CENT
    return Sides(spot, buy, sell)


def _below(spot: Decimal, buy: Decimal, sell: Decimal) -> Sides:
    """The documented order after rounding: spot > buy > sell (each a cent apart at least)."""
    if buy >= spot:
        buy = round2(spot) - CENT if round2(spot) >= spot else round2(spot)
    if sell >= buy:
        sell = buy - CENT
    return Sides(spot, buy, sell)


class Market:
    """The seeded market: `snapshot(at)` is the same for the same seed and the same tick.

    `sides` orders the three prices: "buy>spot>sell" (default) or the documented "spot>buy>sell". Spot
    and rates are the same either way; buy and sell come from the same seeded spread noise."""

    def __init__(self, seed: int, tick_seconds: int = 10, sides: str = BUY_ABOVE_SPOT) -> None:
        if sides not in (BUY_ABOVE_SPOT, BUY_BELOW_SPOT):
            raise ValueError(f"price sides must be {BUY_ABOVE_SPOT!r} or {BUY_BELOW_SPOT!r}, not {sides!r}")
        self.seed = seed
        self.tick_seconds = tick_seconds
        self.sides = sides
        self._level = {m: _stream_key(seed, f"level:{m}") for m in METALS}
        self._buy = {m: _stream_key(seed, f"buy:{m}") for m in METALS}
        self._sell = {m: _stream_key(seed, f"sell:{m}") for m in METALS}
        self._rate = {c: _stream_key(seed, f"rate:{c}") for c in RATES}
        self._cached = lru_cache(maxsize=512)(self._compute)

    def tick(self, at: datetime) -> int:
        """The integer Unix time of the tick that holds `at`."""
        ts = int(at.timestamp())
        return ts - ts % self.tick_seconds

    def snapshot(self, at: datetime) -> Snapshot:
        """Prices and rates at `at` (held constant within a tick)."""
        tz = at.tzinfo or UTC
        snap = self._cached(self.tick(at))
        return Snapshot(snap.at.astimezone(tz), snap.gbp, snap.rates, snap.sides)

    def partial(self, at: datetime, sku: str, currency: str) -> Snapshot:
        """A snapshot holding only one SKU and one rate (cheap, for bulk history)."""
        return self._compute(self.tick(at), (sku,), ("GBP", currency))

    def _compute(self, t: int, skus: tuple[str, ...] = SKUS, currencies: tuple[str, ...] = CURRENCY_CODES) -> Snapshot:
        per_metal: dict[str, Sides] = {}
        gbp: dict[str, Sides] = {}
        for sku in skus:
            metal = BY_SKU[sku].metal
            if metal not in per_metal:
                per_metal[metal] = self._metal(metal, t)
            gbp[sku] = per_metal[metal]
        rates = {"GBP": Decimal(1)}
        for code in currencies:
            if code != "GBP":
                base, swing = RATES[code]
                rates[code] = round4(base * (1 + swing * value_noise(self._rate[code], t, LEVEL_OCTAVES)))
        return Snapshot(datetime.fromtimestamp(t, UTC), gbp, rates, self.sides)

    def _metal(self, metal: str, t: int) -> Sides:
        model = METALS[metal]
        exact = model.base * (1 + model.swing * value_noise(self._level[metal], t, LEVEL_OCTAVES))
        ss = _between(model.sell_spread, value_noise(self._sell[metal], t, SPREAD_OCTAVES))
        if self.sides == BUY_BELOW_SPOT:
            gap = _between(model.below_spot, value_noise(self._buy[metal], t, SPREAD_OCTAVES))
            return _below(round4(exact), round2(exact * (1 - gap)), round2(exact * (1 - gap - ss)))
        bs = _between(model.buy_spread, value_noise(self._buy[metal], t, SPREAD_OCTAVES))
        return _strict(round4(exact), round2(exact * (1 + bs)), round2(exact * (1 - ss)))


def _between(bounds: tuple[Decimal, Decimal], noise: Decimal) -> Decimal:
    low, high = bounds
    return low + (high - low) * (noise + 1) / 2
