"""The widgets in JupyterLab, in a real browser, and `minted-lab lab` that serves them.

One JupyterLab for the whole module, started the way a user starts it (``minted_lab.lab``, the
``minted-lab lab`` command, in a subprocess) on a temporary copy of ``lab/widgets_lab.ipynb``.
Its URL is read from what the command prints. Playwright drives Debian's Chromium: open the
notebook, Run All Cells from the menu, then use the widgets as a user does. SellForm: type grams,
Quote, watch the countdown tick, tick the confirmation, double-click Sell (one order, its code
shown). PriceBoard: Refresh, the sandbox clock moves, Refresh again (new prices, newer time).
OrdersExplorer: filter, Fetch (progress bar full), as many orders as the sandbox's book holds.
The last test presses Ctrl+C on the command: JupyterLab and its kernel are gone.

The sandbox runs in this test process; the kernel reaches it through MINTED_* variables. Every
request the page makes to anything but 127.0.0.1 is aborted (and listed in the timings file).
Jupyter's config, data, runtime, settings and workspaces live in a temporary folder. Screenshots
and ``lab_browser_timings.json`` go to ``test-output/``; with ``MINTED_LAB_UPDATE_SCREENSHOTS=1``
the SellForm's also replaces ``docs/images/lab_sell_form.png``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from minted_lab.lab import NOTEBOOKS, lab_command, lab_main
from minted_lab.sandbox import Sandbox

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = Path(__file__).with_name("lab") / "widgets_lab.ipynb"
OUTPUT = ROOT / "test-output"
DOCS_IMAGE = ROOT / "docs" / "images" / "lab_sell_form.png"
HOST = "127.0.0.1"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# JupyterLab's own outbound traffic off: no news feed, no update check, no PyPI extension manager.
OFFLINE_LAB = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
]
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
HISTORY = 300
"""Seeded past orders in the sandbox: enough for the explorer to fetch several pages."""
EXPLORER_ROWS = 5
"""Rows the notebook's explorer shows (``OrdersExplorer(client, rows=5)``)."""
PAGE_SIZE = 30
"""Orders per page the client asks for (``minted_lab._ops.PAGE_SIZE``)."""
URL_LINE = re.compile(r"(http://127\.0\.0\.1:(\d+))/lab\?token=([0-9a-f]+)")

in_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (scripts/test.sh installs it)"
)

TIMINGS: dict[str, Any] = {"tests": {}}
"""Seconds per phase and per test, written to test-output/lab_browser_timings.json at the end."""


@dataclass
class Lab:
    """The running `minted-lab lab` command: its process, the URL it printed, and where it keeps things."""

    process: subprocess.Popen[str]
    url: str
    base: str
    port: int
    token: str
    folder: Path
    runtime: Path
    log: Path
    stdout: list[str] = field(default_factory=list)

    def stop(self) -> int:
        """Ctrl+C, as a user stops it; the command's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                pytest.fail(f"minted-lab lab did not stop within 30 s of Ctrl+C:\n{self.log_tail()}")
        return self.process.returncode

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@dataclass
class Browser:
    """The notebook open and run in Chromium; what the page reported and what was kept from leaving."""

    page: Page
    errors: list[str]
    blocked: list[str]


def port_open(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), 0.2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def started() -> float:
    """When the module's first fixture started (for the total)."""
    return time.monotonic()


@pytest.fixture(scope="module")
def sandbox(started: float) -> Iterator[Sandbox]:
    """The sandbox the kernel trades against, running in this process, with a seeded history."""
    with Sandbox(seed=7, history=HISTORY) as sb:
        yield sb


@pytest.fixture(scope="module")
def lab(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory, started: float) -> Iterator[Lab]:
    """`minted-lab lab` on a temporary copy of the notebook, its kernels pointed at the sandbox."""
    tmp = tmp_path_factory.mktemp("lab")
    folder = tmp / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
    jupyter = tmp / "jupyter"
    # No "get notified about official Jupyter news?" toast over the widgets: that plugin is off.
    labconfig = jupyter / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": {ANNOUNCEMENTS: True}}))
    env = {
        **os.environ,
        "MINTED_BASE_URL": sandbox.url,
        "MINTED_USERNAME": sandbox.username,
        "MINTED_PASSWORD": sandbox.password,
        "MINTED_LAB_HOME": str(tmp / "home"),
        "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JUPYTER_TOKEN", None)
    log = tmp / "jupyterlab.log"
    t0 = time.monotonic()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "minted_lab.lab", "--dir", str(folder), "--", *OFFLINE_LAB],
            stdout=subprocess.PIPE,
            stderr=log_file,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp,
            text=True,
        )
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if URL_LINE.search(line):
                found.set()

    threading.Thread(target=read, name="lab-stdout", daemon=True).start()
    deadline = time.monotonic() + 120
    while not found.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"minted-lab lab printed no URL (exit {process.poll()}):\n{lines}\n{log.read_text()[-4000:]}")
    TIMINGS["server start (command to URL printed)"] = round(time.monotonic() - t0, 2)
    match = next(m for m in map(URL_LINE.search, lines) if m)
    running = Lab(
        process=process,
        url=match.group(0),
        base=match.group(1),
        port=int(match.group(2)),
        token=match.group(3),
        folder=folder,
        runtime=jupyter / "runtime",
        log=log,
        stdout=lines,
    )
    try:
        yield running
    finally:
        running.stop()
        TIMINGS["total (module wall time)"] = round(time.monotonic() - started, 2)
        OUTPUT.mkdir(exist_ok=True)
        (OUTPUT / "lab_browser_timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
        print("JupyterLab browser tests, seconds:", json.dumps(TIMINGS))


@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator[Browser]:
    """Chromium with the notebook open in JupyterLab and every cell run (Run > Run All Cells)."""
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(f"http://{HOST}:{lab.port}/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    t0 = time.monotonic()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 1300}, service_workers="block")
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(f"{lab.base}/lab/tree/{NOTEBOOK.name}?token={lab.token}", timeout=60_000)
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
            TIMINGS["JupyterLab page up"] = round(time.monotonic() - t0, 2)
            # Run once the kernel is connected and idle, as a user waits for the status bar to say so
            # (it goes "No Kernel | Initializing", "Connecting", "Unknown", then "Idle"; Run All
            # Cells before that runs nothing).
            expect(page.locator(".jp-StatusBar-Widget")).to_contain_text(
                re.compile(r"Python 3 \(ipykernel\) \| Idle"), timeout=60_000
            )
            TIMINGS["kernel idle"] = round(time.monotonic() - t0, 2)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            try:
                page.locator(".jp-OutputArea-output", has_text="kernel ready: sandbox").wait_for(timeout=60_000)
                page.locator(".ml-orders-explorer").wait_for(state="attached", timeout=60_000)
            except Exception:
                shot(page, "lab_failure.png")
                outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
                pytest.fail(f"the notebook did not show the widgets: {outputs}\n{errors}\n{lab.log_tail()}")
            TIMINGS["notebook run (kernel up, widgets shown)"] = round(time.monotonic() - t0, 2)
            yield Browser(page, errors, blocked)
        finally:
            TIMINGS["blocked requests (not to 127.0.0.1)"] = sorted(set(blocked))
            chromium.close()


@pytest.fixture(autouse=True)
def _timed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test's own time (its module fixtures excluded once set up)."""
    t0 = time.monotonic()
    yield
    TIMINGS["tests"][request.node.name] = round(time.monotonic() - t0, 2)


def shot(page_or_locator: Any, name: str) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / name
    page_or_locator.screenshot(path=str(path))
    return path


# ---------------------------------------------------------------------------------------- the command


def test_lab_command_builds_a_loopback_jupyterlab_on_the_notebooks() -> None:
    command = lab_command(NOTEBOOKS, 8123)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.ip={HOST}" in command
    assert "--ServerApp.port=8123" in command and "--ServerApp.port_retries=0" in command
    assert "--ServerApp.open_browser=False" in command
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in command
    assert (NOTEBOOKS / "01_quickstart.ipynb").is_file()
    assert not any("token" in part.lower() for part in command), "the token must not be on the command line"


def test_lab_command_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lab_main(["--dir", str(tmp_path / "nowhere")]) == 2
    assert "no folder" in capsys.readouterr().err


def test_lab_command_prints_a_url_whose_token_opens_the_api(lab: Lab) -> None:
    assert lab.url.startswith(f"http://{HOST}:{lab.port}/lab?token=")
    assert any(str(lab.folder) in line for line in lab.stdout), lab.stdout
    status = httpx.get(f"{lab.base}/api/status", params={"token": lab.token}, trust_env=False, timeout=10)
    assert status.status_code == 200, status.text
    assert {"started", "kernels", "last_activity"} <= set(status.json())
    # Fresh requests (no login cookie): without the token, or with another, the API is closed.
    assert httpx.get(f"{lab.base}/api/status", trust_env=False, timeout=10).status_code == 403
    wrong = httpx.get(f"{lab.base}/api/status", params={"token": "0" * 48}, trust_env=False, timeout=10)
    assert wrong.status_code == 403
    contents = httpx.get(
        f"{lab.base}/api/contents", headers={"Authorization": f"token {lab.token}"}, trust_env=False, timeout=10
    ).json()
    assert [c["name"] for c in contents["content"]] == [NOTEBOOK.name]


# ---------------------------------------------------------------------------------------- the widgets


@pytest.mark.browser
@in_chromium
def test_sell_form_in_jupyterlab_sells_once_and_shows_the_code(sandbox: Sandbox, browser: Browser) -> None:
    from playwright.sync_api import expect

    page = browser.page
    before = {o["order_code"] for o in sandbox.orders()}
    assert len(before) == HISTORY
    form = page.locator(".ml-sell-form")
    form.scroll_into_view_if_needed()
    expect(form.locator(".ml-env-badge")).to_contain_text("SANDBOX")
    sell = form.locator("button.ml-sell-button")
    expect(sell).to_be_disabled()

    form.locator(".ml-amount input").fill("250")
    form.locator("button.ml-quote-button").click()
    expect(form.locator(".ml-preview table")).to_contain_text("Silver (GAG)", timeout=20_000)
    countdown = form.locator(".ml-countdown")
    expect(countdown).to_contain_text("quote valid for")
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=5_000)  # the kernel's ticker moves it every second
    later = countdown.inner_text()
    left = [int(re.search(r"\((\d+) s\)", text).group(1)) for text in (first, later)]  # type: ignore[union-attr]
    assert 0 < left[1] < left[0] <= 240, (first, later)
    expect(sell).to_be_disabled()

    form.locator(".ml-confirm input[type=checkbox]").check()
    expect(sell).to_be_enabled(timeout=10_000)
    shot(form, "lab_sell_form_quoted.png")
    sell.dblclick()
    code = form.locator(".ml-result .ml-order-code")
    code.wait_for(timeout=20_000)
    page.wait_for_timeout(500)  # a second click's message, if one were sent, would have landed by now
    assert sandbox.wait_idle(10)

    new = [o for o in sandbox.orders() if o["order_code"] not in before]
    assert len(new) == 1, new
    assert len(sandbox.orders()) == HISTORY + 1
    assert new[0]["type"].lower() == "sell"
    assert code.inner_text().strip() == new[0]["order_code"]
    expect(form.locator(".ml-order-total")).to_contain_text(f"{new[0]['total']:.2f} GBP")
    assert [r.endpoint for r in sandbox.requests if r.endpoint == "sell" and r.status != 401] == ["sell"]
    expect(sell).to_be_disabled()
    expect(countdown).to_have_text("")
    form_shot = shot(form, "lab_sell_form.png")
    assert browser.errors == []
    if os.environ.get("MINTED_LAB_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(form_shot, DOCS_IMAGE)


def _board_state(board: Any) -> tuple[datetime, dict[str, str]]:
    """The time the board's prices are of, and each metal's spot as shown."""
    updated = board.locator(".ml-updated").inner_text()
    stamp = re.search(r"prices of (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", updated)
    assert stamp is not None, updated
    spots: dict[str, str] = {}
    for row in board.locator(".ml-prices-rows tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        spots[cells[0]] = cells[1]
    return datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S"), spots


@pytest.mark.browser
@in_chromium
def test_price_board_in_jupyterlab_refreshes_after_the_clock_moves(sandbox: Sandbox, browser: Browser) -> None:
    from playwright.sync_api import expect

    board = browser.page.locator(".ml-price-board")
    board.scroll_into_view_if_needed()
    refresh = board.locator("button.ml-refresh-button")
    refresh.click()
    expect(board.locator(".ml-updated")).to_contain_text("prices of", timeout=20_000)
    expect(board.locator(".ml-prices-rows")).to_contain_text("Gold (GAU)")
    at, spots = _board_state(board)
    assert len(spots) >= 4 and all(spots.values()), spots

    sandbox.clock.advance(600)
    updated_text = board.locator(".ml-updated").inner_text()
    refresh.click()
    expect(board.locator(".ml-updated")).not_to_have_text(updated_text, timeout=20_000)
    later_at, later_spots = _board_state(board)
    assert (later_at - at).total_seconds() == 600
    assert later_spots.keys() == spots.keys()
    assert later_spots != spots, "ten minutes of sandbox market should move some spot price"
    expect(board.locator("img.ml-prices-chart")).to_be_visible()  # two snapshots: the chart is drawn
    shot(board, "lab_price_board.png")
    assert browser.errors == []


@pytest.mark.browser
@in_chromium
def test_orders_explorer_in_jupyterlab_fetches_every_matching_order(sandbox: Sandbox, browser: Browser) -> None:
    from playwright.sync_api import expect

    explorer = browser.page.locator(".ml-orders-explorer")
    explorer.scroll_into_view_if_needed()
    explorer.locator(".ml-tx-type select").select_option("sell")
    explorer.locator(".ml-status select").select_option(label="Completed")  # the options come from the API
    explorer.locator("button.ml-fetch-button").click()
    totals = explorer.locator(".ml-orders-totals")
    totals.wait_for(timeout=30_000)

    # The sandbox's own book at the same sandbox time (its clock does not move meanwhile).
    expected = sum(1 for o in sandbox.orders() if o["type"].lower() == "sell" and o["status_name"] == "Completed")
    pages = math.ceil(expected / PAGE_SIZE)
    assert pages >= 3, "the history should need several pages"
    expect(explorer).to_contain_text(f"{expected} orders in {pages} pages")
    expect(explorer).to_contain_text(f"first {EXPLORER_ROWS} of {expected} orders")
    assert explorer.locator(".ml-orders-rows tbody tr").count() == EXPLORER_ROWS
    shown = explorer.locator(".ml-orders-rows tbody tr")
    assert {r.locator("td").nth(2).inner_text().lower() for r in shown.all()} == {"sell"}
    assert {r.locator("td").nth(3).inner_text() for r in shown.all()} == {"Completed"}
    foot = [c.strip() for c in totals.locator("tfoot td").all_inner_texts()]
    assert foot[0] == "all" and foot[2] == str(expected), foot
    bar = explorer.locator(".ml-progress .progress-bar")
    expect(bar).to_have_class(re.compile(r"progress-bar-success"))
    assert bar.evaluate("el => el.style.width") == "100%"
    expect(explorer.locator("img.ml-orders-chart")).to_be_visible()
    shot(explorer, "lab_orders_explorer.png")
    shot(browser.page, "lab_notebook.png")
    assert browser.errors == []


# ---------------------------------------------------------------------------------------- stopping


def _kernel_processes(runtime: Path) -> list[int]:
    """Pids of the kernels of this JupyterLab (their command line names its runtime folder)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and "ipykernel" in cmdline and str(runtime) in cmdline:
            pids.append(int(proc.name))
    return pids


def test_ctrl_c_stops_jupyterlab_and_its_kernels(lab: Lab) -> None:
    running = httpx.get(
        f"{lab.base}/api/kernels", headers={"Authorization": f"token {lab.token}"}, trust_env=False, timeout=10
    ).json()
    kernels = _kernel_processes(lab.runtime) if sys.platform == "linux" else []
    if sys.platform == "linux":
        assert len(kernels) == len(running), (kernels, running)  # one process per kernel the server runs
    t0 = time.monotonic()
    assert lab.stop() == 0, lab.log_tail()
    TIMINGS["stop (Ctrl+C to exit)"] = round(time.monotonic() - t0, 2)
    assert not port_open(lab.port)
    if sys.platform == "linux":
        time.sleep(0.2)
        assert kernels == [] or _kernel_processes(lab.runtime) == []
    assert "received signal 15, stopping" in lab.log_tail()
