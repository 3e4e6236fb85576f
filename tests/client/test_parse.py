"""Property tests: every JSON number becomes an exact Decimal; every date format becomes the same instant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from minted_lab._parse import (
    ISTANBUL,
    ParseError,
    dumps,
    item_sku,
    loads,
    order_type,
    parse_date,
    parse_datetime,
    to_bool,
    to_decimal,
)
from minted_lab.models import OrderItem

decimals = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=None
).filter(lambda d: abs(d.as_tuple().exponent) <= 12)


def test_mixed_int_and_float_numbers_are_exact() -> None:
    data = loads(b"[0, 1, 10, 0.1, 0.30, 1e2, 2939.7100, -0.0241]")
    assert data == [
        Decimal(0),
        Decimal(1),
        Decimal(10),
        Decimal("0.1"),
        Decimal("0.30"),
        Decimal("1e2"),
        Decimal("2939.7100"),
        Decimal("-0.0241"),
    ]
    assert all(type(x) is Decimal for x in data)
    assert str(data[4]) == "0.30"  # the trailing zero as sent


@given(st.lists(st.one_of(st.integers(-(10**15), 10**15), decimals), min_size=1, max_size=20))
def test_json_numbers_round_trip_exactly(numbers: list) -> None:
    text = "[" + ",".join(str(n) if isinstance(n, int) else format(n, "f") for n in numbers) + "]"
    parsed = loads(text)
    assert parsed == [Decimal(n) if isinstance(n, int) else n for n in numbers]
    assert all(type(x) is Decimal for x in parsed)
    assert loads(dumps(parsed)) == parsed


@given(
    st.sampled_from(["0", "1", "10", "0.1", "0.10", "188.97", "34.7041"]),
    st.sampled_from(["0", "1", "10", "0.1", "2", "0.0001"]),
)
def test_item_money_fields_are_decimal_whatever_the_json_type(price: str, amount: str) -> None:
    item = OrderItem.from_api(loads(f'{{"price": {price}, "amount": {amount}, "tax": 0, "total": {price}}}'))
    assert item.price == Decimal(price) and item.amount == Decimal(amount)
    assert all(isinstance(x, Decimal) for x in (item.price, item.amount, item.tax, item.total))


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_to_decimal_of_a_float_goes_through_its_shortest_text(value: float) -> None:
    assert to_decimal(value) == Decimal(repr(value))
    assert to_decimal(json.dumps(value)) == Decimal(repr(value))


naive = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


@settings(max_examples=300)
@given(naive)
def test_the_four_formats_agree(moment: datetime) -> None:
    """One Istanbul wall-clock moment written in the API's four forms parses to one instant."""
    local = moment.replace(tzinfo=ISTANBUL)
    assert parse_datetime(moment.strftime("%Y-%m-%d %H:%M:%S")) == local
    assert parse_datetime(moment.strftime("%d-%m-%Y %H:%M")) == local.replace(second=0)
    offset = local.strftime("%z")
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S") + offset[:3] + ":" + offset[3:]
    # instants, not ==: Python never calls an ambiguous (DST fall-back) time equal across zones
    assert parse_datetime(iso).timestamp() == local.timestamp()
    utc = local.astimezone(UTC)
    assert parse_datetime(utc.strftime("%Y-%m-%dT%H:%M:%S.000000Z")).timestamp() == local.timestamp()
    for text in (moment.strftime("%Y-%m-%d %H:%M:%S"), iso):
        assert parse_datetime(text).tzinfo is not None


@given(st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2100, 1, 1).date()))
def test_birthdates_in_both_orders(day) -> None:  # type: ignore[no-untyped-def]
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d-%m-%Y")) == day


def test_documented_examples_and_junk() -> None:
    assert parse_datetime("2024-12-05T18:43:32+03:00") == datetime(2024, 12, 5, 15, 43, 32, tzinfo=UTC)
    assert parse_datetime("2024-07-19T09:39:03.000000Z") == datetime(2024, 7, 19, 9, 39, 3, tzinfo=UTC)
    assert parse_datetime("31-05-2023 03:16") == datetime(2023, 5, 31, 0, 16, tzinfo=UTC)
    assert parse_datetime("2023-05-31 03:16:45") == datetime(2023, 5, 31, 0, 16, 45, tzinfo=UTC)
    assert parse_datetime(None) is None and parse_datetime("") is None
    for junk in ("yesterday", "31/05/2023", "2023-13-45 00:00:00"):
        with pytest.raises(ValueError, match="unreadable date-time"):
            parse_datetime(junk)


def test_request_json_writes_decimals_as_exact_numbers_and_refuses_floats() -> None:
    assert dumps({"a": [Decimal("0.10"), Decimal("1E+2"), 3, None, True, "Gülbilge ₺"]}) == (
        '{"a":[0.10,100,3,null,true,"Gülbilge ₺"]}'.encode()
    )
    with pytest.raises(TypeError, match="floats are never sent"):
        dumps({"a": 0.1})
    with pytest.raises(ValueError, match="cannot send"):
        dumps([Decimal("NaN")])


def test_text_json_writes_decimals_as_strings_for_readers_of_doubles() -> None:
    value = {
        "total": Decimal("12345678901234567890.1234"),
        "nan": Decimal("NaN"),
        "rate": 0.5,
        "at": datetime(2023, 5, 31, 3, 16, tzinfo=ISTANBUL),
        "day": datetime(2023, 5, 31).date(),
        "items": (Decimal("1E+2"),),
    }
    assert json.loads(dumps(value, decimals="text")) == {
        "total": "12345678901234567890.1234",
        "nan": None,
        "rate": 0.5,
        "at": "2023-05-31T03:16:00+03:00",
        "day": "2023-05-31",
        "items": ["100"],
    }
    with pytest.raises(TypeError, match="cannot encode object"):
        dumps({"x": object()}, decimals="text")


def test_dates_alone_are_midnight_and_impossible_dates_are_unreadable() -> None:
    assert parse_datetime("2023-10-13") == datetime(2023, 10, 13, tzinfo=ISTANBUL)
    assert parse_datetime("13-10-2023") == datetime(2023, 10, 13, tzinfo=ISTANBUL)
    for junk in ("30-02-2023 10:00", "2023-02-30"):
        with pytest.raises(ValueError, match="unreadable date-time"):
            parse_datetime(junk)
    with pytest.raises(ValueError, match="unreadable date '31-02-1990'"):
        parse_date("31-02-1990")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("false", False), ("FALSE", False), ("true", True), ("0", False), ("1", True),
     (0, False), (1, True), (Decimal(0), False), (None, None), ("", None)],
)  # fmt: skip
def test_booleans_read_as_what_they_say(value: object, expected: bool | None) -> None:
    assert to_bool(value) is expected


@pytest.mark.parametrize("value", ["no", "yes", 2, Decimal("0.5"), [], {}])
def test_other_booleans_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="expected a boolean"):
        to_bool(value)


def test_the_derivation_rules() -> None:
    assert order_type("Buy", "sell") == ("Buy", None)  # the order's own type wins
    derived = [order_type(None, t)[0] for t in ("buy", "sell", "delivery", "Delivery ")]
    assert derived == ["Buy", "Sell", "Delivery", "Delivery"]
    assert order_type(None, "oneoffpurchase") == (
        None,
        "tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)",
    )
    assert order_type(None, None) == (None, "missing: the API sent none (neither type nor tx_type)")
    assert [item_sku(None, pid)[0] for pid in (3000001, 3000002, 3000088, 3000089, 3000090, 3000091)] == [
        "GAU",
        "GAG",
        "BGAU",
        "BGAG",
        "GPT",
        "GPD",
    ]
    assert item_sku("XPT9", 3000001) == ("XPT9", None)
    assert item_sku(None, 3000065) == (None, "product_id 3000065 is not in the catalog")


def test_a_parse_error_names_what_where_and_why() -> None:
    error = ParseError("unreadable date-time 'x'", field="order_at").located(
        what="order", ids={"guid": "G", "order_code": "C", "external_id": None}, body=b"{}"
    )
    assert str(error) == "order guid='G' order_code='C': order_at: unreadable date-time 'x'"
    assert (error.field, error.ids, error.body) == ("order_at", {"guid": "G", "order_code": "C"}, b"{}")
    nested = ParseError("expected a number", field="price").located(prefix="items[2]").located(what="order")
    assert str(nested) == "order: items[2].price: expected a number" and isinstance(nested, ValueError)


def test_the_rules_docstring_examples_hold() -> None:
    import doctest

    from minted_lab import _parse

    result = doctest.testmod(_parse)
    assert result.attempted > 0 and result.failed == 0
