"""``--record DIR``: every response body of the run, masked, for a partner to send back.

One file per answer (``001-pricefix.json``...) holding the request line, the status, the headers
that matter and the body with personal fields and credentials masked (:mod:`.mask`); ``index.json``
lists them with the run's settings (no credential), and ``conformance.json`` holds the table's rows.
Files are written at the end of the run, so a value first seen late is scrubbed everywhere.
Numbers are written exactly as they came (``2857.40`` stays ``2857.40``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from minted_lab.conformance.mask import Masker
from minted_lab.conformance.model import Row
from minted_lab.conformance.probe import Exchange

__all__ = ["Recorder", "pretty"]

#: response headers worth keeping (nothing that could carry a session)
KEPT_HEADERS = ("content-type", "www-authenticate", "retry-after", "allow", "content-language")
_DIGEST_SECRETS = re.compile(r'\b(nonce|opaque|cnonce|response)=("[^"]*"|[^,\s]*)', re.IGNORECASE)


def pretty(value: Any, indent: int = 0) -> str:
    """Indented JSON with every Decimal written exactly (never through float)."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {pretty(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(parts) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{pretty(v, indent + 1)}" for v in value) + f"\n{pad}]"
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else "null"
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "answer"


class Recorder:
    """Collects the run's answers; ``write`` masks and saves them."""

    def __init__(self, directory: Path, masker: Masker) -> None:
        self.directory = directory
        self.masker = masker
        self.exchanges: list[Exchange] = []

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def _entry(self, exchange: Exchange) -> dict[str, Any]:
        masker = self.masker
        headers = {}
        for name in KEPT_HEADERS:
            value = exchange.headers.get(name)
            if value is not None:
                value = _DIGEST_SECRETS.sub(lambda m: f"{m.group(1)}=***", value)
                headers[name] = masker.scrub(value)
        entry: dict[str, Any] = {
            "label": exchange.label,
            "endpoint": exchange.endpoint,
            "request": {"method": exchange.method, "target": masker.scrub(exchange.target)},
            "status": exchange.status,
            "error": exchange.error,
            "elapsed_ms": round(exchange.elapsed * 1000),
            "headers": headers,
        }
        try:
            entry["body"] = masker.mask(exchange.json())
        except ValueError:
            entry["body_text"] = masker.scrub(exchange.content[:4000].decode("utf-8", "replace"))
        return entry

    def write(self, meta: Mapping[str, Any], rows: Sequence[Row]) -> list[Path]:
        """Write every answer, ``index.json`` and ``conformance.json``; returns the paths written."""
        self.directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        index: list[dict[str, Any]] = []
        for number, exchange in enumerate(self.exchanges, start=1):
            path = self.directory / f"{number:03d}-{_safe_name(exchange.label)}.json"
            entry = self._entry(exchange)
            path.write_text(pretty(entry) + "\n", encoding="utf-8")
            written.append(path)
            index.append(
                {"file": path.name, "label": exchange.label, "endpoint": exchange.endpoint, "status": exchange.status}
            )
        index_path = self.directory / "index.json"
        index_path.write_text(pretty({"run": dict(meta), "answers": index}) + "\n", encoding="utf-8")
        rows_path = self.directory / "conformance.json"
        rows_path.write_text(pretty([row.as_dict() for row in rows]) + "\n", encoding="utf-8")
        return [*written, index_path, rows_path]
