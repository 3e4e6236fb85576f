"""PriceBoard: spot, buy and sell per SKU with spreads over spot, refresh or auto-refresh, a chart of snapshots.

board = PriceBoard(client, ledger=ledger)   # the ledger (optional) keeps every snapshot
board.refresh()                             # or board.refresh_button.click()
board.auto.value = True                     # refresh every board.interval.value seconds until unticked/closed
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

import ipywidgets as widgets
import polars as pl

from minted_lab import frames
from minted_lab.catalog import CURRENCIES, FORM_SKUS, SKUS, spread, spread_ratio
from minted_lab.errors import MintedError
from minted_lab.ledger import Ledger
from minted_lab.models import ProductPrice
from minted_lab.prices import current_prices
from minted_lab.widgets._common import Ticker, View, html_table, message_html, percent, png_of, signed, sku_options
from minted_lab.widgets._view import button, chart, environment_badge, framed, row, set_visible, slot, styled

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from minted_lab.client import MintedClient

__all__ = ["PriceBoard", "draw_prices"]

LABEL = {"description_width": "70px"}
CHART_SKUS: tuple[str, ...] = FORM_SKUS + tuple(code for code in SKUS if code not in FORM_SKUS)
"""The chart's menu: one SKU per metal first (as the forms offer them), then the "B" variants."""


class PriceRow(TypedDict):
    """One SKU's line of the board: its prices per gram and the buy and sell spreads over spot."""

    sku: str | None
    name: str | None
    currency: str | None
    spot: Decimal | None
    buy: Decimal | None
    sell: Decimal | None
    buy_spread: Decimal | None
    buy_spread_ratio: float | None
    sell_spread: Decimal | None
    sell_spread_ratio: float | None


def draw_prices(ax: Axes, prices: pl.DataFrame, sku: str, environment: str | None = None) -> Axes:
    """Spot, buy and sell of one SKU over the snapshots, drawn by ``plots.plot_price``."""
    from minted_lab.plots import plot_price

    return plot_price(prices, sku, ax=ax, environment=environment)


class PriceBoard(View):
    """Current spot, buy and sell per SKU with buy and sell spreads over spot (abs and %), and their chart."""

    def __init__(
        self,
        client: MintedClient,
        *,
        currency: str = "GBP",
        ledger: Ledger | None = None,
        interval: int = 10,
        chart_sku: str = "GAU",
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.environment: str = client.environment
        self.prices: tuple[ProductPrice, ...] = ()
        self.source: str | None = None
        self.snapshots: list[ProductPrice] = []
        self.refreshed_at: datetime | None = None
        self.error: BaseException | None = None
        self._ticker = Ticker(interval, self._auto_refresh, "price-board")

        self.badge = environment_badge(self.environment, client.base_url)
        self._build_controls(currency, interval, chart_sku)
        self.updated = slot("ml-updated")
        self.table = slot("ml-prices-table")
        self.chart = chart("ml-prices-chart")
        self.root = framed(
            self.badge,
            "Prices per gram",
            [
                row(self.currency, self.refresh_button, self.auto, self.interval, centred=True),
                self.updated,
                self.table,
                self.chart_sku,
                self.chart,
            ],
            "ml-price-board",
        )
        self._connect()

    def _connect(self) -> None:
        """Refresh on a click or a new currency; the box and the interval drive the thread; a SKU redraws."""
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(lambda _: self._auto_changed(), names="value")
        self.interval.observe(lambda _: self._auto_changed(), names="value")
        self.chart_sku.observe(lambda _: self._draw(), names="value")
        self.currency.observe(lambda _: self.refresh(), names="value")

    def _build_controls(self, currency: str, interval: int, chart_sku: str) -> None:
        """Currency, Refresh, the auto-refresh box and its interval, and the chart's SKU."""
        self.currency = styled(
            widgets.Dropdown(options=list(CURRENCIES), value=currency, description="Currency", style=LABEL),
            "ml-currency",
        )
        self.refresh_button = button("Refresh", "ml-refresh-button", icon="refresh", style="primary")
        self.auto = styled(
            widgets.Checkbox(
                value=False, description="auto-refresh every", indent=False, layout=widgets.Layout(width="150px")
            ),
            "ml-auto-refresh",
        )
        self.interval = styled(
            widgets.BoundedIntText(
                value=interval,
                min=1,
                max=3600,
                description="s",
                layout=widgets.Layout(width="110px"),
                style={"description_width": "0px"},
            ),
            "ml-interval",
        )
        self.chart_sku = styled(
            widgets.Dropdown(options=sku_options(CHART_SKUS), value=chart_sku, description="Chart", style=LABEL),
            "ml-chart-sku",
        )

    def refresh(self) -> tuple[ProductPrice, ...]:
        """Fetch current prices, show them, add them to the snapshots (and to the ledger, when given).

        ``source`` says where they came from: product prices, else a price fix (see :mod:`minted_lab.prices`).
        """
        currency = self.currency.value
        try:
            prices, self.source = current_prices(self.client, currency)
            if self.ledger is not None:
                self.ledger.record_prices(currency=currency, prices=prices)
        except MintedError as exc:
            self.error = exc
            self.updated.value = message_html(f"refresh failed: {exc}", "error")
            return self.prices
        self.prices, self.error = prices, None
        self.snapshots.extend(prices)
        self.refreshed_at = datetime.now().astimezone()
        stamp = max((p.updated_at for p in prices if p.updated_at), default=None)
        self.updated.value = message_html(
            f"{len(prices)} products in {currency}, prices of {stamp:%Y-%m-%d %H:%M:%S %Z}"
            if stamp
            else f"{len(prices)} products in {currency}",
            "info",
        )
        self.table.value = self.table_html()
        self._draw()
        return prices

    def rows(self) -> list[PriceRow]:
        """The table's data: per SKU spot, buy, sell, and the buy and sell spreads over spot (abs and ratio)."""
        return [_row(p) for p in self.prices]

    def table_html(self) -> str:
        """The current prices as an HTML table, one row per SKU."""
        rows = [
            (
                f"{r['name']} ({r['sku']})",
                r["spot"],
                r["buy"],
                r["sell"],
                signed(r["buy_spread"]),
                percent(r["buy_spread_ratio"]),
                signed(r["sell_spread"]),
                percent(r["sell_spread_ratio"]),
            )
            for r in self.rows()
        ]
        return html_table(
            ("metal", "spot", "buy", "sell", "buy spread", "buy %", "sell spread", "sell %"), rows, css="ml-prices-rows"
        )

    def frame(self) -> pl.DataFrame:
        """Every snapshot taken by this board (``frames.PRICES_SCHEMA``)."""
        return frames.prices_frame(self.snapshots)

    def _draw(self) -> None:
        if not self.snapshots:
            return
        prices = self.frame()
        sku = self.chart_sku.value
        if prices.filter(pl.col("sku") == sku).height == 0:
            set_visible(self.chart, False)
            return
        self.chart.value = png_of(lambda ax: draw_prices(ax, prices, sku, self.environment))
        set_visible(self.chart, True)

    def _auto_refresh(self) -> bool:
        self.refresh()
        return True

    def _auto_changed(self) -> None:
        """Start, restart (new interval) or stop the auto-refresh thread as the checkbox says."""
        self._ticker.stop()
        if self.auto.value and not self.closed:
            self._ticker.interval = max(1, int(self.interval.value))
            self._ticker.start()

    @property
    def auto_running(self) -> bool:
        """Whether the auto-refresh thread runs."""
        return self._ticker.running

    def _tickers(self) -> list[Ticker]:
        return [self._ticker]

    def __repr__(self) -> str:
        skus = ", ".join(str(p.sku) for p in self.prices) or "not refreshed"
        return f"<PriceBoard {self.environment} {self.currency.value}: {skus}; {len(self.snapshots)} snapshot rows>"


def _row(price: ProductPrice) -> PriceRow:
    """A product price as a board line; the spreads are the catalogue's (``price - spot``, and as a ratio of spot)."""
    spot = price.spot_price
    known = SKUS.get(price.sku or "")
    buy_spread = spread(price.buy_price, spot) if price.buy_price is not None and spot is not None else None
    sell_spread = spread(price.sell_price, spot) if price.sell_price is not None and spot is not None else None
    return {
        "sku": price.sku,
        "name": known.name if known is not None else price.product_name,
        "currency": price.currency_code,
        "spot": spot,
        "buy": price.buy_price,
        "sell": price.sell_price,
        "buy_spread": buy_spread,
        "buy_spread_ratio": spread_ratio(price.buy_price, spot) if price.buy_price is not None else None,
        "sell_spread": sell_spread,
        "sell_spread_ratio": spread_ratio(price.sell_price, spot) if price.sell_price is not None else None,
    }
