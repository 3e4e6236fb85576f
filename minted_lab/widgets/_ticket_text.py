"""What the ticket form says, each in one place: the preview table, the outcome of a send, the
warning about earlier orders that may still land, and where an error is shown.

An outcome is data first (:class:`Outcome`: its kind, its words in parts, the order code and
total), rendered to plain text by :func:`outcome_text` and to HTML by :func:`outcome_html`, so
the two can never say different things: the HTML only adds markup (classes, colour, a mark).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from minted_lab.errors import APIError, MintedError, QuoteExpiredError, ValidationError
from minted_lab.ledger import Intent
from minted_lab.models import OrderResult
from minted_lab.trading import Preview, Ticket
from minted_lab.widgets._common import field_of, html_table, message_span, metal_label, money, percent

__all__ = [
    "Outcome",
    "OutcomeKind",
    "Part",
    "error_messages",
    "grams_text",
    "new_order_label",
    "outcome_html",
    "outcome_of",
    "outcome_text",
    "preview_html",
    "unsettled_warning",
]

OutcomeKind = Literal["placed", "unknown", "not_placed", "conflict"]


@dataclass(frozen=True)
class Part:
    """A piece of an outcome's words; ``css`` marks it in HTML (``ml-order-code``...) inside a ``tag``."""

    text: str
    css: str = ""
    tag: str = "span"

    def html(self) -> str:
        """The part escaped, in its marked element when it has a class."""
        text = html.escape(self.text)
        return f'<{self.tag} class="{self.css}">{text}</{self.tag}>' if self.css else text


@dataclass(frozen=True)
class Outcome:
    """How a ticket's send ended, in words: what both the text and the HTML of the result say."""

    kind: OutcomeKind
    parts: tuple[Part, ...]
    order_code: str | None = None
    total: Decimal | None = None

    @classmethod
    def said(cls, kind: OutcomeKind, text: str) -> Outcome:
        """An outcome told in one plain sentence (no order code, no total)."""
        return cls(kind, (Part(text),))


LOOKS: dict[OutcomeKind, tuple[str, str, str]] = {
    "placed": ("ok", "ml-outcome-placed ml-placed", "&#10004; "),
    "unknown": ("warn", "ml-outcome-unknown", ""),
    "not_placed": ("error", "ml-outcome-not_placed", ""),
    "conflict": ("error", "ml-outcome-conflict", ""),
}
"""Per kind: the message colour, the classes of the result's box, and a mark before the words."""

NOT_PLACED_AFTER_DOUBT = (
    "the API has no order with this external id and the settle window has passed. "
    "Send again (or quote again) to retry with the same external id"
)


def outcome_text(outcome: Outcome | None) -> str:
    """The outcome as one line of plain text (``""`` for none)."""
    return "" if outcome is None else "".join(part.text for part in outcome.parts)


def outcome_html(outcome: Outcome | None) -> str:
    """The same words as :func:`outcome_text`, coloured by kind, the order code and total marked for the browser."""
    if outcome is None:
        return ""
    tone, css, mark = LOOKS[outcome.kind]
    return f'<div class="{css}">{message_span(mark + "".join(p.html() for p in outcome.parts), tone)}</div>'


def outcome_of(ticket: Ticket | None, *, looked_up: bool = False, doubted: bool = False) -> Outcome | None:
    """What to tell about a ticket: placed, unknown (``looked_up``: a lookup found nothing yet), not
    placed (``doubted``: after being unknown), a conflict; None before any send."""
    if ticket is None:
        return None
    eid = ticket.external_id
    if ticket.state == "placed" and ticket.result is not None:
        return _placed(ticket.result, ticket.currency)
    if ticket.state == "unknown":
        return Outcome.said("unknown", _unknown_words(ticket, looked_up))
    if ticket.state == "not_placed":
        why = NOT_PLACED_AFTER_DOUBT if doubted else "quote again to retry with the same external id"
        return Outcome.said("not_placed", f"not placed ({eid}): {why}")
    if ticket.state == "conflict":
        return Outcome.said(
            "conflict",
            f"conflict ({eid}): this external id belongs to another order at the API; this "
            f"{ticket.side} was never placed. Quote again for a new order",
        )
    return None


def _placed(result: OrderResult, currency: str) -> Outcome:
    status = result.orders[0].status_name if result.orders else None
    words = [Part("placed order "), Part(result.order_code or "", "ml-order-code", "b")]
    if status:
        words += [Part(", "), Part(status, "ml-order-status")]
    words += [Part(", total "), Part(f"{money(result.total)} {currency}", "ml-order-total")]
    return Outcome("placed", tuple(words), result.order_code, result.total)


def _unknown_words(ticket: Ticket, looked_up: bool) -> str:
    eid = ticket.external_id
    if not looked_up:
        return (
            f"outcome unknown for {eid}: the request may have reached the API. Send again sends "
            "the same request safely; Resolve looks the order up by its external id."
        )
    left = ticket.may_land_for()
    when = f"it may still land for {left:.0f} s" if left > 0 else "the settle window has passed: Resolve settles it"
    return (
        f"not found yet; {when} ({eid}). Send again sends the same request safely: the API "
        "refuses a second order with this external id. Resolve looks again."
    )


def preview_html(preview: Preview) -> str:
    """The preview as the form shows it: the ticket's own columns and cells, the metal named, the
    spread ratio as ``-4.35 %``, and a total line in the preview's currency."""
    columns = preview.columns(" / g")
    ratio = columns.index("spread")
    rows = []
    for line, cells in zip(preview.lines, preview.cells(), strict=True):
        row = [metal_label(line.sku), *cells[1:]]
        row[ratio] = percent(line.spread_ratio)
        rows.append(row)
    foot = ("Total", *[""] * (len(columns) - 2), f"{preview.total} {preview.currency}")
    who = f" for customer {html.escape(preview.customer_external_id)}" if preview.customer_external_id else ""
    head = (
        f'<div style="color:#555">{html.escape(preview.side.capitalize())} '
        f"<code>{html.escape(preview.external_id)}</code>{who}, prices in {html.escape(preview.currency)}</div>"
    )
    note = (
        f'<div class="ml-preview-note" style="color:#b35c00">{html.escape(preview.note)}</div>' if preview.note else ""
    )
    return head + html_table(("metal", *columns[1:]), rows, foot=foot, css="ml-preview-table") + note


def grams_text(intent: Intent) -> str:
    """An intent's items as people read them: ``5 g GAG``, several joined by ``", "``."""
    return ", ".join(f"{amount} g {sku}" for sku, amount in sorted(intent.items.items()))


def earlier_orders(intents: Sequence[Intent], side: str, *, ids: bool = True) -> str:
    """``the earlier 5 g GAG sell (ML-…)``, or ``earlier sells (5 g GAG: ML-…; 6 g GAG: ML-…)``."""
    if len(intents) == 1:
        return f"the earlier {grams_text(intents[0])} {side}" + (f" ({intents[0].external_id})" if ids else "")
    listed = "; ".join(f"{grams_text(i)}: {i.external_id}" if ids else grams_text(i) for i in intents)
    return f"earlier {side}s ({listed})"


def unsettled_warning(
    intents: Sequence[Intent], side: str, *, left: float, asking: bool, mine: bool, typed: str
) -> str:
    """The warning beside the buttons: ``intents`` may still land (for ``left`` s), and the ways out.

    ``asking``: a new order was refused for them, and the box below offers it anyway; ``mine``:
    one of them is the form's own ticket, which Send again can finish.
    """
    if not intents:
        return ""
    earlier = earlier_orders(intents, side)
    when = f" for {left:.0f} s" if left > 0 else ""
    if not asking:
        return f"{earlier[0].upper()}{earlier[1:]} may still land{when}: Resolve looks it up."
    ways = (
        "Send again finishes it safely (the API never places the same external id twice), Resolve looks it up"
        if mine
        else "Resolve looks it up"
    )
    return (
        f"No new {side} started: {earlier} may still land{when}. {ways}; "
        f"or tick the box below to {side} {typed} as a NEW order as well."
    )


def new_order_label(verb: str, typed: str, intents: Sequence[Intent], side: str) -> str:
    """The explicit choice: ``Sell 6 g GAG as a NEW order (the earlier 5 g GAG sell may still land)``."""
    return f"{verb} {typed} as a NEW order ({earlier_orders(intents, side, ids=False)} may still land)"


def error_messages(exc: MintedError) -> list[tuple[str, str]]:
    """Where an error is shown and what it says: under the input a ValidationError or a 422's field
    errors name, else under the form (``form``)."""
    if isinstance(exc, ValidationError):
        got = "" if exc.value is ... else f" (got {exc.value!r})"
        return [(field_of(exc.field), f"{exc.expected}{got}")]
    if isinstance(exc, QuoteExpiredError):
        return [("form", f"the quote expired or was used; nothing was sent: quote again ({exc})")]
    if isinstance(exc, APIError) and exc.errors:
        return [(field_of(name), f"{name}: {'; '.join(map(str, reasons))}") for name, reasons in exc.errors.items()]
    return [("form", str(exc))]
