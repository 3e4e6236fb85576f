"""A damaged, empty, truncated, read-only, full or busy ledger is refused in plain words, and never recreated."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from minted_lab.ledger import (
    SCHEMA_VERSION,
    Ledger,
    LedgerCorruptError,
    LedgerDiskFullError,
    LedgerError,
    LedgerLockedError,
    LedgerReadOnlyError,
)
from minted_lab.ledger.schema import MIGRATIONS

from .conftest import FakeOrder, sell_body

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def _with_intents(path: Path, n: int = 3) -> None:
    with Ledger(path) as ledger:
        for k in range(n):
            eid = f"ML-{k:012X}"
            ledger.open_intent(eid, "sell", {"GAG": 5}, sell_body(eid, 5), currency="GBP")
            ledger.settle_placed(eid, FakeOrder(eid))


def test_an_empty_ledger_file_is_refused_and_left_as_it_is(ledger_path: Path) -> None:
    _with_intents(ledger_path)
    ledger_path.write_bytes(b"")
    with pytest.raises(LedgerCorruptError, match="is empty"):
        Ledger(ledger_path)
    assert ledger_path.stat().st_size == 0


def test_a_ledger_that_lost_its_write_ahead_log_is_refused(ledger_path: Path, tmp_path: Path) -> None:
    """A process writes intents and dies before a checkpoint; then its -wal file is lost."""
    Ledger(ledger_path).close()
    saved = tmp_path / "before.sqlite"
    shutil.copy(ledger_path, saved)
    script = textwrap.dedent(f"""
        import os
        from minted_lab.ledger import Ledger
        ledger = Ledger({str(ledger_path)!r})
        for k in range(3):
            eid = f"ML-{{k:012X}}"
            ledger.open_intent(eid, "sell", {{"GAG": 5}}, {{"external_id": eid}}, currency="GBP")
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert json.loads(ledger_path.with_name(ledger_path.name + ".mark").read_text())["outcomes"] == 3
    shutil.copy(saved, ledger_path)  # the main file as it was before the lost log
    for extra in ("-wal", "-shm"):
        Path(str(ledger_path) + extra).unlink(missing_ok=True)
    with pytest.raises(LedgerCorruptError, match="truncated: it holds 0 outcome rows, but 3 were recorded"):
        Ledger(ledger_path)


def test_a_deleted_ledger_is_not_silently_recreated(ledger_path: Path) -> None:
    _with_intents(ledger_path)
    ledger_path.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(ledger_path) + extra).unlink(missing_ok=True)
    with pytest.raises(LedgerCorruptError, match="move the ledger and its .mark file aside"):
        Ledger(ledger_path)


def test_a_file_that_is_not_a_ledger_is_refused(ledger_path: Path) -> None:
    ledger_path.write_bytes(b"this is not a database, it is a note someone saved here\n" * 100)
    with pytest.raises(LedgerCorruptError, match="damaged"):
        Ledger(ledger_path)
    other = ledger_path.with_name("other.sqlite")
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE notes (x)")
    raw.commit()
    raw.close()
    with pytest.raises(LedgerCorruptError, match="has no ledger schema"):
        Ledger(other)


def test_a_read_only_folder_is_named_before_anything_is_sent() -> None:
    """Run as an unprivileged user (root ignores permissions): setpriv drops to nobody when we are root."""
    folder = Path(tempfile.mkdtemp(prefix="minted-ro-"))
    try:
        folder.chmod(0o755)
        (folder / "ro").mkdir(mode=0o555)
        (folder / "ro").chmod(0o555)
        script = textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).parents[2])!r})
            from minted_lab.ledger import Ledger, LedgerReadOnlyError
            try:
                Ledger({str(folder / "ro" / "ledger.sqlite")!r})
            except LedgerReadOnlyError as exc:
                print("refused:", exc)
        """)
        command = [sys.executable, "-c", script]
        if ROOT:
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert out.stdout.startswith("refused: the ledger "), out.stderr
        assert "is writable" in out.stdout
        assert not (folder / "ro" / "ledger.sqlite").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_ledger_is_refused_in_plain_words(ledger_path: Path) -> None:
    """As root ignores permissions, open the file read-only through SQLite's own URI flag."""
    _with_intents(ledger_path, 1)
    with Ledger(ledger_path) as ledger:
        ledger._conn.close()  # type: ignore[union-attr]
        ledger._conn = sqlite3.connect(
            f"file:{ledger_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        with pytest.raises(LedgerReadOnlyError, match="cannot be written while journaling ML-00000000000A"):
            ledger.open_intent("ML-00000000000A", "sell", {"GAG": 1}, sell_body("ML-00000000000A", 1), currency="GBP")
        assert ledger.intent("ML-00000000000A") is None


def test_a_full_disk_is_refused_in_plain_words_and_keeps_what_was_recorded(ledger_path: Path) -> None:
    _with_intents(ledger_path, 2)
    with Ledger(ledger_path) as ledger:
        pages = ledger._db.execute("PRAGMA page_count").fetchone()[0]
        ledger._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(LedgerDiskFullError, match="the disk is full"):
            for k in range(200):
                eid = f"ML-F{k:011X}"
                ledger.open_intent(eid, "sell", {"GAG": 1}, {"external_id": eid, "pad": "x" * 3000}, currency="GBP")
    with Ledger(ledger_path) as again:
        assert [i.state for i in again.intents()][:2] == ["placed", "placed"]


def test_a_ledger_held_by_another_process_is_named(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    script = textwrap.dedent(f"""
        import sqlite3, sys
        db = sqlite3.connect({str(ledger_path)!r}, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        print("held", flush=True)
        sys.stdin.readline()
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(LedgerLockedError, match="held by another process"):
            Ledger(ledger_path, busy_timeout=0.2)
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.close()
        child.wait(timeout=10)


def test_a_version_1_ledger_is_upgraded_keeping_its_history(ledger_path: Path) -> None:
    raw = sqlite3.connect(ledger_path, isolation_level=None)
    raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):
        raw.execute(statement)
    raw.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    raw.execute(
        "INSERT INTO intents (external_id, side, state, currency, items, request_body, attempts, created_at,"
        " updated_at) VALUES ('ML-0000000000AA', 'sell', 'open', 'GBP', '{\"GAG\": \"5\"}', '{}', 1,"
        " '2026-11-02T09:30:00+00:00', '2026-11-02T09:31:00+00:00')"
    )
    raw.execute(
        "INSERT INTO outcomes (external_id, attempt, recorded_at, outcome, via) VALUES"
        " ('ML-0000000000AA', 1, '2026-11-02T09:30:00+00:00', 'sent', 'intent')"
    )
    raw.close()
    with Ledger(ledger_path) as ledger:
        assert ledger.meta["schema_version"] == str(SCHEMA_VERSION)
        intent = ledger.intent("ML-0000000000AA")
        assert intent is not None and intent.state == "open"
        assert intent.doubt_since is not None and intent.doubt_since.isoformat() == "2026-11-02T09:31:00+00:00"
        assert [o["outcome"] for o in ledger.outcomes()] == ["sent"]
        settled = ledger.settle_conflict("ML-0000000000AA", "someone else's")
        assert settled.state == "conflict"


def test_every_ledger_failure_is_a_ledger_error() -> None:
    for cls in (LedgerCorruptError, LedgerDiskFullError, LedgerLockedError, LedgerReadOnlyError):
        assert issubclass(cls, LedgerError)
