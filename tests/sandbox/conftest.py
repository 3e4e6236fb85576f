"""Fixtures for the sandbox tests: a running Sandbox and plain httpx clients with Digest auth."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from minted_lab.sandbox import Sandbox

HEADERS = {"x-client-id": "web", "Accept-Language": "en", "api-version": "2"}


def make_http(sb: Sandbox, user: str | None = None, password: str | None = None, **kw: Any) -> httpx.Client:
    """An httpx client for `sb` with Digest auth and the usual headers."""
    auth = httpx.DigestAuth(user or sb.username, password or sb.password)
    return httpx.Client(base_url=sb.url, auth=auth, headers=HEADERS, timeout=10.0, **kw)


def parse(response: httpx.Response) -> Any:
    """The JSON body with exact Decimals."""
    import json

    return json.loads(response.content, parse_float=Decimal)


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
        return self.http.post(f"/partner/order/digital/{side}", content=_dumps(body),
                              headers={"content-type": "application/json"})

    def sell(self, sku: str = "GAG", amount: Any = 10, external_id: str = "T-1", **extra: Any) -> httpx.Response:
        token = extra.pop("price_token", None) or self.token(**extra.pop("fix", {}))
        return self.trade("sell", {"price_token": token, "external_id": external_id,
                                   "items": [{"sku": sku, "amount": amount}], **extra})

    def buy(self, sku: str = "GAU", amount: Any = Decimal("0.5"), external_id: str = "T-2", **extra: Any) -> httpx.Response:
        token = extra.pop("price_token", None) or self.token(**extra.pop("fix", {}))
        return self.trade("buy", {"price_token": token, "external_id": external_id,
                                  "items": [{"sku": sku, "amount": amount}], **extra})


def _dumps(body: Any) -> bytes:
    from minted_lab.sandbox.money import dumps

    return dumps(body)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox


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
