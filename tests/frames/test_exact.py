"""Money is exact: JSON numbers reach Decimal columns without float error, sums equal `decimal` sums.

Two decoders meet here. The typed one (the fast path) decodes numbers straight to Decimal with a
guard digit and is trusted only below `guard_bound` with a zero guard digit; anything else sends
the batch through the text one, which reads the double's shortest round-trip text (the number as
written up to 15 significant digits) and casts it, rounding half-even beyond the column's scale.
Tests below pin both and the line between them.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from minted_lab import frames
from minted_lab.frames import _orders
from minted_lab.frames._schemas import TYPED_SHAPES, guard_bound
from minted_lab.frames.dtypes import GRAMS, MONEY, RATE

from .conftest import FakeOrder


def money(places: int, below: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=below, places=places, allow_nan=False, allow_infinity=False)


def as_json_number(d: Decimal, style: int) -> str:
    """The ways an API writes one value: `10`/`0.5`, `10.00`, or a float's repr (`10.0`, `1e-05`)."""
    if style == 0:
        text = format(d.normalize(), "f")
        return text
    if style == 1:
        return format(d, "f")
    return repr(float(d))


def order(i: int, total: str, amount: str, spot: str, price: str, rate: str) -> str:
    return (
        f'{{"guid":"G{i}","order_code":"C{i}","type":"Buy","price":{total},"tax":0,"total":{total},'
        f'"currency_code":"TRY","currency_rate":{rate},"currency_total":{total},"status_id":5,'
        f'"status_name":"Completed","order_at":"31-05-2023 03:16","customer":null,"items":[{{"sku":"GAU",'
        f'"product_id":3000001,"spot_price":{spot},"price":{price},"tax_rate":0,"tax":0,"amount":{amount},'
        f'"total":{total}}}]}}'
    )


def page(rows: list[str]) -> bytes:
    return ('{"data":{"current_page":1,"data":[' + ",".join(rows) + '],"total":0},"success":true}').encode()


row = st.tuples(money(2, 10**11), money(4, 10**9), money(4, 10**7), money(2, 10**7), money(9, 10**3), st.integers(0, 2))


@settings(max_examples=150, deadline=None)
@given(st.lists(row, max_size=40))
def test_json_numbers_are_exact_and_sums_match_decimal(rows: list[tuple[Decimal, ...]]) -> None:
    texts = [order(i, *(as_json_number(v, style) for v in values)) for i, (*values, style) in enumerate(rows)]
    orders, items = frames.order_frames(page(texts))
    totals = [r[0] for r in rows]
    assert orders["total"].to_list() == totals
    assert orders["total"].sum() == sum(totals, Decimal(0))
    assert orders["currency_rate"].to_list() == [r[4] for r in rows]
    assert items["amount"].to_list() == [r[1] for r in rows]
    assert items["amount"].sum() == sum((r[1] for r in rows), Decimal(0))
    assert items["spread"].to_list() == [r[3] - r[2] for r in rows]
    assert items["spread"].sum() == sum((r[3] - r[2] for r in rows), Decimal(0))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.decimals(min_value=-(10**8), max_value=10**8, places=6), min_size=1, max_size=30))
def test_digits_beyond_the_scale_are_rounded_half_even_not_truncated(values: list[Decimal]) -> None:
    texts = [order(i, format(v, "f"), "1", "1", "1", "1") for i, v in enumerate(values)]
    got = frames.orders_frame(page(texts))["total"].to_list()
    assert got == [v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN) for v in values]


def test_the_float_traps_are_exact() -> None:
    values = ["1889.73", "0.1", "0.3", "2.675", "1.005", "99999999999.99", "0.0001", "1e-04", "1E2", "-0"]
    got = frames.orders_frame(page([order(i, v, "1", "1", "1", "1") for i, v in enumerate(values)]))
    assert got["total"].to_list() == [Decimal(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(money(4, 10**30), money(12, 10**6)), max_size=20))
def test_model_decimals_are_exact_at_any_precision(rows: list[tuple[Decimal, Decimal]]) -> None:
    models = [
        FakeOrder(
            raw=json.loads(order(i, "0", "1", "1", "1", "1"), parse_float=Decimal) | {"total": t, "currency_rate": r}
        )
        for i, (t, r) in enumerate(rows)
    ]
    orders = frames.orders_frame(models)
    assert orders["total"].to_list() == [t for t, _ in rows]
    assert orders["currency_rate"].to_list() == [r for _, r in rows]
    with localcontext() as exact:
        exact.prec = 80
        assert orders["total"].sum() == sum((t for t, _ in rows), Decimal(0))


def typed_is_exact(doc: bytes) -> bool:
    """Whether the fast decoder's result for `doc` is trusted (no fall back to text)."""
    text = pl.Series([doc.decode()])
    return _orders._typed_is_exact(_orders._flat(text, [len(doc)], 0, TYPED_SHAPES))


def test_guard_bounds_are_where_the_double_stops_being_exact() -> None:
    assert guard_bound(MONEY) == guard_bound(GRAMS) == 22_517_998_136
    assert guard_bound(RATE) == 225


below_money = st.decimals(min_value=-guard_bound(MONEY) + 1, max_value=guard_bound(MONEY) - 1, places=4)
below_rate = st.decimals(min_value=0, max_value=guard_bound(RATE) - 1, places=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(below_money, below_money, below_rate, st.integers(0, 2)), min_size=1, max_size=40))
def test_the_fast_decoder_is_trusted_and_exact_below_its_bound(rows: list[tuple[Decimal, ...]]) -> None:
    texts = []
    for i, (total, amount, rate, style) in enumerate(rows):
        total_text = as_json_number(total, style)
        texts.append(
            order(i, total_text, as_json_number(abs(amount), style), "1", total_text, as_json_number(rate, style))
        )
    doc = page(texts)
    assert typed_is_exact(doc)
    orders, items = frames.order_frames(doc)
    assert orders["total"].to_list() == [r[0] for r in rows]
    assert orders["currency_rate"].to_list() == [r[2] for r in rows]
    assert items["amount"].to_list() == [abs(r[1]) for r in rows]
    assert items["spread"].to_list() == [r[0] - 1 for r in rows]


@pytest.mark.parametrize(
    ("total", "rate", "trusted"),
    [
        ("22517998135.9999", "1", True),
        ("-22517998135.9999", "224.999999999999", True),
        ("22517998136", "1", False),
        ("40489981670.58", "1", False),
        ("2315849982794.47", "1", False),
        ("-9535372327028.70", "1", False),
        ("1.00005", "1", False),
        ("1", "225", False),
        ("1", "0.0000000000005", False),
    ],
)
def test_values_the_fast_decoder_cannot_promise_go_through_text(total: str, rate: str, trusted: bool) -> None:
    doc = page([order(0, "1889.73", "1", "1", "1", "0.5"), order(1, total, "1", "1", "1", rate)])
    assert typed_is_exact(doc) is trusted
    got = frames.orders_frame(doc)
    assert got["total"].to_list() == [Decimal("1889.73"), Decimal(total).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)]
    assert got["currency_rate"][1] == Decimal(rate).quantize(Decimal("1e-12"), ROUND_HALF_EVEN)


def test_quoted_numbers_on_a_page_are_read_exactly() -> None:
    quoted = (
        '{"guid":"G","order_code":"C","type":"Sell","price":"12.50","tax":"0","total":"12.50","currency_code":"GBP",'
        '"currency_rate":"1","currency_total":"12.50","status_id":"5","status_name":"Completed",'
        '"order_at":"31-05-2023 03:16","customer":null,"items":[{"sku":"GAU","product_id":"3000001",'
        '"spot_price":"64.1445","price":"62.03","tax_rate":"0","tax":"0","amount":"0.2015","total":"12.50"}]}'
    )
    orders, items = frames.order_frames(page([quoted]))
    assert orders.row(0, named=True) | {"order_at": None} == {
        "guid": "G",
        "order_code": "C",
        "external_id": None,
        "type": "Sell",
        "status_id": 5,
        "status_name": "Completed",
        "currency": "GBP",
        "price": Decimal("12.50"),
        "tax": 0,
        "total": Decimal("12.50"),
        "currency_rate": 1,
        "currency_total": Decimal("12.50"),
        "order_at": None,
        "customer_external_id": None,
        "item_count": 1,
    }
    assert items.select("product_id", "amount", "spread").row(0) == (3000001, Decimal("0.2015"), Decimal("-2.1145"))


@pytest.mark.parametrize("status_id", ["5.5", "99999999999999999999", '"abc"'])
def test_a_bad_whole_number_is_refused_not_truncated_or_dropped(status_id: str) -> None:
    doc = page([order(0, "1", "1", "1", "1", "1").replace('"status_id":5', f'"status_id":{status_id}')])
    with pytest.raises(frames.ParseError, match="order_code='C0': status_id: expected a") as info:
        frames.orders_frame(doc)
    assert info.value.field == "status_id" and info.value.body == doc


@pytest.mark.parametrize("total", ["-1e36", "1e36", "-123456789012345678901234567890123456"])
def test_a_number_too_big_for_the_column_is_refused_not_wrapped(total: str) -> None:
    with pytest.raises(frames.ParseError, match=r"(price|total): expected a number that fits decimal\[38,4\]"):
        frames.orders_frame(page([order(0, total, "1", "1", "1", "1")]))
