"""Sandbox profiles over real HTTP: the documented profile answers like the docs' examples, the default
profile's bytes are unchanged, and what both profiles share (17 Order Schema keys, the two new 422s)."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from minted_lab.sandbox import DEFAULT, DOCUMENTED, PROFILES, Profile, Sandbox, profiles

from .conftest import HEADERS, TLS, Api, make_http, parse
from .transcript import ADDED_NULLS, checksum

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
#: tests/sandbox/transcript.py before the profiles existed (sandbox of git HEAD, with the delivery and
#: address nulls taken out): (seed, history, error_fields) -> sha256
DEFAULT_CHECKSUMS = {
    (11, 1500, None): "65678729ca30f7b41ffe43f16ef194e03d18dd16e6f8cea0a918a068c7dad275",
    (7, 300, False): "7083a6ef8176e0ca2c8a19ca94b5915a9a2e9ad22627c85054cfa1caa5ad47dd",
    (3, 0, None): "a335e764e4a66f8d4c555fcd8a117b171f793fe390e9e63abbf5cfcd7980ce42",
}
#: a buy for a customer the book does not know must carry these (README §6.3), in this order
NEW_CUSTOMER_FIELDS = ("identity_number", "firstname", "lastname", "email", "phone")
V3 = {"api-version": "3"}


def example(name: str) -> Any:
    with open(EXAMPLES / name, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


SCHEMA = example("order_schema_skeleton.json")
SCHEMA_KEYS = set(SCHEMA)
GET_ORDER = example("get_order_response.json")["data"]
CARD_ORDER = example("card_payment_get_order_response.json")["data"]
#: Get Order in the documented profile: the example's keys and the Order Schema keys the example does not
#: show, except the two it lacks on purpose (README §6.4)
DOCUMENTED_LOOKUP_KEYS = set(GET_ORDER) | (SCHEMA_KEYS - {"type", "currency_code"})


def kind(value: Any) -> str:
    """The JSON type of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def same_kinds(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The keys of `theirs` whose value has another JSON type in `ours`."""
    return {k: (kind(ours[k]), kind(v)) for k, v in theirs.items() if kind(ours[k]) != kind(v)}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return parse(response)["data"]


def bad(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = parse(response)
    assert body["success"] is False and body["code"] == 422 and body["data"] is None
    return body


def every_order(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every order of the list, oldest first."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        data = ok(http.get("/partner/orders", params={"total": 30, "page": page, "sortType": "asc", **params}))
        rows += data["data"]
        if data["next_page_url"] is None:
            return rows
        page += 1


@pytest.fixture(scope="module")
def doc_sb() -> Iterator[Sandbox]:
    with Sandbox(seed=11, history=1500, profile="documented") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def doc_http(doc_sb: Sandbox) -> Iterator[httpx.Client]:
    with make_http(doc_sb) as client:
        yield client


@pytest.fixture(scope="module")
def doc_history(doc_http: httpx.Client) -> list[dict[str, Any]]:
    """The documented history as the list shows it (module-scoped: read once)."""
    return every_order(doc_http)


@pytest.fixture(params=["default", "documented"])
def each(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Api]]:
    """A fresh sandbox of each profile and its API helper."""
    with Sandbox(seed=7, profile=request.param) as sandbox, make_http(sandbox) as http:
        yield sandbox, Api(http)


@pytest.fixture
def doc() -> Iterator[tuple[Sandbox, Api]]:
    with Sandbox(seed=7, profile="documented") as sandbox, make_http(sandbox) as http:
        yield sandbox, Api(http)


# ---- the Profile -------------------------------------------------------------------------------


def test_profiles_by_name_and_the_switches_documented_flips() -> None:
    assert PROFILES == {"default": DEFAULT, "documented": DOCUMENTED} and Profile() == DEFAULT
    assert profiles.resolve("documented") is DOCUMENTED and profiles.resolve(DEFAULT) is DEFAULT
    with pytest.raises(ValueError, match="unknown sandbox profile 'nope'"):
        Sandbox(profile="nope")
    differ = {f.name for f in dataclasses.fields(Profile) if getattr(DEFAULT, f.name) != getattr(DOCUMENTED, f.name)}
    assert differ == {
        "name",
        "lookup_order_keys",
        "lookup_item_keys",
        "error_fields",
        "gbp_rate_null",
        "price_sides",
        "status_1_name",
        "history_new_orders",
        "history_card_orders",
        "history_delivery_orders",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        DOCUMENTED.error_fields = True  # type: ignore[misc]


def test_every_switch_has_a_comment_citing_its_source() -> None:
    source = inspect.getsource(Profile)
    for field in dataclasses.fields(Profile):
        if field.name == "name":
            continue
        comment = re.search(rf"((?:\n    #:[^\n]*)+)\n    {field.name}: ", source)
        assert comment, f"{field.name} has no #: comment"
        assert re.search(r"README §|\.json", comment.group(1)), f"{field.name} cites no README section or example"


# ---- the default profile is unchanged ----------------------------------------------------------


@pytest.mark.parametrize(("seed", "history", "error_fields"), list(DEFAULT_CHECKSUMS))
def test_default_bytes_are_unchanged(seed: int, history: int, error_fields: bool | None) -> None:
    digest, _ = checksum(seed, history, "default", error_fields)
    assert digest == DEFAULT_CHECKSUMS[seed, history, error_fields]


def test_the_only_default_change_is_two_null_keys_per_order() -> None:
    with Sandbox(seed=11, history=60) as sb, make_http(sb) as http:
        r = http.get("/partner/orders", params={"total": 30})
        assert r.content.count(ADDED_NULLS) == 30
        assert r.content.replace(ADDED_NULLS, b"").count(b'"delivery"') == 0
        rows = parse(r)["data"]["data"]
    for row in rows:
        assert list(row).index("delivery") == list(row).index("payment") + 1
        assert list(row).index("address") == list(row).index("delivery") + 1


def test_documented_profile_is_deterministic_and_its_own() -> None:
    first, rows = checksum(11, 1500, "documented")
    again, rows_again = checksum(11, 1500, "documented")
    assert first == again and rows == rows_again
    assert checksum(12, 1500, "documented")[0] != first
    assert first != DEFAULT_CHECKSUMS[11, 1500, None]


# ---- 1. Get Order shaped like get_order_response.json ------------------------------------------


def test_get_order_matches_the_example(doc_sb: Sandbox, doc_http: httpx.Client, doc_history: list[Any]) -> None:
    """A seeded New GBP customer buy paid in cash, like the example's order, read both ways."""
    like = [
        o
        for o in doc_history
        if o["tx_type"] == "buy" and o["status_id"] == 1 and o["customer"] and o["payment"] is None
        if o["currency_rate"] is None
    ]
    assert like
    for ident in (like[0]["guid"], like[0]["external_id"], like[0]["order_code"]):
        data = ok(doc_http.get(f"/partner/order/{ident}"))
        assert data == like[0]
    data = ok(doc_http.post("/partner/order", json={"guid": like[0]["guid"]}))
    assert data == like[0]
    assert set(data) == DOCUMENTED_LOOKUP_KEYS and set(GET_ORDER) <= set(data)
    assert not {"type", "currency_code", "order_at"} & set(data)
    assert same_kinds(data, GET_ORDER) == {}
    assert (data["channel"], data["tx_type"], data["price_token"]) == ("partner", "buy", None)
    assert (data["status_id"], data["status_name"]) == (1, "New")
    [item] = data["items"]
    assert set(item) == set(GET_ORDER["items"][0]) and "sku" not in item
    assert same_kinds(item, GET_ORDER["items"][0]) == {}
    assert (item["product_weight"], item["currency_id"], item["currency_rate"], item["currency_total"]) == (
        1,
        None,
        None,
        0,
    )
    assert set(data["customer"]) == set(GET_ORDER["customer"])
    assert (data["payment_cost"], data["payment_type"], data["payment"]) == (0, "cash", None)
    assert (data["delivery"], data["address"]) == (None, None)


def test_get_order_of_a_new_order(doc: tuple[Sandbox, Api]) -> None:
    sb, api = doc
    customer = sb.customers()[2]
    token = api.token(currency="TRY", customer_external_id=customer)
    placed = ok(api.buy("GAU", Decimal("0.1"), "DOC-1", price_token=token, customer={"external_id": customer}))
    response_order = placed["orders"][0]
    assert set(response_order) >= SCHEMA_KEYS and response_order["items"][0]["sku"] == "GAU"
    data = ok(api.http.get("/partner/order/DOC-1"))
    assert set(data) == DOCUMENTED_LOOKUP_KEYS
    assert data["price_token"] == token and data["tx_type"] == "buy" and data["status_name"] == "Pending"
    assert data["currency_rate"] == response_order["currency_rate"] != 1
    assert data["currency_total"] == response_order["currency_total"]
    [item] = data["items"]
    assert item["product_id"] == 3000001 and item["currency_id"] == 1000001  # the TRY cash wallet
    assert item["currency_rate"] == data["currency_rate"]
    assert item["currency_total"] == (item["total"] * item["currency_rate"]).quantize(Decimal("0.01"))
    assert sb.orders() == [data]


def test_the_list_shows_each_order_as_get_order_does(doc_http: httpx.Client, doc_history: list[Any]) -> None:
    assert len(doc_history) == 1500
    assert all(set(o) == DOCUMENTED_LOOKUP_KEYS for o in doc_history)
    assert all(set(i) == set(GET_ORDER["items"][0]) for o in doc_history for i in o["items"])
    for row in doc_history[::150]:
        assert ok(doc_http.get(f"/partner/order/{row['guid']}")) == row


def test_list_filters_work_on_rows_without_sku_and_type(doc_http: httpx.Client, doc_history: list[Any]) -> None:
    silver = every_order(doc_http, sku="GAG")
    assert silver and {i["product_id"] for o in silver for i in o["items"]} == {3000002}
    for tx_type in ("buy", "sell", "delivery"):
        rows = every_order(doc_http, tx_type=tx_type)
        assert rows == [o for o in doc_history if o["tx_type"] == tx_type]
    assert every_order(doc_http, status="1") == [o for o in doc_history if o["status_id"] == 1]


def test_default_get_order_keeps_the_schema(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    order = ok(api.sell("GAG", 10, "SHAPE-1"))["orders"][0]
    looked = ok(api.http.get("/partner/order/SHAPE-1"))
    if sb.profile is DEFAULT:
        assert looked == order and looked["items"][0]["sku"] == "GAG"
    else:
        assert set(looked) == DOCUMENTED_LOOKUP_KEYS and "sku" not in looked["items"][0]


def test_one_switch_flips_one_thing() -> None:
    schema_items = dataclasses.replace(DOCUMENTED, lookup_item_keys="schema")
    oneoff = dataclasses.replace(DOCUMENTED, buy_tx_type="oneoffpurchase")
    with Sandbox(seed=7, profile=schema_items) as sb, make_http(sb) as http:
        order = ok(Api(http).buy("GAU", 1, "FLIP-1"))["orders"][0]
        looked = ok(http.get("/partner/order/FLIP-1"))
        assert set(looked) == DOCUMENTED_LOOKUP_KEYS and looked["items"] == order["items"]
    with Sandbox(seed=7, profile=oneoff) as sb, make_http(sb) as http:
        ok(Api(http).buy("GAU", 1, "FLIP-2"))
        ok(Api(http).sell("GAU", 1, "FLIP-3"))
        assert ok(http.get("/partner/order/FLIP-2"))["tx_type"] == "oneoffpurchase"
        rows = ok(http.get("/partner/orders", params={"tx_type": "oneoffpurchase"}))["data"]
        assert [r["external_id"] for r in rows] == ["FLIP-2"]
    with Sandbox(seed=7, profile=dataclasses.replace(DOCUMENTED, list_like_lookup=False)) as sb, make_http(sb) as http:
        ok(Api(http).buy("GAU", 1, "FLIP-4"))
        [row] = ok(http.get("/partner/orders"))["data"]
        assert set(row) >= SCHEMA_KEYS and row["items"][0]["sku"] == "GAU"
        assert "channel" in ok(http.get("/partner/order/FLIP-4"))


# ---- 2. 422s without an errors map -------------------------------------------------------------


def test_documented_422s_are_the_message_alone(doc: tuple[Sandbox, Api]) -> None:
    _, api = doc
    body = bad(api.sell("GAG", 0, "E-1"))
    assert set(body) == set(example("error_422.inferred.json"))
    assert same_kinds(body, example("error_422.inferred.json")) == {}
    assert "items.0.amount" in body["message"]
    with Sandbox(seed=7, profile="documented", error_fields=True) as sb, make_http(sb) as http:
        assert bad(Api(http).sell("GAG", 0, "E-1"))["errors"] == {"items.0.amount": ["must be a positive integer"]}


# ---- 3. the 17 Order Schema keys in both profiles ----------------------------------------------


def test_orders_carry_the_17_schema_keys(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    assert len(SCHEMA_KEYS) == 17
    customer = sb.customers()[0]
    token = api.token(customer_external_id=customer)
    answers = [
        ok(api.sell("GAG", 10, "K-1")),
        ok(api.buy("GAU", Decimal("0.5"), "K-2", price_token=token, customer={"external_id": customer})),
    ]
    for data in answers:
        [order] = data["orders"]
        assert set(order) >= SCHEMA_KEYS, SCHEMA_KEYS - set(order)
        assert (order["payment"], order["delivery"], order["address"]) == (None, None, None)
    # Get Order and the list: all 17 in the default profile; in the documented one all but `type` and
    # `currency_code`, which its example lacks (README §6.4)
    expected = SCHEMA_KEYS if sb.profile is DEFAULT else SCHEMA_KEYS - {"type", "currency_code"}
    rows = ok(api.http.get("/partner/orders"))["data"]
    looked = [ok(api.http.get(f"/partner/order/{ext}")) for ext in ("K-1", "K-2")]
    for order in rows + looked:
        assert expected <= set(order)
        assert (order["delivery"], order["address"]) == (None, None)


def test_default_history_has_no_card_delivery_or_new_orders(history_sb: Sandbox) -> None:
    orders = history_sb.orders()
    assert all(set(o) >= SCHEMA_KEYS for o in orders)
    assert {o["type"] for o in orders} == {"Buy", "Sell"}
    assert {o["payment_type"] for o in orders} == {"cash"} and {o["payment_cost"] for o in orders} == {0}
    assert all(o["payment"] is None and o["delivery"] is None and o["address"] is None for o in orders)
    assert {o["status_name"] for o in orders} == {"Completed", "Cancelled", "Refunded"}


# ---- 4. GBP orders: currency_rate null, currency_total 0 ---------------------------------------


def test_gbp_rates_in_the_documented_profile(doc_history: list[Any], doc: tuple[Sandbox, Api]) -> None:
    nulls = [o for o in doc_history if o["currency_rate"] is None]
    rated = [o for o in doc_history if o["currency_rate"] is not None]
    assert nulls and rated
    assert all(o["currency_total"] == 0 for o in nulls)
    assert all(i["currency_id"] is None and i["currency_rate"] is None for o in nulls for i in o["items"])
    assert all(i["currency_total"] == 0 for o in nulls for i in o["items"])
    assert all(o["currency_rate"] != 1 and o["currency_total"] > 0 for o in rated)
    assert {i["currency_id"] for o in rated for i in o["items"]} == {1000001, 1000002, 1000003}
    # the sell/buy answer shows rate 1 for GBP, as sell_response.json does
    _, api = doc
    order = ok(api.sell("GAG", 1, "GBP-1"))["orders"][0]
    assert (order["currency_code"], order["currency_rate"], order["currency_total"]) == ("GBP", 1, order["total"])
    looked = ok(api.http.get("/partner/order/GBP-1"))
    assert (looked["currency_rate"], looked["currency_total"]) == (None, 0)


# ---- 5. New, card and Delivery orders in the documented history --------------------------------


def test_documented_history_mix(doc_history: list[Any]) -> None:
    tx_types = {o["tx_type"] for o in doc_history}
    assert tx_types == {"buy", "sell", "delivery"}
    statuses = {o["status_name"] for o in doc_history}
    assert {"New", "Completed", "Cancelled", "Refunded", "Shipped"} <= statuses and "Created" not in statuses
    assert all(o["status_id"] == 1 for o in doc_history if o["status_name"] == "New")
    card = [o for o in doc_history if o["payment_type"] == "credit-card"]
    delivery = [o for o in doc_history if o["tx_type"] == "delivery"]
    new = [o for o in doc_history if o["status_name"] == "New"]
    for share in (card, delivery, new):
        assert 0.01 * len(doc_history) < len(share) < 0.15 * len(doc_history)


def test_card_orders_like_the_card_example(doc_history: list[Any]) -> None:
    card = [o for o in doc_history if o["payment_type"] == "credit-card"]
    theirs = CARD_ORDER["payment"]
    for order in card:
        assert order["tx_type"] == "buy" and order["customer"] is not None
        payment = order["payment"]
        assert set(payment) == set(theirs) and set(payment["details"]) == set(theirs["details"])
        assert same_kinds(payment, theirs) == {} and same_kinds(payment["details"], theirs["details"]) == {}
        assert re.fullmatch(r"[0-9]{6}\*{6}[0-9]{4}", payment["details"]["card_number"])
        assert re.fullmatch(r"(0[1-9]|1[0-2])/[0-9]{2}", payment["details"]["card_expiry"])
        assert payment["details"]["card_holder"] == order["customer"]["fullname"]
        # payment_cost is not added to the total (README §8.11)
        assert order["payment_cost"] > 0 and order["total"] == order["price"] + order["tax"]
        assert payment["amount"] == payment["total"] == order["total"] and payment["comission"] == 0
        assert payment["order_reference"] == order["external_id"]
        assert payment["state"] == ("new" if order["status_id"] == 1 else "success")
    assert {o["status_name"] for o in card} == {"Completed", "New"}
    assert {o["payment_cost"] for o in card if o["currency_rate"] is None} == {Decimal("0.2")}
    assert all(o["payment_cost"] == 0 and o["payment"] is None for o in doc_history if o["payment_type"] == "cash")


def test_delivery_orders(doc_sb: Sandbox, doc_history: list[Any]) -> None:
    skeleton_delivery, skeleton_address = SCHEMA["delivery"], SCHEMA["address"]
    delivery = [o for o in doc_history if o["tx_type"] == "delivery"]
    for order in delivery:
        shipment, address = order["delivery"], order["address"]
        assert set(shipment) == set(skeleton_delivery) and same_kinds(shipment, skeleton_delivery).keys() <= {
            "cargo_tracking_url",
            "cargo_tracking_number",
        }
        assert (shipment["status_id"], shipment["status_name"]) == (order["status_id"], order["status_name"])
        shipped = order["status_name"] in ("Shipped", "Completed")
        assert (shipment["cargo_tracking_number"] is not None) == shipped
        if shipped:
            assert shipment["cargo_tracking_url"].endswith(shipment["cargo_tracking_number"])
        [product] = shipment["products"]
        [item] = order["items"]
        assert set(product) == set(skeleton_delivery["products"][0])
        assert (product["product_id"], product["amount"]) == (item["product_id"], item["amount"])
        assert set(address) == {"billing", "shipping"}
        assert set(address["billing"]) == set(skeleton_address["billing"])
        assert set(address["shipping"]) == set(skeleton_address["shipping"])
        assert address["billing"]["external_id"] == order["customer"]["external_id"]
        assert order["description"] == f"{item['amount']}gr - #{product['sku']}"
        assert item["price"] < item["spot_price"] and order["total"] == item["total"]
    assert {o["status_name"] for o in delivery} >= {"Completed", "Shipped", "Preparing"}
    assert all(o["delivery"] is None and o["address"] is None for o in doc_history if o["tx_type"] != "delivery")


def test_documented_history_balances_add_up(doc_sb: Sandbox, doc_history: list[Any]) -> None:
    """Metal held = seeded opening + completed buys - completed sells - deliveries not cancelled."""
    customer = doc_sb.customers()[0]
    with Sandbox(seed=11, profile="documented") as empty:
        opening = empty.balance("GAU", customer)
        cash = empty.balance("GBP", customer)
    held, spent = opening, cash
    for o in doc_history:
        if o["customer"] is None or o["customer"]["external_id"] != customer:
            continue
        grams = sum(i["amount"] for i in o["items"] if i["product_id"] == 3000001)
        gbp = o["currency_rate"] is None
        if o["tx_type"] == "delivery" and o["status_name"] != "Cancelled":
            held -= grams
            spent -= o["total"] if gbp else 0
        elif o["status_name"] == "Completed":
            held += grams if o["tx_type"] == "buy" else -grams
            if gbp and o["payment"] is None:
                spent += -o["total"] if o["tx_type"] == "buy" else o["total"]
    assert doc_sb.balance("GAU", customer) == held
    assert doc_sb.balance("GBP", customer) == spent


# ---- 6. price sides ----------------------------------------------------------------------------


def test_the_example_itself_has_spot_above_buy() -> None:
    for p in example("pricefix_response.json")["data"]["prices"][:2]:
        assert p["spot_price"] > p["buy_price"] > p["sell_price"]


@pytest.mark.parametrize("currency", ["GBP", "TRY", "USD", "EUR"])
def test_price_sides_per_profile(currency: str) -> None:
    quotes = {}
    for name in PROFILES:
        with Sandbox(seed=7, profile=name) as sb, make_http(sb) as http:
            api = Api(http)
            data = api.fix(currency=currency)
            quotes[name] = data["prices"]
            products = ok(http.get("/partner/products/prices", params={"currency": currency}))
            minted = ok(http.get("/partner/prices"))["prices"]
            wallets = [w["prices"] for w in ok(http.get("/partner/balance")) if not w["is_cash"]]
            for p in data["prices"] + products + minted + wallets:
                if name == "default":
                    assert p["buy_price"] > p["spot_price"] > p["sell_price"] > 0
                else:
                    assert p["spot_price"] > p["buy_price"] > p["sell_price"] > 0
            # a buy settles at buy_price, a sell at sell_price, in both profiles
            gau = data["prices"][0]
            buy = ok(api.buy("GAU", 1, "SIDE-1", fix={"currency": currency}))["orders"][0]["items"][0]
            sell = ok(api.sell("GAU", 1, "SIDE-2", fix={"currency": currency}))["orders"][0]["items"][0]
            assert (buy["price"], sell["price"]) == (gau["buy_price"], gau["sell_price"])
            assert buy["spot_price"] == sell["spot_price"] == gau["spot_price"]
    # the same market: spot is the same in both profiles, only the sides move
    assert [p["spot_price"] for p in quotes["default"]] == [p["spot_price"] for p in quotes["documented"]]


def test_documented_prices_are_a_function_of_the_market() -> None:
    def board() -> list[Any]:
        with Sandbox(seed=5, profile="documented") as sb, make_http(sb) as http:
            first = ok(http.get("/partner/products/prices", params={"currency": "TRY"}))
            sb.clock.advance(3600)
            return [first, ok(http.get("/partner/products/prices", params={"currency": "TRY"}))]

    one, two = board(), board()
    assert one == two and one[0] != one[1]


# ---- 7. the two new 422s, in both profiles -----------------------------------------------------


def test_pricefix_from_total_requires_the_customer(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    r = api.http.post("/partner/pricefix", json={"type": "digital", "currency": "TRY", "total": 10000}, headers=V3)
    body = bad(r)
    assert body["message"] == "Parameter error: customer_external_id: is required for a price fix from a total"
    if sb.profile.error_fields:
        assert body["errors"] == {"customer_external_id": ["is required for a price fix from a total"]}
    else:
        assert "errors" not in body
    customer = sb.customers()[0]
    assert api.fix(currency="TRY", total=10000, customer_external_id=customer)["is_total_price"] is True
    assert api.fix()["is_total_price"] is False


def documented_customer(external_id: str) -> dict[str, Any]:
    customer: dict[str, Any] = example("buy_silver_request.json")["customer"]
    return {**customer, "external_id": external_id}


def test_buy_for_a_new_customer_names_each_missing_field(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    token = api.token(customer_external_id="NEW-0001")
    body = bad(api.buy(price_token=token, external_id="NC-1", customer={"external_id": "NEW-0001"}))
    fields = [f"customer.{name}" for name in NEW_CUSTOMER_FIELDS]
    if sb.profile.error_fields:
        assert list(body["errors"]) == fields and all(v == ["is required"] for v in body["errors"].values())
    assert body["message"] == "Parameter error: customer.identity_number: is required (and 4 more errors)"
    assert sb.orders() == [] and "NEW-0001" not in sb.book.customers


@pytest.mark.parametrize("missing", NEW_CUSTOMER_FIELDS)
def test_each_required_new_customer_field(each: tuple[Sandbox, Api], missing: str) -> None:
    sb, api = each
    token = api.token(customer_external_id="NEW-0002")
    customer = documented_customer("NEW-0002")
    del customer[missing]
    body = bad(api.buy(price_token=token, external_id="NC-2", customer=customer))
    assert body["message"] == f"Parameter error: customer.{missing}: is required"
    if sb.profile.error_fields:
        assert body["errors"] == {f"customer.{missing}": ["is required"]}
    assert sb.orders() == [] and "NEW-0002" not in sb.book.customers
    customer[missing] = ""  # blank counts as missing
    assert bad(api.buy(price_token=token, external_id="NC-2", customer=customer))["message"] == body["message"]


def test_new_customer_optional_fields_and_creation(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    customer = documented_customer("NEW-0003")
    for optional in ("middlename", "gender", "birthdate", "fullname"):
        del customer[optional]
    token = api.token(customer_external_id="NEW-0003")
    order = ok(api.buy("GAU", 1, "NC-3", price_token=token, customer=customer))["orders"][0]
    assert order["customer"]["external_id"] == "NEW-0003" and sb.balance("GAU", "NEW-0003") == 1
    assert ok(api.http.get("/partner/customer/NEW-0003"))["identity_number"] == customer["identity_number"]


def test_known_customers_and_sells_keep_their_behaviour(each: tuple[Sandbox, Api]) -> None:
    sb, api = each
    known = sb.customers()[0]
    token = api.token(customer_external_id=known)
    assert ok(api.buy("GAU", 1, "KC-1", price_token=token, customer={"external_id": known}))
    # a sell for an unknown customer: still the external id (created on the spot only with names)
    token = api.token(customer_external_id="GHOST-2")
    body = bad(api.sell(price_token=token, external_id="KC-2", customer={"external_id": "GHOST-2"}))
    assert body["message"].startswith("Parameter error: customer.external_id:")


# ---- the CLI -----------------------------------------------------------------------------------


def test_cli_profile_documented() -> None:
    code = (
        "import argparse, sys; from minted_lab.sandbox import cli; p = argparse.ArgumentParser(); "
        "cli.configure(p); sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    argv = [sys.executable, "-c", code, "--port", "0", "--history", "40", "--clock", "frozen", "--seed", "11"]
    proc = subprocess.Popen(
        [*argv, "--profile", "documented"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert "(profile documented, seed 11, 40 past orders" in banner
        url = banner.split(" on ", 1)[1].split()[0]
        auth = httpx.DigestAuth("sandbox", "sandbox-password")
        with httpx.Client(base_url=url, auth=auth, headers=HEADERS, verify=TLS, timeout=10) as http:
            rows = ok(http.get("/partner/orders", params={"total": 5}))["data"]
            assert all(set(r) == DOCUMENTED_LOOKUP_KEYS for r in rows)
            assert set(parse(http.get("/partner/orders", params={"page": "0"}))) == {
                "data",
                "success",
                "code",
                "message",
            }
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    refused = subprocess.run([*argv, "--profile", "nope"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "invalid choice: 'nope'" in refused.stderr
