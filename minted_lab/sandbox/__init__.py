"""The sandbox: a faithful local emulator of the Minted Connect Partner API (Starlette under uvicorn).

    with Sandbox(seed=7, history=5000) as sb:       # 127.0.0.1, a free port, real Digest auth
        sb.faults.inject("sell", "drop_after_commit")
        sb.clock.advance(300)                        # quotes expire, orders complete: no sleeping

Contract: docs/api-shapes.md. CLI: `minted-lab sandbox --port 8750 --seed 7`. Profiles (profiles.py):
`Sandbox(profile="documented")` answers the way the docs' own examples do where they differ from it.
"""

from minted_lab.sandbox.clock import SandboxClock
from minted_lab.sandbox.profiles import DEFAULT, DOCUMENTED, PROFILES, Profile
from minted_lab.sandbox.runtime import RequestRecord
from minted_lab.sandbox.sandbox import Sandbox

__all__ = ["DEFAULT", "DOCUMENTED", "PROFILES", "Profile", "RequestRecord", "Sandbox", "SandboxClock"]
