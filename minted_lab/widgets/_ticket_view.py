"""The ticket form's view: its widgets and their layout (with the CSS classes the tests and the
browser find them by), and what they say: errors under the inputs, warnings next to the buttons,
the countdown, the preview and the outcome. What the form does is in ``sell_form``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import ipywidgets as widgets

from minted_lab import validate
from minted_lab.catalog import CURRENCIES, FORM_SKUS
from minted_lab.errors import MintedError, ValidationError
from minted_lab.ledger import Intent
from minted_lab.trading import Preview, Ticket
from minted_lab.widgets._common import View, message_html, sku_options
from minted_lab.widgets._ticket_text import (
    Outcome,
    error_messages,
    new_order_label,
    outcome_html,
    outcome_of,
    outcome_text,
    preview_html,
    unsettled_warning,
)
from minted_lab.widgets._view import (
    button,
    environment_badge,
    error_slot,
    field,
    framed,
    row,
    set_visible,
    slot,
    styled,
)

if TYPE_CHECKING:
    from minted_lab.client import MintedClient

__all__ = ["FIELDS", "TicketView"]

FIELDS: tuple[str, ...] = ("sku", "amount", "currency", "customer", "form")
"""The error slots: one under each input, and ``form`` next to the buttons for everything else."""
LABEL = {"description_width": "80px"}
RESEND_TIP = "send the same request again (same external id): the API never places it twice"
SHOWN_WARNINGS: tuple[type[Warning], ...] = (RuntimeWarning, UserWarning)
"""Warnings an action raises that the form shows next to the buttons (the trading core's own kinds)."""


class TicketView(View):
    """The form's widgets, made and laid out once by :meth:`_build_view`, and the texts they show;
    the form (:class:`~minted_lab.widgets.sell_form.TicketForm`) keeps the state read here and drives them."""

    ticket_class: ClassVar[type[Ticket]]
    verb: ClassVar[str]

    # The form's state that the view shows (set by TicketForm.__init__, changed by its actions).
    client: MintedClient
    environment: str
    ticket: Ticket | None
    preview_data: Preview | None
    unsettled: list[Intent]
    asking_new_order: bool
    error: BaseException | None
    field_errors: dict[str, str]
    notice: str
    _not_found: str | None
    _doubted: set[str]

    def _build_view(self, environment: str, base_url: str, *, sku: str, currency: str) -> None:
        """Make every widget of the form and put them in ``root`` (badge first, result last)."""
        side = self.verb.lower()
        self.badge = environment_badge(environment, base_url)
        self._build_inputs(sku, currency)
        self._build_actions(environment, side)
        production = environment == "production"
        set_visible(self.confirm, not production)
        set_visible(self.confirm_text, production)
        for hidden in (self.resend_button, self.resolve_button, self.new_order_anyway):
            set_visible(hidden, False)
        self.root = framed(self.badge, f"{self.verb} digital metal", self._rows(), "ml-ticket-form", f"ml-{side}-form")

    def _build_inputs(self, sku: str, currency: str) -> None:
        """The inputs (metal, grams, currency, customer) and an error slot for each, plus ``form``'s."""
        grams = "whole grams" if self.ticket_class.whole_grams else "grams"
        self.sku = styled(
            widgets.Dropdown(options=sku_options(FORM_SKUS), value=sku, description="Metal", style=LABEL), "ml-sku"
        )
        self.amount = styled(widgets.Text(value="", placeholder=grams, description="Grams", style=LABEL), "ml-amount")
        self.currency = styled(
            widgets.Dropdown(options=list(CURRENCIES), value=currency, description="Currency", style=LABEL),
            "ml-currency",
        )
        self.customer = styled(
            widgets.Text(value="", placeholder="optional external id", description="Customer", style=LABEL),
            "ml-customer",
        )
        self.errors: dict[str, widgets.HTML] = {name: error_slot(name) for name in FIELDS}

    def _build_actions(self, environment: str, side: str) -> None:
        """Quote and its countdown, the preview, the confirmation, the buttons and the message slots."""
        self.quote_button = button("Quote", "ml-quote-button", icon="lock", style="info")
        self.countdown = slot("ml-countdown")
        self.preview = slot("ml-preview")
        self.confirm = styled(
            widgets.Checkbox(value=False, description=f"I confirm this {side}", indent=False), "ml-confirm"
        )
        self.confirm_text = styled(
            widgets.Text(value="", placeholder=f"type {environment} to confirm", description="Confirm", style=LABEL),
            "ml-confirm-text",
        )
        self.submit_button = button(
            self.verb, f"ml-{side}-button", "ml-submit-button", icon="check", style="danger", disabled=True
        )
        self.resend_button = button(
            "Send again", "ml-resend-button", icon="repeat", style="warning", tooltip=RESEND_TIP
        )
        self.resolve_button = button("Resolve", "ml-resolve-button", icon="search", style="warning")
        self.unsettled_html = slot("ml-unsettled")
        self.new_order_anyway = styled(
            widgets.Checkbox(value=False, description="", indent=False, layout=widgets.Layout(width="auto")),
            "ml-new-order-anyway",
        )
        self.result_html = slot("ml-result")

    def _rows(self) -> list[widgets.Widget]:
        """The form top to bottom: inputs two by two, quote, preview, confirm, buttons, messages, result."""
        errors = self.errors
        return [
            row(field(self.sku, errors["sku"]), field(self.amount, errors["amount"])),
            row(field(self.currency, errors["currency"]), field(self.customer, errors["customer"])),
            row(self.quote_button, self.countdown, centred=True),
            self.preview,
            row(self.confirm, self.confirm_text),
            row(self.submit_button, self.resend_button, self.resolve_button),
            self.unsettled_html,
            self.new_order_anyway,
            errors["form"],
            self.result_html,
        ]

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
            return bool(self.confirm_text.value.strip().lower() == self.environment)
        return bool(self.confirm.value)

    # -- what the widgets say ------------------------------------------------------------------

    def _clear_errors(self) -> None:
        """Empty every error slot and forget the last refusal."""
        self.field_errors.clear()
        self.notice = ""
        for label in self.errors.values():
            label.value = ""

    def _show_error(self, field: str, text: str) -> None:
        """Show an error under an input (or the form's slot), after any already shown there."""
        previous = self.field_errors.get(field)
        self.field_errors[field] = f"{previous}; {text}" if previous else text
        self.errors[field].value = message_html(self.field_errors[field], "error")

    def _show_exception(self, exc: MintedError) -> None:
        """An error under the input it names (ValidationError field, a 422's field errors), else under the form."""
        self.error = exc
        for name, text in error_messages(exc):
            self._show_error(name, text)

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

    # -- the countdown, the preview and the outcome -----------------------------------------------

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

    def preview_html(self) -> str:
        """The preview as a small table: per SKU price per gram, spot, spread over spot, grams, total."""
        if self.preview_data is None or self.ticket is None or self.ticket.state == "draft":
            return ""
        return preview_html(self.preview_data)

    def outcome(self) -> Outcome | None:
        """How the ticket's send ended (placed, unknown, not placed, a conflict), or None before one."""
        ticket = self.ticket
        if ticket is None:
            return None
        eid = ticket.external_id
        return outcome_of(ticket, looked_up=self._not_found == eid, doubted=eid in self._doubted)

    def result_text(self) -> str:
        """The outcome in words: placed, unknown (not found yet and for how long it may still land),
        not placed, a conflict, or nothing yet."""
        return outcome_text(self.outcome())

    def result_text_html(self) -> str:
        """:meth:`result_text`'s words styled, the order code in a ``ml-order-code`` element for the browser."""
        return outcome_html(self.outcome())

    def __repr__(self) -> str:
        state = self.ticket.state if self.ticket is not None else "empty"
        left = self.countdown_text()
        return (
            f"<{type(self).__name__} {self.environment} {self.amount.value or '?'} g {self.sku.value} "
            f"{self.currency.value} [{state}{', ' + left if left else ''}]>"
        )

    # -- earlier orders that may still land -------------------------------------------------

    def _earlier(self) -> list[Intent]:
        """The unsettled orders other than the form's current ticket."""
        current = self.ticket.external_id if self.ticket is not None else None
        return [i for i in self.unsettled if i.external_id != current]

    def _may_land_for(self, intents: list[Intent]) -> float:
        now, window = self.client.now(), self.client.settle_window
        return max((i.may_land_for(now, window) for i in intents), default=0.0)

    def unsettled_text(self) -> str:
        """The warning beside the buttons: earlier orders of this side that may still land, and the ways out."""
        intents = self.unsettled if self.asking_new_order else self._earlier()
        mine = self.ticket is not None and any(i.external_id == self.ticket.external_id for i in intents)
        return unsettled_warning(
            intents,
            self.ticket_class.side,
            left=self._may_land_for(intents),
            asking=self.asking_new_order,
            mine=mine,
            typed=self._typed(),
        )

    def new_order_text(self) -> str:
        """The explicit choice's label: ``Sell 6 g GAG as a NEW order (the earlier 5 g GAG sell may still land)``."""
        return new_order_label(self.verb, self._typed(), self.unsettled, self.ticket_class.side)

    def _typed(self) -> str:
        return f"{self.amount.value.strip() or '?'} g {self.sku.value}"
