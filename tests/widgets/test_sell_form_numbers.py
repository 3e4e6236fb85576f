"""The forms read typed grams with the ticket's own parser: what the user sees is what is sent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from minted_lab import validate
from minted_lab.client import MintedClient
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.widgets import BuyForm, SellForm, TicketForm

from .conftest import sent, state

LOOKALIKES = ["1__0", "1_0", "٥", "５", "1e3", "1E3", " 1_000 ", "10\u00a0000", "0x10", "1,5"]
"""Text Python's Decimal (or a careless parser) would read as a number, which the validator refuses."""


@pytest.fixture(params=[SellForm, BuyForm], ids=["sell", "buy"])
def any_form(request: pytest.FixtureRequest, client: MintedClient, ledger: Ledger) -> Iterator[TicketForm]:
    form = request.param(client, ledger)
    yield form
    form.close()


@pytest.mark.parametrize("typed", LOOKALIKES)
def test_lookalike_numbers_are_refused_under_the_grams_field_and_nothing_is_quoted(
    sb: Sandbox, any_form: TicketForm, typed: str
) -> None:
    any_form.amount.value = typed
    any_form.quote_button.click()
    assert set(any_form.field_errors) == {"amount"}
    assert "the digits 0-9 and at most one '.'" in any_form.field_errors["amount"]
    assert repr(typed) in any_form.field_errors["amount"]
    assert "ml-error" in any_form.errors["amount"].value and any_form.errors["form"].value == ""
    assert any_form.ticket is None and any_form.preview.value == "" and any_form.submit_button.disabled
    any_form.confirm.value = True
    any_form.submit_button.click()
    assert sent(sb, "pricefix") == [] and sent(sb, "sell") == [] and sent(sb, "buy") == []


def test_ten_grams_are_quoted_and_sold(sb: Sandbox, form: SellForm) -> None:
    form.amount.value = "10"
    form.quote_button.click()
    assert form.field_errors == {} and form.ticket is not None and form.ticket.items == {"GAG": 10}
    form.confirm.value = True
    form.sell_button.click()
    assert [item["amount"] for order in sb.orders() for item in order["items"]] == [10]
    assert form.result is not None and form.result.order_code == sb.orders()[0]["order_code"]


def test_a_buy_keeps_its_decimals_exactly(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    form = BuyForm(client, ledger)
    try:
        form.sku.value = "GAU"
        form.amount.value = "0.1250"
        assert form.parse_amount() == Decimal("0.125") and isinstance(form.parse_amount(), Decimal)
        form.quote_button.click()
        assert form.ticket is not None and form.ticket.items == {"GAU": Decimal("0.125")}
        form.amount.value = "0.12345"
        form.quote_button.click()
        assert "at most 4 decimals" in form.field_errors["amount"] and state(form) == "none"
    finally:
        form.close()
    assert len(sent(sb, "pricefix")) == 1


def test_the_form_parses_only_through_the_validator(monkeypatch: pytest.MonkeyPatch, form: SellForm) -> None:
    seen: list[tuple[str, str]] = []
    original = validate.number_text

    def spy(text: str, field: str) -> Decimal:
        seen.append((text, field))
        return original(text, field)

    monkeypatch.setattr(validate, "number_text", spy)
    form.amount.value = " 25 "
    assert form.parse_amount() == 25
    assert seen == [(" 25 ", "amount")]
