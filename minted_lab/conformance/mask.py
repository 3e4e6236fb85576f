"""Masking: no personal data and no credential in a recorded body or a table cell.

Personal fields (names, email, phone, identity and tax numbers, birth dates, addresses, card data,
the customer's IP) and credential-like fields (payment and price tokens) keep their *shape* and lose
their content: letters become ``x``/``X``, digits ``9``, everything else stays, so
``1970-01-31`` is recorded as ``9999-99-99`` (the format is what we need to learn) and
``customer@example.com`` as ``xxxxxxxx@xxxxxxx.xxx``. A number stays a JSON number of the same
digits. Every value masked this way, and the password, is also scrubbed from free text (error
messages, the table), whole words only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

__all__ = ["PERSONAL_KEYS", "SECRET_KEYS", "Masker", "shape"]

PERSONAL_KEYS: Final = frozenset(
    {
        "firstname",
        "middlename",
        "lastname",
        "fullname",
        "email",
        "phone",
        "identity_number",
        "tax_number",
        "birthdate",
        "card_holder",
        "card_number",
        "card_cvv",
        "card_expiry",
        "customer_ip",
        "company_name",
        "address",
        "street",
        "city",
        "county",
        "district",
        "zipcode",
        "tax_office",
    }
)
"""Keys whose scalar values are personal data, wherever they stand (customer, billing, card details)."""
SECRET_KEYS: Final = frozenset(
    {"token", "price_token", "card_token", "redirect_url", "password", "authorization", "secret", "api_key"}
)
"""Keys whose values are credentials or bearer tokens."""
#: free-text scrubbing ignores values shorter than this (``000``, ``M``): they identify no one
MIN_SCRUB = 4


def shape(text: str) -> str:
    """``x`` for a lower-case letter, ``X`` for an upper-case one, ``9`` for a digit; the rest kept."""
    out = []
    for ch in text:
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("X" if ch.isupper() else "x")
        else:
            out.append(ch)
    return "".join(out)


def _shape_number(value: Decimal) -> Decimal:
    if not value.is_finite():
        return value
    return Decimal(shape(format(value, "f")))


class Masker:
    """Masks JSON by key, remembers what it masked, and scrubs it (and the secrets) from free text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = {s for s in secrets if s and len(s) >= 3}
        self._seen: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add_secrets(self, *secrets: str | None) -> None:
        """Also scrub these (the password) from every text."""
        self._secrets.update(s for s in secrets if s and len(s) >= 3)

    def _remember(self, text: str) -> None:
        if len(text) >= MIN_SCRUB and text not in self._seen:
            self._seen.add(text)
            self._pattern = None

    def mask(self, value: Any) -> Any:
        """A copy of a JSON value with personal and secret fields masked (shape kept, numbers stay numbers)."""
        return self._walk(value, None)

    def _walk(self, value: Any, key: str | None) -> Any:
        if isinstance(value, Mapping):
            return {str(k): self._walk(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(v, key) for v in value]
        sensitive = key is not None and (key.lower() in PERSONAL_KEYS or key.lower() in SECRET_KEYS)
        if not sensitive or value is None or isinstance(value, bool):
            return self.scrub(value) if isinstance(value, str) else value
        if isinstance(value, str):
            self._remember(value)
            for part in re.split(r"\s+", value):
                self._remember(part)
            return shape(value)
        if isinstance(value, Decimal):
            self._remember(format(value, "f"))
            return _shape_number(value)
        if isinstance(value, int | float):
            self._remember(str(value))
            return _shape_number(Decimal(str(value)))
        return value

    def learn(self, value: Any) -> None:
        """Remember the personal values inside a JSON value without keeping the masked copy."""
        self._walk(value, None)

    def scrub(self, text: str) -> str:
        """``text`` with every secret, and every remembered personal value (whole words), replaced by its shape."""
        if not text:
            return text
        text = self.scrub_secrets_only(text)
        if not self._seen:
            return text
        if self._pattern is None:
            alternation = "|".join(re.escape(w) for w in sorted(self._seen, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<![\w])(?:{alternation})(?![\w])")
        return self._pattern.sub(lambda m: shape(m.group(0)), text)

    def scrub_secrets_only(self, text: str) -> str:
        """``text`` with the secrets (the password) replaced by their shape, wherever they stand."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, shape(secret))
        return text
