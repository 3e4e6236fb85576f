"""Price snapshots in the ledger: every quote the user saw, and product prices recorded for a price history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from minted_lab.ledger.errors import LedgerError
from minted_lab.ledger.intent import iso_text, money_text, now_text
from minted_lab.ledger.store import LedgerFile

if TYPE_CHECKING:
    import polars as pl

    from minted_lab.client import MintedClient
    from minted_lab.models import ProductPrice, Quote

__all__ = ["PriceSnapshots"]


class PriceSnapshots(LedgerFile):
    """Quotes and price rows (one per SKU): what the ledger knows of prices over time."""

    # -- quotes and prices ------------------------------------------------------------------

    def record_quote(self, quote: Quote) -> int:
        """Store a quote and its prices (one row per SKU, source ``quote``); returns the quote's row id."""
        with self._write(durable=False) as db:
            quote_id = db.execute(
                "INSERT INTO quotes (price_token, currency, customer_external_id, fixed_at, expires_at,"
                " expire_ttl, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    quote.token,
                    quote.currency,
                    quote.customer_external_id,
                    iso_text(getattr(quote, "fixed_at", None)),
                    iso_text(quote.expires_at),
                    quote.expire_ttl,
                    iso_text(getattr(quote, "received_at", None)) or now_text(),
                ),
            ).lastrowid
            observed = iso_text(getattr(quote, "fixed_at", None)) or now_text()
            self._insert_prices(db, "quote", quote_id, quote.currency, observed, quote.prices)
        assert quote_id is not None
        return quote_id

    def record_prices(
        self,
        client: MintedClient | None = None,
        currency: str = "GBP",
        *,
        quote: Quote | None = None,
        prices: Iterable[ProductPrice] | None = None,
    ) -> int:
        """Snapshot prices for a price history: the client's product prices, a given quote's, or given product prices.

        Pass ``prices`` you already fetched to store them without asking the API again.
        Returns the number of rows stored (one per SKU).
        """
        if quote is not None:
            before = self._count("prices")
            self.record_quote(quote)
            return self._count("prices") - before
        if prices is not None:
            rows = list(prices)
        elif client is None:
            raise LedgerError("record_prices needs a client, a quote or prices")
        else:
            self.check(client)
            rows = list(client.product_prices(currency=currency))
        with self._write(durable=False) as db:
            for price in rows:
                observed = iso_text(getattr(price, "updated_at", None)) or now_text()
                self._insert_prices(
                    db, "product_prices", None, getattr(price, "currency_code", None) or currency, observed, [price]
                )
        return len(rows)

    @staticmethod
    def _insert_prices(
        db: sqlite3.Connection, source: str, quote_id: int | None, currency: str, observed: str, prices: Iterable[Any]
    ) -> None:
        recorded = now_text()
        db.executemany(
            "INSERT INTO prices (observed_at, recorded_at, source, quote_id, currency, sku, spot_price,"
            " buy_price, sell_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    observed,
                    recorded,
                    source,
                    quote_id,
                    currency,
                    p.sku,
                    money_text(p.spot_price),
                    money_text(p.buy_price),
                    money_text(p.sell_price),
                )
                for p in prices
            ],
        )

    def _count(self, table: str) -> int:
        return int(self._read(f"SELECT count(*) FROM {table}")[0][0])

    def prices_frame(self) -> pl.DataFrame:
        """Every price snapshot, in :func:`minted_lab.frames.prices_frame`'s schema."""
        from minted_lab import frames

        records = [
            dict(row)
            for row in self._read(
                "SELECT observed_at AS updated_at, currency AS currency_code, sku, spot_price, buy_price, sell_price, source"
                " FROM prices ORDER BY observed_at, id"
            )
        ]
        return frames.prices_frame(records)
