"""The table a partner reads, and the ``--json`` rows.

Rows are already masked by the runner; this module only lays them out: one line per check
(``check, endpoint, basis, status, expected, observed``), the counts, then every row that differs
or is unreachable in full, since those are the ones to send back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minted_lab.conformance.model import Row
from minted_lab.conformance.runner import Report

__all__ = ["render", "summary", "write_json"]

COLUMNS = ("check", "endpoint", "basis", "status", "expected", "observed")
#: the widest expected / observed cell in the table (``--wide`` shows them whole)
NARROW = {"expected": 46, "observed": 58}


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    if width is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"


def _cells(row: Row, wide: bool) -> tuple[str, ...]:
    return (
        row.id,
        row.endpoint,
        row.basis,
        row.status,
        _cut(row.expected, None if wide else NARROW["expected"]),
        _cut(row.observed, None if wide else NARROW["observed"]),
    )


def table(rows: Sequence[Row], wide: bool = False) -> str:
    """The rows as an aligned text table."""
    lines = [COLUMNS, *(_cells(row, wide) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) - 1)]
    out = []
    for number, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])) + "  " + line[-1])
        if number == 0:
            out.append("  ".join("-" * w for w in widths) + "  " + "-" * len(COLUMNS[-1]))
    return "\n".join(out)


def summary(report: Report) -> str:
    counts = report.counts
    total = sum(counts.values())
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    verdict = (
        "everything checked conforms"
        if report.exit_code == 0
        else "something differs or is unreachable: send the rows below (and --record's files) back"
    )
    return f"{total} checks: {parts}. {verdict}."


def render(report: Report, wide: bool = False) -> str:
    """The whole text output: heading, table, counts, then the rows that need attention in full."""
    meta = report.meta
    heading = (
        f"minted-lab conformance against {meta.get('environment')} ({meta.get('base_url')}), "
        f"{meta.get('mode')}, minted_lab {meta.get('minted_lab')}"
    )
    if meta.get("sandbox_profile"):
        heading += f", sandbox profile {meta['sandbox_profile']}"
    parts = [heading, "", table(report.rows, wide), "", summary(report)]
    attention = [row for row in report.rows if row.status in ("differs", "unreachable")]
    if attention:
        parts.append("")
        parts.append("Not passing:")
        for row in attention:
            parts.append(f"  {row.id} [{row.status}, {row.basis}, {row.endpoint}]")
            parts.append(f"    expected: {row.expected}")
            parts.append(f"    observed: {row.observed}")
    return "\n".join(parts)


def rows_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [row.as_dict() for row in rows]


def write_json(path: Path, rows: Sequence[Row]) -> None:
    """``--json FILE``: a JSON list of {id, endpoint, basis, status, expected, observed}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows_json(rows), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
