"""Seeded customers and a seeded past: months of orders before the clock's start."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from minted_lab.sandbox.book import Book
from minted_lab.sandbox.catalog import CANCELLED, COMPLETED, CREATED, PACKED, PREPARING, REFUNDED, SHIPPED
from minted_lab.sandbox.ids import IdSource
from minted_lab.sandbox.market import Market
from minted_lab.sandbox.model import Address, CardPayment, Customer, Delivery, Item, Order
from minted_lab.sandbox.money import round2
from minted_lab.sandbox.profiles import DEFAULT, Profile

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


def seed_history(
    book: Book, market: Market, seed: int, start: datetime, count: int, profile: Profile = DEFAULT
) -> None:
    """Store `count` past orders spread over ~6 months before `start` (mostly Completed).

    The profile's `history_*` switches mix in New orders, card-paid buys and Delivery orders; they draw
    from a stream of their own, so without them the history is exactly the default one."""
    if count <= 0:
        return
    source = IdSource(seed, "history")
    rng = source.rng
    first = start - timedelta(days=HISTORY_DAYS)
    span = int((start - first).total_seconds()) - 600
    times = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    customers = list(book.seeded_customers)
    mix = Mix(seed, profile, book) if Mix.wanted(profile) else None
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
        if mix is not None:
            if mix.delivery(market, guid, code, external_id, at, currency):
                continue
            status = mix.status(status)
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
            if mix is not None:
                order.payment = mix.card(order)
            if book.record_history(order, moves_balances=status == COMPLETED):
                break
            if attempt_side != side:
                order.fixed_status = CANCELLED
                order.payment = None
                book.record_history(order, moves_balances=False)


#: shares of the documented profile's history mix (of all orders, of customer buys, of all orders)
NEW_SHARE = 0.04
CARD_SHARE = 0.3
DELIVERY_SHARE = 0.04
#: card fee per order (`payment_cost`) by currency [I]; examples/card_payment_get_order_response.json shows
#: 10 on a TRY order, not added to its total
CARD_COSTS: dict[str, Decimal] = {
    "TRY": Decimal(10),
    "GBP": Decimal("0.2"),
    "USD": Decimal("0.25"),
    "EUR": Decimal("0.25"),
}
#: (BIN, association) of the sandbox's test cards
CARDS: tuple[tuple[str, str], ...] = (
    ("404809", "Visa"),
    ("454360", "Visa"),
    ("540667", "MasterCard"),
    ("552879", "MasterCard"),
    ("979204", "Troy"),
)
#: the bars a delivery ships (grams) and the delivery fee per gram as a share of spot [I]
BARS: dict[str, tuple[tuple[int, ...], Decimal]] = {
    "GAU": ((1, 2, 5, 10, 20, 50, 100), Decimal("0.03")),
    "GAG": ((100, 250, 500, 1000), Decimal("0.08")),
}
#: (status, weight) of Delivery orders
DELIVERY_STATUSES: tuple[tuple[int, int], ...] = (
    (COMPLETED, 60),
    (SHIPPED, 15),
    (PACKED, 8),
    (PREPARING, 12),
    (CANCELLED, 5),
)
#: (city, county, district, street, zipcode) of delivery addresses
ADDRESSES: tuple[tuple[str, str, str, str, str], ...] = (
    ("İstanbul", "Kadıköy", "Caferağa", "Moda Cd.", "34710"),
    ("İstanbul", "Beşiktaş", "Levent", "Büyükdere Cd.", "34330"),
    ("İstanbul", "Üsküdar", "Altunizade", "Kısıklı Cd.", "34662"),
    ("Ankara", "Çankaya", "Kızılay", "Atatürk Blv.", "06420"),
    ("İzmir", "Konak", "Alsancak", "Kıbrıs Şehitleri Cd.", "35220"),
    ("Bursa", "Nilüfer", "Beşevler", "İzmir Yolu Cd.", "16110"),
)


class Mix:
    """The documented profile's additions to the seeded history, drawn from their own seeded stream:
    New orders, card-paid customer buys (examples/card_payment_get_order_response.json) and customer
    Delivery orders (README §5.3, §7). A customer keeps one card and one address."""

    def __init__(self, seed: int, profile: Profile, book: Book) -> None:
        self.seed = seed
        self.profile = profile
        self.book = book
        self.source = IdSource(seed, "history-mix")
        self.rng = self.source.rng

    @staticmethod
    def wanted(profile: Profile) -> bool:
        """Whether the profile mixes anything in."""
        return profile.history_new_orders or profile.history_card_orders or profile.history_delivery_orders

    def status(self, status: int) -> int:
        """The status of a Buy or Sell: some are still New."""
        if self.profile.history_new_orders and self.rng.random() < NEW_SHARE:
            return CREATED
        return status

    def card(self, order: Order) -> CardPayment | None:
        """A card payment for some customer buys that are Completed or New."""
        if not self.profile.history_card_orders or order.type != "Buy" or order.customer_external_id is None:
            return None
        if order.fixed_status not in (COMPLETED, CREATED) or self.rng.random() >= CARD_SHARE:
            return None
        customer = self.book.customers[order.customer_external_id]
        own = random.Random(f"minted-sandbox:{self.seed}:card:{customer.external_id}")
        bin_, association = own.choice(CARDS)
        return CardPayment(
            token=self.source.alnum(128),
            card_holder=customer.fullname,
            card_number=f"{bin_}******{own.randrange(10000):04d}",
            card_expiry=f"{own.randint(1, 12):02d}/{(order.created_at.year + own.randint(1, 5)) % 100:02d}",
            card_association=association,
            customer_ip=f"192.0.2.{own.randint(1, 254)}",
            cost=CARD_COSTS[order.currency],
        )

    def delivery(self, market: Market, guid: str, code: str, external_id: str, at: datetime, currency: str) -> bool:
        """Store a Delivery order in place of this Buy/Sell if the roll says so and a customer holds a bar
        to ship; False (nothing stored) otherwise."""
        customers = self.book.seeded_customers
        if not self.profile.history_delivery_orders or not customers or self.rng.random() >= DELIVERY_SHARE:
            return False
        customer_id = self.rng.choice(customers)
        sku = "GAU" if self.rng.random() < 0.7 else "GAG"
        bars, fee_share = BARS[sku]
        status = _weighted_status(self.rng.random())
        tracking = f"{self.rng.randrange(10**11, 10**12)}"
        held = self.book.balance(sku, customer_id)
        sizes = [b for b in bars if b <= held]
        if not sizes:
            return False
        grams = Decimal(self.rng.choice(sizes))
        snap = market.partial(at, sku, currency)
        spot = snap.prices(currency)[sku].spot
        fee = round2(spot * fee_share)
        customer = self.book.customers[customer_id]
        city, county, district, street, zipcode = random.Random(
            f"minted-sandbox:{self.seed}:address:{customer_id}"
        ).choice(ADDRESSES)
        number = int(tracking[-3:]) % 90 + 1
        order = Order(
            seq=0,
            guid=guid,
            order_code=code,
            external_id=external_id,
            type="Delivery",
            currency=currency,
            currency_rate=snap.currency_rate(currency),
            items=[Item(sku, grams, spot, fee, round2(fee * grams))],
            created_at=at.replace(microsecond=0),
            customer_external_id=customer_id,
            fixed_status=status,
            delivery=Delivery(
                shipping_id=500000 + customer.id,
                address=Address(
                    city=city,
                    county=county,
                    district=district,
                    street=street,
                    address=f"{street} No:{number}",
                    zipcode=zipcode,
                ),
                cargo_tracking_number=tracking,
            ),
        )
        return self.book.record_history(order, moves_balances=status != CANCELLED)


def _weighted_status(point: float) -> int:
    total = sum(w for _, w in DELIVERY_STATUSES)
    point *= total
    for status, weight in DELIVERY_STATUSES:
        if point < weight:
            return status
        point -= weight
    return DELIVERY_STATUSES[-1][0]


def _clean(d: Decimal) -> Decimal:
    return Decimal(int(d)) if d == d.to_integral_value() else d.normalize()
