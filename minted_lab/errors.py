"""The exception tree: one class per thing a caller may want to catch, each saying it in one line.

```
MintedError
├── ConfigurationError        bad settings (no base URL, no credentials); also a ValueError
├── ValidationError           refused before sending: the API would refuse it too; also a ValueError
├── APIError                  the API answered with an error (status, code, message, field errors)
│   ├── ParameterError          422
│   │   ├── QuoteExpiredError     422 naming price_token: expired, unknown or already used
│   │   └── DuplicateExternalIdError  422 naming external_id on sell/buy: the id was used before
│   ├── AuthenticationError     401
│   ├── PermissionDeniedError   403
│   ├── NotFoundError           404
│   ├── RateLimitError          429 (retry_after seconds)
│   └── ServerError             5xx
├── ResponseFormatError       a success status whose body is not the API's JSON envelope
└── TransportError            no HTTP answer at all
    ├── NotSentError            provably never left: connect failure, connect or pool timeout
    └── OutcomeUnknownError     sent, then no usable answer: on sell/buy, resolve(external_id) settles it
```

Every error names the request (method, URL, endpoint) and never carries a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MintedError",
    "ConfigurationError",
    "ValidationError",
    "APIError",
    "ParameterError",
    "QuoteExpiredError",
    "DuplicateExternalIdError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ResponseFormatError",
    "TransportError",
    "NotSentError",
    "OutcomeUnknownError",
    "RequestInfo",
]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What was asked: method, URL (no credentials: they never live in the URL) and endpoint name."""

    method: str
    url: str
    endpoint: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


def _restore(cls: type[MintedError], args: tuple[Any, ...], state: dict[str, Any]) -> MintedError:
    """Rebuild a pickled error without calling its ``__init__``: the message and fields come back as they were."""
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class MintedError(Exception):
    """Base class of every minted_lab error."""

    request: RequestInfo | None = None

    @property
    def endpoint(self) -> str | None:
        """The endpoint table's name of the failed call (``"sell"``, ``"orders"``...), if any."""
        return self.request.endpoint if self.request else None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as message and fields: the subclasses' ``__init__`` take fields, not the message
        ``Exception`` would pass them, so a worker process or a cache can hand any error back intact."""
        return _restore, (type(self), self.args, dict(self.__dict__))


class ConfigurationError(MintedError, ValueError):
    """The client cannot be built from these settings (missing base URL or credentials...)."""


class ValidationError(MintedError, ValueError):
    """Input the API would refuse, caught before anything is sent; ``field`` names the culprit."""

    def __init__(self, field: str, expected: str, value: Any = ...) -> None:
        self.field = field
        self.expected = expected
        self.value = value
        got = "" if value is ... else f" (got {value!r})"
        super().__init__(f"{field}: {expected}{got}")


class APIError(MintedError):
    """The API answered with an error envelope or an error status."""

    title = "API Error"
    hint = ""

    def __init__(
        self,
        status: int | None,
        message: str = "",
        *,
        code: int | None = None,
        errors: Mapping[str, list[str]] | None = None,
        request: RequestInfo | None = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        self.request = request
        self.body = body
        super().__init__(self._line())

    def _details(self) -> str:
        if self.errors:
            return "; ".join(f"{field}: {', '.join(map(str, reasons))}" for field, reasons in self.errors.items())
        return self.message or "(no message)"

    def _line(self) -> str:
        where = f" on {self.request.endpoint}" if self.request else ""
        hint = f" ({self.hint})" if self.hint else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{self.title}{where}: {self._details()}{hint}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ParameterError(APIError):
    """422: the API refused a parameter; ``errors`` maps dotted field paths to reasons."""

    title = "Parameter Error"


class QuoteExpiredError(ParameterError):
    """422 naming ``price_token``: the quote expired, is unknown or was already used."""

    hint = "quote again"


class DuplicateExternalIdError(ParameterError):
    """422 naming ``external_id`` on sell/buy: that external id was already used for an order."""

    hint = "external id already used: client.resolve(external_id) finds that order"


class AuthenticationError(APIError):
    """401: the username or password was refused."""

    title = "Authentication Error"
    hint = "check the username and password"


class PermissionDeniedError(APIError):
    """403: this user may not do that (a read-only user trading, for instance)."""

    title = "Permission Denied"


class NotFoundError(APIError):
    """404: no such order or customer."""

    title = "Not Found"


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if it said."""

    title = "Rate Limited"

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        if retry_after is not None:
            self.hint = f"retry after {retry_after:g} s"
        super().__init__(*args, **kwargs)


class ServerError(APIError):
    """5xx: the server (or a gateway in front of it) failed."""

    title = "Server Error"


class ResponseFormatError(MintedError):
    """A success status, but the body is not JSON or not the ``{data, success, code, message}`` envelope."""

    def __init__(
        self, reason: str, *, status: int | None = None, request: RequestInfo | None = None, excerpt: str = ""
    ) -> None:
        self.reason = reason
        self.status = status
        self.request = request
        self.excerpt = excerpt
        where = f" on {request.endpoint}" if request else ""
        status_text = f"{status} " if status is not None else ""
        super().__init__(f"{status_text}Malformed Response{where}: {reason}")


class TransportError(MintedError):
    """No HTTP answer was obtained; see the two subclasses for what we know about the request."""

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        external_id: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        self.request = request
        self.external_id = external_id
        self.cause = cause
        super().__init__(message)


class NotSentError(TransportError):
    """The request provably never left this machine (connect failure or timeout): safe to send again."""


class OutcomeUnknownError(TransportError):
    """The request was (or may have been) sent, and no usable answer came back.

    On sell and buy the order may exist: ``client.resolve(err.external_id)`` returns it, or None
    when it was never created (then the same sell may be sent again with a new quote).
    ``cause`` is the underlying error (an httpx timeout, a ResponseFormatError, a ServerError...).
    """
