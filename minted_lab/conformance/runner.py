"""Run every check against one API and collect the rows.

The run first makes sure it *can* run (the server answers, and the credentials are accepted after
the Digest challenge): otherwise :class:`CouldNotRun` (exit 2). Then each check runs in its phase
(reads, the ``--trade`` round trip, the checks over everything seen), each on its own: whatever one
raises becomes that check's row, never the run's end.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from minted_lab import __version__
from minted_lab.config import Settings
from minted_lab.conformance.checks import CHECKS, PHASES
from minted_lab.conformance.context import Context, Options
from minted_lab.conformance.mask import Masker
from minted_lab.conformance.model import STATUSES, Check, Differs, Row, Skip, Status, Unreachable
from minted_lab.conformance.probe import Exchange, Probe
from minted_lab.conformance.record import Recorder

if TYPE_CHECKING:
    from minted_lab.conformance.trade import Trader

__all__ = ["CouldNotRun", "Report", "Session", "evaluate", "run_checks"]

#: the longest observed text a row keeps
MAX_OBSERVED = 400


class CouldNotRun(Exception):
    """The run could not start: no answer at all, or the credentials were refused (exit 2)."""


@dataclass
class Session:
    """What outlives the probe: the masker, the recorder and every answer (the trading client's too)."""

    masker: Masker = field(default_factory=Masker)
    recorder: Recorder | None = None
    answers: list[Exchange] = field(default_factory=list)

    def sink(self, exchange: Exchange) -> None:
        """Given every answer as it arrives: learn its personal values, keep it, record it."""
        with contextlib.suppress(ValueError):
            self.masker.learn(exchange.json())
        self.answers.append(exchange)
        if self.recorder is not None:
            self.recorder.add(exchange)


@dataclass
class Report:
    """The rows of a run and what it ran against."""

    rows: list[Row]
    meta: dict[str, Any]

    @property
    def counts(self) -> dict[Status, int]:
        seen = Counter(row.status for row in self.rows)
        return {status: seen.get(status, 0) for status in STATUSES}

    @property
    def exit_code(self) -> int:
        """0 when every row passed (or was skipped with a reason), 1 when one differs or is unreachable."""
        return 0 if all(row.status in ("pass", "skipped") for row in self.rows) else 1


def evaluate(check: Check, ctx: Context, masker: Masker) -> Row:
    """Run one check; anything it raises is its own row."""
    status: Status
    try:
        outcome = check.run(ctx)
        status, observed = outcome.status, outcome.observed
    except Skip as exc:
        status, observed = "skipped", str(exc)
    except Unreachable as exc:
        status, observed = "unreachable", str(exc)
    except Differs as exc:
        status, observed = "differs", str(exc)
    except Exception as exc:  # an answer in a shape no check foresaw: that check differs, the run goes on
        status, observed = "differs", f"unexpected {type(exc).__name__}: {str(exc)[:200]}"
    observed = masker.scrub(observed)
    if len(observed) > MAX_OBSERVED:
        observed = observed[: MAX_OBSERVED - 1] + "…"
    return Row(check.id, check.endpoint, check.basis, status, masker.scrub(check.expected), observed)


def preflight(ctx: Context, settings: Settings) -> None:
    """Raise CouldNotRun when nothing answers or the credentials are refused."""
    where = settings.base_url
    bare = ctx.pricefix_auth("none")
    if not bare.answered:
        raise CouldNotRun(f"no answer from {where}: {bare.error}")
    signed = ctx.pricefix()
    if not signed.answered:
        raise CouldNotRun(f"no answer from {where} to an authenticated request: {signed.error}")
    if signed.status == 401:
        raise CouldNotRun(
            f"{where} refused the credentials (401 after the Digest challenge): check MINTED_USERNAME and MINTED_PASSWORD"
        )


def run_checks(
    settings: Settings,
    options: Options,
    session: Session,
    *,
    trader: Callable[[], Trader] | None = None,
    meta: Mapping[str, Any] | None = None,
    checks: list[Check] | None = None,
) -> Report:
    """Every check against the API of ``settings``; ``trader`` makes the round trip's trader (``--trade``)."""
    session.masker.add_secrets(settings.password)
    probe = Probe(settings, sink=session.sink)
    ctx = Context(probe, options, trader() if trader is not None and options.trade else None)
    ctx.answers = session.answers
    started = datetime.now(UTC)
    try:
        preflight(ctx, settings)
        chosen = CHECKS if checks is None else checks
        rows: dict[str, Row] = {}
        for phase in (0, 1, 2):
            for check in chosen:
                if PHASES.get(check.id, 0) == phase:
                    rows[check.id] = evaluate(check, ctx, session.masker)
    finally:
        probe.close()
    info = {
        "environment": settings.environment,
        "base_url": settings.base_url,
        "mode": "trade" if options.trade else "read-only",
        "minted_lab": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "requests": len(session.answers),
        **dict(meta or {}),
    }
    return Report([rows[c.id] for c in chosen], info)
