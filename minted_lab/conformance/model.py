"""The rows of a conformance run and how a check says what it saw.

A check returns an :class:`Outcome` (``pass`` or ``differs`` with what it observed) or raises one of
:class:`Skip`, :class:`Unreachable` or :class:`Differs`; the runner turns anything else it raises
into that check's ``differs`` with the reason, so one surprising answer never stops the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from minted_lab.conformance.context import Context

__all__ = [
    "BASES",
    "STATUSES",
    "Basis",
    "Check",
    "Differs",
    "Outcome",
    "Row",
    "Skip",
    "Status",
    "Unreachable",
]

Status = Literal["pass", "differs", "unreachable", "skipped"]
STATUSES: Final[tuple[Status, ...]] = ("pass", "differs", "unreachable", "skipped")
Basis = Literal["documented", "inferred"]
BASES: Final[tuple[Basis, ...]] = ("documented", "inferred")


class Skip(Exception):
    """The check could not be made here (a read-only run, nothing to look at): ``skipped`` with the reason."""


class Unreachable(Exception):
    """The endpoint gave no usable answer (no connection, 404 route, 5xx): ``unreachable`` with what came back."""


class Differs(Exception):
    """The answer is not what the check expects: ``differs`` with what was observed."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check saw."""

    status: Literal["pass", "differs"]
    observed: str


def passed(observed: str) -> Outcome:
    return Outcome("pass", observed)


def differs(observed: str) -> Outcome:
    return Outcome("differs", observed)


@dataclass(frozen=True, slots=True)
class Check:
    """One fact a response can confirm: its id, the endpoint (row name, or ``*`` across them all),
    whether the expectation is documented or our inference, what is expected, and the function."""

    id: str
    endpoint: str
    basis: Basis
    expected: str
    run: Callable[[Context], Outcome]
    #: needs ``--trade`` (places orders)
    trade: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table and one object of ``--json``."""

    id: str
    endpoint: str
    basis: Basis
    status: Status
    expected: str
    observed: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint": self.endpoint,
            "basis": self.basis,
            "status": self.status,
            "expected": self.expected,
            "observed": self.observed,
        }
