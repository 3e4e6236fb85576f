"""Decimal money helpers and a JSON writer that prints Decimals exactly (10, 0.1, 1889.73)."""

from __future__ import annotations

import json
import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from json.encoder import encode_basestring_ascii as _string
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
    if not value.is_finite():
        return format(strip_zeros(value), "f")
    # a fraction's "f" text shows every digit down to its exponent: without the trailing zeros it is
    # format(strip_zeros(value), "f"), written without building a context for each number
    return format(value, "f").rstrip("0")


_MARK = "\x00\x01#"
#: a marked number where a value starts (at the start, after ":", "," or "["): the quote comes first, then
#: the look-behind checks the character before it, so the scan can skip to each quote
_MARKED = re.compile(rb'"(?<![^:,\[]")\\u0000\\u0001#(-?[0-9.]+)"')
_ESCAPED = re.compile(rb'(?<=[:,\[{])"\\u0000\\u0000')
_RAW = "\x00\x02#"
_RAW_MARKED = re.compile(rb'"(?<![^:,\[]")\\u0000\\u0002#([0-9]+)"')


class RawJSON:
    """JSON text `dumps` already wrote, spliced in verbatim where this value stands: a page reuses each
    order's text instead of writing the order again. Only text `dumps` or `dumps_record` wrote belongs here
    (it is not checked)."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r})"


def _key(key: Any) -> str:
    """A dict key escaped as strings are, so a key a client sent that looks like a marker stays a key."""
    text = str(key)
    return "\x00" + text if text.startswith("\x00") else text


def _prepare(value: Any, raw: list[bytes]) -> Any:
    """Decimals become marked strings (re-written as bare numbers after encoding) and RawJSON texts marked
    places (filled in last, their text kept in `raw`); the rest is checked. Exact types are tried first,
    the isinstance checks after them decide for subclasses."""
    kind = type(value)
    if kind is str:
        return "\x00" + value if value.startswith("\x00") else value
    if kind is dict:
        return {_key(k): _prepare(v, raw) for k, v in value.items()}
    if kind is Decimal:
        return _MARK + number_text(value)
    if kind is int or kind is bool or value is None:
        return value
    if kind is list:
        return [_prepare(v, raw) for v in value]
    if kind is RawJSON:
        raw.append(value.text)
        return f"{_RAW}{len(raw) - 1}"
    return _prepare_other(value, raw)


def _prepare_other(value: Any, raw: list[bytes]) -> Any:
    """`_prepare` for subclasses of the JSON types (and tuples); anything else is refused."""
    if isinstance(value, str):
        return "\x00" + value if value.startswith("\x00") else value
    if isinstance(value, dict):
        return {_key(k): _prepare(v, raw) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(v, raw) for v in value]
    if isinstance(value, Decimal):
        return _MARK + number_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Compact ASCII JSON (unicode escaped, as Laravel writes it) with exact Decimal numbers; RawJSON
    values are written as their text. Joining the split around the marked numbers keeps each number's
    digits (the split's group) and drops its marks, as `_MARKED.sub(rb"\\1", ...)` would, only faster."""
    raw: list[bytes] = []
    text = json.dumps(_prepare(value, raw), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    marked = b"".join(_MARKED.split(text.encode("ascii")))
    return _splice(marked, raw) if raw else _unescape(marked)


def _unescape(text: bytes) -> bytes:
    """Strings that began with NUL lose the second NUL `_prepare` gave them (so no string can pass for a
    marked number or a RawJSON place)."""
    return _ESCAPED.sub(b'"\\\\u0000', text) if b"\\u0000\\u0000" in text else text


def _splice(text: bytes, raw: list[bytes]) -> bytes:
    """`text` with each RawJSON place replaced by its text; the pieces around the places are unescaped on
    their own, so no RawJSON text is touched."""
    parts = _RAW_MARKED.split(text)
    out = [_unescape(parts[0])]
    for n in range(1, len(parts), 2):
        out += (raw[int(parts[n])], _unescape(parts[n + 1]))
    return b"".join(out)


def dumps_record(value: Any) -> bytes:
    """The bytes `dumps` writes for the dict or list `value`, provided no key in it starts with NUL (true
    of every record render.py builds: their keys are fixed names), written in one pass with no marks to
    undo: an order's text in about half the time. `dumps` stays the writer for anything else (keys a
    client sent, as in a 422's field map, reach it unescaped, and it must keep writing them as it does)."""
    return _text(value).encode("ascii")


def _text(value: Any) -> str:
    """The JSON text of one value, as `dumps` writes it."""
    kind = type(value)
    if kind is dict:
        return "{" + ",".join([_string(str(k)) + ":" + _text(v) for k, v in value.items()]) + "}"
    if kind is str:
        return _string(value)
    if kind is Decimal:
        return number_text(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is list:
        return "[" + ",".join([_text(v) for v in value]) + "]"
    if kind is bool:
        return "true" if value else "false"
    return _text_other(value)


def _text_other(value: Any) -> str:
    """`_text` for subclasses of the JSON types, tuples and RawJSON, in `_prepare_other`'s order."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{" + ",".join([_string(str(k)) + ":" + _text(v) for k, v in value.items()]) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join([_text(v) for v in value]) + "]"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, RawJSON):
        return value.text.decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


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
