"""Reference data the sandbox serves: SKUs, currencies, statuses, wallet names (docs/api-shapes.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    """One digital SKU as price fix and orders show it."""

    sku: str
    product_id: int
    currency_id: int
    product_name: str
    wallet_name: str
    metal: str


PRODUCTS: tuple[Product, ...] = (
    Product("GAU", 3000001, 1000004, "Gold - Digital storage", "Gold", "gold"),
    Product("GAG", 3000002, 1000005, "Silver - Digital storage", "Silver", "silver"),
    Product("BGAU", 3000088, 1000015, "B Gold - Digital storage", "B Gold", "gold"),
    Product("BGAG", 3000089, 1000016, "B Silver - Digital storage", "B Silver", "silver"),
    Product("GPT", 3000090, 1000017, "Platinum - Digital storage", "Platinum", "platinum"),
    Product("GPD", 3000091, 1000018, "Palladium - Digital storage", "Palladium", "palladium"),
)
BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}
BY_PRODUCT_ID: dict[int, Product] = {p.product_id: p for p in PRODUCTS}
SKUS: tuple[str, ...] = tuple(p.sku for p in PRODUCTS)


@dataclass(frozen=True)
class Currency:
    """A cash currency: code, wallet currency id, symbol and wallet name."""

    code: str
    currency_id: int
    symbol: str
    name: str


CURRENCIES: tuple[Currency, ...] = (
    Currency("GBP", 1000006, "£", "British Pound"),
    Currency("TRY", 1000001, "₺", "Turkish Lira"),
    Currency("USD", 1000002, "$", "US Dollar"),
    Currency("EUR", 1000003, "€", "Euro"),
)
BY_CODE: dict[str, Currency] = {c.code: c for c in CURRENCIES}
CURRENCY_CODES: tuple[str, ...] = tuple(c.code for c in CURRENCIES)

STATUSES: tuple[tuple[int, str], ...] = (
    (1, "Created"),
    (2, "Pending"),
    (3, "Processing"),
    (4, "Cancelled"),
    (5, "Completed"),
    (6, "Preparing"),
    (7, "Packed"),
    (8, "Shipped"),
    (9, "Transferring"),
    (10, "Refunding"),
    (11, "Refunded"),
    (12, "Payment Confirmed"),
)
STATUS_NAMES: dict[int, str] = dict(STATUSES)
CREATED, PENDING, CANCELLED, COMPLETED, REFUNDED = 1, 2, 4, 5, 11
PREPARING, PACKED, SHIPPED = 6, 7, 8

#: the partner's wallets when the sandbox opens (before any seeded history)
PARTNER_OPENING: dict[str, Decimal] = {
    "GAU": Decimal(5000),
    "GAG": Decimal(250000),
    "BGAU": Decimal(500),
    "BGAG": Decimal(20000),
    "GPT": Decimal(1000),
    "GPD": Decimal(1000),
    "GBP": Decimal(2000000),
    "TRY": Decimal(100000000),
    "USD": Decimal(2000000),
    "EUR": Decimal(2000000),
}

#: cash every customer starts with (metal starts at zero for customers created through the API)
CUSTOMER_OPENING_CASH: dict[str, Decimal] = {
    "GBP": Decimal(10000),
    "TRY": Decimal(550000),
    "USD": Decimal(13000),
    "EUR": Decimal(11500),
}

ORDER_SETTLE_SECONDS = 60
QUOTE_TTL_SECONDS = 240
MAX_BODY_BYTES = 64 * 1024
REALM = "minted-sandbox"
