"""The ticket workflow against the sandbox: validation, quote, preview, submit once, expiry."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest

from minted_lab.client import MintedClient
from minted_lab.errors import QuoteExpiredError, ValidationError
from minted_lab.ledger import ExternalIdConflictError, Ledger, LedgerMismatchError
from minted_lab.sandbox import Sandbox
from minted_lab.trading import PREVIEW_SCHEMA, BuyTicket, QuoteTooOldError, SellTicket, TicketError

from .conftest import order_type, sells_sent


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"items": {"XAU": 1}}, "items.XAU"),
        ({"items": {"gag": 1}}, "items.gag"),
        ({"items": {"GAG": 0}}, "items.GAG.amount"),
        ({"items": {"GAG": -5}}, "items.GAG.amount"),
        ({"items": {"GAG": Decimal("2.5")}}, "items.GAG.amount"),
        ({"items": {"GAG": 2.0}}, "items.GAG.amount"),
        ({"items": {}}, "items"),
        ({"items": {"GAG": 1}, "currency": "JPY"}, "currency"),
        ({"items": {"GAG": 1}, "customer_external_id": "no spaces"}, "customer_external_id"),
        ({"items": {"GAG": 1}, "external_id": "x" * 65}, "external_id"),
    ],
)
def test_bad_input_fails_at_once_naming_the_field(
    sb: Sandbox, client: MintedClient, ledger: Ledger, kwargs: dict, field: str
) -> None:
    before = len(sb.requests)
    with pytest.raises(ValidationError) as caught:
        SellTicket(client, ledger=ledger, **kwargs)
    assert caught.value.field == field
    assert len(sb.requests) == before


def test_buy_takes_fractional_grams_and_sell_does_not(client: MintedClient, ledger: Ledger) -> None:
    assert BuyTicket(client, {"GAU": Decimal("0.1234")}, ledger=ledger).items == {"GAU": Decimal("0.1234")}
    with pytest.raises(ValidationError, match="at most 4 decimals"):
        BuyTicket(client, {"GAU": Decimal("0.12345")}, ledger=ledger)
    with pytest.raises(ValidationError, match="whole number of grams"):
        SellTicket(client, {"GAU": Decimal("0.5")}, ledger=ledger)


def test_preview_shows_sell_price_below_spot_and_api_rounded_totals(client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 250, "GAU": 3}, ledger=ledger)
    assert ticket.state == "draft"
    with pytest.raises(TicketError, match="quote"):
        ticket.preview()
    quote = ticket.quote()
    assert ticket.state == "quoted"
    preview = ticket.preview()
    for line in preview.lines:
        priced = quote.price(line.sku)
        assert line.price == priced.sell_price < priced.spot_price
        assert line.spread == priced.sell_price - priced.spot_price < 0
        assert line.total == (priced.sell_price * line.amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert preview.total == sum(line.total for line in preview.lines)
    assert preview.seconds_left == 240
    frame = preview.frame
    assert frame.schema == pl.Schema(PREVIEW_SCHEMA)
    assert frame["sku"].to_list() == ["GAG", "GAU"]
    text = repr(preview)
    assert "quote valid for 240 s" in text and "sell price/g" in text and str(preview.total) in text
    assert quote.token not in text + preview._repr_html_() + repr(ticket)


def test_buy_preview_uses_the_quotes_buy_price(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = BuyTicket(client, {"GAU": Decimal("1.5")}, ledger=ledger)
    quote = ticket.quote()
    (line,) = ticket.preview().lines
    assert line.price == quote.price("GAU").buy_price and line.spread == line.price - line.spot_price
    if sb.profile.price_sides == "buy>spot>sell":  # our reading: a buy pays above spot
        assert line.price > line.spot_price and line.spread > 0
    else:  # the documented example's ordering: spot > buy > sell
        assert line.spot_price > line.price


def test_submit_places_once_and_a_second_submit_sends_nothing(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(client, {"GAG": 250}, ledger=ledger)
    ticket.quote()
    expected = ticket.preview().total
    result = ticket.submit()
    assert ticket.state == "placed"
    assert result.total == expected
    assert result.order.external_id == ticket.external_id
    assert ticket.submit() is result
    assert len(sells_sent(sb)) == 1
    assert [o["external_id"] for o in sb.orders()] == [ticket.external_id]
    intent = ledger.intent(ticket.external_id)
    assert intent is not None and intent.state == "placed" and intent.total == expected
    assert intent.order_code == result.order_code
    assert "[placed]" in repr(ticket) and result.order_code in repr(ticket)
    with pytest.raises(TicketError, match="already placed"):
        ticket.quote()


def test_buy_places_at_buy_price(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = BuyTicket(client, {"GAU": Decimal("0.25")}, ledger=ledger)
    ticket.quote()
    expected = ticket.preview().total
    assert ticket.submit().total == expected
    assert order_type(sb.orders()[0]) == "Buy"


def test_expired_quote_is_refused_before_sending(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 10}, ledger=ledger)
    ticket.quote()
    sb.clock.advance(300)
    assert ticket.preview().expired and "quote expired" in repr(ticket.preview())
    sent_before = len(sb.requests)
    with pytest.raises(QuoteTooOldError, match="nothing was sent") as caught:
        ticket.submit()
    assert isinstance(caught.value, QuoteExpiredError)
    assert len(sb.requests) == sent_before
    assert sells_sent(sb) == []
    assert ledger.intent(ticket.external_id) is None
    assert ticket.state == "quoted"
    ticket.quote()
    assert ticket.submit().order.external_id == ticket.external_id
    assert len(sells_sent(sb)) == 1


def test_a_token_the_api_refuses_settles_not_placed(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    first = SellTicket(client, {"GAG": 1}, ledger=ledger)
    first.quote()
    first.submit()
    second = SellTicket(client, {"GAG": 1}, ledger=ledger)
    second.current_quote = first.current_quote
    second.state = "quoted"
    with pytest.raises(QuoteExpiredError):
        second.submit()
    assert second.state == "not_placed"
    assert ledger.intent(second.external_id).state == "not_placed"  # type: ignore[union-attr]
    second.quote()
    second.submit()
    assert ledger.intent(second.external_id).attempts == 2  # type: ignore[union-attr]
    assert sorted(o["external_id"] for o in sb.orders()) == sorted([first.external_id, second.external_id])


def test_ticket_rebuilt_from_the_ledger_knows_its_state(client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 3}, ledger=ledger)
    ticket.quote()
    result = ticket.submit()
    again = SellTicket.from_ledger(client, ledger, ticket.external_id)
    assert isinstance(again, SellTicket)
    assert again.state == "placed"
    assert again.submit().order_code == result.order_code
    with pytest.raises(ExternalIdConflictError, match="journaled for another order"):
        SellTicket(client, {"GAG": 4}, ledger=ledger, external_id=ticket.external_id)


def test_a_ledger_refuses_a_client_of_another_host(client: MintedClient, ledger: Ledger) -> None:
    with Sandbox(seed=7) as other, other.client() as other_client:
        with pytest.raises(LedgerMismatchError, match="belongs to host"):
            SellTicket(other_client, {"GAG": 1}, ledger=ledger)


def test_default_ledger_is_per_environment_and_host(
    client: MintedClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINTED_LAB_HOME", str(tmp_path))
    ticket = SellTicket(client, {"GAG": 1})
    assert ticket.ledger.path.parent == tmp_path
    assert ticket.ledger.path.name.startswith("ledger-sandbox-127.0.0.1_")
    assert SellTicket(client, {"GAG": 2}).ledger is ticket.ledger


def test_no_credential_lands_in_the_ledger_file(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 5}, ledger=ledger)
    ticket.quote()
    ticket.submit()
    ledger.record_prices(client)
    ledger.reconcile(client)
    data = b"".join(p.read_bytes() for p in ledger.path.parent.glob(ledger.path.name + "*") if p.is_file())
    assert data
    assert sb.password.encode() not in data
    assert ledger.journal_mode == "wal"


def test_record_prices_stores_one_row_per_sku(client: MintedClient, ledger: Ledger) -> None:
    skus = [p.sku for p in client.product_prices()]
    assert ledger.record_prices(client) == len(skus)
    quote = client.quote()
    assert ledger.record_prices(quote=quote) == len(quote.prices)
    frame = ledger.prices_frame()
    assert frame.height == len(skus) + len(quote.prices)
