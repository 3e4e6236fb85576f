"""The ticket: quote → preview → confirm → submit, each order sent exactly once.

>>> ticket = SellTicket(client, items={"GAG": 250}, currency="GBP")
>>> ticket.quote()            # locks prices for 240 s (a price token)
>>> ticket.preview()          # per SKU: price per gram, spot, spread over spot, amount, total
>>> ticket.submit()           # journals the intent, then sends it; a second submit sends nothing

Exactly once, Stripe-style with ``external_id`` as the idempotency key: the key is made when the
ticket is, journaled in the :class:`~minted_lab.ledger.Ledger` as an *intent* before the request
leaves, and the outcome is settled after. If the outcome is unknown (a dropped connection, a
crash, a killed kernel), :meth:`Ticket.resolve` or :meth:`Ledger.reconcile` looks the order up by
``external_id``; only a proven "not placed" allows another attempt, with the same ``external_id``,
so the API itself would refuse a duplicate.
"""

from __future__ import annotations

import contextlib
import html
import threading
import warnings
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from minted_lab import catalog, validate
from minted_lab.catalog import DIGITAL_SKUS, Side
from minted_lab.errors import (
    APIError,
    AuthenticationError,
    MintedError,
    NotSentError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)
from minted_lab.ledger import (
    ExternalIdConflictError,
    Intent,
    Ledger,
    LedgerBusyError,
    LedgerError,
    shared_ledger,
)
from minted_lab.ledger.reconcile import conflict_text
from minted_lab.models import Order, OrderResult, Quote
from minted_lab.order_request import OrderRequest, items_text, same_items
from minted_lab.trading.errors import QuoteTooOldError, TicketError, UnsettledOrderWarning
from minted_lab.trading.preview import Preview, PreviewLine, line_total

if TYPE_CHECKING:
    from minted_lab.client import MintedClient


__all__ = ["BuyTicket", "GATEWAY_REFUSALS", "SellTicket", "Ticket", "TicketState"]

TicketState = Literal["draft", "quoted", "submitting", "placed", "not_placed", "unknown", "conflict"]

GATEWAY_REFUSALS: tuple[type[APIError], ...] = (AuthenticationError, PermissionDeniedError, RateLimitError)
"""Refusals the API gives before it looks at an order (credentials, rights, rate): they create nothing."""


class Ticket:
    """One order on its way: validated at once, quoted, previewed, submitted exactly once.

    States: ``draft`` (no quote) → ``quoted`` → ``submitting`` → ``placed`` | ``not_placed`` |
    ``unknown`` | ``conflict``. ``not_placed`` is proven (the request never left, the API refused
    it and has no such order, or a lookup found nothing after the settle window) and may be quoted
    and submitted again with the same ``external_id``. ``unknown`` is resolved by
    :meth:`resolve`, or left safely by :meth:`resend` (the same request again: the API refuses a
    second order with this ``external_id``). ``conflict``: the API's order under this id is
    someone else's; this ticket is never placed.
    """

    side: ClassVar[Side]
    whole_grams: ClassVar[bool]

    def __init__(
        self,
        client: MintedClient,
        items: Mapping[str, Any],
        currency: str = "GBP",
        customer_external_id: str | None = None,
        ledger: Ledger | None = None,
        *,
        external_id: str | None = None,
        customer: Mapping[str, Any] | None = None,
    ) -> None:
        self.items: dict[str, int | Decimal] = {
            item["sku"]: item["amount"] for item in validate.items(items, whole=self.whole_grams)
        }
        for sku in self.items:
            if sku not in DIGITAL_SKUS:
                raise ValidationError(f"items.{sku}", f"a digital SKU ({', '.join(DIGITAL_SKUS)})", sku)
        self.currency: str = validate.currency(currency)
        self.customer: dict[str, str] | None = None if customer is None else validate.order_customer(customer)
        if self.customer is not None:
            customer_external_id = customer_external_id or self.customer["external_id"]
        self.customer_external_id: str | None = (
            None if customer_external_id is None else validate.customer_id(customer_external_id)
        )
        self.client = client
        self.ledger: Ledger = shared_ledger(client) if ledger is None else ledger
        self.ledger.check(client)
        self.external_id: str = validate.external_id(self._fresh_external_id() if external_id is None else external_id)
        self.state: TicketState = "draft"
        self.current_quote: Quote | None = None
        self.request: OrderRequest | None = None
        self.result: OrderResult | None = None
        self.error: BaseException | None = None
        self._intent: Intent | None = None
        self._quote_id: int | None = None
        self._lock = threading.RLock()
        self._finished = 0
        intent = self.ledger.intent(self.external_id)
        if intent is not None:
            if not self._owns(intent):
                raise ExternalIdConflictError(self._not_ours(intent))
            self._adopt(intent)
        else:
            self._warn_if_unsettled()

    def _owns(self, intent: Intent) -> bool:
        """Whether a journaled intent is this ticket's order (side, items, currency, customer)."""
        asked = (intent.side, intent.currency, intent.customer_external_id or None)
        return asked == (self.side, self.currency, self.customer_external_id or None) and same_items(
            intent.items, self.items
        )

    def _not_ours(self, intent: Intent) -> str:
        return (
            f"{self.external_id} is journaled for another order ({intent!r}), not this {self.side} of "
            f"{items_text(self.items)} {self.currency}: use a new external_id"
        )

    def _fresh_external_id(self) -> str:
        """The client's next external id, skipping any this ledger already holds."""
        factory = self.client.new_external_id
        for _ in range(100):
            candidate = factory()
            if self.ledger.intent(candidate) is None:
                return candidate
        raise TicketError("the client's id_factory keeps returning external ids this ledger already holds")

    def _warn_if_unsettled(self) -> None:
        """A new order while an earlier one may still land is the user's explicit choice: say so."""
        unsettled = [i for i in self.ledger.open_intents() if i.side == self.side]
        if unsettled:
            names = ", ".join(f"{i.external_id} ({items_text(i.items)})" for i in unsettled[:3])
            warnings.warn(
                f"a new {self.side} {self.external_id} while earlier ones may still land: {names}. "
                "Their outcome is unknown; resolve or resend them (ticket.resolve(), ticket.resend(), "
                "ledger.reconcile(client)) unless you mean both to happen",
                UnsettledOrderWarning,
                stacklevel=3,
            )

    @classmethod
    def from_ledger(cls, client: MintedClient, ledger: Ledger, external_id: str) -> Ticket:
        """The ticket of a journaled intent (after a kernel restart, say), in the state the ledger knows."""
        intent = ledger.intent(external_id)
        if intent is None:
            raise TicketError(f"no intent {external_id} in {ledger.path}")
        ticket_class = SellTicket if intent.side == "sell" else BuyTicket
        return ticket_class(
            client, intent.items, intent.currency, intent.customer_external_id, ledger, external_id=external_id
        )

    # -- quote and preview ------------------------------------------------------------------

    def quote(self) -> Quote:
        """Lock prices (a new price token, 240 s) in the ticket's currency and for its customer.

        Allowed while the outcome is unknown too: :meth:`resend` sends the same order under it.
        """
        with self._lock:
            self._refresh()
            if self.state in ("placed", "submitting", "conflict"):
                raise TicketError(f"{self.external_id} is {self.state}: {self._state_advice()}")
            quote = self.client.quote(currency=self.currency, customer_external_id=self.customer_external_id)
            for sku in self.items:
                try:
                    quote.price(sku)
                except KeyError:
                    raise ValidationError(
                        f"items.{sku}", f"a SKU the quote prices ({', '.join(quote.skus)})", sku
                    ) from None
            request = OrderRequest.build(
                self.side,
                quote,
                self.items,
                external_id=self.external_id,
                currency=self.currency,
                customer_external_id=self.customer_external_id,
                customer=self.customer,
            )
            self._quote_id = self.ledger.record_quote(quote)
            self.current_quote, self.request = quote, request
            if self.state != "unknown":
                self.state = "quoted"
                self.error = None
            return quote

    def preview(self) -> Preview:
        """What submitting now would do: per SKU price, spot, spread, grams and total, and seconds left."""
        quote = self._require_quote()
        lines = []
        for sku, amount in self.items.items():
            price = quote.price(sku)
            per_gram = catalog.settle_price(self.side, price)
            if per_gram is None or price.spot_price is None:
                raise TicketError(f"the quote has no {self.side} price or spot for {sku}")
            grams = Decimal(amount)
            lines.append(PreviewLine(sku, per_gram, price.spot_price, grams, line_total(per_gram, grams)))
        return Preview(
            self.side,
            self.external_id,
            self.currency,
            self.customer_external_id,
            tuple(lines),
            sum((line.total for line in lines), Decimal("0.00")),
            quote,
        )

    def _require_quote(self) -> Quote:
        if self.current_quote is None:
            raise TicketError(f"{self.external_id} has no quote yet: call ticket.quote() first")
        return self.current_quote

    # -- submit, resend and resolve ---------------------------------------------------------

    def submit(self) -> OrderResult:
        """Send the order exactly once and return what the API placed.

        A placed ticket returns its result again and sends nothing; a caller that waited on a
        concurrent submit (a double click) gets that submit's outcome. An expired quote is refused
        before sending; an unknown outcome must be resolved (or resent) first.
        """
        seen = self._finished
        with self._lock:
            done = self._already_done(seen)
            if done is not None:
                return done
            if self.state in ("unknown", "conflict"):
                raise self._blocked()
            quote = self._require_quote()
            if quote.is_expired():
                raise QuoteTooOldError(
                    f"the quote for {self.external_id} expired {-quote.seconds_left():.0f} s ago; nothing was sent: "
                    "call ticket.quote() for a new one, check ticket.preview(), then submit again"
                )
            return self._attempt(resend=False)

    def resend(self) -> OrderResult:
        """Send the same request again (same body, same ``external_id``): the safe way out of ``unknown``.

        The API refuses a second order with the same ``external_id``, so if the first attempt
        landed, the refusal proves it and the order is adopted (after checking it is this
        ticket's). A fresh quote is fixed only when the old one has expired.
        """
        seen = self._finished
        with self._lock:
            done = self._already_done(seen)
            if done is not None:
                return done
            if self.state == "conflict":
                raise self._blocked()
            if self.state in ("draft", "quoted"):
                raise TicketError(f"{self.external_id} was never sent: {self._state_advice()}")
            if self.current_quote is None or self.current_quote.is_expired():
                self.quote()
            return self._attempt(resend=True)

    def _already_done(self, seen: int) -> OrderResult | None:
        """The outcome a caller gets without sending: a concurrent attempt's (a double click), or the placed result."""
        if self._finished != seen:
            return self._replay()
        self._refresh()
        if self.state == "placed":
            assert self.result is not None
            return self.result
        return None

    def _blocked(self) -> MintedError:
        if self.state == "conflict":
            if isinstance(self.error, ExternalIdConflictError):
                return self.error
            return ExternalIdConflictError(
                self._intent.error
                if self._intent and self._intent.error
                else f"{self.external_id} belongs to another order at the API"
            )
        return TicketError(f"{self.external_id}: {self._state_advice()}")

    def _attempt(self, *, resend: bool) -> OrderResult:
        """Journal and send one attempt with the in-flight lock held, then settle it."""
        attempted = False
        try:
            with self.ledger.sending(self.external_id, busy="is being sent or resolved elsewhere; nothing was sent"):
                self._refresh()
                if self.state == "placed":
                    assert self.result is not None
                    return self.result
                self._open_intent(resend=resend)
                self.state = "submitting"
                attempted = True
                return self._send()
        except LedgerBusyError as exc:
            raise TicketError(str(exc)) from None
        finally:
            if attempted:
                self._finished += 1

    def _open_intent(self, *, resend: bool) -> None:
        """Journal the attempt durably before the request leaves; every failure here sends nothing."""
        quote = self._require_quote()
        if self.request is None or self.request.price_token != quote.token:
            self.request = OrderRequest.build(
                self.side,
                quote,
                self.items,
                external_id=self.external_id,
                currency=self.currency,
                customer_external_id=self.customer_external_id,
                customer=self.customer,
            )
        request = self.request
        try:
            self._intent = self.ledger.open_intent(
                self.external_id,
                self.side,
                self.items,
                request.content,
                currency=self.currency,
                customer_external_id=self.customer_external_id,
                quote_id=self._quote_id,
                quote_fixed_at=quote.fixed_at,
                sent_at=self.client.now(),
                resend=resend,
            )
        except ExternalIdConflictError as exc:
            self.state, self.error = "conflict", exc
            raise
        except LedgerError as exc:
            exc.args = (f"{exc} (nothing was sent)",)
            raise

    def _send(self) -> OrderResult:
        """Send (the in-flight lock is held), then settle the attempt by what came back."""
        eid, request = self.external_id, self.request
        assert request is not None
        try:
            result = self.client.place(request)
        except NotSentError as exc:
            self._settle(self.ledger.settle_refused(eid, f"not sent: {exc}", via="not_sent"), exc)
            raise
        except GATEWAY_REFUSALS as exc:
            self._settle(self.ledger.settle_refused(eid, str(exc), via="refused"), exc)
            raise
        except APIError as exc:
            return self._after_refusal(exc)
        except BaseException as exc:
            self._settle_unknown(exc)
            raise
        self.result, self.state, self.error = result, "placed", None
        try:
            self._intent = self.ledger.settle_placed(eid, result.order)
        except Exception as exc:  # the order exists: report it, and leave the intent to reconcile
            warnings.warn(
                f"{eid} was placed as {result.order_code}, but the ledger could not record it ({exc}); "
                "ledger.reconcile(client) will settle it",
                RuntimeWarning,
                stacklevel=3,
            )
        return result

    def _after_refusal(self, refusal: APIError) -> OrderResult:
        """The API refused this request: look the id up, whatever the refusal's language or shape.

        An order under this ``external_id`` means an earlier attempt landed (the refusal was a
        duplicate): adopted if it is this ticket's, a conflict otherwise. No order means this
        request created nothing; the intent is ``not_placed`` unless an earlier attempt may still land.
        """
        eid, request = self.external_id, self.request
        assert request is not None
        try:
            order = self.client.resolve(eid)
        except MintedError as lookup_error:
            self._settle_unknown(refusal, f"the API refused it ({refusal}) and the lookup failed ({lookup_error})")
            raise OutcomeUnknownError(
                f"{eid}: the API refused this attempt ({refusal}) and the lookup that would show whether an "
                f"earlier one landed failed ({lookup_error}): call ticket.resolve()",
                request=refusal.request,
                external_id=eid,
                cause=refusal,
            ) from refusal
        if order is None:
            self._settle(self.ledger.settle_refused(eid, str(refusal), via="refused"), refusal)
            raise refusal
        differences = request.differences(order)
        if differences:
            intent = self._intent or self.ledger._get(eid)
            text = conflict_text(intent, order, differences)
            self._settle(self.ledger.settle_conflict(eid, text, order, via="duplicate"), refusal)
            raise ExternalIdConflictError(text) from refusal
        self._adopt(self.ledger.settle_placed(eid, order, via="duplicate"))
        assert self.result is not None
        return self.result

    def _settle(self, intent: Intent, error: BaseException) -> None:
        self._adopt(intent)
        self.error = error

    def _settle_unknown(self, exc: BaseException, text: str | None = None) -> None:
        self.error = exc
        self.state = "unknown"
        with contextlib.suppress(Exception):  # the ledger failing too must not hide the send's own error
            self._intent = self.ledger.note_unknown(self.external_id, text or f"{type(exc).__name__}: {exc}")

    def _replay(self) -> OrderResult:
        if self.state == "placed":
            assert self.result is not None
            return self.result
        if self.error is not None:
            raise self.error
        raise TicketError(f"{self.external_id} is {self.state}: {self._state_advice()}")

    def resolve(self) -> TicketState:
        """Settle by looking the order up by ``external_id``; returns the new state.

        ``placed``: the order exists, is this ticket's, and is the result (also when it landed
        after a ``not_placed`` verdict). ``not_placed``: no such order, and the settle window has
        passed since the last attempt. ``unknown``: not found yet, and it may still land: wait,
        or :meth:`resend`. ``conflict``: the order under this id is someone else's.
        """
        with self._lock:
            intent = self.ledger.intent(self.external_id)
            if intent is None or intent.state in ("placed", "conflict") or not self._owns(intent):
                self._adopt(intent)
                return self.state
            try:
                self._adopt(self.ledger.resolve(self.client, self.external_id))
            except LedgerBusyError as exc:
                raise TicketError(str(exc)) from None
            return self.state

    def _refresh(self) -> None:
        """Take the ledger's word, unless this ticket is sending right now."""
        if self.state != "submitting":
            self._adopt(self.ledger.intent(self.external_id))

    def _adopt(self, intent: Intent | None) -> None:
        """Take the ledger's word for this ticket's state (it outlives kernels and other processes).

        Only for this ticket's own order: an intent journaled under the same id for another order
        (another ticket got there first) makes this ticket a conflict, never its result.
        """
        if intent is None:
            return
        if not self._owns(intent):
            self.state, self.error = "conflict", ExternalIdConflictError(self._not_ours(intent))
            self._intent = None
            return
        self._intent = intent
        if intent.state == "placed":
            if self.result is None or self.result.order_code != intent.order_code:
                self.result = _result_of(intent)
            self.state = "placed"
            self.error = None
        elif intent.state == "not_placed":
            self.state = "not_placed"
        elif intent.state == "conflict":
            self.state = "conflict"
        else:
            self.state = "unknown"

    def may_land_for(self) -> float:
        """Seconds during which an earlier attempt may still land (0 when none is in doubt)."""
        if self._intent is None or self.state != "unknown":
            return 0.0
        return self._intent.may_land_for(self.client.now(), self.client.settle_window)

    @property
    def advice(self) -> str:
        """What to do next, in the user's terms."""
        return self._state_advice()

    def _state_advice(self) -> str:
        if self.state == "unknown":
            left = self.may_land_for()
            error = self._intent.error if self._intent is not None else None
            found = "not found yet" if error and error.startswith("not found yet") else "the outcome is unknown"
            when = (
                f"it may still land for {left:.0f} s"
                if left > 0
                else "ticket.resolve() settles it now (the settle window has passed)"
            )
            return (
                f"{found}; {when}. ticket.resend() sends the same request again safely (the API refuses a "
                "second order with this external_id), or ticket.resolve() looks it up"
            )
        if self.state == "conflict":
            return "this external_id belongs to another order at the API; this one was never placed: use a new ticket"
        return {
            "draft": "call ticket.quote() first",
            "quoted": "ready to submit",
            "submitting": "a submit is under way",
            "placed": "already placed; it is never sent again",
            "not_placed": "not placed; quote again and submit to retry with the same external_id",
        }[self.state]

    # -- display ----------------------------------------------------------------------------

    @property
    def order(self) -> Order | None:
        """The placed order, once there is one."""
        return self.result.order if self.result is not None and self.result.orders else None

    def _summary(self) -> str:
        items = ", ".join(f"{amount} g {sku}" for sku, amount in self.items.items())
        who = f" customer={self.customer_external_id}" if self.customer_external_id else ""
        extra = ""
        if self.state == "placed" and self.result is not None:
            extra = f" order={self.result.order_code} total={self.result.total} {self.currency}"
        elif self.state in ("quoted", "draft") and self.current_quote is not None:
            left = self.current_quote.seconds_left()
            extra = " quote expired" if left <= 0 else f" quote {left:.0f}s left"
        elif self.error is not None and self.state in ("not_placed", "unknown", "conflict"):
            extra = f" error={type(self.error).__name__}"
        return f"{type(self).__name__} {self.external_id} [{self.state}] {items} {self.currency}{who}{extra}"

    def __repr__(self) -> str:
        return f"<{self._summary()}>"

    def _repr_html_(self) -> str:
        return f"<div><code>{html.escape(self._summary())}</code><br>{html.escape(self._state_advice())}</div>"


class SellTicket(Ticket):
    """A sell: whole grams out, paid at the quote's ``sell_price`` (below spot)."""

    side = "sell"
    whole_grams = True


class BuyTicket(Ticket):
    """A buy: grams in (up to 4 decimals), paid at the quote's ``buy_price`` (above spot)."""

    side = "buy"
    whole_grams = False


def _result_of(intent: Intent) -> OrderResult:
    """The result of a journaled placed intent, rebuilt from the order the ledger stored."""
    order = Order.from_api(intent.order_raw) if intent.order_raw else None
    return OrderResult(
        external_id=intent.external_id,
        order_codes=(intent.order_code,) if intent.order_code else (),
        guids=(intent.guid,) if intent.guid else (),
        price=intent.price,
        tax=order.tax if order else None,
        total=intent.total,
        order_at=intent.order_at,
        orders=(order,) if order else (),
        raw={},
    )
