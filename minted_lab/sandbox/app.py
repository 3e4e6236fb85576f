"""The Partner API (docs/api-shapes.md) as a Starlette app: one Handlers method per row of routes.py."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from minted_lab.sandbox import render, validation as v
from minted_lab.sandbox.book import Line
from minted_lab.sandbox.catalog import CURRENCY_CODES, PRODUCTS
from minted_lab.sandbox.envelope import ApiError, Invalid, Problems, ok
from minted_lab.sandbox.gateway import Gateway
from minted_lab.sandbox.listing import dated, paginate, parse_query, select, statuses
from minted_lab.sandbox.model import Customer
from minted_lab.sandbox.page_cache import OrderTexts
from minted_lab.sandbox.routes import ROUTES
from minted_lab.sandbox.runtime import Runtime


def _body(request: Request) -> dict[str, Any]:
    return v.parse_object(request.state.body)


class Handlers:
    """One method per endpoint; state lives in the Runtime, and the orders' JSON texts (kept for reuse
    by the order list and Get Order) in `texts`."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.texts = OrderTexts()

    # ---- prices and quotes ----------------------------------------------------------------

    async def pricefix(self, request: Request) -> Response:
        body = _body(request)
        problems = Problems()
        v.unknown_fields(body, {"type", "customer_external_id", "currency", "total"}, problems)
        kind = body.get("type")
        if kind is None:
            problems.add("type", "required")
        elif kind != "digital":
            problems.add("type", "one_of", choices="digital")
        customer_id = v.text_field(body, "customer_external_id", problems, max_len=110)
        currency = v.currency(body.get("currency"), "currency", problems) or "GBP"
        total = None
        if body.get("total") is not None:
            total = v.positive(body["total"], 2, v.MAX_TOTAL)
            if total is None:
                problems.add("total", "positive_money")
            if customer_id is None and not problems.has("customer_external_id"):
                # README §6.1: the From Total Price variant requires the customer
                problems.add("customer_external_id", "required_for_total")
        problems.raise_if_any()
        now = self.rt.clock.now()
        quote = self.rt.book.fix(self.rt.market.snapshot(now), now, currency, customer_id, total)
        return ok(
            {
                "token": quote.token,
                "total": quote.total,
                "expires_at": render.iso(quote.expires_at),
                "expire_ttl": max(0, int((quote.expires_at - now).total_seconds())),
                "is_total_price": quote.total is not None,
                "prices": [
                    {
                        "currency_id": p.currency_id,
                        "product_id": p.product_id,
                        "spot_price": quote.prices[p.sku].spot,
                        "buy_price": quote.prices[p.sku].buy,
                        "sell_price": quote.prices[p.sku].sell,
                        "buy_amount": self.rt.book.buy_amount(quote, p.sku),
                        "sku": p.sku,
                    }
                    for p in PRODUCTS
                ],
                "currency": quote.currency,
            }
        )

    async def product_prices(self, request: Request) -> Response:
        problems = Problems()
        currency = v.currency(request.query_params.get("currency"), "currency", problems) or "GBP"
        problems.raise_if_any()
        snap = self.rt.market.snapshot(self.rt.clock.now())
        prices = snap.prices(currency)
        return ok(
            [
                {
                    "product_id": p.product_id,
                    "sku": p.sku,
                    "product_name": p.product_name,
                    "currency_id": p.currency_id,
                    "currency_code": currency,
                    "spot_price": prices[p.sku].spot,
                    "buy_price": prices[p.sku].buy,
                    "sell_price": prices[p.sku].sell,
                    "updated_at": render.iso(snap.at),
                }
                for p in PRODUCTS
            ]
        )

    async def minted_prices(self, request: Request) -> Response:
        snap = self.rt.market.snapshot(self.rt.clock.now())
        return ok(
            {
                "currency": "GBP",
                "updated_at": render.iso(snap.at),
                "rates": {code: snap.rates[code] for code in CURRENCY_CODES},
                "prices": [
                    {
                        "sku": p.sku,
                        "product_name": p.product_name,
                        "spot_price": snap.gbp[p.sku].spot,
                        "buy_price": snap.gbp[p.sku].buy,
                        "sell_price": snap.gbp[p.sku].sell,
                    }
                    for p in PRODUCTS
                ],
            }
        )

    # ---- orders ---------------------------------------------------------------------------

    async def sell(self, request: Request) -> Response:
        return self._trade(request, "Sell")

    async def buy(self, request: Request) -> Response:
        return self._trade(request, "Buy")

    def _trade(self, request: Request, side: str) -> Response:
        body = _body(request)
        problems = Problems()
        allowed = {"price_token", "external_id", "currency_code", "items", "customer"}
        if side == "Buy":
            allowed |= {"topup", "payment_type"}
        v.unknown_fields(body, allowed, problems)
        token = v.text_field(body, "price_token", problems, required=True, max_len=128)
        external_id = v.text_field(
            body, "external_id", problems, required=True, pattern=v.EXTERNAL_ID, pattern_reason="external_id_format"
        )
        currency_code = v.currency(body.get("currency_code"), "currency_code", problems)
        lines = v.order_lines(body.get("items"), side, problems)
        customer_id, new_customer = self._order_customer(body.get("customer"), problems)
        if side == "Buy":
            if body.get("payment_type") not in (None, "cash"):
                problems.add("payment_type", "card_unsupported")
            if body.get("topup") is not None and not isinstance(body["topup"], dict):
                problems.add("topup", "must_be_object")
        problems.raise_if_any()
        assert token is not None and external_id is not None
        order = self.rt.book.place(
            side,
            token=token,
            external_id=external_id,
            currency_code=currency_code,
            lines=[Line(i, sku, amount) for i, sku, amount in lines],
            customer_id=customer_id,
            new_customer=new_customer,
            now=self.rt.clock.now(),
        )
        now = self.rt.clock.now()
        return ok(render.order_response(order, now, self.rt.book.customer_of(order), self.rt.profile))

    def _order_customer(self, value: Any, problems: Problems) -> tuple[str | None, Customer | None]:
        if value is None:
            return None, None
        if not isinstance(value, dict):
            problems.add("customer", "must_be_object")
            return None, None
        before = len(problems.items)
        fields = v.customer_fields(value, problems, prefix="customer.")
        if len(problems.items) > before or fields["external_id"] is None:
            return None, None
        # the book decides whether the customer is new and, if so, whether these fields are enough
        new_customer = Customer(id=0, created_at=self.rt.clock.now().replace(microsecond=0), **fields)
        return fields["external_id"], new_customer

    async def order(self, request: Request) -> Response:
        book = self.rt.book
        found = book.find(request.path_params["id"])
        if found is None:
            raise ApiError(404, "order_not_found")
        now = self.rt.clock.now()
        with book.lock:
            return ok(self.texts.text(render.looked_up, found, now, book.customer_of(found), self.rt.profile))

    async def order_alt(self, request: Request) -> Response:
        body = _body(request)
        problems = Problems()
        v.unknown_fields(body, {"guid", "order_code", "external_id", "push_hook"}, problems)
        idents = {k: v.text_field(body, k, problems, max_len=128) for k in ("guid", "order_code", "external_id")}
        push = body.get("push_hook")
        if push is not None and not isinstance(push, bool):
            problems.add("push_hook", "must_be_bool")
        if not problems and not any(idents.values()):
            for key in idents:
                problems.add(key, "one_id_required")
        problems.raise_if_any()
        book = self.rt.book
        with book.lock:
            candidates = []
            if idents["guid"]:
                candidates.append(book.by_guid.get(idents["guid"].upper()))
            if idents["order_code"]:
                candidates.append(book.by_code.get(idents["order_code"].upper()))
            if idents["external_id"]:
                candidates.append(book.by_external.get(idents["external_id"]))
            found = candidates[0]
            if found is None or any(c is not found for c in candidates):
                raise ApiError(404, "order_not_found")
            now = self.rt.clock.now()
            if push:
                book.hooks.append((found.guid, now))
            return ok(self.texts.text(render.looked_up, found, now, book.customer_of(found), self.rt.profile))

    async def orders(self, request: Request) -> Response:
        problems = Problems()
        params = dict(request.query_params)
        profile = self.rt.profile
        query = parse_query(params, problems, profile.tx_type("Buy"))
        problems.raise_if_any()
        now = self.rt.clock.now()
        book = self.rt.book
        # a filter or a sort scans a copy (of the days a date filter names) outside the lock; creation
        # order pages the book itself under it
        scanned = None
        if query.scans:
            with book.lock:
                candidates = dated(book.orders, query)
            scanned = select(candidates, query, now)
        path = str(request.base_url).rstrip("/") + request.url.path
        view = render.list_view(profile)
        with book.lock:
            rows = select(book.orders, query, now) if scanned is None else scanned
            data = paginate(
                rows, query, path, params, lambda o: self.texts.text(view, o, now, book.customer_of(o), profile)
            )
        return ok(data)

    async def order_statuses(self, request: Request) -> Response:
        return ok(statuses())

    # ---- balances and customers -----------------------------------------------------------

    async def partner_balance(self, request: Request) -> Response:
        snap = self.rt.market.snapshot(self.rt.clock.now())
        return ok(render.balance_wallets(None, self.rt.book.wallet(None), snap))

    async def customer_balance(self, request: Request) -> Response:
        customer_id = request.path_params["customer_external_id"]
        book = self.rt.book
        with book.lock:
            if customer_id not in book.customers:
                raise ApiError(404, "customer_not_found")
            wallet = book.wallet(customer_id)
        snap = self.rt.market.snapshot(self.rt.clock.now())
        return ok(render.balance_wallets(customer_id, wallet, snap))

    async def create_customer(self, request: Request) -> Response:
        body = _body(request)
        problems = Problems()
        v.unknown_fields(body, v.CUSTOMER_FIELDS - {"fullname"}, problems)
        fields = v.customer_fields(body, problems)
        problems.raise_if_any()
        book = self.rt.book
        with book.lock:
            if fields["external_id"] in book.customers:
                raise Invalid(_one("external_id", "customer_taken"))
            customer = Customer(
                id=book.next_customer_id(), created_at=self.rt.clock.now().replace(microsecond=0), **fields
            )
            book.add_customer(customer)
        return ok(render.customer(customer))

    async def customer(self, request: Request) -> Response:
        customer_id = request.path_params["external_customer_id"]
        book = self.rt.book
        with book.lock:
            found = book.customers.get(customer_id)
            if found is None:
                raise ApiError(404, "customer_not_found")
            data = render.customer(found)
            data["wallets"] = render.customer_wallets(found, book.wallet(customer_id))
        return ok(data)


def _one(path: str, key: str) -> Problems:
    problems = Problems()
    problems.add(path, key)
    return problems


def starlette_routes(h: Handlers) -> list[Route]:
    """The route table (routes.py) bound to its handlers: each row to the Handlers method of its name."""
    return [Route(row.path, getattr(h, row.name), methods=[row.method], name=row.name) for row in ROUTES]


def build_app(rt: Runtime) -> Starlette:
    """The Starlette app: the Gateway middleware in front of the Partner routes."""
    table = starlette_routes(Handlers(rt))

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response(getattr(request.state, "lang", "tr"), error_fields=rt.error_fields)

    return Starlette(
        routes=table,
        middleware=[Middleware(Gateway, runtime=rt, routes=table)],
        exception_handlers={ApiError: api_error},
    )


__all__ = ["build_app"]
