"""Quote → preview → confirm → submit, each order sent exactly once.

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

from typing import Any

from minted_lab._http import new_external_id
from minted_lab.catalog import DIGITAL_SKUS
from minted_lab.trading.errors import QuoteTooOldError, TicketError, UnsettledOrderWarning
from minted_lab.trading.preview import Preview, PreviewLine, line_total, preview_schema
from minted_lab.trading.ticket import BuyTicket, SellTicket, Ticket, TicketState

__all__ = [
    "BuyTicket",
    "DIGITAL_SKUS",
    "Preview",
    "PreviewLine",
    "QuoteTooOldError",
    "SellTicket",
    "Ticket",
    "TicketError",
    "TicketState",
    "UnsettledOrderWarning",
    "line_total",
    "new_external_id",
    "preview_schema",
]


def __getattr__(name: str) -> Any:
    """``PREVIEW_SCHEMA``, made when first asked for (see :func:`preview_schema`)."""
    if name == "PREVIEW_SCHEMA":
        return preview_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
