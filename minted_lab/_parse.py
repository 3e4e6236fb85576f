"""Tolerant parsing of the API's JSON numbers and four date formats. Pure functions, no I/O.

Numbers never pass through float: JSON is read with every number (integer or not) as a Decimal,
so ``0``, ``1``, ``10`` and ``0.1`` in one field all come out exact. A number no price, amount or id
could be (``1e99999999999999999999``, ten thousand digits) is refused with a ValueError: the decimal
module would raise its own exceptions for some, and ``int()`` would take minutes over others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from .catalog import API_TIME_ZONE

__all__ = ["ISTANBUL", "loads", "to_decimal", "to_int", "parse_datetime", "parse_date", "decimal_text", "dumps"]

ISTANBUL = API_TIME_ZONE
"""``catalog.API_TIME_ZONE`` under its old name: naive API times are Istanbul wall-clock times."""
#: the most digits, and the largest power of ten, a number may have (as ``int()`` refuses longer integers)
NUMBER_LIMIT = 4300


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _number(text: str) -> Decimal:
    """A number's text as a Decimal, or ValueError when it is out of any sane range."""
    if len(text) > NUMBER_LIMIT:
        raise ValueError(f"a number of {len(text)} characters ({text[:20]}...)")
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValueError(f"an unreadable number {text[:40]!r}") from None
    if value.is_finite() and value and abs(value.adjusted()) > NUMBER_LIMIT:
        raise ValueError(f"a number out of range {text[:40]!r}")
    return value


def loads(content: bytes | str) -> Any:
    """JSON with every number as an exact Decimal (NaN and Infinity refused, and absurd sizes: ``_number``)."""
    return json.loads(content, parse_float=_number, parse_int=_number, parse_constant=_no_constant)


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number (or numeric string) as a Decimal; None stays None. Floats go through repr, never binary."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        try:
            result = _number(text)
        except ValueError:
            raise ValueError(f"expected a number, got {value[:40]!r}") from None
        if not result.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        return result
    raise ValueError(f"expected a number, got {value!r}")


def to_int(value: Any) -> int | None:
    """An integral JSON number (ids, counts) as an int; None stays None; other values are kept as they are.

    Typed as the int the field should hold: a value kept as it is (``5.5``, ``"abc"``) is what the
    API sent, and callers that need an int check with ``isinstance``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return cast("int | None", value)


def _fixed(text: str, positions: tuple[int, ...]) -> bool:
    return all(text[i].isdigit() for i in positions)


def parse_datetime(value: Any, *, naive_tz: ZoneInfo = ISTANBUL) -> datetime | None:
    """Any of the API's date-time forms as an aware datetime (naive ones are Istanbul time).

    ``"2023-05-31 03:16:45"``, ``"31-05-2023 03:16"``, ``"2024-12-05T18:43:32+03:00"``,
    ``"2024-07-19T09:39:03.000000Z"`` (and the ISO variants around them). None and ``""`` give None;
    anything else unreadable raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=naive_tz)
    if not isinstance(value, str):
        raise ValueError(f"expected a date-time string, got {value!r}")
    text = value.strip()
    if not text:
        return None
    if len(text) >= 10 and text[2] == "-" and text[5] == "-" and _fixed(text, (0, 1, 3, 4, 6, 7, 8, 9)):
        # DD-MM-YYYY[ HH:MM[:SS]]
        day, month, year = int(text[0:2]), int(text[3:5]), int(text[6:10])
        rest = text[10:].strip()
        hour = minute = second = 0
        if rest:
            parts = rest.split(":")
            if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
                raise ValueError(f"unreadable date-time {value!r}")
            hour, minute = int(parts[0]), int(parts[1])
            second = int(parts[2]) if len(parts) == 3 else 0
        return datetime(year, month, day, hour, minute, second, tzinfo=naive_tz)
    iso = text[:-1] + "+00:00" if text[-1] in "zZ" else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"unreadable date-time {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_tz)


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY`` as a date (birthdates); None and ``""`` give None."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {value!r}")
    text = value.strip()
    if not text:
        return None
    if len(text) == 10 and text[2] == "-" and text[5] == "-":
        return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"unreadable date {value!r}") from None


def decimal_text(value: Decimal) -> str:
    """A finite Decimal's exact text, never in exponent form: ``Decimal('1E+2')`` → ``100``, ``Decimal('0.10')`` → ``0.10``."""
    return format(value, "f")


def _dump(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value!r}")
        out.append(decimal_text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, dict):
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(k), ensure_ascii=False))
            out.append(":")
            _dump(v, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _dump(v, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON (floats are never sent: use Decimal)")


def _as_text(value: object) -> object:
    """What ``json.dumps`` cannot write itself, for ``dumps(decimals="text")``."""
    if isinstance(value, Decimal):
        return decimal_text(value) if value.is_finite() else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any, *, decimals: Literal["number", "text"] = "number") -> bytes:
    """Compact UTF-8 JSON with every Decimal written exactly (``decimal_text``).

    ``decimals="number"``, for request bodies: a Decimal is a JSON number (``Decimal('0.1')`` → ``0.1``);
    floats, NaN and infinities are refused, so nothing inexact is ever sent.

    ``decimals="text"``, for readers that take every JSON number as a double (the polars decoder of
    `minted_lab.frames`): a Decimal is a JSON string of its exact text (a NaN or infinity is null),
    and the JSON a caller may hold is written as it is: floats (their shortest repr), dates and
    date-times (ISO 8601), any Mapping, tuples and sets. It runs on json's C encoder, as the frames
    encode every model they are given (measured: 8x faster than the request encoder).
    """
    if decimals == "text":
        return json.dumps(value, default=_as_text, ensure_ascii=False, separators=(",", ":")).encode()
    out: list[str] = []
    _dump(value, out)
    return "".join(out).encode("utf-8")
