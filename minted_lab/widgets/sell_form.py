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
"""

from __future__ import annotations

import contextlib
import html
import threading
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import ipywidgets as widgets

from minted_lab import validate
from minted_lab.errors import APIError, MintedError, OutcomeUnknownError, QuoteExpiredError, ValidationError
from minted_lab.ledger import Intent, Ledger, shared_ledger
from minted_lab.models import OrderResult, Quote
from minted_lab.trading import BuyTicket, Preview, SellTicket, Ticket, UnsettledOrderWarning
from minted_lab.validate import CURRENCIES
from minted_lab.widgets._common import (
    SKU_NAMES,
    Ticker,
    View,
    environment_badge,
    field_of,
    html_table,
    message_html,
    money,
    percent,
    set_visible,
    signed,
)

if TYPE_CHECKING:
    from minted_lab.client import MintedClient

__all__ = ["BuyForm", "SellForm", "TicketForm"]

FORM_SKUS: tuple[str, ...] = ("GAU", "GAG", "GPT", "GPD")
FIELDS: tuple[str, ...] = ("sku", "amount", "currency", "customer", "form")
LABEL = {"description_width": "80px"}
SHOWN_WARNINGS: tuple[type[Warning], ...] = (RuntimeWarning, UserWarning)
"""Warnings an action raises that the form shows next to the buttons (the trading core's own kinds)."""


def grams_text(intent: Intent) -> str:
    """An intent's items as people read them: ``5 g GAG``, several joined by ``", "``."""
    return ", ".join(f"{amount} g {sku}" for sku, amount in sorted(intent.items.items()))


class TicketForm(View):
    """The shared form: SKU, grams, currency, optional customer, quote, confirm, submit, send again, resolve."""

    ticket_class: ClassVar[type[Ticket]]
    verb: ClassVar[str]

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
        self.environment: str = client.environment
        self.live = live
        self.ticket: Ticket | None = None
        self.preview_data: Preview | None = None
        self.result: OrderResult | None = None
        self.error: BaseException | None = None
        self.field_errors: dict[str, str] = {}
        self.busy = False
        self.notice = ""
        self.unsettled: list[Intent] = []
        self.asking_new_order = False
        self._doubted: set[str] = set()
        self._not_found: str | None = None
        self._confirmed_token: str | None = None
        self._submit_lock = threading.Lock()
        self._ticker = Ticker(tick_seconds, self.tick, f"{self.verb}-countdown")
        side = self.verb.lower()

        self.badge = environment_badge(self.environment, client.base_url)
        self.sku = widgets.Dropdown(
            options=[(f"{SKU_NAMES[s]} ({s})", s) for s in FORM_SKUS], value=sku, description="Metal", style=LABEL
        )
        self.amount = widgets.Text(
            value="",
            placeholder="whole grams" if self.ticket_class.whole_grams else "grams",
            description="Grams",
            style=LABEL,
        )
        self.currency = widgets.Dropdown(options=list(CURRENCIES), value=currency, description="Currency", style=LABEL)
        self.customer = widgets.Text(value="", placeholder="optional external id", description="Customer", style=LABEL)
        self.errors: dict[str, widgets.HTML] = {name: widgets.HTML("") for name in FIELDS}
        self.quote_button = widgets.Button(description="Quote", icon="lock", button_style="info")
        self.countdown = widgets.HTML("")
        self.preview = widgets.HTML("")
        self.confirm = widgets.Checkbox(value=False, description=f"I confirm this {side}", indent=False)
        self.confirm_text = widgets.Text(
            value="", placeholder=f"type {self.environment} to confirm", description="Confirm", style=LABEL
        )
        self.submit_button = widgets.Button(description=self.verb, icon="check", button_style="danger", disabled=True)
        self.resend_button = widgets.Button(
            description="Send again",
            icon="repeat",
            button_style="warning",
            tooltip="send the same request again (same external id): the API never places it twice",
        )
        self.resolve_button = widgets.Button(description="Resolve", icon="search", button_style="warning")
        self.unsettled_html = widgets.HTML("")
        self.new_order_anyway = widgets.Checkbox(
            value=False, description="", indent=False, layout=widgets.Layout(width="auto")
        )
        self.result_html = widgets.HTML("")

        for widget, css in (
            (self.sku, "ml-sku"),
            (self.amount, "ml-amount"),
            (self.currency, "ml-currency"),
            (self.customer, "ml-customer"),
            (self.quote_button, "ml-quote-button"),
            (self.countdown, "ml-countdown"),
            (self.preview, "ml-preview"),
            (self.confirm, "ml-confirm"),
            (self.confirm_text, "ml-confirm-text"),
            (self.submit_button, f"ml-{side}-button"),
            (self.submit_button, "ml-submit-button"),
            (self.resend_button, "ml-resend-button"),
            (self.resolve_button, "ml-resolve-button"),
            (self.unsettled_html, "ml-unsettled"),
            (self.new_order_anyway, "ml-new-order-anyway"),
            (self.result_html, "ml-result"),
        ):
            widget.add_class(css)
        for name, label in self.errors.items():
            label.add_class(f"ml-{name}-error")
            label.add_class("ml-field-error")
        production = self.environment == "production"
        set_visible(self.confirm, not production)
        set_visible(self.confirm_text, production)
        set_visible(self.resend_button, False)
        set_visible(self.resolve_button, False)
        set_visible(self.new_order_anyway, False)

        def field(name: str, widget: widgets.Widget) -> widgets.VBox:
            return widgets.VBox([widget, self.errors[name]], layout=widgets.Layout(width="340px"))

        self.root = widgets.VBox(
            [
                widgets.HBox(
                    [self.badge, widgets.HTML(f"<b>{self.verb} digital metal</b>")],
                    layout=widgets.Layout(justify_content="space-between", width="680px"),
                ),
                widgets.HBox([field("sku", self.sku), field("amount", self.amount)]),
                widgets.HBox([field("currency", self.currency), field("customer", self.customer)]),
                widgets.HBox([self.quote_button, self.countdown], layout=widgets.Layout(align_items="center")),
                self.preview,
                widgets.HBox([self.confirm, self.confirm_text]),
                widgets.HBox([self.submit_button, self.resend_button, self.resolve_button]),
                self.unsettled_html,
                self.new_order_anyway,
                self.errors["form"],
                self.result_html,
            ],
            layout=widgets.Layout(padding="6px", border="1px solid #ccc", width="700px"),
        )
        self.root.add_class("ml-ticket-form")
        self.root.add_class(f"ml-{side}-form")

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

    def _clicked(self, action: Callable[[], object]) -> Callable[[widgets.Button], None]:
        """A click handler that shows an unexpected failure next to the buttons, then lets it through.

        ipywidgets only logs what a handler raises, which in Voilà nobody sees.
        """

        def handler(_button: widgets.Button) -> None:
            try:
                action()
            except Exception as exc:
                self._show_error("form", f"unexpected error: {type(exc).__name__}: {exc}")
                raise

        return handler

    # -- reading the inputs -------------------------------------------------------------------

    def parse_amount(self) -> int | Decimal:
        """The grams typed, read by the ticket's own parser (:func:`minted_lab.validate.amount`).

        ASCII digits and at most one ``.`` (no ``1_0``, ``1e3`` or non-ASCII digits), positive,
        within the validator's bound, whole on a sell: what the user sees is what is sent. An int
        or a Decimal, never a float; ValidationError on field ``amount`` otherwise.
        """
        if not self.amount.value.strip():
            raise ValidationError("amount", "an amount in grams")
        return validate.amount(self.amount.value, "amount", whole=self.ticket_class.whole_grams)

    @property
    def confirmed(self) -> bool:
        """The box is ticked, or in production the environment's name is typed."""
        if self.environment == "production":
            return self.confirm_text.value.strip().lower() == self.environment
        return bool(self.confirm.value)

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
        if not self._submit_lock.acquire(blocking=False):
            return None
        try:
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
            self.busy = True
            self._confirmed_token = ticket.current_quote.token
            self._not_found = None
            self._render()
            self._send(ticket.submit)
            return self.result
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
        if not self._submit_lock.acquire(blocking=False):
            return None
        try:
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
            self.busy = True
            self._confirmed_token = quote.token
            self._not_found = None
            self._render()
            self._send(ticket.resend)
            return self.result
        finally:
            self.busy = False
            self._submit_lock.release()
            self._after_submit()

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

    def _send(self, attempt: Callable[[], OrderResult]) -> None:
        """Run one submit or resend of the ticket and keep its outcome; an unknown one is not an error."""
        try:
            with self._warnings_shown():
                self.result = attempt()
            self.error = None
        except OutcomeUnknownError as exc:
            self.error = exc
        except MintedError as exc:
            self._show_exception(exc)

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

    def _earlier(self) -> list[Intent]:
        """The unsettled orders other than the form's current ticket."""
        current = self.ticket.external_id if self.ticket is not None else None
        return [i for i in self.unsettled if i.external_id != current]

    def _earlier_words(self, intents: list[Intent]) -> str:
        side = self.ticket_class.side
        if len(intents) == 1:
            return f"the earlier {grams_text(intents[0])} {side}"
        return f"earlier {side}s ({'; '.join(grams_text(i) for i in intents)})"

    def _may_land_for(self, intents: list[Intent]) -> float:
        now, window = self.client.now(), self.client.settle_window
        return max((i.may_land_for(now, window) for i in intents), default=0.0)

    def unsettled_text(self) -> str:
        """The warning beside the buttons: earlier orders of this side that may still land, and the ways out."""
        intents = self.unsettled if self.asking_new_order else self._earlier()
        if not intents:
            return ""
        side = self.ticket_class.side
        left = self._may_land_for(intents)
        when = f" for {left:.0f} s" if left > 0 else ""
        if len(intents) == 1:
            earlier = f"the earlier {grams_text(intents[0])} {side} ({intents[0].external_id})"
        else:
            earlier = f"earlier {side}s ({'; '.join(f'{grams_text(i)}: {i.external_id}' for i in intents)})"
        if not self.asking_new_order:
            return f"{earlier[0].upper()}{earlier[1:]} may still land{when}: Resolve looks it up."
        mine = self.ticket is not None and any(i.external_id == self.ticket.external_id for i in intents)
        ways = (
            "Send again finishes it safely (the API never places the same external id twice), Resolve looks it up"
            if mine
            else "Resolve looks it up"
        )
        return (
            f"No new {side} started: {earlier} may still land{when}. {ways}; "
            f"or tick the box below to {side} {self._typed()} as a NEW order as well."
        )

    def new_order_text(self) -> str:
        """The explicit choice's label: ``Sell 6 g GAG as a NEW order (the earlier 5 g GAG sell may still land)``."""
        return f"{self.verb} {self._typed()} as a NEW order ({self._earlier_words(self.unsettled)} may still land)"

    def _typed(self) -> str:
        return f"{self.amount.value.strip() or '?'} g {self.sku.value}"

    # -- the countdown -----------------------------------------------------------------------

    def seconds_left(self) -> int | None:
        """Whole seconds the quote has left (None without a live quote)."""
        ticket = self.ticket
        if ticket is None or ticket.current_quote is None or ticket.state != "quoted":
            return None
        return max(0, int(ticket.current_quote.seconds_left()))

    def countdown_text(self) -> str:
        """The countdown label computed from the ticket: ``quote valid for 3:58 (238 s)``, ``quote expired``..."""
        left = self.seconds_left()
        if left is None:
            return ""
        if left <= 0:
            return "quote expired: quote again"
        return f"quote valid for {left // 60}:{left % 60:02d} ({left} s)"

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

    def _clear_errors(self) -> None:
        self.field_errors.clear()
        self.notice = ""
        for label in self.errors.values():
            label.value = ""

    def _refuse(self, text: str, *, quiet: bool = False) -> None:
        """Say why nothing was done, as a warning next to the buttons (``quiet``: keep it in ``notice`` only)."""
        self.notice = text
        self.errors["form"].value = "" if quiet else message_html(text, "warn")
        self._render()

    def _show_error(self, field: str, text: str) -> None:
        """Show an error under an input (or the form's slot), after any already shown there."""
        previous = self.field_errors.get(field)
        self.field_errors[field] = f"{previous}; {text}" if previous else text
        self.errors[field].value = message_html(self.field_errors[field], "error")

    def _show_exception(self, exc: MintedError) -> None:
        """An error under the input it names (ValidationError field, a 422's field errors), else under the form."""
        self.error = exc
        if isinstance(exc, ValidationError):
            got = "" if exc.value is ... else f" (got {exc.value!r})"
            self._show_error(field_of(exc.field), f"{exc.expected}{got}")
        elif isinstance(exc, QuoteExpiredError):
            self._show_error("form", f"the quote expired or was used; nothing was sent: quote again ({exc})")
        elif isinstance(exc, APIError) and exc.errors:
            for name, reasons in exc.errors.items():
                self._show_error(field_of(name), f"{name}: {'; '.join(map(str, reasons))}")
        else:
            self._show_error("form", str(exc))

    @contextlib.contextmanager
    def _warnings_shown(self) -> Iterator[None]:
        """Show next to the buttons what the trading core warns about during an action (say, an
        order placed that the ledger could not record); other warnings go on as usual."""
        recorded: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                for category in SHOWN_WARNINGS:
                    warnings.simplefilter("always", category)
                recorded = caught
                yield
        finally:
            self._show_warnings(recorded)

    def _show_warnings(self, caught: list[warnings.WarningMessage]) -> None:
        for warning in caught:
            if issubclass(warning.category, SHOWN_WARNINGS):
                self._show_error("form", str(warning.message))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)

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

    def preview_html(self) -> str:
        """The preview as a small table: per SKU price per gram, spot, spread over spot, grams, total."""
        preview = self.preview_data
        if preview is None or self.ticket is None or self.ticket.state == "draft":
            return ""
        price = f"{preview.side} price / g"
        rows = [
            (
                f"{SKU_NAMES.get(l.sku, l.sku)} ({l.sku})",
                l.price,
                l.spot_price,
                signed(l.spread),
                percent(l.spread_pct),
                l.amount,
                l.total,
            )
            for l in preview.lines
        ]
        foot = ("Total", "", "", "", "", "", f"{preview.total} {preview.currency}")
        who = f" for customer {html.escape(preview.customer_external_id)}" if preview.customer_external_id else ""
        head = (
            f'<div style="color:#555">{html.escape(preview.side.capitalize())} '
            f"<code>{html.escape(preview.external_id)}</code>{who}, prices in {html.escape(preview.currency)}</div>"
        )
        return head + html_table(
            ("metal", price, "spot / g", "spread / g", "spread", "grams", "total"),
            rows,
            foot=foot,
            css="ml-preview-table",
        )

    def result_text(self) -> str:
        """The outcome in words: placed, unknown (not found yet and for how long it may still land),
        not placed, a conflict, or nothing yet."""
        ticket = self.ticket
        if ticket is None:
            return ""
        eid = ticket.external_id
        if ticket.state == "placed" and ticket.result is not None:
            result = ticket.result
            status = result.orders[0].status_name if result.orders else None
            return (
                f"placed order {result.order_code}"
                + (f", {status}" if status else "")
                + f", total {money(result.total)} {ticket.currency}"
            )
        if ticket.state == "unknown":
            if self._not_found != eid:
                return (
                    f"outcome unknown for {eid}: the request may have reached the API. Send again sends "
                    "the same request safely; Resolve looks the order up by its external id."
                )
            left = ticket.may_land_for()
            when = (
                f"it may still land for {left:.0f} s"
                if left > 0
                else "the settle window has passed: Resolve settles it"
            )
            return (
                f"not found yet; {when} ({eid}). Send again sends the same request safely: the API "
                "refuses a second order with this external id. Resolve looks again."
            )
        if ticket.state == "not_placed":
            if eid in self._doubted:
                return (
                    f"not placed ({eid}): the API has no order with this external id and the settle window "
                    "has passed. Send again (or quote again) to retry with the same external id"
                )
            return f"not placed ({eid}): quote again to retry with the same external id"
        if ticket.state == "conflict":
            return (
                f"conflict ({eid}): this external id belongs to another order at the API; this "
                f"{ticket.side} was never placed. Quote again for a new order"
            )
        return ""

    def result_text_html(self) -> str:
        """:meth:`result_text` styled, the order code in a ``ml-order-code`` span for the browser."""
        ticket = self.ticket
        if ticket is None:
            return ""
        if ticket.state == "placed" and ticket.result is not None:
            result = ticket.result
            status = result.orders[0].status_name if result.orders else None
            return (
                '<div class="ml-placed" style="color:#1b7f3b">&#10004; Placed order '
                f'<b class="ml-order-code">{html.escape(result.order_code or "")}</b>'
                + (f', status <span class="ml-order-status">{html.escape(status)}</span>' if status else "")
                + f', total <span class="ml-order-total">{html.escape(money(result.total))} '
                f"{html.escape(ticket.currency)}</span>"
                f' <span style="color:#555">({html.escape(ticket.external_id)})</span></div>'
            )
        kind = "warn" if ticket.state == "unknown" else "error"
        text = self.result_text()
        return f'<div class="ml-outcome-{ticket.state}">{message_html(text, kind)}</div>' if text else ""

    def __repr__(self) -> str:
        state = self.ticket.state if self.ticket is not None else "empty"
        left = self.countdown_text()
        return (
            f"<{type(self).__name__} {self.environment} {self.amount.value or '?'} g {self.sku.value} "
            f"{self.currency.value} [{state}{', ' + left if left else ''}]>"
        )


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
