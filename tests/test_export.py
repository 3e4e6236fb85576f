"""`minted-lab export`: the history lands in files with exact money, each order once, and bad input fails clearly."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl

from minted_lab.cli import main
from minted_lab.frames import ITEMS_SCHEMA, ORDERS_SCHEMA
from minted_lab.sandbox import Sandbox


def test_export_from_a_sandbox_to_parquet_and_csv(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out, items = tmp_path / "orders.parquet", tmp_path / "items.csv"
    assert main(["export", "--sandbox", "--history", "120", "--out", str(out), "--items", str(items)]) == 0
    orders = pl.read_parquet(out)
    assert orders.schema == ORDERS_SCHEMA
    with Sandbox(seed=7, history=120) as sb:
        expected = sb.orders()
    assert orders.height == len(expected) == orders["guid"].n_unique()
    assert orders["total"].sum() == sum(Decimal(str(o["total"])) for o in expected)
    assert pl.read_csv(items).height == sum(len(o["items"]) for o in expected)
    assert list(pl.read_csv(items).columns) == ITEMS_SCHEMA.names()
    printed = capsys.readouterr().out
    assert f"{len(expected)} orders from sandbox" in printed and "sandbox-password" not in printed


def test_export_filters(tmp_path: Path) -> None:
    out = tmp_path / "sells.csv"
    assert (
        main(["export", "--sandbox", "--history", "120", "--type", "sell", "--status", "Completed", "--out", str(out)])
        == 0
    )
    frame = pl.read_csv(out)
    assert frame.height > 0
    assert set(frame["type"]) == {"Sell"} and set(frame["status_name"]) == {"Completed"}


def test_export_refuses_an_unknown_format_before_any_request(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--sandbox", "--out", str(tmp_path / "orders.xlsx")]) == 2
    assert "expected a .parquet or .csv file" in capsys.readouterr().err


def test_export_without_settings_names_what_is_missing(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "minted_lab.cli", "export", "--out", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 1
    assert "MINTED_BASE_URL" in run.stderr and not (tmp_path / "o.csv").exists()
