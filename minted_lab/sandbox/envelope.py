"""The API envelope {data, success, code, message[, errors]} for every answer, errors included."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from minted_lab.sandbox.messages import text
from minted_lab.sandbox.money import dumps

JSON = "application/json"


def ok(data: Any) -> Response:
    """A 200 success envelope."""
    return Response(dumps({"data": data, "success": True, "code": 0, "message": ""}), 200, media_type=JSON)


def error_body(status: int, message: str, errors: Mapping[str, list[str]] | None = None) -> bytes:
    """The bytes of an error envelope (`code` equals the HTTP status)."""
    body: dict[str, Any] = {"data": None, "success": False, "code": status, "message": message}
    if errors is not None:
        body["errors"] = dict(errors)
    return dumps(body)


def error(
    status: int, message: str, errors: Mapping[str, list[str]] | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """An error envelope as a response."""
    return Response(error_body(status, message, errors), status, headers=dict(headers or {}), media_type=JSON)


@dataclass
class Problems:
    """Field errors collected during validation, rendered later in the caller's language."""

    items: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, path: str, key: str, **params: Any) -> None:
        """Record that field `path` failed with reason `key`."""
        self.items.append((path, key, params))

    def __bool__(self) -> bool:
        return bool(self.items)

    def has(self, path: str) -> bool:
        """Whether `path` already failed (so dependent checks can be skipped)."""
        return any(p == path for p, _, _ in self.items)

    def raise_if_any(self) -> None:
        """Raise an ApiError(422) when anything was recorded."""
        if self.items:
            raise Invalid(self)


class ApiError(Exception):
    """A handled failure: becomes an error envelope with `status` and a localized message."""

    def __init__(self, status: int, key: str, headers: Mapping[str, str] | None = None, **params: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params
        self.headers = dict(headers or {})

    def response(self, lang: str, error_fields: bool = True) -> Response:
        """The envelope for this error in `lang` (`error_fields` matters to 422s only)."""
        return error(self.status, text(self.key, lang, **self.params), headers=self.headers)


class Invalid(ApiError):
    """A 422 naming each bad field and why."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(422, "invalid")
        self.problems = problems

    def errors(self, lang: str) -> dict[str, list[str]]:
        """`{"items.0.amount": ["must be a positive integer"]}` in `lang`."""
        out: dict[str, list[str]] = {}
        for path, key, params in self.problems.items:
            out.setdefault(path, []).append(text(key, lang, **params))
        return out

    def response(self, lang: str, error_fields: bool = True) -> Response:
        """The 422 in `lang`; without `error_fields` the message alone names the first field (no `errors` map,
        as in the public docs' examples)."""
        errors = self.errors(lang)
        return error(422, invalid_message(errors, lang), errors if error_fields else None)


def invalid_message(errors: Mapping[str, list[str]], lang: str) -> str:
    """ "Parameter error: <first field>: <its first reason>", with how many more errors there are."""
    first_field, reasons = next(iter(errors.items()))
    more = sum(len(r) for r in errors.values()) - 1
    if more:
        return text("invalid_more", lang, field=first_field, reason=reasons[0], more=more)
    return text("invalid", lang, field=first_field, reason=reasons[0])


def invalid(path: str, key: str, **params: Any) -> Invalid:
    """A 422 for a single field."""
    problems = Problems()
    problems.add(path, key, **params)
    return Invalid(problems)
