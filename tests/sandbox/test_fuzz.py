"""Bad input of any kind gets the envelope and a 4xx: never a 500, a hang, or a moved balance."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import dumps

from .conftest import Api, make_http, parse

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=None, min_value=Decimal("-1e12"), max_value=Decimal("1e12")
    ),
    st.sampled_from([Decimal("1E+30"), Decimal("-0"), Decimal("0.00001"), Decimal("1e-30"), 0, 1, 10**6 + 1]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=40),
    st.sampled_from(["GAU", "GAG", "digital", "GBP", "TRY", "", "\u0000", "\ud800x", "🪙" * 20]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def header_text(size: int) -> st.SearchStrategy[str]:
    """Printable ASCII without surrounding spaces (httpx refuses to send those)."""
    return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=size).map(str.strip)


items = st.lists(
    st.fixed_dictionaries({}, optional={"sku": json_values, "amount": json_values, "product_id": json_values}),
    max_size=4,
)


@pytest.fixture(scope="module")
def fuzz_sb() -> Iterator[Sandbox]:
    with Sandbox(seed=3) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def fuzz_http(fuzz_sb: Sandbox) -> Iterator[httpx.Client]:
    with make_http(fuzz_sb) as client:
        yield client


def balances(sb: Sandbox) -> dict[str, Decimal]:
    owners = [None, *sb.customers()]
    codes = ("GAU", "GAG", "BGAU", "BGAG", "GPT", "GPD", "GBP", "TRY", "USD", "EUR")
    return {f"{o}:{c}": sb.balance(c, o) for o in owners for c in codes}


def check(response: httpx.Response, sb: Sandbox, before: dict[str, Decimal]) -> None:
    assert response.status_code < 500, response.text
    body = parse(response)
    assert set(body) >= {"data", "success", "code", "message"}
    if response.status_code != 200:
        assert body["success"] is False and body["code"] == response.status_code
        assert balances(sb) == before


def post(http: httpx.Client, path: str, raw: bytes, **headers: str) -> httpx.Response:
    return http.post(path, content=raw, headers={"content-type": "application/json", **headers})


def encode(value: Any) -> bytes:
    try:
        return dumps(value)
    except (TypeError, UnicodeEncodeError):
        return b"{}"


@FUZZ
@given(
    side=st.sampled_from(["sell", "buy"]),
    external_id=json_values,
    items=st.one_of(items, json_values),
    extra=st.dictionaries(
        st.sampled_from(["currency_code", "customer", "topup", "payment_type", "zzz"]), json_values, max_size=3
    ),
)
def test_trade_bodies(
    fuzz_sb: Sandbox, fuzz_http: httpx.Client, side: str, external_id: Any, items: Any, extra: dict[str, Any]
) -> None:
    token = Api(fuzz_http).token()
    before = balances(fuzz_sb)
    body = {"price_token": token, "external_id": external_id, "items": items, **extra}
    check(post(fuzz_http, f"/partner/order/digital/{side}", encode(body)), fuzz_sb, before)


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["type", "customer_external_id", "currency", "total", "x"]), json_values, max_size=4
    )
)
def test_pricefix_bodies(fuzz_sb: Sandbox, fuzz_http: httpx.Client, body: dict[str, Any]) -> None:
    before = balances(fuzz_sb)
    check(post(fuzz_http, "/partner/pricefix", encode(body), **{"api-version": "3"}), fuzz_sb, before)


@FUZZ
@given(
    raw=st.one_of(st.binary(max_size=200), st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    path=st.sampled_from(
        [
            "/partner/pricefix",
            "/partner/order/digital/sell",
            "/partner/order/digital/buy",
            "/partner/order",
            "/partner/customer",
        ]
    ),
)
def test_raw_bytes(fuzz_sb: Sandbox, fuzz_http: httpx.Client, raw: bytes, path: str) -> None:
    before = balances(fuzz_sb)
    check(post(fuzz_http, path, raw, **{"api-version": "3"}), fuzz_sb, before)


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "external_id",
                "firstname",
                "middlename",
                "lastname",
                "email",
                "phone",
                "gender",
                "identity_number",
                "birthdate",
                "account_type",
                "tax_office",
                "nope",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_customer_bodies(fuzz_sb: Sandbox, fuzz_http: httpx.Client, body: dict[str, Any]) -> None:
    before = balances(fuzz_sb)
    check(post(fuzz_http, "/partner/customer", encode(body)), fuzz_sb, before)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "page",
                "total",
                "sortBy",
                "sortType",
                "status",
                "sku",
                "tx_type",
                "customer_external_id",
                "startDate",
                "endDate",
                "other",
            ]
        ),
        st.text(max_size=20),
        max_size=5,
    ),
    ident=st.text(min_size=1, max_size=30),
)
def test_queries_and_paths(fuzz_sb: Sandbox, fuzz_http: httpx.Client, params: dict[str, str], ident: str) -> None:
    before = balances(fuzz_sb)
    safe = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in params.items()}
    check(fuzz_http.get("/partner/orders", params=safe), fuzz_sb, before)
    quoted = quote(ident.encode("utf-8", "surrogatepass"), safe="")
    check(fuzz_http.get(f"/partner/order/{quoted}"), fuzz_sb, before)
    check(fuzz_http.get(f"/partner/balance/customer/{quoted}"), fuzz_sb, before)


@FUZZ
@given(version=header_text(8), language=header_text(20), client_id=header_text(8))
def test_headers(fuzz_sb: Sandbox, fuzz_http: httpx.Client, version: str, language: str, client_id: str) -> None:
    before = balances(fuzz_sb)
    headers = {"api-version": version, "Accept-Language": language, "x-client-id": client_id}
    check(fuzz_http.get("/partner/balance", headers=headers), fuzz_sb, before)
    check(post(fuzz_http, "/partner/pricefix", b'{"type": "digital"}', **headers), fuzz_sb, before)
