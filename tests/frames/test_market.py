"""quotes_frame, prices_frame and balances_frame: exact prices, spreads over spot, times, wallets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from minted_lab import frames

from .conftest import FakeQuote, FakeRow, fixture_bytes, fixture_raw

IST = ZoneInfo("Europe/Istanbul")


def test_quote_bytes_time_is_expiry_minus_ttl_and_values_exact() -> None:
    quotes = frames.quotes_frame(fixture_bytes("pricefix_response.json"))
    assert quotes.schema == frames.QUOTES_SCHEMA
    assert quotes["sku"].to_list() == ["GAU", "GAG", "BGAU", "BGAG", "GPT", "GPD"]
    assert set(quotes["time"].to_list()) == {datetime(2024, 12, 5, 18, 39, 33, tzinfo=IST)}
    assert set(quotes["currency"].to_list()) == {"TRY"}
    gag = quotes.row(1, named=True)
    assert (gag["spot"], gag["buy"], gag["sell"]) == (Decimal("34.7041"), Decimal("34.68"), Decimal("31.16"))
    assert gag["buy_spread"] == Decimal("34.68") - Decimal("34.7041")
    assert gag["sell_spread"] == Decimal("31.16") - Decimal("34.7041")
    assert gag["sell_spread_ratio"] == pytest.approx(
        float((Decimal("31.16") - Decimal("34.7041")) / Decimal("34.7041"))
    )


def test_quote_models_use_fixed_at_and_agree_with_bytes() -> None:
    data = fixture_raw("pricefix_response.json")["data"]
    fixed = datetime(2024, 12, 5, 15, 39, 33, tzinfo=UTC)
    later = fixed + timedelta(minutes=5)
    quotes = frames.quotes_frame([FakeQuote(raw=data, fixed_at=fixed), FakeQuote(raw=data, fixed_at=later)])
    assert quotes.height == 12
    assert quotes["time"].unique().sort().to_list() == [fixed.astimezone(IST), later.astimezone(IST)]
    from_bytes = frames.quotes_frame(fixture_bytes("pricefix_response.json"))
    assert quotes.head(6).equals(from_bytes)


def test_prices_from_product_rows_minted_feed_and_bytes() -> None:
    rows = [
        {
            "product_id": Decimal(3000001),
            "sku": "GAU",
            "product_name": "Gold",
            "currency_id": Decimal(1000004),
            "currency_code": "GBP",
            "spot_price": Decimal("61.2345"),
            "buy_price": Decimal("63.10"),
            "sell_price": Decimal("59.40"),
            "updated_at": "2026-11-02T09:30:00+03:00",
        },
        {
            "sku": "GAG",
            "currency_code": "GBP",
            "spot_price": Decimal("0.7412"),
            "buy_price": Decimal("0.78"),
            "sell_price": Decimal("0.70"),
            "updated_at": "2026-11-02T09:30:00+03:00",
        },
    ]
    body = json.dumps(
        {"data": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows], "success": True}
    ).encode()
    from_models = frames.prices_frame([FakeRow(raw=r) for r in rows])
    assert from_models.schema == frames.PRICES_SCHEMA
    assert from_models["spot"].to_list() == [Decimal("61.2345"), Decimal("0.7412")]
    assert from_models["buy_spread"].to_list() == [Decimal("1.8655"), Decimal("0.0388")]
    assert from_models["time"].to_list() == [datetime(2026, 11, 2, 9, 30, tzinfo=IST)] * 2
    assert frames.prices_frame(body).equals(from_models)
    minted = {
        "currency": "GBP",
        "updated_at": "2026-11-02T06:30:00.000000Z",
        "rates": {"GBP": 1},
        "prices": [
            {
                "sku": "GAU",
                "product_name": "Gold",
                "spot_price": Decimal("61.2345"),
                "buy_price": Decimal("63.10"),
                "sell_price": Decimal("59.40"),
            }
        ],
    }
    feed = frames.prices_frame(FakeRow(raw=minted))
    assert feed.row(0) == from_models.row(0)


def test_balances_from_answer_bytes_rows_and_customer() -> None:
    skeleton = frames.balances_frame(fixture_bytes("customer_balance_response_skeleton.json"))
    assert skeleton.schema == frames.BALANCES_SCHEMA and skeleton.height == 1
    wallets = [
        {
            "customer_external_id": "C-1",
            "name": "Gold",
            "currency_id": 1000004,
            "currency_symbol": "gr",
            "currency_code": "GAU",
            "is_cash": False,
            "balance": Decimal("12.3456"),
            "blocked": Decimal("0.5"),
            "real_balance": Decimal("11.8456"),
            "soft_blocked_amount": 0,
            "stats": {},
            "prices": {},
        },
        {
            "customer_external_id": "C-1",
            "name": "British Pound",
            "currency_id": 1000006,
            "currency_symbol": "£",
            "currency_code": "GBP",
            "is_cash": True,
            "balance": Decimal("1000.10"),
            "blocked": 0,
            "real_balance": Decimal("1000.10"),
            "soft_blocked_amount": 0,
            "stats": {},
            "prices": {},
        },
    ]
    frame = frames.balances_frame([FakeRow(raw=w) for w in wallets])
    assert frame["code"].to_list() == ["GAU", "GBP"]
    assert frame["balance"].to_list() == [Decimal("12.3456"), Decimal("1000.10")]
    assert frame["is_cash"].to_list() == [False, True]
    assert frames.balances_frame({"data": {"external_id": "C-1", "wallets": wallets}, "success": True}).equals(frame)


def test_error_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="code 422"):
        frames.balances_frame(fixture_bytes("error_422.inferred.json"))
    with pytest.raises(ValueError, match="code 422"):
        frames.quotes_frame(fixture_bytes("error_422.inferred.json"))
