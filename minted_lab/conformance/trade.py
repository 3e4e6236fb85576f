"""``--trade``: one minimal round trip through the trading workflow, each order exactly once.

Quote, buy the smallest whole amount (1 g of silver by default: sells take whole grams, so that is
also the smallest amount that can be sold back), then quote again and sell it back, each through a
:class:`~minted_lab.trading.BuyTicket` / :class:`~minted_lab.trading.SellTicket` journaled in the
ledger. Nothing is retried blindly: an unknown outcome stops the round trip and says how to settle
it. What was quoted and what each order settled at is kept for the price-side checks.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from minted_lab.catalog import Side

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.conformance.mask import Masker
    from minted_lab.ledger import Ledger

__all__ = ["Leg", "RoundTrip", "Trader", "leftovers"]


@dataclass
class Leg:
    """One order of the round trip."""

    side: Side
    external_id: str | None = None
    #: the quote's per-gram prices for the SKU: spot_price, buy_price, sell_price
    quoted: dict[str, Decimal | None] = field(default_factory=dict)
    #: the sell/buy answer's ``data`` as parsed (exact decimals)
    result: dict[str, Any] | None = None
    #: the created order, from the answer
    order: dict[str, Any] | None = None
    #: the ticket's final state (placed, not_placed, unknown, conflict...)
    state: str = "draft"
    #: the ledger's state for this external id
    ledger_state: str | None = None
    ledger_intents: int = 0
    #: the order found again by external id (Get Order (Alternative))
    found: dict[str, Any] | None = None
    found_error: str | None = None
    error: str | None = None

    @property
    def placed(self) -> bool:
        return self.state == "placed" and self.order is not None


@dataclass
class RoundTrip:
    """What the round trip did."""

    sku: str
    amount: int
    currency: str
    buy: Leg
    sell: Leg | None = None
    #: the partner's balance of the SKU before, after the buy and after the sell (None: not readable)
    balances: list[Decimal | None] = field(default_factory=list)
    balance_error: str | None = None

    def orders(self) -> list[dict[str, Any]]:
        return [leg.order for leg in (self.buy, self.sell) if leg is not None and leg.order is not None]

    def leg(self, side: Side) -> Leg:
        leg = self.buy if side == "buy" else self.sell
        if leg is None:
            from minted_lab.conformance.model import Differs

            raise Differs(f"no {side}: the buy was not placed ({self.buy.error or self.buy.state})")
        return leg


class Trader:
    """Runs the round trip once with a real client and ledger."""

    def __init__(
        self,
        client: MintedClient,
        ledger: Ledger,
        masker: Masker,
        sku: str = "GAG",
        currency: str = "GBP",
        amount: int = 1,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.masker = masker
        self.sku = sku
        self.currency = currency
        self.amount = amount
        #: the round trip, once run
        self.trip: RoundTrip | None = None

    def _balance(self, trip: RoundTrip) -> None:
        try:
            wallets = self.client.partner_balance()
        except Exception as exc:  # the balance is optional evidence: say why it is missing
            trip.balance_error = self._text(exc)
            trip.balances.append(None)
            return
        for wallet in wallets:
            if wallet.currency_code == self.sku and wallet.customer_external_id is None:
                trip.balances.append(wallet.balance)
                return
        trip.balances.append(None)
        trip.balance_error = f"no {self.sku} wallet in the partner balance"

    def _text(self, exc: BaseException) -> str:
        return self.masker.scrub(f"{type(exc).__name__}: {exc}")[:300]

    def _leg(self, side: Side) -> Leg:
        from minted_lab.trading import BuyTicket, SellTicket

        leg = Leg(side)
        ticket_class = BuyTicket if side == "buy" else SellTicket
        try:
            ticket = ticket_class(self.client, {self.sku: self.amount}, currency=self.currency, ledger=self.ledger)
        except Exception as exc:
            leg.error = self._text(exc)
            return leg
        leg.external_id = ticket.external_id
        try:
            quote = ticket.quote()
            price = quote.price(self.sku)
            leg.quoted = {
                "spot_price": price.spot_price,
                "buy_price": price.buy_price,
                "sell_price": price.sell_price,
            }
            result = ticket.submit()
            leg.result = dict(result.raw)
            leg.order = dict(result.orders[0].raw) if result.orders else None
        except Exception as exc:  # every failure is this leg's outcome, shown in the table
            leg.error = self._text(exc)
        leg.state = ticket.state
        with contextlib.suppress(Exception):
            intent = self.ledger.intent(ticket.external_id)
            leg.ledger_state = intent.state if intent is not None else None
            leg.ledger_intents = sum(1 for i in self.ledger.intents() if i.external_id == ticket.external_id)
        if leg.state == "placed":
            try:
                found = self.client.find_order(external_id=ticket.external_id)
                leg.found = dict(found.raw) if found is not None else None
            except Exception as exc:
                leg.found_error = self._text(exc)
        return leg

    def run(self) -> RoundTrip:
        trip = RoundTrip(self.sku, self.amount, self.currency, buy=Leg("buy"))
        self.trip = trip
        self._balance(trip)
        trip.buy = self._leg("buy")
        if not trip.buy.placed:
            return trip
        self._balance(trip)
        trip.sell = self._leg("sell")
        self._balance(trip)
        return trip


def leftovers(trip: RoundTrip) -> list[str]:
    """What the round trip left for the partner to settle, in plain words (empty when nothing)."""
    notes = []
    for leg in (trip.buy, trip.sell):
        if leg is None or leg.external_id is None:
            continue
        if leg.state in ("unknown", "submitting"):
            notes.append(
                f"the {leg.side} {leg.external_id} may or may not have been placed: "
                "run ledger.reconcile(client) (or Ticket.from_ledger(client, ledger, id).resolve()) before trading again"
            )
        elif leg.state == "conflict":
            notes.append(f"the {leg.side} {leg.external_id} conflicts with another order at the API: see the ledger")
    if trip.buy.placed and (trip.sell is None or trip.sell.state in ("draft", "quoted", "not_placed")):
        notes.append(
            f"the buy {trip.buy.external_id} placed {trip.amount} g {trip.sku} that was not sold back: "
            f"sell it with SellTicket(client, {{{trip.sku!r}: {trip.amount}}}) if you do not want to keep it"
        )
    return notes
