"""What the public docs require, on the client's side: a price fix from a total names its customer,
a customer buy carries the documented customer fields, reconciliation survives a missing (guessed)
order list, and the preview says which price it assumes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minted_lab import catalog
from minted_lab.client import MintedClient
from minted_lab.errors import ValidationError
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import loads
from minted_lab.trading import BuyTicket, SellTicket

CUSTOMER = {
    "external_id": "NEW-CUSTOMER-1",
    "identity_number": "12345677938",
    "firstname": "Mehmet",
    "lastname": "Gülbilge",
    "email": "customer@example.com",
    "phone": "+905322808035",
    "birthdate": "1970-01-31",
}


def test_a_price_fix_from_a_total_needs_its_customer_before_anything_is_sent(sb: Sandbox, client: MintedClient) -> None:
    before = len(sb.requests)
    with pytest.raises(ValidationError) as caught:
        client.quote("GBP", total=Decimal("100.00"))
    assert caught.value.field == "customer_external_id"
    assert len(sb.requests) == before
    customer = sb.customers()[0]
    assert client.quote("GBP", customer_external_id=customer, total=Decimal("100.00")).total == Decimal("100.00")


def test_a_customer_buy_sends_the_documented_customer_object(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = BuyTicket(client, {"GAU": Decimal("0.5")}, ledger=ledger, customer=CUSTOMER)
    assert ticket.customer_external_id == "NEW-CUSTOMER-1"
    ticket.quote()
    ticket.submit()
    (record,) = [r for r in sb.requests if r.endpoint == "buy"]
    assert loads(record.body)["customer"] == {k: CUSTOMER[k] for k in CUSTOMER}
    assert record.body == ledger.intent(ticket.external_id).request_content  # type: ignore[union-attr]
    (order,) = [o for o in sb.orders() if o["external_id"] == ticket.external_id]
    assert order["customer"]["external_id"] == "NEW-CUSTOMER-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": None}, "customer.email"),
        ({"identity_number": "12-34"}, "customer.identity_number"),
        ({"phone": "call me"}, "customer.phone"),
        ({"firstname": "Al"}, "customer.firstname"),
        ({"birthdate": "31/01/1970"}, "customer.birthdate"),
        ({"nickname": "memo"}, "customer.nickname"),
    ],
)
def test_bad_customer_details_are_named_before_anything_is_sent(
    sb: Sandbox, client: MintedClient, ledger: Ledger, change: dict[str, str | None], field: str
) -> None:
    details = {**CUSTOMER, **change}
    with pytest.raises(ValidationError) as caught:
        BuyTicket(client, {"GAU": 1}, ledger=ledger, customer={k: v for k, v in details.items() if v is not None})
    assert caught.value.field == field
    assert [r for r in sb.requests if r.endpoint == "buy"] == []


def test_reconcile_falls_back_to_lookups_when_the_order_list_is_missing(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    placed = SellTicket(client, {"GAG": 5}, ledger=ledger)
    placed.quote()
    placed.submit()
    sb.faults.inject("orders", "status", times=50, status=404)
    with pytest.warns(UserWarning, match="order list is not available"):
        frame = ledger.reconcile(client)
    assert frame["status"].to_list() == ["match"]
    assert frame["order_code"].to_list() == [placed.result.order_code]  # type: ignore[union-attr]
    assert any(r.endpoint == "order_alt" for r in sb.requests)


def test_the_preview_names_the_price_it_assumes_while_that_is_unverified(client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 5}, ledger=ledger)
    quote = ticket.quote()
    preview = ticket.preview()
    assert catalog.PRICE_SIDES["sell"] == "sell_price" and not catalog.PRICE_SIDES_VERIFIED
    assert preview.lines[0].price == quote.price("GAG").sell_price
    assert "settles at the quote's sell_price (assumed" in repr(preview)
    assert "conformance --trade" in preview._repr_html_()


def test_an_ephemeral_sandbox_leaves_no_ledger_behind(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Without MINTED_LAB_HOME, a sandbox's default ledgers live in a folder removed when it stops."""
    monkeypatch.delenv("MINTED_LAB_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    with Sandbox(seed=7) as sandbox, sandbox.client() as client:
        ticket = SellTicket(client, {"GAG": 5})
        ticket.quote()
        ticket.submit()
        folder = ticket.ledger.path.parent
        assert folder.is_dir() and folder != tmp_path / ".minted_lab"
        assert ticket.ledger.intent(ticket.external_id).state == "placed"  # type: ignore[union-attr]
    assert not folder.exists()
    assert not (tmp_path / ".minted_lab").exists()


def test_minted_lab_home_keeps_a_sandbox_ledger(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MINTED_LAB_HOME", str(tmp_path / "kept"))
    with Sandbox(seed=7) as sandbox, sandbox.client() as client:
        ticket = SellTicket(client, {"GAG": 5})
    assert ticket.ledger.path.parent == tmp_path / "kept" and ticket.ledger.path.exists()


def test_prices_fall_back_to_a_price_fix_when_product_prices_are_missing(sb: Sandbox, client: MintedClient) -> None:
    from minted_lab.prices import current_prices

    prices, source = current_prices(client, "GBP")
    assert source == "product_prices" and {p.sku for p in prices} == set(catalog.DIGITAL_SKUS)
    sb.faults.inject("product_prices", "status", times=5, status=404)
    with pytest.warns(UserWarning, match="prices come from a price fix"):
        fixed, source = current_prices(client, "GBP")
    assert source == "pricefix" and {p.sku for p in fixed} == set(catalog.DIGITAL_SKUS)
    by_sku = {p.sku: p for p in prices}
    assert all(p.spot_price == by_sku[p.sku].spot_price and p.currency_code == "GBP" for p in fixed)
    assert any(r.endpoint == "pricefix" for r in sb.requests)


def test_the_price_board_keeps_working_without_product_prices(sb: Sandbox, client: MintedClient) -> None:
    from minted_lab.widgets import PriceBoard

    board = PriceBoard(client)
    sb.faults.inject("product_prices", "status", times=5, status=404)
    with pytest.warns(UserWarning, match="price fix"):
        prices = board.refresh()
    assert board.source == "pricefix" and board.error is None and len(prices) == len(catalog.DIGITAL_SKUS)
