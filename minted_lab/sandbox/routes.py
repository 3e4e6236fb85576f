"""The sandbox's endpoint table: every Partner route with its name, method and path (docs/api-shapes.md).

The one home of these facts inside the sandbox: app.py binds each row to the Handlers method of the
same name, the gateway reads which routes trade, keep their bodies or need api-version 3, and the
fault names are the route names. The sandbox builds this table on its own, from the contract, and
shares no code with the client: tests/sandbox/test_endpoint_table.py holds the two tables together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ROUTES", "NAMES", "RouteRow"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteRow:
    """One route: its name is the handler's, the fault name and the request log's endpoint name."""

    name: str
    method: Literal["GET", "POST"]
    path: str
    #: refused (403) to a read-only user
    trades: bool = False
    #: the raw body is kept in the request log, so a test can compare it with what a client journaled
    logs_body: bool = False
    #: a missing or other api-version is a 422 (elsewhere 2 or 3, or none, are accepted)
    needs_version_3: bool = False


#: in the contract's order (no two paths overlap, so the order decides no match)
ROUTES: tuple[RouteRow, ...] = (
    RouteRow(name="pricefix", method="POST", path="/partner/pricefix", needs_version_3=True),
    RouteRow(name="sell", method="POST", path="/partner/order/digital/sell", trades=True, logs_body=True),
    RouteRow(name="buy", method="POST", path="/partner/order/digital/buy", trades=True, logs_body=True),
    RouteRow(name="order", method="GET", path="/partner/order/{id}"),
    RouteRow(name="order_alt", method="POST", path="/partner/order"),
    RouteRow(name="orders", method="GET", path="/partner/orders"),
    RouteRow(name="order_statuses", method="GET", path="/partner/orders/statuses"),
    RouteRow(name="product_prices", method="GET", path="/partner/products/prices"),
    RouteRow(name="minted_prices", method="GET", path="/partner/prices"),
    RouteRow(name="partner_balance", method="GET", path="/partner/balance"),
    RouteRow(name="customer_balance", method="GET", path="/partner/balance/customer/{customer_external_id}"),
    RouteRow(name="create_customer", method="POST", path="/partner/customer", trades=True),
    RouteRow(name="customer", method="GET", path="/partner/customer/{external_customer_id}"),
)

#: the route names, in table order
NAMES: tuple[str, ...] = tuple(row.name for row in ROUTES)
