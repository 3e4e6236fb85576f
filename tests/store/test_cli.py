"""`minted-lab sync --store DIR`: sync_main against a seeded sandbox, busy and misconfigured runs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from filelock import FileLock

from minted_lab.store import OrderStore, configure, sync_main


def test_sync_main_syncs_from_a_sandbox_then_finds_nothing_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "store"
    argv = ["--store", str(target), "--sandbox", "--history", "90", "--no-progress"]
    assert sync_main(argv) == 0
    first = capsys.readouterr().out
    assert "full sync: 3 pages, 90 new" in first and "from sandbox (http://127.0.0.1:" in first
    assert sync_main(argv) == 0
    # one page: the last one, which holds every order of the last 7 days too (no sweep needed)
    assert "incremental sync: 1 pages, 0 new, 0 changed, 30 unchanged" in capsys.readouterr().out
    assert sync_main([*argv, "--reversal-days", "60"]) == 0
    assert "incremental sync: 2 pages" in capsys.readouterr().out, "a longer window sweeps a page"
    assert sync_main([*argv, "--reversal-days", "-1"]) == 2
    assert OrderStore(target).orders().collect().height == 90


def test_a_busy_store_exits_3_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "store"
    target.mkdir()
    with FileLock(str(target / ".sync.lock")):
        assert sync_main(["--store", str(target), "--sandbox", "--history", "10", "--no-progress"]) == 3
    assert "another sync of" in capsys.readouterr().err


def test_without_settings_it_exits_1_naming_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("MINTED_BASE_URL", "MINTED_USERNAME", "MINTED_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert sync_main(["--store", str(tmp_path / "s"), "--no-progress"]) == 1
    assert "minted-lab sync:" in capsys.readouterr().err


def test_the_options_a_cli_wires_in() -> None:
    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(["--store", "x", "--full", "--concurrency", "4", "--wait", "5"])
    assert (args.store, args.full, args.concurrency, args.wait, args.sandbox, args.progress) == (
        Path("x"),
        True,
        4,
        5.0,
        False,
        None,
    )
    assert sync_main(["--store", "x", "--concurrency", "0"]) == 2
