"""The book's records: quotes, orders with their items, customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from minted_lab.sandbox.catalog import COMPLETED, ORDER_SETTLE_SECONDS, PENDING
from minted_lab.sandbox.market import Sides


@dataclass
class Quote:
    """A fixed set of prices behind a single-use `price_token`."""

    token: str
    currency: str
    customer_external_id: str | None
    issued_at: datetime
    expires_at: datetime
    prices: dict[str, Sides]
    currency_rate: Decimal
    total: Decimal | None
    used: bool = False


@dataclass(frozen=True)
class Item:
    """One order line: grams of one SKU at one price."""

    sku: str
    amount: Decimal
    spot_price: Decimal
    price: Decimal
    total: Decimal


@dataclass(frozen=True)
class CardPayment:
    """How a card-paid order was paid (examples/card_payment_get_order_response.json): the card as the
    API shows it (number masked) and the card fee, `payment_cost`, which is not part of the total."""

    token: str
    card_holder: str
    card_number: str
    card_expiry: str
    card_association: str
    customer_ip: str
    cost: Decimal


@dataclass(frozen=True)
class Address:
    """A street address in the Order Address schema (examples/order_schema_skeleton.json)."""

    city: str
    county: str
    district: str
    street: str
    address: str
    zipcode: str


@dataclass(frozen=True)
class Delivery:
    """Where a Delivery order ships and how it is tracked (the Order Schema `delivery` and `address`)."""

    shipping_id: int
    address: Address
    cargo_tracking_number: str


@dataclass
class Order:
    """One order; its status follows the clock unless `fixed_status` is set (seeded history).

    `payment` is set on card-paid orders, `delivery` on Delivery orders; `price_token` is the token an
    order placed through the API used (None for seeded history)."""

    seq: int
    guid: str
    order_code: str
    external_id: str
    type: str
    currency: str
    currency_rate: Decimal
    items: list[Item]
    created_at: datetime
    customer_external_id: str | None
    fixed_status: int | None = None
    payment: CardPayment | None = None
    delivery: Delivery | None = None
    price_token: str | None = None

    @property
    def payment_cost(self) -> Decimal:
        """The card fee (0 for cash orders); not added to `total`."""
        return self.payment.cost if self.payment is not None else Decimal(0)

    @property
    def price(self) -> Decimal:
        """Sum of item totals."""
        return sum((i.total for i in self.items), Decimal(0))

    @property
    def tax(self) -> Decimal:
        """Digital metal carries no tax."""
        return Decimal(0)

    @property
    def total(self) -> Decimal:
        """price + tax."""
        return self.price + self.tax

    def status_at(self, now: datetime) -> int:
        """Pending for 60 s of sandbox time, then Completed (history keeps its own status)."""
        if self.fixed_status is not None:
            return self.fixed_status
        settled = now >= self.created_at + timedelta(seconds=ORDER_SETTLE_SECONDS)
        return COMPLETED if settled else PENDING

    def moves_cash(self) -> bool:
        """Whether the order moves cash: a card-paid buy is paid by card, not from the cash wallet."""
        return self.payment is None

    def has_sku(self, sku: str) -> bool:
        """Whether any item is `sku`."""
        return any(i.sku == sku for i in self.items)


@dataclass
class Customer:
    """An end customer of the partner (B2B2C)."""

    id: int
    external_id: str
    created_at: datetime
    firstname: str | None = None
    middlename: str | None = None
    lastname: str | None = None
    email: str | None = None
    phone: str | None = None
    gender: str | None = None
    identity_number: str | None = None
    birthdate: date | None = None
    account_type: str | None = None
    tax_office: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def missing(self, names: tuple[str, ...]) -> list[str]:
        """Those of the attributes `names` that are unset (None or empty)."""
        return [name for name in names if not getattr(self, name)]

    @property
    def fullname(self) -> str:
        """First, middle and last name joined."""
        return " ".join(p for p in (self.firstname, self.middlename, self.lastname) if p)
