"""SellForm (and BuyForm): a thin view over a trading ticket: quote → preview → confirm → submit once.

    form = SellForm(client, ledger)
    form.amount.value = "250"
    form.quote()                  # or form.quote_button.click()
    form.confirm.value = True     # in production: form.confirm_text.value = "production"
    form.sell()                   # or form.sell_button.click(); a second click sends nothing

Every outcome lives in plain attributes (``ticket``, ``preview_data``, ``result``, ``error``,
``field_errors``) and is mirrored into the widgets, so a test reads either.
"""

from __future__ import annotations

import html
import threading
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

import ipywidgets as widgets

from minted_lab._validate import CURRENCIES
from minted_lab.errors import APIError, MintedError, OutcomeUnknownError, QuoteExpiredError, ValidationError
from minted_lab.ledger import Ledger
from minted_lab.models import OrderResult, Quote
from minted_lab.trading import BuyTicket, Preview, SellTicket, Ticket
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
MAX_GRAMS = 10**9


class TicketForm(View):
    """The shared form: SKU, grams (text parsed to Decimal), currency, optional customer, quote, confirm, submit."""

    ticket_class: ClassVar[type[Ticket]]
    verb: ClassVar[str]

    def __init__(self, client: MintedClient, ledger: Ledger | None = None, *, sku: str = "GAG",
                 currency: str = "GBP", live: bool = True, tick_seconds: float = 1.0) -> None:
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
        self._submit_lock = threading.Lock()
        self._ticker = Ticker(tick_seconds, self.tick, f"{self.verb}-countdown")
        side = self.verb.lower()

        self.badge = environment_badge(self.environment, client.base_url)
        self.sku = widgets.Dropdown(options=[(f"{SKU_NAMES[s]} ({s})", s) for s in FORM_SKUS], value=sku,
                                    description="Metal", style=LABEL)
        self.amount = widgets.Text(value="", placeholder="whole grams" if self.ticket_class.whole_grams else "grams",
                                   description="Grams", style=LABEL)
        self.currency = widgets.Dropdown(options=list(CURRENCIES), value=currency, description="Currency",
                                         style=LABEL)
        self.customer = widgets.Text(value="", placeholder="optional external id", description="Customer",
                                     style=LABEL)
        self.errors: dict[str, widgets.HTML] = {name: widgets.HTML("") for name in FIELDS}
        self.quote_button = widgets.Button(description="Quote", icon="lock", button_style="info")
        self.countdown = widgets.HTML("")
        self.preview = widgets.HTML("")
        self.confirm = widgets.Checkbox(value=False, description=f"I confirm this {side}", indent=False)
        self.confirm_text = widgets.Text(value="", placeholder=f"type {self.environment} to confirm",
                                         description="Confirm", style=LABEL)
        self.submit_button = widgets.Button(description=self.verb, icon="check", button_style="danger",
                                            disabled=True)
        self.resolve_button = widgets.Button(description="Resolve", icon="search", button_style="warning")
        self.result_html = widgets.HTML("")

        for widget, css in ((self.sku, "ml-sku"), (self.amount, "ml-amount"), (self.currency, "ml-currency"),
                            (self.customer, "ml-customer"), (self.quote_button, "ml-quote-button"),
                            (self.countdown, "ml-countdown"), (self.preview, "ml-preview"),
                            (self.confirm, "ml-confirm"), (self.confirm_text, "ml-confirm-text"),
                            (self.submit_button, f"ml-{side}-button"), (self.submit_button, "ml-submit-button"),
                            (self.resolve_button, "ml-resolve-button"), (self.result_html, "ml-result")):
            widget.add_class(css)
        for name, label in self.errors.items():
            label.add_class(f"ml-{name}-error")
            label.add_class("ml-field-error")
        production = self.environment == "production"
        set_visible(self.confirm, not production)
        set_visible(self.confirm_text, production)
        set_visible(self.resolve_button, False)

        def field(name: str, widget: widgets.Widget) -> widgets.VBox:
            return widgets.VBox([widget, self.errors[name]], layout=widgets.Layout(width="340px"))

        self.root = widgets.VBox([
            widgets.HBox([self.badge, widgets.HTML(f"<b>{self.verb} digital metal</b>")],
                         layout=widgets.Layout(justify_content="space-between", width="680px")),
            widgets.HBox([field("sku", self.sku), field("amount", self.amount)]),
            widgets.HBox([field("currency", self.currency), field("customer", self.customer)]),
            widgets.HBox([self.quote_button, self.countdown], layout=widgets.Layout(align_items="center")),
            self.preview,
            widgets.HBox([self.confirm, self.confirm_text]),
            widgets.HBox([self.submit_button, self.resolve_button]),
            self.errors["form"],
            self.result_html,
        ], layout=widgets.Layout(padding="6px", border="1px solid #ccc", width="700px"))
        self.root.add_class("ml-ticket-form")
        self.root.add_class(f"ml-{side}-form")

        self.quote_button.on_click(lambda _: self.quote())
        self.submit_button.on_click(lambda _: self.submit())
        self.resolve_button.on_click(lambda _: self.resolve())
        for name, widget in (("sku", self.sku), ("amount", self.amount), ("currency", self.currency),
                             ("customer", self.customer)):
            widget.observe(lambda _change, name=name: self._input_changed(name), names="value")
        self.confirm.observe(lambda _: self._render(), names="value")
        self.confirm_text.observe(lambda _: self._render(), names="value")

    # -- reading the inputs -------------------------------------------------------------------

    def parse_amount(self) -> Decimal:
        """The grams typed, as a Decimal (never a float); ValidationError on field ``amount`` otherwise."""
        text = self.amount.value.strip().replace("_", "")
        if not text:
            raise ValidationError("amount", "an amount in grams")
        try:
            grams = Decimal(text)
        except InvalidOperation:
            raise ValidationError("amount", "a number of grams", self.amount.value) from None
        if not grams.is_finite() or grams <= 0:
            raise ValidationError("amount", "a positive number of grams", self.amount.value)
        if grams >= MAX_GRAMS:
            raise ValidationError("amount", f"less than {MAX_GRAMS:,} grams", self.amount.value)
        if self.ticket_class.whole_grams and grams != grams.to_integral_value():
            raise ValidationError("amount", "a whole number of grams (sells are in whole grams)", self.amount.value)
        return grams

    @property
    def confirmed(self) -> bool:
        """The box is ticked, or in production the environment's name is typed."""
        if self.environment == "production":
            return self.confirm_text.value.strip().lower() == self.environment
        return bool(self.confirm.value)

    # -- actions -----------------------------------------------------------------------------

    def quote(self) -> Quote | None:
        """Lock prices for the inputs and show the preview; errors go under the input they concern."""
        self._clear_errors()
        if self.ticket is not None and self.ticket.state in ("unknown", "submitting"):
            self._show_error("form", f"{self.ticket.external_id} is {self.ticket.state}: resolve it before a new quote")
            return None
        try:
            grams = self.parse_amount()
            customer = self.customer.value.strip() or None
            amount: int | Decimal = int(grams) if grams == grams.to_integral_value() else grams
            ticket = self.ticket if self._reusable(amount, customer) else None
            if ticket is None:
                ticket = self.ticket_class(self.client, {self.sku.value: amount}, self.currency.value, customer,
                                           self.ledger)
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
        return (ticket is not None and ticket.state in ("draft", "quoted", "not_placed")
                and ticket.items == {self.sku.value: amount} and ticket.currency == self.currency.value
                and ticket.customer_external_id == customer)

    def submit_blocker(self) -> str | None:
        """Why submitting now is refused (no quote, expired, not confirmed, in flight...), or None."""
        ticket = self.ticket
        if self.busy:
            return "a request is in flight"
        if ticket is None or ticket.current_quote is None:
            return "quote first"
        if ticket.state == "placed":
            return f"already placed as {ticket.result.order_code if ticket.result else '?'}: quote again for a new order"
        if ticket.state == "unknown":
            return "the outcome is unknown: resolve it first"
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
                self.notice = f"not sent: {blocker}"
                repeat = self.ticket is not None and self.ticket.state == "placed"
                self.errors["form"].value = "" if repeat else message_html(self.notice, "warn")
                self._render()
                return None
            assert self.ticket is not None
            self._clear_errors()
            self.busy = True
            self._render()
            try:
                self.result = self.ticket.submit()
                self.error = None
            except OutcomeUnknownError as exc:
                self.error = exc
            except MintedError as exc:
                self._show_exception(exc)
            return self.result
        finally:
            self.busy = False
            self._submit_lock.release()
            self._after_submit()

    def resolve(self) -> str | None:
        """Settle an unknown outcome by looking the order up by its external id; returns the ticket's state."""
        if self.ticket is None:
            return None
        self._clear_errors()
        try:
            state = self.ticket.resolve()
        except MintedError as exc:
            self._show_exception(exc)
            self._render()
            return self.ticket.state
        if state == "placed":
            self.result = self.ticket.result
            self.error = None
        self._after_submit()
        return state

    def _after_submit(self) -> None:
        if self.ticket is not None and self.ticket.state in ("placed", "not_placed", "unknown"):
            self._ticker.stop()
            self.confirm.value = False
            self.confirm_text.value = ""
        self.result_html.value = self.result_text_html()
        self._render()

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

    def _show_error(self, field: str, text: str) -> None:
        self.field_errors[field] = text
        self.errors[field].value = message_html(text, "error")

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
                target = field_of(name)
                text = f"{name}: {'; '.join(map(str, reasons))}"
                previous = self.field_errors.get(target)
                self._show_error(target, f"{previous}; {text}" if previous else text)
        else:
            self._show_error("form", str(exc))

    def _render(self) -> None:
        """Mirror the state into the widgets: preview, countdown, buttons."""
        self.preview.value = self.preview_html()
        self.countdown.value = message_html(self.countdown_text(), "warn" if (self.seconds_left() or 0) <= 30 else "info")
        self.submit_button.disabled = not self.can_submit
        self.quote_button.disabled = self.busy
        state = self.ticket.state if self.ticket is not None else None
        set_visible(self.resolve_button, state == "unknown")
        self.resolve_button.disabled = self.busy or state != "unknown"

    def preview_html(self) -> str:
        """The preview as a small table: per SKU price per gram, spot, spread over spot, grams, total."""
        preview = self.preview_data
        if preview is None or self.ticket is None or self.ticket.state == "draft":
            return ""
        price = f"{preview.side} price / g"
        rows = [(f"{SKU_NAMES.get(l.sku, l.sku)} ({l.sku})", l.price, l.spot_price, signed(l.spread),
                 percent(l.spread_pct), l.amount, l.total) for l in preview.lines]
        foot = ("Total", "", "", "", "", "", f"{preview.total} {preview.currency}")
        who = f" for customer {html.escape(preview.customer_external_id)}" if preview.customer_external_id else ""
        head = (f'<div style="color:#555">{html.escape(preview.side.capitalize())} '
                f'<code>{html.escape(preview.external_id)}</code>{who}, prices in {html.escape(preview.currency)}</div>')
        return head + html_table(("metal", price, "spot / g", "spread / g", "spread", "grams", "total"), rows,
                                 foot=foot, css="ml-preview-table")

    def result_text(self) -> str:
        """The outcome in words: the placed order, an unknown outcome, or nothing yet."""
        ticket = self.ticket
        if ticket is None:
            return ""
        if ticket.state == "placed" and ticket.result is not None:
            result = ticket.result
            status = result.orders[0].status_name if result.orders else None
            return (f"placed order {result.order_code}" + (f", {status}" if status else "")
                    + f", total {money(result.total)} {ticket.currency}")
        if ticket.state == "unknown":
            return (f"outcome unknown for {ticket.external_id}: the request may have reached the API. "
                    "Resolve looks the order up by its external id.")
        if ticket.state == "not_placed" and self.error is not None:
            return f"not placed ({ticket.external_id}): quote again to retry with the same external id"
        return ""

    def result_text_html(self) -> str:
        """:meth:`result_text` styled, the order code in a ``ml-order-code`` span for the browser."""
        ticket = self.ticket
        if ticket is None:
            return ""
        if ticket.state == "placed" and ticket.result is not None:
            result = ticket.result
            status = result.orders[0].status_name if result.orders else None
            return ('<div class="ml-placed" style="color:#1b7f3b">&#10004; Placed order '
                    f'<b class="ml-order-code">{html.escape(result.order_code or "")}</b>'
                    + (f', status <span class="ml-order-status">{html.escape(status)}</span>' if status else "")
                    + f', total <span class="ml-order-total">{html.escape(money(result.total))} '
                    f'{html.escape(ticket.currency)}</span>'
                    f' <span style="color:#555">({html.escape(ticket.external_id)})</span></div>')
        kind = "warn" if ticket.state == "unknown" else "error"
        text = self.result_text()
        return f'<div class="ml-outcome-{ticket.state}">{message_html(text, kind)}</div>' if text else ""

    def __repr__(self) -> str:
        state = self.ticket.state if self.ticket is not None else "empty"
        left = self.countdown_text()
        return (f"<{type(self).__name__} {self.environment} {self.amount.value or '?'} g {self.sku.value} "
                f"{self.currency.value} [{state}{', ' + left if left else ''}]>")


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
