"""A fixed sequence of requests against a seeded sandbox, reduced to one checksum of every answer's bytes.

The default profile's answers must stay byte-identical across changes to the sandbox; the one allowed
change is the two Order Schema keys `delivery` and `address` (null on every default-profile order),
which `normalize` removes before hashing. The checksum pinned in test_profiles.py was computed with
this transcript before the profiles existed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal

import httpx

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import dumps

from .conftest import make_http

#: what the 17-key change added to each default-profile order, in the place it stands
ADDED_NULLS = b'"delivery":null,"address":null,'


def normalize(sb: Sandbox, body: bytes) -> bytes:
    """`body` without the server's address (page URLs carry the port) and without the added null keys."""
    return body.replace(sb.url.encode(), b"http://sandbox").replace(ADDED_NULLS, b"")


def answers(sb: Sandbox, http: httpx.Client) -> Iterator[tuple[str, int, bytes]]:
    """(label, status, raw body) of each request, in a fixed order; trades change the book on the way."""
    v3 = {"api-version": "3"}

    def get(label: str, path: str, **params: str | int) -> tuple[str, int, bytes]:
        r = http.get(path, params=params)
        return label, r.status_code, r.content

    def post(label: str, path: str, body: object, **headers: str) -> tuple[str, int, bytes]:
        r = http.post(path, content=dumps(body), headers={"content-type": "application/json", **headers})
        return label, r.status_code, r.content

    for n in (1, 2, 3, 17, 50):
        yield get(f"orders page {n}", "/partner/orders", total=30, page=n)
    yield get("orders by total", "/partner/orders", sortBy="total", sortType="asc", total=30, page=3)
    yield get("orders by status", "/partner/orders", status="4,11", total=30)
    yield get("orders sells", "/partner/orders", tx_type="sell", sku="GAG", total=30)
    customer = sb.customers()[0]
    yield get("orders of a customer", "/partner/orders", customer_external_id=customer, total=30, page=2)
    yield get("orders in a window", "/partner/orders", startDate="2026-07-01", endDate="2026-07-03", total=30)
    yield get("statuses", "/partner/orders/statuses")
    listed = sb.orders()
    for index in sorted({0, 1, len(listed) // 3, len(listed) - 1}) if listed else ():
        yield get(f"order {index}", f"/partner/order/{listed[index]['guid']}")
    if len(listed) > 7:
        yield post("order alt", "/partner/order", {"external_id": listed[7]["external_id"]})
    yield post("pricefix", "/partner/pricefix", {"type": "digital"}, **v3)
    yield post(
        "pricefix total",
        "/partner/pricefix",
        {"type": "digital", "currency": "TRY", "customer_external_id": customer, "total": 10000},
        **v3,
    )
    yield get("product prices", "/partner/products/prices", currency="TRY")
    yield get("minted prices", "/partner/prices")
    yield get("partner balance", "/partner/balance")
    yield get("customer balance", f"/partner/balance/customer/{customer}")
    yield get("customer", f"/partner/customer/{customer}")
    token = http.post("/partner/pricefix", json={"type": "digital"}, headers=v3).json()["data"]["token"]
    yield post(
        "sell",
        "/partner/order/digital/sell",
        {"price_token": token, "external_id": "TX-1", "items": [{"sku": "GAG", "amount": 250}]},
    )
    fixed = http.post(
        "/partner/pricefix", json={"type": "digital", "currency": "EUR", "customer_external_id": customer}, headers=v3
    )
    body = {
        "price_token": fixed.json()["data"]["token"],
        "external_id": "TX-2",
        "currency_code": "EUR",
        "customer": {"external_id": customer},
        "items": [{"sku": "GAU", "amount": Decimal("1.25")}],
    }
    yield post("buy", "/partner/order/digital/buy", body)
    yield post("reused external id", "/partner/order/digital/buy", body)
    yield post(
        "bad items",
        "/partner/order/digital/sell",
        {"price_token": "x", "external_id": "TX-3", "items": [{"sku": "NOPE", "amount": 0}]},
    )
    sb.clock.advance(61)
    yield get("orders after trades", "/partner/orders", total=5)
    yield get("order after settling", "/partner/order/TX-2")
    yield "sandbox orders", 200, dumps(sb.orders())


def checksum(
    seed: int = 11, history: int = 1500, profile: str = "default", error_fields: bool | None = None
) -> tuple[str, list[tuple[str, int, str]]]:
    """The sha256 of every normalized answer (label, status and body), and each answer's own digest."""
    total = hashlib.sha256()
    rows: list[tuple[str, int, str]] = []
    with (
        Sandbox(seed=seed, history=history, profile=profile, error_fields=error_fields) as sb,
        make_http(sb) as http,
    ):
        for label, status, body in answers(sb, http):
            clean = normalize(sb, body)
            total.update(f"{label}\n{status}\n".encode() + clean + b"\n")
            rows.append((label, status, hashlib.sha256(clean).hexdigest()[:16]))
    return total.hexdigest(), rows
