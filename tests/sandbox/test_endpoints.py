"""Happy paths of every Partner endpoint, checked against the reference's field lists."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx

from minted_lab.sandbox import Sandbox

from .conftest import Api, parse

ENVELOPE = {"data", "success", "code", "message"}
PRICEFIX_KEYS = {"token", "total", "expires_at", "expire_ttl", "is_total_price", "prices", "currency"}
PRICE_KEYS = {"currency_id", "product_id", "spot_price", "buy_price", "sell_price", "buy_amount", "sku"}
ORDER_RESPONSE_KEYS = {"order_code", "guid", "price", "tax", "total", "order_at", "orders"}
ORDER_KEYS = {
    "guid",
    "order_code",
    "external_id",
    "type",
    "price",
    "tax",
    "total",
    "payment_cost",
    "currency_code",
    "currency_rate",
    "currency_total",
    "status_id",
    "status_name",
    "payment_type",
    "payment",
    "order_at",
    "description",
    "customer",
    "items",
}
ITEM_KEYS = {"sku", "product_id", "product_name", "spot_price", "price", "tax_rate", "tax", "amount", "total"}
ORDER_CUSTOMER_KEYS = {
    "external_id",
    "firstname",
    "middlename",
    "lastname",
    "fullname",
    "email",
    "phone",
    "gender",
    "identity_number",
    "birthdate",
}
WALLET_KEYS = {
    "customer_external_id",
    "name",
    "currency_id",
    "currency_symbol",
    "currency_code",
    "is_cash",
    "balance",
    "blocked",
    "real_balance",
    "soft_blocked_amount",
    "stats",
    "prices",
}
CUSTOMER_KEYS = {
    "id",
    "external_id",
    "company_id",
    "user_id",
    "firstname",
    "middlename",
    "lastname",
    "fullname",
    "email",
    "phone",
    "gender",
    "identity_number",
    "birthdate",
    "created_at",
    "updated_at",
}
CUSTOMER_WALLET_KEYS = {
    "id",
    "customer_external_id",
    "currency_id",
    "currency_code",
    "name",
    "is_cash",
    "balance",
    "blocked",
    "real_balance",
    "soft_blocked_amount",
}
PAGINATOR_KEYS = {
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "links",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = parse(response)
    assert set(body) == ENVELOPE
    assert body["success"] is True and body["code"] == 0 and body["message"] == ""
    return body["data"]


def test_pricefix_by_amount(api: Api) -> None:
    data = api.fix()
    assert set(data) == PRICEFIX_KEYS
    assert len(data["token"]) == 32 and data["token"].isalnum()
    assert data["total"] is None and data["is_total_price"] is False
    assert data["expires_at"] == "2026-11-02T09:34:00+03:00" and data["expire_ttl"] == 240
    assert data["currency"] == "GBP"
    assert [p["sku"] for p in data["prices"]] == ["GAU", "GAG", "BGAU", "BGAG", "GPT", "GPD"]
    for p in data["prices"]:
        assert set(p) == PRICE_KEYS and p["buy_amount"] is None
        assert p["buy_price"] > p["spot_price"] > p["sell_price"] > 0
    gau = data["prices"][0]
    assert (gau["currency_id"], gau["product_id"]) == (1000004, 3000001)
    assert Decimal(95) < gau["spot_price"] < Decimal(105)


def test_pricefix_from_total_in_try(api: Api, sb: Sandbox) -> None:
    customer = sb.customers()[0]
    data = api.fix(currency="TRY", customer_external_id=customer, total=10000)
    assert data["is_total_price"] is True and data["total"] == 10000 and data["currency"] == "TRY"
    for p in data["prices"]:
        assert p["buy_amount"] == (Decimal(10000) / p["buy_price"]).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
    assert Decimal(4500) < data["prices"][0]["spot_price"] < Decimal(6200)


def test_sell_b2b_moves_partner_balances(api: Api, sb: Sandbox) -> None:
    metal, cash = sb.balance("GAG"), sb.balance("GBP")
    data = ok(api.sell("GAG", 250, "SELL-1"))
    assert set(data) == ORDER_RESPONSE_KEYS
    assert data["tax"] == 0 and isinstance(data["tax"], int)
    assert len(data["order_code"]) == 1 and len(data["guid"]) == 1
    assert data["order_at"] == "2026-11-02 09:30:00"
    order = data["orders"][0]
    assert set(order) >= ORDER_KEYS
    assert order["order_at"] == "02-11-2026 09:30"
    assert order["type"] == "Sell" and order["customer"] is None and order["status_name"] == "Pending"
    assert order["description"] == "250gr - #GAG" and order["currency_rate"] == 1
    item = order["items"][0]
    assert set(item) == ITEM_KEYS and item["amount"] == 250
    assert item["total"] == (item["price"] * 250).quantize(Decimal("0.01"))
    assert order["guid"] == order["guid"].upper() and len(order["order_code"]) == 8
    assert sb.balance("GAG") == metal - 250
    assert sb.balance("GBP") == cash + data["total"]


def test_buy_b2b2c_fractional_in_try(api: Api, sb: Sandbox) -> None:
    customer = sb.customers()[1]
    gau, tl = sb.balance("GAU", customer), sb.balance("TRY", customer)
    token = api.token(currency="TRY", customer_external_id=customer)
    data = ok(
        api.buy(
            "GAU", Decimal("0.1"), "BUY-1", price_token=token, currency_code="TRY", customer={"external_id": customer}
        )
    )
    order = data["orders"][0]
    assert order["type"] == "Buy" and order["currency_code"] == "TRY"
    assert set(order["customer"]) == ORDER_CUSTOMER_KEYS and order["customer"]["external_id"] == customer
    item = order["items"][0]
    assert item["amount"] == Decimal("0.1") and item["price"] > item["spot_price"]
    assert order["currency_total"] == (order["total"] * order["currency_rate"]).quantize(Decimal("0.01"))
    assert sb.balance("GAU", customer) == gau + Decimal("0.1")
    assert sb.balance("TRY", customer) == tl - data["total"]


def test_buy_accepts_product_id_and_documented_customer_object(api: Api, sb: Sandbox) -> None:
    token = api.token(customer_external_id="MTD0018232")
    body = {
        "price_token": token,
        "currency_code": "GBP",
        "external_id": "HYAQA01373",
        "customer": {
            "external_id": "MTD0018232",
            "firstname": "Mehmet",
            "middlename": "",
            "lastname": "Gülbilge",
            "fullname": "Mehmet Gülbilge",
            "email": "customer@example.com",
            "phone": "+905322808035",
            "gender": "M",
            "identity_number": "12345677938",
            "birthdate": "1970-01-31",
        },
        "items": [{"product_id": 3000002, "amount": 10}],
    }
    data = ok(api.trade("buy", body))
    assert data["orders"][0]["items"][0]["sku"] == "GAG"
    assert data["orders"][0]["customer"]["fullname"] == "Mehmet Gülbilge"
    assert sb.balance("GAG", "MTD0018232") == 10


def test_every_sku_trades(api: Api, sb: Sandbox) -> None:
    skus = ["GAU", "GAG", "GPT", "GPD", "BGAU", "BGAG"]
    for n, sku in enumerate(skus):
        ok(api.sell(sku, 1, f"S-{n}"))
        ok(api.buy(sku, Decimal("1.5"), f"B-{n}"))
    traded = [(o["type"], o["items"][0]["sku"], o["items"][0]["amount"]) for o in sb.orders()]
    assert traded == [row for sku in skus for row in (("Sell", sku, 1), ("Buy", sku, Decimal("1.5")))]


def test_get_order_by_external_id_guid_and_code(api: Api, http: httpx.Client) -> None:
    data = ok(api.sell("GAU", 1, "FIND-ME"))
    order = data["orders"][0]
    for ident in ("FIND-ME", order["guid"], order["guid"].lower(), order["order_code"]):
        got = ok(http.get(f"/partner/order/{ident}"))
        assert got == order
    got = ok(http.post("/partner/order", json={"guid": order["guid"], "push_hook": True}))
    assert got["order_code"] == order["order_code"]
    got = ok(http.post("/partner/order", json={"order_code": order["order_code"], "external_id": "FIND-ME"}))
    assert got["guid"] == order["guid"]


def test_order_alternative_push_hook_is_recorded(api: Api, http: httpx.Client, sb: Sandbox) -> None:
    order = ok(api.sell("GAU", 1, "HOOK"))["orders"][0]
    ok(http.post("/partner/order", json={"external_id": "HOOK", "push_hook": True}))
    assert [g for g, _ in sb.pushed_hooks] == [order["guid"]]


def test_order_becomes_completed_after_sixty_seconds(api: Api, http: httpx.Client, sb: Sandbox) -> None:
    ok(api.sell("GAU", 1, "SETTLE"))
    sb.clock.advance(59)
    assert ok(http.get("/partner/order/SETTLE"))["status_name"] == "Pending"
    sb.clock.advance(1)
    got = ok(http.get("/partner/order/SETTLE"))
    assert (got["status_id"], got["status_name"]) == (5, "Completed")


def test_order_statuses(http: httpx.Client) -> None:
    data = ok(http.get("/partner/orders/statuses"))
    assert [s["id"] for s in data] == list(range(1, 13))
    assert data[1] == {"id": 2, "name": "Pending"} and data[11]["name"] == "Payment Confirmed"


def test_product_and_minted_prices_agree_with_pricefix(api: Api, http: httpx.Client) -> None:
    fixed = {p["sku"]: p for p in api.fix(currency="USD")["prices"]}
    products = ok(http.get("/partner/products/prices", params={"currency": "USD"}))
    assert {
        "product_id",
        "sku",
        "product_name",
        "currency_id",
        "currency_code",
        "spot_price",
        "buy_price",
        "sell_price",
        "updated_at",
    } == set(products[0])
    for p in products:
        assert (p["spot_price"], p["buy_price"], p["sell_price"]) == (
            fixed[p["sku"]]["spot_price"],
            fixed[p["sku"]]["buy_price"],
            fixed[p["sku"]]["sell_price"],
        )
        assert p["currency_code"] == "USD" and p["updated_at"].endswith("+03:00")
    minted = ok(http.get("/partner/prices"))
    assert set(minted) == {"currency", "updated_at", "rates", "prices"} and minted["currency"] == "GBP"
    assert set(minted["rates"]) == {"GBP", "TRY", "USD", "EUR"} and minted["rates"]["GBP"] == 1
    usd = minted["rates"]["USD"]
    for p in minted["prices"]:
        assert set(p) == {"sku", "product_name", "spot_price", "buy_price", "sell_price"}
        assert fixed[p["sku"]]["buy_price"] == (p["buy_price"] * usd).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )


def test_partner_and_customer_balances(http: httpx.Client, sb: Sandbox) -> None:
    partner = ok(http.get("/partner/balance"))
    assert [w["currency_code"] for w in partner] == [
        "GAU",
        "GAG",
        "BGAU",
        "BGAG",
        "GPT",
        "GPD",
        "GBP",
        "TRY",
        "USD",
        "EUR",
    ]
    for w in partner:
        assert set(w) == WALLET_KEYS and w["customer_external_id"] is None
        assert w["balance"] == sb.balance(w["currency_code"])
    gbp = next(w for w in partner if w["currency_code"] == "GBP")
    assert (gbp["currency_id"], gbp["currency_symbol"], gbp["is_cash"], gbp["prices"]) == (1000006, "£", True, {})
    gold = partner[0]
    assert (gold["name"], gold["currency_symbol"], gold["currency_id"]) == ("Gold", "gr", 1000004)
    assert set(gold["prices"]) == {"spot_price", "buy_price", "sell_price"}
    customer = sb.customers()[0]
    wallets = ok(http.get(f"/partner/balance/customer/{customer}"))
    assert all(w["customer_external_id"] == customer for w in wallets)
    assert wallets[0]["balance"] == sb.balance("GAU", customer)


def test_create_and_get_customer(http: httpx.Client) -> None:
    body = {
        "external_id": "CUST-001",
        "firstname": "Mehmet",
        "middlename": "",
        "lastname": "Gülbilge",
        "email": "customer@example.com",
        "phone": "+90 532 280 80 35",
        "gender": "M",
        "identity_number": "12345677938",
        "birthdate": "31-01-1970",
    }
    created = ok(http.post("/partner/customer", json=body))
    assert set(created) == CUSTOMER_KEYS
    assert created["middlename"] is None and created["fullname"] == "Mehmet Gülbilge"
    assert created["birthdate"] == "1970-01-31" and created["created_at"] == "2026-11-02 09:30:00"
    got = ok(http.get("/partner/customer/CUST-001"))
    assert set(got) == CUSTOMER_KEYS | {"wallets"}
    assert all(set(w) == CUSTOMER_WALLET_KEYS for w in got["wallets"])
    assert {w["currency_code"]: w["balance"] for w in got["wallets"]}["GBP"] == 10000
    company = {
        "external_id": "CO-1",
        "firstname": "Test AŞ",
        "email": "a@example.com",
        "phone": "+90 532 280 80 35",
        "identity_number": "1234567793",
        "tax_office": "Ümraniye",
        "birthdate": "1970-01-31",
        "account_type": "company",
    }
    assert ok(http.post("/partner/customer", json=company))["firstname"] == "Test AŞ"


def test_json_numbers_are_exact(api: Api) -> None:
    raw = api.sell("GAG", 10, "NUM").content
    assert not re.search(rb"[:,\[]-?[0-9.]+[eE]", raw)
    assert b'"amount":10,' in raw and b'"tax":0,' in raw
    raw = api.buy("GAU", Decimal("0.1"), "NUM-2").content
    assert b'"amount":0.1,' in raw


def test_messages_follow_accept_language(http: httpx.Client) -> None:
    en = parse(http.get("/partner/order/NOPE"))
    tr = parse(http.get("/partner/order/NOPE", headers={"Accept-Language": "tr"}))
    other = parse(http.get("/partner/order/NOPE", headers={"Accept-Language": "de"}))
    assert en["message"] == "Order not found." and tr["message"] == "Sipariş bulunamadı."
    assert other["message"] == tr["message"]
