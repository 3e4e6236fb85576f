"""Seeded customers and a seeded past: months of orders before the clock's start."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from minted_lab.sandbox.book import Book
from minted_lab.sandbox.catalog import CANCELLED, COMPLETED, REFUNDED
from minted_lab.sandbox.ids import IdSource
from minted_lab.sandbox.market import Market
from minted_lab.sandbox.model import Customer, Item, Order
from minted_lab.sandbox.money import round2

HISTORY_DAYS = 182
NAMES: tuple[tuple[str, str, str], ...] = (
    ("Mehmet", "Gülbilge", "M"),
    ("Ayşe", "Yılmaz", "F"),
    ("Soner", "Kaya", "M"),
    ("Elif", "Demir", "F"),
    ("Oliver", "Hughes", "M"),
    ("Amelia", "Clarke", "F"),
    ("Can", "Öztürk", "M"),
    ("Zeynep", "Arslan", "F"),
    ("George", "Patel", "M"),
    ("Isla", "Murray", "F"),
    ("Emre", "Şahin", "M"),
    ("Selin", "Koç", "F"),
)
#: (sku, weight): mostly gold and silver
SKU_WEIGHTS = (("GAU", 44), ("GAG", 34), ("GPT", 9), ("GPD", 7), ("BGAU", 3), ("BGAG", 3))
CURRENCY_WEIGHTS = (("GBP", 55), ("TRY", 25), ("USD", 12), ("EUR", 8))
#: grams bought or sold per order: (low, high)
SIZES: dict[str, tuple[int, int]] = {
    "GAU": (1, 25),
    "BGAU": (1, 10),
    "GAG": (10, 2500),
    "BGAG": (10, 500),
    "GPT": (1, 50),
    "GPD": (1, 50),
}


def seed_customers(book: Book, seed: int, start: datetime, count: int = 8) -> None:
    """Register `count` seeded customers holding some metal and the opening cash."""
    source = IdSource(seed, "customers")
    rng = source.rng
    for n in range(count):
        first, last, gender = NAMES[n % len(NAMES)]
        external_id = f"MTD{rng.randrange(10**6, 10**7)}"
        while external_id in book.customers:
            external_id = f"MTD{rng.randrange(10**6, 10**7)}"
        metal = {
            "GAU": Decimal(rng.randrange(200000, 800000)).scaleb(-4),
            "GAG": Decimal(rng.randrange(500, 3000)),
            "BGAU": Decimal(rng.randrange(0, 10)),
            "BGAG": Decimal(rng.randrange(0, 300)),
            "GPT": Decimal(rng.randrange(5, 30)),
            "GPD": Decimal(rng.randrange(5, 30)),
        }
        customer = Customer(
            id=book.next_customer_id(),
            external_id=external_id,
            created_at=(start - timedelta(days=365 + rng.randrange(0, 200), seconds=rng.randrange(86400))).replace(
                microsecond=0
            ),
            firstname=first,
            lastname=last,
            email=f"{first.lower()}.{n}@example.com".encode("ascii", "ignore").decode(),
            phone=f"+90532{rng.randrange(10**6, 10**7)}",
            gender=gender,
            identity_number=str(rng.randrange(10**10, 10**11)),
            birthdate=date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365)),
        )
        book.add_customer(customer, metal=metal, seeded=True)


def _weighted(rng_choice: float, table: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in table)
    point = rng_choice * total
    for name, weight in table:
        if point < weight:
            return name
        point -= weight
    return table[-1][0]


def seed_history(book: Book, market: Market, seed: int, start: datetime, count: int) -> None:
    """Store `count` past orders spread over ~6 months before `start` (mostly Completed)."""
    if count <= 0:
        return
    source = IdSource(seed, "history")
    rng = source.rng
    first = start - timedelta(days=HISTORY_DAYS)
    span = int((start - first).total_seconds()) - 600
    times = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    customers = list(book.seeded_customers)
    used_external: set[str] = set()
    for at in times:
        sku = _weighted(rng.random(), SKU_WEIGHTS)
        currency = _weighted(rng.random(), CURRENCY_WEIGHTS)
        side = "Buy" if rng.random() < 0.6 else "Sell"
        customer_id = rng.choice(customers) if customers and rng.random() < 0.35 else None
        roll = rng.random()
        status = CANCELLED if roll < 0.05 else REFUNDED if roll < 0.08 else COMPLETED
        low, high = SIZES[sku]
        whole = Decimal(rng.randint(low, high))
        fraction = (
            Decimal(rng.randrange(10000))
            .scaleb(-4)
            .quantize(Decimal(1).scaleb(-rng.randint(1, 4)), rounding=ROUND_DOWN)
        )
        buy_amount = max(Decimal("0.1"), whole - 1 + fraction)
        external_id = "MH-" + source.hex(10)
        while external_id in used_external:
            external_id = "MH-" + source.hex(10)
        used_external.add(external_id)
        guid, code = book.new_guid(source), book.new_code(source)
        snap = market.partial(at, sku, currency)
        sides = snap.prices(currency)[sku]
        for attempt_side in (side, "Buy" if side == "Sell" else "Sell"):
            amount = _clean(buy_amount if attempt_side == "Buy" else whole)
            price = sides.buy if attempt_side == "Buy" else sides.sell
            total = round2(price * amount)
            order = Order(
                seq=0,
                guid=guid,
                order_code=code,
                external_id=external_id,
                type=attempt_side,
                currency=currency,
                currency_rate=snap.currency_rate(currency),
                items=[Item(sku, amount, sides.spot, price, total)],
                created_at=at.replace(microsecond=0),
                customer_external_id=customer_id,
                fixed_status=status,
            )
            if book.record_history(order, moves_balances=status == COMPLETED):
                break
            if attempt_side != side:
                order.fixed_status = CANCELLED
                book.record_history(order, moves_balances=False)


def _clean(d: Decimal) -> Decimal:
    return Decimal(int(d)) if d == d.to_integral_value() else d.normalize()
