"""SellForm over a real sandbox: set values, click, read the widgets and the state; the sandbox says what was sent."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.widgets import ENVIRONMENT_COLOURS, BuyForm, SellForm, live_threads

from .conftest import order_code, sent, visible


def quoted(form: SellForm, grams: str = "250", sku: str = "GAG") -> SellForm:
    """The form with an amount typed and a quote taken."""
    form.sku.value = sku
    form.amount.value = grams
    form.quote_button.click()
    assert form.ticket is not None and form.ticket.state == "quoted", form.field_errors
    return form


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("abc", "the digits 0-9"),
        ("", "an amount in grams"),
        ("-5", "a positive number of grams"),
        ("2.5", "a whole number of grams"),
        ("1000000000", "fewer than 1,000,000,000 grams"),
        ("1e400000", "the digits 0-9"),
        ("NaN", "the digits 0-9"),
    ],
)
def test_a_bad_amount_is_shown_under_the_amount_field_and_nothing_is_sent(
    sb: Sandbox, form: SellForm, typed: str, expected: str
) -> None:
    before = len(sb.requests)
    form.amount.value = typed
    form.quote_button.click()
    assert expected in form.field_errors["amount"]
    assert expected in form.errors["amount"].value and "ml-error" in form.errors["amount"].value
    assert set(form.field_errors) == {"amount"} and form.errors["form"].value == ""
    assert form.ticket is None and form.preview.value == "" and form.sell_button.disabled
    assert len(sb.requests) == before


def test_amount_is_read_by_the_validator_never_as_a_float(form: SellForm) -> None:
    form.amount.value = " 1000 "
    assert form.parse_amount() == 1000 and type(form.parse_amount()) is int


def test_editing_the_amount_clears_its_error(form: SellForm) -> None:
    form.amount.value = "x"
    form.quote()
    assert "amount" in form.field_errors
    form.amount.value = "10"
    assert "amount" not in form.field_errors and form.errors["amount"].value == ""


def test_quote_shows_a_preview_matching_the_quote_and_a_countdown(form: SellForm) -> None:
    ticket = quoted(form).ticket
    assert ticket is not None and ticket.current_quote is not None
    price = ticket.current_quote.price("GAG")
    assert price.sell_price is not None and price.spot_price is not None
    preview = form.preview_data
    assert preview is not None and len(preview.lines) == 1
    line = preview.lines[0]
    assert (line.sku, line.price, line.spot_price, line.amount) == (
        "GAG",
        price.sell_price,
        price.spot_price,
        Decimal(250),
    )
    assert line.total == (price.sell_price * 250).quantize(Decimal("0.01"))
    for text in (
        "Silver (GAG)",
        str(price.sell_price),
        str(price.spot_price),
        f"{line.spread:+}",
        str(line.total),
        "sell price / g",
        ticket.external_id,
    ):
        assert text in form.preview.value
    assert form.countdown_text() == "quote valid for 4:00 (240 s)"
    assert "240 s" in form.countdown.value
    assert form.countdown_running


def test_countdown_text_follows_the_quote_clock(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    sb.clock.advance(100)
    assert form.countdown_text() == "quote valid for 2:20 (140 s)"
    assert form.tick() is True and "140 s" in form.countdown.value
    sb.clock.advance(140)
    assert form.countdown_text() == "quote expired: quote again"
    assert form.tick() is False and not form.countdown_running
    assert "expired" in form.countdown.value


def test_the_refresher_thread_updates_the_label_by_itself_and_stops_on_close(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    form = SellForm(client, ledger, tick_seconds=0.05)
    quoted(form)
    sb.clock.advance(10)
    deadline = time.monotonic() + 5
    while "230 s" not in form.countdown.value and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "230 s" in form.countdown.value
    assert [t.name for t in live_threads()] == ["minted_lab.widgets.Sell-countdown"]
    form.close()
    assert live_threads() == [] and form.closed


def test_the_refresher_stops_by_itself_when_the_quote_expires(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    form = SellForm(client, ledger, tick_seconds=0.05)
    quoted(form)
    sb.clock.advance(300)
    deadline = time.monotonic() + 5
    while form.countdown_running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not form.countdown_running and live_threads() == []
    assert "expired" in form.countdown.value and form.sell_button.disabled
    form.close()


def test_sell_is_enabled_only_with_a_fresh_quote_and_a_ticked_confirmation(sb: Sandbox, form: SellForm) -> None:
    assert form.sell_button.disabled and form.submit_blocker() == "quote first"
    form.confirm.value = True
    assert form.sell_button.disabled
    quoted(form)
    assert form.confirm.value is False, "a new quote asks for a new confirmation"
    assert form.sell_button.disabled and form.submit_blocker() == "tick the confirmation"
    form.sell_button.click()
    assert sent(sb, "sell") == [] and "tick the confirmation" in form.errors["form"].value
    form.confirm.value = True
    assert not form.sell_button.disabled and form.can_submit


def test_confirm_and_sell_shows_the_sandbox_order(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    form.sell_button.click()
    orders = sb.orders()
    assert len(orders) == 1 and len(sent(sb, "sell")) == 1
    order = orders[0]
    assert form.result is not None and form.result.order_code == order["order_code"]
    assert f'<b class="ml-order-code">{order["order_code"]}</b>' in form.result_html.value
    assert f"{Decimal(str(order['total'])):.2f} GBP" in form.result_html.value
    assert order["external_id"] == form.ticket.external_id  # type: ignore[union-attr]
    assert (
        form.result_text()
        == f"placed order {order['order_code']}, Pending, total {Decimal(str(order['total'])):.2f} GBP"
    )
    assert form.sell_button.disabled and not form.confirm.value and form.field_errors == {}
    assert not form.countdown_running


def test_a_double_click_sends_one_order(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    form.sell_button.click()
    form.sell_button.click()
    assert len(sent(sb, "sell")) == 1 and len(sb.orders()) == 1
    assert "already placed" in form.notice and form.field_errors == {}
    assert form.errors["form"].value == "", "a repeated click is a quiet no-op: the result already says placed"


def test_two_clicks_at_once_send_one_order_and_the_button_is_disabled_in_flight(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    sb.faults.inject("sell", "latency", seconds=0.5)
    seen_disabled: list[bool] = []
    start = threading.Barrier(2)

    def click() -> None:
        start.wait()
        form.sell_button.click()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2
    while not form.busy and time.monotonic() < deadline:
        time.sleep(0.005)
    seen_disabled.append(form.sell_button.disabled and form.quote_button.disabled)
    for thread in threads:
        thread.join(10)
    assert seen_disabled == [True]
    assert len(sent(sb, "sell")) == 1 and len(sb.orders()) == 1
    assert form.result is not None and form.result.order_code == sb.orders()[0]["order_code"]


def test_an_expired_quote_is_refused_and_a_new_quote_sells(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    sb.clock.advance(300)
    assert form.submit_blocker() == "the quote expired: quote again"
    form.sell_button.click()
    assert sent(sb, "sell") == [] and "expired" in form.notice and order_code(form) is None
    assert form.tick() is False and form.sell_button.disabled
    first = form.ticket
    form.quote_button.click()
    assert form.countdown_text() == "quote valid for 4:00 (240 s)"
    assert form.ticket is first, "nothing was sent, so the same ticket (same external id) is quoted again"
    form.confirm.value = True
    form.sell_button.click()
    assert len(sent(sb, "sell")) == 1
    assert order_code(form) == sb.orders()[0]["order_code"]


def test_editing_an_input_after_quoting_drops_the_quote(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    form.amount.value = "300"
    assert form.ticket is None and form.preview.value == "" and form.sell_button.disabled
    assert not form.countdown_running
    quoted(form, "300")
    form.confirm.value = True
    form.sell()
    assert [i["amount"] for i in sb.orders()[0]["items"]] == [300]


def test_a_dropped_answer_shows_unknown_with_resolve_and_resolve_places_one_order(sb: Sandbox, form: SellForm) -> None:
    quoted(form)
    form.confirm.value = True
    sb.faults.inject("sell", "drop_after_commit")
    assert form.sell() is None
    assert form.ticket.state == "unknown"  # type: ignore[union-attr]
    assert "outcome unknown" in form.result_text() and "ml-outcome-unknown" in form.result_html.value
    assert visible(form.resolve_button) and not form.resolve_button.disabled
    assert visible(form.resend_button) and not form.resend_button.disabled
    eid = form.ticket.external_id  # type: ignore[union-attr]
    assert form.sell_button.disabled
    assert form.submit_blocker() == f"the outcome of {eid} is unknown: Send again (safe) or Resolve it"
    form.quote_button.click()
    assert "No new sell started" in form.unsettled_html.value and eid in form.unsettled_html.value
    assert visible(form.new_order_anyway) and len(sent(sb, "pricefix")) == 1
    form.sell_button.click()
    assert len(sent(sb, "sell")) == 1
    form.resolve_button.click()
    assert form.ticket.state == "placed"  # type: ignore[union-attr]
    orders = sb.orders()
    assert len(orders) == 1 and len(sent(sb, "sell")) == 1
    assert form.result is not None and form.result.order_code == orders[0]["order_code"]
    assert orders[0]["order_code"] in form.result_html.value
    assert not visible(form.resolve_button) and not visible(form.resend_button)
    assert form.unsettled_html.value == "" and not visible(form.new_order_anyway)


def test_a_refused_sell_shows_the_api_error_under_the_amount(sb: Sandbox, form: SellForm) -> None:
    quoted(form, grams="999999999")
    form.confirm.value = True
    form.sell()
    assert sent(sb, "sell") and sb.orders() == []
    assert "items.0.amount" in form.field_errors["amount"]
    assert form.ticket.state == "not_placed" and "not placed" in form.result_text()  # type: ignore[union-attr]


def test_customer_errors_are_shown_under_the_customer_field(sb: Sandbox, form: SellForm) -> None:
    form.customer.value = "a b"
    form.amount.value = "10"
    form.quote()
    assert "characters of A-Z" in form.field_errors["customer"] and set(form.field_errors) == {"customer"}
    assert sent(sb, "pricefix") == []
    form.customer.value = "no-such-customer"
    assert "customer" not in form.field_errors
    form.quote()
    form.confirm.value = True
    form.sell()
    assert form.field_errors["customer"].startswith("customer.external_id: ")
    assert "ml-error" in form.errors["customer"].value and sb.orders() == []
    assert form.ticket.state == "not_placed"  # type: ignore[union-attr]


def test_the_environment_badge_is_always_shown(form: SellForm) -> None:
    assert form.root.children[0].children[0] is form.badge
    assert "SANDBOX" in form.badge.value and ENVIRONMENT_COLOURS["sandbox"] in form.badge.value
    assert "ml-env-sandbox" in form.badge._dom_classes
    assert len(set(ENVIRONMENT_COLOURS.values())) == 3


def test_production_requires_typing_the_environment_name(sb: Sandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with (
        MintedClient(sb.url, sb.username, sb.password, environment="production", clock=sb.clock.now) as client,
        Ledger.for_client(client, directory=tmp_path) as ledger,
    ):
        form = SellForm(client, ledger)
        try:
            assert "PRODUCTION" in form.badge.value and ENVIRONMENT_COLOURS["production"] in form.badge.value
            assert not visible(form.confirm) and visible(form.confirm_text)
            quoted(form)
            form.confirm.value = True
            assert form.sell_button.disabled and form.submit_blocker() == "type production to confirm"
            form.confirm_text.value = "prod"
            form.sell_button.click()
            assert sent(sb, "sell") == []
            form.confirm_text.value = "production"
            assert not form.sell_button.disabled
            form.sell_button.click()
            assert len(sb.orders()) == 1 and form.result is not None
            assert form.result.order_code == sb.orders()[0]["order_code"]
            assert form.confirm_text.value == ""
        finally:
            form.close()


def test_displaying_the_form_shows_its_root_box_and_no_secret(form: SellForm) -> None:
    bundle = form._repr_mimebundle_()
    assert bundle is not None
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.root.model_id
    quoted(form)
    texts = [repr(form), str(bundle)] + [getattr(w, "value", "") for w in form.root.children]
    assert all(Sandbox.password not in str(t) for t in texts)
    assert repr(form).startswith("<SellForm sandbox 250 g GAG GBP [quoted, quote valid for")


def test_close_closes_every_widget(form: SellForm) -> None:
    quoted(form)
    form.close()
    assert form.sell_button.comm is None and form.root.comm is None and not form.countdown_running


def test_buy_form_shares_the_workflow(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    form = BuyForm(client, ledger)
    try:
        form.sku.value = "GAU"
        form.amount.value = "1.2345"
        form.quote()
        assert "buy price / g" in form.preview.value
        form.confirm.value = True
        form.buy_button.click()
        order = sb.orders()[0]
        assert order["type"] == "Buy" and form.result is not None and form.result.order_code == order["order_code"]
    finally:
        form.close()
