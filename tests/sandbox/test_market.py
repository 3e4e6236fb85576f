"""The seeded market and determinism: levels, spreads, moving prices, byte-identical replays."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx

from minted_lab.sandbox import Sandbox, SandboxClock
from minted_lab.sandbox.clock import ISTANBUL
from minted_lab.sandbox.market import Market
from minted_lab.sandbox.money import dumps, number_text

from .conftest import Api, make_http

LEVELS: dict[str, tuple[Decimal, Decimal]] = {
    "GAU": (Decimal(95), Decimal(105)),
    "GAG": (Decimal("1.1"), Decimal("1.3")),
    "GPT": (Decimal(35), Decimal(40)),
    "GPD": (Decimal(30), Decimal(35)),
}


def test_levels_spreads_and_rates_over_six_months() -> None:
    market = Market(seed=7)
    start = datetime(2026, 11, 2, 9, 30, tzinfo=ISTANBUL)
    for hours in range(0, 24 * 185, 7):
        snap = market.snapshot(start - timedelta(hours=hours))
        for sku, (low, high) in LEVELS.items():
            sides = snap.gbp[sku]
            assert low <= sides.spot <= high
            assert sides.buy > sides.spot > sides.sell
        assert snap.gbp["BGAU"] == snap.gbp["GAU"] and snap.gbp["BGAG"] == snap.gbp["GAG"]
        assert 50 < snap.rates["TRY"] < 60 and Decimal("1.28") < snap.rates["USD"] < Decimal("1.38")
        assert Decimal("1.1") < snap.rates["EUR"] < Decimal("1.2")
        for code in ("TRY", "USD", "EUR"):
            for sides in snap.prices(code).values():
                assert sides.buy > sides.spot > sides.sell


def test_prices_and_spreads_move_with_sandbox_time() -> None:
    market = Market(seed=7)
    start = datetime(2026, 11, 2, 9, 30, tzinfo=ISTANBUL)
    spots = {market.snapshot(start + timedelta(minutes=m)).gbp["GAU"].spot for m in range(0, 600, 10)}
    spreads = {
        market.snapshot(start + timedelta(hours=h)).gbp["GAU"].buy
        - market.snapshot(start + timedelta(hours=h)).gbp["GAU"].spot
        for h in range(48)
    }
    assert len(spots) > 30 and len(spreads) > 10
    assert Market(seed=8).snapshot(start).gbp["GAU"] != market.snapshot(start).gbp["GAU"]


def test_clock_modes() -> None:
    frozen = SandboxClock()
    assert frozen.now() == datetime(2026, 11, 2, 9, 30, tzinfo=ISTANBUL) == frozen.now()
    frozen.advance(300)
    assert frozen.now() == datetime(2026, 11, 2, 9, 35, tzinfo=ISTANBUL)
    running = SandboxClock(datetime(2026, 1, 1, 12, 0), mode="running")
    assert running.now() > datetime(2026, 1, 1, 12, 0, tzinfo=ISTANBUL) - timedelta(seconds=1)
    assert running.now().utcoffset() == timedelta(hours=3)


def test_numbers_are_written_exactly() -> None:
    assert [number_text(Decimal(x)) for x in ("1889.73", "0.1", "10.00", "1E+3", "2857.40", "-0")] == [
        "1889.73",
        "0.1",
        "10",
        "1000",
        "2857.4",
        "0",
    ]
    assert dumps({"a": [Decimal("0.10"), 3, None, True, "Gülbilge ₺"]}) == (
        b'{"a":[0.1,3,null,true,"G\\u00fclbilge \\u20ba"]}'
    )


def _session(sb: Sandbox) -> list[bytes]:
    out: list[bytes] = []
    with make_http(sb) as http:
        api = Api(http)
        out.append(
            http.post(
                "/partner/pricefix", json={"type": "digital", "currency": "TRY"}, headers={"api-version": "3"}
            ).content
        )
        out.append(api.sell("GAG", 30, "DET-1").content)
        sb.clock.advance(125)
        out.append(api.buy("GAU", Decimal("0.3333"), "DET-2").content)
        out.append(http.get("/partner/orders", params={"total": 5}).content)
        out.append(http.get("/partner/balance").content)
        out.append(http.get("/partner/prices").content)
        out.append(http.get("/partner/order/NOPE").content)
    return out


def test_same_seed_same_requests_byte_identical_answers() -> None:
    with Sandbox(seed=5, history=50) as a:
        port = int(a.url.rsplit(":", 1)[1])  # page URLs carry the Host, so replay on the same port
        first = _session(a)
    with Sandbox(seed=5, history=50, port=port) as b:
        second = _session(b)
    assert first == second
    with Sandbox(seed=6, history=50, port=port) as c:
        assert _session(c) != first


def test_consistency_between_quote_order_and_balances(sb: Sandbox, api: Api, http: httpx.Client) -> None:
    quote = {p["sku"]: p for p in api.fix(currency="EUR")["prices"]}
    sb.clock.advance(200)
    token = api.token(currency="EUR")
    sb.clock.advance(100)
    del token
    fresh = api.fix(currency="EUR")
    data = api.sell("GPT", 2, "CONS-1", price_token=fresh["token"]).json()["data"]
    item = data["orders"][0]["items"][0]
    fixed = {p["sku"]: p for p in fresh["prices"]}
    assert Decimal(str(item["price"])) == fixed["GPT"]["sell_price"]
    assert Decimal(str(item["spot_price"])) == fixed["GPT"]["spot_price"]
    assert quote["GPT"]["spot_price"] != fixed["GPT"]["spot_price"]
