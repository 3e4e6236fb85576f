"""The one endpoint table: the only place paths live.

Each row: method, path, api-version, request shape (where the arguments go and which top-level
fields the API takes), response model (``one``, ``many`` or ``page``), retry policy, and whether
the row is documented or our guess (``guess=True``: see docs/api-shapes.md). A partner with the
real pages corrects one row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from . import models

__all__ = ["Endpoint", "Retry", "ENDPOINTS", "endpoint"]


class Retry(Enum):
    """What may be retried automatically."""

    #: reads and price fixes: 429 (Retry-After), 502/503/504, not-sent and dropped connections
    READ = "read"
    #: sell and buy: only when provably never sent; anything after sending is outcome-unknown
    ORDER = "order"
    #: creating a customer: only when provably never sent (a duplicate 422 would mask the first try)
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One row of the table."""

    name: str
    method: str
    path: str
    api_version: str
    #: "none", "query" or "json": where the request's arguments go
    request: str
    #: the top-level request fields the API accepts (the sandbox refuses unknown ones with 422)
    fields: tuple[str, ...]
    model: type
    #: "one" (data is an object), "many" (data is a list) or "page" (data is a paginator)
    shape: str
    retry: Retry
    guess: bool
    note: str = ""


_ORDER_BODY = ("price_token", "external_id", "currency_code", "items", "customer")

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint(
            "pricefix",
            "POST",
            "/partner/pricefix",
            "3",
            "json",
            ("type", "customer_external_id", "currency", "total"),
            models.Quote,
            "one",
            Retry.READ,
            False,
            "api-version 3 required",
        ),
        Endpoint(
            "sell",
            "POST",
            "/partner/order/digital/sell",
            "2",
            "json",
            _ORDER_BODY,
            models.OrderResult,
            "one",
            Retry.ORDER,
            False,
        ),
        Endpoint(
            "buy",
            "POST",
            "/partner/order/digital/buy",
            "2",
            "json",
            _ORDER_BODY,
            models.OrderResult,
            "one",
            Retry.ORDER,
            False,
        ),
        Endpoint(
            "order",
            "GET",
            "/partner/order/{id}",
            "2",
            "none",
            (),
            models.Order,
            "one",
            Retry.READ,
            False,
            "which ids the path takes is a guess: external_id, guid or order_code",
        ),
        Endpoint(
            "order_alt",
            "POST",
            "/partner/order",
            "2",
            "json",
            ("guid", "order_code", "external_id", "push_hook"),
            models.Order,
            "one",
            Retry.READ,
            False,
        ),
        Endpoint(
            "orders",
            "GET",
            "/partner/orders",
            "2",
            "query",
            (
                "page",
                "total",
                "sortBy",
                "sortType",
                "status",
                "sku",
                "customer_external_id",
                "startDate",
                "endDate",
                "tx_type",
            ),
            models.OrderPage,
            "page",
            Retry.READ,
            True,
            "path guessed from the e-commerce twin /partner/ecom/orders",
        ),
        Endpoint(
            "order_statuses",
            "GET",
            "/partner/orders/statuses",
            "2",
            "none",
            (),
            models.OrderStatus,
            "many",
            Retry.READ,
            True,
            "path and shape guessed",
        ),
        Endpoint(
            "product_prices",
            "GET",
            "/partner/products/prices",
            "2",
            "query",
            ("currency",),
            models.ProductPrice,
            "many",
            Retry.READ,
            True,
            "path and shape guessed",
        ),
        Endpoint(
            "minted_prices",
            "GET",
            "/partner/prices",
            "2",
            "none",
            (),
            models.MintedPrices,
            "one",
            Retry.READ,
            True,
            "path and shape guessed",
        ),
        Endpoint(
            "partner_balance",
            "GET",
            "/partner/balance",
            "2",
            "none",
            (),
            models.Wallet,
            "many",
            Retry.READ,
            True,
            "path guessed; shape as customer balance",
        ),
        Endpoint(
            "customer_balance",
            "GET",
            "/partner/balance/customer/{customer_external_id}",
            "2",
            "none",
            (),
            models.Wallet,
            "many",
            Retry.READ,
            False,
        ),
        Endpoint(
            "create_customer",
            "POST",
            "/partner/customer",
            "2",
            "json",
            (
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
            ),
            models.Customer,
            "one",
            Retry.WRITE,
            False,
        ),
        Endpoint(
            "customer",
            "GET",
            "/partner/customer/{external_customer_id}",
            "2",
            "none",
            (),
            models.Customer,
            "one",
            Retry.READ,
            False,
            "wallet layout guessed",
        ),
    )
}


def endpoint(name: str) -> Endpoint:
    """The row called ``name``."""
    return ENDPOINTS[name]
