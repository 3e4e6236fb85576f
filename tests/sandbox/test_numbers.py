"""Hostile numbers over real HTTP: every digit the client wrote counts (nothing is rounded into range),
and a number no field could hold is a 422 naming its field, on every endpoint, never a 500."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import dumps, loads, number_text

from .conftest import Api, parse
from .test_errors import err, wallets

HUGE = "1e99999999999999999999"


def _trade(api: Api, side: str, amount_text: str, external_id: str = "N-1") -> httpx.Response:
    token = api.token()
    body = (
        f'{{"price_token": "{token}", "external_id": "{external_id}", '
        f'"items": [{{"sku": "{"GAG" if side == "sell" else "GAU"}", "amount": {amount_text}}}]}}'
    )
    return api.http.post(
        f"/partner/order/digital/{side}", content=body.encode(), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("side", "amount", "reason"),
    [
        ("sell", "4.99999999999999999999999999999", "must be a positive integer"),
        ("sell", "5.00000000000000000000000000001", "must be a positive integer"),
        ("sell", "999999.9999999999999999999999999", "must be a positive integer"),
        ("buy", "0.50000000000000000000000000001", "must be a positive number with at most 4 decimals"),
        ("buy", "0.12349999999999999999999999999999", "must be a positive number with at most 4 decimals"),
        ("buy", "1e-30", "must be a positive number with at most 4 decimals"),
    ],
)
def test_amounts_with_more_digits_than_grams_hold_are_refused_not_rounded(
    api: Api, sb: Sandbox, side: str, amount: str, reason: str
) -> None:
    before = wallets(sb)
    r = _trade(api, side, amount)
    assert err(r, 422, "items.0.amount")["errors"]["items.0.amount"] == [reason]
    assert sb.orders() == [] and wallets(sb) == before


@pytest.mark.parametrize(
    ("side", "amount", "grams"),
    [
        ("sell", "5.000000000000000000000000000000000000", Decimal(5)),
        ("sell", "5E+0", Decimal(5)),
        ("buy", "0.12340000000000000000000000000000000", Decimal("0.1234")),
    ],
)
def test_trailing_zeros_are_exact_and_accepted(api: Api, sb: Sandbox, side: str, amount: str, grams: Decimal) -> None:
    r = _trade(api, side, amount)
    assert r.status_code == 200, r.text
    [order] = sb.orders()
    assert order["items"][0]["amount"] == grams


def test_price_fix_total_with_too_many_digits_is_refused(api: Api) -> None:
    for total in ("100.000000000000000000000000001", "99.99999999999999999999999999999"):
        r = api.http.post(
            "/partner/pricefix",
            content=f'{{"type": "digital", "total": {total}}}'.encode(),
            headers={"api-version": "3", "content-type": "application/json"},
        )
        assert err(r, 422, "total")["errors"]["total"] == ["must be a positive amount with at most 2 decimals"]


POSTS = [
    ("/partner/pricefix", '{{"type": "digital", "total": {n}}}', "total"),
    ("/partner/pricefix", '{{"type": "digital", "colour": {n}}}', "colour"),
    (
        "/partner/order/digital/sell",
        '{{"price_token": "x", "external_id": "H-1", "items": [{{"sku": "GAG", "amount": {n}}}]}}',
        "items.0.amount",
    ),
    (
        "/partner/order/digital/buy",
        '{{"price_token": "x", "external_id": "H-2", "items": [{{"sku": "GAU", "amount": 1}}], '
        '"extra": {{"deep": [[{n}]]}}}}',
        "extra.deep.0.0",
    ),
    ("/partner/order", '{{"guid": {n}}}', "guid"),
    ("/partner/customer", '{{"external_id": "HUGE-1", "shoe": {n}}}', "shoe"),
]


@pytest.mark.parametrize(
    "number",
    [
        HUGE,
        "-" + HUGE,
        "1e-99999999999999999999",
        "0e-99999999999999999999",
        "1e999999",
        "1" + "0" * 5000,
        "1" + "0" * 5000 + ".5",
    ],
)
@pytest.mark.parametrize(("path", "template", "field"), POSTS)
def test_numbers_out_of_range_are_a_422_naming_the_field_on_every_post(
    http: httpx.Client, sb: Sandbox, number: str, path: str, template: str, field: str
) -> None:
    body = template.format(n=number).encode()
    r = http.post(path, content=body, headers={"api-version": "3", "content-type": "application/json"})
    assert err(r, 422, field)["errors"] == {field: ["is a number too large or too small to read"]}
    assert sb.orders() == []


def test_out_of_range_without_error_fields_and_in_turkish() -> None:
    with (
        Sandbox(seed=7, error_fields=False) as sb,
        httpx.Client(
            base_url=sb.url,
            auth=httpx.DigestAuth(sb.username, sb.password),
            headers={"x-client-id": "web", "api-version": "3", "content-type": "application/json"},
        ) as http,
    ):
        r = http.post("/partner/pricefix", content=f'{{"type": "digital", "total": {HUGE}}}'.encode())
        assert r.status_code == 422
        assert parse(r) == {
            "data": None,
            "success": False,
            "code": 422,
            "message": "Parametre hatası: total: okunamayacak kadar büyük ya da küçük bir sayıdır",
        }


def test_large_but_readable_numbers_keep_their_field_reasons(api: Api) -> None:
    r = _trade(api, "sell", "1e300")
    assert err(r, 422, "items.0.amount")["errors"]["items.0.amount"] == ["must be at most 1000000"]
    r = _trade(api, "buy", "-1e300")
    assert err(r, 422, "items.0.amount")["errors"]["items.0.amount"] == [
        "must be a positive number with at most 4 decimals"
    ]


def test_the_json_writer_and_reader_keep_every_digit() -> None:
    long = Decimal("4.99999999999999999999999999999")
    assert number_text(long) == "4.99999999999999999999999999999"
    assert dumps({"a": long}) == b'{"a":4.99999999999999999999999999999}'
    assert loads(b'{"a": 4.99999999999999999999999999999}') == {"a": long}
