"""The request engine, without I/O: build a request from the endpoint table, read a response into a
model or an error, map transport failures, and decide retries. The sync and async clients only send.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeAlias, TypeVar, cast
from urllib.parse import quote as urlquote

import httpx

from ._parse import dumps, loads, loads_structure
from ._version import __version__
from .config import Settings
from .endpoints import Endpoint, FromApi, Retry
from .errors import (
    APIError,
    AuthenticationError,
    DuplicateExternalIdError,
    MintedError,
    NotFoundError,
    NotSentError,
    OutcomeUnknownError,
    ParameterError,
    PermissionDeniedError,
    QuoteExpiredError,
    RateLimitError,
    RequestInfo,
    ResponseFormatError,
    ServerError,
)
from .models import ParseContext

M = TypeVar("M", bound=FromApi)
#: what a call answers: its row's model, or a tuple of them when the row's shape is "many"
Answer: TypeAlias = M | tuple[M, ...]

log = logging.getLogger("minted_lab")
log.addHandler(logging.NullHandler())

#: statuses a read retries on (besides 429)
RETRY_STATUSES = frozenset({502, 503, 504})
#: a Retry-After longer than this is not waited for: the error is raised at once
MAX_RETRY_AFTER = 60.0
_STATUS_CLASSES: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ParameterError,
    429: RateLimitError,
}
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)
#: the connection failed after the request (or part of it) was written, without a response
_DROPPED = (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError, httpx.CloseError)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_external_id() -> str:
    """``ML-`` and 12 upper-case hex digits from ``secrets``: unguessable, so no one can pre-empt an id."""
    return "ML-" + secrets.token_hex(6).upper()


def excerpt(content: bytes) -> str:
    """The first 200 characters of a body, for an error to show what came back."""
    return content[:200].decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Call(Generic[M]):
    """One API call to make: an endpoint row plus its arguments, typed in the row's model.

    ``content``, when set, is sent as the body byte for byte instead of ``dumps(body)``: the bytes a
    ledger journaled before sending are then exactly the bytes that left.
    """

    endpoint: Endpoint[M]
    path_params: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    body: Mapping[str, Any] | None = None
    customer_external_id: str | None = None
    external_id: str | None = None
    content: bytes | None = None
    #: read the answer without exact numbers, as the model's ``from_paginator`` (a page for frames)
    lazy: bool = False

    @property
    def path(self) -> str:
        return self.endpoint.path.format(**{k: urlquote(v, safe="") for k, v in self.path_params.items()})


class Engine:
    """Shared by both clients: settings, clock, id factory, retry bounds and the status cache."""

    backoff_base = 0.25
    backoff_cap = 8.0

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None,
        id_factory: Callable[[], str] | None,
        max_retries: int,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries: expected an integer ≥ 0, got {max_retries!r}")
        self.settings = settings
        self.clock = clock or utc_now
        self.id_factory = id_factory or new_external_id
        self.max_retries = max_retries
        #: lower-case status name -> id, loaded once from order_statuses()
        self.status_ids: dict[str, int] | None = None

    # ------------------------------------------------------------------ requests
    def call(
        self,
        endpoint: Endpoint[M],
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        customer_external_id: str | None = None,
        external_id: str | None = None,
        content: object = None,
        lazy: bool = False,
    ) -> Call[M]:
        """The Call for this row; body and query field names are checked against the table.

        ``content`` is typed ``object`` because it is checked here: anything but bytes is a TypeError.
        """
        for given in (body or {}), (params or {}):
            unknown = set(given) - set(endpoint.fields)
            if unknown:  # a bug in minted_lab, never the user's input
                raise AssertionError(f"{endpoint.name}: fields {sorted(unknown)} are not in the endpoint table")
        if content is not None and not isinstance(content, bytes):
            raise TypeError(f"{endpoint.name}: content must be bytes, got {type(content).__name__}")
        if lazy and not hasattr(endpoint.model, "from_paginator"):  # a bug in minted_lab
            raise AssertionError(f"{endpoint.name}: its model cannot be read lazily")
        return Call(
            endpoint,
            path_params=path_params or {},
            params=params,
            body=body,
            customer_external_id=customer_external_id,
            external_id=external_id,
            content=content,
            lazy=lazy,
        )

    def headers(self, call: Call[Any]) -> dict[str, str]:
        headers = {
            "x-client-id": self.settings.client_id,
            "Accept-Language": self.settings.language,
            "api-version": call.endpoint.api_version,
            "Accept": "application/json",
        }
        if call.body is not None or call.content is not None:
            headers["Content-Type"] = "application/json"
        return headers

    @staticmethod
    def body_bytes(call: Call[Any]) -> bytes | None:
        """The body bytes: ``call.content`` exactly when given, else ``body`` written as exact JSON."""
        if call.content is not None:
            return call.content
        return dumps(call.body) if call.body is not None else None

    def request_kwargs(self, call: Call[Any]) -> dict[str, Any]:
        """Arguments for ``httpx.Client.request``: bytes bodies, so a Digest retry can resend them."""
        return {
            "method": call.endpoint.method,
            "url": call.path,
            "params": call.params,
            "content": self.body_bytes(call),
            "headers": self.headers(call),
        }

    def info(self, call: Call[Any], url: str | None = None) -> RequestInfo:
        if url is None:
            url = str(httpx.URL((self.settings.base_url or "") + call.path).copy_merge_params(call.params or {}))
        return RequestInfo(call.endpoint.method, url, call.endpoint.name)

    # ----------------------------------------------------------------- responses
    def handle(self, call: Call[M], response: httpx.Response, elapsed: float) -> Answer[M]:
        """The response as the endpoint's model, or raise the matching MintedError."""
        info = self.info(call, str(response.request.url))
        status = response.status_code
        log.info(
            "%s %s -> %s in %.0f ms",
            call.endpoint.method,
            response.request.url.path,
            status,
            elapsed * 1000,
            extra={"endpoint": call.endpoint.name, "status": status, "elapsed_ms": elapsed * 1000},
        )
        content = response.content
        if status >= 400 or status < 200:
            raise self._api_error(call, info, response, content)
        try:
            envelope = loads_structure(content) if call.lazy else loads(content)
        except Exception as exc:
            error = self.unreadable(call, f"the body is not JSON we can read ({_describe(exc)})", content, info, status)
            raise error from error.__cause__
        if not isinstance(envelope, dict) or "data" not in envelope or not isinstance(envelope.get("success"), bool):
            raise self.unreadable(
                call, "the body is not the {data, success, code, message} envelope", content, info, status
            )
        if not envelope["success"]:
            raise self._api_error(call, info, response, content, envelope)
        return self.parse(call, envelope["data"], content, info, status)

    def parse(
        self, call: Call[M], data: Any, content: bytes, info: RequestInfo | None = None, status: int | None = None
    ) -> Answer[M]:
        """``data`` as the endpoint's model; any failure to read it raises as ``unreadable`` says."""
        endpoint = call.endpoint
        ctx = ParseContext(
            received_at=self.clock(),
            clock=self.clock,
            content=content,
            customer_external_id=call.customer_external_id,
            external_id=call.external_id,
        )
        try:
            if endpoint.shape == "many":
                if not isinstance(data, list):
                    raise ValueError(f"expected a list, got {type(data).__name__}")
                return tuple(endpoint.model.from_api(row, ctx) for row in data)
            if call.lazy:
                return cast("Answer[M]", endpoint.model.from_paginator(data, ctx))  # type: ignore[attr-defined]
            return endpoint.model.from_api(data, ctx)
        except Exception as exc:
            error = self.unreadable(call, f"unexpected {endpoint.name} data: {_describe(exc)}", content, info, status)
            raise error from error.__cause__

    def unreadable(
        self, call: Call[Any], reason: str, content: bytes, info: RequestInfo | None, status: int | None
    ) -> MintedError:
        """A success answer we cannot read: ResponseFormatError on a read; on sell and buy, where the
        order may exist all the same, the OutcomeUnknownError that carries the external id.

        Raised ``from error.__cause__``: the parser's own exception (a bare ``decimal.InvalidOperation``)
        is noise, the ResponseFormatError behind an OutcomeUnknownError is not.
        """
        error = ResponseFormatError(reason, status=status, request=info, excerpt=excerpt(content))
        return self.final_error(call, error)

    def _api_error(
        self, call: Call[Any], info: RequestInfo, response: httpx.Response, content: bytes, envelope: Any = None
    ) -> APIError:
        status = response.status_code
        if envelope is None:
            try:
                envelope = loads(content) if content else None
            except Exception:
                envelope = None
        message, code, errors = response.reason_phrase, None, None
        if isinstance(envelope, dict):
            message = str(envelope.get("message") or message)
            code = envelope.get("code")
            code = int(code) if code is not None and str(code).isdigit() else None
            raw_errors = envelope.get("errors")
            if isinstance(raw_errors, dict):
                errors = {str(k): v if isinstance(v, list) else [v] for k, v in raw_errors.items()}
        kind_status = status if status >= 400 else (code or status)
        cls = _STATUS_CLASSES.get(kind_status) or (ServerError if kind_status >= 500 else APIError)
        if cls is ParameterError:
            cls = refusal_class(call.endpoint.name, message, errors)
        kwargs: dict[str, Any] = {"code": code, "errors": errors, "request": info, "body": envelope}
        if cls is RateLimitError:
            kwargs["retry_after"] = retry_after(response.headers.get("Retry-After"))
        return cls(kind_status, message, **kwargs)

    # ---------------------------------------------------------------- transport
    def transport_error(self, call: Call[Any], exc: Exception) -> MintedError:
        """An httpx failure as NotSentError (never left) or OutcomeUnknownError (sent, no usable answer)."""
        info = self.info(call)
        kind = type(exc).__name__
        if isinstance(exc, _NOT_SENT):
            error: MintedError = NotSentError(
                f"not sent on {call.endpoint.name}: {kind} ({exc}); nothing reached the server",
                request=info,
                external_id=call.external_id,
                cause=exc,
            )
        elif isinstance(exc, httpx.DecodingError):
            error = ResponseFormatError(f"the body could not be decoded ({kind}: {exc})", request=info)
        else:
            what = (
                "timed out waiting for the answer"
                if isinstance(exc, httpx.TimeoutException)
                else "the connection dropped"
            )
            error = OutcomeUnknownError(
                f"outcome unknown on {call.endpoint.name}: {what} ({kind})",
                request=info,
                external_id=call.external_id,
                cause=exc,
            )
        error.__cause__ = exc
        log.info(
            "%s %s failed: %s",
            call.endpoint.method,
            call.path,
            kind,
            extra={"endpoint": call.endpoint.name, "error": kind},
        )
        return error

    # ------------------------------------------------------------------ retries
    def retry_delay(self, call: Call[Any], error: MintedError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None to give up and raise."""
        if attempt >= self.max_retries:
            return None
        policy = call.endpoint.retry
        if isinstance(error, NotSentError):
            return self._backoff(attempt)
        if policy is not Retry.READ:
            return None
        if isinstance(error, RateLimitError):
            if error.retry_after is not None:
                return None if error.retry_after > MAX_RETRY_AFTER else error.retry_after + random.uniform(0, 0.1)
            return self._backoff(attempt)
        if isinstance(error, ServerError) and error.status in RETRY_STATUSES:
            return self._backoff(attempt)
        if isinstance(error, OutcomeUnknownError) and isinstance(error.cause, _DROPPED):
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2.0**attempt) * random.uniform(0.5, 1.0)

    def final_error(self, call: Call[Any], error: MintedError) -> MintedError:
        """The error to raise: on sell and buy, anything that may follow a commit is outcome-unknown."""
        if call.endpoint.retry is not Retry.ORDER:
            return error
        if isinstance(error, NotSentError):
            return error
        if isinstance(error, OutcomeUnknownError):
            if error.external_id is None:
                error.external_id = call.external_id
            return self._with_resolve_hint(error, call)
        if not isinstance(error, (ServerError, ResponseFormatError)):
            return error
        unknown = OutcomeUnknownError(
            f"outcome unknown on {call.endpoint.name}: {error}",
            request=error.request,
            external_id=call.external_id,
            cause=error,
        )
        unknown.__cause__ = error
        return self._with_resolve_hint(unknown, call)

    @staticmethod
    def _with_resolve_hint(error: OutcomeUnknownError, call: Call[Any]) -> OutcomeUnknownError:
        hint = f"; the order may exist: client.resolve({call.external_id!r}) settles it"
        if error.args and hint not in error.args[0]:
            error.args = (error.args[0] + hint,)
        return error

    def statuses_loaded(self, statuses: tuple[Any, ...]) -> None:
        self.status_ids = {str(s.name).lower(): s.id for s in statuses if s.name is not None and s.id is not None}


def _describe(exc: BaseException) -> str:
    """Why a body could not be read, in a few words (decimal's own text, ``[<class ...>]``, says nothing)."""
    if isinstance(exc, ArithmeticError):
        return f"an unreadable number ({type(exc).__name__})"
    return str(exc)[:200] or type(exc).__name__


_TOKEN_WORDS = re.compile(r"price[ _]?token|fiyat anahtar", re.IGNORECASE)
_STALE_WORDS = re.compile(
    r"expired|invalid|unknown|already used|not found|geçersiz|süresi|kullanılmış|bulunamad", re.IGNORECASE
)
_EXTERNAL_ID_WORDS = re.compile(r"external[ _]?id|sipariş numara", re.IGNORECASE)
_TAKEN_WORDS = re.compile(r"already|taken|duplicate|exists|been used|daha önce|zaten|kullanılmış", re.IGNORECASE)


def refusal_class(endpoint: str, message: str, errors: Mapping[str, Any] | None) -> type[ParameterError]:
    """Which 422 this is, from the field map when there is one, else from the message (English or Turkish).

    Only a hint for the user: the trading workflow never trusts it to decide whether an order
    exists (it looks the external id up after any refusal).
    """
    fields = set(errors or ())
    if "price_token" in fields or (not fields and _TOKEN_WORDS.search(message) and _STALE_WORDS.search(message)):
        return QuoteExpiredError
    if endpoint in ("sell", "buy") and (
        "external_id" in fields or (not fields and _EXTERNAL_ID_WORDS.search(message) and _TAKEN_WORDS.search(message))
    ):
        return DuplicateExternalIdError
    return ParameterError


def retry_after(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utc_now()).total_seconds())


USER_AGENT = f"minted_lab/{__version__} httpx/{httpx.__version__}"
