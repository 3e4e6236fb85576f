"""The view helpers every widget is built from: badge header, frame, fields with error slots, slots,
buttons, charts; and the menus the views offer, which come from the catalogue."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from minted_lab.catalog import CURRENCIES, DIGITAL_SKUS, FORM_SKUS, SKUS
from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.widgets import ENVIRONMENT_COLOURS, BuyForm, OrdersExplorer, PriceBoard, SellForm
from minted_lab.widgets._common import MESSAGE_COLOURS, message_html, message_span, metal_label, sku_options
from minted_lab.widgets._view import (
    button,
    chart,
    environment_badge,
    error_slot,
    field,
    framed,
    header,
    row,
    set_visible,
    slot,
    styled,
)

from .conftest import visible


def classes(widget: widgets.DOMWidget) -> list[str]:
    """The widget's CSS classes, in the order they were added."""
    return list(widget._dom_classes)


def test_styled_adds_the_classes_in_order_and_returns_the_same_widget() -> None:
    text = widgets.Text()
    assert styled(text, "ml-a", "ml-b") is text
    assert classes(text) == ["ml-a", "ml-b"]


@pytest.mark.parametrize("environment", ["sandbox", "staging", "production"])
def test_the_badge_names_the_environment_in_its_colour(environment: str) -> None:
    badge = environment_badge(environment, "https://user:secret@api.example.test:8443/v1")
    assert environment.upper() in badge.value and ENVIRONMENT_COLOURS[environment] in badge.value
    assert classes(badge) == ["ml-env-badge", f"ml-env-{environment}"]
    assert "api.example.test:8443" in badge.value


def test_an_unknown_environment_is_shown_red_and_escaped() -> None:
    badge = environment_badge("<qa>")
    assert ENVIRONMENT_COLOURS["production"] in badge.value
    assert "&lt;QA&gt;" in badge.value and "<QA>" not in badge.value


def test_the_badge_colours_are_the_message_colours() -> None:
    by_tone = {"sandbox": "ok", "staging": "warn", "production": "error"}
    assert set(ENVIRONMENT_COLOURS) == set(by_tone)
    assert all(ENVIRONMENT_COLOURS[environment] == MESSAGE_COLOURS[tone] for environment, tone in by_tone.items())
    assert len(set(ENVIRONMENT_COLOURS.values())) == 3


def test_header_and_frame_put_the_badge_first_and_the_title_beside_it() -> None:
    badge = environment_badge("sandbox")
    line = header(badge, "Prices & spreads")
    assert line.children[0] is badge and line.children[1].value == "<b>Prices &amp; spreads</b>"
    assert line.layout.justify_content == "space-between" and line.layout.width == "680px"
    body = [widgets.HTML("one"), widgets.HTML("two")]
    box = framed(badge, "Title", body, "ml-view", "ml-view-kind")
    assert isinstance(box, widgets.VBox) and box.children[0].children[0] is badge
    assert list(box.children[1:]) == body
    assert classes(box) == ["ml-view", "ml-view-kind"]
    assert box.layout.width == "700px" and box.layout.border == "1px solid #ccc"


def test_a_field_holds_its_input_above_its_error_slot() -> None:
    amount = widgets.Text()
    error = error_slot("amount")
    box = field(amount, error)
    assert list(box.children) == [amount, error] and box.layout.width == "340px"
    assert error.value == "" and classes(error) == ["ml-amount-error", "ml-field-error"]


def test_slots_start_empty_and_carry_their_classes() -> None:
    message = slot("ml-message", "ml-extra")
    assert isinstance(message, widgets.HTML) and message.value == ""
    assert classes(message) == ["ml-message", "ml-extra"]


def test_button_sets_its_look_its_classes_and_any_option() -> None:
    go = button("Go", "ml-go-button", "ml-submit-button", icon="check", style="danger", disabled=True, tooltip="t")
    assert (go.description, go.icon, go.button_style, go.disabled, go.tooltip) == ("Go", "check", "danger", True, "t")
    assert classes(go) == ["ml-go-button", "ml-submit-button"]


def test_a_chart_starts_hidden_and_empty_and_set_visible_toggles_it() -> None:
    image = chart("ml-chart")
    assert isinstance(image, widgets.Image) and bytes(image.value) == b"" and image.format == "png"
    assert classes(image) == ["ml-chart"] and not visible(image)
    set_visible(image, True)
    assert visible(image) and image.layout.display is None
    set_visible(image, False)
    assert image.layout.display == "none"


def test_rows_line_up_side_by_side_centred_on_request() -> None:
    a, b = widgets.HTML("a"), widgets.HTML("b")
    plain, centred = row(a, b), row(a, b, centred=True)
    assert list(plain.children) == list(centred.children) == [a, b]
    assert plain.layout.align_items is None and centred.layout.align_items == "center"


def test_messages_are_escaped_and_coloured_by_kind() -> None:
    assert message_html("") == ""
    assert message_html("a < b", "error") == message_span("a &lt; b", "error")
    assert (
        message_span("<b>x</b>", "warn")
        == f'<span class="ml-warn" style="color:{MESSAGE_COLOURS["warn"]}"><b>x</b></span>'
    )
    assert MESSAGE_COLOURS["info"] in message_html("x", "no-such-kind")


def test_metal_labels_come_from_the_catalogue() -> None:
    assert metal_label("GAG") == "Silver (GAG)" and metal_label("XYZ") == "XYZ (XYZ)"
    assert sku_options(FORM_SKUS) == [(f"{SKUS[s].name} ({s})", s) for s in FORM_SKUS]


def test_every_view_is_framed_with_its_badge_first(client: MintedClient, ledger: Ledger) -> None:
    views: list[SellForm | BuyForm | OrdersExplorer | PriceBoard] = [
        SellForm(client, ledger),
        BuyForm(client, ledger),
        OrdersExplorer(client),
        PriceBoard(client),
    ]
    try:
        for view, css in zip(
            views, ["ml-sell-form", "ml-buy-form", "ml-orders-explorer", "ml-price-board"], strict=True
        ):
            assert view.root.children[0].children[0] is view.badge
            assert css in classes(view.root) and view.root.layout.width == "700px"
    finally:
        for view in views:
            view.close()


def test_the_menus_offer_the_catalogue(client: MintedClient, ledger: Ledger) -> None:
    form, explorer, board = SellForm(client, ledger), OrdersExplorer(client), PriceBoard(client)
    try:
        assert [code for _, code in form.sku.options] == list(FORM_SKUS)
        assert list(form.currency.options) == list(board.currency.options) == list(CURRENCIES)
        assert [code for _, code in explorer.sku.options] == ["any", *DIGITAL_SKUS]
        chart_skus = [code for _, code in board.chart_sku.options]
        assert chart_skus[: len(FORM_SKUS)] == list(FORM_SKUS) and sorted(chart_skus) == sorted(SKUS)
        assert ("B Gold (BGAU)", "BGAU") in board.chart_sku.options
    finally:
        form.close()
        explorer.close()
        board.close()
