"""Decimal money helpers and a JSON writer that prints Decimals exactly (10, 0.1, 1889.73)."""

from __future__ import annotations

import json
import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
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


def strip_zeros(value: Decimal) -> Decimal:
    """`value` without trailing zeros (0.100 -> 0.1) and never rounded: normalize() in a context as wide
    as the number, where the default 28-digit context turned 4.99999999999999999999999999999 into 5."""
    return value.normalize(Context(prec=len(value.as_tuple().digits), Emin=MIN_EMIN, Emax=MAX_EMAX))


def number_text(value: Decimal | int) -> str:
    """JSON text of a number: integers where whole, no exponent, no trailing zeros, every digit kept."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(strip_zeros(value), "f")


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


#: no JSON number beyond 10**±4300 is read as a number (int() already refuses longer integers)
EXPONENT_LIMIT = 4300


class OutOfRange:
    """A JSON number too large or too small to read (`1e99999999999999999999`), kept as its text so that
    the body check can name the field holding it instead of failing the whole request."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"OutOfRange({self.text[:40]!r})"


def exact_decimal(text: str) -> Decimal | OutOfRange:
    """A JSON fraction or exponent as the Decimal it writes, digit for digit: building a Decimal from text
    never rounds (only arithmetic does), so `4.99999999999999999999999999999` stays itself."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return OutOfRange(text)
    if not value.is_finite() or abs(value.adjusted()) > EXPONENT_LIMIT:
        return OutOfRange(text)
    return value


def exact_int(text: str) -> int | OutOfRange:
    """A JSON integer as an int, or OutOfRange past EXPONENT_LIMIT digits."""
    if len(text.lstrip("-")) > EXPONENT_LIMIT:
        return OutOfRange(text)
    try:
        return int(text)
    except ValueError:
        return OutOfRange(text)


def loads(raw: bytes | str) -> Any:
    """Parse JSON with exact numbers (fractions as Decimal, integers as int, never rounded); NaN and
    Infinity are refused, and numbers no field could hold come back as OutOfRange markers."""
    return json.loads(raw, parse_float=exact_decimal, parse_int=exact_int, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
