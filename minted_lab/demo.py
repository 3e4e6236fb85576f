"""`minted-lab demo`: the toolkit end to end against a seeded local sandbox, with plots and an HTML report.

Starts a sandbox with six months of order history, reads prices, sells 250 g of silver through
a ticket (quote → preview → submit once), pulls the whole history into polars frames, then
writes to ``--out`` (default ``reports/``): ``price.png`` (gold's executed prices against spot),
``spread.png`` (the executed spread over spot of gold, silver and platinum), ``order_totals.png``
(GBP totals per month by type) and ``report.html`` (the quickstart and the analytics notebooks,
executed fresh in this interpreter's kernel with the demo's ``--seed`` and ``--history`` as their
parameters, so the report shows the sandbox the demo was asked for).

Every total, chart and median counts the executed orders only (`catalog.EXECUTED_STATUSES`): a
cancelled or refunded order moved no money. Progress bars (tqdm.auto) show only where a person
watches: a terminal, or a notebook.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["configure", "run"]

REPORT_NOTEBOOKS = ("01_quickstart", "04_order_history_analytics")
"""The notebooks executed into ``report.html``."""
SPREAD_SKUS = ("GAU", "GAG", "GPT")
"""Gold, silver and platinum: the SKUs of the spread plot (the B variants and palladium crowd it)."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options to its sub-parser."""
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="where to write the plots and the report (default: reports/)"
    )
    parser.add_argument("--seed", type=int, default=7, help="the sandbox's seed (default: 7)")
    parser.add_argument("--history", type=int, default=5000, help="past orders in the sandbox (default: 5000)")
    parser.add_argument("--no-report", action="store_true", help="skip executing the notebooks into report.html")


def run(args: argparse.Namespace) -> int:
    """Run the demo; print a short summary and where the outputs are. Returns the exit status."""
    started = time.perf_counter()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = _trade_and_plot(args, out)
    if not args.no_report:
        written.append(_report(out, {"seed": args.seed, "history": args.history}))
    print(f"\nWrote to {out.resolve()}/:")
    for path in written:
        print(f"  {path.name:<18} {_size(path)}")
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def _trade_and_plot(args: argparse.Namespace, out: Path) -> list[Path]:
    """The sandbox part: prices, a sell, the history, and the three PNGs drawn from it."""
    import polars as pl

    from minted_lab import frames
    from minted_lab.history import pull_history
    from minted_lab.ledger import Ledger
    from minted_lab.sandbox import Sandbox
    from minted_lab.trading import SellTicket

    with Sandbox(seed=args.seed, history=args.history) as sb, tempfile.TemporaryDirectory() as home:
        client = sb.client()
        ledger = Ledger(Path(home) / "ledger.sqlite")
        print(
            f"Sandbox: seed {args.seed}, {args.history} past orders, clock frozen at "
            f"{sb.clock.now():%Y-%m-%d %H:%M %Z} (Istanbul), serving {sb.url}"
        )

        prices = frames.prices_frame(client.product_prices("GBP"))
        print("\nPrices per gram (GBP), spread over spot:")
        print(_price_table(prices))

        ticket = SellTicket(client, {"GAG": 250}, ledger=ledger)
        quote = ticket.quote()
        line = ticket.preview().lines[0]
        result = ticket.submit()
        print(
            f"\nQuote {quote.token[:6]}… valid {quote.expire_ttl} s; sell 250 g GAG at {line.price} GBP/g "
            f"({line.spread_ratio:+.2%} vs spot)"
        )
        print(
            f"Sold: order {result.order_code} ({result.order.status_name}), total {result.total:.2f} GBP, "
            f"external id {result.external_id}"
        )

        pulled = time.perf_counter()
        history = pull_history(client, progress=watched())
        orders, items = history.orders, history.items
        print(
            f"\nHistory: {orders.height} orders on {history.pages} pages in {time.perf_counter() - pulled:.1f} s, "
            f"{_day(orders['order_at'].min())} to {_day(orders['order_at'].max())}"
        )
        print(_history_summary(orders))
        ledger.close()
        client.close()

    from minted_lab.plots import plot_order_totals, plot_price, plot_spread

    spread_items = items.filter(pl.col("sku").is_in(SPREAD_SKUS))  # the plots count the executed ones
    written = [
        _png(out / "price.png", lambda ax: plot_price(items, sku="GAU", currency="GBP", ax=ax, environment="sandbox")),
        _png(out / "spread.png", lambda ax: plot_spread(spread_items, ax=ax, environment="sandbox")),
        _png(
            out / "order_totals.png",
            lambda ax: plot_order_totals(orders, by="month", split="type", ax=ax, environment="sandbox"),
        ),
    ]
    print("\nPlotted: gold's executed prices against spot (GBP); the median spread over spot per SKU:")
    print(_spread_summary(executed_only(spread_items)))
    return written


def _price_table(prices: Any) -> str:
    """The current prices as aligned text: sku, spot, buy, sell and both spreads in percent."""
    lines = [f"  {'sku':<5}{'spot':>10}{'buy':>9}{'sell':>9}{'buy spread':>12}{'sell spread':>13}"]
    for row in prices.iter_rows(named=True):
        lines.append(
            f"  {row['sku']:<5}{row['spot'].normalize():>10}{_q2(row['buy']):>9}{_q2(row['sell']):>9}"
            f"{row['buy_spread_ratio']:>+12.2%}{row['sell_spread_ratio']:>+13.2%}"
        )
    return "\n".join(lines)


def watched() -> bool:
    """True when a person watches the output: stderr is a terminal, or this runs in a Jupyter kernel."""
    if sys.stderr.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def executed_only(frame: Any) -> Any:
    """The rows of an orders or items frame whose status is in `catalog.EXECUTED_STATUSES`."""
    import polars as pl

    from minted_lab.catalog import EXECUTED_STATUSES

    return frame.filter(pl.col("status_name").is_in(sorted(EXECUTED_STATUSES)).fill_null(False))


def _history_summary(orders: Any) -> str:
    """Order counts by status; count and GBP total of the executed buys and sells; the executed totals per month."""
    import polars as pl

    from minted_lab.catalog import EXECUTED_STATUSES
    from minted_lab.plots import totals_table
    from minted_lab.plots._statuses import status_names
    from minted_lab.plots._totals import partial_periods

    by_status = orders.group_by("status_name").len().sort("len", "status_name", descending=[True, False])
    lines = ["  by status: " + ", ".join(f"{r['status_name']} {r['len']}" for r in by_status.iter_rows(named=True))]
    executed = executed_only(orders)
    lines.append(
        f"  counted as executed ({status_names(EXECUTED_STATUSES)}): {executed.height} orders, "
        f"{orders.height - executed.height} others not counted"
    )
    per_type = (
        executed.group_by("type").agg(pl.len().alias("n"), pl.col("currency_total").sum().alias("gbp")).sort("type")
    )
    for row in per_type.iter_rows(named=True):
        lines.append(f"  executed {row['type'].lower() + 's':<6}{row['n']:>5} orders, {_q2(row['gbp']):>14,} GBP")
    table, _ = totals_table(orders, by="month", split="type")
    partial = set(partial_periods(orders, "month"))
    kinds = sorted(table["type"].unique().to_list())
    lines.append("  executed totals per month (GBP), as order_totals.png draws them (* partial month):")
    for (month,), part in table.group_by("period", maintain_order=True):
        gbp = dict(part.select("type", "gbp").iter_rows())
        cells = "  ".join(f"{kind} {_q2(gbp.get(kind, Decimal(0))):>12,}" for kind in kinds)
        lines.append(f"    {month:%Y-%m}{'*' if month in partial else ' '}  {cells}")
    return "\n".join(lines)


def _spread_summary(items: Any) -> str:
    """The median executed spread over spot per SKU and side (of the executed items given)."""
    import polars as pl

    medians = items.group_by("sku", "type").agg(pl.col("spread_ratio").median()).sort("sku", "type")
    by_sku: dict[str, dict[str, float]] = {}
    for row in medians.iter_rows(named=True):
        by_sku.setdefault(row["sku"], {})[row["type"]] = row["spread_ratio"]
    return "\n".join(
        f"  {sku:<4} buy {sides.get('Buy', float('nan')):+.2%}  sell {sides.get('Sell', float('nan')):+.2%}"
        for sku, sides in sorted(by_sku.items(), key=lambda kv: SPREAD_SKUS.index(kv[0]))
    )


def _q2(value: Decimal) -> Decimal:
    """Money rounded to the cent for display."""
    return value.quantize(Decimal("0.01"))


def _png(path: Path, draw: Callable[[Any], Any], *, size: tuple[float, float] = (9.0, 4.2)) -> Path:
    """Draw on a fresh figure (no pyplot state, no display needed) and save it as a PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=110, layout="constrained")
    draw(fig.add_subplot())
    fig.savefig(path, format="png")
    return path


def _report(out: Path, parameters: dict[str, Any]) -> Path:
    """Execute the report notebooks afresh in this interpreter's kernel, with ``parameters``, and export one HTML page."""
    from tqdm.auto import tqdm

    from minted_lab.report import NOTEBOOKS_DIR, execute_notebook, find_notebooks, write_html

    paths = find_notebooks(NOTEBOOKS_DIR, REPORT_NOTEBOOKS)
    if len(paths) != len(REPORT_NOTEBOOKS):
        raise SystemExit(
            f"minted-lab demo: the notebooks {', '.join(REPORT_NOTEBOOKS)} are not in {NOTEBOOKS_DIR} "
            "(run from a source checkout, or pass --no-report)"
        )
    asked = ", ".join(f"{name} {value}" for name, value in parameters.items())
    print(f"\nExecuting {', '.join(p.name for p in paths)} for the report ({asked})…", flush=True)
    executed = []
    with tqdm(total=len(paths), desc="report", unit="notebook", leave=False, disable=not watched()) as bar:
        for path in paths:
            bar.set_postfix_str(path.name)
            began = time.perf_counter()
            executed.append((path.stem, execute_notebook(path, parameters=parameters)))
            bar.update()
            bar.write(f"  {path.name}: {time.perf_counter() - began:.1f} s")
    return write_html(executed, out / "report.html", title="minted_lab demo: quickstart and order history analytics")


def _size(path: Path) -> str:
    """A file's size for people: ``89 KiB``."""
    size = path.stat().st_size
    return f"{size / 1024:,.0f} KiB" if size >= 1024 else f"{size} B"


def _day(value: object) -> str:
    """A frame's min/max time as its date (polars types the result loosely)."""
    return value.strftime("%Y-%m-%d") if isinstance(value, datetime) else str(value)
