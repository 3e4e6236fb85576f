"""Exactly once, for real: slow answers, killed processes, late arrivals, shared ids, message-only refusals.

Each test is a case where the old rules said ``not_placed`` (or ``placed``) for the wrong order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from minted_lab.client import MintedClient
from minted_lab.errors import OutcomeUnknownError, QuoteExpiredError
from minted_lab.ledger import ExternalIdConflictError, Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import loads
from minted_lab.trading import BuyTicket, SellTicket, UnsettledOrderWarning

from .conftest import order_type, sells_sent

pytestmark = pytest.mark.filterwarnings("ignore::minted_lab.trading.UnsettledOrderWarning")


def orders_with(sb: Sandbox, external_id: str) -> list[dict]:
    return [o for o in sb.orders() if o["external_id"] == external_id]


def said_not_placed(ledger: Ledger) -> set[str]:
    """Every external id the ledger ever said was not placed (the outcome log, not the end state)."""
    return {o["external_id"] for o in ledger.outcomes() if o["outcome"] == "not_placed"}


@pytest.fixture
def slow(sb: Sandbox) -> Iterator[MintedClient]:
    """A client that gives up after 0.3 s, for sells the server takes 1 s to answer."""
    with sb.client(timeout=0.3) as impatient:
        yield impatient


def test_a_sell_slower_than_the_client_timeout_is_never_declared_not_placed(
    sb: Sandbox, slow: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(slow, {"GAG": 5}, ledger=ledger)
    ticket.quote()
    balance = sb.balance("GAG")
    sb.faults.inject("sell", "latency", seconds=1.0)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    assert ticket.resolve() == "unknown"
    assert "not found yet; it may still land for 300 s" in ticket.advice
    assert sb.wait_idle(10)
    (order,) = orders_with(sb, ticket.external_id)
    assert sb.balance("GAG") == balance - 5
    assert ticket.resolve() == "placed"
    assert ticket.result is not None and ticket.result.order_code == order["order_code"]
    assert ledger.reconcile(slow)["status"].to_list() == ["match"]
    assert said_not_placed(ledger) == set()


def test_resending_while_the_first_attempt_is_still_on_its_way_makes_one_order(
    sb: Sandbox, slow: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(slow, {"GAG": 5}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "latency", seconds=1.0)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    result = ticket.resend()
    assert sb.wait_idle(10)
    assert len(orders_with(sb, ticket.external_id)) == 1
    assert result.order_code == orders_with(sb, ticket.external_id)[0]["order_code"]
    assert ticket.resolve() == "placed"
    assert said_not_placed(ledger) == set()


def test_resend_fixes_a_fresh_quote_only_when_the_old_one_expired(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(client, {"GAG": 3}, ledger=ledger)
    first = ticket.quote()
    sb.faults.inject("sell", "drop_before_commit")
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    sb.clock.advance(first.expire_ttl + 1)
    ticket.resend()
    assert ticket.state == "placed"
    bodies = [loads(r.body) for r in sells_sent(sb)]
    assert [b["external_id"] for b in bodies] == [ticket.external_id] * 2
    assert bodies[0]["price_token"] == first.token != bodies[1]["price_token"]
    assert bodies[0]["items"] == bodies[1]["items"]


KILLED = textwrap.dedent("""
    import os, sys
    from datetime import datetime
    from minted_lab.client import MintedClient
    from minted_lab.ledger import Ledger
    from minted_lab.trading import SellTicket

    url, username, ledger_path, now = sys.argv[1:5]
    frozen = datetime.fromisoformat(now)
    client = MintedClient(url, username, os.environ["MINTED_PASSWORD"], environment="sandbox",
                          clock=lambda: frozen, timeout=30)
    ticket = SellTicket(client, {"GAG": 5}, ledger=Ledger(ledger_path))
    ticket.quote()
    print(ticket.external_id, flush=True)
    ticket.submit()
    print("settled", flush=True)
""")

RECONCILER = textwrap.dedent("""
    import json, os, sys
    from datetime import datetime
    from minted_lab.client import MintedClient
    from minted_lab.ledger import Ledger

    url, username, ledger_path, now = sys.argv[1:5]
    frozen = datetime.fromisoformat(now)
    client = MintedClient(url, username, os.environ["MINTED_PASSWORD"], environment="sandbox",
                          clock=lambda: frozen)
    frame = Ledger(ledger_path).reconcile(client)
    print(json.dumps([frame["status"].to_list(), frame["detail"].to_list()]))
""")


def _run(script: str, sb: Sandbox, ledger: Ledger) -> list[list[str]]:
    import json

    out = subprocess.run(
        [sys.executable, "-c", script, sb.url, sb.username, str(ledger.path), sb.clock.now().isoformat()],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MINTED_PASSWORD": sb.password},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_a_seller_killed_while_the_server_works_is_reconciled_by_a_fresh_process(sb: Sandbox, ledger: Ledger) -> None:
    sb.faults.inject("sell", "latency", seconds=4.0)  # longer than a fresh process takes to reconcile
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED, sb.url, sb.username, str(ledger.path), sb.clock.now().isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "MINTED_PASSWORD": sb.password},
    )
    assert child.stdout is not None
    external_id = child.stdout.readline().strip()
    deadline = time.monotonic() + 10
    while sb.faults.pending() and time.monotonic() < deadline:  # the sell reached the server and is held there
        time.sleep(0.005)
    assert sb.faults.pending() == []
    child.send_signal(signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL
    statuses, details = _run(RECONCILER, sb, ledger)
    assert statuses == ["unknown"] and "may still land" in details[0]
    assert sb.wait_idle(10) and len(orders_with(sb, external_id)) == 1
    statuses, _ = _run(RECONCILER, sb, ledger)
    assert statuses == ["resolved_placed"]
    assert ledger.intent(external_id).state == "placed"  # type: ignore[union-attr]
    assert said_not_placed(ledger) == set()


@pytest.mark.parametrize("repair", ["reconcile", "resolve"])
def test_an_order_that_lands_after_not_placed_is_repaired(sb: Sandbox, ledger: Ledger, repair: str) -> None:
    """With a settle window shorter than the server's delay, the verdict is wrong; the next look repairs it."""
    with sb.client(timeout=0.3, settle_window=1.0) as hasty:
        ticket = SellTicket(hasty, {"GAG": 5}, ledger=ledger)
        ticket.quote()
        sb.faults.inject("sell", "latency", seconds=1.0)
        with pytest.raises(OutcomeUnknownError):
            ticket.submit()
        sb.clock.advance(1)
        assert ticket.resolve() == "not_placed"
        assert sb.wait_idle(10)
        if repair == "reconcile":
            assert ledger.reconcile(hasty)["status"].to_list() == ["resolved_late"]
            assert ledger.reconcile(hasty)["status"].to_list() == ["match"]
        assert ticket.resolve() == "placed"
        assert ticket.order is not None and ticket.order.external_id == ticket.external_id
        assert ledger.intent(ticket.external_id).state == "placed"  # type: ignore[union-attr]
        assert [o["outcome"] for o in ledger.outcomes(ticket.external_id)][-1] == "late"


def test_two_tickets_sharing_an_id_in_one_ledger_never_report_each_others_order(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    shared = "ML-5AAE5AAE5AAE"
    sell = SellTicket(client, {"GAG": 5}, ledger=ledger, external_id=shared)
    buy = BuyTicket(client, {"GAU": 1}, ledger=ledger, external_id=shared)
    sell.quote()
    buy.quote()
    sell.submit()
    with pytest.raises(ExternalIdConflictError, match="journaled for another order"):
        buy.submit()
    assert buy.state == "conflict" and buy.result is None
    assert [order_type(o) for o in orders_with(sb, shared)] == ["Sell"]
    assert [r.endpoint for r in sb.requests].count("buy") == 0
    assert sell.state == "placed"


def test_a_ticket_whose_id_the_api_holds_for_another_order_is_a_conflict(
    sb: Sandbox, client: MintedClient, ledger: Ledger, tmp_path: Path
) -> None:
    """Two ledgers (two machines, say) and one id: the API refuses the duplicate, the check catches it."""
    shared = "ML-5AAE5AAE5AAF"
    with Ledger.for_client(client, directory=tmp_path / "elsewhere") as other:
        first = SellTicket(client, {"GAG": 5}, ledger=other, external_id=shared)
        first.quote()
        first.submit()
    second = BuyTicket(client, {"GAU": 1}, ledger=ledger, external_id=shared)
    second.quote()
    with pytest.raises(ExternalIdConflictError) as caught:
        second.submit()
    text = str(caught.value)
    assert "Sell of GAG 5" in text and "not this buy of GAU 1" in text
    assert second.state == "conflict" and second.result is None
    assert ledger.intent(shared).state == "conflict"  # type: ignore[union-attr]
    with pytest.raises(ExternalIdConflictError):
        second.resend()
    assert len(orders_with(sb, shared)) == 1
    assert ledger.reconcile(client).filter(external_id=shared)["status"].to_list() == ["conflict"]


SHARER = textwrap.dedent("""
    import os, sys, time
    from minted_lab.client import MintedClient
    from minted_lab.ledger import ExternalIdConflictError, Ledger
    from minted_lab.trading import BuyTicket, SellTicket, TicketError

    url, username, ledger_path, side = sys.argv[1:5]
    client = MintedClient(url, username, os.environ["MINTED_PASSWORD"], environment="sandbox")
    if side == "sell":
        ticket = SellTicket(client, {"GAG": 5}, ledger=Ledger(ledger_path), external_id="ML-5AAE5AAE5AB0")
    else:
        ticket = BuyTicket(client, {"GAU": 1}, ledger=Ledger(ledger_path), external_id="ML-5AAE5AAE5AB0")
    ticket.quote()
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(200):  # the other process may hold the id's in-flight lock: nothing is sent, try again
        try:
            result = ticket.submit()
            print("placed", result.order.type, result.order_code)
            break
        except ExternalIdConflictError as exc:
            print("conflict", ticket.state)
            break
        except TicketError:
            time.sleep(0.02)
""")


@pytest.mark.parametrize("same_ledger", [True, False], ids=["one-ledger", "two-ledgers"])
def test_two_processes_sharing_an_id_place_one_order_and_one_conflict(
    sb: Sandbox, ledger: Ledger, tmp_path: Path, same_ledger: bool
) -> None:
    paths = [ledger.path, ledger.path if same_ledger else tmp_path / "other" / ledger.path.name]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", SHARER, sb.url, sb.username, str(path), side],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "MINTED_PASSWORD": sb.password},
        )
        for path, side in zip(paths, ("sell", "buy"), strict=False)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    said = sorted(child.communicate(timeout=60)[0].split()[0] for child in children)
    assert said == ["conflict", "placed"]
    assert len(orders_with(sb, "ML-5AAE5AAE5AB0")) == 1


@pytest.fixture
def plain_sb() -> Iterator[Sandbox]:
    """A sandbox whose 422s carry a message only, as the public docs show: no ``errors`` map."""
    with Sandbox(seed=7, error_fields=False) as sandbox:
        yield sandbox


def test_without_an_errors_map_a_duplicate_refusal_still_adopts_the_landed_order(
    plain_sb: Sandbox, tmp_path: Path
) -> None:
    with plain_sb.client() as client, Ledger.for_client(client, directory=tmp_path) as ledger:
        ticket = SellTicket(client, {"GAG": 5}, ledger=ledger)
        ticket.quote()
        plain_sb.faults.inject("sell", "drop_after_commit")
        with pytest.raises(OutcomeUnknownError):
            ticket.submit()
        result = ticket.resend()
        duplicate = [r for r in sells_sent(plain_sb)][-1]
        assert duplicate.status == 422
        assert ticket.state == "placed" and result.order.external_id == ticket.external_id
        assert len(orders_with(plain_sb, ticket.external_id)) == 1
        assert said_not_placed(ledger) == set()


def test_without_an_errors_map_an_expired_token_is_not_placed_only_after_the_lookup(
    plain_sb: Sandbox, tmp_path: Path
) -> None:
    with plain_sb.client() as client, Ledger.for_client(client, directory=tmp_path) as ledger:
        used = SellTicket(client, {"GAG": 1}, ledger=ledger)
        used.quote()
        used.submit()
        again = SellTicket(client, {"GAG": 1}, ledger=ledger)
        again.current_quote = used.current_quote
        again.state = "quoted"
        with pytest.raises(QuoteExpiredError) as caught:
            again.submit()
        assert not caught.value.errors
        assert again.state == "not_placed"
        lookups = [r for r in plain_sb.requests if r.endpoint == "order_alt"]
        assert len(lookups) == 1
        again.quote()
        assert again.submit().order.external_id == again.external_id


def test_what_the_ledger_journaled_is_what_the_sandbox_received(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = BuyTicket(client, {"GAU": Decimal("0.1250"), "GAG": 3}, ledger=ledger)
    ticket.quote()
    ticket.submit()
    (record,) = [r for r in sb.requests if r.endpoint == "buy"]
    assert record.body == ledger.intent(ticket.external_id).request_content  # type: ignore[union-attr]
    assert loads(record.body)["items"] == [{"sku": "GAU", "amount": Decimal("0.125")}, {"sku": "GAG", "amount": 3}]


def test_a_new_order_while_an_earlier_one_may_still_land_is_a_warned_choice(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    first = SellTicket(client, {"GAG": 5}, ledger=ledger)
    first.quote()
    sb.faults.inject("sell", "drop_before_commit")
    with pytest.raises(OutcomeUnknownError):
        first.submit()
    with pytest.warns(UnsettledOrderWarning, match=f"earlier ones may still land: {first.external_id} \\(GAG 5\\)"):
        SellTicket(client, {"GAG": 6}, ledger=ledger)
    first.resend()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsettledOrderWarning)
        SellTicket(client, {"GAG": 6}, ledger=ledger)
        BuyTicket(client, {"GAU": 1}, ledger=ledger)
