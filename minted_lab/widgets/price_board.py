"""PriceBoard: spot, buy and sell per SKU with spreads over spot, refresh or auto-refresh, a chart of snapshots.

board = PriceBoard(client, ledger=ledger)   # the ledger (optional) keeps every snapshot
board.refresh()                             # or board.refresh_button.click()
board.auto.value = True                     # refresh every board.interval.value seconds until unticked/closed
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from minted_lab import frames
from minted_lab.errors import MintedError
from minted_lab.ledger import Ledger
from minted_lab.models import ProductPrice
from minted_lab.validate import CURRENCIES
from minted_lab.widgets._common import (
    SKU_NAMES,
    Ticker,
    View,
    environment_badge,
    html_table,
    message_html,
    percent,
    png_of,
    set_visible,
    signed,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from minted_lab.client import MintedClient

__all__ = ["PriceBoard", "draw_prices"]

LABEL = {"description_width": "70px"}


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
        self.snapshots: list[ProductPrice] = []
        self.refreshed_at: datetime | None = None
        self.error: BaseException | None = None
        self._ticker = Ticker(interval, self._auto_refresh, "price-board")

        self.badge = environment_badge(self.environment, client.base_url)
        self.currency = widgets.Dropdown(options=list(CURRENCIES), value=currency, description="Currency", style=LABEL)
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", button_style="primary")
        self.auto = widgets.Checkbox(
            value=False, description="auto-refresh every", indent=False, layout=widgets.Layout(width="150px")
        )
        self.interval = widgets.BoundedIntText(
            value=interval,
            min=1,
            max=3600,
            description="s",
            layout=widgets.Layout(width="110px"),
            style={"description_width": "0px"},
        )
        self.chart_sku = widgets.Dropdown(
            options=[(f"{SKU_NAMES.get(s, s)} ({s})", s) for s in SKU_NAMES],
            value=chart_sku,
            description="Chart",
            style=LABEL,
        )
        self.updated = widgets.HTML("")
        self.table = widgets.HTML("")
        self.chart = widgets.Image(value=b"", format="png", layout=widgets.Layout(max_width="690px"))
        set_visible(self.chart, False)
        for widget, css in (
            (self.currency, "ml-currency"),
            (self.refresh_button, "ml-refresh-button"),
            (self.auto, "ml-auto-refresh"),
            (self.interval, "ml-interval"),
            (self.chart_sku, "ml-chart-sku"),
            (self.table, "ml-prices-table"),
            (self.chart, "ml-prices-chart"),
            (self.updated, "ml-updated"),
        ):
            widget.add_class(css)

        self.root = widgets.VBox(
            [
                widgets.HBox(
                    [self.badge, widgets.HTML("<b>Prices per gram</b>")],
                    layout=widgets.Layout(justify_content="space-between", width="680px"),
                ),
                widgets.HBox(
                    [self.currency, self.refresh_button, self.auto, self.interval],
                    layout=widgets.Layout(align_items="center"),
                ),
                self.updated,
                self.table,
                self.chart_sku,
                self.chart,
            ],
            layout=widgets.Layout(padding="6px", border="1px solid #ccc", width="700px"),
        )
        self.root.add_class("ml-price-board")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(lambda _: self._auto_changed(), names="value")
        self.interval.observe(lambda _: self._auto_changed(), names="value")
        self.chart_sku.observe(lambda _: self._draw(), names="value")
        self.currency.observe(lambda _: self.refresh(), names="value")

    def refresh(self) -> tuple[ProductPrice, ...]:
        """Fetch current prices, show them, add them to the snapshots (and to the ledger, when given)."""
        currency = self.currency.value
        try:
            prices = self.client.product_prices(currency=currency)
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

    def rows(self) -> list[dict[str, object]]:
        """The table's data: per SKU spot, buy, sell, and the buy and sell spreads over spot (abs and ratio)."""
        out: list[dict[str, object]] = []
        for p in self.prices:
            spot = p.spot_price
            buy_spread = p.buy_price - spot if p.buy_price is not None and spot is not None else None
            sell_spread = p.sell_price - spot if p.sell_price is not None and spot is not None else None
            out.append(
                {
                    "sku": p.sku,
                    "name": SKU_NAMES.get(p.sku or "", p.product_name),
                    "currency": p.currency_code,
                    "spot": spot,
                    "buy": p.buy_price,
                    "sell": p.sell_price,
                    "buy_spread": buy_spread,
                    "buy_spread_pct": float(buy_spread / spot) if buy_spread is not None and spot else None,
                    "sell_spread": sell_spread,
                    "sell_spread_pct": float(sell_spread / spot) if sell_spread is not None and spot else None,
                }
            )
        return out

    def table_html(self) -> str:
        """The current prices as an HTML table, one row per SKU."""
        rows = [
            (
                f"{r['name']} ({r['sku']})",
                r["spot"],
                r["buy"],
                r["sell"],
                signed(r["buy_spread"]),  # type: ignore[arg-type]
                percent(r["buy_spread_pct"]),
                signed(r["sell_spread"]),
                percent(r["sell_spread_pct"]),
            )  # type: ignore[arg-type]
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
