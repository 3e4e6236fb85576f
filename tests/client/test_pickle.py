"""Every minted_lab error survives pickling (a worker process, a cache, multiprocessing) unchanged."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal
from typing import Any

import httpx
import pytest

from minted_lab import errors
from minted_lab.client import MintedClient
from minted_lab.errors import MintedError, RequestInfo

INFO = RequestInfo("POST", "http://127.0.0.1:9/partner/order/digital/sell", "sell")
TIMEOUT = httpx.ReadTimeout("timed out", request=httpx.Request("POST", "http://127.0.0.1:9/x"))

SAMPLES: list[MintedError] = [
    errors.ConfigurationError("no base URL"),
    errors.ValidationError("items.GAG.amount", "a whole number of grams", Decimal("1.5")),
    errors.ValidationError("find_order", "at least one of guid, order_code or external_id"),
    errors.APIError(418, "teapot", code=418, request=INFO, body={"success": False}),
    errors.ParameterError(
        422,
        "Parameter Error",
        code=422,
        errors={"items.0.amount": ["too small"]},
        request=INFO,
        body={"code": Decimal(422)},
    ),
    errors.QuoteExpiredError(422, "Parameter Error", errors={"price_token": ["expired"]}, request=INFO),
    errors.DuplicateExternalIdError(422, "Parameter Error", errors={"external_id": ["taken"]}, request=INFO),
    errors.AuthenticationError(401, "Unauthorized", request=INFO),
    errors.PermissionDeniedError(403, "Forbidden", request=INFO),
    errors.NotFoundError(404, "Not Found", request=INFO),
    errors.RateLimitError(429, "Too Many Requests", retry_after=2.5, request=INFO),
    errors.RateLimitError(429, "Too Many Requests"),
    errors.ServerError(503, "Service Unavailable", request=INFO),
    errors.ResponseFormatError("the body is not JSON", status=200, request=INFO, excerpt="<html>"),
    errors.TransportError("no answer", request=INFO, external_id="E-1"),
    errors.NotSentError("not sent", request=INFO, external_id="E-1", cause=httpx.ConnectError("refused")),
    errors.OutcomeUnknownError(
        "outcome unknown; client.resolve('E-1') settles it", request=INFO, external_id="E-1", cause=TIMEOUT
    ),
]


def fields(error: BaseException) -> dict[str, Any]:
    """An error's attributes, with exceptions among them compared by type and arguments."""
    out = {}
    for name, value in vars(error).items():
        out[name] = (type(value), value.args) if isinstance(value, BaseException) else value
    return out


def subclasses(cls: type) -> set[type]:
    found: set[type] = {cls}
    direct: list[type] = type.__subclasses__(cls)
    for sub in direct:
        found |= subclasses(sub)
    return found


def test_every_error_class_is_sampled() -> None:
    ours = {c for c in subclasses(MintedError) if c.__module__ == errors.__name__}
    assert ours <= {type(e) for e in SAMPLES} | {MintedError}


@pytest.mark.parametrize("error", SAMPLES, ids=[type(e).__name__ for e in SAMPLES])
def test_pickle_round_trip(error: MintedError) -> None:
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert type(clone) is type(error) and clone is not error
        assert str(clone) == str(error) and repr(clone) == repr(error) and clone.args == error.args
        assert fields(clone) == fields(error) and clone.endpoint == error.endpoint
        with pytest.raises(type(error)):
            raise clone


def test_validation_error_keeps_its_fields() -> None:
    error = pickle.loads(pickle.dumps(errors.ValidationError("currency", "GBP, TRY, USD or EUR", "XXX")))
    assert (error.field, error.expected, error.value) == ("currency", "GBP, TRY, USD or EUR", "XXX")
    assert str(error) == "currency: GBP, TRY, USD or EUR (got 'XXX')" and isinstance(error, ValueError)


def test_real_errors_round_trip(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    """Errors as the client raises them over HTTP, with their request, body and cause."""
    caught: list[MintedError] = []
    quote = client.quote()
    client.sell(quote, {"GAG": 1}, external_id="P-1")
    for attempt in (
        lambda: client.sell(quote, {"GAG": 1}, external_id="P-2"),
        lambda: client.order("NOPE"),
        lambda: client.sell(client.quote(), {"GAG": 1}, external_id="P-1"),
    ):
        with pytest.raises(MintedError) as info:
            attempt()
        caught.append(info.value)
    sb.faults.inject("sell", "malformed_json")
    with pytest.raises(errors.OutcomeUnknownError) as unknown:
        client.sell(client.quote(), {"GAG": 1}, external_id="P-3")
    caught.append(unknown.value)
    assert {type(e).__name__ for e in caught} == {
        "QuoteExpiredError",
        "NotFoundError",
        "DuplicateExternalIdError",
        "OutcomeUnknownError",
    }
    for error in caught:
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error) and str(clone) == str(error) and fields(clone) == fields(error)
    clone = pickle.loads(pickle.dumps(unknown.value))
    assert clone.external_id == "P-3" and isinstance(clone.cause, errors.ResponseFormatError)
    assert isinstance(unknown.value.cause, errors.ResponseFormatError)
    assert clone.cause.excerpt == unknown.value.cause.excerpt and "resolve('P-3')" in str(clone)
