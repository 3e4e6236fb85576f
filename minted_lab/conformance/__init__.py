"""``minted-lab conformance``: does this API answer as the docs and our contract say?

Every row of the endpoint table is called (reads only, unless ``--trade``) and each fact an answer
can confirm is its own check, marked ``documented`` (the public pages) or ``inferred`` (a guess of
docs/api-shapes.md): the envelope, keys, types, number and date formats, enums, the paginator,
the status list, the Digest challenge, the required headers, Accept-Language. Each check reports
``pass``, ``differs``, ``unreachable`` or ``skipped`` with what was expected and what was observed,
and never carries personal data or a secret.

    from minted_lab.conformance import CHECKS, Options, Session, run_checks
    report = run_checks(client.settings, Options(), Session())
    report.rows, report.exit_code

Modules: :mod:`.checks` (the checks, in table order), :mod:`.context` (the requests they share),
:mod:`.probe` (raw HTTP), :mod:`.trade` (the ``--trade`` round trip), :mod:`.runner`,
:mod:`.report` (the table, ``--json``), :mod:`.record` (``--record``), :mod:`.mask`, :mod:`.cli`.
"""

from __future__ import annotations

from minted_lab.conformance.checks import CHECKS, check_ids
from minted_lab.conformance.context import Options
from minted_lab.conformance.model import BASES, STATUSES, Check, Row
from minted_lab.conformance.runner import CouldNotRun, Report, Session, run_checks

__all__ = [
    "BASES",
    "CHECKS",
    "STATUSES",
    "Check",
    "CouldNotRun",
    "Options",
    "Report",
    "Row",
    "Session",
    "check_ids",
    "run_checks",
]
