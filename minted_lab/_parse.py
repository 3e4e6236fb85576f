"""Tolerant parsing of the API's JSON numbers, booleans and date formats, and the rules for what an
order's shape may leave out. Pure functions, no I/O: the models and the frames both read by them.

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
from typing import Any, Final, Literal, NamedTuple, cast
from zoneinfo import ZoneInfo

import orjson

from .catalog import API_TIME_ZONE, ORDER_TYPES, SKU_BY_PRODUCT_ID

__all__ = [
    "BOOLEAN_TEXT",
    "ISTANBUL",
    "MISSING",
    "NO_CUSTOMER_SHAPES",
    "ORDER_IDS",
    "ORDER_TYPE_BY_TX_TYPE",
    "REPORTED_ORDER_FIELDS",
    "Gap",
    "ParseError",
    "decimal_text",
    "dumps",
    "expected",
    "is_no_customer",
    "item_sku",
    "loads",
    "order_ids",
    "order_type",
    "parse_date",
    "parse_datetime",
    "to_bool",
    "to_decimal",
    "to_int",
    "unreadable_datetime",
]

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


def loads_structure(content: bytes | str) -> Any:
    """JSON read fast with numbers as Python's own (floats inexact): only for what is never money, a
    page's counts, links and guids, when polars reads its orders from the same bytes.

    orjson reads a 30-order page in about a third of the stdlib's time; what it refuses (an integer past
    64 bits) goes to the stdlib reader, which also refuses NaN and Infinity."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content, parse_constant=_no_constant)


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
                raise ValueError(unreadable_datetime(value))
            hour, minute = int(parts[0]), int(parts[1])
            second = int(parts[2]) if len(parts) == 3 else 0
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=naive_tz)
        except ValueError:
            raise ValueError(unreadable_datetime(value)) from None
    iso = text[:-1] + "+00:00" if text[-1] in "zZ" else text
    try:
        parsed = datetime.fromisoformat(iso)  # a date alone ("2023-10-13") is its midnight
    except ValueError:
        raise ValueError(unreadable_datetime(value)) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_tz)


def unreadable_datetime(value: object) -> str:
    """Why a date-time was refused, in the same words wherever it is read (models and frames)."""
    return f"unreadable date-time {value!r} (not one of the API's date formats)"


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY`` as a date (birthdates); None and ``""`` give None."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {value!r}")
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10 and text[2] == "-" and text[5] == "-":
            return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"unreadable date {value!r}") from None


BOOLEAN_TEXT: Final[dict[str, bool]] = {"true": True, "false": False, "1": True, "0": False}
"""Booleans as PHP may send them, as text (compared stripped and lower-cased): each reads as what it says."""


def to_bool(value: Any) -> bool | None:
    """A JSON boolean, or one sent as ``"true"``/``"false"``/``"1"``/``"0"`` or the numbers 0 and 1.

    None and ``""`` give None; anything else raises ValueError (``bool("false")`` would be True).
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        if value == 0 or value == 1:
            return bool(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in BOOLEAN_TEXT:
            return BOOLEAN_TEXT[text]
    raise ValueError(f"expected a boolean, got {value!r}")


# ------------------------------------------------- what an order's shape may leave out, and what is unreadable

ORDER_IDS: Final = ("guid", "order_code", "external_id")
"""The keys that name an order in every error and report."""
ORDER_TYPE_BY_TX_TYPE: Final[dict[str, str]] = {t.lower(): t for t in ORDER_TYPES}
"""The Order Schema ``type`` of each ``tx_type`` (README §5.3: ``buy``/``sell``/``delivery``): how the
type of an order that sends only ``tx_type`` (the documented Get Order) is derived. Any other
``tx_type`` (the example's ``"oneoffpurchase"``) leaves the type unknown: reported, never guessed."""
REPORTED_ORDER_FIELDS: Final = ("type", "currency_code", "order_at")
"""Order fields whose absence is reported (`Gap`) when they cannot be derived: the Order Schema's
required ``type`` and ``currency_code``, and ``order_at`` (which the documented Get Order lacks).
An item's ``sku`` is reported the same way, as ``items[i].sku``."""
MISSING: Final = "missing: the API sent none"
"""The reason of a `Gap` for a field that was not sent (or sent as null) and cannot be derived."""


class Gap(NamedTuple):
    """A field the API left out that could not be derived: null in models and frames alike, and reported."""

    field: str
    reason: str


def order_type(type_: Any, tx_type: Any) -> tuple[str | None, str | None]:
    """``(type, why it is unknown)``: ``type`` as sent, else derived from ``tx_type``; the reason is None when known.

    >>> order_type(None, "delivery"), order_type("Buy", None)
    (('Delivery', None), ('Buy', None))
    >>> order_type(None, "oneoffpurchase")
    (None, "tx_type 'oneoffpurchase' is not an order type (buy, sell, delivery)")
    """
    if type_ is not None:
        return str(type_), None
    if tx_type is None:
        return None, MISSING + " (neither type nor tx_type)"
    known = ORDER_TYPE_BY_TX_TYPE.get(str(tx_type).strip().lower())
    if known is not None:
        return known, None
    return None, f"tx_type {tx_type!r} is not an order type ({', '.join(ORDER_TYPE_BY_TX_TYPE)})"


def item_sku(sku: Any, product_id: Any) -> tuple[str | None, str | None]:
    """``(sku, why it is unknown)``: ``sku`` as sent, else the catalog's SKU of ``product_id``.

    >>> item_sku(None, 3000001), item_sku(None, 3000065)
    (('GAU', None), (None, 'product_id 3000065 is not in the catalog'))
    """
    if sku is not None:
        return str(sku), None
    if product_id is None:
        return None, MISSING + " (neither sku nor product_id)"
    key = product_id if isinstance(product_id, int) else to_int(product_id)
    known = SKU_BY_PRODUCT_ID.get(key) if isinstance(key, int) else None
    if known is not None:
        return known, None
    return None, f"product_id {product_id} is not in the catalog"


NO_CUSTOMER_SHAPES: Final = "an object, null or [] (no customer)"
"""What an order's ``customer`` may be."""


def expected(what: str, value: Any) -> str:
    """``expected <what>, got <value>`` with the value as short JSON text: a refused value, in the same
    words wherever it is read."""
    try:
        shown = dumps(value, decimals="text").decode()
    except (TypeError, ValueError):
        shown = repr(value)
    return f"expected {what}, got {shown[:80]}"


def is_no_customer(value: Any) -> bool:
    """True for what says "no customer": null, or PHP's empty array ``[]``."""
    return value is None or (isinstance(value, list) and not value)


def order_ids(d: Mapping[str, Any]) -> dict[str, str | None]:
    """The keys that name an order (`ORDER_IDS`), as text."""
    return {key: None if d.get(key) is None else str(d.get(key)) for key in ORDER_IDS}


class ParseError(ValueError):
    """An API answer (or one field of it) that could not be read.

    ``what`` names the object (``"order"``) and ``ids`` its identifiers (an order's ``guid``,
    ``order_code``, ``external_id``); ``field`` is the field's path (``"order_at"``,
    ``"items[1].price"``, ``"customer"``), ``reason`` why. ``document`` is the position of the
    document in a frame builder's input, and ``body`` the bytes of the response or document it came
    from when known, so a page that could not be read can be looked at, or kept.
    """

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        what: str | None = None,
        ids: Mapping[str, str | None] | None = None,
        document: int | None = None,
        body: bytes | None = None,
    ) -> None:
        self.reason = reason
        self.field = field
        self.what = what
        self.ids = {k: v for k, v in (ids or {}).items() if v is not None}
        self.document = document
        self.body = body
        super().__init__(self._text())

    def _text(self) -> str:
        where = []
        if self.what is not None:
            if self.document is not None:
                where.append(f"document {self.document}")
            names = " ".join(f"{k}={v!r}" for k, v in self.ids.items())
            where.append(f"{self.what} {names}" if names else self.what)
        field = f"{self.field}: " if self.field else ""
        return f"{', '.join(where)}: {field}{self.reason}" if where else f"{field}{self.reason}"

    def located(
        self,
        *,
        prefix: str | None = None,
        what: str | None = None,
        ids: Mapping[str, str | None] | None = None,
        document: int | None = None,
        body: bytes | None = None,
    ) -> ParseError:
        """The same error seen from what holds it: its field under ``prefix``, the rest filled where unknown."""
        field = self.field if prefix is None else f"{prefix}.{self.field}" if self.field else prefix
        error = ParseError(
            self.reason,
            field=field,
            what=self.what if self.what is not None else what,
            ids=self.ids or ids,
            document=self.document if self.document is not None else document,
            body=self.body if self.body else body or None,
        )
        error.__cause__ = self.__cause__
        return error

    @classmethod
    def of(cls, error: ValueError, field: str | None = None) -> ParseError:
        """``error`` as a ParseError (itself when it is one), its field ``field`` when it names none."""
        if isinstance(error, ParseError):
            return error if error.field or field is None else error.located(prefix=field)
        made = cls(str(error), field=field)
        made.__cause__ = error
        return made


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
