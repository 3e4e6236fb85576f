"""Every client method against the real sandbox over loopback HTTP: happy paths and real error answers."""

from __future__ import annotations

import socket
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest

from minted_lab.client import MintedClient
from minted_lab.errors import (
    AuthenticationError,
    DuplicateExternalIdError,
    NotFoundError,
    NotSentError,
    OutcomeUnknownError,
    ParameterError,
    PermissionDeniedError,
    QuoteExpiredError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from minted_lab.models import Order, OrderPage, OrderResult, Quote

T = TypeVar("T")


def known(value: T | None) -> T:
    """A value the model may lack but this answer must carry."""
    assert value is not None
    return value


def sent(sb) -> int:  # type: ignore[no-untyped-def]
    """How many requests the sandbox has recorded, once in-flight records have landed.

    The sandbox appends a record just after sending its response, so wait until the count is stable.
    """
    count = len(sb.requests)
    while True:
        time.sleep(0.03)
        now = len(sb.requests)
        if now == count:
            return count
        count = now


# ------------------------------------------------------------------------------------ happy paths


def test_quote(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    quote = client.quote()
    assert isinstance(quote, Quote) and quote.currency == "GBP" and len(quote.token) == 32
    assert quote.expire_ttl == 240 and 239 < quote.seconds_left() <= 240 and not quote.is_expired()
    gag = quote.price("GAG")
    assert known(gag.buy_price) > known(gag.spot_price) > known(gag.sell_price)  # the contract's convention
    assert known(gag.buy_spread) > 0 > known(gag.sell_spread) and all(
        isinstance(p.spot_price, Decimal) for p in quote.prices
    )
    assert quote.fixed_at == quote.expires_at - timedelta(seconds=240)
    assert abs((quote.fixed_at - sb.clock.now()).total_seconds()) < 2
    record = sb.requests[-1]
    assert (record.endpoint, record.method, record.path, record.status) == (
        "pricefix",
        "POST",
        "/partner/pricefix",
        200,
    )


def test_quote_by_total_for_a_customer(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    client.create_customer("CUST-001", firstname="Ayse", lastname="Yilmaz", birthdate=date(1990, 5, 1))
    quote = client.quote("TRY", customer_external_id="CUST-001", total=Decimal("10000"))
    assert quote.currency == "TRY" and quote.customer_external_id == "CUST-001"
    assert quote.is_total_price and quote.total == 10000
    gau = quote.price("GAU")
    exponent = known(gau.buy_amount).as_tuple().exponent
    assert isinstance(exponent, int) and exponent >= -4


def test_sell_then_look_it_up_every_way(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    quote = client.quote()
    result = client.sell(quote, {"GAG": 100})
    assert isinstance(result, OrderResult) and result.external_id.startswith("ML-")
    order = result.order
    assert order.type == "Sell" and order.external_id == result.external_id and order.status_name == "Pending"
    assert order.items[0].sku == "GAG" and order.items[0].amount == 100
    assert order.items[0].price == quote.price("GAG").sell_price
    assert result.total == order.total == (known(quote.price("GAG").sell_price) * 100).quantize(Decimal("0.01"))
    assert result.order_codes == (order.order_code,) and result.guids == (order.guid,)
    for key in (order.external_id, order.guid, order.order_code):
        assert client.order(known(key)) == order
    assert client.find_order(guid=order.guid) == order
    assert client.find_order(order_code=order.order_code) == order
    assert client.find_order(external_id=order.external_id, push_hook=True) == order
    assert client.resolve(result.external_id) == order
    assert client.find_order(external_id="never-used") is None
    assert [o["guid"] for o in sb.orders()] == [order.guid]


def test_buy_with_a_token_string_and_my_external_id(client: MintedClient) -> None:
    quote = client.quote("EUR")
    result = client.buy(quote.token, {"GAU": "0.1234"}, external_id="my-buy-1", currency="EUR")
    assert result.external_id == "my-buy-1" and result.order.type == "Buy"
    assert result.order.items[0].amount == Decimal("0.1234") and result.order.currency_code == "EUR"
    assert result.order.items[0].price == quote.price("GAU").buy_price


def test_b2b2c_sell_follows_the_quotes_customer(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    client.create_customer("CUST-002", firstname="Mehmet", lastname="Kaya")
    bought = client.buy(client.quote(customer_external_id="CUST-002"), {"GAG": 10})
    assert bought.order.customer is not None and bought.order.customer.external_id == "CUST-002"
    sold = client.sell(client.quote(customer_external_id="CUST-002"), {"GAG": 4})
    assert known(sold.order.customer).external_id == "CUST-002"
    silver = {w.currency_code: w for w in client.customer_balance("CUST-002")}["GAG"]
    assert silver.balance == 6 and isinstance(silver.real_balance, Decimal)


def test_orders_pages_and_filters(sb, client: MintedClient) -> None:  # type: ignore[no-untyped-def]
    for grams in (1, 2, 3):
        client.sell(client.quote(), {"GAG": grams})
    client.buy(client.quote(), {"GAU": 1})
    page = client.orders(per_page=5)
    assert isinstance(page, OrderPage) and page.total == 4 and page.last_page == 1 and page.next_page_url is None
    assert page.content.startswith(b"{") and b'"current_page"' in page.content
    assert [o.type for o in client.orders(type="sell").orders] == ["Sell"] * 3
    assert client.orders(tx_type=["buy"]).total == 1
    assert client.orders(status="Pending").total == 4 and client.orders(status=["Completed"]).total == 0
    today = sb.clock.now()
    assert client.orders(start_date=today, end_date=today.date()).total == 4
    assert client.orders(end_date=(today - timedelta(days=2)).strftime("%Y-%m-%d")).total == 0
    assert client.orders(sku="GAU").total == 1
    sb.clock.advance(61)
    assert client.orders(status="completed").total == 4
    assert len(client.all_orders(progress=False)) == 4 and len(list(client.iter_orders(type="buy"))) == 1


def test_reference_data(client: MintedClient) -> None:
    statuses = client.order_statuses()
    assert [(s.id, s.name) for s in statuses][:5] == [
        (1, "Created"),
        (2, "Pending"),
        (3, "Processing"),
        (4, "Cancelled"),
        (5, "Completed"),
    ]
    prices = client.product_prices("USD")
    assert {p.sku for p in prices} >= {"GAU", "GAG", "GPT"} and all(p.currency_code == "USD" for p in prices)
    assert all(p.updated_at is not None and p.updated_at.tzinfo for p in prices)
    feed = client.minted_prices()
    assert feed.currency == "GBP" and feed.rates["GBP"] == 1 and known(feed.price("GAU").spot_price) > 0
    wallets = client.partner_balance()
    assert {"GAU", "GAG", "GBP"} <= {w.currency_code for w in wallets}
    assert all(w.customer_external_id is None for w in wallets)


def test_customers(client: MintedClient) -> None:
    created = client.create_customer(
        "CUST-003", firstname="Soner", lastname="Kaya", email="s@example.com", gender="M", birthdate="01-05-1990"
    )
    assert created.external_id == "CUST-003" and created.birthdate == date(1990, 5, 1)
    assert created.created_at is not None and created.created_at.tzinfo is not None
    fetched = client.customer("CUST-003")
    assert fetched.fullname == created.fullname and len(fetched.wallets) > 0
    assert all(isinstance(w.balance, Decimal) for w in fetched.wallets)


# ------------------------------------------------------------------------------ real error answers


def test_parameter_error_names_the_field(client: MintedClient) -> None:
    with pytest.raises(ParameterError) as info:
        client.sell(client.quote(), {"GAG": 2_000_000})  # over the API's per-item limit
    err = info.value
    assert type(err) is ParameterError and err.status == 422 and err.code == 422
    assert "items.0.amount" in err.errors and (known(err.request).endpoint, known(err.request).method) == (
        "sell",
        "POST",
    )
    assert str(err).startswith("422 Parameter Error on sell: items.0.amount: ")


def test_quote_expired(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client(language="en") as client:
        quote = client.quote()
        sb.clock.advance(241)
        with pytest.raises(QuoteExpiredError) as info:
            client.sell(quote, {"GAG": 1})
        assert str(info.value).startswith("422 Parameter Error on sell: price_token: ")
        assert str(info.value).endswith("(quote again)") and "price_token" in info.value.errors
        used = client.quote()
        client.sell(used, {"GAG": 1})
        with pytest.raises(QuoteExpiredError):  # single use
            client.sell(used, {"GAG": 1})


def test_duplicate_external_id(client: MintedClient) -> None:
    client.sell(client.quote(), {"GAG": 1}, external_id="dup-1")
    with pytest.raises(DuplicateExternalIdError, match="external_id") as info:
        client.buy(client.quote(), {"GAG": 1}, external_id="dup-1")
    assert info.value.status == 422 and "resolve" in str(info.value)


def test_authentication_error(sb) -> None:  # type: ignore[no-untyped-def]
    with MintedClient(sb.url, sb.username, "wrong-password") as client, pytest.raises(AuthenticationError) as info:
        client.partner_balance()
    assert info.value.status == 401 and str(info.value).startswith("401 Authentication Error on partner_balance")


def test_permission_denied_for_the_read_only_user(sb) -> None:  # type: ignore[no-untyped-def]
    with MintedClient(sb.url, sb.readonly_username, sb.readonly_password) as viewer:
        quote = viewer.quote()
        with pytest.raises(PermissionDeniedError) as info:
            viewer.sell(quote, {"GAG": 1})
        assert info.value.status == 403 and viewer.partner_balance()
    assert sb.orders() == []


def test_not_found(client: MintedClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.order("NOSUCHORDER")
    assert info.value.status == 404 and known(info.value.request).url.endswith("/partner/order/NOSUCHORDER")
    with pytest.raises(NotFoundError):
        client.customer_balance("nobody")
    with pytest.raises(NotFoundError):
        client.customer("nobody")


def test_rate_limit_and_server_errors_are_retried_on_reads(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client(max_retries=0) as client:
        sb.faults.inject("order_statuses", "status", status=429, retry_after=7)
        with pytest.raises(RateLimitError) as info:
            client.order_statuses()
        assert info.value.retry_after == 7 and "retry after 7 s" in str(info.value)
        sb.faults.inject("partner_balance", "status", status=503)
        with pytest.raises(ServerError) as server:
            client.partner_balance()
        assert server.value.status == 503
    with sb.client(max_retries=3) as client:
        client.partner_balance()  # the Digest challenge is behind us
        before = sent(sb)
        sb.faults.inject("orders", "status", times=2, status=503)
        assert client.orders().total == 0
        sent(sb)
        assert [r.status for r in sb.requests[before:]] == [503, 503, 200]
        sb.faults.inject("product_prices", "status", status=429, retry_after=1)
        started = datetime.now(UTC)
        assert {p.sku for p in client.product_prices()} >= {"GAU", "GAG"}
        assert (datetime.now(UTC) - started).total_seconds() >= 1  # Retry-After honoured
        sb.faults.inject("minted_prices", "status", times=9, status=502)
        with pytest.raises(ServerError):
            client.minted_prices()
        sb.faults.clear()


def test_malformed_json_on_a_read(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        sb.faults.inject("partner_balance", "malformed_json")
        with pytest.raises(ResponseFormatError) as info:
            client.partner_balance()
        assert info.value.status == 200 and "not JSON" in str(info.value)


def test_sell_is_never_retried_after_sending(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client(max_retries=3) as client:
        quote = client.quote()
        before = sent(sb)
        sb.faults.inject("sell", "status", status=503)
        with pytest.raises(OutcomeUnknownError) as info:
            client.sell(quote, {"GAG": 1}, external_id="sell-503")
        sent(sb)
        assert [r.endpoint for r in sb.requests[before:]] == ["sell"]
        assert info.value.external_id == "sell-503" and isinstance(info.value.cause, ServerError)
        assert client.resolve("sell-503") is None


def test_drop_after_commit_then_resolve(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        quote = client.quote()
        sb.faults.inject("sell", "drop_after_commit")
        before = sent(sb)
        with pytest.raises(OutcomeUnknownError) as info:
            client.sell(quote, {"GAG": 5})
        sent(sb)
        err = info.value
        assert err.external_id and err.external_id.startswith("ML-") and "resolve" in str(err)
        assert len([r for r in sb.requests[before:] if r.endpoint == "sell"]) == 1
        order = client.resolve(err.external_id)
        assert isinstance(order, Order) and order.external_id == err.external_id
        assert [o["guid"] for o in sb.orders()] == [order.guid]


def test_drop_before_commit_resolves_to_none(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        quote = client.quote()
        sb.faults.inject("buy", "drop_before_commit")
        with pytest.raises(OutcomeUnknownError) as info:
            client.buy(quote, {"GAG": 5}, external_id="dropped-1")
        assert info.value.external_id == "dropped-1"
        assert client.resolve("dropped-1") is None and sb.orders() == []


def test_malformed_json_on_sell_is_outcome_unknown(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client() as client:
        quote = client.quote()
        sb.faults.inject("sell", "malformed_json")
        with pytest.raises(OutcomeUnknownError) as info:
            client.sell(quote, {"GAG": 2}, external_id="garbled-1")
        assert isinstance(info.value.cause, ResponseFormatError)
        found = client.resolve("garbled-1")
        assert found is not None and found.type == "Sell"
        assert [(i.sku, i.amount) for i in found.items] == [("GAG", 2)]


def test_timeout_on_sell_is_outcome_unknown(sb) -> None:  # type: ignore[no-untyped-def]
    with sb.client(timeout=0.3) as client:
        quote = client.quote()
        sb.faults.inject("sell", "latency", seconds=1.0)
        with pytest.raises(OutcomeUnknownError, match="timed out") as info:
            client.sell(quote, {"GAG": 3}, external_id="slow-1")
        assert info.value.external_id == "slow-1"


def test_not_sent_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with MintedClient(f"http://127.0.0.1:{port}", "sandbox", "sandbox-password", max_retries=1) as client:
        with pytest.raises(NotSentError) as info:
            client.sell("t" * 32, {"GAG": 1}, external_id="never-left")
    assert info.value.external_id == "never-left" and "nothing reached the server" in str(info.value)


# ------------------------------------------------------------------------- validation sends nothing


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, q: c.sell(q, {"GAG": 1.5}), "items.GAG.amount"),
        (lambda c, q: c.sell(q, {"GAG": Decimal("1.5")}), "items.GAG.amount"),
        (lambda c, q: c.sell(q, {"GAG": 0}), "items.GAG.amount"),
        (lambda c, q: c.sell(q, {"GAG": True}), "items.GAG.amount"),
        (lambda c, q: c.sell(q, {}), "items"),
        (lambda c, q: c.sell(q, {"gold": 1}), "items.gold"),
        (lambda c, q: c.buy(q, {"GAU": "0.00001"}), "items.GAU.amount"),
        (lambda c, q: c.sell(q, {"GAG": 1}, external_id="bad id!"), "external_id"),
        (lambda c, q: c.sell(q, {"GAG": 1}, currency="TRY"), "currency_code"),
        (lambda c, q: c.quote("AED"), "currency"),
        (lambda c, q: c.quote(total=10.5), "total"),
        (lambda c, q: c.quote(total=Decimal("10.50")), "customer_external_id"),
        (lambda c, q: c.orders(per_page=100), "per_page"),
        (lambda c, q: c.orders(colour="gold"), "colour"),
        (lambda c, q: c.find_order(), "find_order"),
        (lambda c, q: list(c.iter_orders(sort_type="desc")), "sort_type"),
    ],
)
def test_validation_sends_nothing(sb, client: MintedClient, call, field) -> None:  # type: ignore[no-untyped-def]
    quote = client.quote("GBP")
    before = sent(sb)
    with pytest.raises(ValidationError) as info:
        call(client, quote)
    assert info.value.field == field and str(info.value).startswith(field)
    assert sent(sb) == before
