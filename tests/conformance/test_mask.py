"""Masking keeps the shape of personal values and loses their content."""

from __future__ import annotations

from decimal import Decimal

from minted_lab.conformance.mask import Masker, shape


def test_shape() -> None:
    assert shape("1970-01-31") == "9999-99-99"
    assert shape("customer@example.com") == "xxxxxxxx@xxxxxxx.xxx"
    assert shape("Gülbilge") == "Xxxxxxxx"
    assert shape("404809******7528") == "999999******9999"


def test_mask_by_key_and_scrub_free_text() -> None:
    masker = Masker(["s3cret-password"])
    body = {
        "data": {
            "customer": {"firstname": "Mehmet", "phone": "+905322808035", "identity_number": Decimal("12345677938")},
            "payment": {
                "token": "abcDEF123",
                "details": {"card_number": "404809******7528", "card_association": "Visa"},
            },
            "name": "Gold",
        },
        "message": "customer Mehmet not found (s3cret-password)",
    }
    masked = masker.mask(body)
    customer = masked["data"]["customer"]
    assert customer == {"firstname": "Xxxxxx", "phone": "+999999999999", "identity_number": Decimal("99999999999")}
    assert masked["data"]["payment"]["token"] == "xxxXXX999"
    assert masked["data"]["payment"]["details"]["card_association"] == "Visa"
    assert masked["data"]["name"] == "Gold"
    assert "Mehmet" not in masked["message"] and "s3cret-password" not in masked["message"]
    assert masker.scrub("id 12345677938 and 1000001") == "id 99999999999 and 1000001"
