"""What every widget shares in text and time: coloured messages, money, HTML tables, PNG charts, a ticker thread.

Outputs are written as widget values (``HTML.value``, ``Image.value``), never through ``with out:``,
so they read the same in a test without a front end as in a browser. How widgets are built and
laid out (badge, frame, fields, slots, buttons) is in ``_view``.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import ipywidgets as widgets

from minted_lab.catalog import sku_name

__all__ = [
    "MESSAGE_COLOURS",
    "THREAD_PREFIX",
    "Ticker",
    "View",
    "field_of",
    "html_table",
    "live_threads",
    "message_html",
    "metal_label",
    "png_of",
    "sku_options",
]

THREAD_PREFIX = "minted_lab.widgets"
"""Every background thread a widget starts is named with this prefix (tests look for leaks by it)."""

MESSAGE_COLOURS: dict[str, str] = {"error": "#b00020", "ok": "#1b7f3b", "warn": "#b35c00", "info": "#444444"}
"""The colour of each kind of message; the environment badges use the same three (ok, warn, error)."""


def message_html(text: str, kind: str = "info") -> str:
    """One escaped line of text coloured by kind (``error``, ``ok``, ``warn``, ``info``); empty text gives ``""``."""
    return message_span(html.escape(text), kind) if text else ""


def message_span(inner_html: str, kind: str = "info") -> str:
    """Markup already escaped, coloured by kind as :func:`message_html` colours text."""
    colour = MESSAGE_COLOURS.get(kind, MESSAGE_COLOURS["info"])
    return f'<span class="ml-{kind}" style="color:{colour}">{inner_html}</span>'


def metal_label(code: str) -> str:
    """How a SKU is shown in every table and menu: ``Silver (GAG)``."""
    return f"{sku_name(code)} ({code})"


def sku_options(codes: Iterable[str]) -> list[tuple[str, str]]:
    """Dropdown options for SKUs: ``("Silver (GAG)", "GAG")``, in the order given."""
    return [(metal_label(code), code) for code in codes]


def field_of(name: str) -> str:
    """Which input an error's field path concerns: ``amount``, ``currency``, ``customer``, ``sku`` or ``form``."""
    key = name.lower()
    if key.startswith("items") or "amount" in key or key == "total":
        return "amount"
    if key.startswith("currency"):
        return "currency"
    if key.startswith("customer"):
        return "customer"
    if key.startswith("sku"):
        return "sku"
    return "form"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return html.escape(str(value))


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    foot: Sequence[Any] | None = None,
    css: str = "ml-table",
    numeric_from: int = 1,
) -> str:
    """A small escaped HTML table; columns from ``numeric_from`` on are right-aligned (money, grams)."""

    def tr(cells: Sequence[Any], tag: str) -> str:
        return (
            "<tr>"
            + "".join(
                f'<{tag} style="text-align:{"right" if i >= numeric_from else "left"};padding:2px 8px">{_cell(c)}</{tag}>'
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    body = "".join(tr(row, "td") for row in rows)
    tail = f'<tfoot style="font-weight:bold;border-top:1px solid #999">{tr(foot, "td")}</tfoot>' if foot else ""
    return (
        f'<table class="{css}" style="border-collapse:collapse"><thead>{tr(headers, "th")}</thead>'
        f"<tbody>{body}</tbody>{tail}</table>"
    )


def signed(value: Decimal | None) -> str:
    """A money difference with its sign (``+2.0034``, ``-0.05``)."""
    return "" if value is None else f"{value:+}"


def money(value: Decimal | None, places: int | None = None) -> str:
    """Money as text: with ``places`` rounded to them, else with at least two decimals (``290`` → ``290.00``)."""
    if value is None:
        return ""
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places)):,}"
    return str(value.quantize(Decimal("0.01"))) if value.as_tuple().exponent > -2 else str(value)  # type: ignore[operator]


def percent(ratio: float | Decimal | None) -> str:
    """A ratio as a signed percentage with two decimals (``-0.0435`` → ``-4.35 %``)."""
    return "" if ratio is None else f"{float(ratio):+.2%}".replace("%", " %")


def png_of(draw: Callable[[Any], Any], *, size: tuple[float, float] = (7.2, 3.2), dpi: int = 96) -> bytes:
    """Draw on a fresh matplotlib Axes (no pyplot state) and return the figure as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def live_threads() -> list[threading.Thread]:
    """The widgets' background threads still alive (should be none once every widget is closed)."""
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX) and t.is_alive()]


class Ticker:
    """Calls ``action`` every ``interval`` seconds on a daemon thread until ``stop()`` (or ``action`` returns False)."""

    def __init__(self, interval: float, action: Callable[[], bool | None], name: str) -> None:
        self.interval = interval
        self.action = action
        self.name = f"{THREAD_PREFIX}.{name}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[BaseException] = []

    @property
    def running(self) -> bool:
        """True while the thread is alive and not told to stop."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        """Start the thread (a no-op while it runs)."""
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name=self.name, daemon=True)
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                if self.action() is False:
                    stop.set()
            except Exception as exc:  # a failing refresh must not kill the kernel's thread silently
                self.errors.append(exc)
                stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it, unless called from the thread itself."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)


def walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """A widget and every widget below it in its boxes."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


class View:
    """Base of the widget views: a ``root`` box shown by ``display(view)``, closed with its tickers by ``close()``."""

    root: widgets.Box
    closed: bool = False

    def _tickers(self) -> Iterable[Ticker]:
        return ()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = self.root._repr_mimebundle_(**kwargs)
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.root)  # type: ignore[no-untyped-call]  # IPython's display has no annotations

    def close(self) -> None:
        """Stop background threads and close every widget of the view (the client and ledger stay open)."""
        for ticker in self._tickers():
            ticker.stop()
        if not self.closed:
            for widget in list(walk(self.root)):
                widget.close()
        self.closed = True

    def __enter__(self) -> View:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
