"""Every 4xx names its field, keeps the envelope, creates nothing and moves no balance."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from minted_lab.sandbox import Sandbox

from .conftest import HEADERS, Api, make_http, parse, raw_get


def err(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = parse(response)
    assert body["success"] is False and body["code"] == status and body["data"] is None and body["message"]
    if field is not None:
        assert field in body["errors"], body
        assert all(isinstance(r, str) and r for r in body["errors"][field])
    return body  # type: ignore[no-any-return]


def wallets(sb: Sandbox) -> dict[str, Decimal]:
    owners = [None, *sb.customers()]
    return {f"{o}:{c}": sb.balance(c, o) for o in owners for c in ("GAU", "GAG", "GBP", "TRY")}


def test_missing_or_empty_client_id(http: httpx.Client) -> None:
    err(http.get("/partner/balance", headers={"x-client-id": ""}), 422, "x-client-id")
    del http.headers["x-client-id"]
    err(http.get("/partner/balance"), 422, "x-client-id")


def test_api_version_rules(http: httpx.Client) -> None:
    assert http.get("/partner/balance", headers={"api-version": "3"}).status_code == 200
    err(http.get("/partner/balance", headers={"api-version": "7"}), 422, "api-version")
    err(http.post("/partner/pricefix", json={"type": "digital"}), 422, "api-version")
    body = err(
        http.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "2"}), 422, "api-version"
    )
    assert body["errors"]["api-version"] == ["must be 3 for price fix"]


def test_errors_are_turkish_by_default(http: httpx.Client) -> None:
    r = http.post("/partner/pricefix", json={"type": "digital"}, headers={"api-version": "2", "Accept-Language": "tr"})
    assert parse(r)["errors"]["api-version"] == ["fiyat sabitleme için 3 olmalıdır"]


def test_unknown_route_and_wrong_method(http: httpx.Client) -> None:
    err(http.get("/partner/nowhere"), 404)
    err(http.get("/"), 404)
    r = http.delete("/partner/balance")
    err(r, 405)
    assert r.headers["allow"] == "GET, HEAD"


def test_unknown_order_and_customer(http: httpx.Client) -> None:
    err(http.get("/partner/order/NOPE"), 404)
    err(http.post("/partner/order", json={"guid": "NOPE"}), 404)
    err(http.get("/partner/customer/NOPE"), 404)
    err(http.get("/partner/balance/customer/NOPE"), 404)
    err(http.post("/partner/order", json={}), 422, "guid")
    err(http.post("/partner/order", json={"guid": "x", "push_hook": "yes"}), 422, "push_hook")


def test_body_over_64_kib_is_413(http: httpx.Client, sb: Sandbox) -> None:
    big = b'{"type": "digital", "pad": "' + b"x" * (65 * 1024) + b'"}'
    r = http.post("/partner/pricefix", content=big, headers={"api-version": "3", "content-type": "application/json"})
    err(r, 413)
    r = http.post("/partner/order/digital/sell", content=b"[" * (2 * 1024 * 1024))
    err(r, 413)
    assert http.get("/partner/balance").status_code == 200


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", "body"),
        (b"", "body"),
        (b"[]", "body"),
        (b'"x"', "body"),
        (b"\xff\xfe{", "body"),
        (b'{"type": NaN}', "body"),
        (b'{"type": "digital", "colour": "red"}', "colour"),
        (b'{"type": "physical"}', "type"),
        (b"{}", "type"),
        (b'{"type": "digital", "currency": "JPY"}', "currency"),
        (b'{"type": "digital", "total": -5}', "total"),
        (b'{"type": "digital", "total": "100"}', "total"),
        (b'{"type": "digital", "total": 1.001}', "total"),
        (b'{"type": "digital", "total": true}', "total"),
        (b'{"type": "digital", "customer_external_id": 42}', "customer_external_id"),
    ],
)
def test_pricefix_bad_bodies(http: httpx.Client, raw: bytes, field: str) -> None:
    r = http.post("/partner/pricefix", content=raw, headers={"api-version": "3", "content-type": "application/json"})
    err(r, 422, field)


@pytest.mark.parametrize(
    ("side", "items", "field", "reason"),
    [
        ("sell", [{"sku": "GAG", "amount": 0}], "items.0.amount", "must be a positive integer"),
        ("sell", [{"sku": "GAG", "amount": -3}], "items.0.amount", "must be a positive integer"),
        ("sell", [{"sku": "GAG", "amount": 1.5}], "items.0.amount", "must be a positive integer"),
        ("sell", [{"sku": "GAG", "amount": "10"}], "items.0.amount", "must be a positive integer"),
        ("sell", [{"sku": "GAG", "amount": True}], "items.0.amount", "must be a positive integer"),
        ("sell", [{"sku": "GAG", "amount": None}], "items.0.amount", "is required"),
        ("sell", [{"sku": "GAG", "amount": 10**30}], "items.0.amount", "must be at most 1000000"),
        (
            "buy",
            [{"sku": "GAU", "amount": 0.00001}],
            "items.0.amount",
            "must be a positive number with at most 4 decimals",
        ),
        (
            "buy",
            [{"sku": "GAG", "amount": 0.0001}],
            "items.0.amount",
            "is too small: the item total would be below 0.01",
        ),
        ("buy", [{"sku": "XAU", "amount": 1}], "items.0.sku", "is not a known product"),
        ("buy", [{"product_id": 999, "amount": 1}], "items.0.product_id", "is not a known product"),
        ("buy", [{"amount": 1}], "items.0.sku", "is required"),
        (
            "buy",
            [{"sku": "GAU", "amount": 1}, {"sku": "GAU", "amount": 2}],
            "items.1.sku",
            "repeats a product already in the order",
        ),
        ("buy", [], "items", "must be a non-empty list"),
        ("buy", "GAU", "items", "must be a non-empty list"),
        ("buy", ["GAU"], "items.0", "must be an object"),
    ],
)
def test_trade_item_errors(api: Api, sb: Sandbox, side: str, items: Any, field: str, reason: str) -> None:
    before = wallets(sb)
    body = {"price_token": api.token(), "external_id": "E-1", "items": items}
    r = api.trade(side, body)
    assert err(r, 422, field)["errors"][field] == [reason]
    assert wallets(sb) == before and sb.orders() == []


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"price_token": None}, "price_token"),
        ({"price_token": 12}, "price_token"),
        ({"external_id": None}, "external_id"),
        ({"external_id": "has space"}, "external_id"),
        ({"external_id": "x" * 65}, "external_id"),
        ({"external_id": "ünï"}, "external_id"),
        ({"currency_code": "JPY"}, "currency_code"),
        ({"customer": "MTD1"}, "customer"),
        ({"customer": {"firstname": "Ali"}}, "customer.external_id"),
        ({"extra": 1}, "extra"),
        ({"topup": {"price": 1}}, "topup"),
    ],
)
def test_sell_body_errors(api: Api, sb: Sandbox, patch: dict[str, Any], field: str) -> None:
    before = wallets(sb)
    body = {"price_token": api.token(), "external_id": "E-2", "items": [{"sku": "GAG", "amount": 1}], **patch}
    err(api.trade("sell", body), 422, field)
    assert wallets(sb) == before and sb.orders() == []


def test_expired_token_through_the_clock(api: Api, sb: Sandbox) -> None:
    token = api.token()
    sb.clock.advance(239)
    assert api.sell(price_token=token, external_id="IN-TIME").status_code == 200
    token = api.token()
    sb.clock.advance(240)
    before = wallets(sb)
    err(api.sell(price_token=token, external_id="TOO-LATE"), 422, "price_token")
    assert wallets(sb) == before and len(sb.orders()) == 1


def test_unknown_and_used_tokens(api: Api, sb: Sandbox) -> None:
    err(api.sell(price_token="A" * 32, external_id="U-1"), 422, "price_token")
    token = api.token()
    assert api.sell(price_token=token, external_id="U-2").status_code == 200
    before = wallets(sb)
    err(api.sell(price_token=token, external_id="U-3"), 422, "price_token")
    assert wallets(sb) == before and len(sb.orders()) == 1


def test_token_bound_to_customer_and_currency(api: Api, sb: Sandbox) -> None:
    customer = sb.customers()[0]
    token = api.token(customer_external_id=customer)
    err(api.sell(price_token=token, external_id="C-1"), 422, "price_token")
    token = api.token()
    err(api.sell(price_token=token, external_id="C-2", customer={"external_id": customer}), 422, "price_token")
    token = api.token(currency="TRY")
    err(api.sell(price_token=token, external_id="C-3", currency_code="GBP"), 422, "currency_code")
    assert api.sell(price_token=token, external_id="C-4", currency_code="TRY").status_code == 200


def test_unknown_customer_without_details(api: Api) -> None:
    token = api.token(customer_external_id="GHOST-1")
    err(
        api.sell(price_token=token, external_id="G-1", customer={"external_id": "GHOST-1"}), 422, "customer.external_id"
    )


def test_external_id_is_unique_across_sells_and_buys(api: Api, sb: Sandbox) -> None:
    assert api.sell(external_id="DUP-1").status_code == 200
    before = wallets(sb)
    err(api.sell(external_id="DUP-1"), 422, "external_id")
    body = err(api.buy(external_id="DUP-1"), 422, "external_id")
    assert "price_token" not in body["errors"]
    assert wallets(sb) == before and len(sb.orders()) == 1


def test_insufficient_metal_and_cash(api: Api, sb: Sandbox) -> None:
    customer = sb.customers()[0]
    held = sb.balance("GPT", customer)
    before = wallets(sb)
    token = api.token(customer_external_id=customer)
    err(
        api.sell("GPT", int(held) + 1, "SHORT-1", price_token=token, customer={"external_id": customer}),
        422,
        "items.0.amount",
    )
    err(api.buy("GAU", 1000, "SHORT-2", price_token=token, customer={"external_id": customer}), 422, "total")
    assert wallets(sb) == before and sb.orders() == []
    assert (
        api.sell("GPT", int(held), "ALL-IN", price_token=token, customer={"external_id": customer}).status_code == 200
    )
    assert sb.balance("GPT", customer) == held - int(held)


def test_create_customer_errors(http: httpx.Client, sb: Sandbox) -> None:
    cases = [
        ({}, "external_id"),
        ({"external_id": "ab"}, "external_id"),
        ({"external_id": "bad id!"}, "external_id"),
        ({"external_id": "C-10", "firstname": "Al"}, "firstname"),
        ({"external_id": "C-10", "email": "nope"}, "email"),
        ({"external_id": "C-10", "gender": "X"}, "gender"),
        ({"external_id": "C-10", "birthdate": "1970-02-31"}, "birthdate"),
        ({"external_id": "C-10", "birthdate": "31/01/1970"}, "birthdate"),
        ({"external_id": "C-10", "shoe": 43}, "shoe"),
        ({"external_id": "C-10", "identity_number": "12ab"}, "identity_number"),
        ({"external_id": "C-10", "account_type": "company"}, "tax_office"),
    ]
    for body, field in cases:
        err(http.post("/partner/customer", json=body), 422, field)
    existing = sb.customers()[0]
    err(http.post("/partner/customer", json={"external_id": existing}), 422, "external_id")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"total": "4"}, "total"),
        ({"total": "31"}, "total"),
        ({"sortBy": "price"}, "sortBy"),
        ({"sortType": "up"}, "sortType"),
        ({"status": "2,x"}, "status"),
        ({"status": "13"}, "status"),
        ({"sku": "XAU"}, "sku"),
        ({"startDate": "2026-13-01"}, "startDate"),
        ({"endDate": "01-07-2026"}, "endDate"),
        ({"tx_type": "gift"}, "tx_type"),
    ],
)
def test_order_list_bad_parameters(http: httpx.Client, params: dict[str, str], field: str) -> None:
    err(http.get("/partner/orders", params=params), 422, field)


def test_product_prices_bad_currency(http: httpx.Client) -> None:
    err(http.get("/partner/products/prices", params={"currency": "JPY"}), 422, "currency")


def test_error_envelope_on_every_status(sb: Sandbox) -> None:
    r = raw_get(sb.url + "/partner/balance", headers=HEADERS)
    assert set(parse(r)) == {"data", "success", "code", "message"}


def test_api_version_sent_twice_like_the_doc_samples(http: httpx.Client) -> None:
    headers = [("api-version", "2"), ("api-version", "3")]
    r = http.post("/partner/pricefix", json={"type": "digital"}, headers=headers)
    assert r.status_code == 200, r.text


@pytest.fixture
def bare() -> Iterator[tuple[Sandbox, Api]]:
    """A sandbox whose 422s carry no `errors` map, and an httpx client for it."""
    with Sandbox(seed=7, error_fields=False) as sandbox, make_http(sandbox) as http:
        yield sandbox, Api(http)


def _bare_422(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    body = parse(response)
    assert list(body) == ["data", "success", "code", "message"]
    assert body["data"] is None and body["success"] is False and body["code"] == 422
    return str(body["message"])


def test_without_error_fields_422s_are_the_documented_envelope(bare: tuple[Sandbox, Api]) -> None:
    sb, api = bare
    http = api.http
    assert (
        _bare_422(http.get("/partner/balance", headers={"x-client-id": ""}))
        == "Parameter error: x-client-id: is required"
    )
    assert _bare_422(api.sell(amount=1.5)) == "Parameter error: items.0.amount: must be a positive integer"
    assert (
        _bare_422(api.trade("sell", {"items": []})) == "Parameter error: price_token: is required (and 2 more errors)"
    )
    assert (
        _bare_422(api.sell(price_token="A" * 32))
        == "Parameter error: price_token: the price token is unknown, expired or already used"
    )
    assert api.sell(external_id="B-1").status_code == 200
    assert (
        _bare_422(api.sell(external_id="B-1"))
        == "Parameter error: external_id: has already been used for another order"
    )
    assert (
        _bare_422(http.post("/partner/customer", json={"external_id": sb.customers()[0]}))
        == "Parameter error: external_id: is already registered"
    )
    assert _bare_422(http.get("/partner/orders", params={"page": "0"})).startswith("Parameter error: page: ")
    assert (
        _bare_422(
            http.post(
                "/partner/pricefix",
                content=b"{not json",
                headers={"api-version": "3", "content-type": "application/json"},
            )
        )
        == "Parameter error: body: must be a valid JSON object"
    )
    turkish = http.post(
        "/partner/pricefix", json={"type": "digital"}, headers={"api-version": "2", "Accept-Language": "tr"}
    )
    assert _bare_422(turkish) == "Parametre hatası: api-version: fiyat sabitleme için 3 olmalıdır"
    assert len(sb.orders()) == 1


def test_without_error_fields_other_errors_are_unchanged(bare: tuple[Sandbox, Api]) -> None:
    sb, api = bare
    assert err(api.http.get("/partner/order/NOPE"), 404)["message"] == "Order not found."
    assert set(parse(raw_get(sb.url + "/partner/balance", headers=HEADERS))) == {"data", "success", "code", "message"}


def test_error_fields_are_on_by_default(api: Api) -> None:
    body = err(api.sell(amount=1.5), 422, "items.0.amount")
    assert body["message"] == "Parameter error: items.0.amount: must be a positive integer"
