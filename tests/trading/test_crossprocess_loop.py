"""Several processes sell into one sandbox and one MINTED_LAB_HOME while the server is slow, drops
connections and fails, and the test kills sellers at random; afterwards the ledger and the API agree
one to one, and no ledger row ever said ``not_placed`` for an order that exists."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from minted_lab.ledger import Ledger
from minted_lab.sandbox import Sandbox
from minted_lab.sandbox.money import loads

WORKER = textwrap.dedent("""
    import os, random, sys, warnings
    from datetime import datetime
    from minted_lab.client import MintedClient
    from minted_lab.errors import MintedError, OutcomeUnknownError
    from minted_lab.trading import SellTicket, TicketError, UnsettledOrderWarning

    warnings.simplefilter("ignore", UnsettledOrderWarning)
    url, username, count, seed, now = sys.argv[1:6]
    frozen = datetime.fromisoformat(now)
    rng = random.Random(int(seed))
    client = MintedClient(url, username, os.environ["MINTED_PASSWORD"], environment="sandbox",
                          clock=lambda: frozen, timeout=0.25, max_retries=0)
    for _ in range(int(count)):
        ticket = SellTicket(client, {rng.choice(["GAG", "GAU", "GPT"]): rng.randint(1, 3)})
        print("ticket", ticket.external_id, flush=True)
        try:
            ticket.quote()
            ticket.submit()
        except OutcomeUnknownError:
            roll = rng.random()
            try:
                if roll < 0.45:
                    ticket.resend()
                elif roll < 0.75:
                    ticket.resolve()
            except MintedError:
                pass
        except (TicketError, MintedError):
            pass
        print("state", ticket.external_id, ticket.state, flush=True)
""")

FAULTS = ("latency", "latency", "drop_before_commit", "drop_after_commit", "status")


def _start(sb: Sandbox, home: Path, count: int, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, sb.url, sb.username, str(count), str(seed), sb.clock.now().isoformat()],
        stdout=subprocess.PIPE,
        stderr=(home.parent / f"worker-{seed}.err").open("w"),
        text=True,
        env={**os.environ, "MINTED_PASSWORD": sb.password, "MINTED_LAB_HOME": str(home)},
    )


def _reader(child: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_many_processes_selling_through_faults_and_kills_agree_one_to_one(sb: Sandbox, tmp_path: Path) -> None:
    rng = random.Random(20261201)
    home = tmp_path / "home"
    workers, per_worker, kills_wanted = 4, 30, 6
    lines: list[str] = []
    children: list[subprocess.Popen[str]] = []
    readers: list[threading.Thread] = []
    for k in range(workers):
        children.append(_start(sb, home, per_worker, 1000 + k))
        readers.append(_reader(children[-1], lines))

    kills = 0
    injected: Counter[str] = Counter()
    deadline = time.monotonic() + 240
    while any(c.poll() is None for c in children) and time.monotonic() < deadline:
        if not sb.faults.pending() and rng.random() < 0.5:
            kind = rng.choice(FAULTS)
            params = {"seconds": rng.uniform(0.05, 0.6)} if kind == "latency" else {}
            sb.faults.inject("sell", kind, **params)
            injected[kind] += 1
        started = sum(line.startswith("ticket ") for line in lines)
        alive = [c for c in children if c.poll() is None]
        if kills < kills_wanted and started >= 18 * (kills + 1) + rng.randint(0, 5) and alive:
            victim = rng.choice(alive)  # wherever it is: quoting, journaling, sending, settling
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            kills += 1
            children.append(_start(sb, home, per_worker, 2000 + kills))
            readers.append(_reader(children[-1], lines))
        time.sleep(0.01)
    for child in children:
        seed = child.args[5]  # type: ignore[index]
        assert child.wait(60) in (0, -signal.SIGKILL), (home.parent / f"worker-{seed}.err").read_text()
    for reader in readers:
        reader.join(10)
    sb.faults.clear()
    assert sb.wait_idle(30)

    tickets = {line.split()[1] for line in lines if line.startswith("ticket ")}
    assert len(tickets) >= 100 and kills == kills_wanted

    sb.clock.advance(300)
    with sb.client() as client, Ledger.for_client(client, directory=home) as ledger:
        during = ledger.outcomes()
        orders = Counter(o["external_id"] for o in sb.orders())
        said_not_placed = {o["external_id"] for o in during if o["outcome"] == "not_placed"}
        assert not set(orders) & said_not_placed, "a ledger row said not_placed for an order that exists"

        frame = ledger.reconcile(client)
        statuses = Counter(frame["status"].to_list())
        assert set(statuses) <= {"match", "resolved_placed", "resolved_not_placed"}, statuses
        assert max(orders.values()) == 1
        assert set(orders) == {i.external_id for i in ledger.intents("placed")}
        assert ledger.open_intents() == []
        journaled = {i.external_id: i.request_content for i in ledger.intents()}
        assert tickets >= set(journaled)
        received: dict[str, bytes] = {}
        for record in sb.requests:
            if record.endpoint == "sell" and record.body:
                received[loads(record.body)["external_id"]] = record.body
        assert all(received[eid] == content for eid, content in journaled.items() if eid in received)
        everything = ledger.outcomes()
        assert not set(orders) & {o["external_id"] for o in everything if o["outcome"] == "not_placed"}
        print(
            f"\ncross-process loop: {len(tickets)} tickets, {len(journaled)} journaled, {len(orders)} orders, "
            f"{kills} kills, faults {dict(injected)}, reconcile {dict(statuses)}, "
            f"resends {sum(1 for o in everything if o['outcome'] == 'sent' and o['attempt'] > 1)}, "
            f"late {sum(1 for o in everything if o['outcome'] == 'late')}, "
            f"conflicts {sum(1 for o in everything if o['outcome'] == 'conflict')}"
        )
