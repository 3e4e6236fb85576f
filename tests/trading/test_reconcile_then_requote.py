"""A ticket left unknown picks up the ledger's verdict when a reconcile settled it elsewhere."""

from __future__ import annotations

import pytest

from minted_lab.errors import OutcomeUnknownError
from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.trading import SellTicket


def test_quote_after_reconcile_settled_not_placed(tmp_path) -> None:
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
