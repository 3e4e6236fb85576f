"""A sync interrupted anywhere leaves the previous version as it was, and the next one completes;
two syncs of one store never interleave."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from minted_lab import MintedClient
from minted_lab.errors import MintedError, ServerError
from minted_lab.sandbox import Sandbox
from minted_lab.store import OrderStore, StoreBusyError, SyncReport

from .conftest import HISTORY, assert_equal_to_api, fresh_pull, place

ROOT = Path(__file__).resolve().parents[2]


class Interrupted(Exception):
    """What a test raises inside a sync to stop it."""


def interrupt_at(page: int) -> Any:
    async def hook(number: int) -> None:
        if number == page:
            raise Interrupted(f"stopped before page {number}")

    return hook


def test_a_first_sync_interrupted_on_page_10_leaves_no_table_and_the_next_one_completes(
    store: OrderStore, client: MintedClient
) -> None:
    with pytest.raises(Interrupted):
        asyncio.run(store.sync_async(client, progress=False, _on_page=interrupt_at(10)))
    assert store.version is None and store.orders().collect().is_empty()
    assert store.sync(client, progress=False).orders_new == HISTORY
    assert_equal_to_api(store, client)


def test_a_full_resync_interrupted_on_page_40_leaves_the_previous_version(tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "big")
    with Sandbox(seed=7, history=1500) as sb, sb.client() as client:
        store.sync(client, progress=False)
        place(client)
        before = store.frames()
        with pytest.raises(Interrupted):
            asyncio.run(store.sync_async(client, full=True, progress=False, _on_page=interrupt_at(40)))
        assert store.version == 0
        after = store.frames()
        assert after.orders.equals(before.orders) and after.items.equals(before.items)
        report = store.sync(client, progress=False)
        assert (report.orders_new, report.version) == (1, 1)
        assert_equal_to_api(store, client)


def test_server_errors_mid_sync_change_nothing_and_the_next_sync_catches_up(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    store.sync(client, progress=False)
    before = store.frames()
    codes = [place(client) for _ in range(40)]  # two more pages
    sandbox.clock.advance(61)
    sandbox.faults.inject("orders", "status", times=50, status=503)
    with pytest.raises(ServerError):
        store.sync(client, progress=False)
    assert store.version == 0 and store.frames().orders.equals(before.orders)
    sandbox.faults.clear()
    report = store.sync(client, progress=False)
    assert report.orders_new == len(codes) and report.version == 1
    assert_equal_to_api(store, client)


def test_a_failed_reversal_sweep_calls_off_the_pull_beside_it_and_changes_nothing(tmp_path: Path) -> None:
    """The sweep runs beside the incremental pull: its failure is the sync's, raised as itself."""
    store = OrderStore(tmp_path / "swept")
    with Sandbox(seed=7, history=1500) as sb, sb.client() as client:
        store.sync(client, progress=False)
        place(client)
        sb.clock.advance(61)
        before = store.frames()
        sb.faults.inject("order_statuses", "status", times=20, status=503)
        with pytest.raises(ServerError):
            store.sync(client, progress=False)
        assert store.version == 0
        after = store.frames()
        assert after.orders.equals(before.orders) and after.items.equals(before.items)
        sb.faults.clear()
        report = store.sync(client, progress=False)
        assert (report.mode, report.orders_new, report.version) == ("incremental", 1, 1) and report.swept
        assert_equal_to_api(store, client)


def test_malformed_pages_are_refused_whole(store: OrderStore, sandbox: Sandbox, client: MintedClient) -> None:
    store.sync(client, progress=False)
    place(client)
    sandbox.faults.inject("orders", "malformed_json", times=20)
    with pytest.raises(MintedError):
        store.sync(client, progress=False)
    assert store.version == 0
    sandbox.faults.clear()
    assert store.sync(client, progress=False).orders_new == 1


def test_a_killed_process_leaves_the_store_readable_and_unlocked(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    """SIGKILL a `python` that is syncing (pages held back by latency): the table is as before and the
    lock file's lock went with the process, so the next sync runs."""
    store.sync(client, progress=False)
    before = store.frames()
    for _ in range(35):
        place(client)
    sandbox.faults.inject("orders", "latency", times=10**6, seconds=0.3)
    script = textwrap.dedent(
        f"""
        from minted_lab import MintedClient
        from minted_lab.store import OrderStore
        client = MintedClient({sandbox.url!r}, {sandbox.username!r}, {sandbox.password!r}, environment="sandbox")
        OrderStore({str(store.path)!r}).sync(client, full=True, progress=False, concurrency=2)
        print("finished")
        """
    )
    seen = len([r for r in sandbox.requests if r.endpoint == "orders"])
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len([r for r in sandbox.requests if r.endpoint == "orders"]) < seen + 4:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never got going"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    sandbox.faults.clear()
    assert store.version == 0 and store.frames().orders.equals(before.orders)
    report = store.sync(client, progress=False, wait=0)
    assert report.orders_new == 35
    assert_equal_to_api(store, client)


def _held_sync(store: OrderStore, client: MintedClient, gate: threading.Event, inside: threading.Event) -> Any:
    """Start a sync in a thread that stops before its first page until `gate` opens."""
    outcome: dict[str, Any] = {}

    async def hold(number: int) -> None:
        inside.set()
        await asyncio.to_thread(gate.wait, 30)

    def work() -> None:
        try:
            outcome["report"] = asyncio.run(store.sync_async(client, progress=False, _on_page=hold))
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    assert inside.wait(30)
    return thread, outcome


def test_a_second_sync_of_the_same_store_is_refused_with_a_clear_message(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    gate, inside = threading.Event(), threading.Event()
    thread, outcome = _held_sync(store, client, gate, inside)
    try:
        with pytest.raises(StoreBusyError, match="another sync of .* is running"):
            store.sync(client, progress=False)
        with pytest.raises(StoreBusyError, match=r"after waiting 0\.2 s"):
            OrderStore(store.path).sync(client, progress=False, wait=0.2)
    finally:
        gate.set()
        thread.join(30)
    assert outcome["report"].orders_new == HISTORY
    assert store.sync(client, progress=False).mode == "incremental"


def test_a_sync_told_to_wait_runs_after_the_first_one(
    store: OrderStore, sandbox: Sandbox, client: MintedClient
) -> None:
    gate, inside = threading.Event(), threading.Event()
    thread, outcome = _held_sync(store, client, gate, inside)
    queued: dict[str, SyncReport] = {}
    second = threading.Thread(target=lambda: queued.update(r=store.sync(client, progress=False, wait=None)))
    second.start()
    time.sleep(0.3)
    assert second.is_alive() and "r" not in queued  # waiting for the lock, not interleaving
    gate.set()
    thread.join(30)
    second.join(30)
    assert outcome["report"].mode == "full" and outcome["report"].version == 0
    assert queued["r"].mode == "incremental" and not queued["r"].committed
    assert fresh_pull(client).orders.height == store.orders().collect().height
