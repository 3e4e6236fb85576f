"""orders_frame / items_frame / order_frames over every documented example and every input kind."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from minted_lab import frames
from minted_lab.frames import _orders, _source

from .conftest import ORDER_EXAMPLES, FakeOrder, FakePage, FakeResult, fixture_bytes, fixture_raw

IST = ZoneInfo("Europe/Istanbul")

pytestmark = pytest.mark.filterwarnings(
    "ignore::minted_lab.frames.MissingFieldsWarning"
)  # reported, and asserted, in test_variance


def _ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST)


@pytest.mark.parametrize("name", ORDER_EXAMPLES)
def test_every_documented_example_with_orders_converts(name: str) -> None:
    orders, items = frames.order_frames(fixture_bytes(name))
    assert orders.schema == frames.ORDERS_SCHEMA and items.schema == frames.ITEMS_SCHEMA
    assert orders.height >= 1
    assert items.height == orders["item_count"].sum()


def test_sell_response_values() -> None:
    orders, items = frames.order_frames(fixture_bytes("sell_response.json"))
    row = orders.row(0, named=True)
    assert row["guid"] == "71E174B7-C7AD-47FB-836E-3895FF41D4F5"
    assert (row["type"], row["status_name"], row["currency"]) == ("Buy", "Pending", "GBP")
    assert (row["price"], row["tax"], row["total"]) == (Decimal("559.4"), 0, Decimal("559.4"))
    assert row["currency_rate"] == 1 and row["currency_total"] == Decimal("559.4")
    assert row["order_at"] == _ist(2023, 5, 31, 3, 16)
    assert row["customer_external_id"] is None and row["item_count"] == 1
    item = items.row(0, named=True)
    assert (item["sku"], item["amount"], item["spot_price"], item["price"]) == (
        "GAU",
        10,
        Decimal("50.85"),
        Decimal("55.94"),
    )
    assert item["spread"] == Decimal("5.09")
    assert item["spread_ratio"] == pytest.approx(5.09 / 50.85)
    assert item["line"] == 0 and item["order_at"] == row["order_at"]


def test_fractional_amount_and_customer_from_get_order_alternative() -> None:
    orders, items = frames.order_frames(fixture_bytes("get_order_alternative_response.json"))
    assert orders["customer_external_id"].to_list() == ["92440753"]
    assert orders["order_at"].to_list() == [_ist(2023, 11, 6, 7, 18)]
    assert items["amount"].to_list() == [Decimal("0.1")]
    assert items["total"].to_list() == [Decimal("188.97")]
    assert items["spread"].to_list() == [Decimal("1889.73") - Decimal("1813.02")]


def test_get_order_example_missing_type_currency_order_at_and_sku() -> None:
    with pytest.warns(frames.MissingFieldsWarning, match="type: 1 × tx_type 'oneoffpurchase' is not an order type"):
        got = frames.order_frames(fixture_bytes("get_order_response.json"))
    orders, items = got
    row = orders.row(0, named=True)
    assert row["type"] is None and row["currency"] is None and row["order_at"] is None
    assert got.gaps.select("field", "reason").rows() == [
        ("type", "tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)"),
        ("currency_code", "missing: the API sent none"),
        ("order_at", "missing: the API sent none"),
    ]
    assert (row["status_id"], row["status_name"]) == (1, "New")
    assert row["currency_rate"] is None and row["currency_total"] == 0
    assert items["sku"].to_list() == ["GAU"] and items["product_id"].to_list() == [3000001]


def test_mixed_int_and_float_numbers_are_exact(mixed_page: bytes) -> None:
    orders, items = frames.order_frames(mixed_page)
    assert orders["total"].to_list() == [Decimal(x) for x in ("10", "0", "6.17", "1889.37")]
    assert orders["currency_rate"].to_list() == [Decimal(x) for x in ("1", "1", "0.019120453", "0.789123")]
    assert items["amount"].to_list() == [Decimal(x) for x in ("1", "0", "0.5", "0.1", "65.4")]
    assert items["spot_price"].to_list() == [Decimal(x) for x in ("11", "0", "12.3456", "1813.02", "25.5")]
    assert items["spread"].to_list() == [Decimal(x) for x in ("-1", "0", "-0.0056", "76.71", "0.5")]
    assert items["spread_ratio"].to_list()[1] is None
    assert items["line"].to_list() == [0, 0, 0, 0, 1]
    assert orders["total"].sum() == Decimal("1905.54")


def test_all_four_order_at_formats(mixed_page: bytes) -> None:
    orders = frames.orders_frame(mixed_page)
    assert orders["order_at"].to_list() == [
        _ist(2023, 5, 31, 3, 16),
        _ist(2023, 5, 31, 3, 17, 45),
        _ist(2024, 12, 5, 18, 43, 32),
        _ist(2024, 7, 19, 12, 39, 3),
    ]
    assert orders.schema["order_at"] == pl.Datetime("us", "Europe/Istanbul")


def test_unparseable_order_at_is_an_error_not_a_null() -> None:
    page = fixture_bytes("mixed_numbers_page.json").replace(b"31-05-2023 03:16", b"31/05/2023 03:16")
    with pytest.raises(ValueError, match="31/05/2023 03:16"):
        frames.orders_frame(page)


def test_every_input_kind_gives_the_same_frame(mixed_page: bytes) -> None:
    expected = frames.order_frames(mixed_page)
    raw_page = json.loads(mixed_page, parse_float=Decimal, parse_int=Decimal)["data"]
    inputs = [
        mixed_page,
        [mixed_page],
        iter([mixed_page]),
        mixed_page.decode(),
        bytearray(mixed_page),
        memoryview(mixed_page),
        FakePage(raw=raw_page, content=mixed_page),
        FakePage(raw=raw_page),
        [FakeOrder(raw=o) for o in raw_page["data"]],
        [
            FakeResult(raw={"order_code": [o["order_code"]], "guid": [o["guid"]], "orders": [o]})
            for o in raw_page["data"]
        ],
        raw_page["data"],
        raw_page,
        {"data": raw_page, "success": True, "code": 0, "message": ""},
    ]
    for x in inputs:
        got = frames.order_frames(x)
        assert got.orders.equals(expected.orders), type(x)
        assert got.items.equals(expected.items), type(x)


def test_model_decimals_beyond_float_precision_stay_exact() -> None:
    raw = fixture_raw("sell_response.json")["data"]["orders"][0]
    raw["total"] = Decimal("12345678901234567890.1234")
    raw["currency_rate"] = Decimal("0.012345678901")
    orders = frames.orders_frame(FakeOrder(raw=raw))
    assert orders["total"].item() == Decimal("12345678901234567890.1234")
    assert orders["currency_rate"].item() == Decimal("0.012345678901")


def test_pages_shapes_and_results_mix_in_input_order() -> None:
    docs = [fixture_bytes(n) for n in ORDER_EXAMPLES]
    orders = frames.orders_frame(docs)
    expected = [frames.orders_frame(d)["order_code"].to_list() for d in docs]
    assert orders["order_code"].to_list() == [code for codes in expected for code in codes]


def test_small_batches_agree_with_one_batch(monkeypatch: pytest.MonkeyPatch, mixed_page: bytes) -> None:
    docs = [fixture_bytes(n) for n in ORDER_EXAMPLES] * 3
    whole = frames.order_frames(docs)
    monkeypatch.setattr(_source, "BATCH_BYTES", 1)
    assert len(list(_source.batches(docs))) == len(docs)
    split = frames.order_frames(docs)
    assert split.orders.equals(whole.orders) and split.items.equals(whole.items)


@pytest.mark.parametrize("decode_bytes", [1, 5000])
def test_decoding_in_pieces_agrees_with_one_piece(monkeypatch: pytest.MonkeyPatch, decode_bytes: int) -> None:
    docs = [fixture_bytes(n) for n in ORDER_EXAMPLES] * 3
    monkeypatch.setattr(_orders, "DECODE_BYTES", 1 << 40)
    whole = frames.order_frames(docs)
    monkeypatch.setattr(_orders, "DECODE_BYTES", decode_bytes)
    sizes = [len(d) for d in docs]
    pieces = _orders._pieces(pl.Series([d.decode() for d in docs]), sizes)
    assert len(pieces) > 1 and sum(p.len() for p in pieces) == len(docs)
    start = 0
    for piece in pieces[:-1]:
        size = sum(sizes[start : start + piece.len()])
        assert size >= decode_bytes > size - sizes[start + piece.len() - 1], "a piece closes as it reaches the limit"
        start += piece.len()
    split = frames.order_frames(docs)
    assert split.orders.equals(whole.orders) and split.items.equals(whole.items)


def test_error_answer_names_its_document(monkeypatch: pytest.MonkeyPatch, mixed_page: bytes) -> None:
    monkeypatch.setattr(_source, "BATCH_BYTES", 1)
    with pytest.raises(ValueError, match=r"document 2 is an error answer \(code 422\): The price token"):
        frames.orders_frame([mixed_page, mixed_page, fixture_bytes("error_422.inferred.json")])


@pytest.mark.parametrize(
    "doc", [b'{"data":{"token":"x","prices":[]}}', b'{"hello":1}', b'{"data":null,"success":true}']
)
def test_documents_without_orders_are_refused(doc: bytes) -> None:
    with pytest.raises(ValueError, match="holds no orders"):
        frames.orders_frame(doc)


def test_non_order_json_is_refused() -> None:
    with pytest.raises(ValueError, match="not order pages"):
        frames.orders_frame(fixture_bytes("customer_balance_response_skeleton.json"))
    with pytest.raises(TypeError):
        frames.orders_frame(42)


def test_duplicates_are_kept_until_asked(mixed_page: bytes) -> None:
    orders, items = frames.order_frames([mixed_page, mixed_page])
    assert orders.height == 8 and items.height == 10
    once = frames.order_frames(mixed_page)
    assert frames.unique_orders(orders).equals(once.orders)
    assert frames.unique_orders(items).equals(once.items)


def test_unique_orders_keeps_rows_without_guid() -> None:
    orders = frames.orders_frame([fixture_bytes("get_order_response.json")] * 2)
    nameless = orders.with_columns(pl.lit(None, pl.String).alias("guid"))
    assert frames.unique_orders(nameless).height == 2
