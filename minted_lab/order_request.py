"""One sell or buy, validated once: what is journaled and what is sent are the same bytes.

>>> request = OrderRequest.build("sell", quote, {"GAG": 5}, external_id="ML-0123456789AB")
>>> request.content           # b'{"price_token":"…","external_id":"ML-0123456789AB",…}'
>>> client.place(request)     # sends exactly request.content

An ``external_id`` belongs to one order: :meth:`OrderRequest.differences` says how an order the API
holds under this id differs from the request (side, SKUs, grams, customer), so an order placed by
someone else is never adopted as ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from . import catalog, validate as v
from ._parse import dumps
from .errors import ValidationError

__all__ = ["OrderRequest", "Side", "order_differences", "items_text"]

Side = Literal["sell", "buy"]
Items = tuple[tuple[str, int | Decimal], ...]


def _normal(amount: Any) -> Decimal:
    return Decimal(str(amount)).normalize()


def items_text(items: Mapping[str, Any]) -> str:
    """``"GAG 5, GAU 1.5"``: items as people read them, sorted by SKU."""
    return ", ".join(f"{sku} {amount}" for sku, amount in sorted(items.items()))


def same_items(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """The same SKUs with the same grams (``5`` equals ``5.000``)."""
    return {k: _normal(x) for k, x in a.items()} == {k: _normal(x) for k, x in b.items()}


def order_items(order: Any) -> dict[str, Decimal] | None:
    """Grams per SKU of an API order (a SKU named, or known by its product id), or None when an item shows neither."""
    totals: dict[str, Decimal] = {}
    for item in getattr(order, "items", None) or ():
        sku = getattr(item, "sku", None) or catalog.SKU_BY_PRODUCT_ID.get(getattr(item, "product_id", None) or 0)
        amount = getattr(item, "amount", None)
        if sku is None or amount is None:
            return None
        totals[str(sku)] = totals.get(str(sku), Decimal(0)) + Decimal(str(amount))
    return totals


ORDER_SIDES = ("buy", "sell", "delivery")


def order_side(order: Any) -> str | None:
    """``buy``, ``sell`` or ``delivery`` from an order's ``type`` or ``tx_type``; None when it shows
    neither, or a value we cannot read as one (the documented example's ``tx_type: "oneoffpurchase"``)."""
    for name in ("type", "tx_type"):
        value = getattr(order, name, None)
        if value is None and isinstance(getattr(order, "raw", None), Mapping):
            value = order.raw.get(name)
        side = str(value).strip().lower() if value else None
        if side in ORDER_SIDES:
            return side
    return None


def order_customer(order: Any) -> str | None:
    """The customer external id an order is for, or None (the partner's own wallet, or not shown)."""
    customer = getattr(order, "customer", None)
    return getattr(customer, "external_id", None) if customer is not None else None


def order_differences(side: str, items: Mapping[str, Any], customer_external_id: str | None, order: Any) -> list[str]:
    """How an API order differs from what we asked for; empty when it is ours.

    A field the order does not show (the documented Get Order has no ``type``) cannot disprove it,
    so only fields both sides show are compared; grams are always compared.
    """
    found: list[str] = []
    api_side = order_side(order)
    if api_side is not None and api_side != side:
        found.append(f"side: ours {side}, API {api_side}")
    api_items = order_items(order)
    if api_items is None:
        grams = sum((Decimal(str(getattr(i, "amount", 0) or 0)) for i in getattr(order, "items", ()) or ()), Decimal(0))
        if grams != sum((_normal(a) for a in items.values()), Decimal(0)):
            found.append(f"grams: ours {items_text(items)}, API {grams} g in all")
    elif not same_items(items, api_items):
        found.append(f"items: ours {items_text(items)}, API {items_text(api_items)}")
    raw = getattr(order, "raw", None)
    shows_customer = getattr(order, "customer", None) is not None or (isinstance(raw, Mapping) and "customer" in raw)
    api_customer = order_customer(order)
    if shows_customer and (api_customer or None) != (customer_external_id or None):
        found.append(f"customer: ours {customer_external_id or 'the partner'}, API {api_customer or 'the partner'}")
    return found


@dataclass(frozen=True)
class OrderRequest:
    """A validated sell or buy body: side, price token, external id, currency, items, customer.

    Frozen and built only by :meth:`build`; ``content`` is the exact JSON the client sends and the
    ledger journals.
    """

    side: Side
    price_token: str
    external_id: str
    currency: str | None
    items: Items
    customer_external_id: str | None = None
    customer: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    content: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", dumps(self.body))

    @classmethod
    def build(
        cls,
        side: str,
        quote: Any,
        items: Any,
        *,
        external_id: str | None = None,
        currency: str | None = None,
        customer_external_id: str | None = None,
        customer: Mapping[str, Any] | None = None,
        id_factory: Callable[[], str] | None = None,
    ) -> OrderRequest:
        """Validate everything once, before anything is sent; a ValidationError names the field.

        ``customer`` is the documented customer object of a buy for a customer the API may not know
        yet (external_id, identity_number, firstname, lastname, email, phone; optionally middlename,
        gender, birthdate); ``customer_external_id`` alone names a known one.
        """
        details: tuple[tuple[str, str], ...] = ()
        if customer is not None:
            if side != "buy":
                raise ValidationError("customer", "customer details on a buy only (a sell names a known customer)")
            checked = v.order_customer(customer)
            if customer_external_id is not None and customer_external_id != checked["external_id"]:
                raise ValidationError(
                    "customer.external_id", f"the customer_external_id {customer_external_id}", checked["external_id"]
                )
            customer_external_id, details = checked["external_id"], tuple(checked.items())
        if side not in ("sell", "buy"):
            raise ValidationError("side", "'sell' or 'buy'", side)
        token = v.price_token(quote)
        if external_id is None:
            if id_factory is None:
                raise ValidationError("external_id", "an external id (or an id_factory to make one)")
            external_id = v.external_id(id_factory(), "id_factory()")
        else:
            external_id = v.external_id(external_id)
        quoted_currency = getattr(quote, "currency", None)
        if currency is not None:
            currency = v.currency(currency, "currency_code")
            if quoted_currency is not None and currency != quoted_currency:
                raise ValidationError("currency_code", f"the quote's currency {quoted_currency}", currency)
        currency = currency or quoted_currency
        quoted_customer = getattr(quote, "customer_external_id", None)
        if customer_external_id is not None:
            customer_external_id = v.customer_id(customer_external_id, "customer.external_id")
            if quoted_customer is not None and customer_external_id != quoted_customer:
                raise ValidationError(
                    "customer.external_id",
                    f"the customer the quote was fixed for ({quoted_customer})",
                    customer_external_id,
                )
        elif hasattr(quote, "token") and quoted_customer is not None:
            customer_external_id = quoted_customer
        lines = tuple((i["sku"], i["amount"]) for i in v.items(items, whole=side == "sell"))
        return cls(side, token, external_id, currency, lines, customer_external_id, details)  # type: ignore[arg-type]

    @property
    def body(self) -> dict[str, Any]:
        """The documented sell/buy body."""
        body: dict[str, Any] = {"price_token": self.price_token, "external_id": self.external_id}
        if self.currency is not None:
            body["currency_code"] = self.currency
        body["items"] = [{"sku": sku, "amount": amount} for sku, amount in self.items]
        if self.customer:
            body["customer"] = dict(self.customer)
        elif self.customer_external_id is not None:
            body["customer"] = {"external_id": self.customer_external_id}
        return body

    @property
    def amounts(self) -> dict[str, int | Decimal]:
        """Grams per SKU."""
        return dict(self.items)

    def with_token(self, quote: Any) -> OrderRequest:
        """The same order under a fresh price token (a resend after the old quote expired)."""
        token = v.price_token(quote)
        quoted_currency = getattr(quote, "currency", None)
        if quoted_currency is not None and self.currency is not None and quoted_currency != self.currency:
            raise ValidationError("currency_code", f"the quote's currency {quoted_currency}", self.currency)
        return replace(self, price_token=token)

    def differences(self, order: Any) -> list[str]:
        """How an API order under this external id differs from this request (empty: it is ours)."""
        return order_differences(self.side, self.amounts, self.customer_external_id, order)

    def __repr__(self) -> str:
        who = f" customer={self.customer_external_id}" if self.customer_external_id else ""
        return f"OrderRequest({self.side} {self.external_id} {items_text(self.amounts)} {self.currency or ''}{who})"
