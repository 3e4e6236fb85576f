"""`minted-lab demo`: runs end to end into a temporary directory, prints its summary, writes real PNGs and HTML."""

from __future__ import annotations

import argparse
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minted_lab import demo

PNGS = ("price.png", "spread.png", "order_totals.png")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, float]:
    """One demo run, as the README runs it, into a fresh directory (shared by the tests below)."""
    out = tmp_path_factory.mktemp("demo") / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINTED_") or k == "MINTED_LAB_HOME"}
    env["MPLBACKEND"] = "Agg"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "minted_lab.cli", "demo", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, out, time.perf_counter() - started


@pytest.mark.slow
def test_demo_succeeds_within_a_minute(demo_run: tuple[subprocess.CompletedProcess[str], Path, float]) -> None:
    result, _, seconds = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert seconds < 60, f"the demo took {seconds:.0f} s"


@pytest.mark.slow
def test_demo_prints_a_readable_summary(demo_run: tuple[subprocess.CompletedProcess[str], Path, float]) -> None:
    """Prices, the sell (order code and total), the history count and totals, and where the outputs are."""
    result, out, _ = demo_run
    text = result.stdout
    assert re.search(r"^Sandbox: seed 7, 5000 past orders, clock frozen at 2026-11-02 09:30", text, re.M), text
    for sku in ("GAU", "GAG", "GPT", "GPD"):
        assert re.search(rf"^  {sku} +\d+\.\d{{4}} +\d+\.\d\d +\d+\.\d\d +\+\d+\.\d\d% +-\d+\.\d\d%$", text, re.M), sku
    assert re.search(
        r"^Sold: order [A-Z0-9]{8} \(Pending\), total 290\.00 GBP, external id ML-[0-9A-F]{12}$", text, re.M
    )
    assert re.search(r"^History: 5001 orders on 167 pages in [\d.]+ s, 2026-05-04 to 2026-11-02$", text, re.M)
    assert re.search(r"^  by status: Completed 4563, Cancelled 287, Refunded 150, Pending 1$", text, re.M)
    assert re.search(r"^  completed buys +\d+ orders, +[\d,]+\.\d\d GBP$", text, re.M)
    assert re.search(r"^  completed sells +\d+ orders, +[\d,]+\.\d\d GBP$", text, re.M)
    assert f"Wrote to {out.resolve()}/:" in text
    for name in (*PNGS, "report.html"):
        assert re.search(rf"^  {re.escape(name)} +[\d,]+ (KiB|B)$", text, re.M), name
    assert re.search(r"^Done in [\d.]+ s\.$", text, re.M)
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", PNGS)
def test_demo_writes_real_plots(demo_run: tuple[subprocess.CompletedProcess[str], Path, float], name: str) -> None:
    """Each plot is a PNG of a sensible size with plenty of drawing in it (not an empty figure)."""
    _, out, _ = demo_run
    path = out / name
    width, height = png_size(path)
    assert width >= 600 and height >= 300, (width, height)
    assert path.stat().st_size > 15_000, f"{name} is suspiciously small"


@pytest.mark.slow
def test_demo_writes_the_executed_notebooks_as_html(
    demo_run: tuple[subprocess.CompletedProcess[str], Path, float],
) -> None:
    """report.html holds the quickstart and the analytics notebooks, executed: their outputs and plots."""
    _, out, _ = demo_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(html) > 100_000
    assert "01 · Quickstart" in html and "04 · Order history analytics" in html
    assert "environment: sandbox" in html
    assert re.search(r"167 pages: 5000 orders with 5000 items", html)
    assert html.count("data:image/png;base64") >= 2
    assert "Traceback" not in html


def test_demo_options() -> None:
    """--out defaults to reports/, the sandbox to seed 7 with 5000 orders; --no-report skips the notebooks."""
    parser = argparse.ArgumentParser()
    demo.configure(parser)
    args = parser.parse_args([])
    assert (args.out, args.seed, args.history, args.no_report) == (Path("reports"), 7, 5000, False)
    assert parser.parse_args(["--out", "x", "--no-report"]).no_report is True
