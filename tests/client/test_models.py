"""The documented example payloads parse into models with nothing lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from minted_lab._parse import ISTANBUL, dumps, loads
from minted_lab.models import (
    Customer,
    Order,
    OrderPage,
    OrderResult,
    OrderStatus,
    ParseContext,
    ParseError,
    Quote,
    Wallet,
)

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"


def payload(name: str) -> object:
    return loads((EXAMPLES / name).read_bytes())["data"]


def same_json(a: object, b: object) -> bool:
    """Equal as JSON values with exact numbers (Decimal('559.4') == Decimal('559.40'))."""
    return loads(dumps(a)) == loads(dumps(b))


def test_quote_parses_the_documented_price_fix() -> None:
    received = datetime(2024, 12, 5, 15, 39, 33, tzinfo=UTC)
    now = [received]
    quote = Quote.from_api(
        payload("pricefix_response.json"),
        ParseContext(received_at=received, clock=lambda: now[0], customer_external_id="MTD0018232"),
    )
    assert quote.token == "t85QBvvn1GHeOslKuiJm7CF0M0lpwU26"
    assert quote.currency == "TRY" and quote.total is None and quote.is_total_price is False
    assert quote.customer_external_id == "MTD0018232"
    assert quote.expires_at == datetime(2024, 12, 5, 18, 43, 32, tzinfo=timezone(timedelta(hours=3)))
    assert quote.expire_ttl == 239
    assert quote.fixed_at == quote.expires_at - timedelta(seconds=239)
    gag = quote.price("GAG")
    assert (gag.spot_price, gag.buy_price, gag.sell_price) == (Decimal("34.7041"), Decimal("34.68"), Decimal("31.16"))
    assert gag.product_id == 3000002 and gag.currency_id == 1000005 and gag.buy_amount is None
    assert gag.buy_spread == Decimal("-0.0241") and gag.sell_spread == Decimal("-3.5441")
    assert quote.price("BGAG").spot_price == Decimal(34)
    assert quote.skus == ("GAU", "GAG", "BGAU", "BGAG", "GPT", "GPD")
    # seconds_left runs on the client's clock, whatever the server's clock says
    assert quote.seconds_left() == 239
    now[0] = received + timedelta(seconds=100.5)
    assert quote.seconds_left() == pytest.approx(138.5) and not quote.is_expired()
    now[0] = received + timedelta(seconds=239)
    assert quote.is_expired()
    with pytest.raises(KeyError, match=r"'XAU'.*GAU, GAG, BGAU, BGAG, GPT, GPD"):
        quote.price("XAU")


def test_quote_reprs_show_prices_and_seconds_left() -> None:
    now = datetime.now(UTC)
    quote = Quote.from_api(payload("pricefix_response.json"), ParseContext(received_at=now, clock=lambda: now))
    assert "239s left" in repr(quote) and "GAG 34.68/31.16" in repr(quote)
    html = quote._repr_html_()
    assert "239 s left" in html and "<td>GAG</td>" in html and "34.7041" in html
    assert "<th>spot (TRY/g)</th>" in html and "<th>sell spread (TRY/g)</th>" in html
    assert "buy amount" not in html, "a column the quote never fills is left out"


def test_sell_response_parses_both_date_formats() -> None:
    result = OrderResult.from_api(payload("sell_response.json"), ParseContext(external_id="HYAQA0171v96o"))
    assert result.external_id == "HYAQA0171v96o"
    assert result.order_codes == ("9YMEK5RB",) and result.guids == ("71E174B7-C7AD-47FB-836E-3895FF41D4F5",)
    assert (result.price, result.tax, result.total) == (Decimal("559.4"), Decimal(0), Decimal("559.4"))
    assert result.order_at == datetime(2023, 5, 31, 3, 16, 45, tzinfo=ISTANBUL)
    order = result.order
    assert order.order_at == datetime(2023, 5, 31, 3, 16, tzinfo=ISTANBUL)
    assert order.currency_rate == 1 and order.customer is None and order.status_id is None
    item = order.items[0]
    assert (item.sku, item.amount, item.price, item.spot_price, item.total) == (
        "GAU",
        Decimal(10),
        Decimal("55.94"),
        Decimal("50.85"),
        Decimal("559.4"),
    )
    assert "9YMEK5RB" in repr(result) and "Pending" in order._repr_html_()
    html = order._repr_html_()
    for unit in ("amount (g)", f"spot ({order.currency_code}/g)", f"price ({order.currency_code}/g)"):
        assert f"<th>{unit}</th>" in html
    assert f"<th>total ({order.currency_code})</th>" in html


def test_get_order_example_with_its_quirks() -> None:
    order = Order.from_api(payload("get_order_response.json"))
    assert order.status_id == 1 and order.status_name == "New"  # a name outside the enum is kept
    # the example sends none of these and tx_type "oneoffpurchase" says no type: null, and reported
    assert order.type is None and order.currency_code is None and order.order_at is None
    assert [g.field for g in order.gaps] == ["type", "currency_code", "order_at"]
    assert "unknown=[type, currency_code, order_at]" in repr(order)
    assert order.currency_rate is None and order.currency_total == 0
    # the item names only its product: the SKU is the catalog's
    assert order.items[0].sku == "GAU" and order.items[0].product_id == 3000001 and order.items[0].gaps == ()
    assert order.raw["channel"] == "partner" and order.items[0].raw["product_weight"] == 1
    assert order.customer is not None and order.customer.birthdate.isoformat() == "1970-01-31"


def test_fractional_amounts_and_payment_cost() -> None:
    alt = Order.from_api(payload("get_order_alternative_response.json"))
    assert alt.items[0].amount == Decimal("0.1") and alt.items[0].total == Decimal("188.97")
    assert alt.order_at == datetime(2023, 11, 6, 7, 18, tzinfo=ISTANBUL)
    card = Order.from_api(payload("card_payment_get_order_response.json"))
    assert card.payment_cost == 10 and card.total == Decimal("1731.3")
    assert card.raw["payment"]["details"]["card_number"] == "404809******7528"


def test_order_page_keeps_paginator_and_body() -> None:
    content = (EXAMPLES / "orders_list_response.inferred.json").read_bytes()
    page = OrderPage.from_api(loads(content)["data"], ParseContext(content=content))
    assert (page.current_page, page.last_page, page.per_page, page.total) == (1, 1, 10, 1)
    assert page.next_page_url is None and page.content == content and len(page) == 1
    assert page.raw["links"][1]["active"] is True
    assert "page 1 of 1" in page._repr_html_()


def test_customer_wallets_and_statuses() -> None:
    customer = Customer.from_api(payload("create_customer_response.json"))
    assert customer.id == 2 and customer.company_id == 2000000 and customer.birthdate is None
    assert customer.created_at == datetime(2023, 3, 5, 4, 51, 18, tzinfo=ISTANBUL)
    wallet = Wallet.from_api(payload("customer_balance_response_skeleton.json")[0])
    assert wallet.balance == 0 and isinstance(wallet.balance, Decimal) and wallet.is_cash is True
    statuses = [OrderStatus.from_api(s) for s in payload("order_statuses_response.inferred.json")]
    assert [(s.id, s.name) for s in statuses][:2] == [(1, "Created"), (2, "Pending")]
    assert Customer.from_api(payload("get_customer_response.partial.json")).wallets == ()


RESPONSES = {
    "pricefix_response.json": (Quote, False),
    "sell_response.json": (OrderResult, False),
    "sell_response_skeleton.json": (OrderResult, False),
    "get_order_response.json": (Order, False),
    "get_order_alternative_response.json": (Order, False),
    "card_payment_get_order_response.json": (Order, False),
    "orders_list_response.inferred.json": (OrderPage, False),
    "create_customer_response.json": (Customer, False),
    "get_customer_response.partial.json": (Customer, False),
    "customer_balance_response_skeleton.json": (Wallet, True),
    "order_statuses_response.inferred.json": (OrderStatus, True),
}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_raw_round_trip(name: str) -> None:
    """Each model's .raw is the API's object exactly: same keys, same exact numbers, nothing dropped."""
    model, many = RESPONSES[name]
    text = (EXAMPLES / name).read_text()
    if name == "sell_response_skeleton.json":
        # the skeleton's placeholder date is unreadable: an error naming it, then a real date in its place
        with pytest.raises(ParseError, match="order result order_code='string': order_at: unreadable date-time"):
            model.from_api(loads(text)["data"])
        text = text.replace('"order_at": "string"', '"order_at": "2023-05-31 03:16:45"')
    data = loads(text)["data"]
    parsed = [model.from_api(row) for row in data] if many else [model.from_api(data)]
    raws = [p.raw for p in parsed]
    assert same_json(raws, data if many else [data])
    # and as JSON text: the numbers are written back exactly as the document wrote them
    reference = json.loads(text, parse_float=str, parse_int=str)["data"]
    written = json.loads(dumps(raws), parse_float=str, parse_int=str)
    assert written == (reference if many else [reference])


def test_unknown_keys_and_values_are_kept() -> None:
    data = loads(
        json.dumps(
            {
                "guid": "G",
                "order_code": "ABCDEFGH",
                "type": "Swap",
                "status_id": 13,
                "status_name": "Frozen",
                "price": 1,
                "tax": 0,
                "total": 1.10,
                "new_field": {"x": 0.30},
                "order_at": "sometime",
                "items": [{"sku": "XPT9", "amount": 0.1, "price": 10, "colour": "gold"}],
            }
        )
    )
    # an unreadable date is an error naming the order and the field, never a silent None
    with pytest.raises(
        ParseError, match="order guid='G' order_code='ABCDEFGH': order_at: unreadable date-time 'sometime'"
    ):
        Order.from_api(data)
    order = Order.from_api({**data, "order_at": "31-05-2023 03:16"})
    assert order.type == "Swap" and order.status_name == "Frozen" and order.status_id == 13
    assert order.raw["new_field"]["x"] == Decimal("0.30") and order.items[0].raw["colour"] == "gold"
    assert order.total == Decimal("1.10") and order.items[0].sku == "XPT9"


def test_models_are_immutable_and_hashable() -> None:
    order = Order.from_api(payload("get_order_alternative_response.json"))
    with pytest.raises(AttributeError):
        order.total = Decimal(0)  # type: ignore[misc]
    assert hash(order) == hash(Order.from_api(payload("get_order_alternative_response.json")))


# ------------------------------------------------------------------ the real API's variance


ORDER_RESPONSES = [name for name, (model, _) in RESPONSES.items() if model in (Order, OrderResult, OrderPage)]


def _orders(name: str) -> list[Order]:
    model: Any = RESPONSES[name][0]
    text = (EXAMPLES / name).read_text().replace('"order_at": "string"', '"order_at": "2023-05-31 03:16:45"')
    parsed = model.from_api(loads(text)["data"])
    return list(getattr(parsed, "orders", None) or [parsed])


@pytest.mark.parametrize("name", ORDER_RESPONSES)
def test_every_documented_order_has_no_silent_null(name: str) -> None:
    """type, currency_code, order_at and every item's sku: the example's own, or derived, or None and in
    `gaps`; a gap only where the example has none."""
    for order in _orders(name):
        raw, gaps = order.raw, {g.field for g in order.gaps}
        derivable = {"buy": "Buy", "sell": "Sell", "delivery": "Delivery"}.get(str(raw.get("tx_type")))
        assert order.type == (raw.get("type") or derivable)
        assert ("type" in gaps) == (order.type is None)
        for key in ("currency_code", "order_at"):
            assert (key in gaps) == (raw.get(key) is None) == (getattr(order, key) is None)
        for i, item in enumerate(order.items):
            assert item.sku == (item.raw.get("sku") or {3000001: "GAU"}.get(item.product_id or 0))
            assert (f"items[{i}].sku" in gaps) == (item.sku is None)


def test_documented_get_order_gaps_say_why() -> None:
    order = Order.from_api(payload("get_order_response.json"))
    assert [tuple(g) for g in order.gaps] == [
        ("type", "tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)"),
        ("currency_code", "missing: the API sent none"),
        ("order_at", "missing: the API sent none"),
    ]
    assert Order.from_api(payload("get_order_alternative_response.json")).gaps == ()
    assert Order.from_api(payload("card_payment_get_order_response.json")).gaps == ()
    assert OrderResult.from_api(payload("sell_response.json")).order.gaps == ()


@pytest.mark.parametrize(
    ("tx_type", "kind"), [("buy", "Buy"), ("sell", "Sell"), ("delivery", "Delivery"), ("SELL", "Sell")]
)
def test_the_type_is_derived_from_tx_type(tx_type: str, kind: str) -> None:
    order = Order.from_api({**payload("get_order_response.json"), "tx_type": tx_type})  # type: ignore[dict-item]
    assert order.type == kind and "type" not in {g.field for g in order.gaps}


def test_the_sku_is_derived_from_the_product_id() -> None:
    base = payload("get_order_response.json")["items"][0]  # type: ignore[index]
    lines = [{**base, "product_id": 3000002}, {**base, "product_id": 3000065}, {**base, "product_id": None}]
    order = Order.from_api({**payload("get_order_response.json"), "items": lines})  # type: ignore[dict-item]
    assert [i.sku for i in order.items] == ["GAG", None, None]
    assert [tuple(g) for g in order.gaps if g.field.startswith("items")] == [
        ("items[1].sku", "product_id 3000065 is not in the catalog"),
        ("items[2].sku", "missing: the API sent none (neither sku nor product_id)"),
    ]
    assert order.skus == ("GAG",)


def test_an_empty_array_is_no_customer_and_other_shapes_are_errors() -> None:
    base = payload("get_order_alternative_response.json")
    assert Order.from_api({**base, "customer": []}).customer is None  # type: ignore[dict-item]
    with pytest.raises(ParseError, match=r"order_code='ALS8HEVP'.*: customer: expected an object, null or \[\]"):
        Order.from_api({**base, "customer": ["MTD1"]})  # type: ignore[dict-item]
    with pytest.raises(ParseError, match=r"order_code='ALS8HEVP'.*: items: expected a list"):
        Order.from_api({**base, "items": "GAU"})  # type: ignore[dict-item]


@pytest.mark.parametrize("text", ["2023-10-13", "13-10-2023"])
def test_a_date_alone_is_midnight_in_istanbul(text: str) -> None:
    order = Order.from_api({**payload("get_order_alternative_response.json"), "order_at": text})  # type: ignore[dict-item]
    assert order.order_at == datetime(2023, 10, 13, tzinfo=ISTANBUL)


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("order_at", "31/05/2023 03:16", "order_at"),
        ("order_at", "2023-02-30 10:00:00", "order_at"),
        ("total", "12,50", "total"),
        ("items", [{"price": "abc"}], "items[0].price"),
    ],
)
def test_an_unreadable_value_raises_naming_the_order_and_the_field(key: str, value: object, field: str) -> None:
    data = {**payload("get_order_alternative_response.json"), key: value}  # type: ignore[dict-item]
    with pytest.raises(ParseError) as info:
        Order.from_api(data)
    error = info.value
    assert error.field == field and error.what == "order"
    assert error.ids == {
        "guid": "896AE1AC-E26F-4291-80B2-BF80DE0A920A",
        "order_code": "ALS8HEVP",
        "external_id": "1699255128879-05ee3052-47fe-4747-adff-2cde45d8d9ec",
    }
    assert str(error).startswith("order guid='896AE1AC-E26F-4291-80B2-BF80DE0A920A' order_code='ALS8HEVP'")
    assert f": {field}: " in str(error)


def test_a_page_that_cannot_be_read_keeps_its_body() -> None:
    content = (
        (EXAMPLES / "orders_list_response.inferred.json").read_bytes().replace(b'"Buy"', b'"Buy", "order_at": "soon"')
    )
    with pytest.raises(
        ParseError, match="order guid='string' order_code='string' external_id='string': order_at"
    ) as info:
        OrderPage.from_api(loads(content)["data"], ParseContext(content=content))
    assert info.value.body == content


def test_an_unreadable_birthdate_is_reported_not_fatal() -> None:
    """A birthdate is personal data, not a time of the API: the skeleton's "string" is a gap, not an error."""
    page = OrderPage.from_api(payload("orders_list_response.inferred.json"))
    customer = page.orders[0].customer
    assert customer is not None and customer.birthdate is None
    assert customer.gaps == (("birthdate", "unreadable date 'string': kept in .raw"),)
    assert ("customer.birthdate", "unreadable date 'string': kept in .raw") in page.orders[0].gaps
    assert ("string", ("customer.birthdate", "unreadable date 'string': kept in .raw")) in page.gaps


@pytest.mark.parametrize(
    ("text", "expected"), [("false", False), ("true", True), ("0", False), ("1", True), (" False ", False)]
)
def test_booleans_sent_as_text_read_as_what_they_say(text: str, expected: bool) -> None:
    quote = Quote.from_api({**payload("pricefix_response.json"), "is_total_price": text})  # type: ignore[dict-item]
    assert quote.is_total_price is expected
    wallet = Wallet.from_api({**payload("customer_balance_response_skeleton.json")[0], "is_cash": text})  # type: ignore[index]
    assert wallet.is_cash is expected


def test_an_unreadable_boolean_or_time_names_the_field() -> None:
    with pytest.raises(ParseError, match="quote token='t85QBv…': is_total_price: expected a boolean, got 'yes please'"):
        Quote.from_api({**payload("pricefix_response.json"), "is_total_price": "yes please"})  # type: ignore[dict-item]
    with pytest.raises(ParseError, match="quote token='t85QBv…': expires_at: unreadable date-time 'in four minutes'"):
        Quote.from_api({**payload("pricefix_response.json"), "expires_at": "in four minutes"})  # type: ignore[dict-item]
    with pytest.raises(ParseError, match="customer external_id='MTD0018232': created_at: unreadable date-time"):
        Customer.from_api({**payload("create_customer_response.json"), "created_at": "05/03/2023"})  # type: ignore[dict-item]
