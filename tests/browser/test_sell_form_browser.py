"""The SellForm in a real browser: Voilà serves the app notebook, Playwright drives Debian's Chromium.

Type an amount, Quote, tick the confirmation, double-click Sell: one order, whose code the page shows.

The sandbox runs in this test process; the kernel reaches it through MINTED_* variables. Every
request the page makes to anything but the Voilà server on 127.0.0.1 is aborted. A screenshot is
saved under ``test-output/``; with ``MINTED_LAB_UPDATE_SCREENSHOTS=1`` it also replaces
``docs/images/sell_form.png``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minted_lab.sandbox import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).with_name("sell_form_app.ipynb")
OUTPUT = ROOT / "test-output"
DOCS_IMAGE = ROOT / "docs" / "images" / "sell_form.png"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (scripts/test.sh installs it)"),
]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Return once the port accepts connections; fail with the server's output if it dies or never opens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"voila exited with {process.returncode}:\n{output[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"voila did not open port {port} within {timeout:.0f} s")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The sandbox the kernel trades against, running in this process."""
    with Sandbox(seed=7) as sb:
        yield sb


@pytest.fixture
def voila(sandbox: Sandbox, tmp_path: Path) -> Iterator[str]:
    """Voilà serving the app notebook on 127.0.0.1, its kernel pointed at the sandbox; yields the base URL."""
    port = free_port()
    env = {
        **os.environ,
        "MINTED_BASE_URL": sandbox.url,
        "MINTED_USERNAME": sandbox.username,
        "MINTED_PASSWORD": sandbox.password,
        "MINTED_LAB_HOME": str(tmp_path / "home"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "MPLBACKEND": "Agg",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", str(APP), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_sell_in_the_browser_shows_the_sandbox_order(sandbox: Sandbox, voila: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    problems: list[str] = []
    started = time.monotonic()
    phases: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 820})
            page.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith(voila) else route.abort()
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.goto(f"{voila}/", timeout=60_000)

            amount = page.locator(".ml-amount input")
            amount.wait_for(timeout=60_000)
            phases["page and kernel up"] = time.monotonic() - started
            expect(page.locator(".ml-env-badge")).to_contain_text("SANDBOX")
            expect(page.locator("button.ml-sell-button")).to_be_disabled()
            amount.fill("250")
            page.locator("button.ml-quote-button").click()
            expect(page.locator(".ml-preview table")).to_contain_text("Silver (GAG)", timeout=20_000)
            expect(page.locator(".ml-countdown")).to_contain_text("quote valid for")
            expect(page.locator("button.ml-sell-button")).to_be_disabled()

            page.locator(".ml-confirm input[type=checkbox]").check()
            sell = page.locator("button.ml-sell-button")
            expect(sell).to_be_enabled(timeout=10_000)
            page.locator(".ml-sell-form").screenshot(path=str(OUTPUT / "sell_form_quoted.png"))
            phases["quoted and confirmed"] = time.monotonic() - started
            sell.dblclick()
            code = page.locator(".ml-result .ml-order-code")
            code.wait_for(timeout=20_000)
            page.wait_for_timeout(500)
            phases["sold"] = time.monotonic() - started

            orders = sandbox.orders()
            assert len(orders) == 1, orders
            assert code.inner_text().strip() == orders[0]["order_code"]
            expect(page.locator(".ml-order-total")).to_contain_text(f"{orders[0]['total']:.2f} GBP")
            expect(sell).to_be_disabled()
            expect(page.locator(".ml-countdown")).to_have_text("")
            expect(page.locator(".ml-preview table")).to_contain_text(f"{orders[0]['total']:.2f}")

            page.screenshot(path=str(OUTPUT / "sell_form_page.png"), full_page=True)
            form_shot = OUTPUT / "sell_form.png"
            page.locator(".ml-sell-form").screenshot(path=str(form_shot))
        finally:
            browser.close()
    print("browser test phases (s since the server was up):", {k: round(v, 1) for k, v in phases.items()})
    assert problems == []
    assert [r.endpoint for r in sandbox.requests if r.endpoint == "sell" and r.status != 401] == ["sell"]
    if os.environ.get("MINTED_LAB_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(form_shot, DOCS_IMAGE)
