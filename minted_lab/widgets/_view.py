"""How every widget view is put together: the environment badge header, a titled frame, rows,
labelled fields with their error slots, message slots, css-classed buttons and a chart.

Each view module builds its widgets from these, so the badge, a field's error slot or the frame
look alike and carry the same CSS classes everywhere (the tests and the browser test find the
widgets by those classes). Nothing here knows what a view does.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import ipywidgets as widgets

from minted_lab.widgets._common import MESSAGE_COLOURS

__all__ = [
    "ENVIRONMENT_COLOURS",
    "button",
    "chart",
    "environment_badge",
    "error_slot",
    "field",
    "framed",
    "header",
    "row",
    "set_visible",
    "slot",
    "styled",
]

W = TypeVar("W", bound=widgets.DOMWidget)

ENVIRONMENT_COLOURS: dict[str, str] = {
    "sandbox": MESSAGE_COLOURS["ok"],
    "staging": MESSAGE_COLOURS["warn"],
    "production": MESSAGE_COLOURS["error"],
}
"""Badge colours: green sandbox, amber staging, red production (an unknown environment is red too)."""

FRAME_WIDTH = 700
"""Every view's width in pixels; its header line is 20 px narrower, a field half of it."""


def styled(widget: W, *css: str) -> W:
    """The widget with these CSS classes added, in this order (how the tests and the browser find it)."""
    for name in css:
        widget.add_class(name)
    return widget


def set_visible(widget: widgets.DOMWidget, visible: bool) -> None:
    """Show or hide a widget without removing it from its box."""
    widget.layout.display = None if visible else "none"


def environment_badge(environment: str, base_url: str = "") -> widgets.HTML:
    """A coloured SANDBOX / STAGING / PRODUCTION label with the API host, always shown at a widget's top."""
    colour = ENVIRONMENT_COLOURS.get(environment, ENVIRONMENT_COLOURS["production"])
    host = urlsplit(base_url).netloc if base_url else ""
    where = f' <span style="color:#555;font-size:0.9em">{html.escape(host)}</span>' if host else ""
    badge = widgets.HTML(
        f'<span class="ml-env-label" style="background:{colour};color:#fff;padding:2px 10px;border-radius:4px;'
        f'font-weight:bold;letter-spacing:0.08em">{html.escape(environment.upper())}</span>{where}'
    )
    return styled(badge, "ml-env-badge", f"ml-env-{environment}")


def header(badge: widgets.HTML, title: str) -> widgets.HBox:
    """A view's top line: the environment badge at the left, the view's title at the right."""
    return widgets.HBox(
        [badge, widgets.HTML(f"<b>{html.escape(title)}</b>")],
        layout=widgets.Layout(justify_content="space-between", width=f"{FRAME_WIDTH - 20}px"),
    )


def framed(badge: widgets.HTML, title: str, rows: Sequence[widgets.Widget], *css: str) -> widgets.VBox:
    """A view's box: the badge header, then its rows, bordered; ``css`` names the view for the browser."""
    box = widgets.VBox(
        [header(badge, title), *rows],
        layout=widgets.Layout(padding="6px", border="1px solid #ccc", width=f"{FRAME_WIDTH}px"),
    )
    return styled(box, *css)


def row(*children: widgets.Widget, centred: bool = False) -> widgets.HBox:
    """Widgets side by side; ``centred`` lines them up on their middle (a button beside its label)."""
    if centred:
        return widgets.HBox(list(children), layout=widgets.Layout(align_items="center"))
    return widgets.HBox(list(children))


def slot(*css: str) -> widgets.HTML:
    """An empty line of HTML for a message, a notice, a table or a result, found by its classes."""
    return styled(widgets.HTML(""), *css)


def error_slot(name: str) -> widgets.HTML:
    """The slot under the input ``name`` where its errors are shown (``ml-amount-error``, ``ml-field-error``)."""
    return slot(f"ml-{name}-error", "ml-field-error")


def field(widget: widgets.Widget, error: widgets.HTML) -> widgets.VBox:
    """An input above its error slot, half the frame wide, so two fit side by side."""
    return widgets.VBox([widget, error], layout=widgets.Layout(width=f"{FRAME_WIDTH // 2 - 10}px"))


def button(description: str, *css: str, icon: str, style: str, **options: Any) -> widgets.Button:
    """A button with an icon and a style (``info``, ``danger``, ``warning``, ``primary``), found by its classes."""
    return styled(widgets.Button(description=description, icon=icon, button_style=style, **options), *css)


def chart(*css: str) -> widgets.Image:
    """An empty PNG slot for a view's chart, hidden until there is something to draw."""
    image = styled(widgets.Image(value=b"", format="png", layout=widgets.Layout(max_width="690px")), *css)
    set_visible(image, False)
    return image
