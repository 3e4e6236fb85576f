"""SellForm (and BuyForm): a thin view over a trading ticket: quote → preview → confirm → submit once.

    form = SellForm(client, ledger)
    form.amount.value = "250"
    form.quote()                  # or form.quote_button.click()
    form.confirm.value = True     # in production: form.confirm_text.value = "production"
    form.sell()                   # or form.sell_button.click(); a second click sends nothing

When no answer comes back (a timeout, a dropped connection) the ticket is ``unknown``: Resolve
looks the order up by its external id, and Send again (``form.resend()``) sends the very same
request, which the API never places twice. While an earlier order of the same side may still
land, Quote and Sell refuse to start another one unless the user ticks ``form.new_order_anyway``.

Every outcome lives in plain attributes (``ticket``, ``preview_data``, ``result``, ``error``,
``field_errors``, ``unsettled``) and is mirrored into the widgets, so a test reads either. Every
failure, the ledger's included, is shown next to the buttons (``errors["form"]``), never only logged.

This module holds the form's state and actions; its widgets, their layout and what they show are
in ``_ticket_view``, and its words (preview, outcome, warnings) in ``_ticket_text``.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import ipywidgets as widgets

from minted_lab.errors import MintedError, OutcomeUnknownError
from minted_lab.ledger import Ledger, shared_ledger
from minted_lab.models import OrderResult, Quote
from minted_lab.trading import BuyTicket, SellTicket, Ticket, UnsettledOrderWarning
from minted_lab.widgets._common import Ticker, message_html
from minted_lab.widgets._ticket_view import TicketView
from minted_lab.widgets._view import set_visible

if TYPE_CHECKING:
    from minted_lab.client import MintedClient

__all__ = ["BuyForm", "SellForm", "TicketForm"]


class TicketForm(TicketView):
    """The shared form: SKU, grams, currency, optional customer, quote, confirm, submit, send again, resolve."""

    def __init__(
        self,
        client: MintedClient,
        ledger: Ledger | None = None,
        *,
        sku: str = "GAG",
        currency: str = "GBP",
        live: bool = True,
        tick_seconds: float = 1.0,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.environment = client.environment
        self.live = live
        self.ticket = None
        self.preview_data = None
        self.result: OrderResult | None = None
        self.error = None
        self.field_errors = {}
        self.busy = False
        self.notice = ""
        self.unsettled = []
        self.asking_new_order = False
        self._doubted = set()
        self._not_found = None
        self._confirmed_token: str | None = None
        self._submit_lock = threading.Lock()
        self._ticker = Ticker(tick_seconds, self.tick, f"{self.verb}-countdown")
        self._build_view(self.environment, client.base_url, sku=sku, currency=currency)
        self._connect()

    def _connect(self) -> None:
        """Buttons run the actions; an edited input drops a stale quote; a confirmation re-renders."""
        self.quote_button.on_click(self._clicked(self.quote))
        self.submit_button.on_click(self._clicked(self.submit))
        self.resend_button.on_click(self._clicked(self.resend))
        self.resolve_button.on_click(self._clicked(self.resolve))
        for name, widget in (
            ("sku", self.sku),
            ("amount", self.amount),
            ("currency", self.currency),
            ("customer", self.customer),
        ):
            widget.observe(lambda _change, name=name: self._input_changed(name), names="value")
        self.confirm.observe(lambda _: self._render(), names="value")
        self.confirm_text.observe(lambda _: self._render(), names="value")

    def _journal(self) -> Ledger:
        """The ledger the tickets are journaled in: the one given, else the client's shared default.

        The default is opened on first use, so a folder that cannot be written is reported by
        Quote, next to the buttons, instead of breaking the form's construction.
        """
        return self.ledger if self.ledger is not None else shared_ledger(self.client)

    # -- actions -----------------------------------------------------------------------------

    def quote(self) -> Quote | None:
        """Lock prices for the inputs and show the preview; errors go under the input they concern.

        The current ticket (same external id) is quoted again while nothing changed and it was
        never placed. A new ticket is made only when no earlier order of this side may still land,
        or after the user ticked :attr:`new_order_anyway`.
        """
        self._clear_errors()
        if self.busy:
            self._refuse("not quoted: a request is in flight")
            return None
        try:
            amount = self.parse_amount()
            customer = self.customer.value.strip() or None
            ticket = self.ticket if self._reusable(amount, customer) else self._new_ticket(amount, customer)
            if ticket is None:
                self._render()
                return None
            self.ticket = ticket
            self.result = None
            quote = ticket.quote()
            self.preview_data = ticket.preview()
        except MintedError as exc:
            self._show_exception(exc)
            self._render()
            return None
        self.confirm.value = False
        self.confirm_text.value = ""
        self.result_html.value = ""
        self._render()
        if self.live:
            self._ticker.start()
        return quote

    def _reusable(self, amount: int | Decimal, customer: str | None) -> bool:
        """Re-quote the same ticket (same external id) when nothing changed and it was never placed."""
        ticket = self.ticket
        return (
            ticket is not None
            and ticket.state in ("draft", "quoted", "not_placed")
            and ticket.items == {self.sku.value: amount}
            and ticket.currency == self.currency.value
            and ticket.customer_external_id == customer
        )

    def _new_ticket(self, amount: int | Decimal, customer: str | None) -> Ticket | None:
        """A ticket for a new order; None, with the question shown, while an earlier one may still land.

        The ticket's own :class:`UnsettledOrderWarning` is taken as the same question (an intent
        opened elsewhere in between), and kept out of the notebook once the user has answered it.
        """
        ledger = self._journal()
        self._refresh_unsettled(ledger)
        if self.unsettled and not self.new_order_anyway.value:
            self._ask_new_order()
            return None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnsettledOrderWarning)
            ticket = self.ticket_class(self.client, {self.sku.value: amount}, self.currency.value, customer, ledger)
        unsettled = [w for w in caught if issubclass(w.category, UnsettledOrderWarning)]
        self._show_warnings([w for w in caught if w not in unsettled])
        if unsettled and not self.new_order_anyway.value:
            self._refresh_unsettled(ledger)
            self._ask_new_order()
            return None
        self.asking_new_order = False
        self.new_order_anyway.value = False
        return ticket

    def submit_blocker(self) -> str | None:
        """Why submitting now is refused (no quote, expired, not confirmed, in flight...), or None."""
        ticket = self.ticket
        if self.busy:
            return "a request is in flight"
        if ticket is None or ticket.current_quote is None:
            return "quote first"
        if ticket.state == "placed":
            return (
                f"already placed as {ticket.result.order_code if ticket.result else '?'}: quote again for a new order"
            )
        if ticket.state == "unknown":
            return f"the outcome of {ticket.external_id} is unknown: Send again (safe) or Resolve it"
        if ticket.state == "conflict":
            return f"{ticket.external_id} belongs to another order at the API: quote again for a new order"
        if ticket.state != "quoted":
            return "quote again"
        if ticket.current_quote.is_expired():
            return "the quote expired: quote again"
        if not self.confirmed:
            if self.environment == "production":
                return f"type {self.environment} to confirm"
            return "tick the confirmation"
        return None

    @property
    def can_submit(self) -> bool:
        """True with a fresh quote, a confirmation, and nothing in flight."""
        return self.submit_blocker() is None

    def submit(self) -> OrderResult | None:
        """Send the order once; a concurrent or repeated click sends nothing and returns None."""
        with self._one_send() as free:
            if not free:
                return None
            blocker = self.submit_blocker()
            if blocker is not None:
                if self.ticket is not None and self.ticket.state == "unknown":
                    self.asking_new_order = True
                repeat = self.ticket is not None and self.ticket.state == "placed"
                self._refuse(f"not sent: {blocker}", quiet=repeat)
                return None
            ticket = self.ticket
            assert ticket is not None and ticket.current_quote is not None
            self._clear_errors()
            return self._send(ticket.current_quote.token, ticket.submit)

    @contextlib.contextmanager
    def _one_send(self) -> Iterator[bool]:
        """Whether this call may send (no submit or resend is under way); afterwards its outcome is shown."""
        if not self._submit_lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            self.busy = False
            self._submit_lock.release()
            self._after_submit()

    def resend_blocker(self) -> str | None:
        """Why Send again is refused now (nothing in doubt, a conflict, in flight, new prices unconfirmed), or None."""
        ticket = self.ticket
        if self.busy:
            return "a request is in flight"
        if ticket is None:
            return "nothing was sent yet"
        if ticket.state == "placed":
            return f"already placed as {ticket.result.order_code if ticket.result else '?'}"
        if ticket.state == "conflict":
            return f"{ticket.external_id} belongs to another order at the API: quote again for a new order"
        if not self._resendable(ticket):
            return "nothing to send again: quote, confirm and sell"
        quote = ticket.current_quote
        if quote is not None and not quote.is_expired() and quote.token != self._confirmed_token and not self.confirmed:
            if self.environment == "production":
                return f"new prices: type {self.environment} to confirm them"
            return "new prices: tick the confirmation"
        return None

    def _resendable(self, ticket: Ticket) -> bool:
        """Whether Send again makes sense: the outcome is unknown, or proven not placed after being unknown."""
        return ticket.state == "unknown" or (ticket.state == "not_placed" and ticket.external_id in self._doubted)

    def resend(self) -> OrderResult | None:
        """Send the ticket's request again (same body, same external id): the safe way out of ``unknown``.

        If an earlier attempt landed, the API refuses the duplicate and the ticket adopts that
        order; if none did, this attempt places it. Only ever at a price the user confirmed: when
        the quote has expired, this quotes again and shows the new preview instead of sending, and
        a confirmed click sends.
        """
        with self._one_send() as free:
            if not free:
                return None
            blocker = self.resend_blocker()
            if blocker is not None:
                self._refuse(f"not sent again: {blocker}")
                return None
            ticket = self.ticket
            assert ticket is not None
            self._clear_errors()
            quote = ticket.current_quote
            if quote is None or quote.is_expired():
                self._quote_for_resend(ticket)
                return None
            return self._send(quote.token, ticket.resend)

    def _quote_for_resend(self, ticket: Ticket) -> None:
        """Fix new prices for a resend whose quote expired, show them, and ask for a new confirmation."""
        try:
            ticket.quote()
            self.preview_data = ticket.preview()
        except MintedError as exc:
            self._show_exception(exc)
            return
        self.confirm.value = False
        self.confirm_text.value = ""
        then = "Send again" if ticket.state == "unknown" else self.verb
        self._refuse(
            f"the quote had expired, so nothing was sent: the new prices are shown above; "
            f"confirm them, then press {then}"
        )
        if ticket.state == "quoted" and self.live:
            self._ticker.start()

    def _send(self, token: str, attempt: Callable[[], OrderResult]) -> OrderResult | None:
        """Run one submit or resend at the prices the user confirmed (``token``), busy meanwhile, and
        keep its outcome; an unknown one is not an error."""
        self.busy = True
        self._confirmed_token = token
        self._not_found = None
        self._render()
        try:
            with self._warnings_shown():
                self.result = attempt()
            self.error = None
        except OutcomeUnknownError as exc:
            self.error = exc
        except MintedError as exc:
            self._show_exception(exc)
        return self.result

    def resolve(self) -> str | None:
        """Look orders up by external id: the form's ticket, and every earlier order of this side
        that may still land (so none stays unrecorded); returns the ticket's state."""
        self._clear_errors()
        ticket = self.ticket
        if ticket is not None:
            try:
                state = ticket.resolve()
            except MintedError as exc:
                self._show_exception(exc)
            else:
                if state == "placed":
                    self.result = ticket.result
                    self.error = None
                self._not_found = ticket.external_id if state == "unknown" else None
        for intent in self._earlier():
            try:
                self._journal().resolve(self.client, intent.external_id)
            except MintedError as exc:
                self._show_error("form", f"{intent.external_id}: {exc}")
        self._after_submit()
        return ticket.state if ticket is not None else None

    def _after_submit(self) -> None:
        """Mirror an attempt's outcome: stop the countdown, ask for a new confirmation, re-read what may still land."""
        ticket = self.ticket
        if ticket is not None and ticket.state in ("placed", "not_placed", "unknown", "conflict"):
            self._ticker.stop()
            self.confirm.value = False
            self.confirm_text.value = ""
            if ticket.state == "unknown":
                self._doubted.add(ticket.external_id)
        try:
            self._refresh_unsettled()
        except MintedError as exc:
            self._show_exception(exc)
        self.result_html.value = self.result_text_html()
        self._render()

    # -- earlier orders that may still land ---------------------------------------------------

    def _refresh_unsettled(self, ledger: Ledger | None = None) -> None:
        """Read from the ledger the orders of this side whose outcome is unknown (this form's or not)."""
        journal = ledger if ledger is not None else self._journal()
        self.unsettled = [i for i in journal.open_intents() if i.side == self.ticket_class.side]
        if not self.unsettled:
            self.asking_new_order = False
            self.new_order_anyway.value = False

    def _ask_new_order(self) -> None:
        """Refuse to start a new order silently: show the warning and the explicit choice."""
        self.asking_new_order = True
        self.notice = self.unsettled_text()

    # -- the countdown -----------------------------------------------------------------------

    def tick(self) -> bool:
        """Refresh the countdown and the submit button; False (and the refresher stops) once no quote is live."""
        self._render()
        left = self.seconds_left()
        live = left is not None and left > 0
        if not live:
            self._ticker.stop()
        return live

    @property
    def countdown_running(self) -> bool:
        """Whether the background refresher of the countdown runs."""
        return self._ticker.running

    def _tickers(self) -> list[Ticker]:
        return [self._ticker]

    # -- rendering ---------------------------------------------------------------------------

    def _input_changed(self, name: str) -> None:
        """An edited input makes the current quote stale: drop it (never an unsettled ticket)."""
        self.errors[name].value = ""
        self.field_errors.pop(name, None)
        if self.ticket is not None and self.ticket.state in ("draft", "quoted", "not_placed"):
            self.ticket = None
            self.preview_data = None
            self._ticker.stop()
        self._render()

    def _refuse(self, text: str, *, quiet: bool = False) -> None:
        """Say why nothing was done, as a warning next to the buttons (``quiet``: keep it in ``notice`` only)."""
        self.notice = text
        self.errors["form"].value = "" if quiet else message_html(text, "warn")
        self._render()

    def _render(self) -> None:
        """Mirror the state into the widgets: preview, countdown, buttons, the unsettled warning."""
        self.preview.value = self.preview_html()
        self.countdown.value = message_html(
            self.countdown_text(), "warn" if (self.seconds_left() or 0) <= 30 else "info"
        )
        self.submit_button.disabled = not self.can_submit
        self.quote_button.disabled = self.busy
        ticket = self.ticket
        resendable = ticket is not None and self._resendable(ticket)
        set_visible(self.resend_button, resendable)
        self.resend_button.disabled = not resendable or self.resend_blocker() is not None
        resolvable = (ticket is not None and ticket.state == "unknown") or bool(self._earlier())
        set_visible(self.resolve_button, resolvable)
        self.resolve_button.disabled = self.busy or not resolvable
        self.unsettled_html.value = message_html(self.unsettled_text(), "warn")
        asking = self.asking_new_order and bool(self.unsettled)
        self.new_order_anyway.description = self.new_order_text() if asking else ""
        set_visible(self.new_order_anyway, asking)


class SellForm(TicketForm):
    """Sell whole grams at a locked quote; Sell is enabled only with a fresh quote and a confirmation."""

    ticket_class = SellTicket
    verb = "Sell"

    @property
    def sell_button(self) -> widgets.Button:
        """The Sell button (``submit_button``)."""
        return self.submit_button

    def sell(self) -> OrderResult | None:
        """Send the sell once (``submit``)."""
        return self.submit()


class BuyForm(TicketForm):
    """Buy grams (up to 4 decimals) at a locked quote, with the same checks as the SellForm."""

    ticket_class = BuyTicket
    verb = "Buy"

    @property
    def buy_button(self) -> widgets.Button:
        """The Buy button (``submit_button``)."""
        return self.submit_button

    def buy(self) -> OrderResult | None:
        """Send the buy once (``submit``)."""
        return self.submit()
