"""OrderRequest: validated once, frozen, its bytes are the body; its ownership check of API orders."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from minted_lab.errors import ValidationError
from minted_lab.models import Order
from minted_lab.order_request import OrderRequest, order_items

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"


@dataclasses.dataclass(frozen=True)
class Quoted:
    token: str = "t85QBvvn1GHeOslKuiJm7CF0M0lpwU26"
    currency: str = "GBP"
    customer_external_id: str | None = None


def test_the_content_is_the_documented_body_with_exact_numbers() -> None:
    request = OrderRequest.build("buy", Quoted(), {"GAU": Decimal("0.1250"), "GAG": "3"}, external_id="ML-0123456789AB")
    assert request.content == (
        b'{"price_token":"t85QBvvn1GHeOslKuiJm7CF0M0lpwU26","external_id":"ML-0123456789AB",'
        b'"currency_code":"GBP","items":[{"sku":"GAU","amount":0.125},{"sku":"GAG","amount":3}]}'
    )
    assert json.loads(request.content) == json.loads(json.dumps(request.body, default=str).replace('"0.125"', "0.125"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.external_id = "ML-000000000000"  # type: ignore[misc]


def test_a_fresh_token_changes_only_the_token() -> None:
    request = OrderRequest.build("sell", Quoted(), {"GAG": 5}, external_id="ML-0123456789AB")
    again = request.with_token(Quoted(token="AnotherToken123"))
    assert again.body == {**request.body, "price_token": "AnotherToken123"}
    with pytest.raises(ValidationError, match="currency_code"):
        request.with_token(Quoted(token="X1", currency="TRY"))


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ({"GAG": "1__0"}, "items.GAG.amount"),
        ({"GAG": "٥"}, "items.GAG.amount"),
        ({"GAG": "５"}, "items.GAG.amount"),
        ({"GAG": "1e3"}, "items.GAG.amount"),
        ({"GAG": "4.99999999999999999999999999999"}, "items.GAG.amount"),
        ({"GAG": 2.5}, "items.GAG.amount"),
        ({"gag": 1}, "items.gag"),
    ],
)
def test_bad_items_are_refused_naming_the_field(items: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OrderRequest.build("sell", Quoted(), items, external_id="ML-0123456789AB")
    assert caught.value.field == field


def test_an_external_id_is_required_or_made() -> None:
    with pytest.raises(ValidationError, match="external_id"):
        OrderRequest.build("sell", Quoted(), {"GAG": 1})
    made = OrderRequest.build("sell", Quoted(), {"GAG": 1}, id_factory=lambda: "ML-AAAAAAAAAAAA")
    assert made.external_id == "ML-AAAAAAAAAAAA"


def _documented_order() -> Order:
    raw = json.loads((EXAMPLES / "get_order_response.json").read_text())
    return Order.from_api(raw.get("data", raw))


def test_differences_name_side_items_and_customer() -> None:
    order = _documented_order()
    grams = order_items(order)
    assert grams == {"GAU": Decimal(10)}  # the example's items name only product 3000001: gold
    assert order.raw.get("tx_type") == "oneoffpurchase" and order.type is None  # a side we cannot read
    side = "buy"
    customer = order.customer.external_id if order.customer else None
    ours = OrderRequest.build(side, Quoted(customer_external_id=customer), grams, external_id="ML-0123456789AB")
    assert ours.differences(order) == []
    assert dataclasses.replace(ours, side="sell").differences(order) == []  # the side cannot be disproved
    typed = dataclasses.replace(order, type="Buy")
    assert any(d.startswith("side:") for d in dataclasses.replace(ours, side="sell").differences(typed))
    more = dataclasses.replace(ours, items=(("GAU", Decimal(11)),))
    assert any(d.startswith(("items:", "grams:")) for d in more.differences(order))
    if customer:
        stranger = dataclasses.replace(ours, customer_external_id="SOMEONE-ELSE")
        assert any(d.startswith("customer:") for d in stranger.differences(order))
