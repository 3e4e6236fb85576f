"""An intent as the ledger knows it, and the text forms its columns are stored in (money as TEXT decimals,
times as ISO 8601 UTC)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from minted_lab.catalog import API_TIME_ZONE, Side
from minted_lab.order_request import items_text

__all__ = [
    "Intent",
    "IntentState",
    "Side",
    "body_text",
    "decimal_of",
    "intent_of_row",
    "iso_text",
    "items_json",
    "money_text",
    "now_text",
    "time_of",
]

IntentState = Literal["open", "placed", "not_placed", "conflict"]


def now_text() -> str:
    """Now, as the ledger stores times: ISO 8601 in UTC, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def money_text(value: Any) -> str | None:
    """Money as a TEXT decimal (never a float)."""
    return None if value is None else str(Decimal(str(value)))


def decimal_of(value: str | None) -> Decimal | None:
    """A stored TEXT decimal back as a Decimal."""
    return None if value is None else Decimal(value)


def iso_text(value: datetime | None) -> str | None:
    """A time as stored: UTC ISO 8601 (naive times are the API's Istanbul times)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=API_TIME_ZONE)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def time_of(value: str | None) -> datetime | None:
    """A stored time back as an aware datetime."""
    return datetime.fromisoformat(value) if value else None


def body_text(request_body: bytes | Mapping[str, Any]) -> str:
    """A request body as journaled: exact bytes verbatim, a mapping as sorted JSON."""
    if isinstance(request_body, (bytes, bytearray)):
        return bytes(request_body).decode("utf-8")
    return json.dumps(request_body, default=str, sort_keys=True)


def items_json(items: Mapping[str, Any]) -> str:
    """Grams per SKU as stored: JSON of TEXT decimals, sorted by SKU."""
    return json.dumps({sku: str(Decimal(str(amount))) for sku, amount in items.items()}, sort_keys=True)


@dataclasses.dataclass(frozen=True)
class Intent:
    """One sell or buy as the ledger knows it: what was asked, and how it settled (if it has)."""

    external_id: str
    side: Side
    state: IntentState
    currency: str
    customer_external_id: str | None
    items: dict[str, Decimal]
    request_body: dict[str, Any]
    attempts: int
    created_at: datetime
    updated_at: datetime
    quote_id: int | None = None
    quote_fixed_at: datetime | None = None
    order_code: str | None = None
    guid: str | None = None
    status_id: int | None = None
    status_name: str | None = None
    price: Decimal | None = None
    total: Decimal | None = None
    order_at: datetime | None = None
    order_raw: dict[str, Any] | None = None
    error: str | None = None
    doubt_at: datetime | None = None
    inflight_at: datetime | None = None
    request_content: bytes = b""

    @property
    def is_open(self) -> bool:
        """True while the outcome of some attempt is unknown."""
        return self.state == "open"

    @property
    def doubt_since(self) -> datetime | None:
        """When the latest attempt that may still land was sent (client clock), or None."""
        times = [t for t in (self.doubt_at, self.inflight_at) if t is not None]
        return max(times) if times else None

    def may_land_for(self, now: datetime, settle_window: float) -> float:
        """Seconds left in the settle window of the latest doubtful attempt (0 once past, or none)."""
        since = self.doubt_since
        if since is None:
            return 0.0
        return min(settle_window, max(0.0, settle_window - (now - since).total_seconds()))

    def __repr__(self) -> str:
        settled = f" order={self.order_code} total={self.total}" if self.state == "placed" else ""
        error = f" error={self.error!r}" if self.error and self.state != "placed" else ""
        return (
            f"<Intent {self.external_id} {self.side} {items_text(self.items)} {self.currency} "
            f"state={self.state} attempts={self.attempts}{settled}{error}>"
        )


def intent_of_row(row: sqlite3.Row) -> Intent:
    body_text = row["request_body"]
    return Intent(
        external_id=row["external_id"],
        side=row["side"],
        state=row["state"],
        currency=row["currency"],
        customer_external_id=row["customer_external_id"],
        items={sku: Decimal(amount) for sku, amount in json.loads(row["items"]).items()},
        request_body=json.loads(body_text, parse_float=Decimal),
        attempts=row["attempts"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        quote_id=row["quote_id"],
        quote_fixed_at=time_of(row["quote_fixed_at"]),
        order_code=row["order_code"],
        guid=row["guid"],
        status_id=row["status_id"],
        status_name=row["status_name"],
        price=decimal_of(row["price"]),
        total=decimal_of(row["total"]),
        order_at=time_of(row["order_at"]),
        order_raw=json.loads(row["order_json"]) if row["order_json"] else None,
        error=row["error"],
        doubt_at=time_of(row["doubt_at"]),
        inflight_at=time_of(row["inflight_at"]),
        request_content=body_text.encode("utf-8"),
    )
