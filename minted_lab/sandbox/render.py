"""How the API shows the book's records: orders, customers and wallets as JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from minted_lab.sandbox.catalog import (
    BY_CODE,
    BY_SKU,
    COMPLETED,
    CREATED,
    CURRENCIES,
    PRODUCTS,
    REFUNDED,
    SHIPPED,
    STATUS_NAMES,
)
from minted_lab.sandbox.clock import ISTANBUL
from minted_lab.sandbox.market import Snapshot
from minted_lab.sandbox.model import Customer, Order
from minted_lab.sandbox.money import number_text, round2
from minted_lab.sandbox.profiles import DEFAULT, Profile

COMPANY_ID = 2000000
#: `channel` of every order in Get Order answers shaped like examples/get_order_response.json
CHANNEL = "partner"
#: `product_weight` of a digital product's item: grams per unit [I] (1 in get_order_response.json)
PRODUCT_WEIGHT = 1
#: where a Delivery order's tracking number is looked up (sandbox-made, not a real carrier)
CARGO_TRACKING_URL = "https://cargo.example.com/track/"


def order_at_short(at: datetime) -> str:
    """`DD-MM-YYYY HH:MM` in Istanbul time, as orders show it."""
    return at.astimezone(ISTANBUL).strftime("%d-%m-%Y %H:%M")


def stamp(at: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` in Istanbul time (sell/buy top level, customers)."""
    return at.astimezone(ISTANBUL).strftime("%Y-%m-%d %H:%M:%S")


def iso(at: datetime) -> str:
    """ISO 8601 with the Istanbul offset, whole seconds."""
    return at.astimezone(ISTANBUL).replace(microsecond=0).isoformat()


def description(order: Order) -> str:
    """`250gr - #GAG` (items joined by ", ")."""
    return ", ".join(f"{number_text(i.amount)}gr - #{i.sku}" for i in order.items)


def order_customer(customer: Customer | None) -> dict[str, Any] | None:
    """The order-customer object (null for B2B)."""
    if customer is None:
        return None
    return {
        "external_id": customer.external_id,
        "firstname": customer.firstname,
        "middlename": customer.middlename,
        "lastname": customer.lastname,
        "fullname": customer.fullname,
        "email": customer.email,
        "phone": customer.phone,
        "gender": customer.gender,
        "identity_number": customer.identity_number,
        "birthdate": customer.birthdate.isoformat() if customer.birthdate else None,
    }


def status_name(status: int, profile: Profile) -> str:
    """The name an order with `status` shows (status 1 per the profile: "Created" or "New")."""
    return profile.status_1_name if status == CREATED else STATUS_NAMES[status]


def order(o: Order, now: datetime, customer: Customer | None, profile: Profile = DEFAULT) -> dict[str, Any]:
    """The Order Schema (17 keys, README §7) plus the keys the examples add, as sell/buy answers show it
    at `now` (and Get Order and the list, in the default profile)."""
    status = o.status_at(now)
    return {
        "guid": o.guid,
        "order_code": o.order_code,
        "external_id": o.external_id,
        "type": o.type,
        "price": o.price,
        "tax": o.tax,
        "total": o.total,
        "payment_cost": o.payment_cost,
        "currency_code": o.currency,
        "currency_rate": o.currency_rate,
        "currency_total": round2(o.total * o.currency_rate),
        "status_id": status,
        "status_name": status_name(status, profile),
        "payment_type": payment_type(o),
        "payment": payment(o, status),
        "delivery": delivery(o, status, profile),
        "address": address(o, customer),
        "order_at": order_at_short(o.created_at),
        "description": description(o),
        "customer": order_customer(customer),
        "items": schema_items(o),
    }


def schema_items(o: Order) -> list[dict[str, Any]]:
    """The 9-key Order Item Schema."""
    return [
        {
            "sku": i.sku,
            "product_id": BY_SKU[i.sku].product_id,
            "product_name": BY_SKU[i.sku].product_name,
            "spot_price": i.spot_price,
            "price": i.price,
            "tax_rate": 0,
            "tax": 0,
            "amount": i.amount,
            "total": i.total,
        }
        for i in o.items
    ]


def _rate(o: Order, profile: Profile) -> tuple[Decimal | None, Decimal]:
    """(currency_rate, currency_total) of a Get Order answer: null and 0 for GBP with `gbp_rate_null`."""
    if profile.gbp_rate_null and o.currency == "GBP":
        return None, Decimal(0)
    return o.currency_rate, round2(o.total * o.currency_rate)


def example_items(o: Order, profile: Profile) -> list[dict[str, Any]]:
    """Items shaped like examples/get_order_response.json: no `sku`; weight and the currency fields."""
    null_gbp = profile.gbp_rate_null and o.currency == "GBP"
    currency_id = None if null_gbp else BY_CODE[o.currency].currency_id
    rate = None if null_gbp else o.currency_rate
    return [
        {
            "product_id": BY_SKU[i.sku].product_id,
            "product_name": BY_SKU[i.sku].product_name,
            "product_weight": PRODUCT_WEIGHT,
            "spot_price": i.spot_price,
            "price": i.price,
            "tax_rate": 0,
            "tax": 0,
            "amount": i.amount,
            "total": i.total,
            "currency_id": currency_id,
            "currency_rate": rate,
            "currency_total": Decimal(0) if rate is None else round2(i.total * rate),
        }
        for i in o.items
    ]


def looked_up(o: Order, now: datetime, customer: Customer | None, profile: Profile) -> dict[str, Any]:
    """The order as Get Order and Get Order (Alternative) show it, per `profile.lookup_order_keys` and
    `profile.lookup_item_keys`."""
    items = example_items(o, profile) if profile.lookup_item_keys == "get_order_example" else schema_items(o)
    currency_rate, currency_total = _rate(o, profile)
    if profile.lookup_order_keys == "schema":
        shown = order(o, now, customer, profile)
        shown.update(currency_rate=currency_rate, currency_total=currency_total, items=items)
        return shown
    status = o.status_at(now)
    return {
        # the keys of examples/get_order_response.json, in its order
        "guid": o.guid,
        "order_code": o.order_code,
        "external_id": o.external_id,
        "channel": CHANNEL,
        "tx_type": profile.tx_type(o.type),
        "price_token": o.price_token,
        "price": o.price,
        "tax": o.tax,
        "total": o.total,
        "currency_rate": currency_rate,
        "currency_total": currency_total,
        "status_id": status,
        "status_name": status_name(status, profile),
        "items": items,
        "customer": order_customer(customer),
        # the Order Schema keys the example does not show (it lacks `type` and `currency_code` on purpose)
        "payment_cost": o.payment_cost,
        "payment_type": payment_type(o),
        "payment": payment(o, status),
        "delivery": delivery(o, status, profile),
        "address": address(o, customer),
        "description": description(o),
    }


#: how an answer shows one order at `now` (looked_up, order, listed): the order, its customer, the profile
View = Callable[[Order, datetime, Customer | None, Profile], dict[str, Any]]


def list_view(profile: Profile) -> View:
    """The view the order list (and `Sandbox.orders()`) shows orders in: Get Order's, unless
    `profile.list_like_lookup` is off (then the Order Schema)."""
    return looked_up if profile.list_like_lookup else order


def listed(o: Order, now: datetime, customer: Customer | None, profile: Profile) -> dict[str, Any]:
    """The order as the order list (and `Sandbox.orders()`) shows it (see list_view)."""
    return list_view(profile)(o, now, customer, profile)


def payment_type(o: Order) -> str:
    """`cash` or `credit-card` (the Order Schema enum, README §5.3)."""
    return "cash" if o.payment is None else "credit-card"


def payment(o: Order, status: int) -> dict[str, Any] | None:
    """The Payment Scheme of a card-paid order, keys as examples/card_payment_get_order_response.json
    (null for cash orders). A card payment of an order still New is `new`, else `success`."""
    card = o.payment
    if card is None:
        return None
    return {
        "token": card.token,
        "transaction_id": None,
        "order_reference": o.external_id,
        "amount": o.total,
        "comission": 0,
        "total": o.total,
        "refunded_amount": o.total if status == REFUNDED else 0,
        "error_code": None,
        "error_message": None,
        "state": "new" if status == CREATED else "success",
        "details": {
            "card_cvv": "000",
            "card_expiry": card.card_expiry,
            "card_holder": card.card_holder,
            "card_number": card.card_number,
            "customer_ip": card.customer_ip,
            "card_association": card.card_association,
        },
    }


def delivery(o: Order, status: int, profile: Profile) -> dict[str, Any] | None:
    """The Order Item Delivery object of a Delivery order (null otherwise): it follows the order's status;
    tracking appears once shipped."""
    shipment = o.delivery
    if shipment is None:
        return None
    shipped = status in (SHIPPED, COMPLETED)
    number = shipment.cargo_tracking_number if shipped else None
    return {
        "status_id": status,
        "status_name": status_name(status, profile),
        "cargo_tracking_url": f"{CARGO_TRACKING_URL}{number}" if number else None,
        "cargo_tracking_number": number,
        "sync_status": True,
        "products": [
            {
                "product_id": BY_SKU[i.sku].product_id,
                "sku": i.sku,
                "product_name": BY_SKU[i.sku].product_name,
                "amount": i.amount,
            }
            for i in o.items
        ],
    }


def address(o: Order, customer: Customer | None) -> dict[str, Any] | None:
    """The Order Address of a Delivery order (null otherwise): billed to and shipped to its customer."""
    shipment = o.delivery
    if shipment is None:
        return None
    where = shipment.address
    c = customer
    parts = {
        "city": where.city,
        "county": where.county,
        "district": where.district,
        "address": where.address,
        "zipcode": where.zipcode,
        "street": where.street,
    }
    tax_number = c.identity_number if c else None
    return {
        "billing": {
            "external_id": c.external_id if c else None,
            "invoice_type": "Individual",
            "fullname": c.fullname if c else None,
            "company_name": None,
            "phone": c.phone if c else None,
            "email": c.email if c else None,
            **parts,
            "tax_office": None,
            "tax_number": tax_number,
        },
        "shipping": {
            "id": shipment.shipping_id,
            "external_id": c.external_id if c else None,
            "tax_number": tax_number,
            "fullname": c.fullname if c else None,
            "phone": c.phone if c else None,
            **parts,
        },
    }


def order_response(o: Order, now: datetime, customer: Customer | None, profile: Profile = DEFAULT) -> dict[str, Any]:
    """The sell/buy 200 `data`: arrays of codes and guids, integer tax, long `order_at`."""
    return {
        "order_code": [o.order_code],
        "guid": [o.guid],
        "price": o.price,
        "tax": int(o.tax),
        "total": o.total,
        "order_at": stamp(o.created_at),
        "orders": [order(o, now, customer, profile)],
    }


def customer(c: Customer) -> dict[str, Any]:
    """The create/get customer `data`."""
    return {
        "id": c.id,
        "external_id": c.external_id,
        "company_id": COMPANY_ID,
        "user_id": None,
        "firstname": c.firstname,
        "middlename": c.middlename,
        "lastname": c.lastname,
        "fullname": c.fullname,
        "email": c.email,
        "phone": c.phone,
        "gender": c.gender,
        "identity_number": c.identity_number,
        "birthdate": c.birthdate.isoformat() if c.birthdate else None,
        "created_at": stamp(c.created_at),
        "updated_at": stamp(c.created_at),
    }


def wallet_codes() -> list[str]:
    """Every wallet in display order: metals by SKU, then cash."""
    return [p.sku for p in PRODUCTS] + [c.code for c in CURRENCIES]


def balance_wallets(owner: str | None, balances: dict[str, Decimal], snap: Snapshot) -> list[dict[str, Any]]:
    """The 12-key wallet objects of the balance endpoints."""
    out: list[dict[str, Any]] = []
    for code in wallet_codes():
        amount = balances.get(code, Decimal(0))
        is_cash = code in BY_CODE
        if is_cash:
            cur = BY_CODE[code]
            name, currency_id, symbol, prices = cur.name, cur.currency_id, cur.symbol, {}
        else:
            product = BY_SKU[code]
            sides = snap.gbp[code]
            name, currency_id, symbol = product.wallet_name, product.currency_id, "gr"
            prices = {"spot_price": sides.spot, "buy_price": sides.buy, "sell_price": sides.sell}
        out.append(
            {
                "customer_external_id": owner,
                "name": name,
                "currency_id": currency_id,
                "currency_symbol": symbol,
                "currency_code": code,
                "is_cash": is_cash,
                "balance": amount,
                "blocked": 0,
                "real_balance": amount,
                "soft_blocked_amount": 0,
                "stats": {},
                "prices": prices,
            }
        )
    return out


def customer_wallets(c: Customer, balances: dict[str, Decimal]) -> list[dict[str, Any]]:
    """The 10-key wallets inside the get-customer `data`."""
    out: list[dict[str, Any]] = []
    for index, code in enumerate(wallet_codes()):
        is_cash = code in BY_CODE
        amount = balances.get(code, Decimal(0))
        out.append(
            {
                "id": 1000 + (c.id - 1) * 10 + index,
                "customer_external_id": c.external_id,
                "currency_id": BY_CODE[code].currency_id if is_cash else BY_SKU[code].currency_id,
                "currency_code": code,
                "name": BY_CODE[code].name if is_cash else BY_SKU[code].wallet_name,
                "is_cash": is_cash,
                "balance": amount,
                "blocked": 0,
                "real_balance": amount,
                "soft_blocked_amount": 0,
            }
        )
    return out
