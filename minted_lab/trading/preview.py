"""What a submit would do at the locked prices: per SKU price, spot, spread over spot, grams, total."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from minted_lab import catalog
from minted_lab.catalog import Side
from minted_lab.models import Quote

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CENT", "Preview", "PreviewLine", "line_total", "preview_schema"]

CENT = Decimal("0.01")


def preview_schema() -> pl.Schema:
    """Columns of :attr:`Preview.frame`, as in ``frames.ITEMS_SCHEMA``: per gram ``price`` (sell or buy),
    ``spread = price - spot_price``, ``spread_ratio = spread / spot_price`` (a ratio, -0.05 = -5 %).

    Built on first use, so selling never loads polars.
    """
    import polars as pl

    from minted_lab.frames.dtypes import GRAMS, MONEY

    return pl.Schema(
        {
            "sku": pl.String(),
            "price": MONEY,
            "spot_price": MONEY,
            "spread": MONEY,
            "spread_ratio": pl.Float64(),
            "amount": GRAMS,
            "total": MONEY,
        }
    )


def line_total(price: Decimal, amount: Decimal) -> Decimal:
    """An item's total as the API computes it: ``round(price × amount, 2)``, half up."""
    return (price * amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PreviewLine:
    """One SKU of a preview: the per-gram price it settles at, spot, spread over spot, grams, total."""

    sku: str
    price: Decimal
    spot_price: Decimal
    amount: Decimal
    total: Decimal

    @property
    def spread(self) -> Decimal:
        """``price - spot``: negative on a sell (paid below spot), positive on a buy."""
        return catalog.spread(self.price, self.spot_price)

    @property
    def spread_ratio(self) -> float:
        """The spread as a ratio of spot (-0.05 is 5 % below spot), as in the frames module."""
        ratio = catalog.spread_ratio(self.price, self.spot_price)
        return float("nan") if ratio is None else ratio


@dataclass(frozen=True)
class Preview:
    """What a submit would do at the locked prices; ``seconds_left`` counts down on the quote's clock."""

    side: Side
    external_id: str
    currency: str
    customer_external_id: str | None
    lines: tuple[PreviewLine, ...]
    total: Decimal
    quote: Quote

    @property
    def seconds_left(self) -> int:
        """Whole seconds before the price token expires (0 once it has)."""
        return max(0, int(self.quote.seconds_left()))

    @property
    def expired(self) -> bool:
        """True once the quote can no longer be submitted."""
        return self.quote.is_expired()

    @property
    def frame(self) -> pl.DataFrame:
        """The lines as a polars frame (:func:`preview_schema`)."""
        import polars as pl

        return pl.DataFrame(
            [
                {
                    "sku": line.sku,
                    "price": line.price,
                    "spot_price": line.spot_price,
                    "spread": line.spread,
                    "spread_ratio": line.spread_ratio,
                    "amount": line.amount,
                    "total": line.total,
                }
                for line in self.lines
            ],
            schema=preview_schema(),
        )

    @property
    def note(self) -> str:
        """What the preview cannot promise yet: which price the order settles at, while that is unverified."""
        if catalog.PRICE_SIDES_VERIFIED:
            return ""
        field = catalog.PRICE_SIDES[self.side]
        return (
            f"settles at the quote's {field} (assumed: the docs do not say which price a {self.side} uses; "
            "minted-lab conformance --trade checks it)"
        )

    def _headline(self) -> str:
        who = f" for customer {self.customer_external_id}" if self.customer_external_id else ""
        left = "quote expired: quote again" if self.expired else f"quote valid for {self.seconds_left} s"
        return f"{self.side.capitalize()} {self.external_id}{who}: total {self.total} {self.currency} ({left})"

    def columns(self, per_gram: str = "/g") -> tuple[str, ...]:
        """The preview's column names (``per_gram`` is how "per gram" is written: ``/g`` or `` / g``)."""
        return (
            "sku",
            f"{self.side} price{per_gram}",
            f"spot{per_gram}",
            f"spread{per_gram}",
            "spread",
            "grams",
            "total",
        )

    def cells(self) -> list[tuple[str, ...]]:
        """One row of text per SKU, as every rendering of the preview shows it."""
        return [
            (
                l.sku,
                str(l.price),
                str(l.spot_price),
                f"{l.spread:+}",
                f"{l.spread_ratio:+.2%}",
                str(l.amount),
                str(l.total),
            )
            for l in self.lines
        ]

    def __repr__(self) -> str:
        rows = [self.columns(), *self.cells()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        table = "\n".join(
            "  "
            + "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
            for row in rows
        )
        note = f"\n  note: {self.note}" if self.note else ""
        return f"<Preview {self._headline()}>\n{table}{note}"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.columns(" / g"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.cells())
        return (
            f"<div><b>{html.escape(self._headline())}</b><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
            + (f'<div style="color:#b35c00">{html.escape(self.note)}</div>' if self.note else "")
            + "</div>"
        )
