"""The ASGI layer in front of the routes: body limit, Digest auth, routing errors, rate limit,
permissions, headers, faults, the request log and the count of requests in flight, all answered in
the envelope."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minted_lab.sandbox.auth import READ_ONLY
from minted_lab.sandbox.catalog import MAX_BODY_BYTES
from minted_lab.sandbox.envelope import JSON, Problems, error_body
from minted_lab.sandbox.faults import Fault
from minted_lab.sandbox.messages import pick_language, text
from minted_lab.sandbox.routes import ROUTES
from minted_lab.sandbox.runtime import RequestRecord, Runtime

log = logging.getLogger("minted_lab.sandbox")
DRAIN_LIMIT = 16 * 1024 * 1024
TRADING = frozenset(row.name for row in ROUTES if row.trades)
BODY_LOGGED = frozenset(row.name for row in ROUTES if row.logs_body)
VERSION_3 = frozenset(row.name for row in ROUTES if row.needs_version_3)
#: ASGI scope extension under which the server (server.py) reports the raw request target: {"target": bytes}
REQUEST_TARGET = "minted_lab.request_target"


def _headers(status: int, body: bytes, extra: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    out = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]
    out += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (extra or {}).items()]
    return out


async def _send_whole(send: Send, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": _headers(status, body, extra)})
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """Pure ASGI middleware; the routes behind it only ever see authenticated, well-headed requests."""

    def __init__(self, app: ASGIApp, runtime: Runtime, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.rt = runtime
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        outcome: dict[str, Any] = {"status": None, "user": None, "endpoint": None, "fault": None, "body": None}
        at = self.rt.clock.now()
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                status = None if outcome["fault"] in ("drop_before_commit", "drop_after_commit") else outcome["status"]
                self.rt.record(
                    RequestRecord(
                        outcome["endpoint"],
                        scope["method"],
                        scope["path"],
                        status,
                        outcome["user"],
                        at,
                        outcome["fault"],
                        outcome["body"],
                    )
                )

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                record()
            await send(message)

        self.rt.in_flight.enter()
        try:
            await self._handle(scope, receive, tracking_send, outcome)
        finally:
            record()
            self.rt.in_flight.leave()

    async def _handle(self, scope: Scope, receive: Receive, send: Send, outcome: dict[str, Any]) -> None:
        headers = Headers(scope=scope)
        lang = pick_language(headers.get("accept-language"))
        body, oversize, complete = await self._read(receive)
        route, allowed = self._match(scope)
        outcome["endpoint"] = route.name if route is not None else None  # type: ignore[attr-defined]
        if not complete:
            return
        if oversize:
            await _send_whole(send, 413, error_body(413, text("too_large", lang)), {"connection": "close"})
            return
        if outcome["endpoint"] in BODY_LOGGED:
            outcome["body"] = body
        verdict = self.rt.auth.verify(scope["method"], _targets(scope), headers.get("authorization"))
        if verdict.user is None:
            challenge = self.rt.auth.challenge(stale=verdict.stale)
            await _send_whole(send, 401, error_body(401, text("unauthorized", lang)), {"www-authenticate": challenge})
            return
        outcome["user"] = verdict.user
        if self.rt.limiter is not None:
            wait = self.rt.limiter.retry_after(verdict.user)
            if wait is not None:
                await _send_whole(send, 429, error_body(429, text("too_many", lang)), {"retry-after": str(wait)})
                return
        if route is None:
            if allowed:
                await _send_whole(
                    send, 405, error_body(405, text("method_not_allowed", lang)), {"allow": ", ".join(sorted(allowed))}
                )
            else:
                await _send_whole(send, 404, error_body(404, text("route_not_found", lang)))
            return
        name = outcome["endpoint"]
        if verdict.user in READ_ONLY and name in TRADING:
            await _send_whole(send, 403, error_body(403, text("forbidden", lang)))
            return
        problems = self._check_headers(headers, name)
        if problems:
            errors: dict[str, list[str]] = {}
            for path, key, params in problems.items:
                errors.setdefault(path, []).append(text(key, lang, **params))
            field, reasons = next(iter(errors.items()))
            message = text("invalid", lang, field=field, reason=reasons[0])
            await _send_whole(send, 422, error_body(422, message, errors if self.rt.error_fields else None))
            return
        scope.setdefault("state", {}).update(user=verdict.user, lang=lang, body=body, endpoint=name)
        replay = _replay(body, receive)
        fault = self.rt.faults.take(name)
        if fault is None:
            await self._call(scope, replay, send, lang)
            return
        outcome["fault"] = fault.kind
        await self._fault(fault, scope, replay, send, lang)

    async def _fault(self, fault: Fault, scope: Scope, receive: Receive, send: Send, lang: str) -> None:
        if fault.kind == "latency":
            await asyncio.sleep(fault.params["seconds"])
            await self._call(scope, receive, send, lang)
        elif fault.kind == "status":
            status = fault.params["status"]
            extra = {}
            key = "fault"
            if status == 429:
                key = "too_many"
                extra["retry-after"] = str(fault.params.get("retry_after", 1))
            elif status == 503:
                key = "unavailable"
                if "retry_after" in fault.params:
                    extra["retry-after"] = str(fault.params["retry_after"])
            await _send_whole(send, status, error_body(status, text(key, lang)), extra)
        elif fault.kind == "drop_before_commit":
            await send({"type": "http.response.start", "status": 200, "headers": _headers(200, b" " * 64)})
        else:
            captured = _Capture()
            await self._call(scope, receive, captured, lang)
            if fault.kind == "drop_after_commit":
                await send(
                    {
                        "type": "http.response.start",
                        "status": captured.status,
                        "headers": _headers(captured.status, captured.body),
                    }
                )
            else:
                broken = captured.body[: max(1, len(captured.body) // 2)]
                await _send_whole(send, captured.status, broken)

    async def _call(self, scope: Scope, receive: Receive, send: Send, lang: str) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("sandbox handler failed on %s %s", scope["method"], scope["path"])
            if not started:
                await _send_whole(send, 500, error_body(500, text("server_error", lang)))

    def _match(self, scope: Scope) -> tuple[BaseRoute | None, set[str]]:
        allowed: set[str] = set()
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route, allowed
            if match == Match.PARTIAL:
                allowed.update(getattr(route, "methods", None) or ())
        return None, allowed

    @staticmethod
    def _check_headers(headers: Headers, endpoint: str) -> Problems:
        problems = Problems()
        if not headers.get("x-client-id", "").strip():
            problems.add("x-client-id", "required")
        versions = [v.strip() for value in headers.getlist("api-version") for v in value.split(",") if v.strip()]
        if endpoint in VERSION_3:
            if "3" not in versions:
                problems.add("api-version", "api_version_3" if versions else "required")
        elif any(v not in ("2", "3") for v in versions):
            problems.add("api-version", "api_version")
        return problems

    @staticmethod
    async def _read(receive: Receive) -> tuple[bytes, bool, bool]:
        """(body, over the size limit, complete): a client gone before its body ended (or timed out by
        the server) leaves an incomplete request that is not handled, so a cut sell never trades."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), size > MAX_BODY_BYTES, False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)
            if not message.get("more_body", False) or size > DRAIN_LIMIT:
                return b"".join(chunks), size > MAX_BODY_BYTES, True


def _targets(scope: Scope) -> tuple[str, ...]:
    """The request targets a Digest `uri` may name: the raw one when the server reports it (a bare
    trailing `?` included, as httpx sends it), else the one rebuilt from path and query, with and
    without a `?` when the query is empty (the rebuilt form cannot tell them apart)."""
    reported = scope.get("extensions", {}).get(REQUEST_TARGET)
    if reported is not None:
        return (reported["target"].decode("latin-1"),)
    target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    if scope.get("query_string"):
        return (target + "?" + scope["query_string"].decode("latin-1"),)
    return (target, target + "?")


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Capture:
    """A `send` that keeps the response instead of sending it."""

    def __init__(self) -> None:
        self.status = 500
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
