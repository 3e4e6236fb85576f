"""Fault injection: latency, error statuses, dropped connections and malformed JSON, per endpoint."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from minted_lab.sandbox.routes import NAMES

#: what a fault may name (besides "*"): the sandbox's routes
ENDPOINTS: tuple[str, ...] = NAMES
KINDS: tuple[str, ...] = ("latency", "status", "drop_before_commit", "drop_after_commit", "malformed_json")


@dataclass
class Fault:
    """One injected fault: fires on the next `remaining` matching requests."""

    endpoint: str
    kind: str
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)


def _check_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind == "latency":
        unknown = set(params) - {"seconds"}
        seconds = float(params.get("seconds", 1.0))
        if seconds < 0 or seconds > 600:
            raise ValueError("latency seconds must be within 0..600")
        out: dict[str, Any] = {"seconds": seconds}
    elif kind == "status":
        unknown = set(params) - {"status", "retry_after"}
        status = int(params.get("status", 503))
        if not 400 <= status <= 599:
            raise ValueError("status must be a 4xx or 5xx code")
        out = {"status": status}
        if params.get("retry_after") is not None:
            out["retry_after"] = max(0, int(params["retry_after"]))
    else:
        unknown = set(params)
        out = {}
    if unknown:
        raise ValueError(f"unknown parameter(s) for {kind}: {', '.join(sorted(unknown))}")
    return out


class Faults:
    """The registry behind `sb.faults`: `inject(endpoint, kind, times=1, **params)`, `clear()`."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str]] = []

    def inject(self, endpoint: str, kind: str, times: int = 1, **params: Any) -> Fault:
        """Make the next `times` requests to `endpoint` (or "*" for any) fail as `kind`."""
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; use one of {', '.join(ENDPOINTS)} or '*'")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError("times must be a positive integer")
        fault = Fault(endpoint, kind, times, _check_params(kind, params))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """Faults that have not fired their last time yet."""
        with self._lock:
            return [Fault(f.endpoint, f.kind, f.remaining, dict(f.params)) for f in self._faults]

    def take(self, endpoint: str) -> Fault | None:
        """The first pending fault for `endpoint`, counted as fired once."""
        with self._lock:
            for fault in self._faults:
                if fault.endpoint in (endpoint, "*"):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    self.fired.append((endpoint, fault.kind))
                    return Fault(fault.endpoint, fault.kind, fault.remaining, dict(fault.params))
        return None

    def __repr__(self) -> str:
        return f"Faults({self.pending()!r})"


def parse_spec(spec: str) -> tuple[str, str, int, dict[str, Any]]:
    """`endpoint:kind[:times][:key=value,...]` (the CLI's `--fault`), e.g. `sell:status:2:status=429,retry_after=3`."""
    parts = spec.split(":")
    if len(parts) < 2 or len(parts) > 4:
        raise ValueError(f"bad fault spec {spec!r}; expected endpoint:kind[:times][:key=value,...]")
    endpoint, kind = parts[0], parts[1]
    times, params = 1, {}
    for extra in parts[2:]:
        if "=" in extra:
            for pair in extra.split(","):
                key, _, value = pair.partition("=")
                params[key.strip()] = float(value) if "." in value else int(value)
        else:
            times = int(extra)
    return endpoint, kind, times, params
