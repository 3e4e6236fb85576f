"""What the checks share: the probe, the run's options, and every request made once and remembered.

Each request is made the first time a check needs it (``once``) and reused by every other check;
the orders list is walked once, page by page. Helpers turn an answer into its ``data`` or raise
:class:`Unreachable` / :class:`Differs` / :class:`Skip` for the calling check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from minted_lab.conformance.model import Differs, Skip, Unreachable
from minted_lab.conformance.probe import Exchange, Probe
from minted_lab.endpoints import (
    CUSTOMER,
    CUSTOMER_BALANCE,
    MINTED_PRICES,
    ORDER,
    ORDER_ALT,
    ORDER_STATUSES,
    ORDERS,
    PARTNER_BALANCE,
    PRICEFIX,
    PRODUCT_PRICES,
)

if TYPE_CHECKING:
    from minted_lab.conformance.trade import RoundTrip, Trader

__all__ = ["MISSING_ID", "Context", "Options", "Walk"]

T = TypeVar("T")
#: an id no order or customer has: its lookups must answer 404
MISSING_ID = "CONFORMANCE-NO-SUCH-ID-0"
#: the page size the list is walked with (the largest the contract allows)
WALK_PAGE_SIZE = 30


@dataclass(frozen=True)
class Options:
    """What the command line chose."""

    order_id: str | None = None
    customer_id: str | None = None
    max_pages: int = 20
    trade: bool = False
    trade_sku: str = "GAG"
    trade_currency: str = "GBP"


@dataclass
class Walk:
    """The orders list read ascending by creation, page after page."""

    pages: list[tuple[Exchange, dict[str, Any]]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    #: the last page was reached (``next_page_url`` null)
    complete: bool = False
    #: why the walk stopped early, if it did
    stopped: str | None = None


class Context:
    """The run's shared state for the checks."""

    def __init__(self, probe: Probe, options: Options, trader: Trader | None = None) -> None:
        self.probe = probe
        self.options = options
        self.trader = trader
        #: every answer of the run, the trading client's included (the sink appends)
        self.answers: list[Exchange] = []
        self._cache: dict[str, Any] = {}
        self._failures: dict[str, BaseException] = {}

    def once(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` the first time, the same value (or the same Skip/Unreachable/Differs) after."""
        if key in self._failures:
            raise self._failures[key]
        if key not in self._cache:
            try:
                self._cache[key] = make()
            except (Skip, Unreachable, Differs) as exc:
                self._failures[key] = exc
                raise
        value: T = self._cache[key]
        return value

    # ---------------------------------------------------------------- answer helpers

    @staticmethod
    def envelope(exchange: Exchange) -> dict[str, Any]:
        """The body of an answer from the route, as a JSON object; Unreachable or Differs otherwise."""
        if not exchange.reachable:
            raise Unreachable(f"{exchange.method} {exchange.target.split('?')[0]}: {exchange.summary()}")
        try:
            body = exchange.json()
        except ValueError as exc:
            raise Differs(f"HTTP {exchange.status}, {exc}") from None
        if not isinstance(body, dict):
            raise Differs(f"HTTP {exchange.status}, the body is a JSON {kind(body)}, not an object")
        return body

    def data(self, exchange: Exchange) -> Any:
        """The ``data`` of a success envelope; Unreachable or Differs (with what came back) otherwise."""
        body = self.envelope(exchange)
        if exchange.status != 200:
            raise Differs(exchange.summary())
        if "data" not in body:
            raise Differs(f"HTTP 200 without the envelope: keys {sorted(body)[:8]}")
        if body.get("success") is not True:
            raise Differs(f"HTTP 200 with success={body.get('success')!r}: {exchange.message()}")
        return body["data"]

    def obj(self, exchange: Exchange) -> dict[str, Any]:
        data = self.data(exchange)
        if not isinstance(data, dict):
            raise Differs(f"data is a JSON {kind(data)}, not an object")
        return data

    def rows(self, exchange: Exchange) -> list[Any]:
        data = self.data(exchange)
        if not isinstance(data, list):
            raise Differs(f"data is a JSON {kind(data)}, not a list")
        return data

    # -------------------------------------------------------------------- requests

    def send_once(self, label: str, send: Callable[[], Exchange]) -> Exchange:
        return self.once(f"x:{label}", send)

    def pricefix(self, variant: str = "plain") -> Exchange:
        """Price fixes: ``plain`` (no currency: the default), ``try`` (TRY), ``total`` (GBP 100 for the
        customer), ``total-anonymous`` (the same without a customer, which the docs require)."""

        def make() -> Exchange:
            body: dict[str, Any] = {"type": "digital"}
            if variant == "try":
                body["currency"] = "TRY"
            elif variant in ("total", "total-anonymous"):
                body["currency"] = "GBP"
                body["total"] = 100
                if variant == "total":
                    body["customer_external_id"] = self.customer_id()
            label = "pricefix" if variant == "plain" else f"pricefix-{variant}"
            return self.probe.send(label, PRICEFIX, body=body)

        return self.send_once(f"pricefix-{variant}", make)

    def pricefix_without(self, header: str) -> Exchange:
        return self.send_once(
            f"pricefix-no-{header}",
            lambda: self.probe.send(f"pricefix-without-{header}", PRICEFIX, body={"type": "digital"}, omit=(header,)),
        )

    def pricefix_auth(self, auth: str) -> Exchange:
        label = "pricefix-no-auth" if auth == "none" else "pricefix-wrong-password"
        return self.send_once(
            label,
            lambda: self.probe.send(
                label, PRICEFIX, body={"type": "digital"}, auth="none" if auth == "none" else "wrong"
            ),
        )

    def orders_page(self, page: int, size: int = WALK_PAGE_SIZE, **query: str) -> Exchange:
        params = {"page": str(page), "total": str(size), "sortBy": "created_at", "sortType": "asc", **query}
        key = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        suffix = "".join(f"-{k}-{v}" for k, v in sorted(query.items()))
        return self.send_once(
            f"orders:{key}", lambda: self.probe.send(f"orders-p{page}-n{size}{suffix}", ORDERS, params=params)
        )

    def walk(self) -> Walk:
        """Every page, ascending by creation, up to ``max_pages`` (page 1's failure is the caller's)."""
        return self.once("walk", self._walk)

    def _walk(self) -> Walk:
        walk = Walk()
        page = 1
        while True:
            exchange = self.orders_page(page)
            try:
                data = self.obj(exchange)
            except (Unreachable, Differs) as exc:
                if page == 1:
                    raise
                walk.stopped = f"page {page}: {exc}"
                return walk
            rows = data.get("data")
            if not isinstance(rows, list):
                if page == 1:
                    raise Differs(f"data is not a paginator: its `data` is a JSON {kind(rows)}")
                walk.stopped = f"page {page}: `data` is a JSON {kind(rows)}"
                return walk
            walk.pages.append((exchange, data))
            walk.orders.extend(o for o in rows if isinstance(o, dict))
            if not data.get("next_page_url") or not rows:
                walk.complete = True
                return walk
            if page >= self.options.max_pages:
                walk.stopped = f"stopped after --max-pages {self.options.max_pages}"
                return walk
            page += 1

    def sample_order(self) -> dict[str, Any]:
        """The order whose ids the lookups use: ``--order-id``'s, else the first one in the list."""
        return self.once("sample", self._sample_order)

    def _sample_order(self) -> dict[str, Any]:
        given = self.options.order_id
        if given:
            exchange = self.send_once(
                "order-given", lambda: self.probe.send("order-given", ORDER, path_params={"id": given})
            )
            try:
                order = self.obj(exchange)
            except Unreachable as exc:
                raise Unreachable(f"--order-id {given}: {exc}") from None
            except Differs as exc:
                raise Differs(f"--order-id {given}: {exc}") from None
            return order
        try:
            orders = self.walk().orders
        except (Unreachable, Differs) as exc:
            raise Skip(f"no order to look up: the order list gave none ({exc}); pass --order-id") from None
        for order in orders:
            if all(isinstance(order.get(k), str) and order.get(k) for k in ("guid", "order_code", "external_id")):
                return order
        raise Skip("no order to look up: the order list is empty; pass --order-id (or run with --trade)")

    def lookup(self, how: str, kind_: str) -> tuple[dict[str, Any], Exchange]:
        """The sample order and the answer to looking it up by ``kind_`` (guid, order_code, external_id)
        through ``how`` (``order``: GET /partner/order/{id}; ``order_alt``: POST /partner/order)."""
        sample = self.sample_order()
        ident = sample.get(kind_)
        if not isinstance(ident, str) or not ident:
            raise Skip(f"the sample order has no {kind_}")
        label = f"{how}-by-{kind_}"
        if how == "order":
            exchange = self.send_once(label, lambda: self.probe.send(label, ORDER, path_params={"id": ident}))
        else:
            exchange = self.send_once(label, lambda: self.probe.send(label, ORDER_ALT, body={kind_: ident}))
        return sample, exchange

    def order_without_api_version(self) -> Exchange:
        sample = self.sample_order()
        ident = str(sample.get("external_id") or sample.get("guid") or "")
        if not ident:
            raise Skip("the sample order has no id")
        return self.send_once(
            "order-no-api-version",
            lambda: self.probe.send(
                "order-without-api-version", ORDER, path_params={"id": ident}, omit=("api-version",)
            ),
        )

    def missing_order(self, language: str) -> Exchange:
        label = f"order-missing-{language}"
        return self.send_once(
            label, lambda: self.probe.send(label, ORDER, path_params={"id": MISSING_ID}, language=language)
        )

    def statuses(self) -> Exchange:
        return self.send_once("order-statuses", lambda: self.probe.send("order-statuses", ORDER_STATUSES))

    def product_prices(self, currency: str = "GBP") -> Exchange:
        label = f"product-prices-{currency.lower()}"
        return self.send_once(label, lambda: self.probe.send(label, PRODUCT_PRICES, params={"currency": currency}))

    def minted_prices(self) -> Exchange:
        return self.send_once("minted-prices", lambda: self.probe.send("minted-prices", MINTED_PRICES))

    def partner_balance(self) -> Exchange:
        return self.send_once("partner-balance", lambda: self.probe.send("partner-balance", PARTNER_BALANCE))

    def customer_id(self, required: bool = True) -> str | None:
        """``--customer``, else the first customer of an order in the list; Skip when there is none."""
        found = self.once("customer-id", self._customer_id)
        if found is None and required:
            raise Skip("no customer to look up: pass --customer (no order in the list names one)")
        return found

    def _customer_id(self) -> str | None:
        if self.options.customer_id:
            return self.options.customer_id
        try:
            orders = self.walk().orders
        except (Unreachable, Differs):
            return None
        for order in orders:
            customer = order.get("customer")
            if isinstance(customer, Mapping) and isinstance(customer.get("external_id"), str):
                return str(customer["external_id"])
        return None

    def customer_balance(self) -> Exchange:
        customer = self.customer_id()
        assert customer is not None
        return self.send_once(
            "customer-balance",
            lambda: self.probe.send(
                "customer-balance", CUSTOMER_BALANCE, path_params={"customer_external_id": customer}
            ),
        )

    def customer(self) -> Exchange:
        customer = self.customer_id()
        assert customer is not None
        return self.send_once(
            "customer",
            lambda: self.probe.send("customer", CUSTOMER, path_params={"external_customer_id": customer}),
        )

    def missing_customer(self, which: str) -> Exchange:
        label = f"{which}-missing"
        if which == "customer":
            return self.send_once(
                label, lambda: self.probe.send(label, CUSTOMER, path_params={"external_customer_id": MISSING_ID})
            )
        return self.send_once(
            label,
            lambda: self.probe.send(label, CUSTOMER_BALANCE, path_params={"customer_external_id": MISSING_ID}),
        )

    # ------------------------------------------------------------------------ trade

    def round_trip(self) -> RoundTrip:
        """The ``--trade`` round trip, made once (Skip on a read-only run)."""
        if self.trader is None:
            raise Skip("read-only run: --trade (and --yes) buys 1 g and sells it back to check this")
        trader = self.trader
        return self.once("round-trip", trader.run)

    # ------------------------------------------------------------------- all orders

    def all_orders(self) -> list[tuple[str, dict[str, Any]]]:
        """Every order seen so far, with where it came from: the list, the lookups, the round trip."""
        seen: list[tuple[str, dict[str, Any]]] = []
        with contextlib.suppress(Unreachable, Differs, Skip):
            seen.extend(("orders", o) for o in self.walk().orders)
        lookups: tuple[str, ...] = ("order-given", "order-by-external_id", "order-by-guid", "order-by-order_code")
        lookups += ("order_alt-by-external_id", "order_alt-by-guid", "order_alt-by-order_code")
        for label in lookups:
            exchange = self._cache.get(f"x:{label}")
            if isinstance(exchange, Exchange):
                with contextlib.suppress(Unreachable, Differs):
                    seen.append((label.split("-", 1)[0], self.obj(exchange)))
        trip = self._cache.get("round-trip")
        if trip is not None:
            seen.extend(("trade", o) for o in trip.orders())
        # one rendering per source: the same order looked up three ways is checked once per endpoint
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for source, order in seen:
            unique.setdefault((source, str(order.get("guid") or order.get("order_code") or id(order))), order)
        seen = [(source, order) for (source, _), order in unique.items()]
        if not seen:
            raise Skip("no order seen: the list is empty or unreachable (pass --order-id)")
        return seen


def kind(value: Any) -> str:
    """The JSON type of a parsed value: null, boolean, number, string, object, list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal | int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__
