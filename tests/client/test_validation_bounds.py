"""Amounts beyond any real order are refused before sending, not left to overflow later."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minted_lab import validate
from minted_lab.errors import ValidationError


@pytest.mark.parametrize("value", [Decimal("1e400000"), 10**9, "1000000000", Decimal("1E+9")])
def test_absurd_amounts_name_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match=r"items\.GAG\.amount"):
        validate.items({"GAG": value}, whole=True)


def test_largest_sane_amount_passes() -> None:
    assert validate.items({"GAG": 999_999_999}, whole=True) == [{"sku": "GAG", "amount": 999_999_999}]
