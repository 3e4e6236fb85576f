"""The sandbox: a faithful local emulator of the Minted Connect Partner API (Starlette under uvicorn)."""

from minted_lab.sandbox.clock import SandboxClock
from minted_lab.sandbox.runtime import RequestRecord
from minted_lab.sandbox.sandbox import Sandbox

__all__ = ["RequestRecord", "Sandbox", "SandboxClock"]
