"""minted_lab: the Minted Connect Partner API, pleasant from a notebook.

The public names, imported lazily so that ``from minted_lab import MintedClient`` does not load
polars, matplotlib or ipywidgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minted_lab._lazy import lazy_exports
from minted_lab._version import __version__ as __version__

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["MintedClient", "AsyncMintedClient"], "minted_lab.client"),
    "Settings": "minted_lab.config",
    **dict.fromkeys(
        [
            "Quote",
            "QuotePrice",
            "Order",
            "OrderItem",
            "OrderCustomer",
            "OrderResult",
            "OrderPage",
            "OrderStatus",
            "ProductPrice",
            "MintedPrice",
            "MintedPrices",
            "Wallet",
            "Customer",
        ],
        "minted_lab.models",
    ),
    **dict.fromkeys(
        [
            "MintedError",
            "ConfigurationError",
            "ValidationError",
            "APIError",
            "ParameterError",
            "QuoteExpiredError",
            "DuplicateExternalIdError",
            "AuthenticationError",
            "PermissionDeniedError",
            "NotFoundError",
            "RateLimitError",
            "ServerError",
            "ResponseFormatError",
            "TransportError",
            "NotSentError",
            "OutcomeUnknownError",
        ],
        "minted_lab.errors",
    ),
    **dict.fromkeys(
        ["SellTicket", "BuyTicket", "Preview", "TicketError", "QuoteTooOldError", "UnsettledOrderWarning"],
        "minted_lab.trading",
    ),
    "OrderRequest": "minted_lab.order_request",
    **dict.fromkeys(
        [
            "Ledger",
            "LedgerError",
            "LedgerMismatchError",
            "LedgerBusyError",
            "LedgerCorruptError",
            "LedgerReadOnlyError",
            "LedgerDiskFullError",
            "LedgerLockedError",
            "ExternalIdConflictError",
        ],
        "minted_lab.ledger",
    ),
    "Sandbox": "minted_lab.sandbox",
    **dict.fromkeys(["SellForm", "BuyForm", "OrdersExplorer", "PriceBoard"], "minted_lab.widgets"),
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports lazily
    from minted_lab.client import (
        AsyncMintedClient as AsyncMintedClient,
        MintedClient as MintedClient,
    )
    from minted_lab.config import (
        Settings as Settings,
    )
    from minted_lab.errors import (
        APIError as APIError,
        AuthenticationError as AuthenticationError,
        ConfigurationError as ConfigurationError,
        DuplicateExternalIdError as DuplicateExternalIdError,
        MintedError as MintedError,
        NotFoundError as NotFoundError,
        NotSentError as NotSentError,
        OutcomeUnknownError as OutcomeUnknownError,
        ParameterError as ParameterError,
        PermissionDeniedError as PermissionDeniedError,
        QuoteExpiredError as QuoteExpiredError,
        RateLimitError as RateLimitError,
        ResponseFormatError as ResponseFormatError,
        ServerError as ServerError,
        TransportError as TransportError,
        ValidationError as ValidationError,
    )
    from minted_lab.ledger import (
        ExternalIdConflictError as ExternalIdConflictError,
        Ledger as Ledger,
        LedgerBusyError as LedgerBusyError,
        LedgerCorruptError as LedgerCorruptError,
        LedgerDiskFullError as LedgerDiskFullError,
        LedgerError as LedgerError,
        LedgerLockedError as LedgerLockedError,
        LedgerMismatchError as LedgerMismatchError,
        LedgerReadOnlyError as LedgerReadOnlyError,
    )
    from minted_lab.models import (
        Customer as Customer,
        MintedPrice as MintedPrice,
        MintedPrices as MintedPrices,
        Order as Order,
        OrderCustomer as OrderCustomer,
        OrderItem as OrderItem,
        OrderPage as OrderPage,
        OrderResult as OrderResult,
        OrderStatus as OrderStatus,
        ProductPrice as ProductPrice,
        Quote as Quote,
        QuotePrice as QuotePrice,
        Wallet as Wallet,
    )
    from minted_lab.order_request import (
        OrderRequest as OrderRequest,
    )
    from minted_lab.sandbox import (
        Sandbox as Sandbox,
    )
    from minted_lab.trading import (
        BuyTicket as BuyTicket,
        Preview as Preview,
        QuoteTooOldError as QuoteTooOldError,
        SellTicket as SellTicket,
        TicketError as TicketError,
        UnsettledOrderWarning as UnsettledOrderWarning,
    )
    from minted_lab.widgets import (
        BuyForm as BuyForm,
        OrdersExplorer as OrdersExplorer,
        PriceBoard as PriceBoard,
        SellForm as SellForm,
    )
