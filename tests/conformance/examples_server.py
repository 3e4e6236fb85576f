"""A tiny Partner API that knows only the documented example bodies of data/examples.

It answers the documented paths with the documented bodies (Get Order and Get Order (Alternative)
by the ids the examples carry, Get Customer and Customer Balance for the examples' customer ids),
and 404 everywhere else, with HTTP Digest (MD5, qop=auth) in front, as a real server might: a
different Digest implementation from the sandbox's. ``junk_app`` answers every request with 200
and a body in a shape nobody documented.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
USERNAME = "partner-user"
PASSWORD = "examples-Secret-pw"
REALM = "examples@minted"
ORDER_EXAMPLES = (
    "get_order_response.json",
    "card_payment_get_order_response.json",
    "get_order_alternative_response.json",
)
CUSTOMER_IDS = ("555555",)
BALANCE_IDS = ("555555", "1710174559")


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def personal_values() -> set[str]:
    """Every value under a personal key in the example bodies (what must never be shown or recorded)."""
    keys = {"firstname", "middlename", "lastname", "fullname", "email", "phone", "identity_number", "birthdate"}
    keys |= {"card_holder", "card_number", "card_cvv", "card_expiry", "card_token"}
    found: set[str] = set()

    def walk(value: Any, key: str | None = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in keys and isinstance(value, str) and len(value) >= 4 and "{" not in value:
            found.add(value)

    for path in EXAMPLES.glob("*.json"):
        if "skeleton" not in path.name and "inferred" not in path.name:  # placeholders ("string")
            walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _params(header: str) -> dict[str, str]:
    out = {}
    for match in re.finditer(r'(\w+)=("([^"]*)"|[^,\s]*)', header):
        out[match.group(1).lower()] = match.group(3) if match.group(3) is not None else match.group(2)
    return out


class Digest:
    """RFC 2617/7616 Digest, MD5 with qop=auth, one nonce per server."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(16)

    def challenge(self) -> Response:
        header = f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce}", algorithm=MD5'
        return JSONResponse({"message": "Unauthenticated."}, 401, headers={"WWW-Authenticate": header})

    def valid(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("digest "):
            return False
        p = _params(header[7:])
        if p.get("username") != USERNAME or p.get("nonce") != self.nonce or p.get("realm") != REALM:
            return False
        ha1 = _md5(f"{USERNAME}:{REALM}:{PASSWORD}")
        ha2 = _md5(f"{request.method}:{p.get('uri', '')}")
        expected = _md5(f"{ha1}:{self.nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p.get('qop', '')}:{ha2}")
        return secrets.compare_digest(expected, p.get("response", ""))


def _order_by(ident: str) -> bytes | None:
    for name in ORDER_EXAMPLES:
        data = json.loads(example(name))["data"]
        if ident in (data.get("guid"), data.get("order_code"), data.get("external_id")):
            return example(name)
    return None


def _json(body: bytes) -> Response:
    return Response(body, 200, media_type="application/json")


def _not_found() -> Response:
    return JSONResponse({"message": "Not Found"}, 404)


def examples_app() -> Starlette:
    digest = Digest()

    async def guarded(request: Request) -> Response:
        if not digest.valid(request):
            return digest.challenge()
        method, path = request.method, request.url.path
        if method == "POST" and path == "/partner/pricefix":
            return _json(example("pricefix_response.json"))
        if method == "GET" and path.startswith("/partner/order/") and path.count("/") == 3:
            body = _order_by(path.rsplit("/", 1)[1])
            return _json(body) if body else _not_found()
        if method == "POST" and path == "/partner/order":
            try:
                asked = json.loads(await request.body())
            except ValueError:
                return _not_found()
            ident = next((asked.get(k) for k in ("guid", "order_code", "external_id") if asked.get(k)), None)
            body = _order_by(str(ident)) if ident else None
            return _json(body) if body else _not_found()
        if method == "GET" and path.startswith("/partner/customer/"):
            found = path.rsplit("/", 1)[1] in CUSTOMER_IDS
            return _json(example("get_customer_response.partial.json")) if found else _not_found()
        if method == "GET" and path.startswith("/partner/balance/customer/"):
            found = path.rsplit("/", 1)[1] in BALANCE_IDS
            return _json(example("customer_balance_response_skeleton.json")) if found else _not_found()
        if method == "POST" and path == "/partner/customer":
            return _json(example("create_customer_response.json"))
        if method == "POST" and path in ("/partner/order/digital/sell", "/partner/order/digital/buy"):
            return _json(example("sell_response.json"))
        return _not_found()

    return Starlette(routes=[Route("/{path:path}", guarded, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])


JUNK_BODIES: tuple[bytes, ...] = (
    b"<html><body>Service Temporarily Unavailable</body></html>",
    b"[1, 2, 3]",
    b'{"data": "not an object", "success": true, "code": 0, "message": ""}',
    b'{"data": {"data": "rows?", "next_page_url": 5, "prices": "none", "items": 7}, "success": true}',
    b'{"data": [{"guid": 5, "items": "x", "order_at": 12, "price": "12.30"}, null, "x"], "success": "yes"}',
    b'{"success": true}',
    b"null",
    b'{"data": {"token": 1e400, "prices": [{"sku": null, "spot_price": "1,5"}], "expires_at": "tomorrow"}, "success": true, "code": 0, "message": ""}',
    b"",
)


def junk_app() -> Starlette:
    """200 for everything, in shapes no check foresees (no auth at all)."""
    count = 0

    async def anything(request: Request) -> Response:
        nonlocal count
        count += 1
        return Response(JUNK_BODIES[count % len(JUNK_BODIES)], 200, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])
