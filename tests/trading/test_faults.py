"""Exactly once under faults: dropped responses, dropped requests, 503s, double clicks, a killed process."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest

from minted_lab.client import MintedClient
from minted_lab.errors import OutcomeUnknownError
from minted_lab.ledger import Ledger, LedgerBusyError
from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import loads
from minted_lab.trading import BuyTicket, SellTicket, Ticket, TicketError

from .conftest import order_type, sells_sent

pytestmark = pytest.mark.filterwarnings("ignore::minted_lab.trading.UnsettledOrderWarning")  # intended here


def orders_with(sb: Sandbox, external_id: str) -> list[dict]:
    """The sandbox's orders carrying this external id."""
    return [o for o in sb.orders() if o["external_id"] == external_id]


def test_dropped_response_after_commit_resolves_to_placed(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 250}, ledger=ledger)
    ticket.quote()
    expected = ticket.preview().total
    sb.faults.inject("sell", "drop_after_commit", times=1)
    with pytest.raises(OutcomeUnknownError) as caught:
        ticket.submit()
    assert caught.value.external_id == ticket.external_id
    assert ticket.state == "unknown" and "[unknown]" in repr(ticket)
    assert ledger.intent(ticket.external_id).state == "open"  # type: ignore[union-attr]
    with pytest.raises(TicketError, match="resolve"):
        ticket.submit()
    assert len(sells_sent(sb)) == 1
    assert ticket.resolve() == "placed"
    assert len(orders_with(sb, ticket.external_id)) == 1
    intent = ledger.intent(ticket.external_id)
    assert intent is not None and intent.state == "placed" and intent.total == expected
    assert ticket.submit().order_code == intent.order_code
    assert len(sells_sent(sb)) == 1
    assert len(sb.orders()) == 1


def test_dropped_request_before_commit_stays_unknown_inside_the_settle_window_and_resends_once(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(client, {"GAG": 250}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "drop_before_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    assert ticket.resolve() == "unknown"
    assert "not found yet; it may still land for 300 s" in ticket.advice
    assert "ticket.resend()" in ticket.advice
    assert sb.orders() == []
    result = ticket.resend()
    assert ticket.state == "placed"
    assert result.order.external_id == ticket.external_id
    assert len(orders_with(sb, ticket.external_id)) == 1 and len(sb.orders()) == 1
    intent = ledger.intent(ticket.external_id)
    assert intent is not None and intent.attempts == 2
    assert len(sells_sent(sb)) == 2
    assert "not_placed" not in [o["outcome"] for o in ledger.outcomes(ticket.external_id)]


def test_not_placed_after_the_settle_window_then_submitted_again(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(client, {"GAG": 250}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "drop_before_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    sb.clock.advance(client.settle_window - 1)
    assert ticket.resolve() == "unknown" and "may still land for 1 s" in ticket.advice
    sb.clock.advance(1)
    assert ticket.resolve() == "not_placed"
    assert ledger.intent(ticket.external_id).state == "not_placed"  # type: ignore[union-attr]
    ticket.quote()
    ticket.submit()
    assert len(orders_with(sb, ticket.external_id)) == 1 and len(sb.orders()) == 1


def test_server_error_is_unknown_then_resent_once(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 2}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "status", times=1, status=503)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    assert ticket.resolve() == "unknown"
    ticket.resend()
    assert len(orders_with(sb, ticket.external_id)) == 1


def test_intent_is_durable_before_the_request_is_sent(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 9}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "latency", times=1, seconds=1.0)
    worker = threading.Thread(target=ticket.submit)
    worker.start()
    other = sqlite3.connect(ledger.path)
    deadline = time.monotonic() + 5
    row = None
    while row is None and time.monotonic() < deadline:
        row = other.execute(
            "SELECT state, request_body FROM intents WHERE external_id = ?", (ticket.external_id,)
        ).fetchone()
        time.sleep(0.01)
    assert row is not None and row[0] == "open"
    assert ticket.external_id in row[1]
    assert orders_with(sb, ticket.external_id) == []
    with Ledger(ledger.path) as second:
        assert second.is_sending(ticket.external_id)
        with pytest.raises(LedgerBusyError):
            second.resolve(client, ticket.external_id)
        assert second.reconcile(client).filter(status="unknown")["external_id"].to_list() == [ticket.external_id]
    worker.join(10)
    assert ticket.state == "placed"
    assert other.execute("SELECT state FROM intents WHERE external_id = ?", (ticket.external_id,)).fetchone() == (
        "placed",
    )


def test_double_submit_from_two_threads_sends_one_order(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 11}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "latency", times=1, seconds=0.3)
    start = threading.Barrier(2)
    results: list[object] = []

    def click() -> None:
        start.wait()
        results.append(ticket.submit())

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 2 and results[0] is results[1]
    assert len(sells_sent(sb)) == 1
    assert len(orders_with(sb, ticket.external_id)) == 1


def test_double_submit_waiter_gets_the_first_outcome_when_it_is_unknown(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    ticket = SellTicket(client, {"GAG": 12}, ledger=ledger)
    ticket.quote()
    sb.faults.inject("sell", "drop_after_commit", times=1)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def click() -> None:
        start.wait()
        try:
            ticket.submit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(errors) == 2 and all(isinstance(e, (OutcomeUnknownError, TicketError)) for e in errors)
    assert len(sells_sent(sb)) == 1
    assert ticket.resolve() == "placed"


CHILD = textwrap.dedent("""
    import os, sys
    from datetime import datetime
    from minted_lab.client import MintedClient
    from minted_lab.ledger import Ledger
    from minted_lab.trading import SellTicket

    url, username, ledger_path, when, now = sys.argv[1:6]
    frozen = datetime.fromisoformat(now)
    client = MintedClient(url, username, os.environ["MINTED_PASSWORD"], environment="sandbox", clock=lambda: frozen)
    real_sell = client.place

    def sell_and_stall(*args, **kwargs):
        if when == "before_send":
            print("intent written", flush=True)
            sys.stdin.readline()
        result = real_sell(*args, **kwargs)
        print("response", result.order_code, flush=True)
        sys.stdin.readline()
        return result

    client.place = sell_and_stall
    ticket = SellTicket(client, {"GAG": 7}, ledger=Ledger(ledger_path))
    print(ticket.external_id, flush=True)
    ticket.quote()
    ticket.submit()
    print("settled", flush=True)
""")


@pytest.mark.parametrize(
    ("when", "expected"), [("after_response", "resolved_placed"), ("before_send", "resolved_not_placed")]
)
def test_process_killed_between_send_and_settle_is_reconciled(
    sb: Sandbox, client: MintedClient, ledger: Ledger, when: str, expected: str
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, sb.url, sb.username, str(ledger.path), when, sb.clock.now().isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "MINTED_PASSWORD": sb.password},
    )
    assert child.stdout is not None
    external_id = child.stdout.readline().strip()
    signal_line = child.stdout.readline().strip()
    assert signal_line.startswith("response" if when == "after_response" else "intent written")
    assert ledger.intent(external_id).state == "open"  # type: ignore[union-attr]
    assert ledger.is_sending(external_id)
    child.send_signal(signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL
    assert not ledger.is_sending(external_id)
    assert ledger.intent(external_id).state == "open"  # type: ignore[union-attr]

    if when == "before_send":
        early = ledger.reconcile(client).filter(external_id=external_id)
        assert early["status"].to_list() == ["unknown"]
        assert "may still land for 300 s" in early["detail"][0]
        sb.clock.advance(client.settle_window)
    frame = ledger.reconcile(client)
    assert frame.filter(external_id=external_id)["status"].to_list() == [expected]
    placed = expected == "resolved_placed"
    assert len(orders_with(sb, external_id)) == (1 if placed else 0)
    assert ledger.intent(external_id).state == ("placed" if placed else "not_placed")  # type: ignore[union-attr]
    if not placed:
        ticket = SellTicket.from_ledger(client, ledger, external_id)
        assert ticket.state == "not_placed"
        ticket.quote()
        ticket.submit()
        assert len(orders_with(sb, external_id)) == 1
    assert ledger.reconcile(client)["status"].to_list() == ["match"]


def test_two_hundred_sells_with_random_faults_agree_one_to_one(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    rng = random.Random(20261102)
    faults = [None] * 6 + ["drop_after_commit", "drop_before_commit", "status", "latency"]
    skus = [w for w in ("GAG", "GAU", "GPT")]
    tickets: list[SellTicket] = []
    fired: Counter[str] = Counter()
    for _ in range(200):
        fault = rng.choice(faults)
        if fault == "latency":
            sb.faults.inject("sell", "latency", times=1, seconds=0.001)
        elif fault is not None:
            sb.faults.inject("sell", fault, times=1)
        fired[str(fault)] += 1
        ticket = SellTicket(client, {rng.choice(skus): rng.randint(1, 3)}, ledger=ledger)
        tickets.append(ticket)
        ticket.quote()
        try:
            ticket.submit()
            continue
        except OutcomeUnknownError:
            pass
        if rng.random() < 0.3:
            continue
        if ticket.resolve() == "unknown":
            if rng.random() < 0.5:
                sb.faults.inject("sell", rng.choice(["drop_after_commit", "drop_before_commit"]), times=1)
            with contextlib.suppress(OutcomeUnknownError):
                ticket.resend()
    assert sb.faults.pending() == []
    existing = {o["external_id"] for o in sb.orders()}
    said_not_placed = {o["external_id"] for o in ledger.outcomes() if o["outcome"] == "not_placed"}
    assert not existing & said_not_placed

    sb.clock.advance(client.settle_window)
    frame = ledger.reconcile(client)
    statuses = Counter(frame["status"].to_list())
    assert set(statuses) <= {"match", "resolved_placed", "resolved_not_placed"}, statuses
    assert frame.height == 200
    orders = Counter(o["external_id"] for o in sb.orders())
    assert max(orders.values()) == 1
    placed = {i.external_id for i in ledger.intents("placed")}
    assert set(orders) == placed
    assert {t.external_id for t in tickets} == {i.external_id for i in ledger.intents()}
    assert ledger.open_intents() == []
    received = {}
    for record in sells_sent(sb):
        received.setdefault(loads(record.body)["external_id"], []).append(record.body)
    for ticket in tickets:
        intent = ledger.intent(ticket.external_id)
        assert intent is not None
        assert received[ticket.external_id][-1] == intent.request_content
        if intent.state == "placed":
            api = next(o for o in sb.orders() if o["external_id"] == ticket.external_id)
            assert Decimal(str(api["total"])) == intent.total
    said_not_placed = {o["external_id"] for o in ledger.outcomes() if o["outcome"] == "not_placed"}
    assert not set(orders) & said_not_placed
    assert fired["None"] < 200 and len(placed) > 150


def test_customer_buy_with_dropped_response_is_placed_once(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    customer = sb.customers()[0]
    ticket = BuyTicket(client, {"GAU": Decimal("0.5")}, customer_external_id=customer, ledger=ledger)
    quote = ticket.quote()
    assert quote.customer_external_id == customer
    sb.faults.inject("buy", "drop_after_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    assert Ticket.from_ledger(client, ledger, ticket.external_id).state == "unknown"
    assert ticket.resolve() == "placed"
    (order,) = orders_with(sb, ticket.external_id)
    assert order_type(order) == "Buy" and order["customer"]["external_id"] == customer
    assert ledger.intent(ticket.external_id).customer_external_id == customer  # type: ignore[union-attr]


def test_a_late_first_attempt_is_caught_by_the_duplicate_refusal(
    sb: Sandbox, client: MintedClient, ledger: Ledger
) -> None:
    """The first attempt lands after the ticket resent: the API refuses the duplicate, the ticket adopts."""
    ticket = SellTicket(client, {"GAG": 4}, ledger=ledger)
    quote = ticket.quote()
    sb.faults.inject("sell", "drop_before_commit", times=1)
    with pytest.raises(OutcomeUnknownError):
        ticket.submit()
    late = client.sell(quote, ticket.items, external_id=ticket.external_id)
    result = ticket.resend()
    assert result.order_code == late.order_code
    assert ticket.state == "placed"
    assert len(orders_with(sb, ticket.external_id)) == 1
    assert [(o["outcome"], o["via"]) for o in ledger.outcomes(ticket.external_id)][-2:] == [
        ("sent", "intent"),
        ("placed", "duplicate"),
    ]


def test_seeded_ids_already_journaled_are_skipped(sb: Sandbox, ledger: Ledger) -> None:
    ids = iter(["ML-AAAAAAAAAAAA", "ML-AAAAAAAAAAAA", "ML-BBBBBBBBBBBB"])
    with sb.client(id_factory=lambda: next(ids)) as repeating:
        first = SellTicket(repeating, {"GAG": 1}, ledger=ledger)
        first.quote()
        first.submit()
        second = SellTicket(repeating, {"GAG": 1}, ledger=ledger)
    assert (first.external_id, second.external_id) == ("ML-AAAAAAAAAAAA", "ML-BBBBBBBBBBBB")
    assert second.state == "draft"


def test_submit_while_another_process_resolves_sends_nothing(sb: Sandbox, client: MintedClient, ledger: Ledger) -> None:
    ticket = SellTicket(client, {"GAG": 2}, ledger=ledger)
    ticket.quote()
    with Ledger(ledger.path) as elsewhere, elsewhere.sending(ticket.external_id):
        with pytest.raises(TicketError, match="nothing was sent"):
            ticket.submit()
    assert sells_sent(sb) == [] and ledger.intent(ticket.external_id) is None
    assert ticket.state == "quoted"
    ticket.submit()
    assert len(orders_with(sb, ticket.external_id)) == 1
