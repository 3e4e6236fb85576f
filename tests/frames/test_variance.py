"""The real API's variance through the frames: derived where it can be, reported where it cannot, and
never lost silently (`strict=False` hands back what it set aside, with a count in a warning)."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from minted_lab import frames
from minted_lab._parse import loads
from minted_lab.catalog import SKU_BY_PRODUCT_ID
from minted_lab.frames import _orders, _source

from .conftest import ORDER_EXAMPLES, fixture_bytes, fixture_raw

IST = ZoneInfo("Europe/Istanbul")
GET_ORDER = fixture_raw("get_order_response.json")["data"]
ALTERNATIVE = fixture_raw("get_order_alternative_response.json")["data"]


@pytest.fixture(autouse=True)
def _warnings_are_asserted() -> Iterator[None]:
    """Every warning a test here does not expect fails it: reports are asserted, never noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", frames.OrderDataWarning)
        yield


def page(*orders: dict[str, Any]) -> bytes:
    """An order list page holding `orders` (numbers written exactly)."""
    from minted_lab._parse import dumps

    return dumps({"data": {"current_page": 1, "data": list(orders)}, "success": True, "code": 0, "message": ""})


def order(code: str, **changes: Any) -> dict[str, Any]:
    """The documented Get Order (Alternative) order (Order Schema shape) under another code, changed."""
    return {**ALTERNATIVE, "guid": f"G-{code}", "order_code": code, "external_id": f"E-{code}", **changes}


def quiet(x: object, **kwargs: Any) -> frames.OrderFrames:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", frames.OrderDataWarning)
        return frames.order_frames(x, **kwargs)


# ------------------------------------------------------------------ every documented example


def _orders_of(name: str) -> list[dict[str, Any]]:
    doc = loads(fixture_bytes(name))
    data = doc.get("data", doc)  # the Order Schema skeleton is a bare order
    if "orders" in data:
        return list(data["orders"])
    return list(data["data"]) if isinstance(data.get("data"), list) else [data]


@pytest.mark.parametrize("name", ORDER_EXAMPLES)
def test_every_documented_example_has_no_silent_null(name: str) -> None:
    """A null type, currency, order_at or sku only where the example has none (nor tx_type or product_id
    to derive it from), and then reported in `.gaps` (and a warning) naming the order and the field."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", frames.OrderDataWarning)
        got = frames.order_frames(fixture_bytes(name))
    reported = {(g["order_code"], g["field"]) for g in got.gaps.iter_rows(named=True)}
    expected: set[tuple[str, str]] = set()
    for api, row in zip(_orders_of(name), got.orders.iter_rows(named=True), strict=True):
        code = api["order_code"]
        tx = {"buy": "Buy", "sell": "Sell", "delivery": "Delivery"}.get(str(api.get("tx_type")))
        assert row["type"] == (api.get("type") or tx)
        assert row["currency"] == api.get("currency_code")
        assert (row["order_at"] is None) == (api.get("order_at") is None)
        for field, value in (("type", row["type"]), ("currency_code", row["currency"]), ("order_at", row["order_at"])):
            if value is None:
                expected.add((code, field))
        lines = got.items.filter(pl.col("order_code") == code)
        for line, (item, got_item) in enumerate(zip(api["items"], lines.iter_rows(named=True), strict=True)):
            sku = item.get("sku") or SKU_BY_PRODUCT_ID.get(int(item["product_id"]))
            assert got_item["sku"] == sku
            if sku is None:
                expected.add((code, f"items[{line}].sku"))
    assert reported == expected
    missing_warnings = [w for w in seen if issubclass(w.category, frames.MissingFieldsWarning)]
    assert len(missing_warnings) == (1 if expected else 0)
    if expected:
        assert missing_warnings[0].message.gaps.equals(got.gaps)  # type: ignore[union-attr]
    assert got.rejected.height == 0 and got.rejected.schema == frames.REJECTED_SCHEMA


def test_the_documented_get_order_values() -> None:
    with pytest.warns(frames.MissingFieldsWarning) as seen:
        got = frames.order_frames(fixture_bytes("get_order_response.json"))
    message = str(seen[0].message)
    assert "fields the API left out, null in the frames (1 order(s))" in message
    assert "type: 1 × tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)" in message
    assert "currency_code: 1 × missing: the API sent none" in message and "order_at: 1 × missing" in message
    row = got.orders.row(0, named=True)
    assert (row["guid"], row["order_code"], row["external_id"]) == (
        "F6F6AFA5-8CAF-4582-AC47-12699E6D9C81",
        "FE9HURU6",
        "HYAQA01373",
    )
    assert (row["price"], row["tax"], row["total"]) == (Decimal("543.5"), 0, Decimal("543.5"))
    assert row["customer_external_id"] == "MTD0018232" and row["item_count"] == 1
    item = got.items.row(0, named=True)
    assert (item["sku"], item["product_id"], item["amount"], item["price"], item["spot_price"]) == (
        "GAU",
        3000001,
        10,
        Decimal("54.35"),
        Decimal("49.41"),
    )
    assert item["spread"] == Decimal("4.94") and item["status_name"] == "New"


def test_the_documented_card_order_values() -> None:
    orders, items = frames.order_frames(fixture_bytes("card_payment_get_order_response.json"))
    row = orders.row(0, named=True)
    assert (row["order_code"], row["type"], row["status_name"], row["currency"]) == (
        "YID9Z07U",
        "Buy",
        "Pending",
        "TRY",
    )
    assert row["order_at"] == datetime(2023, 10, 13, 11, 10, tzinfo=IST)
    assert row["total"] == Decimal("1731.3") and row["customer_external_id"] == "1801262568"
    assert items.select("sku", "amount", "price").row(0) == ("GAU", 1, Decimal("1731.3"))


# ------------------------------------------------------------------ derived, accepted


@pytest.mark.parametrize(
    ("tx_type", "kind"), [("buy", "Buy"), ("sell", "Sell"), ("delivery", "Delivery"), (" Sell", "Sell")]
)
def test_type_is_derived_from_tx_type(tx_type: str, kind: str) -> None:
    doc = page({**order("T1", type=None), "tx_type": tx_type})
    orders, items = frames.order_frames(doc)
    assert orders["type"].to_list() == [kind] and items["type"].to_list() == [kind]


def test_a_type_sent_wins_over_tx_type() -> None:
    orders = frames.orders_frame(page({**order("T1"), "tx_type": "sell"}))
    assert orders["type"].to_list() == ["Buy"]


def test_an_unknown_tx_type_stays_unknown_and_is_reported() -> None:
    doc = page({**order("T1", type=None), "tx_type": "oneoffpurchase"}, order("T2", type=None))
    with pytest.warns(frames.MissingFieldsWarning, match="type: 1 × tx_type 'oneoffpurchase' is not an order type"):
        got = frames.order_frames(doc)
    assert got.orders["type"].to_list() == [None, None]
    assert got.gaps.select("order_code", "field", "reason").rows() == [
        ("T1", "type", "tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)"),
        ("T2", "type", "missing: the API sent none (neither type nor tx_type)"),
    ]


def test_the_sku_is_derived_from_the_product_id() -> None:
    lines = [{**ALTERNATIVE["items"][0], "sku": None, "product_id": pid} for pid in (3000002, 3000090)]
    lines.append({**ALTERNATIVE["items"][0], "sku": None, "product_id": 3000065})  # a physical product
    doc = page(order("P1", items=lines))
    with pytest.warns(
        frames.MissingFieldsWarning, match=r"items\[\].sku: 1 × product_id 3000065 is not in the catalog"
    ):
        got = frames.order_frames(doc)
    assert got.items["sku"].to_list() == ["GAG", "GPT", None]
    assert got.gaps.rows() == [("G-P1", "P1", "E-P1", "items[2].sku", "product_id 3000065 is not in the catalog")]


def test_an_empty_array_customer_is_no_customer() -> None:
    docs = [page(order("C1", customer=[]), order("C2")), {**ALTERNATIVE, "customer": []}]
    orders = frames.orders_frame(docs)
    assert orders["customer_external_id"].to_list() == [None, "92440753", None]
    assert orders["total"].to_list() == [Decimal("188.97")] * 3


@pytest.mark.parametrize("text", ["2023-10-13", "13-10-2023", " 2023-10-13 "])
def test_a_date_alone_is_midnight_in_istanbul(text: str) -> None:
    orders = frames.orders_frame(page(order("D1", order_at=text)))
    assert orders["order_at"].to_list() == [datetime(2023, 10, 13, tzinfo=IST)]


# ------------------------------------------------------------------ unreadable: raise, or set aside


BAD = [
    (order("B1", order_at="31/05/2023 03:16"), "order_at", "unreadable date-time '31/05/2023 03:16'"),
    (order("B2", total="12,50"), "total", 'expected a number, got "12,50"'),
    (order("B3", items=[{**ALTERNATIVE["items"][0], "amount": "ten"}]), "items[0].amount", 'got "ten"'),
    (order("B4", customer="nobody"), "customer", "expected an object, null or [] (no customer)"),
    (order("B5", items={"sku": "GAU"}), "items", "expected a list"),
    (order("B6", items=[{**ALTERNATIVE["items"][0], "product_name": {"tr": "Altın"}}]), "items[0].product_name", ""),
]


@pytest.mark.parametrize(("bad", "field", "words"), BAD, ids=[b[1] for b in BAD])
def test_an_unreadable_order_raises_naming_it_and_the_field(bad: dict[str, Any], field: str, words: str) -> None:
    doc = page(order("OK1"), bad)
    with pytest.raises(frames.ParseError) as info:
        frames.order_frames([page(order("OK0")), doc])
    error = info.value
    code = bad["order_code"]
    assert str(error).startswith(
        f"document 1, order 1 guid='G-{code}' order_code='{code}' external_id='E-{code}': {field}: "
    )
    assert words in str(error)
    assert (error.field, error.document, error.ids["order_code"]) == (field, 1, code)
    assert error.body == doc  # the page's bytes, to look at or keep
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(("bad", "field", "words"), BAD, ids=[b[1] for b in BAD])
def test_strict_false_sets_an_unreadable_order_aside_with_its_reason(
    bad: dict[str, Any], field: str, words: str
) -> None:
    doc = page(order("OK1"), bad, order("OK2"))
    with pytest.warns(frames.RejectedOrdersWarning, match=r"set aside 1 order\(s\) it could not read") as seen:
        got = frames.order_frames([page(order("OK0")), doc], strict=False)
    assert got.orders["order_code"].to_list() == ["OK0", "OK1", "OK2"]
    assert got.items["order_code"].to_list() == ["OK0", "OK1", "OK2"]
    row = got.rejected.row(0, named=True)
    assert got.rejected.height == 1 and got.rejected.schema == frames.REJECTED_SCHEMA
    assert (row["document"], row["position"], row["order_code"], row["external_id"], row["field"]) == (
        1,
        1,
        bad["order_code"],
        f"E-{bad['order_code']}",
        field,
    )
    assert words in row["reason"] and f"{field}: 1 × " in str(seen[0].message)
    assert loads(row["content"]) == loads(page(bad))["data"]["data"][0]  # the order as sent, numbers exact
    warning = seen[0].message
    assert isinstance(warning, frames.RejectedOrdersWarning) and warning.count == 1
    assert warning.rejected.equals(got.rejected)


def test_totals_never_shrink_without_a_word() -> None:
    """What the frames hold plus what was set aside is everything the input held."""
    docs = [page(order("A", total=Decimal("10.5")), order("B", order_at="yesterday", total=Decimal(7))), b"<html>502"]
    with pytest.warns(frames.RejectedOrdersWarning, match=r"1 order\(s\) and 1 whole document\(s\)") as seen:
        orders = frames.orders_frame(docs, strict=False)
    rejected = seen[0].message.rejected  # type: ignore[union-attr]
    assert orders["total"].sum() == Decimal("10.5")
    kept_aside = sum(loads(c)["total"] for c in rejected.filter(pl.col("position").is_not_null())["content"])
    assert orders["total"].sum() + kept_aside == Decimal("17.5")
    whole = rejected.filter(pl.col("position").is_null()).row(0, named=True)
    assert (whole["document"], whole["field"], whole["content"]) == (1, None, "<html>502")
    assert whole["reason"].startswith("document 1 is not JSON")


def test_whole_documents_that_hold_no_orders_are_set_aside_or_raised() -> None:
    error_answer = fixture_bytes("error_422.inferred.json")
    docs = [page(order("A")), error_answer, b'{"hello": 1}']
    with pytest.raises(frames.ParseError, match=r"document 1 is an error answer \(code 422\)") as info:
        frames.orders_frame(docs)
    assert info.value.body == error_answer and info.value.document == 1
    with pytest.warns(frames.RejectedOrdersWarning, match=r"0 order\(s\) and 2 whole document\(s\)"):
        got = frames.order_frames(docs, strict=False)
    assert got.orders["order_code"].to_list() == ["A"]
    assert got.rejected["document"].to_list() == [1, 2]
    assert "holds no orders" in got.rejected["reason"][1]


def test_the_careful_path_reads_what_the_fast_path_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch the fast path refuses is read document by document: its good orders come out the same."""
    docs = [fixture_bytes(n) for n in ORDER_EXAMPLES]
    fast = quiet(docs)

    def refuse(docs: list[bytes], offset: int) -> pl.DataFrame:
        raise ValueError("as if unreadable")

    monkeypatch.setattr(_orders, "_wide", refuse)
    careful = quiet(docs)
    assert careful.orders.equals(fast.orders) and careful.items.equals(fast.items)
    assert careful.gaps.equals(fast.gaps) and careful.rejected.height == 0


def test_one_bad_order_in_a_big_history_costs_only_its_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_source, "BATCH_BYTES", 5000)
    docs = [page(*(order(f"{p}-{i}") for i in range(3))) for p in range(6)]
    docs[4] = page(order("4-0"), order("4-1", order_at="32-13-2023 00:00"), order("4-2"))
    with pytest.warns(frames.RejectedOrdersWarning, match=r"set aside 1 order\(s\)"):
        got = frames.order_frames(docs, strict=False)
    assert got.orders.height == 17 and got.rejected["order_code"].to_list() == ["4-1"]
    assert got.orders["order_code"].to_list() == [f"{p}-{i}" for p in range(6) for i in range(3) if (p, i) != (4, 1)]


# ------------------------------------------------------------------ the API of the result


def test_order_frames_unpacks_as_two_and_keeps_its_reports() -> None:
    got = quiet([fixture_bytes("get_order_response.json"), b"[]"], strict=False)
    orders, items = got
    assert orders is got.orders and items is got.items and len(got) == 2
    assert got.gaps.height == 3 and got.rejected.height == 1
    again = pickle.loads(pickle.dumps(got))
    assert again.rejected.equals(got.rejected) and again.gaps.equals(got.gaps)
    plain = frames.OrderFrames(orders, items)
    assert plain.rejected.schema == frames.REJECTED_SCHEMA and plain.rejected.height == 0
    assert plain.gaps.schema == frames.GAPS_SCHEMA and plain.gaps.height == 0


def test_a_default_shape_reports_nothing(mixed_page: bytes) -> None:
    got = frames.order_frames(mixed_page)  # the autouse fixture fails the test on any report
    assert got.gaps.height == 0 and got.rejected.height == 0


def test_booleans_sent_as_text_read_as_what_they_say() -> None:
    rows = [
        {"currency_code": code, "is_cash": value}
        for code, value in [("GAU", "false"), ("TRY", "true"), ("GAG", "0"), ("GBP", 1)]
    ]
    assert frames.balances_frame(rows)["is_cash"].to_list() == [False, True, False, True]
    with pytest.raises(frames.ParseError, match="wallet currency_code='GAU': is_cash: expected a boolean, got 'no'"):
        frames.balances_frame([{"currency_code": "GAU", "is_cash": "no"}])


def test_models_and_frames_read_a_documented_shape_alike() -> None:
    from minted_lab.models import Order

    raw = {**GET_ORDER, "tx_type": "sell", "customer": [], "order_at": "2023-10-13"}
    model = Order.from_api(raw)
    with pytest.warns(frames.MissingFieldsWarning, match="currency_code: 1 ×"):
        got = frames.order_frames(page(raw))
    row = got.orders.row(0, named=True)
    assert (row["type"], row["order_at"], row["customer_external_id"]) == (model.type, model.order_at, None)
    assert got.items["sku"].to_list() == [i.sku for i in model.items] == ["GAU"]
    assert [(g["field"], g["reason"]) for g in got.gaps.iter_rows(named=True)] == [tuple(g) for g in model.gaps]
