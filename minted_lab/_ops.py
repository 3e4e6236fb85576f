"""Each client method, written once as a generator: it yields the Calls it needs and receives their
results (or their errors, thrown in). The sync client drives it with plain calls, the async one with
awaits, so the two never drift.

Every endpoint row has the generator its ``client`` field names; each call goes through ``one`` or
``many``, which hand its answer back typed in the row's model.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any, TypeVar

from . import endpoints as E, validate as v
from ._http import Call, Engine
from .endpoints import FromApi
from .errors import NotFoundError, ValidationError
from .models import Customer, MintedPrices, Order, OrderPage, OrderResult, OrderStatus, ProductPrice, Quote, Wallet
from .order_request import OrderRequest

T = TypeVar("T")
M = TypeVar("M", bound=FromApi)
Op = Generator[Call[Any], Any, T]

#: the page size for walking the whole history (the API's maximum)
PAGE_SIZE = 30


def one(call: Call[M]) -> Op[M]:
    """Make ``call`` and return its answer: the row's model (one object, or one page)."""
    if call.endpoint.shape == "many":  # a bug in minted_lab: the row answers a list
        raise AssertionError(f"{call.endpoint.name} answers a list: use many()")
    answer: M = yield call
    return answer


def many(call: Call[M]) -> Op[tuple[M, ...]]:
    """Make ``call`` and return its answer: a tuple of the row's model."""
    if call.endpoint.shape != "many":  # a bug in minted_lab: the row answers one object
        raise AssertionError(f"{call.endpoint.name} answers one object: use one()")
    answer: tuple[M, ...] = yield call
    return answer


def quote(engine: Engine, currency: str, customer_external_id: str | None, total: Any) -> Op[Quote]:
    body: dict[str, Any] = {"type": "digital", "currency": v.currency(currency)}
    if customer_external_id is not None:
        body["customer_external_id"] = v.customer_id(customer_external_id)
    if total is not None:
        body["total"] = v.money_total(total)
        if customer_external_id is None:
            raise ValidationError(
                "customer_external_id",
                "a customer's external id: a price fix from a total price is for a customer (documented)",
            )
    return (yield from one(engine.call(E.PRICEFIX, body=body, customer_external_id=customer_external_id)))


def order_request(
    engine: Engine,
    side: str,
    quote: Any,
    items: Any,
    external_id: str | None,
    currency: str | None,
    customer_external_id: str | None,
) -> OrderRequest:
    """Validate a sell or buy once; the external id is made here (by the engine's factory), before any attempt."""
    return OrderRequest.build(
        side,
        quote,
        items,
        external_id=external_id,
        currency=currency,
        customer_external_id=customer_external_id,
        id_factory=engine.id_factory,
    )


_ORDER_ROWS = {"sell": E.SELL, "buy": E.BUY}


def order_call(engine: Engine, request: OrderRequest) -> Call[OrderResult]:
    """The call that sends ``request.content`` byte for byte."""
    return engine.call(
        _ORDER_ROWS[request.side],
        content=request.content,
        external_id=request.external_id,
        customer_external_id=request.customer_external_id,
    )


def send(engine: Engine, request: OrderRequest) -> Op[OrderResult]:
    if not isinstance(request, OrderRequest):
        raise ValidationError("request", "an OrderRequest (OrderRequest.build(...))", request)
    return (yield from one(order_call(engine, request)))


def place(
    engine: Engine,
    side: str,
    quote: Any,
    items: Any,
    external_id: str | None,
    currency: str | None,
    customer_external_id: str | None,
) -> Op[OrderResult]:
    request = order_request(engine, side, quote, items, external_id, currency, customer_external_id)
    return (yield from send(engine, request))


def sell(
    engine: Engine,
    quote: Any,
    items: Any,
    external_id: str | None,
    currency: str | None,
    customer_external_id: str | None,
) -> Op[OrderResult]:
    return (yield from place(engine, E.SELL.name, quote, items, external_id, currency, customer_external_id))


def buy(
    engine: Engine,
    quote: Any,
    items: Any,
    external_id: str | None,
    currency: str | None,
    customer_external_id: str | None,
) -> Op[OrderResult]:
    return (yield from place(engine, E.BUY.name, quote, items, external_id, currency, customer_external_id))


def order(engine: Engine, id: str) -> Op[Order]:
    return (yield from one(engine.call(E.ORDER, path_params={"id": v.lookup_id(id)})))


def find_order(
    engine: Engine, guid: str | None, order_code: str | None, external_id: str | None, push_hook: bool
) -> Op[Order | None]:
    body: dict[str, Any] = {}
    for name, value in (("guid", guid), ("order_code", order_code), ("external_id", external_id)):
        if value is not None:
            body[name] = v.lookup_id(value, name)
    if not body:
        raise ValidationError("find_order", "at least one of guid, order_code or external_id")
    if push_hook:
        body["push_hook"] = True
    try:
        return (yield from one(engine.call(E.ORDER_ALT, body=body, external_id=external_id)))
    except NotFoundError:
        return None


def order_statuses(engine: Engine) -> Op[tuple[OrderStatus, ...]]:
    statuses = yield from many(engine.call(E.ORDER_STATUSES))
    engine.statuses_loaded(statuses)
    return statuses


def list_params(engine: Engine, filters: Mapping[str, Any]) -> Op[dict[str, str]]:
    """The order-list filters as query parameters (loading the status names once, if a name is used)."""
    if v.needs_status_names(filters) and engine.status_ids is None:
        yield from order_statuses(engine)
    return v.order_filters(filters, engine.status_ids)


def walk_params(engine: Engine, filters: Mapping[str, Any]) -> Op[dict[str, str]]:
    """Filters for walking every page: ascending by creation, so new orders only ever land at the end."""
    for key, wanted in (("sort_by", "created_at"), ("sortBy", "created_at"), ("sort_type", "asc"), ("sortType", "asc")):
        if filters.get(key, wanted) != wanted:
            raise ValidationError(key, f"{wanted!r}: walking every page needs created_at ascending", filters[key])
    params = yield from list_params(engine, filters)
    params.update(sortBy="created_at", sortType="asc")
    return params


def page_call(
    engine: Engine, params: Mapping[str, str], page: int, per_page: int = PAGE_SIZE, *, lazy: bool = False
) -> Call[OrderPage]:
    """One order-list page; ``lazy`` reads only its paginator and guids, the orders wait in its bytes."""
    return engine.call(E.ORDERS, params={**params, **v.page_args(page, per_page)}, lazy=lazy)


def walk_page(engine: Engine, params: Mapping[str, str], page: int) -> Op[OrderPage]:
    """One page of a walk over every page (``params`` from ``walk_params``), read lazily for frames."""
    return (yield from one(page_call(engine, params, page, lazy=True)))


def orders(
    engine: Engine, page: int, per_page: int, filters: Mapping[str, Any], *, lazy: bool = False
) -> Op[OrderPage]:
    v.page_args(page, per_page)
    params = yield from list_params(engine, filters)
    return (yield from one(page_call(engine, params, page, per_page, lazy=lazy)))


def product_prices(engine: Engine, currency: str) -> Op[tuple[ProductPrice, ...]]:
    return (yield from many(engine.call(E.PRODUCT_PRICES, params={"currency": v.currency(currency)})))


def minted_prices(engine: Engine) -> Op[MintedPrices]:
    return (yield from one(engine.call(E.MINTED_PRICES)))


def partner_balance(engine: Engine) -> Op[tuple[Wallet, ...]]:
    return (yield from many(engine.call(E.PARTNER_BALANCE)))


def customer_balance(engine: Engine, external_id: str) -> Op[tuple[Wallet, ...]]:
    external_id = v.customer_id(external_id, "external_id")
    return (yield from many(engine.call(E.CUSTOMER_BALANCE, path_params={"customer_external_id": external_id})))


def create_customer(engine: Engine, external_id: str, fields: Mapping[str, Any]) -> Op[Customer]:
    body: dict[str, Any] = {"external_id": v.customer_id(external_id, "external_id", strict=True)}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "birthdate":
            value = v.api_date(value, "birthdate")
        elif name == "gender" and value not in ("M", "F"):
            raise ValidationError("gender", "'M' or 'F'", value)
        elif name in ("firstname", "middlename", "lastname") and value != "" and not 3 <= len(str(value)) <= 40:
            raise ValidationError(name, "3 to 40 characters", value)
        elif not isinstance(value, str):
            raise ValidationError(name, "a string", value)
        body[name] = value
    return (yield from one(engine.call(E.CREATE_CUSTOMER, body=body)))


def customer(engine: Engine, external_id: str) -> Op[Customer]:
    external_id = v.customer_id(external_id, "external_id")
    return (yield from one(engine.call(E.CUSTOMER, path_params={"external_customer_id": external_id})))


def order_key(order: Order) -> Any:
    """What identifies an order across pages: its guid (else its code, else its raw body)."""
    return order.guid or order.order_code or id(order.raw)


def unique_orders(pages: Any) -> list[Order]:
    """The orders of these pages, each once, in page order."""
    seen: set[Any] = set()
    result: list[Order] = []
    for page in pages:
        for order in page.orders:
            key = order_key(order)
            if key not in seen:
                seen.add(key)
                result.append(order)
    return result
