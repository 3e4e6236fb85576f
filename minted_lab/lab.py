"""`minted-lab lab`: the repository's notebooks in JupyterLab, on 127.0.0.1, with a token.

A thin wrapper over ``python -m jupyterlab``: it picks a free port (or ``--port``), makes a token,
starts JupyterLab on the notebooks folder without opening a browser (unless ``--browser``), waits
until the server answers ``/api/status`` with that token, and prints the URL to open. Ctrl+C (or
SIGTERM) stops JupyterLab and its kernels. Nothing is set for the kernels: each notebook starts
its own seeded sandbox as it does under nbval, or uses staging when ``MINTED_BASE_URL`` is set.

Arguments after ``--`` go to JupyterLab unchanged (``minted-lab lab -- --ServerApp.log_level=WARN``).
JupyterLab comes with the ``notebook`` extra: ``pip install -e '.[notebook]'``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import httpx

__all__ = ["HOST", "NOTEBOOKS", "configure", "lab_command", "lab_main", "run"]

HOST = "127.0.0.1"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
"""The repository's notebooks/ (next to the package in a source checkout or an editable install)."""
START_TIMEOUT = 90.0
"""Seconds JupyterLab gets to answer ``/api/status`` before the command gives up."""
STOP_TIMEOUT = 20.0
"""Seconds JupyterLab gets to shut its kernels down after SIGTERM before it is killed."""


class _Stop(Exception):
    """Raised in the main thread by SIGTERM so the server is stopped like on Ctrl+C."""


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of ``minted-lab lab``."""
    parser.add_argument("--port", type=int, default=0, help=f"port on {HOST} (default: a free one)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="the folder to open (default: the repository's notebooks/)",
    )
    parser.add_argument("--browser", action="store_true", help="open the URL in the default web browser")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=START_TIMEOUT,
        help=f"seconds to wait for JupyterLab to answer (default {START_TIMEOUT:.0f})",
    )
    parser.add_argument("jupyter_args", nargs="*", metavar="-- JUPYTER_ARG", help="passed on to jupyter lab")


def lab_main(argv: Sequence[str] | None = None) -> int:
    """``minted-lab lab [--port N] [--dir DIR] [--browser] [-- JUPYTER_ARGS...]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="minted-lab lab", description="Open the notebooks in JupyterLab.")
    configure(parser)
    return run(parser.parse_args(argv))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def lab_command(folder: Path, port: int, extra: Sequence[str] = ()) -> list[str]:
    """The JupyterLab command line: loopback only, this port or fail (no silent move), no browser.

    As root (a container, a CI machine) JupyterLab refuses to start unless allowed: allowed here,
    since the server listens on loopback only and asks for the token.
    """
    as_root = ["--ServerApp.allow_root=True"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={folder}",
        *as_root,
        *extra,
    ]


def run(args: argparse.Namespace) -> int:
    """Start JupyterLab, print its URL once it answers, and keep it up until Ctrl+C or SIGTERM."""
    if importlib.util.find_spec("jupyterlab") is None:
        print(
            "minted-lab lab: JupyterLab is not installed; install the notebook extra: pip install -e '.[notebook]'",
            file=sys.stderr,
        )
        return 1
    folder = (args.dir if args.dir is not None else NOTEBOOKS).expanduser().resolve()
    if not folder.is_dir():
        print(f"minted-lab lab: no folder {folder} (pass --dir)", file=sys.stderr)
        return 2
    port = int(args.port) or free_port()
    token = secrets.token_hex(24)
    extra = [a for a in args.jupyter_args if a != "--"]
    # The token travels in the environment, not on the command line other users can read with ps.
    env = {**os.environ, "JUPYTER_TOKEN": token}
    env.pop("JUPYTER_TOKEN_FILE", None)
    base = f"http://{HOST}:{port}"
    with _stop_on_sigterm():
        process = subprocess.Popen(
            lab_command(folder, port, extra),
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            # Its own session: Ctrl+C reaches this process only, which stops JupyterLab with SIGTERM
            # (a clean shutdown of every kernel) instead of JupyterLab's interactive prompt.
            start_new_session=os.name == "posix",
        )
        try:
            problem = _wait_until_up(process, base, token, float(args.start_timeout))
            if problem is not None:
                print(f"minted-lab lab: {problem}", file=sys.stderr)
                return process.returncode if process.returncode not in (None, 0) else 1
            url = f"{base}/lab?token={token}"
            print(f"JupyterLab is up on {folder}", flush=True)
            print(f"  {url}", flush=True)
            if os.environ.get("MINTED_BASE_URL"):
                print(
                    f"  MINTED_BASE_URL is set: the notebooks' staging cell uses {os.environ['MINTED_BASE_URL']}",
                    flush=True,
                )
            print("Press Ctrl+C to stop it.", flush=True)
            if args.browser:
                webbrowser.open(url)
            return _wait(process)
        except (KeyboardInterrupt, _Stop):
            return 0
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen[bytes], base: str, token: str, timeout: float) -> str | None:
    """None once ``/api/status`` answers 200 with the token; else what went wrong."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"token {token}"}
    with httpx.Client(timeout=2.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"JupyterLab exited with {process.returncode} before it answered (see its log above)"
            try:
                status = http.get(f"{base}/api/status", headers=headers).status_code
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if status == 200:
                return None
            if status in (401, 403):
                return f"JupyterLab on {base} refuses the token (HTTP {status}): does a jupyter config set its own?"
            time.sleep(0.2)
    return f"JupyterLab did not answer on {base} within {timeout:.0f} s"


def _wait(process: subprocess.Popen[bytes]) -> int:
    """The server's exit code, waiting in short steps so Ctrl+C is noticed at once on every platform."""
    while True:
        try:
            return process.wait(0.5)
        except subprocess.TimeoutExpired:
            continue


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (JupyterLab shuts its kernels down), then a kill if it takes longer than STOP_TIMEOUT."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # too slow, or a second Ctrl+C: no more waiting
        process.kill()
        process.wait(5)


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`_Stop` meanwhile (main thread only), so the server is never orphaned."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(lab_main())
