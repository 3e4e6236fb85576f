"""Current prices per gram: from product prices (a guessed endpoint), else from a price fix (documented).

The product-prices path (``GET /partner/products/prices``) is inferred, not documented; the price
fix is documented. A 404, 405 or 501 from the first makes :func:`current_prices` fix a quote
instead and say so (a warning, and the source it returns), so a price board keeps working on
an API whose product-prices path is not ours.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

from minted_lab import catalog
from minted_lab.errors import APIError
from minted_lab.models import ProductPrice

if TYPE_CHECKING:
    from minted_lab.client import MintedClient
    from minted_lab.models import Quote

__all__ = ["PriceSource", "current_prices", "prices_of_quote"]

PriceSource = Literal["product_prices", "pricefix"]


def prices_of_quote(quote: Quote) -> tuple[ProductPrice, ...]:
    """A quote's prices as product prices (name from the catalog, time from when it was fixed)."""
    return tuple(
        ProductPrice(
            product_id=price.product_id,
            sku=price.sku,
            product_name=catalog.sku_name(price.sku),
            currency_id=price.currency_id,
            currency_code=quote.currency,
            spot_price=price.spot_price,
            buy_price=price.buy_price,
            sell_price=price.sell_price,
            updated_at=quote.fixed_at,
            raw=price.raw,
        )
        for price in quote.prices
    )


def current_prices(client: MintedClient, currency: str = "GBP") -> tuple[tuple[ProductPrice, ...], PriceSource]:
    """The current prices and where they came from (``product_prices``, else ``pricefix``)."""
    try:
        return client.product_prices(currency=currency), "product_prices"
    except APIError as exc:
        if exc.status not in (404, 405, 501):
            raise
        warnings.warn(
            f"product prices are not available ({exc}); prices come from a price fix instead (documented)",
            UserWarning,
            stacklevel=2,
        )
        return prices_of_quote(client.quote(currency=currency)), "pricefix"
