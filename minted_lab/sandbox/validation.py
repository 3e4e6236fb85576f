"""Field checks for request bodies and queries; every failure names its field path and reason."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from minted_lab.sandbox.catalog import BY_PRODUCT_ID, BY_SKU, CURRENCY_CODES
from minted_lab.sandbox.envelope import Problems, invalid
from minted_lab.sandbox.money import OutOfRange, loads, strip_zeros

EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{3,40}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9 ()-]{5,20}")
DIGITS = re.compile(r"[0-9]{1,20}")
MAX_GRAMS = Decimal(1_000_000)
MAX_TOTAL = Decimal(1_000_000_000)
MAX_ITEMS = 10
MISSING = object()


def parse_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in `raw`, or a 422 naming `body` (not an object) or the field holding a number out
    of range (`items.0.amount`, or an unknown field: the number is refused before the field is)."""
    try:
        value = loads(raw) if raw.strip() else MISSING
    except (ValueError, RecursionError):
        raise invalid("body", "invalid_json") from None
    if not isinstance(value, dict):
        raise invalid("body", "invalid_json")
    path = _out_of_range(value)
    if path is not None:
        raise invalid(path, "number_out_of_range")
    return value


def _out_of_range(value: dict[str, Any]) -> str | None:
    """The dotted path of the first OutOfRange number in document order (iterative: bodies nest deep)."""
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in reversed(value.items())]
    while stack:
        path, item = stack.pop()
        if isinstance(item, OutOfRange):
            return path
        if isinstance(item, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}", v) for i, v in reversed(list(enumerate(item))))
    return None


def unknown_fields(body: dict[str, Any], allowed: set[str], problems: Problems, prefix: str = "") -> None:
    """Flag every key of `body` not in `allowed`."""
    for key in body:
        if key not in allowed:
            problems.add(prefix + key, "unknown_field")


def is_number(value: Any) -> bool:
    """A JSON number (int or finite Decimal), never a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite()


def clean_decimal(value: int | Decimal) -> Decimal:
    """The same value without exponent noise or trailing zeros: 10.0 -> 10, 0.10 -> 0.1 (zeros only,
    never a digit: see money.strip_zeros)."""
    d = Decimal(value)
    return Decimal(int(d)) if d == d.to_integral_value() else strip_zeros(d)


def positive(value: Any, places: int, maximum: Decimal) -> Decimal | None:
    """`value` as a positive Decimal with at most `places` decimals and at most `maximum`, else None.

    The check runs on the exact number the client wrote, so a value with more significant digits than
    the field holds (digits of `maximum` plus `places`) is refused, never rounded into range."""
    if not is_number(value):
        return None
    d = Decimal(value)
    if d <= 0 or d > maximum:
        return None
    d = clean_decimal(d)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return None
    return d


def text_field(
    body: dict[str, Any],
    key: str,
    problems: Problems,
    *,
    prefix: str = "",
    required: bool = False,
    pattern: re.Pattern[str] | None = None,
    pattern_reason: str = "",
    min_len: int = 1,
    max_len: int = 255,
    blank_is_none: bool = True,
) -> str | None:
    """A string field: None when absent (or blank, or null), else checked against length and pattern."""
    path = prefix + key
    value = body.get(key)
    if value is None or (blank_is_none and value == ""):
        if required:
            problems.add(path, "required")
        return None
    if not isinstance(value, str):
        problems.add(path, "must_be_string")
        return None
    if pattern is not None:
        if not pattern.fullmatch(value):
            problems.add(path, pattern_reason)
            return None
    elif not min_len <= len(value) <= max_len:
        problems.add(path, "length", min=min_len, max=max_len)
        return None
    return value


def choice(
    body: dict[str, Any],
    key: str,
    choices: tuple[str, ...],
    problems: Problems,
    *,
    prefix: str = "",
    required: bool = False,
) -> str | None:
    """A string field that must be one of `choices`."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            problems.add(prefix + key, "required")
        return None
    if value not in choices:
        problems.add(prefix + key, "one_of", choices=", ".join(choices))
        return None
    return str(value)


def parse_birthdate(value: str) -> date | None:
    """`YYYY-MM-DD` or `DD-MM-YYYY`, else None."""
    for fmt, pattern in (("%Y-%m-%d", r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), ("%d-%m-%Y", r"[0-9]{2}-[0-9]{2}-[0-9]{4}")):
        if re.fullmatch(pattern, value):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                return None
    return None


def iso_date(value: str) -> date | None:
    """`YYYY-MM-DD` only, else None."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


CUSTOMER_FIELDS = {
    "external_id",
    "firstname",
    "middlename",
    "lastname",
    "fullname",
    "email",
    "phone",
    "gender",
    "identity_number",
    "birthdate",
    "account_type",
    "tax_office",
}


def customer_fields(body: dict[str, Any], problems: Problems, prefix: str = "") -> dict[str, Any]:
    """Validated customer attributes (create customer, and the `customer` object of sell/buy)."""
    out: dict[str, Any] = {
        "external_id": text_field(
            body,
            "external_id",
            problems,
            prefix=prefix,
            required=True,
            pattern=CUSTOMER_ID,
            pattern_reason="customer_id_format",
        ),
    }
    for name in ("firstname", "middlename", "lastname"):
        out[name] = text_field(body, name, problems, prefix=prefix, min_len=3, max_len=40)
    text_field(body, "fullname", problems, prefix=prefix, max_len=130)
    out["email"] = text_field(body, "email", problems, prefix=prefix, pattern=EMAIL, pattern_reason="email")
    out["phone"] = text_field(body, "phone", problems, prefix=prefix, pattern=PHONE, pattern_reason="phone")
    out["gender"] = choice(body, "gender", ("M", "F"), problems, prefix=prefix)
    out["identity_number"] = text_field(
        body, "identity_number", problems, prefix=prefix, pattern=DIGITS, pattern_reason="digits"
    )
    raw_birthdate = text_field(body, "birthdate", problems, prefix=prefix, max_len=10)
    out["birthdate"] = None
    if raw_birthdate is not None:
        out["birthdate"] = parse_birthdate(raw_birthdate)
        if out["birthdate"] is None:
            problems.add(prefix + "birthdate", "date")
    out["account_type"] = choice(body, "account_type", ("individual", "company"), problems, prefix=prefix)
    out["tax_office"] = text_field(body, "tax_office", problems, prefix=prefix, max_len=100)
    if out["account_type"] == "company" and out["tax_office"] is None and not problems.has(prefix + "tax_office"):
        problems.add(prefix + "tax_office", "tax_office_required")
    return out


def order_lines(items: Any, side: str, problems: Problems) -> list[tuple[int, str, Decimal]]:
    """(index, sku, grams) for each valid item; sells take whole grams, buys up to 4 decimals."""
    if not isinstance(items, list) or not items:
        problems.add("items", "required" if items is None else "must_be_list")
        return []
    if len(items) > MAX_ITEMS:
        problems.add("items", "too_many_items", max=MAX_ITEMS)
        return []
    lines: list[tuple[int, str, Decimal]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"items.{index}"
        if not isinstance(item, dict):
            problems.add(path, "must_be_object")
            continue
        sku = _item_sku(item, path, problems)
        amount = _item_amount(item.get("amount", MISSING), side, f"{path}.amount", problems)
        if sku is not None and sku in seen:
            problems.add(f"{path}.sku", "duplicate_sku")
            continue
        if sku is not None:
            seen.add(sku)
        if sku is not None and amount is not None:
            lines.append((index, sku, amount))
    return lines


def _item_sku(item: dict[str, Any], path: str, problems: Problems) -> str | None:
    sku, product_id = item.get("sku"), item.get("product_id")
    if sku is None and product_id is None:
        problems.add(f"{path}.sku", "required")
        return None
    if sku is not None:
        if not isinstance(sku, str) or sku not in BY_SKU:
            problems.add(f"{path}.sku", "unknown_sku")
            return None
        return sku
    pid: int | None = None
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        pid = product_id
    elif isinstance(product_id, str) and re.fullmatch(r"[0-9]{1,9}", product_id):
        pid = int(product_id)
    if pid is None or pid not in BY_PRODUCT_ID:
        problems.add(f"{path}.product_id", "unknown_sku")
        return None
    return BY_PRODUCT_ID[pid].sku


def _item_amount(value: Any, side: str, path: str, problems: Problems) -> Decimal | None:
    if value is MISSING or value is None:
        problems.add(path, "required")
        return None
    if is_number(value) and Decimal(value) > MAX_GRAMS:
        problems.add(path, "too_big", max=MAX_GRAMS)
        return None
    amount = positive(value, 0 if side == "Sell" else 4, MAX_GRAMS)
    if amount is None:
        problems.add(path, "positive_integer" if side == "Sell" else "positive_number")
    return amount


def currency(value: Any, path: str, problems: Problems) -> str | None:
    """A currency code or None when absent."""
    if value is None or value == "":
        return None
    if value not in CURRENCY_CODES:
        problems.add(path, "one_of", choices=", ".join(CURRENCY_CODES))
        return None
    return str(value)
