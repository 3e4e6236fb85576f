"""How the API shows the book's records: orders, customers and wallets as JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from minted_lab.sandbox.catalog import BY_CODE, BY_SKU, CURRENCIES, PRODUCTS, STATUS_NAMES
from minted_lab.sandbox.clock import ISTANBUL
from minted_lab.sandbox.market import Snapshot
from minted_lab.sandbox.model import Customer, Order
from minted_lab.sandbox.money import number_text, round2

COMPANY_ID = 2000000


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


def order(o: Order, now: datetime, customer: Customer | None) -> dict[str, Any]:
    """The Order Schema as the API shows it at `now`."""
    status = o.status_at(now)
    return {
        "guid": o.guid,
        "order_code": o.order_code,
        "external_id": o.external_id,
        "type": o.type,
        "price": o.price,
        "tax": o.tax,
        "total": o.total,
        "payment_cost": 0,
        "currency_code": o.currency,
        "currency_rate": o.currency_rate,
        "currency_total": round2(o.total * o.currency_rate),
        "status_id": status,
        "status_name": STATUS_NAMES[status],
        "payment_type": "cash",
        "payment": None,
        "order_at": order_at_short(o.created_at),
        "description": description(o),
        "customer": order_customer(customer),
        "items": [
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
        ],
    }


def order_response(o: Order, now: datetime, customer: Customer | None) -> dict[str, Any]:
    """The sell/buy 200 `data`: arrays of codes and guids, integer tax, long `order_at`."""
    return {
        "order_code": [o.order_code],
        "guid": [o.guid],
        "price": o.price,
        "tax": int(o.tax),
        "total": o.total,
        "order_at": stamp(o.created_at),
        "orders": [order(o, now, customer)],
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
