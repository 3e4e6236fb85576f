"""Input the API would refuse fails before sending, with a message naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from minted_lab import validate as v
from minted_lab.errors import ValidationError


@pytest.mark.parametrize(
    ("amount", "field", "expected"),
    [
        (0, "items.GAG.amount", "positive"),
        (-5, "items.GAG.amount", "positive"),
        (Decimal("1.5"), "items.GAG.amount", "whole number"),
        ("2.5", "items.GAG.amount", "whole number"),
        (1.0, "items.GAG.amount", "float is ambiguous"),
        (True, "items.GAG.amount", "not a bool"),
        ("abc", "items.GAG.amount", "number of grams|the digits 0-9"),
        (Decimal("NaN"), "items.GAG.amount", "finite"),
        (None, "items.GAG.amount", "number of grams"),
    ],
)
def test_bad_sell_amounts(amount: object, field: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected) as info:
        v.items({"GAG": amount}, whole=True)
    assert info.value.field == field and str(info.value).startswith(field)
    assert isinstance(info.value, ValueError)


def test_good_amounts() -> None:
    assert v.items({"GAG": 100, "GAU": Decimal("2"), "GPT": "3"}, whole=True) == [
        {"sku": "GAG", "amount": 100},
        {"sku": "GAU", "amount": 2},
        {"sku": "GPT", "amount": 3},
    ]
    assert v.items([("GAU", "0.1234")], whole=False) == [{"sku": "GAU", "amount": Decimal("0.1234")}]
    assert v.items({"GAU": Decimal("1.50000")}, whole=False) == [{"sku": "GAU", "amount": Decimal("1.5")}]
    with pytest.raises(ValidationError, match="at most 4 decimals"):
        v.items({"GAU": "0.00001"}, whole=False)


@pytest.mark.parametrize("value", [Decimal("1e400000"), 10**9, "1000000000", Decimal("1E+9")])
def test_absurd_amounts_name_the_field(value: object) -> None:
    """Amounts beyond any real order are refused before sending, not left to overflow later."""
    with pytest.raises(ValidationError, match=r"items\.GAG\.amount"):
        v.items({"GAG": value}, whole=True)


def test_largest_sane_amount_passes() -> None:
    assert v.items({"GAG": 999_999_999}, whole=True) == [{"sku": "GAG", "amount": 999_999_999}]


@pytest.mark.parametrize("items", [{}, [], "GAG", {"gag": 1}, {"G": 1}, {"GA G": 1}, {7: 1}])
def test_bad_items(items: object) -> None:
    with pytest.raises(ValidationError) as info:
        v.items(items, whole=True)
    assert info.value.field.startswith("items")


def test_lower_case_sku_gets_a_hint() -> None:
    with pytest.raises(ValidationError, match="did you mean 'GAG'"):
        v.items({"gag": 1}, whole=True)


@pytest.mark.parametrize("bad", ["", "a" * 65, "has space", "ümlaut", "a/b", 12, None])
def test_external_ids(bad: object) -> None:
    with pytest.raises(ValidationError, match="external_id: 1 to 64 characters"):
        v.external_id(bad)
    assert v.external_id("HYAQA0171v96o") == "HYAQA0171v96o" and v.external_id("a" * 64)


def test_currencies_and_tokens() -> None:
    assert v.currency("try") == "TRY"
    with pytest.raises(ValidationError, match="currency: one of GBP, TRY, USD, EUR"):
        v.currency("AED")
    with pytest.raises(ValidationError, match="price_token"):
        v.price_token("not a token!")


def test_order_filters() -> None:
    statuses = {"created": 1, "pending": 2, "completed": 5}
    params = v.order_filters(
        {
            "status": ["Pending", 5],
            "type": "Sell,buy",
            "start_date": date(2024, 7, 1),
            "end_date": datetime(2024, 7, 1, 22, 0, tzinfo=UTC),
            "sku": "GAG",
        },
        statuses,
    )
    assert params == {
        "status": "2,5",
        "tx_type": "sell,buy",
        "startDate": "2024-07-01",
        "endDate": "2024-07-02",
        "sku": "GAG",
    }
    assert v.order_filters({"status": "2,5", "startDate": "01-07-2024"}, None) == {
        "status": "2,5",
        "startDate": "2024-07-01",
    }
    assert v.order_filters({"status": "New"}, statuses) == {"status": "1"}
    assert v.needs_status_names({"status": ["pending"]}) and not v.needs_status_names({"status": "2,5"})
    with pytest.raises(ValidationError, match="status: a status id or one of completed, created, pending"):
        v.order_filters({"status": "Lost"}, statuses)
    with pytest.raises(ValidationError, match="colour: a known order filter"):
        v.order_filters({"colour": "gold"}, statuses)
    with pytest.raises(ValidationError, match="tx_type"):
        v.order_filters({"tx_type": "swap"}, statuses)
    with pytest.raises(ValidationError, match="per_page: an integer from 5 to 30"):
        v.page_args(1, 100)
