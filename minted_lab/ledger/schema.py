"""The ledger's SQLite schema, as numbered steps: entry ``n`` takes a file from version ``n`` to ``n + 1``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from minted_lab.ledger.errors import LedgerError
from minted_lab.ledger.intent import now_text

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "apply_migrations"]

_INTENTS_V2 = """
    CREATE TABLE {name} (
        external_id TEXT PRIMARY KEY,
        side TEXT NOT NULL CHECK (side IN ('sell', 'buy')),
        state TEXT NOT NULL CHECK (state IN ('open', 'placed', 'not_placed', 'conflict')),
        currency TEXT NOT NULL,
        customer_external_id TEXT,
        items TEXT NOT NULL,
        request_body TEXT NOT NULL,
        quote_id INTEGER REFERENCES quotes(id),
        quote_fixed_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_id INTEGER,
        status_name TEXT,
        price TEXT,
        total TEXT,
        order_at TEXT,
        order_json TEXT,
        error TEXT,
        doubt_at TEXT,
        inflight_at TEXT
    )"""
_OUTCOMES_V2 = """
    CREATE TABLE {name} (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL REFERENCES {intents}(external_id),
        attempt INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN
            ('sent', 'placed', 'not_placed', 'unknown', 'refused', 'late', 'conflict')),
        via TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_name TEXT,
        total TEXT,
        error TEXT,
        at TEXT
    )"""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE quotes (
        id INTEGER PRIMARY KEY,
        price_token TEXT NOT NULL,
        currency TEXT NOT NULL,
        customer_external_id TEXT,
        fixed_at TEXT,
        expires_at TEXT,
        expire_ttl INTEGER,
        received_at TEXT NOT NULL
    );
    CREATE TABLE prices (
        id INTEGER PRIMARY KEY,
        observed_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('quote', 'product_prices')),
        quote_id INTEGER REFERENCES quotes(id),
        currency TEXT NOT NULL,
        sku TEXT NOT NULL,
        spot_price TEXT,
        buy_price TEXT,
        sell_price TEXT
    );
    CREATE INDEX prices_by_sku_time ON prices (sku, observed_at);
    CREATE TABLE intents (
        external_id TEXT PRIMARY KEY,
        side TEXT NOT NULL CHECK (side IN ('sell', 'buy')),
        state TEXT NOT NULL CHECK (state IN ('open', 'placed', 'not_placed')),
        currency TEXT NOT NULL,
        customer_external_id TEXT,
        items TEXT NOT NULL,
        request_body TEXT NOT NULL,
        quote_id INTEGER REFERENCES quotes(id),
        quote_fixed_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_id INTEGER,
        status_name TEXT,
        price TEXT,
        total TEXT,
        order_at TEXT,
        order_json TEXT,
        error TEXT
    );
    CREATE INDEX intents_by_state ON intents (state);
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL REFERENCES intents(external_id),
        attempt INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'placed', 'not_placed', 'unknown')),
        via TEXT NOT NULL,
        order_code TEXT,
        guid TEXT,
        status_name TEXT,
        total TEXT,
        error TEXT
    );
    CREATE INDEX outcomes_by_intent ON outcomes (external_id);
    """,
    # 2: doubt and in-flight times (the settle window), a conflict state, refused/late/conflict outcomes.
    _INTENTS_V2.format(name="intents_v2")
    + ";"
    + "INSERT INTO intents_v2 SELECT *, NULL, NULL FROM intents;"
    + _OUTCOMES_V2.format(name="outcomes_v2", intents="intents_v2")
    + ";"
    + "INSERT INTO outcomes_v2 SELECT *, NULL FROM outcomes;"
    + """
    DROP TABLE outcomes;
    DROP TABLE intents;
    ALTER TABLE intents_v2 RENAME TO intents;
    ALTER TABLE outcomes_v2 RENAME TO outcomes;
    CREATE INDEX intents_by_state ON intents (state);
    CREATE INDEX outcomes_by_intent ON outcomes (external_id);
    UPDATE intents SET inflight_at = updated_at WHERE state = 'open';
    """,
)
"""Schema steps: entry ``n`` takes a file from version ``n`` to ``n + 1``. Append, never edit."""

SCHEMA_VERSION = len(MIGRATIONS)


def apply_migrations(db: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` inside the caller's transaction."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version > len(MIGRATIONS):
        raise LedgerError(
            f"the ledger {path} has schema version {version}; this minted_lab knows up to "
            f"{len(MIGRATIONS)}: upgrade minted_lab"
        )
    for step in MIGRATIONS[version:]:
        for statement in filter(str.strip, step.split(";")):
            db.execute(statement)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (now_text(),))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(len(MIGRATIONS)),))
