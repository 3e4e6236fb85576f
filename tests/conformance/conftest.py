"""Fixtures: the CLI run in-process over real HTTP, a clean MINTED_* environment, the examples server."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from minted_lab.sandbox.server import ServerThread

from .examples_server import PASSWORD, USERNAME, examples_app, junk_app


@dataclass
class Run:
    """One `minted-lab conformance` run: exit status, what it printed, and its --json rows."""

    code: int
    out: str
    err: str
    rows: list[dict[str, Any]]

    def status(self, check_id: str) -> str:
        return str(next(r["status"] for r in self.rows if r["id"] == check_id))

    def ids(self, status: str) -> set[str]:
        return {r["id"] for r in self.rows if r["status"] == status}


@pytest.fixture(autouse=True)
def _no_minted_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No MINTED_* settings leak in from the shell."""
    for name in list(os.environ):
        if name.startswith("MINTED_") and name != "MINTED_LAB_HOME":
            monkeypatch.delenv(name)


@pytest.fixture
def conformance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the CLI in this process (``main(argv)``) with --json into the test's directory."""
    from minted_lab.cli import main

    counter = 0

    def run(*argv: str) -> Run:
        nonlocal counter
        counter += 1
        rows_file = tmp_path / f"rows-{counter}.json"
        capsys.readouterr()
        code = main(["conformance", *argv, "--json", str(rows_file)])
        captured = capsys.readouterr()
        rows = json.loads(rows_file.read_text(encoding="utf-8")) if rows_file.exists() else []
        return Run(code, captured.out, captured.err, rows)

    return run


def _serve(app: Any) -> Iterator[str]:
    server = ServerThread(app, "127.0.0.1", 0)
    server.start()
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def examples_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The examples-only server, with MINTED_* pointing at it."""
    for url in _serve(examples_app()):
        monkeypatch.setenv("MINTED_BASE_URL", url)
        monkeypatch.setenv("MINTED_USERNAME", USERNAME)
        monkeypatch.setenv("MINTED_PASSWORD", PASSWORD)
        yield url


@pytest.fixture
def junk_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server answering 200 in undocumented shapes, with MINTED_* pointing at it."""
    for url in _serve(junk_app()):
        monkeypatch.setenv("MINTED_BASE_URL", url)
        monkeypatch.setenv("MINTED_USERNAME", "anyone")
        monkeypatch.setenv("MINTED_PASSWORD", "whatever-it-is")
        yield url
