"""Raw HTTP for the checks: each request built from a row of the endpoint table, sent with plain httpx
(Digest auth, or none, or wrong credentials, with or without the required headers), and kept whole as
an :class:`Exchange` (status, headers, the exact body bytes), so a check sees what the server sent,
not what our models make of it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal
from urllib.parse import urlencode

import httpx

from minted_lab import __version__
from minted_lab.config import Settings
from minted_lab.endpoints import ENDPOINTS, Endpoint

__all__ = ["UNREACHABLE_STATUSES", "Exchange", "Probe", "RecordingTransport", "endpoint_of_path"]

USER_AGENT = f"minted_lab/{__version__} conformance httpx/{httpx.__version__}"
#: a number longer than this is not read (no price, amount or id has thousands of digits)
NUMBER_LIMIT = 4300


def _number(text: str) -> Decimal:
    if len(text) > NUMBER_LIMIT:
        raise ValueError(f"a number of {len(text)} characters")
    return Decimal(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(content: bytes) -> Any:
    """JSON with every number an exact Decimal as written (``2857.40`` keeps its places), our own
    reading: the checks do not inherit the client's parser or its tolerance."""
    return json.loads(content, parse_float=_number, parse_int=_number, parse_constant=_no_constant)


def dumps(body: Mapping[str, Any]) -> bytes:
    """A request body (plain strings and integers only)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


#: statuses that mean "no usable answer from this route" rather than "an answer that differs"
UNREACHABLE_STATUSES: Final = frozenset({404, 405, 500, 501, 502, 503, 504})
Auth = Literal["digest", "none", "wrong"]
#: a 429 is waited out (its Retry-After, up to MAX_RETRY_AFTER seconds) this many times
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER = 10.0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before asking again after a 429, or None (not a 429, or too long to wait)."""
    if response.status_code != 429:
        return None
    try:
        wait = float(response.headers.get("retry-after", "1"))
    except ValueError:
        wait = 1.0
    return max(0.0, wait) if wait <= MAX_RETRY_AFTER else None


@dataclass
class Exchange:
    """One request and what came back (``status`` None and ``error`` set when nothing came back)."""

    label: str
    endpoint: str
    method: str
    target: str
    status: int | None
    headers: Mapping[str, str]
    content: bytes
    error: str | None = None
    elapsed: float = 0.0
    _parsed: Any = field(default=None, repr=False)
    _parse_error: str | None = field(default=None, repr=False)
    _parsed_once: bool = field(default=False, repr=False)

    @property
    def answered(self) -> bool:
        return self.error is None and self.status is not None

    @property
    def reachable(self) -> bool:
        """An HTTP answer from the route itself (not a transport failure, a missing route or a 5xx)."""
        return self.answered and self.status not in UNREACHABLE_STATUSES

    def json(self) -> Any:
        """The body as JSON with exact Decimal numbers; ValueError when it is not JSON."""
        if not self._parsed_once:
            self._parsed_once = True
            try:
                self._parsed = loads(self.content)
            except Exception as exc:  # any parse failure is the server's shape, reported by the check
                self._parse_error = f"{type(exc).__name__}: {str(exc)[:80]}"
        if self._parse_error is not None:
            raise ValueError(f"the body is not JSON ({self._parse_error})")
        return self._parsed

    def message(self) -> str:
        """The envelope's message (or the start of the body), for an observed text."""
        try:
            body = self.json()
        except ValueError:
            return self.content[:80].decode("utf-8", "replace").strip()
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])[:120]
        return ""

    def summary(self) -> str:
        """``HTTP 404: Not found`` or the transport error, in a few words."""
        if self.error is not None:
            return self.error
        text = self.message()
        return f"HTTP {self.status}" + (f": {text}" if text else "")


def endpoint_of_path(method: str, path: str) -> str:
    """The endpoint table's name for a request path (``-`` when no row matches)."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    for row in ENDPOINTS.values():
        pattern = row.path.split("/")
        if (
            row.method == method
            and len(pattern) == len(parts)
            and all(p.startswith("{") or p == q for p, q in zip(pattern, parts, strict=True))
        ):
            return row.name
    return "-"


class RecordingTransport(httpx.BaseTransport):
    """An httpx transport that hands every final answer (not the Digest challenges) to ``sink``.

    Used under the trading client, so the orders placed by ``--trade`` are recorded like the reads.
    """

    def __init__(
        self,
        sink: Callable[[Exchange], None],
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self._sink = sink
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self._inner.handle_request(request)
        try:
            raw = b"".join(response.stream)  # type: ignore[arg-type]
        finally:
            response.close()
        fresh = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            request=request,
            extensions=response.extensions,
        )
        fresh.read()
        if fresh.status_code != 401:
            path = request.url.raw_path.decode("latin-1")
            name = endpoint_of_path(request.method, path)
            self._sink(
                Exchange(
                    label=f"trade-{name}",
                    endpoint=name,
                    method=request.method,
                    target=path,
                    status=fresh.status_code,
                    headers=dict(fresh.headers),
                    content=fresh.content,
                    elapsed=time.perf_counter() - started,
                )
            )
        return fresh

    def close(self) -> None:
        self._inner.close()


class Probe:
    """Sends the checks' requests; every Exchange is kept in ``exchanges`` (and given to ``sink``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sink: Callable[[Exchange], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        assert settings.base_url and settings.username and settings.password is not None
        self.settings = settings
        self._sink = sink
        self._digest = httpx.DigestAuth(settings.username, settings.password)
        self._http = httpx.Client(
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )
        self.exchanges: list[Exchange] = []

    def headers(
        self, row: Endpoint[Any], *, body: bool, omit: Iterable[str] = (), language: str | None = None
    ) -> dict[str, str]:
        """The headers our client sends for this row, less the ones named in ``omit``."""
        headers = {
            "x-client-id": self.settings.client_id,
            "Accept-Language": language or self.settings.language,
            "api-version": row.api_version,
            "Accept": "application/json",
        }
        if body:
            headers["Content-Type"] = "application/json"
        dropped = {name.lower() for name in omit}
        return {k: v for k, v in headers.items() if k.lower() not in dropped}

    def send(
        self,
        label: str,
        row: Endpoint[Any],
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        omit: Iterable[str] = (),
        language: str | None = None,
        auth: Auth = "digest",
    ) -> Exchange:
        """One request for ``row``; never raises for what the server does."""
        from urllib.parse import quote

        path = row.path.format(**{k: quote(v, safe="") for k, v in (path_params or {}).items()})
        target = path + ("?" + urlencode(list(params.items())) if params else "")
        content = dumps(body) if body is not None else None
        if auth == "digest":
            chosen: httpx.Auth | None = self._digest
        elif auth == "wrong":
            assert self.settings.username is not None
            chosen = httpx.DigestAuth(self.settings.username, (self.settings.password or "") + "-not-the-password")
        else:
            chosen = None
        started = time.perf_counter()
        try:
            for attempt in range(RATE_LIMIT_RETRIES + 1):
                response = self._http.request(
                    row.method,
                    path,
                    params=dict(params) if params else None,
                    content=content,
                    headers=self.headers(row, body=content is not None, omit=omit, language=language),
                    auth=chosen,
                )
                wait = _retry_after(response) if attempt < RATE_LIMIT_RETRIES else None
                if wait is None:
                    break
                time.sleep(wait)
        except httpx.HTTPError as exc:
            exchange = Exchange(
                label, row.name, row.method, target, None, {}, b"", error=f"no answer ({type(exc).__name__})"
            )
        except Exception as exc:  # a URL or header httpx refuses: still this request's outcome
            exchange = Exchange(label, row.name, row.method, target, None, {}, b"", error=f"not sent ({exc})")
        else:
            exchange = Exchange(
                label,
                row.name,
                row.method,
                target,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        exchange.elapsed = time.perf_counter() - started
        self.exchanges.append(exchange)
        if self._sink is not None:
            self._sink(exchange)
        return exchange

    def close(self) -> None:
        self._http.close()
