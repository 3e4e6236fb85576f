"""The one endpoint table: the only place paths live.

Each row is one endpoint of docs/api-shapes.md (the contract): method, path, api-version, where the
arguments go and which top-level fields the API takes, what ``data`` holds and which model reads it,
the retry policy, and whether the path is documented or our guess (``guess=True``). A partner with
the real pages corrects one row here and the matching sandbox route.

A row is typed in its model (``Endpoint[Quote]``), so the type a client method returns is checked
all the way from the row to the model's ``from_api``. Adding an endpoint is a row here, listed in
``ENDPOINTS``; tests/sandbox/test_endpoint_table.py names whatever else is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, Literal, Protocol, Self, TypeVar

from . import models
from .models import ParseContext

__all__ = [
    "AnswerShape",
    "ApiVersion",
    "Endpoint",
    "ENDPOINTS",
    "FromApi",
    "Method",
    "RequestShape",
    "Retry",
    "endpoint",
]

Method = Literal["GET", "POST"]
ApiVersion = Literal["2", "3"]
#: where a call's arguments go besides the path: nowhere, the query string or a JSON body
RequestShape = Literal["none", "query", "json"]
#: what ``data`` holds: one object, a list of them, or a paginator (one object with a page of rows)
AnswerShape = Literal["one", "many", "page"]


class FromApi(Protocol):
    """A model the engine reads ``data`` (or each element of a list) into."""

    @classmethod
    def from_api(cls, data: Any, ctx: ParseContext) -> Self: ...


M = TypeVar("M", bound=FromApi)


class Retry(Enum):
    """What may be retried automatically."""

    #: reads and price fixes: 429 (Retry-After), 502/503/504, not-sent and dropped connections
    READ = "read"
    #: sell and buy: only when provably never sent; anything after sending is outcome-unknown
    ORDER = "order"
    #: creating a customer: only when provably never sent (a duplicate 422 would mask the first try)
    WRITE = "write"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint(Generic[M]):
    """One row of the table."""

    #: the key of the row: also the sandbox route's name and its fault name
    name: str
    #: the client method (on both clients) and the ``_ops`` generator that make this call
    client: str
    method: Method
    path: str
    api_version: ApiVersion
    request: RequestShape
    #: the top-level request fields the API accepts (the sandbox refuses unknown ones with 422)
    fields: tuple[str, ...] = ()
    model: type[M]
    shape: AnswerShape
    retry: Retry
    #: the path (and so the row) is our inference, not a documented page
    guess: bool
    note: str = ""


_ORDER_BODY = ("price_token", "external_id", "currency_code", "items", "customer")

PRICEFIX = Endpoint(
    name="pricefix",
    client="quote",
    method="POST",
    path="/partner/pricefix",
    api_version="3",
    request="json",
    fields=("type", "customer_external_id", "currency", "total"),
    model=models.Quote,
    shape="one",
    retry=Retry.READ,
    guess=False,
    note="api-version 3 required",
)
SELL = Endpoint(
    name="sell",
    client="sell",
    method="POST",
    path="/partner/order/digital/sell",
    api_version="2",
    request="json",
    fields=_ORDER_BODY,
    model=models.OrderResult,
    shape="one",
    retry=Retry.ORDER,
    guess=False,
)
BUY = Endpoint(
    name="buy",
    client="buy",
    method="POST",
    path="/partner/order/digital/buy",
    api_version="2",
    request="json",
    fields=_ORDER_BODY,
    model=models.OrderResult,
    shape="one",
    retry=Retry.ORDER,
    guess=False,
)
ORDER = Endpoint(
    name="order",
    client="order",
    method="GET",
    path="/partner/order/{id}",
    api_version="2",
    request="none",
    model=models.Order,
    shape="one",
    retry=Retry.READ,
    guess=False,
    note="which ids the path takes is a guess: external_id, guid or order_code",
)
ORDER_ALT = Endpoint(
    name="order_alt",
    client="find_order",
    method="POST",
    path="/partner/order",
    api_version="2",
    request="json",
    fields=("guid", "order_code", "external_id", "push_hook"),
    model=models.Order,
    shape="one",
    retry=Retry.READ,
    guess=False,
)
ORDERS = Endpoint(
    name="orders",
    client="orders",
    method="GET",
    path="/partner/orders",
    api_version="2",
    request="query",
    fields=(
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
    model=models.OrderPage,
    shape="page",
    retry=Retry.READ,
    guess=True,
    note="path guessed from the e-commerce twin /partner/ecom/orders",
)
ORDER_STATUSES = Endpoint(
    name="order_statuses",
    client="order_statuses",
    method="GET",
    path="/partner/orders/statuses",
    api_version="2",
    request="none",
    model=models.OrderStatus,
    shape="many",
    retry=Retry.READ,
    guess=True,
    note="path and shape guessed",
)
PRODUCT_PRICES = Endpoint(
    name="product_prices",
    client="product_prices",
    method="GET",
    path="/partner/products/prices",
    api_version="2",
    request="query",
    fields=("currency",),
    model=models.ProductPrice,
    shape="many",
    retry=Retry.READ,
    guess=True,
    note="path and shape guessed",
)
MINTED_PRICES = Endpoint(
    name="minted_prices",
    client="minted_prices",
    method="GET",
    path="/partner/prices",
    api_version="2",
    request="none",
    model=models.MintedPrices,
    shape="one",
    retry=Retry.READ,
    guess=True,
    note="path and shape guessed",
)
PARTNER_BALANCE = Endpoint(
    name="partner_balance",
    client="partner_balance",
    method="GET",
    path="/partner/balance",
    api_version="2",
    request="none",
    model=models.Wallet,
    shape="many",
    retry=Retry.READ,
    guess=True,
    note="path guessed; shape as customer balance",
)
CUSTOMER_BALANCE = Endpoint(
    name="customer_balance",
    client="customer_balance",
    method="GET",
    path="/partner/balance/customer/{customer_external_id}",
    api_version="2",
    request="none",
    model=models.Wallet,
    shape="many",
    retry=Retry.READ,
    guess=False,
)
CREATE_CUSTOMER = Endpoint(
    name="create_customer",
    client="create_customer",
    method="POST",
    path="/partner/customer",
    api_version="2",
    request="json",
    fields=(
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
    model=models.Customer,
    shape="one",
    retry=Retry.WRITE,
    guess=False,
)
CUSTOMER = Endpoint(
    name="customer",
    client="customer",
    method="GET",
    path="/partner/customer/{external_customer_id}",
    api_version="2",
    request="none",
    model=models.Customer,
    shape="one",
    retry=Retry.READ,
    guess=False,
    note="wallet layout guessed",
)

#: every row by name (each row is also this module's constant of its name in upper case)
ENDPOINTS: dict[str, Endpoint[Any]] = {
    row.name: row
    for row in (
        PRICEFIX,
        SELL,
        BUY,
        ORDER,
        ORDER_ALT,
        ORDERS,
        ORDER_STATUSES,
        PRODUCT_PRICES,
        MINTED_PRICES,
        PARTNER_BALANCE,
        CUSTOMER_BALANCE,
        CREATE_CUSTOMER,
        CUSTOMER,
    )
}


def endpoint(name: str) -> Endpoint[Any]:
    """The row called ``name``."""
    return ENDPOINTS[name]
