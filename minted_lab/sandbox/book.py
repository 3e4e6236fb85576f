"""The book: quotes, orders, customers and wallets, changed atomically under one lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from minted_lab.sandbox.catalog import (
    CUSTOMER_OPENING_CASH,
    PARTNER_OPENING,
    QUOTE_TTL_SECONDS,
)
from minted_lab.sandbox.envelope import Invalid, Problems, invalid
from minted_lab.sandbox.ids import IdSource
from minted_lab.sandbox.market import Snapshot
from minted_lab.sandbox.model import Customer, Item, Order, Quote
from minted_lab.sandbox.money import CENT, floor4, round2

Wallet = dict[str, Decimal]
#: what a buy must say about a customer the book does not know (README §6.3, OrderCustomerRequestScheme;
#: `external_id` is checked first, and `middlename`, `gender`, `birthdate` are optional)
NEW_CUSTOMER_REQUIRED = ("identity_number", "firstname", "lastname", "email", "phone")


@dataclass(frozen=True)
class Line:
    """A requested order line: its index in `items`, SKU and grams."""

    index: int
    sku: str
    amount: Decimal


class Book:
    """Every piece of sandbox state that orders change; all methods are atomic."""

    def __init__(self, seed: int) -> None:
        self.lock = threading.RLock()
        self.ids = IdSource(seed, "book")
        self.quotes: dict[str, Quote] = {}
        self.orders: list[Order] = []
        self.by_guid: dict[str, Order] = {}
        self.by_code: dict[str, Order] = {}
        self.by_external: dict[str, Order] = {}
        self.customers: dict[str, Customer] = {}
        self.seeded_customers: list[str] = []
        self.wallets: dict[str | None, Wallet] = {None: dict(PARTNER_OPENING)}
        self.hooks: list[tuple[str, datetime]] = []

    # ---- identifiers ----------------------------------------------------------------------

    def new_guid(self, source: IdSource | None = None) -> str:
        """A guid no order holds yet."""
        source = source or self.ids
        while (guid := source.guid()) in self.by_guid:
            pass
        return guid

    def new_code(self, source: IdSource | None = None) -> str:
        """An order code no order holds yet."""
        source = source or self.ids
        while (code := source.order_code()) in self.by_code:
            pass
        return code

    # ---- quotes ---------------------------------------------------------------------------

    def fix(
        self, snap: Snapshot, now: datetime, currency: str, customer_id: str | None, total: Decimal | None
    ) -> Quote:
        """Issue a single-use price token for `currency` (and a customer, when given)."""
        with self.lock:
            token = self.ids.token()
            while token in self.quotes:
                token = self.ids.token()
            quote = Quote(
                token=token,
                currency=currency,
                customer_external_id=customer_id,
                issued_at=now.replace(microsecond=0),
                expires_at=now.replace(microsecond=0) + timedelta(seconds=QUOTE_TTL_SECONDS),
                prices=snap.prices(currency),
                currency_rate=snap.currency_rate(currency),
                total=total,
            )
            self.quotes[token] = quote
            return quote

    @staticmethod
    def buy_amount(quote: Quote, sku: str) -> Decimal | None:
        """Grams purchasable for the quote's total at its buy price (4 decimals, rounded down)."""
        if quote.total is None:
            return None
        return floor4(quote.total / quote.prices[sku].buy)

    # ---- customers ------------------------------------------------------------------------

    def add_customer(self, customer: Customer, metal: Wallet | None = None, seeded: bool = False) -> Customer:
        """Register a customer with the opening cash (and `metal`, for seeded ones)."""
        with self.lock:
            self.customers[customer.external_id] = customer
            wallet = dict(CUSTOMER_OPENING_CASH)
            wallet.update(metal or {})
            self.wallets[customer.external_id] = wallet
            if seeded:
                self.seeded_customers.append(customer.external_id)
            return customer

    def next_customer_id(self) -> int:
        """The next customer `id`."""
        return len(self.customers) + 1

    def balance(self, code: str, owner: str | None = None) -> Decimal:
        """The balance of wallet `code` of the partner (owner None) or a customer."""
        with self.lock:
            return self.wallets[owner].get(code, Decimal(0))

    def wallet(self, owner: str | None) -> Wallet:
        """A copy of one owner's wallets."""
        with self.lock:
            return dict(self.wallets[owner])

    # ---- orders ---------------------------------------------------------------------------

    def place(
        self,
        side: str,
        *,
        token: str,
        external_id: str,
        currency_code: str | None,
        lines: list[Line],
        customer_id: str | None,
        new_customer: Customer | None,
        now: datetime,
    ) -> Order:
        """Validate against the book and commit one order, or raise and change nothing."""
        with self.lock:
            if external_id in self.by_external:
                raise invalid("external_id", "external_id_taken")
            quote = self.quotes.get(token)
            if quote is None or quote.used or now >= quote.expires_at:
                raise invalid("price_token", "token_invalid")
            if quote.customer_external_id != customer_id:
                raise invalid("price_token", "token_customer")
            if currency_code is not None and currency_code != quote.currency:
                raise invalid("currency_code", "currency_mismatch", currency=quote.currency)
            if customer_id is not None and customer_id not in self.customers:
                self._check_new_customer(side, new_customer)
            items = self._items(side, quote, lines)
            order = Order(
                seq=len(self.orders),
                guid=self.new_guid(),
                order_code=self.new_code(),
                external_id=external_id,
                type=side,
                currency=quote.currency,
                currency_rate=quote.currency_rate,
                items=items,
                created_at=now.replace(microsecond=0),
                customer_external_id=customer_id,
                price_token=token,
            )
            wallet = self.wallets[customer_id] if customer_id in self.wallets else dict(CUSTOMER_OPENING_CASH)
            self._check_funds(order, lines, wallet)
            if new_customer is not None and customer_id not in self.customers:
                new_customer.id = self.next_customer_id()
                self.add_customer(new_customer)
            self._apply(order)
            quote.used = True
            self._index(order)
            return order

    @staticmethod
    def _check_new_customer(side: str, new_customer: Customer | None) -> None:
        """A customer the book does not know: a buy must carry every field a new customer needs (README
        §6.3: OrderCustomerRequestScheme; 422 naming each one missing); a sell, at least the names."""
        if side == "Buy" and new_customer is not None:
            missing = new_customer.missing(NEW_CUSTOMER_REQUIRED)
            if missing:
                problems = Problems()
                for name in missing:
                    problems.add(f"customer.{name}", "required")
                raise Invalid(problems)
        elif new_customer is None or new_customer.missing(("firstname", "lastname")):
            raise invalid("customer.external_id", "customer_unknown")

    def _items(self, side: str, quote: Quote, lines: list[Line]) -> list[Item]:
        items = []
        for line in lines:
            sides = quote.prices[line.sku]
            price = sides.buy if side == "Buy" else sides.sell
            total = round2(price * line.amount)
            if total < CENT:
                raise invalid(f"items.{line.index}.amount", "too_small_total")
            items.append(Item(line.sku, line.amount, sides.spot, price, total))
        return items

    def _check_funds(self, order: Order, lines: list[Line], wallet: Wallet) -> None:
        if order.type == "Sell":
            needed: dict[str, Decimal] = {}
            for line in lines:
                needed[line.sku] = needed.get(line.sku, Decimal(0)) + line.amount
                if needed[line.sku] > wallet.get(line.sku, Decimal(0)):
                    raise invalid(f"items.{line.index}.amount", "insufficient_metal")
        elif order.total > wallet.get(order.currency, Decimal(0)):
            raise invalid("total", "insufficient_cash")

    def _apply(self, order: Order) -> None:
        """Move the order's metal and cash: a buy brings metal in and pays cash (unless paid by card), a
        sell sends metal out for cash, a delivery sends metal out and pays its fee."""
        wallet = self.wallets[order.customer_external_id]
        sign = Decimal(1) if order.type == "Buy" else Decimal(-1)
        for item in order.items:
            wallet[item.sku] = wallet.get(item.sku, Decimal(0)) + sign * item.amount
        if order.type == "Delivery":
            wallet[order.currency] = wallet.get(order.currency, Decimal(0)) - order.total
        elif order.moves_cash():
            wallet[order.currency] = wallet.get(order.currency, Decimal(0)) - sign * order.total

    def _covers(self, order: Order) -> bool:
        """Whether the order's wallet holds what the order takes out of it."""
        wallet = self.wallets[order.customer_external_id]
        if order.type in ("Sell", "Delivery") and any(wallet.get(i.sku, Decimal(0)) < i.amount for i in order.items):
            return False
        if order.type == "Sell" or not order.moves_cash():
            return True
        return wallet.get(order.currency, Decimal(0)) >= order.total

    def _index(self, order: Order) -> None:
        self.orders.append(order)
        self.by_guid[order.guid] = order
        self.by_code[order.order_code] = order
        self.by_external[order.external_id] = order

    def record_history(self, order: Order, moves_balances: bool) -> bool:
        """Store a seeded past order; returns False (storing nothing) if it would overdraw a wallet."""
        with self.lock:
            if moves_balances:
                if not self._covers(order):
                    return False
                self._apply(order)
            order.seq = len(self.orders)
            self._index(order)
            return True

    def holds_external_id(self, external_id: str) -> bool:
        """Whether an order already has `external_id`."""
        with self.lock:
            return external_id in self.by_external

    def find(self, ident: str) -> Order | None:
        """An order by external id, guid (any case) or order code."""
        with self.lock:
            return self.by_external.get(ident) or self.by_guid.get(ident.upper()) or self.by_code.get(ident.upper())

    def customer_of(self, order: Order) -> Customer | None:
        """The order's customer (None for B2B)."""
        if order.customer_external_id is None:
            return None
        return self.customers.get(order.customer_external_id)

    def customers_by_id(self, ids: Iterable[str]) -> dict[str, Customer]:
        """Customers for a set of external ids."""
        with self.lock:
            return {i: self.customers[i] for i in ids if i in self.customers}
