"""The endpoint table and the request engine, without a network."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from minted_lab import _ops as ops
from minted_lab._http import Engine, retry_after
from minted_lab._parse import loads
from minted_lab.client import AsyncMintedClient, MintedClient
from minted_lab.config import Settings
from minted_lab.endpoints import ENDPOINTS
from minted_lab.errors import ConfigurationError, ValidationError

CONTRACT = Path(__file__).parents[2] / "docs" / "api-shapes.md"


def engine(**kw: object) -> Engine:
    settings = Settings("http://127.0.0.1:1", "u", "p").validated()
    return Engine(settings, clock=None, id_factory=kw.get("id_factory"), max_retries=3)  # type: ignore[arg-type]


def test_the_table_matches_the_contract() -> None:
    """Each row of docs/api-shapes.md's endpoint table is a row here (method, path, api-version, guess)."""
    rows = re.findall(
        r"^\| `(\w+)` \| (\w+) \| `([^`]+)`[^|]*\| \**(\d)\** [^|]*\| (.*) \|$", CONTRACT.read_text(), re.M
    )
    assert sorted(name for name, *_ in rows) == sorted(ENDPOINTS)
    for name, method, path, version, status in rows:
        row = ENDPOINTS[name]
        assert (row.method, row.path, row.api_version) == (method, path.split("?")[0].split(" ")[0], version), name
        assert row.guess == ("**[I]** path" in status), name


def test_same_methods_sync_and_async() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    def params(method: Callable[..., object]) -> list[str]:
        return [p for p in inspect.signature(method).parameters if p != "concurrency"]

    assert public(MintedClient) == public(AsyncMintedClient) - {"concurrency"}
    for name in public(MintedClient):
        sync, async_ = getattr(MintedClient, name), getattr(AsyncMintedClient, name)
        if name in ("from_env",) or isinstance(sync, property):
            continue
        assert params(sync) == params(async_), name


def test_headers_and_bodies_per_endpoint() -> None:
    e = engine(id_factory=lambda: "ML-000000000001")
    gen = ops.place(e, "sell", "t85QBvvn1GHeOslKuiJm7CF0M0lpwU26", {"GAG": 100}, None, "gbp", None)
    call = next(gen)
    kw = e.request_kwargs(call)
    assert kw["method"] == "POST" and kw["url"] == "/partner/order/digital/sell"
    assert kw["content"] == (
        b'{"price_token":"t85QBvvn1GHeOslKuiJm7CF0M0lpwU26","external_id":"ML-000000000001",'
        b'"currency_code":"GBP","items":[{"sku":"GAG","amount":100}]}'
    )
    assert kw["headers"]["api-version"] == "2" and kw["headers"]["x-client-id"] == "web"
    assert kw["headers"]["Accept-Language"] == "en"  # English unless MINTED_LANGUAGE says otherwise
    quote_call = next(ops.quote(e, "GBP", "CUST-001", "10000.50"))
    assert e.request_kwargs(quote_call)["headers"]["api-version"] == "3"
    assert (
        e.request_kwargs(quote_call)["content"]
        == b'{"type":"digital","currency":"GBP","customer_external_id":"CUST-001","total":10000.50}'
    )
    order_call = next(ops.order(e, "9YMEK5RB"))
    assert order_call.path == "/partner/order/9YMEK5RB"


def test_default_external_ids() -> None:
    call = next(ops.place(engine(), "buy", "tok", {"GAU": "0.5"}, None, None, None))
    assert re.fullmatch(r"ML-[0-9A-F]{12}", call.external_id or "")


def test_buy_bound_to_the_quotes_customer_and_currency() -> None:
    from minted_lab.models import ParseContext, Quote

    data = {
        "token": "tok",
        "expires_at": "2024-12-05T18:43:32+03:00",
        "expire_ttl": 240,
        "currency": "TRY",
        "prices": [],
    }
    quote = Quote.from_api(data, ParseContext(customer_external_id="C-1"))
    call = next(ops.place(engine(), "buy", quote, {"GAU": 1}, "E1", None, None))
    assert loads(engine().request_kwargs(call)["content"]) == {
        "price_token": "tok",
        "external_id": "E1",
        "currency_code": "TRY",
        "items": [{"sku": "GAU", "amount": 1}],
        "customer": {"external_id": "C-1"},
    }
    with pytest.raises(ValidationError, match="currency_code: the quote's currency TRY"):
        next(ops.place(engine(), "buy", quote, {"GAU": 1}, "E1", "GBP", None))
    with pytest.raises(ValidationError, match="customer.external_id"):
        next(ops.place(engine(), "buy", quote, {"GAU": 1}, "E1", None, "C-2"))


def test_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="no base URL.*MINTED_BASE_URL"):
        MintedClient(None, "u", "p")
    with pytest.raises(ConfigurationError, match="credentials"):
        MintedClient("http://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="not in the URL"):
        MintedClient("http://u:secret@127.0.0.1:1", "u", "p")


def test_environments_and_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    for url, env in (
        ("http://127.0.0.1:5", "sandbox"),
        ("http://localhost:5", "sandbox"),
        ("https://api.staging.mintedconnect.com", "staging"),
        ("https://api.mintedconnect.com", "production"),
    ):
        with MintedClient(url, "u", "hunter2-secret") as client:
            assert client.environment == env and f"environment={env!r}" in repr(client)
            assert "hunter2" not in repr(client) and "hunter2" not in repr(client.settings)
    with MintedClient("http://127.0.0.1:5", "u", "p", environment="staging") as client:
        assert client.environment == "staging"
    monkeypatch.setenv("MINTED_BASE_URL", "https://api.staging.mintedconnect.com/")
    monkeypatch.setenv("MINTED_USERNAME", "partner")
    monkeypatch.setenv("MINTED_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("MINTED_LANGUAGE", "en")
    monkeypatch.setenv("MINTED_CLIENT_ID", "notebook")
    with MintedClient.from_env() as client:
        s = client.settings
        assert (s.base_url, s.username, s.language, s.client_id) == (
            "https://api.staging.mintedconnect.com",
            "partner",
            "en",
            "notebook",
        )
        assert "hunter2" not in repr(s) and "'***'" in repr(s)


def test_retry_after_forms() -> None:
    assert retry_after("3") == 3 and retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def test_transport_mapping() -> None:
    e = engine()
    call = next(ops.place(e, "sell", "tok", {"GAG": 1}, "E1", None, None))
    req = httpx.Request("POST", "http://127.0.0.1:1/x")
    from minted_lab.errors import NotSentError, OutcomeUnknownError

    for exc, cls in (
        (httpx.ConnectError("x", request=req), NotSentError),
        (httpx.ConnectTimeout("x", request=req), NotSentError),
        (httpx.PoolTimeout("x", request=req), NotSentError),
        (httpx.ReadTimeout("x", request=req), OutcomeUnknownError),
        (httpx.WriteTimeout("x", request=req), OutcomeUnknownError),
        (httpx.WriteError("x", request=req), OutcomeUnknownError),
        (httpx.ReadError("x", request=req), OutcomeUnknownError),
        (httpx.RemoteProtocolError("x", request=req), OutcomeUnknownError),
    ):
        error = e.transport_error(call, exc)
        assert type(error) is cls and error.external_id == "E1" and error.__cause__ is exc


def test_default_external_ids_come_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets
    import uuid

    from minted_lab._http import new_external_id

    ids = {new_external_id() for _ in range(2000)}
    assert len(ids) == 2000 and all(re.fullmatch(r"ML-[0-9A-F]{12}", i) for i in ids)
    monkeypatch.setattr(uuid, "uuid4", lambda: pytest.fail("uuid4 is not a secret source"))
    asked: list[int] = []

    def token_hex(n: int) -> str:
        asked.append(n)
        return "0a1b2c3d4e5f"

    monkeypatch.setattr(secrets, "token_hex", token_hex)
    assert new_external_id() == "ML-0A1B2C3D4E5F" and asked == [6]
