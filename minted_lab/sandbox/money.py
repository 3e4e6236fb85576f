"""Decimal money helpers and a JSON writer that prints Decimals exactly (10, 0.1, 1889.73)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring_ascii
from typing import Any

CENT = Decimal("0.01")
FOUR = Decimal("0.0001")
SIX = Decimal("0.000001")


def round2(value: Decimal) -> Decimal:
    """Half-up to cents, as the API's item totals are."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round4(value: Decimal) -> Decimal:
    """Half-up to four decimals (spot prices, rates)."""
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def floor4(value: Decimal) -> Decimal:
    """Down to four decimals (grams purchasable for a total never overshoot it)."""
    return value.quantize(FOUR, rounding=ROUND_DOWN)


def number_text(value: Decimal | int) -> str:
    """JSON text of a number: integers where whole, no exponent, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _chunks(value: Any) -> Iterator[str]:
    if value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif isinstance(value, str):
        yield encode_basestring_ascii(value)
    elif isinstance(value, (int, Decimal)):
        yield number_text(value)
    elif isinstance(value, dict):
        yield "{"
        first = True
        for key, item in value.items():
            if not first:
                yield ","
            first = False
            yield encode_basestring_ascii(str(key))
            yield ":"
            yield from _chunks(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _chunks(item)
        yield "]"
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Compact ASCII JSON (unicode escaped, as Laravel writes it) with exact Decimal numbers."""
    return "".join(_chunks(value)).encode("ascii")


def loads(raw: bytes | str) -> Any:
    """Parse JSON with numbers as Decimal/int; NaN and Infinity are refused."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
