"""Fixtures for the sandbox tests: a running Sandbox and plain httpx clients with Digest auth."""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.auth import parse_params

HEADERS = {"x-client-id": "web", "Accept-Language": "en", "api-version": "2"}
TLS = ssl.create_default_context()  # built once: plain-http clients still make one, and it is slow


def make_http(sb: Sandbox, user: str | None = None, password: str | None = None, **kw: Any) -> httpx.Client:
    """An httpx client for `sb` with Digest auth and the usual headers."""
    auth = httpx.DigestAuth(user or sb.username, password or sb.password)
    kw.setdefault("verify", TLS)
    kw.setdefault("timeout", 10.0)
    return httpx.Client(base_url=sb.url, auth=auth, headers=HEADERS, **kw)


def raw_get(url: str, **kw: Any) -> httpx.Response:
    """A GET without auth (a fresh connection each time, the shared TLS context)."""
    with httpx.Client(verify=TLS, timeout=10.0) as client:
        return client.get(url, **kw)


def parse(response: httpx.Response) -> Any:
    """The JSON body with exact Decimals."""
    import json

    return json.loads(response.content, parse_float=Decimal)


def digest_header(
    sb: Sandbox,
    method: str,
    uri: str,
    challenge: dict[str, str],
    nc: int,
    algorithm: str | None = "SHA-256",
    password: str | None = None,
    opaque: str | None = "issued",
    cnonce: str = "0a4f113b",
) -> str:
    """An Authorization header computed by hand (RFC 7616, qop=auth) for `challenge`; `algorithm` None
    leaves the parameter out (which means MD5), `opaque` "issued" returns the challenge's, None omits it."""
    h = hashlib.md5 if (algorithm or "MD5").upper().startswith("MD5") else hashlib.sha256

    def d(s: str) -> str:
        return h(s.encode()).hexdigest()

    nonce = challenge["nonce"]
    ha1 = d(f"{sb.username}:minted-sandbox:{password or sb.password}")
    ha2 = d(f"{method}:{uri}")
    ncv = f"{nc:08x}"
    response = d(f"{ha1}:{nonce}:{ncv}:{cnonce}:auth:{ha2}")
    header = (
        f'Digest username="{sb.username}", realm="minted-sandbox", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", qop=auth, nc={ncv}, cnonce="{cnonce}"'
    )
    if algorithm is not None:
        header += f", algorithm={algorithm}"
    if opaque is not None:
        header += f', opaque="{challenge["opaque"] if opaque == "issued" else opaque}"'
    return header


def fetch_challenge(sb: Sandbox) -> dict[str, str]:
    """The parameters of a fresh 401 challenge (nonce, opaque, algorithm...)."""
    r = raw_get(sb.url + "/partner/balance", headers=HEADERS)
    assert r.status_code == 401
    return parse_params(r.headers["www-authenticate"][7:])


class Api:
    """Small helpers over an httpx client that speak the Partner API."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def fix(self, **body: Any) -> dict[str, Any]:
        body.setdefault("type", "digital")
        r = self.http.post("/partner/pricefix", json=body, headers={"api-version": "3"})
        assert r.status_code == 200, r.text
        return parse(r)["data"]  # type: ignore[no-any-return]

    def token(self, **body: Any) -> str:
        return str(self.fix(**body)["token"])

    def trade(self, side: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(
            f"/partner/order/digital/{side}", content=_dumps(body), headers={"content-type": "application/json"}
        )

    def sell(self, sku: str = "GAG", amount: Any = 10, external_id: str = "T-1", **extra: Any) -> httpx.Response:
        token = extra.pop("price_token", None) or self.token(**extra.pop("fix", {}))
        return self.trade(
            "sell",
            {"price_token": token, "external_id": external_id, "items": [{"sku": sku, "amount": amount}], **extra},
        )

    def buy(
        self, sku: str = "GAU", amount: Any = Decimal("0.5"), external_id: str = "T-2", **extra: Any
    ) -> httpx.Response:
        token = extra.pop("price_token", None) or self.token(**extra.pop("fix", {}))
        return self.trade(
            "buy",
            {"price_token": token, "external_id": external_id, "items": [{"sku": sku, "amount": amount}], **extra},
        )


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _dumps(body: Any) -> bytes:
    """JSON with exact numbers (floats written as their shortest repr)."""
    from minted_lab.sandbox.money import dumps

    return dumps(_exact(body))


@pytest.fixture
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with make_http(sb) as client:
        yield client


@pytest.fixture
def api(http: httpx.Client) -> Api:
    return Api(http)


@pytest.fixture(scope="module")
def history_sb() -> Iterator[Sandbox]:
    with Sandbox(seed=11, history=1500) as sandbox:
        yield sandbox


@pytest.fixture
def history_http(history_sb: Sandbox) -> Iterator[httpx.Client]:
    with make_http(history_sb) as client:
        yield client
