"""Money is exact: JSON numbers reach Decimal columns without float error, sums equal `decimal` sums.

polars' JSON decoder reads a number as a double and gives its shortest round-trip text, which is
the number as written whenever it has at most 15 significant digits (all API money does); that
text is then cast to Decimal, rounding half-even beyond the column's scale, never truncating.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from minted_lab import frames

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


row = st.tuples(
    money(2, 10**11), money(4, 10**9), money(4, 10**7), money(2, 10**7), money(9, 10**3), st.integers(0, 2)
)


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
        FakeOrder(raw=json.loads(order(i, "0", "1", "1", "1", "1"), parse_float=Decimal) | {"total": t, "currency_rate": r})
        for i, (t, r) in enumerate(rows)
    ]
    orders = frames.orders_frame(models)
    assert orders["total"].to_list() == [t for t, _ in rows]
    assert orders["currency_rate"].to_list() == [r for _, r in rows]
    with localcontext() as exact:
        exact.prec = 80
        assert orders["total"].sum() == sum((t for t, _ in rows), Decimal(0))
