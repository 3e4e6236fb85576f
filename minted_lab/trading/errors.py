"""What a ticket refuses to do, and what it warns about (nothing was sent in either case)."""

from __future__ import annotations

from minted_lab.errors import MintedError, QuoteExpiredError

__all__ = ["QuoteTooOldError", "TicketError", "UnsettledOrderWarning"]


class TicketError(MintedError):
    """The ticket cannot do that in its current state (nothing was sent)."""


class UnsettledOrderWarning(UserWarning):
    """A new order is being prepared while an earlier one of the same side may still land."""


class QuoteTooOldError(TicketError, QuoteExpiredError):
    """The quote expired before sending; nothing was sent: call ``ticket.quote()`` for a new one."""

    def __init__(self, message: str) -> None:
        QuoteExpiredError.__init__(self, None, message)

    def _line(self) -> str:
        return self.message
