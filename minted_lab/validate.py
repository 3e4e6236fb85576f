"""Checks made before anything is sent: input the API would refuse fails here, naming the field.

Public: the client, the tickets and the forms all parse user input through these functions, so
"1_0" or "٥" is refused in the same words everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import API_TIME_ZONE
from .errors import ValidationError

CURRENCIES = ("GBP", "TRY", "USD", "EUR")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_-]{3,40}")
_SKU = re.compile(r"[A-Z][A-Z0-9]{2,20}")
_TOKEN = re.compile(r"[A-Za-z0-9]{1,128}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,110}")
TX_TYPES = ("buy", "sell", "delivery")
SORT_BY = ("created_at", "total", "type", "customer_external_id")
SORT_TYPES = ("asc", "desc")


def currency(value: Any, field: str = "currency") -> str:
    """One of GBP, TRY, USD, EUR (any case)."""
    if isinstance(value, str) and value.strip().upper() in CURRENCIES:
        return value.strip().upper()
    raise ValidationError(field, f"one of {', '.join(CURRENCIES)}", value)


def external_id(value: Any, field: str = "external_id") -> str:
    """1..64 characters of A-Z a-z 0-9 _ -."""
    if isinstance(value, str) and _EXTERNAL_ID.fullmatch(value):
        return value
    raise ValidationError(field, "1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'", value)


def customer_id(value: Any, field: str = "customer_external_id", *, strict: bool = False) -> str:
    """A customer's external id: 3..40 of A-Z a-z 0-9 _ - when creating one, looser when reading."""
    pattern = _CUSTOMER_ID if strict else _ID
    if isinstance(value, str) and pattern.fullmatch(value):
        return value
    expected = "3 to 40 characters" if strict else "1 to 110 characters"
    raise ValidationError(field, f"{expected} of A-Z, a-z, 0-9, '_' or '-'", value)


def lookup_id(value: Any, field: str = "id") -> str:
    """An order id for the path: an external id, guid or order code."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    raise ValidationError(field, "an order's external_id, guid or order_code", value)


def sku(value: Any, field: str) -> str:
    """An upper-case SKU like GAU, GAG, GPT, BGAU."""
    if isinstance(value, str) and _SKU.fullmatch(value):
        return value
    hint = f" (did you mean {value.upper()!r}?)" if isinstance(value, str) and _SKU.fullmatch(value.upper()) else ""
    raise ValidationError(field, f"an upper-case SKU such as 'GAU' or 'GAG'{hint}", value)


def price_token(quote: Any) -> str:
    """The token of a Quote, or a token string."""
    token = getattr(quote, "token", quote)
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        return token
    raise ValidationError("price_token", "a Quote or its token (letters and digits)", quote)


_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def number_text(text: str, field: str) -> Decimal:
    """A number typed as text: ASCII digits with at most one ``.`` (and a sign), nothing else.

    Python's ``Decimal`` also reads ``"1_0"``, ``"1e3"`` and non-ASCII digits (``"٥"``, ``"５"``); a
    trading form must not, so what the user sees is what is sent. The form and the ticket both use it.
    """
    stripped = text.strip()
    if not _NUMBER_TEXT.fullmatch(stripped):
        raise ValidationError(field, "a number written with the digits 0-9 and at most one '.', like 250 or 0.5", text)
    try:
        return Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the pattern only lets valid numbers through
        raise ValidationError(field, "a number of grams", text) from None


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(field, "a number of grams (int, Decimal or str), not a bool", value)
    if isinstance(value, float):
        raise ValidationError(
            field, f"an int, Decimal or str: a float is ambiguous money (write Decimal({str(value)!r}))", value
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        result = number_text(value, field)
    else:
        raise ValidationError(field, "a number of grams (int, Decimal or str)", value)
    if not result.is_finite():
        raise ValidationError(field, "a finite number of grams", value)
    return result


MAX_GRAMS = Decimal(10) ** 9
"""A sanity bound (a thousand tonnes) far above any real order, and below Decimal's overflow."""


def amount(value: Any, field: str, *, whole: bool) -> int | Decimal:
    """A positive amount of grams: whole grams on a sell, up to 4 decimals on a buy."""
    number = _decimal(value, field)
    if number <= 0:
        raise ValidationError(field, "a positive number of grams", value)
    if number >= MAX_GRAMS:
        raise ValidationError(field, f"fewer than {MAX_GRAMS:,.0f} grams", value)
    if whole:
        if number != number.to_integral_value():
            raise ValidationError(field, "a whole number of grams (sells are in whole grams)", value)
        return int(number)
    if number.as_tuple().exponent < -4 and number != number.quantize(Decimal("0.0001")):  # type: ignore[operator]
        raise ValidationError(field, "grams with at most 4 decimals", value)
    return int(number) if number == number.to_integral_value() else number.normalize()


def items(value: Any, *, whole: bool) -> list[dict[str, Any]]:
    """``{"GAG": 100}`` (or ``[("GAG", 100)]``) as the API's ``[{"sku": "GAG", "amount": 100}]``."""
    if isinstance(value, Mapping):
        pairs: Iterable[Any] = value.items()
    elif isinstance(value, (list, tuple)):
        pairs = value
    else:
        raise ValidationError("items", 'a mapping of SKU to grams, like {"GAG": 100}', value)
    result: list[dict[str, Any]] = []
    for pair in pairs:
        if isinstance(pair, Mapping):
            pair = (pair.get("sku"), pair.get("amount"))
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValidationError("items", "(sku, grams) pairs", pair)
        name = sku(pair[0], f"items.{pair[0]}")
        result.append({"sku": name, "amount": amount(pair[1], f"items.{name}.amount", whole=whole)})
    if not result:
        raise ValidationError("items", 'at least one SKU and amount, like {"GAG": 100}', value)
    if len({i["sku"] for i in result}) != len(result):
        raise ValidationError("items", "each SKU once", value)
    return result


def money_total(value: Any, field: str = "total") -> Decimal:
    """A positive total in the quote's currency, at most 2 decimals."""
    number = _decimal(value, field)
    if number <= 0:
        raise ValidationError(field, "a positive amount of money", value)
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(field, "money with at most 2 decimals", value)
    return number


def api_date(value: Any, field: str) -> str:
    """A date filter as the API's ``YYYY-MM-DD`` (Istanbul dates; aware datetimes are converted)."""
    if isinstance(value, datetime):
        return (value.astimezone(API_TIME_ZONE) if value.tzinfo else value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10 and text[2] == "-" and text[5] == "-":
                return date(int(text[6:10]), int(text[3:5]), int(text[0:2])).isoformat()
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    raise ValidationError(field, "a date (date, datetime or 'YYYY-MM-DD')", value)


def _listed(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def order_filters(filters: Mapping[str, Any], statuses: Mapping[str, int] | None) -> dict[str, str]:
    """Python-friendly order-list filters as the API's query parameters.

    ``status`` takes names or ids (``"Pending"``, ``["pending", 5]``, ``"2,5"``); ``type``/``tx_type``
    take ``"buy"``/``"Sell"``...; ``start_date``/``end_date`` take dates, datetimes or strings;
    ``sku``, ``customer_external_id``, ``sort_by``, ``sort_type``. The API's own names work too.
    ``statuses`` maps lower-case status names to ids (needed only when a name is given).
    """
    aliases = {
        "startDate": "start_date",
        "endDate": "end_date",
        "sortBy": "sort_by",
        "sortType": "sort_type",
        "type": "tx_type",
        "types": "tx_type",
        "customer": "customer_external_id",
    }
    params: dict[str, str] = {}
    for key, value in filters.items():
        name = aliases.get(key, key)
        if value is None:
            continue
        if name == "status":
            ids: list[str] = []
            for item in _listed(value):
                if isinstance(item, int) and not isinstance(item, bool):
                    ids.append(str(item))
                elif isinstance(item, str) and item.isdigit():
                    ids.append(item)
                elif isinstance(item, str) and statuses is not None:
                    wanted = item.strip().lower()
                    wanted = {"new": "created"}.get(wanted, wanted) if wanted not in statuses else wanted
                    if wanted not in statuses:
                        raise ValidationError("status", f"a status id or one of {', '.join(sorted(statuses))}", item)
                    ids.append(str(statuses[wanted]))
                else:
                    raise ValidationError("status", "status names or ids", item)
            if ids:
                params["status"] = ",".join(ids)
        elif name == "tx_type":
            kinds = [str(v).strip().lower() for v in _listed(value)]
            for kind in kinds:
                if kind not in TX_TYPES:
                    raise ValidationError("tx_type", f"one or more of {', '.join(TX_TYPES)}", kind)
            params["tx_type"] = ",".join(kinds)
        elif name in ("start_date", "end_date"):
            params["startDate" if name == "start_date" else "endDate"] = api_date(value, name)
        elif name == "sku":
            params["sku"] = sku(value, "sku")
        elif name == "customer_external_id":
            params["customer_external_id"] = customer_id(value)
        elif name == "sort_by":
            if value not in SORT_BY:
                raise ValidationError("sort_by", f"one of {', '.join(SORT_BY)}", value)
            params["sortBy"] = value
        elif name == "sort_type":
            if value not in SORT_TYPES:
                raise ValidationError("sort_type", "'asc' or 'desc'", value)
            params["sortType"] = value
        else:
            known = "status, tx_type (type), sku, customer_external_id, start_date, end_date, sort_by, sort_type"
            raise ValidationError(key, f"a known order filter ({known})", value)
    return params


def needs_status_names(filters: Mapping[str, Any]) -> bool:
    """True when the ``status`` filter holds a name that must be turned into an id."""
    value = filters.get("status")
    if value is None:
        return False
    return any(isinstance(v, str) and not v.strip().isdigit() for v in _listed(value))


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()-]{5,20}", re.ASCII)
_IDENTITY = re.compile(r"[0-9]{1,20}", re.ASCII)
CUSTOMER_REQUIRED: tuple[str, ...] = ("external_id", "identity_number", "firstname", "lastname", "email", "phone")
"""What the documented customer buy requires of its ``customer`` object (OrderCustomerRequestScheme)."""
CUSTOMER_OPTIONAL: tuple[str, ...] = ("middlename", "gender", "birthdate")


def order_customer(value: Mapping[str, Any], prefix: str = "customer.") -> dict[str, str]:
    """The documented customer object of a buy for a new customer, every field checked and named.

    Required: external_id, identity_number (digits), firstname, lastname (3..40 characters), email,
    phone; optional: middlename, gender (``M``/``F``), birthdate (``YYYY-MM-DD``).
    """
    unknown = set(value) - set(CUSTOMER_REQUIRED) - set(CUSTOMER_OPTIONAL)
    if unknown:
        raise ValidationError(prefix + sorted(unknown)[0], f"one of {', '.join(CUSTOMER_REQUIRED + CUSTOMER_OPTIONAL)}")
    out: dict[str, str] = {}
    for name in CUSTOMER_REQUIRED + CUSTOMER_OPTIONAL:
        given = value.get(name)
        if given is None or given == "":
            if name in CUSTOMER_REQUIRED:
                raise ValidationError(prefix + name, "a value: the documented customer buy requires it")
            continue
        out[name] = _customer_field(name, given, prefix + name)
    return out


def _customer_field(name: str, value: Any, field: str) -> str:
    if name == "birthdate":
        return api_date(value, field)
    if not isinstance(value, str):
        raise ValidationError(field, "a string", value)
    checks: dict[str, tuple[re.Pattern[str], str]] = {
        "external_id": (_CUSTOMER_ID, "3 to 40 characters of A-Z, a-z, 0-9, '_' or '-'"),
        "identity_number": (_IDENTITY, "1 to 20 digits"),
        "email": (_EMAIL, "an email address"),
        "phone": (_PHONE, "a phone number (digits, spaces, +, -, parentheses)"),
        "gender": (re.compile("[MF]"), "'M' or 'F'"),
    }
    pattern, expected = checks.get(name, (re.compile(r".{3,40}", re.DOTALL), "3 to 40 characters"))
    if not pattern.fullmatch(value):
        raise ValidationError(field, expected, value)
    return value


def page_args(page: Any, per_page: Any) -> dict[str, str]:
    """``page`` ≥ 1 and ``per_page`` 5..30 as the API's ``page`` and ``total``."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationError("page", "an integer ≥ 1", page)
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 5 <= per_page <= 30:
        raise ValidationError("per_page", "an integer from 5 to 30", per_page)
    return {"page": str(page), "total": str(per_page)}
