"""Reconciliation of the ledger with the API's order history, and the ledger's frames."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from minted_lab.client import MintedClient
from minted_lab.errors import OutcomeUnknownError
from minted_lab.ledger import RECONCILE_SCHEMA, Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore
from minted_lab.trading import SellTicket, new_external_id

pytestmark = pytest.mark.filterwarnings("ignore::minted_lab.trading.UnsettledOrderWarning")  # intended here


def place(client: MintedClient, ledger: Ledger, grams: int = 5) -> SellTicket:
    """A placed sell ticket."""
    ticket = SellTicket(client, {"GAG": grams}, ledger=ledger)
    ticket.quote()
    ticket.submit()
    return ticket


@pytest.mark.parametrize("via", ["order list", "store"])
def test_reconcile_reports_every_kind_of_row(
    sb: Sandbox, client: MintedClient, ledger: Ledger, via: str, tmp_path: Path
) -> None:
    store = OrderStore(tmp_path / "history") if via == "store" else None
    matched = place(client, ledger)
    unknown = SellTicket(client, {"GAG": 6}, ledger=ledger)
    unknown.quote()
    sb.faults.inject("sell", "drop_after_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        unknown.submit()
    lost = SellTicket(client, {"GAG": 7}, ledger=ledger)
    lost.quote()
    sb.faults.inject("sell", "drop_before_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        lost.submit()
    elsewhere = client.sell(client.quote(), {"GAG": 8}, external_id=new_external_id())
    client.sell(client.quote(), {"GAG": 9}, external_id="PARTNER-OWN-1")

    ghost_id = new_external_id()
    ledger.open_intent(ghost_id, "sell", {"GAG": 1}, {"external_id": ghost_id}, currency="GBP")
    ledger.settle_placed(ghost_id, dataclasses.replace(matched.order, external_id=ghost_id, order_code="GHOST001"))
    altered = place(client, ledger, grams=10)
    ledger.settle_placed(altered.external_id, dataclasses.replace(altered.order, total=Decimal("1.00")))
    late_id = new_external_id()
    ledger.open_intent(late_id, "sell", {"GAG": 11}, {"external_id": late_id}, currency="GBP")
    ledger.settle_refused(late_id, "not sent: connect failed", via="not_sent")
    client.sell(client.quote(), {"GAG": 11}, external_id=late_id)  # that attempt landed after all
    taken_id = new_external_id()
    ledger.open_intent(taken_id, "sell", {"GAG": 12}, {"external_id": taken_id}, currency="GBP")
    client.buy(client.quote(), {"GAU": 1}, external_id=taken_id)  # someone else's order under our id
    sb.clock.advance(client.settle_window)

    frame = ledger.reconcile(client, store=store)
    assert frame.schema == pl.Schema(RECONCILE_SCHEMA)
    by_id = {row["external_id"]: row for row in frame.iter_rows(named=True)}
    assert by_id[matched.external_id]["status"] == "match"
    assert "status moved Pending → Completed" in by_id[matched.external_id]["detail"]
    assert by_id[unknown.external_id]["status"] == "resolved_placed"
    assert by_id[lost.external_id]["status"] == "resolved_not_placed"
    assert by_id[elsewhere.external_id]["status"] == "missing_in_ledger"
    assert "PARTNER-OWN-1" not in by_id
    assert by_id[ghost_id]["status"] == "missing_in_api"
    assert by_id[altered.external_id]["status"] == "differs"
    assert "total: ledger 1.00" in by_id[altered.external_id]["detail"]
    assert ledger.intent(matched.external_id).status_name == "Completed"  # type: ignore[union-attr]
    assert by_id[late_id]["status"] == "resolved_late" and ledger.intent(late_id).state == "placed"  # type: ignore[union-attr]
    assert [o["outcome"] for o in ledger.outcomes(late_id)] == ["sent", "not_placed", "late"]
    assert by_id[taken_id]["status"] == "conflict" and ledger.intent(taken_id).state == "conflict"  # type: ignore[union-attr]
    assert "Buy of GAU 1" in by_id[taken_id]["detail"] and "not this sell of GAG 12" in by_id[taken_id]["detail"]

    if store is not None:
        assert store.orders().collect().height == len(sb.orders()), "the store was synced and read"
    everything = ledger.reconcile(client, only_ours=False, store=store)
    assert "PARTNER-OWN-1" in everything["external_id"].to_list()
    assert dict(zip(*everything.group_by("status").len().sort("status").to_dict().values(), strict=False)) == {
        "conflict": 1,
        "differs": 1,
        "match": 4,
        "missing_in_api": 1,
        "missing_in_ledger": 2,
    }


def test_reconcile_of_an_empty_ledger_is_an_empty_frame_with_its_schema(client: MintedClient, ledger: Ledger) -> None:
    frame = ledger.reconcile(client)
    assert frame.height == 0 and frame.schema == pl.Schema(RECONCILE_SCHEMA)


def test_orders_frame_holds_the_placed_orders(client: MintedClient, ledger: Ledger) -> None:
    tickets = [place(client, ledger, grams) for grams in (1, 2, 3)]
    frame = ledger.orders_frame()
    assert frame.height == 3
    assert sorted(frame["external_id"].to_list()) == sorted(t.external_id for t in tickets)


def test_a_ticket_left_unknown_takes_the_verdict_reconcile_reached_elsewhere(tmp_path: Path) -> None:
    with Sandbox(seed=11) as sb, sb.client() as client:
        ledger = Ledger.for_client(client, directory=tmp_path)
        ticket = SellTicket(client, items={"GAG": 10}, ledger=ledger)
        ticket.quote()
        sb.faults.inject("sell", "drop_before_commit")
        with pytest.raises(OutcomeUnknownError):
            ticket.submit()
        assert ticket.state == "unknown"
        assert ledger.reconcile(client)["status"].to_list() == ["unknown"]
        sb.clock.advance(client.settle_window)
        assert ledger.reconcile(client)["status"].to_list() == ["resolved_not_placed"]
        ticket.quote()
        assert ticket.state == "quoted"
        result = ticket.submit()
        assert result.external_id == ticket.external_id
        assert [o["external_id"] for o in sb.orders()] == [ticket.external_id]
        ledger.close()
