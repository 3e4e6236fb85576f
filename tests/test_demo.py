"""`minted-lab demo`: runs end to end into a temporary directory, prints its summary, writes real PNGs and HTML."""

from __future__ import annotations

import argparse
import os
import re
import struct
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest

from minted_lab import demo

PNGS = ("price.png", "spread.png", "order_totals.png")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def run_demo(out: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], Path, float]:
    """Run ``minted-lab demo --out out *options`` as a user would (no MINTED_* settings, no display)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINTED_") or k == "MINTED_LAB_HOME"}
    env["MPLBACKEND"] = "Agg"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "minted_lab.cli", "demo", "--out", str(out), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, out, time.perf_counter() - started


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, float]:
    """One demo run, as the README runs it, into a fresh directory (shared by the tests below)."""
    return run_demo(tmp_path_factory.mktemp("demo") / "reports")


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
    # Executed orders only (catalog.EXECUTED_STATUSES): the demo's own sell is still Pending.
    assert re.search(
        r"^  counted as executed \(Completed, Packed, Preparing, Shipped, Transferring\): 4563 orders, "
        r"438 others not counted$",
        text,
        re.M,
    ), text
    buys = re.search(r"^  executed buys +(\d+) orders, +[\d,]+\.\d\d GBP$", text, re.M)
    sells = re.search(r"^  executed sells +(\d+) orders, +[\d,]+\.\d\d GBP$", text, re.M)
    assert buys and sells and int(buys[1]) + int(sells[1]) == 4563
    months = re.findall(r"^    (2026-\d\d)([* ])  Buy +[\d,]+\.\d\d  Sell +[\d,]+\.\d\d$", text, re.M)
    assert [m for m, _ in months] == [f"2026-{m:02}" for m in range(5, 12)], text
    assert [m for m, star in months if star == "*"] == ["2026-05", "2026-11"], "the partial months are marked"
    assert f"Wrote to {out.resolve()}/:" in text
    for name in (*PNGS, "report.html"):
        assert re.search(rf"^  {re.escape(name)} +[\d,]+ (KiB|B)$", text, re.M), name
    assert re.search(r"^Done in [\d.]+ s\.$", text, re.M)
    assert "Traceback" not in result.stderr
    assert "order/s" not in result.stderr and "notebook" not in result.stderr, "no progress bar when nobody watches"


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
    assert re.search(r"full +sync: 167 pages, 5000 new", html) and "5000 orders with 5000 items" in html
    assert html.count("data:image/png;base64") >= 2
    assert "Traceback" not in html
    assert "seed=7" in html and "orders=5000" in html, "the sandbox the demo asked for"
    assert "buy amount (g)" not in html, "no always-empty column"
    assert "spot (GBP/g)" in html and "buy spread (% of spot)" in html, "units in the tables"


def test_every_chart_in_the_report_gets_the_environment_badge() -> None:
    """Each plot call in the report's notebooks passes ``environment=`` (the plots draw the badge from it)."""
    import nbformat

    calls = 0
    for name in demo.REPORT_NOTEBOOKS:
        nb = nbformat.read(Path(demo.__file__).parent.parent / "notebooks" / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            for call in re.findall(
                r"\bplot_\w+\((?:[^()]|\([^()]*\))*\)", cell.source if cell.cell_type == "code" else ""
            ):
                calls += 1
                assert "environment=client.environment" in call, f"{name}: {call}"
    assert calls >= 2


@pytest.mark.slow
def test_the_report_shows_the_seed_and_size_the_demo_was_given(tmp_path: Path) -> None:
    """``--seed 8 --history 300`` reach the notebooks (papermill parameters), not only the PNGs."""
    result, out, _ = run_demo(tmp_path / "reports", "--seed", "8", "--history", "300")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^Sandbox: seed 8, 300 past orders,", result.stdout, re.M)
    assert "for the report (seed 8, history 300)" in result.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"<[^>]+>", "", html))  # code is syntax-highlighted: read it as the page shows it
    assert text.count("seed = 8") == 2 and text.count("history = 300") == 2, "the injected parameters, per notebook"
    assert "Sandbox(seed=8, " in html and "orders=300, " in html, "01's sandbox"
    assert re.search(r"full +sync: +10 pages, 300 new", html) and "300 orders with 300 items" in html, "04's history"
    assert "seed=7" not in text and "5000 orders" not in text
    assert "Traceback" not in html


def test_demo_options() -> None:
    """--out defaults to reports/, the sandbox to seed 7 with 5000 orders; --no-report skips the notebooks."""
    parser = argparse.ArgumentParser()
    demo.configure(parser)
    args = parser.parse_args([])
    assert (args.out, args.seed, args.history, args.no_report) == (Path("reports"), 7, 5000, False)
    assert parser.parse_args(["--out", "x", "--no-report"]).no_report is True


def test_the_report_notebooks_take_the_demos_parameters(tmp_path: Path) -> None:
    """Each report notebook has a papermill ``parameters`` cell with ``seed`` and ``history``; a wrong name is refused."""
    from minted_lab.report import NOTEBOOKS_DIR, find_notebooks, parameter_names, parameterise

    paths = find_notebooks(NOTEBOOKS_DIR, demo.REPORT_NOTEBOOKS)
    assert len(paths) == len(demo.REPORT_NOTEBOOKS)
    for path in paths:
        assert parameter_names(path) == ["seed", "history"], path.name
        nb = parameterise(path, {"seed": 8, "history": 300})
        tags = [cell.metadata.get("tags", []) for cell in nb.cells]
        at = tags.index(["parameters"])
        assert tags[at + 1] == ["injected-parameters"], "the given values come right after the defaults"
        assert "seed = 8" in nb.cells[at + 1].source and "history = 300" in nb.cells[at + 1].source
        with pytest.raises(ValueError, match="not sed"):
            parameterise(path, {"sed": 8})
    plain = tmp_path / "plain.ipynb"
    plain.write_text(paths[0].read_text(encoding="utf-8").replace('"parameters"', '"other"'), encoding="utf-8")
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        parameterise(plain, {"seed": 8})


def test_progress_bars_only_where_a_person_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal or a Jupyter kernel shows bars; a pipe or a log file (CI, the tests) does not."""

    class Tty:
        def isatty(self) -> bool:
            return True

    assert demo.watched() is False  # pytest captures stderr
    monkeypatch.setattr(sys, "stderr", Tty())
    assert demo.watched() is True
