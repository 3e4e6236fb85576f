"""An answer that never comes: the form says the sell may still land, offers Send again, and never
starts a second order unless the user explicitly asks for one. Driven like a user, against the sandbox."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.trading import UnsettledOrderWarning
from minted_lab.widgets import BuyForm, SellForm

from .conftest import sent, state, visible


@pytest.fixture
def slow_form(sb: Sandbox, ledger: Ledger) -> Iterator[SellForm]:
    """A SellForm whose client gives up on an answer after 0.5 s (the bug report's setup)."""
    with sb.client(timeout=0.5) as impatient:
        form = SellForm(impatient, ledger)
        yield form
        form.close()


def grams_sold(sb: Sandbox) -> list[int]:
    """The grams of every order the sandbox holds, sorted."""
    return sorted(int(item["amount"]) for order in sb.orders() for item in order["items"])


def sell_into(sb: Sandbox, form: SellForm, fault: str, grams: str = "5", **params: Any) -> str:
    """Quote, confirm and sell ``grams`` g GAG while ``fault`` hits the sell; returns the external id."""
    form.amount.value = grams
    form.quote_button.click()
    form.confirm.value = True
    sb.faults.inject("sell", fault, **params)
    form.sell_button.click()
    assert form.ticket is not None and form.ticket.state == "unknown", form.field_errors
    return form.ticket.external_id


def timed_out_then_refused(sb: Sandbox, form: SellForm, ledger: Ledger) -> str:
    """The bug report up to the user's second thoughts: 5 g times out, Resolve finds nothing yet,
    then 6 g is typed and both Quote and Sell refuse to start a new order; then the slow sell lands."""
    eid = sell_into(sb, form, "latency", seconds=1.5)
    assert "outcome unknown" in form.result_text()
    form.resolve_button.click()
    assert form.ticket is not None and form.ticket.state == "unknown"
    assert "not placed" not in form.result_text() and "not placed" not in form.result_html.value
    assert f"not found yet; it may still land for 300 s ({eid})" in form.result_text()
    assert "ml-outcome-unknown" in form.result_html.value
    assert visible(form.resend_button) and not form.resend_button.disabled
    assert "ml-resend-button" in form.resend_button._dom_classes
    assert form.sell_button.disabled and ledger.intent(eid).state == "open"  # type: ignore[union-attr]

    first = form.ticket
    quotes = len(sent(sb, "pricefix"))
    form.amount.value = "6"
    assert form.ticket is first, "typing never drops an order that may still land"
    form.quote_button.click()
    assert form.ticket is first and len(sent(sb, "pricefix")) == quotes
    warning = form.unsettled_html.value
    assert f"No new sell started: the earlier 5 g GAG sell ({eid}) may still land for 300 s" in warning
    assert "Send again finishes it safely" in warning and "ml-warn" in warning
    assert visible(form.new_order_anyway) and form.new_order_anyway.value is False
    assert form.new_order_anyway.description == "Sell 6 g GAG as a NEW order (the earlier 5 g GAG sell may still land)"
    assert form.notice.startswith("No new sell started: ")
    sells = len(sent(sb, "sell"))
    form.sell_button.click()
    assert len(sent(sb, "sell")) == sells and form.ticket is first
    assert "Send again" in form.notice
    assert sb.wait_idle()
    assert len(sent(sb, "sell")) == 1 and [o["external_id"] for o in sb.orders()] == [eid], (
        "the slow sell landed after the client gave up"
    )
    return eid


def test_send_again_after_the_slow_sell_lands_ends_with_one_order(
    sb: Sandbox, slow_form: SellForm, ledger: Ledger
) -> None:
    eid = timed_out_then_refused(sb, slow_form, ledger)
    slow_form.resend_button.click()
    orders = sb.orders()
    assert len(orders) == 1 and grams_sold(sb) == [5]
    assert slow_form.ticket is not None and slow_form.ticket.state == "placed"
    assert slow_form.result is not None and slow_form.result.order_code == orders[0]["order_code"]
    assert f'<b class="ml-order-code">{orders[0]["order_code"]}</b>' in slow_form.result_html.value
    assert len(sent(sb, "sell")) == 2, "the resend was sent, and refused as a duplicate"
    intent = ledger.intent(eid)
    assert intent is not None and intent.state == "placed" and intent.order_code == orders[0]["order_code"]
    assert ledger.open_intents() == []
    assert slow_form.unsettled_html.value == "" and not visible(slow_form.new_order_anyway)
    assert not visible(slow_form.resend_button) and not visible(slow_form.resolve_button)

    slow_form.resend_button.click()
    slow_form.sell_button.click()
    assert len(sent(sb, "sell")) == 2 and len(sb.orders()) == 1


def test_an_explicit_new_order_gives_two_orders_and_the_ledger_records_both(
    sb: Sandbox, slow_form: SellForm, ledger: Ledger
) -> None:
    eid = timed_out_then_refused(sb, slow_form, ledger)
    first = slow_form.ticket

    slow_form.new_order_anyway.value = True
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        slow_form.quote_button.click()
    assert [w for w in escaped if issubclass(w.category, UnsettledOrderWarning)] == [], "answered in the form"
    second = slow_form.ticket
    assert second is not None and second is not first and second.external_id != eid
    assert second.state == "quoted" and second.items == {"GAG": 6}
    assert slow_form.new_order_anyway.value is False and not visible(slow_form.new_order_anyway)
    assert f"The earlier 5 g GAG sell ({eid}) may still land" in slow_form.unsettled_html.value

    slow_form.confirm.value = True
    slow_form.sell_button.click()
    assert state(second) == "placed" and grams_sold(sb) == [5, 6]
    assert f"({eid}) may still land for 300 s: Resolve looks it up" in slow_form.unsettled_html.value
    assert visible(slow_form.resolve_button) and not slow_form.resolve_button.disabled

    slow_form.resolve_button.click()
    assert ledger.open_intents() == []
    placed = {i.external_id: i.order_code for i in ledger.intents("placed")}
    assert placed == {o["external_id"]: o["order_code"] for o in sb.orders()}, "nothing unrecorded"
    assert set(placed) == {eid, second.external_id}
    assert slow_form.unsettled_html.value == "" and not visible(slow_form.resolve_button)
    assert second.result is not None and second.result.order_code in slow_form.result_html.value
    assert len(sent(sb, "sell")) == 2


def test_a_dropped_request_stays_unknown_until_send_again_places_it_once(
    sb: Sandbox, form: SellForm, ledger: Ledger
) -> None:
    eid = sell_into(sb, form, "drop_before_commit")
    form.resolve_button.click()
    assert state(form) == "unknown" and sb.orders() == []
    assert "not found yet; it may still land for 300 s" in form.result_text()
    sb.clock.advance(100)
    form.resolve_button.click()
    assert "it may still land for 200 s" in form.result_text()
    assert "not placed" not in form.result_text()

    form.resend_button.click()
    orders = sb.orders()
    assert [o["external_id"] for o in orders] == [eid] and grams_sold(sb) == [5]
    assert state(form) == "placed" and form.result is not None
    assert form.result.order_code in form.result_html.value
    assert ledger.intent(eid).attempts == 2  # type: ignore[union-attr]
    assert "not_placed" not in [o["outcome"] for o in ledger.outcomes(eid)]


def test_after_the_settle_window_it_is_not_placed_and_send_again_shows_new_prices_first(
    sb: Sandbox, form: SellForm, client: MintedClient
) -> None:
    eid = sell_into(sb, form, "drop_before_commit")
    sb.clock.advance(client.settle_window - 1)
    form.resolve_button.click()
    assert state(form) == "unknown" and "may still land for 1 s" in form.result_text()
    sb.clock.advance(1)
    form.resolve_button.click()
    assert state(form) == "not_placed"
    assert form.result_text().startswith(f"not placed ({eid}): the API has no order")
    assert visible(form.resend_button) and not form.resend_button.disabled

    quotes = len(sent(sb, "pricefix"))
    form.resend_button.click()
    assert len(sent(sb, "sell")) == 1, "the quote had expired: new prices are shown, nothing is sent"
    assert len(sent(sb, "pricefix")) == quotes + 1
    assert "confirm them, then press Sell" in form.errors["form"].value
    assert state(form) == "quoted" and form.ticket is not None and form.ticket.external_id == eid
    assert not visible(form.resend_button) and form.sell_button.disabled
    assert form.countdown_text() == "quote valid for 4:00 (240 s)"
    form.confirm.value = True
    form.sell_button.click()
    assert [o["external_id"] for o in sb.orders()] == [eid]
    assert form.result is not None and form.result.order_code == sb.orders()[0]["order_code"]


def test_send_again_with_an_expired_quote_asks_to_confirm_the_new_prices(sb: Sandbox, form: SellForm) -> None:
    eid = sell_into(sb, form, "drop_before_commit")
    old = form.ticket.current_quote  # type: ignore[union-attr]
    assert form.resend_blocker() is None, "the confirmed request may be sent again as it is"
    sb.clock.advance(241)
    form.resend_button.click()
    assert len(sent(sb, "sell")) == 1 and state(form) == "unknown"
    new = form.ticket.current_quote  # type: ignore[union-attr]
    assert new is not None and old is not None and new.token != old.token
    assert form.preview_data is not None and form.preview_data.quote is new
    assert form.resend_blocker() == "new prices: tick the confirmation" and form.resend_button.disabled
    form.resend_button.click()
    assert len(sent(sb, "sell")) == 1
    form.confirm.value = True
    assert not form.resend_button.disabled
    form.resend_button.click()
    (order,) = sb.orders()
    assert order["external_id"] == eid and Decimal(str(order["total"])) == form.preview_data.total
    assert state(form) == "placed" and len(sent(sb, "sell")) == 2


def test_another_form_on_the_same_ledger_sees_the_earlier_sell_and_resolves_it(
    sb: Sandbox, form: SellForm, client: MintedClient, ledger: Ledger
) -> None:
    eid = sell_into(sb, form, "drop_after_commit")
    later = SellForm(client, ledger)
    try:
        later.amount.value = "7"
        later.quote_button.click()
        assert later.ticket is None and sent(sb, "pricefix") and len(sent(sb, "pricefix")) == 1
        assert f"the earlier 5 g GAG sell ({eid}) may still land" in later.unsettled_html.value
        assert "Send again" not in later.unsettled_html.value, "only the form that sent it can resend it"
        assert visible(later.resolve_button) and not visible(later.resend_button)
        later.resolve_button.click()
        assert ledger.intent(eid).state == "placed" and later.unsettled_html.value == ""  # type: ignore[union-attr]
        later.quote_button.click()
        assert state(later) == "quoted"
    finally:
        later.close()


def test_a_conflict_shows_its_message_and_disables_sell_and_send_again(sb: Sandbox, ledger: Ledger) -> None:
    taken = "ML-AAAAAAAAAAAA"
    with sb.client() as elsewhere:
        elsewhere.sell(elsewhere.quote(), {"GAG": 7}, external_id=taken)
    ids = iter([taken, "ML-BBBBBBBBBBBB"])
    with sb.client(id_factory=lambda: next(ids)) as client:
        form = SellForm(client, ledger)
        try:
            form.amount.value = "5"
            form.quote_button.click()
            form.confirm.value = True
            form.sell_button.click()
            assert form.ticket is not None and form.ticket.state == "conflict"
            assert f"{taken} belongs to another order at the API" in form.field_errors["form"]
            assert "ml-error" in form.errors["form"].value
            assert "ml-outcome-conflict" in form.result_html.value and "was never placed" in form.result_text()
            assert form.sell_button.disabled and form.resend_button.disabled
            assert not visible(form.resend_button)
            assert (
                form.submit_blocker()
                == form.resend_blocker()
                == (f"{taken} belongs to another order at the API: quote again for a new order")
            )
            sells = len(sent(sb, "sell"))
            form.sell_button.click()
            assert form.resend() is None and len(sent(sb, "sell")) == sells
            assert grams_sold(sb) == [7] and ledger.intent(taken).state == "conflict"  # type: ignore[union-attr]

            form.quote_button.click()
            assert state(form) == "quoted" and form.ticket.external_id == "ML-BBBBBBBBBBBB"
        finally:
            form.close()


def test_an_unsettled_sell_does_not_hold_up_a_buy(
    sb: Sandbox, form: SellForm, client: MintedClient, ledger: Ledger
) -> None:
    sell_into(sb, form, "drop_before_commit")
    buy = BuyForm(client, ledger)
    try:
        buy.sku.value = "GAU"
        buy.amount.value = "0.5"
        buy.quote_button.click()
        assert buy.ticket is not None and buy.ticket.state == "quoted" and buy.unsettled_html.value == ""
        buy.confirm.value = True
        buy.buy_button.click()
        assert [o["type"] for o in sb.orders()] == ["Buy"]
    finally:
        buy.close()
