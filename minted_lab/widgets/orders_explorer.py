"""OrdersExplorer: filter the order history, fetch it page by page with a progress bar, see a table and a plot.

explorer = OrdersExplorer(client)
explorer.tx_type.value = "sell"
explorer.fetch()              # or explorer.fetch_button.click()
explorer.frame                # polars, frames.ORDERS_SCHEMA, one row per order (every status fetched)
explorer.totals()             # the executed orders' totals, as the chart draws them

OrdersExplorer(client, store=OrderStore("~/minted/history"))  # Fetch syncs the store, then filters it

The table lists every fetched order; the totals and the chart count the executed ones only
(`statuses=`, by default `catalog.EXECUTED_STATUSES`; None counts every status), and say so.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast

import ipywidgets as widgets
import polars as pl

from minted_lab import frames
from minted_lab.catalog import DIGITAL_SKUS, EXECUTED_STATUSES
from minted_lab.errors import MintedError
from minted_lab.history import pull_history, store_history
from minted_lab.models import OrderPage
from minted_lab.plots._statuses import Statuses, counted, status_set
from minted_lab.widgets._common import View, html_table, message_html, money, png_of, sku_options
from minted_lab.widgets._view import button, chart, environment_badge, framed, row, set_visible, slot, styled

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from minted_lab.client import MintedClient
    from minted_lab.store import OrderStore

__all__ = ["OrdersExplorer", "draw_order_totals"]

ANY = "any"
LABEL = {"description_width": "70px"}
TABLE_COLUMNS: tuple[str, ...] = (
    "order_code",
    "order_at",
    "type",
    "status_name",
    "customer_external_id",
    "currency",
    "total",
    "item_count",
)


def draw_order_totals(
    ax: Axes, orders: pl.DataFrame, environment: str | None = None, *, statuses: Statuses = EXECUTED_STATUSES
) -> Axes:
    """Order totals in GBP per day (per week beyond 60 days) split by type, drawn by ``plots.plot_order_totals``.

    Counts the orders of `statuses` only (default: the executed ones; None for every status).
    """
    from minted_lab.plots import plot_order_totals

    first, last = orders["order_at"].min(), orders["order_at"].max()
    long = isinstance(first, datetime) and isinstance(last, datetime) and (last - first).days > 60
    by: Literal["day", "week"] = "week" if long else "day"
    return plot_order_totals(orders, by=by, split="type", statuses=statuses, ax=ax, environment=environment)


class OrdersExplorer(View):
    """Filters (dates, type, status, SKU, customer), Fetch with page-by-page progress, a table, a plot, ``.frame``.

    ``statuses`` are the statuses the totals and the chart count: `catalog.EXECUTED_STATUSES` by
    default (a cancelled or refunded order moved no money), a set of names, or None for every status.
    With a ``store`` (`minted_lab.store.OrderStore`), Fetch brings the store up to date (only what can
    have changed is pulled) and filters its history locally, instead of pulling every page.
    """

    def __init__(
        self,
        client: MintedClient,
        *,
        rows: int = 15,
        plot: bool = True,
        statuses: Statuses = EXECUTED_STATUSES,
        store: OrderStore | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.statuses = status_set(statuses)
        self.environment: str = client.environment
        self.rows = rows
        self.plot = plot
        self.frame: pl.DataFrame = pl.DataFrame(schema=frames.ORDERS_SCHEMA)
        self.pages: list[OrderPage] = []
        self.error: BaseException | None = None

        self.badge = environment_badge(self.environment, client.base_url)
        self._build_filters()
        self.fetch_button = button("Fetch", "ml-fetch-button", icon="download", style="primary")
        self.progress = styled(
            widgets.IntProgress(value=0, min=0, max=1, description="Pages", style=LABEL), "ml-progress"
        )
        self.progress_label = widgets.HTML("")
        self.message = slot("ml-message")
        self.table = slot("ml-orders-table")
        self.chart = chart("ml-orders-chart")
        self.root = framed(
            self.badge,
            "Orders",
            [
                row(self.start_date, self.end_date),
                row(self.tx_type, self.status),
                row(self.sku, self.customer),
                row(self.fetch_button, self.progress, self.progress_label, centred=True),
                self.message,
                self.table,
                self.chart,
            ],
            "ml-orders-explorer",
        )
        self.fetch_button.on_click(lambda _: self.fetch())
        self.load_statuses()

    def _build_filters(self) -> None:
        """The filter inputs: dates, type, status (filled from the server), metal, customer."""
        self.start_date = styled(widgets.DatePicker(description="From", style=LABEL), "ml-start-date")
        self.end_date = styled(widgets.DatePicker(description="To", style=LABEL), "ml-end-date")
        self.tx_type = styled(
            widgets.Dropdown(
                options=[("any", ANY), ("buy", "buy"), ("sell", "sell"), ("delivery", "delivery")],
                value=ANY,
                description="Type",
                style=LABEL,
            ),
            "ml-tx-type",
        )
        self.status = styled(
            widgets.Dropdown(options=[("any", ANY)], value=ANY, description="Status", style=LABEL), "ml-status"
        )
        self.sku = styled(
            widgets.Dropdown(
                options=[("any", ANY), *sku_options(DIGITAL_SKUS)], value=ANY, description="Metal", style=LABEL
            ),
            "ml-sku",
        )
        self.customer = styled(
            widgets.Text(value="", placeholder="external id", description="Customer", style=LABEL), "ml-customer"
        )

    def load_statuses(self) -> None:
        """Fill the status filter from the server's own list (ids are never hard-coded)."""
        try:
            statuses = self.client.order_statuses()
        except MintedError as exc:
            self.message.value = message_html(f"could not load order statuses: {exc}", "warn")
            return
        self.status.options = [("any", ANY)] + [(s.name or str(s.id), s.id) for s in statuses if s.id is not None]

    def filters(self) -> dict[str, Any]:
        """The filters as ``client.iter_pages`` keywords (empty fields left out)."""
        wanted: dict[str, Any] = {
            "start_date": self.start_date.value,
            "end_date": self.end_date.value,
            "tx_type": None if self.tx_type.value == ANY else self.tx_type.value,
            "status": None if self.status.value == ANY else self.status.value,
            "sku": None if self.sku.value == ANY else self.sku.value,
            "customer_external_id": self.customer.value.strip() or None,
        }
        return {key: value for key, value in wanted.items() if value is not None}

    def fetch(self) -> pl.DataFrame | None:
        """Read every page of the filtered history (progress bar per page) into ``.frame``; None on error."""
        start, end = self.start_date.value, self.end_date.value
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.message.value = message_html("From is after To: nothing fetched", "error")
            return None
        self.fetch_button.disabled = True
        self.message.value = ""
        self.progress.bar_style = "info"
        self.progress.value, self.progress.max = 0, 1
        pages: list[OrderPage] = []

        def on_page(page: OrderPage, count: int) -> None:
            pages.append(page)
            self.progress.max = max(1, page.last_page, count)
            self.progress.value = count
            self.progress_label.value = f"{sum(len(p) for p in pages)} of {page.total} orders"

        try:
            if self.store is None:
                history = pull_history(self.client, on_page=on_page, **self.filters())
            else:
                self.progress_label.value = f"syncing {self.store.path}"
                history = store_history(self.store, self.client, progress=False, **self.filters())
            self.frame = history.orders
        except MintedError as exc:  # a StoreError is one too
            self.error = exc
            self.progress.bar_style = "danger"
            self.message.value = message_html(str(exc), "error")
            return None
        finally:
            self.fetch_button.disabled = False
        self.pages, self.error = pages, None
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        where = f"in {history.pages} pages" if self.store is None else f"from the store ({history.pages} pages synced)"
        self.progress_label.value = f"{self.frame.height} orders {where}"
        self.table.value = self.table_html()
        self._draw()
        return self.frame

    def counted(self) -> tuple[pl.DataFrame, str]:
        """(the fetched orders of ``statuses``, the note saying which statuses were counted)."""
        return counted(self.frame, self.statuses)

    def totals(self) -> pl.DataFrame:
        """Order count and total per type and currency (plus the GBP total) of the counted orders (``counted()``)."""
        return (
            self.counted()[0]
            .group_by("type", "currency")
            .agg(pl.len().alias("orders"), pl.col("total").sum(), pl.col("currency_total").sum().alias("total_gbp"))
            .sort("type", "currency")
        )

    def table_html(self) -> str:
        """The first ``rows`` orders as an HTML table, then the totals per type and currency."""
        frame = self.frame
        if frame.height == 0:
            return message_html("no orders match these filters", "info")
        head = frame.head(self.rows).select(TABLE_COLUMNS)
        rows = [[_text(row[c]) for c in TABLE_COLUMNS] for row in head.iter_rows(named=True)]
        shown = (
            f"first {head.height} of {frame.height} orders" if frame.height > head.height else f"{frame.height} orders"
        )
        included, note = self.counted()
        totals = [
            [t["type"], t["currency"], t["orders"], money(t["total"], 2), money(t["total_gbp"], 2)]
            for t in self.totals().iter_rows(named=True)
        ]
        grand = cast(Decimal, included["currency_total"].sum())  # a Decimal column sums to a Decimal
        if included.height == 0:
            summary = message_html(
                f"no totals: none of these orders is counted ({note.removeprefix('counted: ')})", "info"
            )
        else:
            summary = html_table(
                ("type", "currency", "orders", "total (in currency)", "total (GBP)"),
                totals,
                foot=("all", "", included.height, "", money(grand, 2)),
                css="ml-orders-totals",
                numeric_from=2,
            )
        return (
            f'<div style="color:#555">{shown}</div>'
            + html_table(
                ("code", "order at", "type", "status", "customer", "currency", "total", "items"),
                rows,
                css="ml-orders-rows",
                numeric_from=6,
            )
            + f'<div style="color:#555;margin-top:6px">totals, {html.escape(note)}</div>'
            + summary
        )

    def _draw(self) -> None:
        if not self.plot or self.counted()[0].height == 0:
            set_visible(self.chart, False)
            return
        self.chart.value = png_of(
            lambda ax: draw_order_totals(ax, self.frame, self.environment, statuses=self.statuses)
        )
        set_visible(self.chart, True)

    def __repr__(self) -> str:
        return f"<OrdersExplorer {self.environment} filters={self.filters()} orders={self.frame.height}>"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money(value, 2)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)
