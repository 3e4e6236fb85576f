"""Decimal money helpers and a JSON writer that prints Decimals exactly (10, 0.1, 1889.73)."""

from __future__ import annotations

import json
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
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


_MARK = "\x00\x01#"
_MARKED = re.compile(rb'(?:^|(?<=[:,\[]))"\\u0000\\u0001#(-?[0-9.]+)"')
_ESCAPED = re.compile(rb'(?<=[:,\[{])"\\u0000\\u0000')


def _prepare(value: Any) -> Any:
    """Decimals become marked strings (re-written as bare numbers after encoding); the rest is checked."""
    if isinstance(value, str):
        return "\x00" + value if value.startswith("\x00") else value
    if isinstance(value, dict):
        return {str(k): _prepare(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(v) for v in value]
    if isinstance(value, Decimal):
        return _MARK + number_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Compact ASCII JSON (unicode escaped, as Laravel writes it) with exact Decimal numbers."""
    text = json.dumps(_prepare(value), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    raw = _MARKED.sub(rb"\1", text.encode("ascii"))
    return _ESCAPED.sub(b'"\\\\u0000', raw) if b"\\u0000\\u0000" in raw else raw


def loads(raw: bytes | str) -> Any:
    """Parse JSON with numbers as Decimal/int; NaN and Infinity are refused."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
